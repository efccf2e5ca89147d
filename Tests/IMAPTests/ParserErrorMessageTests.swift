import XCTest
@testable import IMAP

/// BAD responses say what is wrong (RFC 9051 §7.1.3: "the human-readable
/// text describes the condition"), so a client author can fix the command.
final class ParserErrorMessageTests: XCTestCase {
    private func message(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let result = events(text).filter { $0 != .needsContinuation }
        guard result.count == 1, case .error(_, let message) = result[0] else {
            XCTFail("expected one error for \(text), got \(result)", file: file, line: line)
            return ""
        }
        return message
    }

    func testUnquoted8BitMailboxNameIsNamed() {
        XCTAssertEqual(message("a APPEND Entwürfe {5}\r\nHello\r\n"),
                       "a mailbox name with 8-bit characters must be a quoted string or a literal")
        XCTAssertEqual(message("a SELECT Entwürfe\r\n"),
                       "a mailbox name with 8-bit characters must be a quoted string or a literal")
        XCTAssertEqual(message("a RENAME INBOX/x Entwürfe\r\n"),
                       "a mailbox name with 8-bit characters must be a quoted string or a literal")
        XCTAssertEqual(message("a LIST \"\" Entwü*\r\n"),
                       "a mailbox pattern with 8-bit characters must be a quoted string or a literal")
        XCTAssertEqual(message("a LOGIN jürgen secret\r\n"),
                       "a string with 8-bit characters must be a quoted string or a literal")
        // Quoted, the same names are fine (UTF-8 quoted strings, RFC 9051 §9).
        XCTAssertNotNil(command("a SELECT \"Entwürfe\""))
        XCTAssertEqual(events("a APPEND \"Entwürfe\" {5}\r\nHello\r\n").filter { $0 != .needsContinuation }.count, 1)
    }

    func testMessagesNameWhatWasFound() {
        XCTAssertEqual(message("a APPEND INBOX\r\n"), "APPEND needs a message (a literal after the mailbox name)")
        XCTAssertEqual(message("a APPEND INBOX(\\Seen) {1}\r\nx\r\n"), "expected space, found \"(\\Seen) {1}\"")
        XCTAssertEqual(message("a NOOP now\r\n"), "unexpected \" now\" at end of command")
        XCTAssertEqual(message("a LOGIN user\r\n"), "expected space, found end of command")
        XCTAssertEqual(message("a LOGIN us\u{1}er pw\r\n"), "expected space, found a control character")
        XCTAssertEqual(message("a FETCH 1 (FLAGS\r\n"), "expected ')', found end of command")
        XCTAssertEqual(message("a SELECT \r\n"), "expected a mailbox name, found end of command")
    }

    /// Long or odd input is never echoed whole: at most 16 printable characters.
    func testEchoedInputIsShortAndPrintable() {
        let reply = message("a NOOP " + String(repeating: "x", count: 500) + "\r\n")
        XCTAssertEqual(reply, "unexpected \" xxxxxxxxxxxxxxx\" at end of command")
    }
}

final class ParserErrorSessionTests: IMAPSessionTestCase {
    func testAppendToUnquotedUTF8NameSaysWhy() async {
        let session = await loggedInSession()
        await expectEqual(await send(session, "a APPEND Entwürfe {5}\r\n"), "+ Ready for literal data\r\n")
        await expectEqual(await send(session, "Hello\r\n"),
                          "a BAD a mailbox name with 8-bit characters must be a quoted string or a literal\r\n")
    }
}
