import Accounts
import XCTest

final class AccountAddressTests: XCTestCase {
    func testNormalizes() throws {
        XCTAssertEqual(try AccountAddress.normalize("  Alice@Example.COM \n"), "alice@example.com")
        XCTAssertEqual(try AccountAddress.normalize("first.last+tag@mail.example.org"), "first.last+tag@mail.example.org")
        XCTAssertEqual(try AccountAddress.normalize("o'neil@xn--bcher-kva.example"), "o'neil@xn--bcher-kva.example")
        XCTAssertEqual(try AccountAddress.normalize("jörg@example.com"), "jörg@example.com")
        XCTAssertEqual(try AccountAddress.normalize("a@example.com."), "a@example.com")
    }

    func testRefusesInvalid() {
        let bad = ["", "   ", "alice", "alice@", "@example.com", "a@b@example.com",
                   "al ice@example.com", ".alice@example.com", "alice.@example.com", "al..ice@example.com",
                   "alice@-example.com", "alice@example-.com", "alice@exa_mple.com", "alice@example..com",
                   "alice@bücher.example", "alice@192.168.0.1", "alice@[127.0.0.1]", "\"al ice\"@example.com",
                   "al\u{0}ice@example.com", "al(ice@example.com",
                   String(repeating: "a", count: 65) + "@example.com",
                   "a@" + String(repeating: "b", count: 64) + ".com",
                   "a@" + Array(repeating: "abcdefghi", count: 30).joined(separator: ".") + ".com"]
        for address in bad {
            XCTAssertThrowsError(try AccountAddress.normalize(address), address.debugDescription)
        }
    }

    func testErrorDescriptions() {
        XCTAssertThrowsError(try AccountAddress.normalize("alice")) { error in
            XCTAssertEqual(error as? AccountAddressError, .notLocalAtDomain("alice"))
            XCTAssertEqual("\(error)", "\"alice\" is not of the form local@domain")
        }
    }

    func testDomains() throws {
        XCTAssertEqual(try AccountAddress.normalizeDomain(" Example.COM "), "example.com")
        XCTAssertEqual(try AccountAddress.normalizeDomain("LocalHost"), "localhost")
        XCTAssertEqual(try AccountAddress.normalize("postmaster@localhost"), "postmaster@localhost")
        XCTAssertThrowsError(try AccountAddress.normalizeDomain("example.123"))
        XCTAssertEqual(AccountAddress.domain(of: "a@example.com"), "example.com")
        XCTAssertNil(AccountAddress.domain(of: "example.com"))
    }
}
