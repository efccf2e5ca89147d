import XCTest
@testable import IMAP

/// Feeds `text` to a fresh parser and returns all events.
func events(_ text: String, limits: IMAPParserLimits = IMAPParserLimits()) -> [IMAPParserEvent] {
    var parser = IMAPCommandParser(limits: limits)
    return parser.feed(Array(text.utf8))
}

/// Parses one command line (CRLF added), failing the test on anything else.
func command(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> IMAPCommand? {
    let result = events(text + "\r\n").filter { $0 != .needsContinuation }
    guard result.count == 1, case .command(let tagged) = result[0] else {
        XCTFail("expected one command for \(text), got \(result)", file: file, line: line)
        return nil
    }
    return tagged.command
}

/// Parses a line expected to be rejected; returns the (tag, message).
func rejection(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> (String?, String)? {
    let result = events(text + "\r\n").filter { $0 != .needsContinuation }
    guard result.count == 1, case .error(let tag, let message) = result[0] else {
        XCTFail("expected one error for \(text), got \(result)", file: file, line: line)
        return nil
    }
    return (tag, message)
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func text(_ data: [UInt8]) -> String { String(decoding: data, as: UTF8.self) }
