import Foundation
import Logging
import MailCore
import MailStore
import XCTest
@testable import SMTP

/// RFC 5321 §4.5.1 postmaster and RFC 2142 abuse: accepted for every local
/// domain (and host_name) without an account or alias of that name, routed
/// to `postmaster_account` or the oldest account; an explicit account or
/// alias wins; other domains are still relaying.
final class SMTPPostmasterTests: SMTPSessionTestCase {
    private func resolver(postmasterAccount: String? = nil) -> RecipientResolver {
        RecipientResolver(store: store, postmasterAccount: postmasterAccount, hostName: "mx.example.org")
    }

    /// The account addresses an address resolves to, or the resolution when it is not local.
    private func accounts(_ address: String, _ resolver: RecipientResolver) async throws -> String {
        let mailbox = try XCTUnwrap(EmailAddress(address), address)
        switch try await resolver.resolve(mailbox) {
        case .local(let accounts, let forwards): return (accounts.map(\.address) + forwards).joined(separator: ",")
        case let other: return "\(other)"
        }
    }

    func testRoleAddressesOfEveryLocalDomainGoToTheOldestAccount() async throws {
        let resolver = resolver()
        let table: [(String, String)] = [
            ("postmaster@example.org", "alice@example.org"),
            ("PostMaster@EXAMPLE.org", "alice@example.org"),
            ("abuse@example.org", "alice@example.org"),
            ("Abuse@catchall.example", "alice@example.org"),  // before the catch-all (carol)
            ("postmaster+dmarc@example.org", "alice@example.org"),
            ("postmaster@mx.example.org", "alice@example.org"),  // host_name, not a local domain
            ("abuse@mx.example.org", "alice@example.org"),
            ("someone@catchall.example", "carol@catchall.example"),
            ("nobody@example.org", "unknownUser"),
            ("root@mx.example.org", "remote"),  // only role addresses are local at host_name
            ("postmaster@other.example", "remote"),
            ("abuse@[192.0.2.1]", "remote"),
            ("hostmaster@example.org", "unknownUser"),
        ]
        for (address, expected) in table {
            let got = try await accounts(address, resolver)
            XCTAssertEqual(got, expected, address)
        }
    }

    func testConfiguredPostmasterAccountAndItsFallback() async throws {
        let toBob = try await accounts("abuse@example.org", resolver(postmasterAccount: "Bob@Example.org"))
        XCTAssertEqual(toBob, "bob@example.org")
        let toAlias = try await accounts("postmaster@catchall.example", resolver(postmasterAccount: "sales@example.org"))
        XCTAssertEqual(toAlias, "alice@example.org,bob@example.org", "an alias may receive role mail")
        let fallback = try await accounts("postmaster@example.org", resolver(postmasterAccount: "gone@example.org"))
        XCTAssertEqual(fallback, "alice@example.org", "an address that is no account or alias falls back")
        let configured = try await resolver(postmasterAccount: "carol@catchall.example").resolvePostmaster()
        XCTAssertEqual(configured, .local(accounts: [carol], forwards: []))
    }

    func testExplicitAccountOrAliasWins() async throws {
        try await sqlite.addAlias(Alias(source: "postmaster@example.org", destinations: ["carol@catchall.example"]))
        let abuse = try await sqlite.createAccount(address: "abuse@catchall.example", passwordHash: Self.passwordHash)
        let resolver = resolver(postmasterAccount: "bob@example.org")
        let table: [(String, String)] = [
            ("postmaster@example.org", "carol@catchall.example"),
            ("POSTMASTER+x@example.org", "carol@catchall.example"),
            ("abuse@catchall.example", abuse.address),
            ("abuse@example.org", "bob@example.org"),
            ("postmaster@catchall.example", "bob@example.org"),
        ]
        for (address, expected) in table {
            let got = try await accounts(address, resolver)
            XCTAssertEqual(got, expected, address)
        }
        // <postmaster>: postmaster@ of host_name's parent domain is an alias.
        let bare = try await resolver.resolvePostmaster()
        XCTAssertEqual(bare, .local(accounts: [carol], forwards: []))
    }

