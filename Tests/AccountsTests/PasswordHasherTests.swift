@testable import Accounts
import XCTest

final class PasswordHasherTests: XCTestCase {
    // Vectors computed once with `openssl passwd -6/-5 -salt saltsalt password`,
    // `mkpasswd -m bcrypt -R 5` and `mkpasswd -m yescrypt` (whois package).
    static let sha512Password = "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/"
    static let sha256Password = "$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC."
    static let bcryptPassword = "$2b$05$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu"
    static let yescryptCorrectHorse = "$y$j9T$1Nc9T4l/YR1y3MRdiBVIu/$qwT.jcRo5w64Yxf0AZKX22bIDZSndK.TPuSiL5F6xR6"

    func testKnownVectorsVerify() {
        XCTAssertTrue(PasswordHasher.verify(password: "password", against: Self.sha512Password))
        XCTAssertTrue(PasswordHasher.verify(password: "password", against: Self.sha256Password))
        XCTAssertTrue(PasswordHasher.verify(password: "password", against: Self.bcryptPassword))
        XCTAssertTrue(PasswordHasher.verify(password: "correct horse", against: Self.yescryptCorrectHorse))
    }

    func testBcrypt2yPrefixVerifies() {
        // $2y$ and $2b$ are the same algorithm (the PHP/OpenBSD names).
        let as2y = "$2y$" + Self.bcryptPassword.dropFirst(4)
        XCTAssertTrue(PasswordHasher.verify(password: "password", against: as2y))
    }

    func testWrongPasswordsFail() {
        XCTAssertFalse(PasswordHasher.verify(password: "Password", against: Self.sha512Password))
        XCTAssertFalse(PasswordHasher.verify(password: "password ", against: Self.sha256Password))
        XCTAssertFalse(PasswordHasher.verify(password: "passwor", against: Self.bcryptPassword))
        XCTAssertFalse(PasswordHasher.verify(password: "correct horse battery", against: Self.yescryptCorrectHorse))
        XCTAssertFalse(PasswordHasher.verify(password: "", against: Self.yescryptCorrectHorse))
    }

    func testTamperedHashFails() {
        var tampered = Self.sha512Password
        tampered.removeLast()
        tampered.append("0")
        XCTAssertFalse(PasswordHasher.verify(password: "password", against: tampered))
        XCTAssertFalse(PasswordHasher.verify(password: "password", against: String(Self.sha512Password.dropLast(5))))
    }

    func testHashThenVerifyYescrypt() throws {
        let hash = try PasswordHasher.hash(password: "s3cret é ünïcode")
        XCTAssertTrue(hash.hasPrefix("$y$"), hash)
        XCTAssertTrue(PasswordHasher.verify(password: "s3cret é ünïcode", against: hash))
        XCTAssertFalse(PasswordHasher.verify(password: "s3cret e unicode", against: hash))
        // A fresh salt every time.
        XCTAssertNotEqual(hash, try PasswordHasher.hash(password: "s3cret é ünïcode"))
    }

    func testLockedAndUnsupportedHashesNeverVerify() throws {
        for hash in ["", "*", "!", "!" + Self.sha512Password, "*LK*", "x",
                     "sa3tHJ3/KuYvI",                       // DES crypt of "password" with salt "sa"
                     "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/",  // MD5-crypt
                     "{SHA512-CRYPT}" + Self.sha512Password, "$y$", "$6$"] {
            XCTAssertFalse(PasswordHasher.verify(password: "password", against: hash), hash)
            XCTAssertFalse(PasswordHasher.verify(password: "", against: hash), hash)
        }
    }

    func testNulAndOverlongPasswordsRefused() {
        XCTAssertThrowsError(try PasswordHasher.hash(password: "pass\u{0}word"))
        XCTAssertThrowsError(try PasswordHasher.hash(password: String(repeating: "a", count: 600)))
        XCTAssertFalse(PasswordHasher.verify(password: "password\u{0}extra", against: Self.sha512Password))
    }

    func testConstantTimeEquals() {
        XCTAssertTrue(PasswordHasher.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(PasswordHasher.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(PasswordHasher.constantTimeEquals([1, 2, 3], [1, 2]))
        XCTAssertTrue(PasswordHasher.constantTimeEquals([], []))
    }

    func testFromDovecotScheme() {
        XCTAssertEqual(PasswordHasher.fromDovecotScheme("{SHA512-CRYPT}" + Self.sha512Password), Self.sha512Password)
        XCTAssertEqual(PasswordHasher.fromDovecotScheme("{sha512-crypt}" + Self.sha512Password), Self.sha512Password)
        XCTAssertEqual(PasswordHasher.fromDovecotScheme("{SHA256-CRYPT}" + Self.sha256Password), Self.sha256Password)
        XCTAssertEqual(PasswordHasher.fromDovecotScheme("{BLF-CRYPT}" + Self.bcryptPassword), Self.bcryptPassword)
        XCTAssertEqual(PasswordHasher.fromDovecotScheme("{YESCRYPT}" + Self.yescryptCorrectHorse),
                       Self.yescryptCorrectHorse)
        XCTAssertEqual(PasswordHasher.fromDovecotScheme("{CRYPT}" + Self.sha512Password), Self.sha512Password)
        XCTAssertEqual(PasswordHasher.fromDovecotScheme(Self.sha512Password), Self.sha512Password)
    }

    func testFromDovecotSchemeRefusesOthers() {
        for field in ["{PLAIN}password", "{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "{MD5}X03MO1qnZdYdgyfeuILPmQ==",
                      "{CRYPT}sa3tHJ3/KuYvI", "{MD5-CRYPT}$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/",
                      // The scheme name must match the hash inside.
                      "{SHA512-CRYPT}" + Self.sha256Password, "{BLF-CRYPT}" + Self.sha512Password,
                      "{YESCRYPT}" + Self.sha512Password, "{SHA512-CRYPT", "password", "", "{}"] {
            XCTAssertNil(PasswordHasher.fromDovecotScheme(field), field)
        }
    }

    func testFromDovecotPasswordHashesPlain() throws {
        let hash = try XCTUnwrap(try PasswordHasher.fromDovecotPassword("{PLAIN}hunter2"))
        XCTAssertTrue(hash.hasPrefix("$y$"))
        XCTAssertTrue(PasswordHasher.verify(password: "hunter2", against: hash))
        XCTAssertEqual(try PasswordHasher.fromDovecotPassword("{SHA512-CRYPT}" + Self.sha512Password),
                       Self.sha512Password)
        XCTAssertNil(try PasswordHasher.fromDovecotPassword("{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="))
        XCTAssertNil(try PasswordHasher.fromDovecotPassword("{PLAIN}"))
    }
}
