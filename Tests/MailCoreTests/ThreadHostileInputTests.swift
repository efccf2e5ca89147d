import XCTest
@testable import MailCore

/// THREAD=REFERENCES on hostile input: deep chains, huge References
/// fields, loops. Each case is bounded by a count of the work done (the
/// loop-check steps), not by a clock.
final class ThreadHostileInputTests: XCTestCase {
    private let depth = 100_000

    /// Message k replies to `parentOf(k)` with In-Reply-To only.
    private func chain(_ count: Int, parentOf: (Int) -> Int?) -> [SortableMessage] {
        (1...count).map { k in
            SortableMessage(id: UInt32(k), internalDate: MailDate(secondsSinceEpoch: Int64(k)), size: 0,
                            subject: utf8Bytes("Re: deep"), messageID: utf8Bytes("<\(k)@deep>"),
                            inReplyTo: parentOf(k).map { utf8Bytes("<\($0)@deep>") })
        }
    }

    /// The ids from the top of a single chain to its bottom, walking down
    /// without recursion; nil when some node has more than one child.
    private func chainIDs(_ threads: [ThreadNode]) -> [UInt32]? {
        guard threads.count == 1 else { return nil }
        var ids: [UInt32] = []
        var node = threads[0]
        while true {
            guard let id = node.id else { return nil }
            ids.append(id)
            let children = node.children
            if children.isEmpty { return ids }
            guard children.count == 1 else { return nil }
            node = children[0]
        }
    }

    func testHundredThousandDeepChainInSequenceOrder() {
        // Every parent comes before its reply: each link's loop check ends
        // at once (the new child has no replies yet).
        let (threads, steps) = MessageThreader.referenceThreads(chain(depth) { $0 > 1 ? $0 - 1 : nil })
        XCTAssertEqual(chainIDs(threads), (1...depth).map(UInt32.init))
        XCTAssertLessThanOrEqual(steps, depth)
        let notation = ThreadNode.notation(threads)
        XCTAssertTrue(notation.hasPrefix("(1 2 3 4 "))
        XCTAssertTrue(notation.hasSuffix(" 99999 100000)"))
    }

    func testHundredThousandDeepChainInReverseOrder() {
        // Every reply comes before its parent (message k replies to k + 1):
        // the walk up from each new parent ends at once.
        let (threads, steps) = MessageThreader.referenceThreads(chain(depth) { $0 < self.depth ? $0 + 1 : nil })
        XCTAssertEqual(chainIDs(threads), (1...depth).reversed().map(UInt32.init))
        XCTAssertLessThanOrEqual(steps, 2 * depth)
    }

    func testDeepChainWithFullReferencesFields() {
        // A realistic chain: each message lists its last 30 ancestors.
        let count = 5_000
        let messages = (1...count).map { k in
            SortableMessage(id: UInt32(k), internalDate: MailDate(secondsSinceEpoch: Int64(k)), size: 0,
                            subject: utf8Bytes("Re: deep"), messageID: utf8Bytes("<\(k)@deep>"),
                            references: utf8Bytes((max(1, k - 30)..<k).map { "<\($0)@deep>" }.joined(separator: " ")))
        }
        let (threads, steps) = MessageThreader.referenceThreads(messages)
        XCTAssertEqual(chainIDs(threads), (1...count).map(UInt32.init))
        XCTAssertLessThanOrEqual(steps, 2 * count)
    }

    func testTenThousandReferencesAreCappedToTheLastHundred() {
        let ids = (1...10_000).map { "<r\($0)@x>" }
        let field = utf8Bytes(ids.joined(separator: " "))
        let used = MessageIDList.references(references: field, inReplyTo: nil)
        XCTAssertEqual(used.count, MessageIDList.maxReferences)
        XCTAssertEqual(used.first, utf8Bytes("r9901@x"))
        XCTAssertEqual(used.last, utf8Bytes("r10000@x"))

        // r1 is in the mailbox, but beyond the cap: the reply is not linked
        // to it. r10000 is in the mailbox too: the reply is its child.
        let messages = [
            threaded(1, subject: "first", messageID: "<r1@x>"),
            threaded(2, subject: "last", messageID: "<r10000@x>"),
            sortable(3, date: januaryDate(3), subject: "reply", messageID: "<3@x>", references: ids.joined(separator: " ")),
        ]
        XCTAssertEqual(ThreadNode.notation(MessageThreader.references(messages)), "(1)(2 3)")
    }

