import Foundation
import XCTest

/// RFC 5321 §4.5.1 postmaster (and RFC 2142 abuse) with the real server:
/// smtplib sends to `<postmaster>` and postmaster@/abuse@ of each local
/// domain, imaplib reads them in the account they are routed to.
final class PostmasterTests: LocalMailEndToEndTestCase {
    /// A fresh data directory: `tern serve` creates postmaster@example.test
    /// at its first start, and role mail of every local domain and of
    /// host_name reaches it; postmaster@ of another domain is still relaying.
    func testRoleMailReachesTheAccountCreatedAtFirstStart() throws {
        try writeLocalMailConfig()
        try startLocalMailServer()
        let printed = try XCTUnwrap(server).stdout
        let pattern = try NSRegularExpression(pattern: "Created account postmaster@example\\.test with password (\\S+)")
        let match = try XCTUnwrap(pattern.firstMatch(in: printed, range: NSRange(printed.startIndex..., in: printed)),
                                  "the first start printed the account: \(serverLog)")
        let password = String(printed[Range(match.range(at: 1), in: printed)!])
        try sendOverMX(marker: "role-mail-1",
                       to: ["<postmaster>", "<POSTMASTER@second.test>", "<abuse@example.test>",
                            "<Abuse@\(hostName)>"],
                       refused: ["<postmaster@elsewhere.test>", "<nobody@second.test>"])
        try findMail("role-mail-1", user: "postmaster@\(domain)", password: password,
                     expect: ["Return-Path: <reporter@remote.e2e.test>", "for <postmaster@\(hostName)>"])
        // The operator's log line (Postfix's fields), one per copy: the
        // address the client gave is orig_to.
        let lines = try serverLogLines(containing: ["message-id=<role-mail-1@remote.e2e.test>"])
        XCTAssertEqual(lines.count, 1, "one copy, one line: \(lines)")
        let expected = try NSRegularExpression(pattern: #": from=<reporter@remote\.e2e\.test>, "#
            + #"to=<postmaster@example\.test>, orig_to=<postmaster@mx\.example\.test>, "#
            + #"message-id=<role-mail-1@remote\.e2e\.test>, size=\d+, relay=local, delay=[0-9.]+, dsn=2\.0\.0, "#
            + #"status=sent \(delivered to INBOX\)"#)
        let text = String(lines[0])
        XCTAssertNotNil(expected.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), text)
        // Counted as MX mail, not as submission.
        XCTAssertEqual(try metric(#"tern_messages_received_total{protocol="smtp"}"#, httpPort: httpPort), 1)
        XCTAssertEqual(try metric(#"tern_messages_delivered_total{protocol="smtp"}"#, httpPort: httpPort), 1)
        XCTAssertEqual(try metric(#"tern_messages_received_total{protocol="submission"}"#, httpPort: httpPort), 0)
        // What `tern dns` publishes for DMARC reports is deliverable.
        let dns = try ternOK(["dns", secondDomain])
        XCTAssertTrue(dns.stdout.contains("rua=mailto:postmaster@\(secondDomain)"), dns.stdout)
        XCTAssertTrue(dns.stdout.contains("postmaster_account (unset: the oldest account)"), dns.stdout)
        try sendOverMX(marker: "role-mail-2", to: ["<postmaster@\(secondDomain)>"])
        try findMail("role-mail-2", user: "postmaster@\(domain)", password: password)
    }

    /// `[smtp] postmaster_account` takes role mail; an alias of a role's name wins.
    func testConfiguredAccountAndExplicitAlias() throws {
        let ops = "ops@\(domain)"
        let opsPassword = "e2e-Ops-Pass-2"
        try writeLocalMailConfig(smtpTOML: "postmaster_account = \"\(ops)\"")
        for name in [domain, secondDomain] { try ternOK(["domain", "add", name]) }
        try ternOK(["account", "add", account, "--password-stdin"], stdin: password + "\n")
        try ternOK(["account", "add", ops, "--password-stdin"], stdin: opsPassword + "\n")
        try ternOK(["alias", "add", "abuse@\(secondDomain)", account])
        try startLocalMailServer()
        try sendOverMX(marker: "configured-1", to: ["<Postmaster>", "<postmaster@\(secondDomain)>",
                                                    "<abuse@\(domain)>"])
        try sendOverMX(marker: "alias-wins-1", to: ["<abuse@\(secondDomain)>"])
        try findMail("configured-1", user: ops, password: opsPassword)
        try findMail("alias-wins-1", user: account, password: password)
        try expectNoMail("configured-1", user: account, password: password)
        try expectNoMail("alias-wins-1", user: ops, password: opsPassword)
    }
}
