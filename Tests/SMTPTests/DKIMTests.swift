import Crypto
import Foundation
import MailCore
import XCTest
@testable import SMTP

/// DKIM canonicalisation, body hash, signing and a verifier written here
/// from RFC 6376 §6.1 (a check of the signer that shares only the
/// canonicalisation, which is tested against the RFC's own example).
final class DKIMTests: XCTestCase {
    // RFC 6376 §3.4.5 example, header and body.
    private let exampleHeader = Array("A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n".utf8)
    private let exampleBody = Array(" C \r\nD \t E\r\n\r\n\r\n".utf8)

    func testRelaxedHeaderCanonicalisationMatchesRFCExample() {
        let header = MessageHeader.parse(exampleHeader + exampleBody)
        XCTAssertEqual(header.fields.count, 2)
        let canonical = header.fields.map { String(decoding: DKIMCanonicalization.relaxedHeader($0), as: UTF8.self) }
        XCTAssertEqual(canonical, ["a:X", "b:Y Z"])
    }

    func testRelaxedBodyCanonicalisationMatchesRFCExample() {
        let body = DKIMCanonicalization.relaxedBody(exampleBody[...])
        XCTAssertEqual(String(decoding: body, as: UTF8.self), " C\r\nD E\r\n")
    }

    func testRelaxedHeaderKeepsColonsInValueAndDropsSpaceAroundFieldColon() {
        let canonical = DKIMCanonicalization.relaxedHeader(name: "Subject \t", rawValue: Array(" \t re: a  :b \t".utf8))
        XCTAssertEqual(String(decoding: canonical, as: UTF8.self), "subject:re: a :b")
        XCTAssertEqual(DKIMCanonicalization.relaxedHeader(name: "X-Empty", rawValue: Array("  \r\n\t ".utf8)),
                       Array("x-empty:".utf8))
    }

    func testRelaxedBodyEdgeCases() {
        func canonical(_ text: String) -> String {
            String(decoding: DKIMCanonicalization.relaxedBody(Array(text.utf8)[...]), as: UTF8.self)
        }
        // §3.4.4: an empty body (or only empty lines) is the empty string.
        XCTAssertEqual(canonical(""), "")
        XCTAssertEqual(canonical("\r\n\r\n \t\r\n"), "")
        // A missing final CRLF is added; bare LF counts as a line ending.
        XCTAssertEqual(canonical("abc"), "abc\r\n")
        XCTAssertEqual(canonical("a \n\nb\t\n\n"), "a\r\n\r\nb\r\n")
        // Empty lines inside the body stay.
        XCTAssertEqual(canonical("a\r\n\r\n\r\nb\r\n"), "a\r\n\r\n\r\nb\r\n")
        // A bare CR inside a line is content.
        XCTAssertEqual(canonical("a\rb\r\n"), "a\rb\r\n")
    }

