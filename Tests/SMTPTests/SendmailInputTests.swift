import XCTest
@testable import SMTP

/// Standard input of `tern sendmail`: the "." line (without -i), the size bound.
final class SendmailInputTests: XCTestCase {
    private func read(_ chunks: [String], ignoreDots: Bool = false, maximumSize: Int = 1000) throws -> String {
        var input = SendmailInput(ignoreDots: ignoreDots, maximumSize: maximumSize)
        for chunk in chunks where !input.ended { try input.append(Array(chunk.utf8)) }
        return String(decoding: input.finished(), as: UTF8.self)
    }

    func testDotLineEndsTheMessageUnlessIgnored() throws {
        let table: [([String], Bool, String)] = [
            (["Subject: a\n\nbody\n.\nafter\n"], false, "Subject: a\n\nbody\n"),
            (["Subject: a\r\n\r\nbody\r\n.\r\nafter"], false, "Subject: a\r\n\r\nbody\r\n"),
            (["Subject: a\n\nbo", "dy\n", ".", "\nafter"], false, "Subject: a\n\nbody\n"),
            ([".\n"], false, ""),
            (["a\n.."], false, "a\n.."),
            (["a\n..\nb\n"], false, "a\n..\nb\n"),
            (["a\n .\nb\n"], false, "a\n .\nb\n"),
            (["a\n."], false, "a\n"),
            (["Subject: a\n\nbody\n.\nafter\n"], true, "Subject: a\n\nbody\n.\nafter\n"),
            (["a\n."], true, "a\n."),
        ]
        for (chunks, ignoreDots, expected) in table {
            XCTAssertEqual(try read(chunks, ignoreDots: ignoreDots), expected, "\(chunks) -i=\(ignoreDots)")
        }
    }

    func testSizeBound() throws {
        XCTAssertEqual(try read([String(repeating: "x", count: 10)], maximumSize: 10).count, 10)
        XCTAssertThrowsError(try read([String(repeating: "x", count: 6), "xxxxx"], maximumSize: 10)) { error in
            XCTAssertEqual((error as? SendmailError)?.exitStatus, 65)
        }
        // What follows the "." line is not read, so it does not count.
        XCTAssertEqual(try read(["ab\n.\n" + String(repeating: "x", count: 50)], maximumSize: 10), "ab\n")
    }
}
