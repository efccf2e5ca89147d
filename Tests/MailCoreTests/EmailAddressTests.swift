import XCTest
@testable import MailCore

final class EmailAddressTests: XCTestCase {
    func testSimpleAddressLowercasesDomainOnly() throws {
        let address = try XCTUnwrap(EmailAddress("  John.Doe@Example.COM "))
        XCTAssertEqual(address.localPart, "John.Doe")
        XCTAssertEqual(address.domain, "example.com")
        XCTAssertEqual(address.description, "John.Doe@example.com")
        XCTAssertEqual(address, EmailAddress("John.Doe@EXAMPLE.com"))
        XCTAssertNotEqual(address, EmailAddress("john.doe@example.com"))
    }

    func testQuotedLocalPart() throws {
        let address = try XCTUnwrap(EmailAddress("\"john \\\"q\\\" @doe\"@example.com"))
        XCTAssertEqual(address.localPart, "john \"q\" @doe")
        XCTAssertEqual(address.description, "\"john \\\"q\\\" @doe\"@example.com")
        XCTAssertEqual(EmailAddress(address.description), address)
    }

    func testUTF8LocalPartAndDomain() throws {
        let address = try XCTUnwrap(EmailAddress("δοκιμή@Παράδειγμα.δοκιμή"))
        XCTAssertEqual(address.localPart, "δοκιμή")
        XCTAssertEqual(address.domain, "παράδειγμα.δοκιμή")
        XCTAssertTrue(address.needsSMTPUTF8)
        XCTAssertFalse(EmailAddress("a@b.example")!.needsSMTPUTF8)
    }

    func testDomainLiteral() throws {
        let address = try XCTUnwrap(EmailAddress("postmaster@[127.0.0.1]"))
        XCTAssertEqual(address.domain, "[127.0.0.1]")
        XCTAssertNil(EmailAddress("a@[1.2.3.4"))
    }

    func testSpecialCharactersInDotAtom() {
        XCTAssertNotNil(EmailAddress("user+tag!#$%&'*/=?^_`{|}~-@example.com"))
    }

    func testInvalidAddresses() {
        let invalid = [
            "", "plain", "@example.com", "user@", "user@@example.com", ".user@example.com",
            "user.@example.com", "us..er@example.com", "us er@example.com", "user@exa mple.com",
            "user@-example.com", "user@example-.com", "user@example..com", "user@.example.com",
            "<user@example.com>", "user@example.com.", "\"unterminated@example.com",
            "a\"b\"@example.com", "user@exam(ple.com",
            String(repeating: "a", count: 65) + "@example.com",
            "a@" + String(repeating: "b", count: 64) + ".com",
        ]
        for text in invalid {
            XCTAssertNil(EmailAddress(text), text)
        }
    }

    func testLengthLimitsAccepted() {
        XCTAssertNotNil(EmailAddress(String(repeating: "a", count: 64) + "@example.com"))
        XCTAssertNotNil(EmailAddress("a@" + String(repeating: "b", count: 63) + ".com"))
    }

    func testCodableRoundTrip() throws {
        let address = try XCTUnwrap(EmailAddress("x@y.example"))
        let decoded = try JSONRoundTrip.roundTrip(address)
        XCTAssertEqual(decoded, address)
    }
}
