import MailCore
import MailStore
import XCTest
@testable import IMAP

/// FETCH of UID, FLAGS and MODSEQ straight from the view (`ViewOnlyFetch`)
/// writes the same bytes as the general path (`FetchItemBuilder.items`
/// then `IMAPResponseEncoder.fetchPieces`) for every attribute order,
/// UID FETCH, CHANGEDSINCE, keywords and sequence sets.
final class ViewOnlyFetchTests: MessagesTestCase {
    /// What the general path writes for the command: the reference.
    func generalPath(_ line: String, on selected: SelectedMailbox, enabled: EnabledExtensions) throws -> String {
        guard case .fetch(let set, let attributes, let modifiers, let uid)? = command("A " + line) else {
            XCTFail("not a FETCH: \(line)")
            return ""
        }
        var changedSince: UInt64?
        for case .changedSince(let value) in modifiers { changedSince = value }
        let builder = FetchItemBuilder(attributes: attributes, uid: uid, changedSince: changedSince != nil,
                                       condstore: SelectedMailboxCommands.condStoreOn(enabled),
                                       qresync: enabled.contains(.qresync))
        var bytes: [UInt8] = []
        for message in try selected.messages(in: set, uid: uid) {
            if let changedSince, UInt64(max(message.modSeq, 0)) <= changedSince { continue }
            let items = try builder.items(for: FetchSource(message: message, record: nil))
            for piece in IMAPResponseEncoder.fetchPieces(message.sequenceNumber, items) {
                guard case .bytes(let part) = piece else { return "a literal in a view-only FETCH" }
                bytes += part
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func testSameBytesAsTheGeneralPath() async throws {
        // Later MODSEQs for a few, so CHANGEDSINCE picks some out.
        let records = try await addFlagPatternMessages(12, later: [3, 9])
        let selected = try await view()
        let middle = records[6].modSeq
        let lines = [
            "FETCH 1:* (UID FLAGS)", "FETCH 1:* (FLAGS)", "FETCH 1:* (FLAGS UID)", "FETCH 2,4:6,11:* (UID)",
            "FETCH 1:* (MODSEQ)", "FETCH 3 (FLAGS MODSEQ UID)", "FETCH 1:* (FLAGS FLAGS)",
            "UID FETCH 1:* (FLAGS)", "UID FETCH 5:7,10 (FLAGS UID)", "UID FETCH 1:* (MODSEQ FLAGS)",
            "UID FETCH 100:* (FLAGS)", "FETCH 1:* (FLAGS) (CHANGEDSINCE \(middle))",
            "UID FETCH 1:* (UID) (CHANGEDSINCE \(middle))", "UID FETCH 1:* (FLAGS MODSEQ) (CHANGEDSINCE 1)",
        ]
        for enabled: EnabledExtensions in [[], [.condstore]] {
            for line in lines {
                let fast = await runFetch(line, on: selected, enabled: enabled)
                XCTAssertEqual(fast.tagged, "OK FETCH completed", line)
                XCTAssertEqual(fast.output, try generalPath(line, on: selected, enabled: enabled), line)
            }
        }
        // A fixture, so that both paths being wrong the same way still fails.
        let first = await runFetch("FETCH 1:3 (UID FLAGS)", on: selected)
        XCTAssertEqual(first.output, "* 1 FETCH (UID 1 FLAGS ())\r\n"
                       + "* 2 FETCH (UID 2 FLAGS (\\Seen $Forwarded))\r\n"
                       + "* 3 FETCH (UID 3 FLAGS (\\Flagged \\Seen $Junk project-x))\r\n")
        let bad = await runFetch("FETCH 13 (FLAGS)", on: selected)
        XCTAssertTrue(bad.tagged.hasPrefix("BAD"), bad.tagged)
    }

    /// Anything the view does not hold, or that sets `\Seen`, takes the general path.
    func testOnlyViewAttributesTakeTheFastPath() {
        func items(_ attributes: [FetchAttribute], uid: Bool = false, changedSince: Bool = false)
            -> [ViewOnlyFetch.Item]? {
            ViewOnlyFetch.items(for: FetchItemBuilder(attributes: attributes, uid: uid, changedSince: changedSince))
        }
        XCTAssertEqual(items([.uid, .flags]), [.uid, .flags])
        XCTAssertEqual(items([.flags], uid: true), [.uid, .flags])
        XCTAssertEqual(items([.flags, .uid], uid: true), [.flags, .uid])
        XCTAssertEqual(items([.flags], changedSince: true), [.flags, .modSeq])
        XCTAssertEqual(items([.modSeq, .flags], changedSince: true), [.modSeq, .flags])
        XCTAssertNil(items([]))
        XCTAssertNil(items([.uid, .rfc822Size]))
        XCTAssertNil(items([.flags, .internalDate]))
        XCTAssertNil(items([.flags, .rfc822]))
    }

    func testDecimalDigits() {
        for value: UInt64 in [0, 1, 9, 10, 99, 100, 4_294_967_295, UInt64.max] {
            var bytes: [UInt8] = Array("x".utf8)
            DecimalDigits.append(value, to: &bytes)
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "x\(value)")
        }
    }
}
