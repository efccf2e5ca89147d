import XCTest
@testable import IMAP

/// The nesting bound of search programs (issue 9: `SEARCH NOT NOT … ALL`
/// and long `OR` chains crashed the server by exhausting the stack). Every
/// pass over a parsed key recurses, so the parser refuses depth past
/// `GrammarCursor.maxSearchDepth` with BAD, however the depth is built.
final class SearchDepthTests: MessagesTestCase {
    let bound = GrammarCursor.maxSearchDepth

    /// Input → refused, for each way to nest: NOT chains, OR chains (right
    /// and left), parentheses under NOT, and mixtures; each far past the bound.
    func testDeepProgramsAreRefusedWithBAD() {
        let cases: [(name: String, program: String)] = [
            ("3,000 NOTs", String(repeating: "NOT ", count: 3_000) + "ALL"),
            ("100,000 NOTs", String(repeating: "NOT ", count: 100_000) + "ALL"),
            ("60,000 right-nested ORs", String(repeating: "OR SUBJECT x ", count: 60_000) + "ALL"),
            ("20,000 left-nested ORs", String(repeating: "OR ", count: 20_000) + "ALL"
                + String(repeating: " SEEN", count: 20_000)),
            ("NOT ( … ) 5,000 deep", String(repeating: "NOT (", count: 5_000) + "ALL"
                + String(repeating: ")", count: 5_000)),
            ("one past the bound", String(repeating: "NOT ", count: bound + 1) + "ALL"),
        ]
        for (name, program) in cases {
            var cursor = GrammarCursor(Array(program.utf8), maxDepth: 32)
            XCTAssertThrowsError(try SearchParser.parseKey(&cursor), name) { error in
                XCTAssertTrue("\(error)".contains("nested too deeply"), "\(name): \(error)")
            }
        }
    }

    /// Through the framer, as a client sends it (the BAD names the reason),
    /// including the 1.1 MB chain of LITERAL+ subjects from the issue.
    func testDeepSearchCommandsGetBADFromTheFramer() {
        let nots = "a1 SEARCH " + String(repeating: "NOT ", count: 3_000) + "ALL"
        XCTAssertEqual(rejection(nots)?.0, "a1")
        XCTAssertTrue(rejection(nots)?.1.contains("nested too deeply") ?? false)
        let chain = "a2 SEARCH " + String(repeating: "OR SUBJECT {1+}\r\nx ", count: 60_000) + "ALL"
        var parser = IMAPCommandParser(limits: IMAPParserLimits(maxCommandSize: 4 * 1024 * 1024))
        let result = parser.feed(bytes(chain + "\r\n"))
        guard result.count == 1, case .error(let tag, let message) = result[0] else {
            return XCTFail("expected one error, got \(result.count) events")
        }
        XCTAssertEqual(tag, "a2")
        XCTAssertTrue(message.contains("nested too deeply"), message)
    }

    /// At the bound, programs parse, encode and compare as usual.
    func testProgramsAtTheBoundParse() throws {
        let programs = [
            String(repeating: "NOT ", count: bound) + "ALL",
            String(repeating: "OR SEEN ", count: bound - 1) + "ALL",
            String(repeating: "NOT (", count: 16) + "ALL" + String(repeating: ")", count: 16),
        ]
        for program in programs {
            var cursor = GrammarCursor(Array(program.utf8), maxDepth: 32)
            let key = try SearchParser.parseKey(&cursor)
            XCTAssertTrue(cursor.atEnd)
            // Encodes to a program that parses back to the same key.
            var again = GrammarCursor(Array(key.canonical.utf8), maxDepth: 32)
            XCTAssertEqual(try SearchParser.parseKey(&again), key)
        }
    }

    /// A search at the bound runs to the end in a session, on a concurrency
    /// thread as in the server: 98 NOTs of ALL is ALL, 99 ORs of SUBJECT find the subject.
    func testSearchAtTheBoundEvaluates() async throws {
        try await add(MessageSamples.plain)
        try await add(MessageSamples.mime)
        let selected = try await view()
        let even = String(repeating: "NOT ", count: bound - 2) + "ALL"
        let found = await searchNumbers(even, on: selected)
        XCTAssertEqual(found, "1 2")
        let odd = String(repeating: "NOT ", count: bound - 1) + "ALL"
        let none = await searchNumbers(odd, on: selected)
        XCTAssertEqual(none, "")
    }
}
