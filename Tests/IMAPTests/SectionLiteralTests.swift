import Foundation
import MailCore
import MailStore
import XCTest
@testable import IMAP

/// Body section data goes as a literal, however short (as Dovecot sends it
/// and as imaplib's `data[0][1]` expects), and never carries NUL: `~{n}`
/// (literal8) belongs to BINARY only (RFC 3516 §4.2); BODY and RFC822
/// data send each NUL as 0x80, as Dovecot does (RFC 9051 §4.3: CHAR8 is
/// %x01-ff).
final class SectionLiteralTests: IMAPSessionTestCase {
    static func withNUL(attachment: Int) -> [UInt8] {
        var bytes = Array("""
            Subject: nul\r
            Content-Type: multipart/mixed; boundary="b"\r
            \r
            --b\r
            Content-Type: application/octet-stream\r
            Content-Transfer-Encoding: binary\r
            \r

            """.utf8)
        bytes += [0x61, 0x00, 0x62, 0x00, 0x00, 0x63, 0x64]
        bytes += Array("\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n".utf8)
        bytes += (0..<attachment).map { UInt8(truncatingIfNeeded: $0 % 7 == 0 ? 0 : 0x41 + $0 % 26) }
        bytes += Array("\r\n--b--\r\n".utf8)
        return bytes
    }

    func testShortSectionsAreLiterals() async throws {
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Array(Self.message.utf8)))
        let session = await loggedInSession()
        _ = await send(session, "s SELECT INBOX\r\n")
        let answer = await send(session, "f FETCH 1 (BODY.PEEK[TEXT] BODY.PEEK[1]<0.2> BINARY.PEEK[1] RFC822.TEXT)\r\n")
        XCTAssertEqual(answer, "* 1 FETCH (BODY[TEXT] {10}\r\nHi Alice\r\n BODY[1]<0> {2}\r\nHi BINARY[1] {10}\r\n"
            + "Hi Alice\r\n RFC822.TEXT {10}\r\nHi Alice\r\n FLAGS (\\Seen \\Recent))\r\nf OK FETCH completed\r\n")
    }

    func testNULsGoAs0x80InBodyAndAsLiteral8InBinary() async throws {
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: Self.withNUL(attachment: 10)))
        let session = await loggedInSession()
        _ = await send(session, "s SELECT INBOX\r\n")
        let body = await sendBytes(session, "f FETCH 1 (BODY.PEEK[1] BINARY.PEEK[1])\r\n")
        let expected = Array("* 1 FETCH (BODY[1] {7}\r\n".utf8) + [0x61, 0x80, 0x62, 0x80, 0x80, 0x63, 0x64]
            + Array(" BINARY[1] ~{7}\r\n".utf8) + [0x61, 0x00, 0x62, 0x00, 0x00, 0x63, 0x64]
            + Array(")\r\nf OK FETCH completed\r\n".utf8)
        XCTAssertEqual(body, expected)
    }

    /// A streamed BODY[] (over 64 KiB) holds no NUL either; BINARY keeps them.
    func testStreamedBodyHoldsNoNUL() async throws {
        let message = Self.withNUL(attachment: 200_000)
        _ = try await store.appendMessage(mailboxID: inbox.id, NewMessage(body: message))
        let session = await loggedInSession()
        _ = await send(session, "s SELECT INBOX\r\n")
        let whole = await sendBytes(session, "f FETCH 1 (BODY.PEEK[])\r\n")
        let head = Array("* 1 FETCH (BODY[] {\(message.count)}\r\n".utf8)
        XCTAssertEqual(Array(whole.prefix(head.count)), head)
        XCTAssertFalse(whole.contains(0))
        XCTAssertEqual(Array(whole[head.count..<(head.count + message.count)]),
                       message.map { $0 == 0 ? 0x80 : $0 })
        let binary = await sendBytes(session, "g FETCH 1 (BINARY.PEEK[2])\r\n")
        XCTAssertTrue(binary.starts(with: Array("* 1 FETCH (BINARY[2] ~{200000}\r\n".utf8)))
        XCTAssertTrue(binary.contains(0))
    }

    private func sendBytes(_ session: IMAPSession, _ text: String) async -> [UInt8] {
        await output(session, text).bytes
    }
}