    func testNoAccountAtAllLeavesRoleAddressesUnknown() async throws {
        let empty = try SQLiteMailStore(directory: directory.appendingPathComponent("empty").path, logger: logger)
        try await empty.addDomain("example.org")
        let resolver = RecipientResolver(store: empty, hostName: "mx.example.org")
        let role = try await resolver.resolve(EmailAddress("postmaster@example.org")!)
        XCTAssertEqual(role, .unknownUser)
        let bare = try await resolver.resolvePostmaster()
        XCTAssertEqual(bare, .unknownUser)
        try await empty.close()
    }

    /// MX, from a stranger, with the null sender too: `<postmaster>` (any
    /// case) and role addresses are accepted and land in the oldest
    /// account's INBOX; a role address of another domain is relaying.
    func testMXAcceptsPostmasterFromAnyoneAndDelivers() async throws {
        let session = await greetedSession()
        let replies = await send(session, "MAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nRCPT TO:<POSTMASTER>\r\n"
            + "RCPT TO:<Postmaster@example.org>\r\nRCPT TO:<abuse@catchall.example>\r\n"
            + "RCPT TO:<postmaster@other.example>\r\nRCPT TO:<abuse@mx.example.org>\r\nDATA\r\n")
        XCTAssertEqual(codes(replies), ["250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "250 2.1.5", "554 5.7.1",
                                        "250 2.1.5", "354"])
        let done = await send(session, Self.message + ".\r\n")
        XCTAssertEqual(codes(done), ["250 2.0.0"])
        let delivered = try await inboxTexts(alice)
        XCTAssertEqual(delivered.count, 1, "one copy for alice however many role addresses reached her")
        XCTAssertTrue(delivered[0].hasPrefix("Return-Path: <>\r\nReceived: from client.example"), delivered[0])
        XCTAssertTrue(delivered[0].contains("for <postmaster@mx.example.org>"), delivered[0])
        let others = try await inbox(bob).count + inbox(carol).count
        XCTAssertEqual(others, 0)
        XCTAssertTrue(queue.entries.isEmpty, "nothing relayed")
    }

    /// The configured account gets it through a real session.
    func testSessionUsesConfiguredPostmasterAccount() async throws {
        var settings = configuration()
        settings.postmasterAccount = "bob@example.org"
        let session = await greetedSession(settings)
        let replies = await send(session, "MAIL FROM:<reporter@remote.test>\r\nRCPT TO:<abuse@example.org>\r\nDATA\r\n"
            + Self.message + ".\r\n")
        XCTAssertEqual(codes(replies), ["250 2.1.0", "250 2.1.5", "354", "250 2.0.0"])
        let bobs = try await inbox(bob).count
        let alices = try await inbox(alice).count
        XCTAssertEqual(bobs, 1)
        XCTAssertEqual(alices, 0)
    }

    /// Submission: the account role mail reaches may send as the role
    /// address; another account may not; an explicit alias takes it away.
    func testRoleAddressAsSender() async throws {
        func mailFrom(_ user: String, _ sender: String) async -> [String] {
            let session = await greetedSession(configuration(.submission), connection: Self.loopback)
            let replies = await send(session, "AUTH PLAIN \(plain(user, Self.password))\r\nMAIL FROM:<\(sender)>\r\n")
            return codes(replies)
        }
        var got = await mailFrom("alice@example.org", "postmaster@example.org")
        XCTAssertEqual(got, ["235 2.7.0", "250 2.1.0"])
        got = await mailFrom("alice@example.org", "abuse+x@catchall.example")
        XCTAssertEqual(got, ["235 2.7.0", "250 2.1.0"])
        got = await mailFrom("bob@example.org", "postmaster@example.org")
        XCTAssertEqual(got, ["235 2.7.0", "553 5.7.1"])
        got = await mailFrom("alice@example.org", "postmaster@other.example")
        XCTAssertEqual(got, ["235 2.7.0", "553 5.7.1"])
        try await sqlite.addAlias(Alias(source: "postmaster@example.org", destinations: ["bob@example.org"]))
        got = await mailFrom("alice@example.org", "postmaster@example.org")
        XCTAssertEqual(got, ["235 2.7.0", "553 5.7.1"])
        got = await mailFrom("bob@example.org", "postmaster@example.org")
        XCTAssertEqual(got, ["235 2.7.0", "250 2.1.0"])
    }
}
