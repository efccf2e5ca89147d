import XCTest
@testable import POP3

final class POP3CommandParserTests: XCTestCase {
    private func parse(_ line: String) -> Result<POP3Command, POP3CommandError> {
        POP3CommandParser.parse(Array(line.utf8))
    }

    private func assertParses(_ line: String, _ expected: POP3Command, file: StaticString = #filePath, line number: UInt = #line) {
        XCTAssertEqual(parse(line), .success(expected), file: file, line: number)
    }

    private func assertBadArguments(_ line: String, file: StaticString = #filePath, line number: UInt = #line) {
        guard case .failure(.badArguments) = parse(line) else {
            return XCTFail("\(line) gave \(parse(line))", file: file, line: number)
        }
    }

    func testEveryCommand() {
        assertParses("USER alice@example.org", .user("alice@example.org"))
        assertParses("PASS secret", .pass("secret"))
        assertParses("STAT", .stat)
        assertParses("LIST", .list(nil))
        assertParses("LIST 3", .list(3))
        assertParses("RETR 1", .retr(1))
        assertParses("DELE 12", .dele(12))
        assertParses("NOOP", .noop)
        assertParses("RSET", .rset)
        assertParses("QUIT", .quit)
        assertParses("TOP 2 0", .top(message: 2, lines: 0))
        assertParses("TOP 2 10", .top(message: 2, lines: 10))
        assertParses("UIDL", .uidl(nil))
        assertParses("UIDL 7", .uidl(7))
        assertParses("CAPA", .capa)
        assertParses("STLS", .stls)
        assertParses("AUTH", .auth(mechanism: nil, initialResponse: nil))
        assertParses("AUTH PLAIN", .auth(mechanism: "PLAIN", initialResponse: nil))
        assertParses("AUTH plain AGFsaWNlAHNlY3JldA==", .auth(mechanism: "PLAIN", initialResponse: "AGFsaWNlAHNlY3JldA=="))
        assertParses("AUTH PLAIN =", .auth(mechanism: "PLAIN", initialResponse: "="))
    }

    func testKeywordsAreCaseInsensitive() {
        assertParses("stat", .stat)
        assertParses("Retr 4", .retr(4))
        assertParses("uIdL", .uidl(nil))
        assertParses("capa", .capa)
    }

    func testPasswordKeepsSpacesAndCase() {
        assertParses("PASS  Two Words ", .pass(" Two Words "))
        assertParses("pass MiXeD", .pass("MiXeD"))
    }

    func testToleratesExtraSpacesBetweenArguments() {
        assertParses("TOP  1   5", .top(message: 1, lines: 5))
        assertParses("LIST 2 ", .list(2))
    }

    func testMessageNumbersArePositiveDecimal() {
        assertBadArguments("RETR 0")
        assertBadArguments("RETR -1")
        assertBadArguments("RETR +1")
        assertBadArguments("RETR 1a")
        assertBadArguments("RETR 0x10")
        assertBadArguments("DELE")
        assertBadArguments("LIST abc")
        assertBadArguments("LIST 1 2")
        assertBadArguments("UIDL 1 2")
        assertBadArguments("RETR 1 2")
        assertBadArguments("RETR 99999999999999999999")
        assertBadArguments("RETR ١")  // Arabic-Indic digit one: not ASCII
    }

    func testTopNeedsTwoArguments() {
        assertBadArguments("TOP")
        assertBadArguments("TOP 1")
        assertBadArguments("TOP 1 2 3")
        assertBadArguments("TOP 0 1")
        assertBadArguments("TOP 1 -1")
        assertBadArguments("TOP 1 x")
    }

    func testArgumentCounts() {
        assertBadArguments("STAT 1")
        assertBadArguments("QUIT now")
        assertBadArguments("NOOP x")
        assertBadArguments("USER")
        assertBadArguments("USER a b")
        assertBadArguments("PASS")
        assertBadArguments("PASS ")
        assertBadArguments("AUTH PLAIN a b")
        assertBadArguments("STLS x")
    }

    func testUnknownAndEmpty() {
        XCTAssertEqual(parse("APOP alice 0123456789abcdef0123456789abcdef"), .failure(.unknownCommand))
        XCTAssertEqual(parse("HELO"), .failure(.unknownCommand))
        XCTAssertEqual(parse("RETRIEVE 1"), .failure(.unknownCommand))
        XCTAssertEqual(parse(""), .failure(.emptyLine))
        XCTAssertEqual(parse("   "), .failure(.emptyLine))
        XCTAssertEqual(parse(" STAT"), .failure(.unknownCommand))
    }

    func testControlCharactersAndInvalidUTF8() {
        XCTAssertEqual(POP3CommandParser.parse([0x53, 0x54, 0x41, 0x54, 0x00]), .failure(.invalidCharacters))
        XCTAssertEqual(parse("STAT\r"), .failure(.invalidCharacters))
        XCTAssertEqual(parse("LIST\t1"), .failure(.invalidCharacters))
        XCTAssertEqual(parse("USER a\u{7F}"), .failure(.invalidCharacters))
        XCTAssertEqual(POP3CommandParser.parse(Array("USER ".utf8) + [0xC3, 0x28]), .failure(.invalidCharacters))
        XCTAssertEqual(POP3CommandParser.parse([0xFF, 0xFE]), .failure(.invalidCharacters))
    }

    func testLineLengthBound() {
        // RFC 2449 §4: 255 octets including CRLF, so 253 without.
        let longest = "USER " + String(repeating: "a", count: 248)
        XCTAssertEqual(longest.utf8.count, 253)
        assertParses(longest, .user(String(repeating: "a", count: 248)))
        XCTAssertEqual(parse(longest + "a"), .failure(.lineTooLong))
        XCTAssertEqual(POP3CommandParser.parse([UInt8](repeating: 0x41, count: 100_000)), .failure(.lineTooLong))
    }
}