    func testBodyHashOfEmptyBodyIsHashOfEmptyString() throws {
        // relaxed: the empty body hashes as "" (sha256 47DEQ…), not as CRLF
        // (which is the "simple" rule, frcq…).
        let signed = try DKIMSigner().signatureField(
            message: Array("From: a@example.com\r\n\r\n".utf8), domain: "example.com", selector: "s",
            key: DKIMPrivateKey(Curve25519.Signing.PrivateKey()))
        XCTAssertEqual(DKIMTestVerifier.tags(ofField: signed)["bh"], "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        // A message with no header/body separator at all has an empty body too.
        let noBody = try DKIMSigner().signatureField(
            message: Array("From: a@example.com\r\n".utf8), domain: "example.com", selector: "s",
            key: DKIMPrivateKey(Curve25519.Signing.PrivateKey()))
        XCTAssertEqual(DKIMTestVerifier.tags(ofField: noBody)["bh"], "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
    }

    func testSignatureFieldTagsAndFolding() throws {
        let key = DKIMPrivateKey(Curve25519.Signing.PrivateKey())
        let field = try DKIMSigner().signatureField(
            message: DKIMTests.sampleMessage, domain: "Example.COM", selector: "tern202611", key: key,
            time: Date(timeIntervalSince1970: 1_700_000_000))
        XCTAssertTrue(field.hasPrefix("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com;"))
        for line in field.components(separatedBy: "\r\n") {
            XCTAssertLessThanOrEqual(line.utf8.count, 78, line)
        }
        let tags = DKIMTestVerifier.tags(ofField: field)
        XCTAssertEqual(tags["s"], "tern202611")
        XCTAssertEqual(tags["t"], "1700000000")
        // Present fields bottom-up per name, From over-signed; absent ones left out.
        XCTAssertEqual(tags["h"], "from:from:from:to:subject:date:message-id:mime-version:content-type")
        XCTAssertEqual(tags["b"].map { Data(base64Encoded: $0)?.count }, 64)
    }

    func testSignedMessageVerifiesForBothAlgorithms() throws {
        for algorithm in DKIMAlgorithm.allCases {
            let key = try DKIMPrivateKey.generate(algorithm)
            let signed = try DKIMSigner().sign(message: DKIMTests.sampleMessage, domain: "example.com",
                                               selector: "sel", key: key)
            XCTAssertEqual(Array(signed.suffix(DKIMTests.sampleMessage.count)), DKIMTests.sampleMessage)
            XCTAssertEqual(try DKIMTestVerifier.verify(signed, key: key.publicKey), .pass, algorithm.rawValue)
            if algorithm == .rsa {
                let tags = DKIMTestVerifier.tags(ofField: String(decoding: signed, as: UTF8.self))
                XCTAssertEqual(tags["a"], "rsa-sha256")
                XCTAssertEqual(tags["b"].flatMap { Data(base64Encoded: $0)?.count }, 256)  // 2048 bits
            }
        }
    }

    func testTamperingBreaksTheSignature() throws {
        let key = DKIMPrivateKey(Curve25519.Signing.PrivateKey())
        let signed = String(decoding: try DKIMSigner().sign(message: DKIMTests.sampleMessage, domain: "example.com",
                                                             selector: "sel", key: key), as: UTF8.self)
        func verify(_ text: String) throws -> DKIMTestVerifier.Result {
            try DKIMTestVerifier.verify(Array(text.utf8), key: key.publicKey)
        }
        XCTAssertEqual(try verify(signed), .pass)
        // Whitespace changes relaxed canonicalisation ignores.
        XCTAssertEqual(try verify(signed.replacingOccurrences(of: "Subject: Lunch", with: "Subject:   Lunch  ")), .pass)
        XCTAssertEqual(try verify(signed.replacingOccurrences(of: "tomorrow?", with: "tomorrow?   \t")), .pass)
        XCTAssertEqual(try verify(signed + "\r\n\r\n"), .pass)
        // Real changes.
        XCTAssertEqual(try verify(signed.replacingOccurrences(of: "tomorrow?", with: "today?")), .bodyHashMismatch)
        XCTAssertEqual(try verify(signed.replacingOccurrences(of: "Subject: Lunch", with: "Subject: Dinner")),
                       .signatureMismatch)
        // A second From added in transit fails thanks to over-signing.
        func addingField(_ field: String) -> String {
            let end = signed.range(of: "\r\n\r\n")!
            return signed.replacingCharacters(in: end, with: "\r\n\(field)\r\n\r\n")
        }
        XCTAssertEqual(try verify(addingField("From: evil@example.net")), .signatureMismatch)
        // An unsigned field may be added.
        XCTAssertEqual(try verify(addingField("X-Added: 1")), .pass)
        // Another key does not verify.
        XCTAssertEqual(try DKIMTestVerifier.verify(Array(signed.utf8),
                                                   key: DKIMPrivateKey(Curve25519.Signing.PrivateKey()).publicKey),
                       .signatureMismatch)
    }

    func testMessageWithBareLineFeedsGetsBareLineFeedSignature() throws {
        let message = Array("From: a@example.com\nSubject: x\n\nbody\n".utf8)
        let key = DKIMPrivateKey(Curve25519.Signing.PrivateKey())
        let signed = try DKIMSigner().sign(message: message, domain: "example.com", selector: "s", key: key)
        XCTAssertFalse(signed.contains(0x0D))
        XCTAssertEqual(try DKIMTestVerifier.verify(signed, key: key.publicKey), .pass)
    }

    func testMessageWithoutFromIsRefused() {
        let key = DKIMPrivateKey(Curve25519.Signing.PrivateKey())
        XCTAssertThrowsError(try DKIMSigner().sign(message: Array("Subject: x\r\n\r\nbody\r\n".utf8),
                                                   domain: "example.com", selector: "s", key: key)) {
            XCTAssertEqual($0 as? DKIMError, .missingFromHeader)
        }
        XCTAssertThrowsError(try DKIMSigner().sign(message: Array("garbage without header".utf8),
                                                   domain: "example.com", selector: "s", key: key))
    }

    func testInvalidDomainOrSelectorIsRefused() {
        let key = DKIMPrivateKey(Curve25519.Signing.PrivateKey())
        for (domain, selector) in [("exa mple.com", "s"), ("example.com", "s;b=x"), ("../etc", "s"),
                                   ("example.com", ""), ("", "s"), ("example..com", "s"), ("example.com", "a/b")] {
            XCTAssertThrowsError(try DKIMSigner().sign(message: DKIMTests.sampleMessage, domain: domain,
                                                       selector: selector, key: key), "\(domain) \(selector)")
        }
    }

    static let sampleMessage = Array("""
        From: Joe SixPack <joe@football.example.com>\r
        To: Suzie Q <suzie@shopping.example.net>\r
        Subject: Lunch\r
        Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r
        Message-ID: <20030712040037.46341.5F8J@football.example.com>\r
        MIME-Version: 1.0\r
        Content-Type: text/plain;\r
        \tcharset=us-ascii\r
        Received: from somewhere by somewhere else\r
        From: second@football.example.com\r
        \r
        Hi.\r
        \r
        We lost the game. Are you hungry yet?\r
        Joe. Lunch tomorrow?\r
        \r

        """.utf8)
}

/// A DKIM verifier for the tests (RFC 6376 §6.1.3), relaxed/relaxed only,
/// with the public key given directly instead of looked up in DNS.
enum DKIMTestVerifier {
    enum Result: Equatable {
        case pass, bodyHashMismatch, signatureMismatch, malformed(String)
    }

    /// The tags of a DKIM-Signature field (or of a message starting with
    /// one), FWS removed from every value.
    static func tags(ofField text: String) -> [String: String] {
        let header = MessageHeader.parse(Array(text.utf8) + Array("\r\n\r\n".utf8))
        guard let field = header.field("DKIM-Signature") else { return [:] }
        var tags: [String: String] = [:]
        for part in String(decoding: field.unfoldedBytes, as: UTF8.self).split(separator: ";") {
            let pieces = part.split(separator: "=", maxSplits: 1)
            guard pieces.count == 2 else { continue }
            let name = pieces[0].trimmingCharacters(in: .whitespaces)
            tags[name] = pieces[1].filter { !$0.isWhitespace }
        }
        return tags
    }

    static func verify(_ message: [UInt8], key: DKIMPublicKey) throws -> Result {
        let header = MessageHeader.parse(message)
        guard let signatureField = header.field("DKIM-Signature") else { return .malformed("no signature") }
        let tags = tags(ofField: "DKIM-Signature:" + String(decoding: signatureField.rawValue, as: UTF8.self))
        guard tags["v"] == "1", tags["c"] == "relaxed/relaxed", tags["a"] == key.algorithm.signatureTag,
              let h = tags["h"], let bh = tags["bh"], let b = tags["b"], let signature = Data(base64Encoded: b)
        else { return .malformed("tags \(tags)") }

        let body = DKIMCanonicalization.relaxedBody(message[min(header.bodyOffset, message.count)...])
        guard Data(SHA256.hash(data: body)).base64EncodedString() == bh else { return .bodyHashMismatch }

        // §5.4.2: each listed name takes the next instance from the bottom.
        var data: [UInt8] = []
        var used: [String: Int] = [:]
        for name in h.split(separator: ":").map({ $0.lowercased() }) {
            let instances = header.fields.filter { $0.hasName(name) && !$0.hasName("DKIM-Signature") }
            let taken = used[name, default: 0]
            used[name] = taken + 1
            guard taken < instances.count else { continue }
            data += DKIMCanonicalization.relaxedHeader(instances[instances.count - 1 - taken]) + [0x0D, 0x0A]
        }
        // The signature field with the b= value (FWS included) removed.
        let raw = String(decoding: signatureField.rawValue, as: UTF8.self)
        let pattern = try NSRegularExpression(pattern: "(^|;)([ \\t\\r\\n]*b[ \\t\\r\\n]*=)[^;]*")
        let stripped = pattern.stringByReplacingMatches(in: raw, range: NSRange(raw.startIndex..., in: raw),
                                                        withTemplate: "$1$2")
        data += DKIMCanonicalization.relaxedHeader(name: signatureField.name, rawValue: Array(stripped.utf8))
        return key.isValidSignature(Array(signature), forHeaderData: data) ? .pass : .signatureMismatch
    }
}
