@testable import Accounts
import Foundation
import XCTest

final class SASLTests: XCTestCase {
    private func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
    private func b64(_ text: String) -> String { b64(Array(text.utf8)) }

    // MARK: PLAIN (RFC 4616)

    func testPlainWithInitialResponse() {
        var exchange = SASLServerExchange(mechanism: .plain)
        XCTAssertEqual(exchange.start(initialResponse: b64("\u{0}alice@example.com\u{0}secret")),
                       .credentials(authorizationID: nil, username: "alice@example.com", password: "secret"))
    }

    func testPlainRFC4616Example() {
        // RFC 4616 §4: "AGZyZWQ=" style; authzid "Ursel", authcid "Kurt", passwd "xipj3plmq".
        var exchange = SASLServerExchange(mechanism: .plain)
        XCTAssertEqual(exchange.start(initialResponse: "VXJzZWwAS3VydAB4aXBqM3BsbXE="),
                       .credentials(authorizationID: "Ursel", username: "Kurt", password: "xipj3plmq"))
    }

    func testPlainWithoutInitialResponseSendsEmptyChallenge() {
        var exchange = SASLServerExchange(mechanism: .plain)
        XCTAssertEqual(exchange.start(initialResponse: nil), .challenge(""))
        XCTAssertEqual(exchange.receive(b64("\u{0}bob@example.com\u{0}pässwörd") + "\r\n"),
                       .credentials(authorizationID: nil, username: "bob@example.com", password: "pässwörd"))
        // Anything after the end is refused.
        XCTAssertEqual(exchange.receive(b64("\u{0}a\u{0}b")), .malformed("exchange already finished"))
    }

    func testPlainEmptyInitialResponseIsMalformed() {
        // "=" is an empty initial response: an empty PLAIN message has no NULs.
        var exchange = SASLServerExchange(mechanism: .plain)
        guard case .malformed = exchange.start(initialResponse: "=") else { return XCTFail() }
    }

    func testPlainNulCountChecked() {
        for message in ["alice\u{0}secret", "alicesecret", "\u{0}a\u{0}b\u{0}c", "\u{0}\u{0}\u{0}"] {
            var exchange = SASLServerExchange(mechanism: .plain)
            guard case .malformed = exchange.start(initialResponse: b64(message)) else {
                return XCTFail("accepted \(message.debugDescription)")
            }
        }
    }

    func testPlainEmptyAuthcidOrPasswordRefused() {
        var first = SASLServerExchange(mechanism: .plain)
        XCTAssertEqual(first.start(initialResponse: b64("\u{0}\u{0}secret")), .malformed("empty authentication identity"))
        var second = SASLServerExchange(mechanism: .plain)
        XCTAssertEqual(second.start(initialResponse: b64("\u{0}alice\u{0}")), .malformed("empty password"))
    }

    func testPlainInvalidUTF8Refused() {
        var exchange = SASLServerExchange(mechanism: .plain)
        XCTAssertEqual(exchange.start(initialResponse: b64([0, 0x61, 0, 0xFF, 0xFE])),
                       .malformed("PLAIN message is not UTF-8"))
    }

    // MARK: LOGIN

    func testLoginHappyPath() {
        var exchange = SASLServerExchange(mechanism: .login)
        XCTAssertEqual(exchange.start(initialResponse: nil), .challenge("VXNlcm5hbWU6"))
        XCTAssertEqual(exchange.receive(b64("alice@example.com")), .challenge("UGFzc3dvcmQ6"))
        XCTAssertEqual(exchange.receive(b64("secret")),
                       .credentials(authorizationID: nil, username: "alice@example.com", password: "secret"))
        XCTAssertEqual(Data(base64Encoded: "VXNlcm5hbWU6").map { String(decoding: $0, as: UTF8.self) }, "Username:")
        XCTAssertEqual(Data(base64Encoded: "UGFzc3dvcmQ6").map { String(decoding: $0, as: UTF8.self) }, "Password:")
    }

    func testLoginWithInitialResponseUsername() {
        var exchange = SASLServerExchange(mechanism: .login)
        XCTAssertEqual(exchange.start(initialResponse: b64("alice@example.com")), .challenge("UGFzc3dvcmQ6"))
        XCTAssertEqual(exchange.receive(b64("secret")),
                       .credentials(authorizationID: nil, username: "alice@example.com", password: "secret"))
    }

