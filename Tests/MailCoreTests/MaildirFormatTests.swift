import XCTest
@testable import MailCore

final class MaildirFormatTests: XCTestCase {
    func testFlagsFromInfo() {
        let name = MaildirFilename("1700000000.M1P2.host,S=1234:2,DFPRST")
        XCTAssertEqual(name.uniqueName, "1700000000.M1P2.host,S=1234")
        XCTAssertEqual(name.flags, [.draft, .flagged, .answered, .seen, .deleted])
        XCTAssertEqual(MaildirFilename("x:2,S").flags, [.seen])
        XCTAssertEqual(MaildirFilename("x:2,").flags, [])
        XCTAssertEqual(MaildirFilename("x!2,RF").flags, [.answered, .flagged])
        XCTAssertEqual(MaildirFilename("x:2,Sab").keywordLetters, ["a", "b"])
    }

    func testNameWithoutInfoHasNoFlags() {
        let name = MaildirFilename("1700000000.12345.host")
        XCTAssertEqual(name.uniqueName, "1700000000.12345.host")
        XCTAssertEqual(name.flags, [])
        XCTAssertEqual(MaildirFilename("bogus:1,S").flags, [])
    }

    func testInfoSuffix() {
        XCTAssertEqual(MaildirFilename.infoSuffix(for: [.seen, .flagged, .answered]), ":2,FRS")
        XCTAssertEqual(MaildirFilename(MaildirFilename.infoSuffix(for: [.deleted, .draft])).flags, [.deleted, .draft])
    }

    func testFolderNames() {
        XCTAssertEqual(MaildirPlusPlus.mailboxName(forDirectory: ".Sent"), "Sent")
        XCTAssertEqual(MaildirPlusPlus.mailboxName(forDirectory: ".Sub.Folder"), "Sub/Folder")
        XCTAssertEqual(MaildirPlusPlus.mailboxName(forDirectory: ".Entw&APw-rfe"), "Entwürfe")
        XCTAssertEqual(MaildirPlusPlus.mailboxName(forDirectory: ".A&-B"), "A&B")
        XCTAssertEqual(MaildirPlusPlus.mailboxName(forDirectory: ".inbox.Sub"), "INBOX/Sub")
        XCTAssertEqual(MaildirPlusPlus.mailboxName(forDirectory: ".&ZeVnLIqe-"), "日本語")
        XCTAssertNil(MaildirPlusPlus.mailboxName(forDirectory: "cur"))
        XCTAssertNil(MaildirPlusPlus.mailboxName(forDirectory: "."))
        XCTAssertNil(MaildirPlusPlus.mailboxName(forDirectory: ".."))
        XCTAssertNil(MaildirPlusPlus.mailboxName(forDirectory: ".a..b"))
    }

    func testMalformedModifiedUTF7IsKeptAsWritten() {
        XCTAssertEqual(MaildirPlusPlus.mailboxName(forDirectory: ".&AOQ"), "&AOQ")
        XCTAssertEqual(MaildirPlusPlus.mailboxName(forDirectory: ".a.&A!Q-"), "a/&A!Q-")
    }
}
