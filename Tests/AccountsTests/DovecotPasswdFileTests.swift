import Accounts
import XCTest

final class DovecotPasswdFileTests: XCTestCase {
    static let sha512 = PasswordHasherTests.sha512Password

    func testParsesFullAndShortLines() throws {
        let text = """
        # Dovecot users
        alice@example.com:{SHA512-CRYPT}\(Self.sha512):1000:1000:Alice A:/home/alice:/bin/false:userdb_quota_rule=*:storage=1G allow_nets=10.0.0.0/8

          # indented comment
        bob:{BLF-CRYPT}\(PasswordHasherTests.bcryptPassword)
        carol@Example.COM:{PLAIN}hunter2::\r
        dave@example.com:{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=
        """
        let entries = try DovecotPasswdFile.parse(text)
        XCTAssertEqual(entries.map(\.user), ["alice@example.com", "bob", "carol@Example.COM", "dave@example.com"])
        XCTAssertEqual(entries.map(\.lineNumber), [2, 5, 6, 7])

        let alice = entries[0]
        XCTAssertEqual(alice.scheme, "SHA512-CRYPT")
        XCTAssertEqual(alice.cryptHash, Self.sha512)
        XCTAssertEqual(alice.uid, "1000")
        XCTAssertEqual(alice.gid, "1000")
        XCTAssertEqual(alice.gecos, "Alice A")
        XCTAssertEqual(alice.home, "/home/alice")
        XCTAssertEqual(alice.shell, "/bin/false")
        XCTAssertEqual(alice.extraFields, ["userdb_quota_rule=*:storage=1G", "allow_nets=10.0.0.0/8"])
        XCTAssertTrue(alice.hasDomain)

        let bob = entries[1]
        XCTAssertFalse(bob.hasDomain)
        XCTAssertEqual(bob.cryptHash, PasswordHasherTests.bcryptPassword)
        XCTAssertEqual(try bob.address(defaultDomain: "Example.org"), "bob@example.org")
        XCTAssertThrowsError(try bob.address(defaultDomain: nil))

        XCTAssertEqual(entries[2].passwordField, "{PLAIN}hunter2")
        XCTAssertNil(entries[2].cryptHash)  // clear text: use PasswordHasher.fromDovecotPassword
        XCTAssertEqual(try entries[2].address(defaultDomain: nil), "carol@example.com")
        XCTAssertEqual(entries[3].scheme, "SSHA")
        XCTAssertNil(entries[3].cryptHash)
    }

    func testEmptyFileAndOnlyComments() throws {
        XCTAssertEqual(try DovecotPasswdFile.parse(""), [])
        XCTAssertEqual(try DovecotPasswdFile.parse("# nothing\n\n   \n"), [])
    }

    func testErrorsCarryLineNumbers() {
        let cases: [(String, Int, String)] = [
            ("ok@example.com:{SHA512-CRYPT}\(Self.sha512)\n:{PLAIN}x", 2, "empty user name"),
            ("# c\n\nalice@example.com", 3, "missing password field"),
            ("alice@example.com:", 1, "empty password field"),
            ("al ice@example.com:{PLAIN}x", 1, "user name contains spaces or control characters"),
            ("alice@bad_domain:{PLAIN}x", 1, "invalid domain"),
            ("a@b@example.com:{PLAIN}x", 1, "not of the form local@domain"),
            ("alice@example.com:{SHA512-CRYPT\(Self.sha512)", 1, "unterminated {SCHEME}"),
            ("alice@example.com:{PLAIN}x\nALICE@example.com:{PLAIN}y", 2, "already defined on line 1"),
        ]
        for (text, line, reason) in cases {
            XCTAssertThrowsError(try DovecotPasswdFile.parse(text), text) { error in
                guard let error = error as? DovecotPasswdFile.ParseError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.line, line, text)
                XCTAssertTrue(error.reason.contains(reason), "\(error.reason) for \(text)")
                XCTAssertTrue(error.description.hasPrefix("line \(line): "))
            }
        }
    }

    func testCollectingErrorsKeepsGoodLines() {
        let text = "a@example.com:{PLAIN}x\nbroken\nb@example.com:{PLAIN}y\n:x\n"
        let (entries, errors) = DovecotPasswdFile.parseCollectingErrors(text)
        XCTAssertEqual(entries.map(\.user), ["a@example.com", "b@example.com"])
        XCTAssertEqual(errors.map(\.line), [2, 4])
    }
}
