import Foundation
import MailCore
import MailStore
import MailStoreTestSupport
import XCTest
@testable import SMTP

/// A store whose whole-table reads of domains and aliases fail: RCPT
/// resolution must look each name up instead.
final class NoTableScanStore: ForwardingMailStore {
    let base: any MailStore
    init(base: any MailStore) { self.base = base }

    func domains() async throws -> [MailDomain] { throw MailStoreError.storageFailure("domains() read in full") }
    func aliases() async throws -> [Alias] { throw MailStoreError.storageFailure("aliases() read in full") }
}

/// Recipients are resolved with lookups by address (`account(address:)`,
/// `alias(source:)`, `domainExists`), never by reading every domain and
/// alias per RCPT.
final class RecipientLookupTests: SMTPSessionTestCase {
    func testResolutionLooksUpByAddress() async throws {
        let resolver = RecipientResolver(store: NoTableScanStore(base: sqlite), hostName: "mx.example.org")
        let table: [(String, String)] = [
            ("alice@example.org", "alice@example.org"),
            ("Alice+tag@Example.org", "alice@example.org"),
            ("sales@example.org", "alice@example.org,bob@example.org"),
            ("friends@example.org", "bob@example.org,pal@elsewhere.example"),
            ("anyone@catchall.example", "carol@catchall.example"),
            ("abuse@example.org", "alice@example.org"),
            ("nobody@example.org", "unknownUser"),
            ("a%b@example.org", "routingRefused"),
            ("someone@elsewhere.example", "remote"),
        ]
        for (address, expected) in table {
            let mailbox = try XCTUnwrap(EmailAddress(address), address)
            let got: String
            switch try await resolver.resolve(mailbox) {
            case .local(let accounts, let forwards): got = (accounts.map(\.address) + forwards).joined(separator: ",")
            case let other: got = "\(other)"
            }
            XCTAssertEqual(got, expected, address)
        }
        let sender = try XCTUnwrap(EmailAddress("info@example.org"))
        let mayUse = try await resolver.mayUseSender(sender, account: alice)
        XCTAssertTrue(mayUse, "an alias pointing at the account")
        let notBob = try await resolver.mayUseSender(sender, account: bob)
        XCTAssertFalse(notBob)
        let isLocal = try await resolver.isLocalDomain("CATCHALL.example")
        XCTAssertTrue(isLocal)
    }
}
