import Foundation
import Logging
import XCTest
@testable import MailStore

/// `SpoolFile`, the `BlobStore` and the store calls that take a spooled
/// message (`deliverMessage(spooled:…)`, `enqueueOutbound(_:spooled:)`) and
/// ranged reads.
final class SpoolTests: StoreTestCase {
    /// Bytes that cross several 64 KiB buffer boundaries, not a multiple of it.
    private func bigMessage(_ size: Int = 200_003) -> [UInt8] {
        var bytes = Array("From: bob@example.org\r\nSubject: big\r\nMessage-ID: <big@x>\r\n\r\n".utf8)
        var line = 0
        while bytes.count < size {
            bytes += Array("line \(line) of the body, padded out a little\r\n".utf8)
            line += 1
        }
        return Array(bytes.prefix(size))
    }

    private func spoolFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/spool")) ?? []).sorted()
    }

    func testHashAndSizeEqualTheBytesWrittenInPieces() throws {
        let store = try openStore()
        let bytes = bigMessage()
        let spool = try store.makeSpoolFile(maximumSize: nil)
        var index = 0
        for piece in [1, 70_000, 3, 65_536, 10] {
            try spool.write(bytes[index..<min(index + piece, bytes.count)])
            index = min(index + piece, bytes.count)
        }
        try spool.write(bytes[index...])
        XCTAssertEqual(spool.size, bytes.count)
        XCTAssertEqual(try spool.finish(), MessageContentHash.of(bytes))
        XCTAssertEqual(try spool.read(offset: 0, count: bytes.count + 10), bytes)
        XCTAssertEqual(spoolFiles().count, 1)
    }

    func testOverTheBoundThrowsAndRemovesTheFile() throws {
        let store = try openStore()
        let spool = try store.makeSpoolFile(maximumSize: 1000)
        try spool.write([UInt8](repeating: 0x61, count: 1000))
        XCTAssertEqual(spoolFiles().count, 1)
        XCTAssertThrowsError(try spool.write([0x61])) { error in
            guard case MailStoreError.messageTooLarge = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(spoolFiles(), [])
        XCTAssertThrowsError(try spool.write([0x61]))
    }

    func testAbortAndDeinitRemoveTheFile() throws {
        let store = try openStore()
        let spool = try store.makeSpoolFile(maximumSize: nil)
        try spool.write(bigMessage(100_000))
        spool.abort()
        XCTAssertEqual(spoolFiles(), [])
        do {
            let dropped = try store.makeSpoolFile(maximumSize: nil)
            try dropped.write([1, 2, 3])
            XCTAssertEqual(spoolFiles().count, 1)
        }
        XCTAssertEqual(spoolFiles(), [])
    }

    func testDeliveryAdoptsTheSpoolAsOneSharedBlob() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let bob = try await store.createAccount(address: "bob@example.org", passwordHash: "$6$x$y")
        let bobBox = try await store.mailbox(accountID: bob.id, name: "INBOX")
        let bobInbox = try XCTUnwrap(bobBox)
        let bytes = bigMessage()
        let records: [MessageRecord]
        do {
            let spool = try store.makeSpoolFile(maximumSize: nil)
            try spool.write(bytes)
            records = try await store.deliverMessage(spooled: spool, internalDate: Date(), to: [inbox.id, bobInbox.id])
        }
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(spoolFiles(), [], "the spool's own name goes when it is closed")
        XCTAssertEqual(bodyFileNames().count, 1, "one blob for both copies")
        for record in records {
            XCTAssertEqual(record.size, bytes.count)
            XCTAssertEqual(record.contentHash, MessageContentHash.of(bytes))
            XCTAssertEqual(record.messageID, "big@x")
            let stored = try await store.messageBody(mailboxID: record.mailboxID, uid: record.uid)
            XCTAssertEqual(stored, bytes)
        }
    }

    func testAppendSpooledMessagesAdoptsEachSpoolInOneTransaction() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let first = bigMessage(), second = bigMessage(70_001)
        let records: [MessageRecord]
        do {
            let a = try store.makeSpoolFile(maximumSize: nil), b = try store.makeSpoolFile(maximumSize: nil)
            try a.write(first)
            try b.write(second)
            records = try await store.appendMessages(mailboxID: inbox.id, spooled: [
                SpooledMessage(spool: a, flags: [.seen]), SpooledMessage(spool: b, keywords: ["$x"])])
            // The spools stay the caller's: closing them keeps the stored blobs.
            a.abort()
            b.abort()
        }
        XCTAssertEqual(records.map(\.uid), [records[0].uid, records[0].uid + 1])
        XCTAssertEqual(records[0].flags, [.seen])
        XCTAssertEqual(records[1].keywords, ["$x"])
        XCTAssertEqual(spoolFiles(), [])
        XCTAssertEqual(bodyFileNames().count, 2)
        let storedFirst = try await store.messageBody(mailboxID: inbox.id, uid: records[0].uid)
        let storedSecond = try await store.messageBody(mailboxID: inbox.id, uid: records[1].uid)
        XCTAssertEqual(storedFirst, first)
        XCTAssertEqual(storedSecond, second)
        XCTAssertEqual(records[1].contentHash, MessageContentHash.of(second))
    }

    func testAppendSpooledMessagesToAMissingMailboxStoresNothing() async throws {
        let (store, _, _) = try await storeWithInbox()
        let spool = try store.makeSpoolFile(maximumSize: nil)
        try spool.write(bigMessage())
        do {
            _ = try await store.appendMessages(mailboxID: 999_999, spooled: [SpooledMessage(spool: spool)])
            XCTFail("appended to a missing mailbox")
        } catch {}
        spool.abort()
        XCTAssertEqual(bodyFileNames(), [])
        XCTAssertEqual(spoolFiles(), [])
    }

    func testRangedReads() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        let bytes = bigMessage()
        let spool = try store.makeSpoolFile(maximumSize: nil)
        try spool.write(bytes)
        let delivered = try await store.deliverMessage(spooled: spool, internalDate: Date(), to: [inbox.id])
        let record = try XCTUnwrap(delivered.first)
        func range(_ offset: Int, _ length: Int) async throws -> [UInt8] {
            try await store.messageBody(mailboxID: inbox.id, uid: record.uid, offset: offset, length: length)
        }
        let a = try await range(0, 10)
        XCTAssertEqual(a, Array(bytes[0..<10]))
        let b = try await range(65_530, 100_000)
        XCTAssertEqual(b, Array(bytes[65_530..<165_530]))
        let c = try await range(bytes.count - 5, 100)
        XCTAssertEqual(c, Array(bytes.suffix(5)))
        let d = try await range(bytes.count + 10, 100)
        XCTAssertEqual(d, [])
        do {
            _ = try await store.messageBody(mailboxID: inbox.id, uid: record.uid + 1, offset: 0, length: 1)
            XCTFail("a missing UID has no body")
        } catch MailStoreError.messageNotFound {}
    }

    /// Several messages' ranges in one call: each as the single ranged
    /// read gives it, in the order asked, nil for a UID that is gone.
    func testRangedReadsOfSeveralMessages() async throws {
        let (store, _, inbox) = try await storeWithInbox()
        var bodies: [[UInt8]] = []
        for index in 0..<5 {
            let body = sampleMessage("ranged \(index)") + [UInt8](repeating: UInt8(0x61 + index), count: 1000 * index)
            bodies.append(body)
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: body))
        }
        _ = try await store.expunge(mailboxID: inbox.id, uids: [4])
        let ranges = [BodyRange(uid: 5, offset: 10, length: 50), BodyRange(uid: 1, offset: 0, length: 5_000),
                      BodyRange(uid: 4, offset: 0, length: 10), BodyRange(uid: 3, offset: 1_000_000, length: 10),
                      BodyRange(uid: 5, offset: 0, length: 3), BodyRange(uid: 99, offset: 0, length: 1)]
        let parts = try await store.messageBodies(mailboxID: inbox.id, ranges: ranges)
        XCTAssertEqual(parts.count, ranges.count)
        XCTAssertEqual(parts[0], Array(bodies[4][10..<60]))
        XCTAssertEqual(parts[1], bodies[0], "a range past the end gives what there is")
        XCTAssertNil(parts[2], "expunged")
        XCTAssertEqual(parts[3], [])
        XCTAssertEqual(parts[4], Array(bodies[4][0..<3]))
        XCTAssertNil(parts[5], "never existed")
        for (range, part) in zip(ranges, parts) where part != nil {
            let single = try await store.messageBody(mailboxID: inbox.id, uid: range.uid, offset: range.offset,
                                                     length: range.length)
            XCTAssertEqual(part, single)
        }
        let none = try await store.messageBodies(mailboxID: inbox.id, ranges: [])
        XCTAssertEqual(none.count, 0)
        do {
            _ = try await store.messageBodies(mailboxID: 999_999, ranges: [BodyRange(uid: 1, offset: 0, length: 1)])
            XCTFail("an unknown mailbox was read")
        } catch MailStoreError.mailboxNotFound {}
    }

    func testStoreBoundAppliesToSpooledDelivery() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let store = try SQLiteMailStore(directory: directory, logger: logger, maximumMessageSize: 100)
        defer { Task { try? await store.close() } }
        let spool = try store.makeSpoolFile(maximumSize: 1000)
        XCTAssertEqual(spool.maximumSize, 100)
        XCTAssertThrowsError(try spool.write([UInt8](repeating: 0x61, count: 101)))
    }

    func testQueueAdoptsTheSpool() async throws {
        let store = try openStore()
        let bytes = bigMessage()
        let spool = try store.makeSpoolFile(maximumSize: nil)
        try spool.write(bytes)
        let queued = try await store.enqueueOutbound(
            OutboundMessageDraft(sender: "a@example.org", recipients: [.init(address: "b@example.net")], body: []),
            spooled: spool)
        XCTAssertEqual(queued.size, bytes.count)
        let body = try await store.queuedMessageBody(id: queued.id)
        XCTAssertEqual(body, bytes)
    }

    func testStartUpSweepRemovesAbandonedSpoolFilesOnly() async throws {
        let store = try openSQLiteStore()
        let live = try store.makeSpoolFile(maximumSize: nil)
        try live.write([1, 2, 3])
        // A spool file a crashed process left: nobody holds its lock.
        let crashed = directory + "/spool/0123456789abcdef0123456789abcdef.spool"
        XCTAssertTrue(FileManager.default.createFile(atPath: crashed, contents: Data([1, 2])))
        XCTAssertEqual(spoolFiles().count, 2)
        _ = try openSQLiteStore(removeOrphanFiles: true)
        XCTAssertEqual(spoolFiles(), [String(live.path.split(separator: "/").last!)])
        live.abort()
    }

    func testBlobStoreRoundTrip() async throws {
        let blobs = try FileBlobStore(root: directory + "/blobs")
        let id = try await blobs.put(Array("hello, blob".utf8))
        let whole = try await blobs.get(id)
        XCTAssertEqual(whole, Array("hello, blob".utf8))
        let part = try await blobs.get(id, offset: 7, length: 4)
        XCTAssertEqual(part, Array("blob".utf8))
        let size = try await blobs.size(id)
        XCTAssertEqual(size, 11)
        try await blobs.delete([id])
        do {
            _ = try await blobs.get(id)
            XCTFail("deleted")
        } catch {}
    }
}
