import Foundation
import MailCore
import MailStore
import MailStoreTestSupport
import XCTest
@testable import IMAP

/// SEARCH through the full-text index answers exactly what a plain scan
/// answers (RFC 9051 §6.4.4): generated messages with quoted-printable and
/// base64 text parts, UTF-8 and ISO-8859-1, RFC 2047 headers, multipart
/// and attachments; needles that are substrings of words, shorter than a
/// trigram, across encoded line breaks, non-ASCII, in other case.
final class FullTextDifferentialTests: MessagesTestCase {
    /// The same store with the index switched off: every SEARCH scans.
    struct ScanOnlyStore: ForwardingMailStore {
        let base: any MailStore
        func searchCandidates(mailboxID: MailboxID, field: FullTextField, needle: [UInt8]) async throws
            -> Set<MessageUID>? { nil }
    }

    /// A counting double: how often the index was asked.
    final class CountingStore: ForwardingMailStore, @unchecked Sendable {
        let base: any MailStore
        var asked = 0
        init(base: any MailStore) { self.base = base }
        func searchCandidates(mailboxID: MailboxID, field: FullTextField, needle: [UInt8]) async throws
            -> Set<MessageUID>? {
            asked += 1
            return try await base.searchCandidates(mailboxID: mailboxID, field: field, needle: needle)
        }
    }

    static let words = ["hello", "world", "Straße", "café", "crème", "naïve", "Zebra", "résumé", "mañana", "déjà",
                        "über", "QUICK", "brown", "fox", "jumps", "X9-42", "foo@bar.example", "Ölkanne", "ÉTÉ", "lazy"]

    var random = SeededGenerator(seed: 20_261_205)

    func testIndexedSearchEqualsScan() async throws {
        let box = try await inbox()
        var texts: [String] = []
        for _ in 0..<240 {
            let (message, text) = makeMessage()
            texts.append(text)
            _ = try await store.appendMessage(mailboxID: box.id, NewMessage(body: message, internalDate: Date()))
        }
        let counting = CountingStore(base: store)
        let scan = ScanOnlyStore(base: store)
        var checked = 0
        for _ in 0..<60 {
            let needle = makeNeedle(from: texts.randomElement(using: &random)!)
            let quoted = "\"" + needle + "\""
            let keys = ["BODY \(quoted)", "TEXT \(quoted)", "HEADER X-Label \(quoted)", "SUBJECT \(quoted)",
                        "BODY \(quoted) TEXT \"\(makeNeedle(from: texts.randomElement(using: &random)!))\"",
                        "OR BODY \(quoted) HEADER X-Label \(quoted)", "NOT BODY \(quoted)", "UNSEEN BODY \(quoted)"]
            for key in keys {
                let query = try SearchQuery(parsing: "CHARSET UTF-8 " + key)
                let indexed = try await query.matches(mailboxID: box.id, store: counting).map(\.record.uid)
                let scanned = try await query.matches(mailboxID: box.id, store: scan).map(\.record.uid)
                XCTAssertEqual(indexed, scanned, key)
                checked += 1
            }
        }
        XCTAssertEqual(checked, 60 * 8)
        XCTAssertGreaterThan(counting.asked, 150, "the index was used")
    }

    // MARK: generated mail

    func makeNeedle(from text: String) -> String {
        let characters = Array(text)
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return "zq" + String(Int.random(in: 0..<1000, using: &random))  // matches nothing
        case 1: // short: one or two characters
            let start = Int.random(in: 0..<characters.count, using: &random)
            return String(characters[start..<min(start + Int.random(in: 1...2, using: &random), characters.count)])
        default: // a substring, maybe across words, maybe in other case
            let start = Int.random(in: 0..<characters.count, using: &random)
            let length = Int.random(in: 3...12, using: &random)
            let piece = String(characters[start..<min(start + length, characters.count)])
            return Bool.random(using: &random) ? piece.uppercased() : piece
        }
    }

    func phrase(_ count: ClosedRange<Int>) -> String {
        (0..<Int.random(in: count, using: &random)).map { _ in Self.words.randomElement(using: &random)! }
            .joined(separator: " ")
    }

    /// A message and the plain text its needles come from.
    func makeMessage() -> ([UInt8], String) {
        let subject = phrase(1...4)
        let label = phrase(1...3)
        let text = phrase(4...40)
        var header = "From: Tester <t@example.org>\r\nSubject: \(encodedWord(subject))\r\nX-Label: \(encodedWord(label))\r\n"
        let part = textPart(text)
        let body: String
        switch Int.random(in: 0..<3, using: &random) {
        case 0:
            header += part.header
            body = part.body
        case 1:
            header += "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n"
            let attachment = Data(phrase(2...4).utf8).base64EncodedString()
            body = "--b1\r\n\(part.header)\r\n\(part.body)\r\n--b1\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n\(attachment)\r\n--b1--\r\n"
        default:
            header += "MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n"
            body = "Subject: \(encodedWord(phrase(1...2)))\r\n\(part.header)\r\n\(part.body)"
        }
        return (Array((header + "\r\n" + body).utf8), subject + " " + label + " " + text)
    }

    /// Plain, or an RFC 2047 word in UTF-8 (B) or ISO-8859-1 (Q).
    func encodedWord(_ text: String) -> String {
        switch Int.random(in: 0..<3, using: &random) {
        case 0: return "=?utf-8?b?" + Data(text.utf8).base64EncodedString() + "?="
        case 1:
            guard let latin = text.data(using: .isoLatin1) else { return text }
            return "=?iso-8859-1?q?" + latin.map { byte in
                byte == 0x20 ? "_" : (byte < 0x80 && byte != 0x3D && byte != 0x3F && byte != 0x5F
                                      ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte))
            }.joined() + "?="
        default: return text
        }
    }

    /// A text/plain part: 8bit UTF-8, or quoted-printable or base64 in
    /// UTF-8 or ISO-8859-1, with short lines so needles cross line breaks.
    func textPart(_ text: String) -> (header: String, body: String) {
        let latin = Bool.random(using: &random) ? text.data(using: .isoLatin1) : nil
        let bytes = latin.map { Array($0) } ?? Array(text.utf8)
        let charset = latin == nil ? "utf-8" : "iso-8859-1"
        let type = "Content-Type: text/plain; charset=\(charset)\r\n"
        switch Int.random(in: 0..<3, using: &random) {
        case 0:
            var lines = "", column = 0
            for byte in bytes {
                let piece = byte >= 0x21 && byte < 0x7F && byte != 0x3D ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte)
                if column + piece.count > 17 { lines += "=\r\n"; column = 0 }
                lines += piece
                column += piece.count
            }
            return (type + "Content-Transfer-Encoding: quoted-printable\r\n", lines + "\r\n")
        case 1:
            let encoded = Array(Data(bytes).base64EncodedString())
            let lines = stride(from: 0, to: encoded.count, by: 16).map { String(encoded[$0..<min($0 + 16, encoded.count)]) }
            return (type + "Content-Transfer-Encoding: base64\r\n", lines.joined(separator: "\r\n") + "\r\n")
        default:
            return ("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n", text + "\r\n")
        }
    }
}

/// SplitMix64: the same messages and needles every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