    func testLoginEmptyUsernameOrPasswordRefused() {
        var first = SASLServerExchange(mechanism: .login)
        XCTAssertEqual(first.start(initialResponse: "="), .malformed("invalid user name"))
        var second = SASLServerExchange(mechanism: .login)
        _ = second.start(initialResponse: nil)
        _ = second.receive(b64("alice"))
        XCTAssertEqual(second.receive(""), .malformed("invalid password"))
        var third = SASLServerExchange(mechanism: .login)
        _ = third.start(initialResponse: nil)
        XCTAssertEqual(third.receive(b64("al\u{0}ice")), .malformed("invalid user name"))
    }

    // MARK: Cancel, base64, bounds

    func testCancelAtEachStep() {
        var plain = SASLServerExchange(mechanism: .plain)
        _ = plain.start(initialResponse: nil)
        XCTAssertEqual(plain.receive("*"), .cancelled)
        XCTAssertEqual(plain.receive(b64("\u{0}a\u{0}b")), .malformed("exchange already finished"))

        var login = SASLServerExchange(mechanism: .login)
        _ = login.start(initialResponse: nil)
        XCTAssertEqual(login.receive("*\r\n"), .cancelled)

        var loginLater = SASLServerExchange(mechanism: .login)
        _ = loginLater.start(initialResponse: nil)
        _ = loginLater.receive(b64("alice"))
        XCTAssertEqual(loginLater.receive("*"), .cancelled)

        var initial = SASLServerExchange(mechanism: .plain)
        XCTAssertEqual(initial.start(initialResponse: "*"), .cancelled)
    }

    func testBadBase64IsMalformed() {
        let credentials = b64("\u{0}alice\u{0}secret")
        for line in ["!!!!", credentials + " ", " " + credentials, "AGFs\naWNl", "AGFsaWNlAHNlY3JldA",
                     "AGFsaWNlAHNlY3JldA=", "A===", "====", "AG=sa", "AGFsaWNlAHNlY3JldA==AAAA", "QR==",
                     "AGFs-WNlAHNlY3JldA==", "="] {
            var exchange = SASLServerExchange(mechanism: .plain)
            _ = exchange.start(initialResponse: nil)
            XCTAssertEqual(exchange.receive(line), .malformed("invalid base64"), line.debugDescription)
        }
    }

    func testOversizedResponseRefused() {
        let huge = String(repeating: "QUFB", count: SASLServerExchange.maximumResponseLength / 4 + 1)
        var exchange = SASLServerExchange(mechanism: .plain)
        XCTAssertEqual(exchange.start(initialResponse: huge), .malformed("response too long"))
        var login = SASLServerExchange(mechanism: .login)
        _ = login.start(initialResponse: nil)
        XCTAssertEqual(login.receive(huge), .malformed("response too long"))
        // Just under the bound is decoded (and then fails only for lack of NULs).
        let big = String(repeating: "QUFB", count: SASLServerExchange.maximumResponseLength / 4)
        var near = SASLServerExchange(mechanism: .plain)
        XCTAssertEqual(near.start(initialResponse: big), .malformed("PLAIN message needs exactly two NUL separators"))
    }

    func testReceiveBeforeStartAndStartTwice() {
        var exchange = SASLServerExchange(mechanism: .plain)
        guard case .malformed = exchange.receive(b64("\u{0}a\u{0}b")) else { return XCTFail() }
        var twice = SASLServerExchange(mechanism: .login)
        _ = twice.start(initialResponse: nil)
        guard case .malformed = twice.start(initialResponse: nil) else { return XCTFail() }
    }

    func testMechanismNamesCaseInsensitive() {
        XCTAssertEqual(SASLMechanism(name: "plain"), .plain)
        XCTAssertEqual(SASLMechanism(name: "LoGiN"), .login)
        XCTAssertNil(SASLMechanism(name: "CRAM-MD5"))
        XCTAssertEqual(SASLMechanism.allCases.map(\.rawValue), ["PLAIN", "LOGIN"])
    }

    // MARK: Strict base64 decoder

    func testStrictBase64RoundTripsAllLengths() {
        var bytes: [UInt8] = []
        for length in 0..<40 {
            XCTAssertEqual(StrictBase64.decode(Substring(b64(bytes))), bytes, "length \(length)")
            bytes.append(UInt8(truncatingIfNeeded: length &* 37 &+ 200))
        }
    }

    func testStrictBase64RejectsNonCanonicalBits() {
        XCTAssertEqual(StrictBase64.decode("QQ=="), [0x41])
        XCTAssertNil(StrictBase64.decode("QR=="))  // stray low bits
        XCTAssertEqual(StrictBase64.decode("QUE="), [0x41, 0x41])
        XCTAssertNil(StrictBase64.decode("QUF="))
        XCTAssertEqual(StrictBase64.decode(""), [])
        XCTAssertNil(StrictBase64.decode("Q==="))
        XCTAssertNil(StrictBase64.decode("QQ=A"))
    }
}
