import XCTest
@testable import MailCore

/// Properties every THREAD=REFERENCES result has, checked on many random
/// mailboxes with tangled references (a small pool of IDs, so duplicates,
/// loops, missing parents and shared subjects are common).
final class ThreadInvariantTests: XCTestCase {
    func testRandomMailboxes() {
        // One report is enough: the first broken round stops the test.
        continueAfterFailure = false
        var random: UInt64 = 42
        func next(_ bound: Int) -> Int {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((random >> 33) % UInt64(bound))
        }
        for round in 0..<300 {
            let count = 1 + next(40)
            let messages = (0..<count).map { index -> SortableMessage in
                let references = (0..<next(6)).map { _ in "<\(next(50))@x>" }.joined(separator: " ")
                let subjects = ["a", "Re: a", "b", "Fwd: b", "", "[l] a", "c (fwd)"]
                return sortable(UInt32(index * 3 + 1), arrival: Int64(next(5)),
                                date: next(4) == 0 ? nil : januaryDate(1 + next(9)),
                                subject: subjects[next(subjects.count)],
                                messageID: next(8) == 0 ? nil : "<\(next(50))@x>",
                                references: next(3) == 0 ? nil : references,
                                inReplyTo: next(2) == 0 ? nil : "<\(next(50))@x>")
            }
            check(MessageThreader.references(messages), messages, round: round)
            check(MessageThreader.orderedSubject(messages), messages, round: round)
        }
    }

    private func check(_ threads: [ThreadNode], _ messages: [SortableMessage], round: Int) {
        let sentDate = Dictionary(uniqueKeysWithValues: messages.map { ($0.id, SortKeyValues.sentDate($0)) })
        func sortKey(_ node: ThreadNode) -> (Int64, UInt32) {
            let first = node.id ?? node.children.first?.id ?? 0
            return (sentDate[first] ?? 0, first)
        }
        func inOrder(_ nodes: [ThreadNode]) -> Bool {
            zip(nodes, nodes.dropFirst()).allSatisfy { sortKey($0) < sortKey($1) }
        }
        XCTAssertTrue(inOrder(threads), "round \(round): top level out of order")
        var seen: [UInt32] = []
        var pending = threads.map { ($0, true) }
        while let (node, topLevel) = pending.popLast() {
            if let id = node.id {
                seen.append(id)
            } else {
                // Dummies: only at the top, with at least two children that
                // are messages.
                XCTAssertTrue(topLevel, "round \(round): dummy below the top")
                XCTAssertGreaterThanOrEqual(node.children.count, 2, "round \(round): dummy with one child")
            }
            XCTAssertTrue(inOrder(node.children), "round \(round): siblings out of order in \(node)")
            pending.append(contentsOf: node.children.map { ($0, false) })
        }
        XCTAssertEqual(seen.sorted(), messages.map(\.id).sorted(), "round \(round): messages lost or repeated")
    }
}
