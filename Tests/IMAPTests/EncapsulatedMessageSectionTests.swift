import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// Section numbers of a message whose own Content-Type is message/rfc822
/// (RFC 9051 §6.4.5): part 1 is the encapsulated message, `1.HEADER`,
/// `1.TEXT` and `1.MIME` its header, text and MIME header, `1.1` its body;
/// the same one level further for a digest or a message/rfc822 inside it.
final class EncapsulatedMessageSectionTests: IMAPSessionTestCase {
    static let topLevel = """
        Subject: outer\r
        Content-Type: message/rfc822\r
        \r
        Subject: inner\r
        From: x@example.org\r
        \r
        inner text\r

        """

    static let digest = """
        Subject: outer\r
        Content-Type: message/rfc822\r
        \r
        Subject: digest\r
        Content-Type: multipart/digest; boundary="d"\r
        \r
        --d\r
        \r
        Subject: first\r
        \r
        first body\r
        --d\r
        \r
        Subject: second\r
        \r
        second body\r
        --d--\r

        """

    static let nested = """
        Subject: outer\r
        Content-Type: message/rfc822\r
        \r
        Subject: middle\r
        Content-Type: message/rfc822\r
        \r
        Subject: inner\r
        \r
        inner text\r

        """

    /// (message, section as in FETCH, data; nil for NIL).
    static let fixtures: [(String, String, String?)] = [
        (topLevel, "1", "Subject: inner\r\nFrom: x@example.org\r\n\r\ninner text\r\n"),
        (topLevel, "1.HEADER", "Subject: inner\r\nFrom: x@example.org\r\n\r\n"),
        (topLevel, "1.TEXT", "inner text\r\n"),
        (topLevel, "1.MIME", "Subject: outer\r\nContent-Type: message/rfc822\r\n\r\n"),
        (topLevel, "1.HEADER.FIELDS (Subject)", "Subject: inner\r\n\r\n"),
        (topLevel, "1.1", "inner text\r\n"),
        (topLevel, "HEADER", "Subject: outer\r\nContent-Type: message/rfc822\r\n\r\n"),
        (topLevel, "TEXT", "Subject: inner\r\nFrom: x@example.org\r\n\r\ninner text\r\n"),
        (topLevel, "2", nil),
        (topLevel, "1.2", nil),
        (digest, "1.HEADER", "Subject: digest\r\nContent-Type: multipart/digest; boundary=\"d\"\r\n\r\n"),
        (digest, "1.1", "Subject: first\r\n\r\nfirst body"),
        (digest, "1.1.HEADER", "Subject: first\r\n\r\n"),
        (digest, "1.1.TEXT", "first body"),
        (digest, "1.1.1", "first body"),
        (digest, "1.2.HEADER", "Subject: second\r\n\r\n"),
        (digest, "1.2.TEXT", "second body"),
        (digest, "1.3", nil),
        (nested, "1", "Subject: middle\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner text\r\n"),
        (nested, "1.HEADER", "Subject: middle\r\nContent-Type: message/rfc822\r\n\r\n"),
        (nested, "1.1", "Subject: inner\r\n\r\ninner text\r\n"),
        (nested, "1.1.HEADER", "Subject: inner\r\n\r\n"),
        (nested, "1.1.TEXT", "inner text\r\n"),
        (nested, "1.1.1", "inner text\r\n"),
    ]

    /// Each fixture over the wire: FETCH BODY.PEEK[section] of the stored message.
    func testSectionsOfATopLevelMessageRFC822() async throws {
        var uids: [String: Int] = [:]
        for (index, message) in [Self.topLevel, Self.digest, Self.nested].enumerated() {
            _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(message.utf8)))
            uids[message] = index + 1
        }
        let session = await loggedInSession()
        _ = await send(session, "s SELECT INBOX\r\n")
        for (message, section, expected) in Self.fixtures {
            let number = uids[message]!
            let answer = await send(session, "f FETCH \(number) (BODY.PEEK[\(section)])\r\n")
            let data = expected.map { "{\($0.utf8.count)}\r\n\($0)" } ?? "NIL"
            XCTAssertEqual(answer, "* \(number) FETCH (BODY[\(section)] \(data))\r\nf OK FETCH completed\r\n",
                           "\(section) of message \(number)")
        }
    }
}