    func testManyMessagesWithTenThousandReferencesEach() {
        // 30 messages, each naming the same 10,000 IDs in its own shuffled
        // order: the last 100 of each are linked into a tangle of
        // conflicting parents and loops, which is refused within the budget.
        let ids = (0..<10_000).map { "<h\($0)@x>" }
        var random: UInt64 = 0x9E37_79B9_7F4A_7C15
        let messages = (0..<30).map { k -> SortableMessage in
            var shuffled = ids
            for index in stride(from: shuffled.count - 1, to: 0, by: -1) {
                random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                shuffled.swapAt(index, Int((random >> 33) % UInt64(index + 1)))
            }
            return SortableMessage(id: UInt32(k + 1), internalDate: MailDate(secondsSinceEpoch: Int64(k)), size: 0,
                                   subject: utf8Bytes("spam \(k)"), messageID: utf8Bytes("<m\(k)@x>"),
                                   references: utf8Bytes(shuffled.joined(separator: " ")))
        }
        let links = ThreadReferenceLinks(messages)
        XCTAssertLessThanOrEqual(links.nodeCount, 30 + 30 * MessageIDList.maxReferences)
        XCTAssertLessThanOrEqual(links.loopCheckSteps, links.loopCheckBudget)
        // Every message is in the result exactly once.
        var seen = Set<UInt32>()
        var pending = MessageThreader.references(messages)
        while let node = pending.popLast() {
            if let id = node.id { XCTAssertTrue(seen.insert(id).inserted, "message \(id) twice") }
            pending.append(contentsOf: node.children)
        }
        XCTAssertEqual(seen, Set(1...30))
    }

    func testLoopChecksStayWithinTheirBudget() {
        // A chain 1 → … → 2000, then 2000 messages whose References say
        // "2000 is the parent of 1": every such link is a loop, and finding
        // that out walks the whole chain. The budget bounds the total.
        let length = 2_000
        var messages = chain(length) { $0 > 1 ? $0 - 1 : nil }
        for k in 1...length {
            messages.append(SortableMessage(
                id: UInt32(length + k), internalDate: MailDate(secondsSinceEpoch: Int64(length + k)), size: 0,
                subject: utf8Bytes("Re: deep"), messageID: utf8Bytes("<loop\(k)@deep>"),
                references: utf8Bytes("<\(length)@deep> <1@deep>")))
        }
        let links = ThreadReferenceLinks(messages.sorted { $0.id < $1.id })
        XCTAssertLessThanOrEqual(links.loopCheckSteps, links.loopCheckBudget)
        XCTAssertLessThan(links.loopCheckBudget, length * length)
        let threads = MessageThreader.references(messages)
        // The chain is intact and every looping message hangs under 1.
        XCTAssertEqual(threads.count, 1)
        XCTAssertEqual(threads.first?.id, 1)
        XCTAssertEqual(threads.first?.children.count, 1 + length)
    }

    func testGarbageReferencesFields() {
        let garbage = [
            "", "<", ">", "<<<>>>", "@@@", "<@>", "<a@>", "<@b>", "<a@b@c>", "(unclosed <a@b>", "<a@b",
            String(repeating: "<", count: 10_000), String(repeating: "(", count: 10_000),
        ]
        for field in garbage {
            XCTAssertEqual(MessageIDList.references(references: utf8Bytes(field), inReplyTo: nil), [],
                           "IDs in \(field.prefix(20).debugDescription)")
        }
        XCTAssertEqual(MessageIDList.references(references: utf8Bytes("junk <x <a@b> (c <d@e>) <f@g>"), inReplyTo: nil),
                       [utf8Bytes("a@b"), utf8Bytes("f@g")])
        XCTAssertEqual(MessageIDList.first(in: utf8Bytes("<\"a\\\"b\"@c>")), utf8Bytes("a\"b@c"))
        XCTAssertEqual(MessageIDList.first(in: utf8Bytes("<\"a@b\"@c>")), utf8Bytes("a@b@c"))
        XCTAssertEqual(MessageIDList.first(in: utf8Bytes("<a@[1.2.3.4]>")), utf8Bytes("a@[1.2.3.4]"))
        // An ID inside a quoted phrase (obs-references) is still read, as Dovecot does.
        XCTAssertEqual(MessageIDList.first(in: utf8Bytes("\"see <q@x>\" <r@x>")), utf8Bytes("q@x"))

        // Threading survives them.
        let messages = garbage.enumerated().map { index, field in
            threaded(UInt32(index + 1), subject: "g\(index)", references: field, inReplyTo: field)
        }
        XCTAssertEqual(MessageThreader.references(messages).count, garbage.count)
    }
}
