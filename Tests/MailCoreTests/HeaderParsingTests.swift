import XCTest
@testable import MailCore

final class HeaderParsingTests: XCTestCase {
    func testSplitsHeaderAndBodyWithCRLF() {
        let message = utf8Bytes("Subject: hi\r\nFrom: a@b.c\r\n\r\nbody\r\n")
        let header = MessageHeader.parse(message)
        XCTAssertEqual(header.fields.map(\.name), ["Subject", "From"])
        XCTAssertEqual(header.headerSize, 28)
        XCTAssertEqual(header.bodyOffset, 28)
        XCTAssertEqual(Array(message[header.bodyOffset...]), utf8Bytes("body\r\n"))
        XCTAssertEqual(header.fields[0].offset, 0)
        XCTAssertEqual(header.fields[0].length, 13)
        XCTAssertEqual(header.fields[1].offset, 13)
        XCTAssertEqual(header.fields[1].rawValue, utf8Bytes(" a@b.c"))
    }

    func testSplitsWithBareLF() {
        let message = utf8Bytes("Subject: hi\nX: y\n\nbody")
        let header = MessageHeader.parse(message)
        XCTAssertEqual(header["subject"], "hi")
        XCTAssertEqual(header["X"], "y")
        XCTAssertEqual(header.bodyOffset, 18)
    }

    func testUnfoldingRemovesOnlyTheLineBreaks() {
        let message = utf8Bytes("Subject: a long\r\n  subject\r\n\tline\r\nTo: x@y.z\r\n\r\n")
        let header = MessageHeader.parse(message)
        XCTAssertEqual(header.fields.count, 2)
        let subject = header.field("SUBJECT")!
        XCTAssertEqual(subject.rawValue, utf8Bytes(" a long\r\n  subject\r\n\tline"))
        XCTAssertEqual(subject.value, "a long  subject\tline")
        XCTAssertEqual(subject.length, 35)
        XCTAssertEqual(header.field("to")!.offset, 35)
    }

    func testCaseInsensitiveLookupAndRepeatedFields() {
        let header = MessageHeader.parse(utf8Bytes("Received: one\r\nreceived: two\r\nRECEIVED: three\r\n\r\n"))
        XCTAssertEqual(header.fields(named: "Received").map(\.value), ["one", "two", "three"])
        XCTAssertEqual(header["received"], "one")
        XCTAssertNil(header["Missing"])
        XCTAssertTrue(header.fields[1].hasName("RECEIVED"))
    }

    func testHeaderOnlyMessageHasEmptyBody() {
        let message = utf8Bytes("Subject: x\r\n")
        let header = MessageHeader.parse(message)
        XCTAssertEqual(header.headerSize, 12)
        XCTAssertEqual(header.bodyOffset, 12)
        XCTAssertEqual(header["Subject"], "x")
    }

    func testMessageStartingWithEmptyLineHasNoFields() {
        let header = MessageHeader.parse(utf8Bytes("\r\nSubject: not a header\r\n"))
        XCTAssertTrue(header.fields.isEmpty)
        XCTAssertEqual(header.bodyOffset, 2)
    }

    func testMalformedLinesAreSkipped() {
        let message = utf8Bytes("From someone Mon Jan 1\r\nno colon here\r\n: empty name\r\nBad Name: v\r\nGood : value\r\n\r\nb")
        let header = MessageHeader.parse(message)
        XCTAssertEqual(header.fields.map(\.name), ["Good"])
        XCTAssertEqual(header["good"], "value")
        XCTAssertEqual(header.bodyOffset, message.count - 1)
    }

    func testContinuationBeforeAnyFieldIsIgnored() {
        let header = MessageHeader.parse(utf8Bytes("  orphan\r\nA: b\r\n\r\n"))
        XCTAssertEqual(header.fields.map(\.name), ["A"])
    }

    func testParsesWithinARange() {
        let message = utf8Bytes("XXXXA: 1\r\n\r\nbodyYYYY")
        let header = MessageHeader.parse(message, in: 4..<16)
        XCTAssertEqual(header.headerOffset, 4)
        XCTAssertEqual(header.fields.first?.offset, 4)
        XCTAssertEqual(header.bodyOffset, 12)
        XCTAssertEqual(header.headerSize, 8)
    }

    func testHugeHeaderIsParsedCompletely() {
        var text = ""
        for index in 0..<20000 { text += "X-Field-\(index): value \(index)\r\n\t folded\r\n" }
        text += "\r\nbody"
        let message = utf8Bytes(text)
        let header = MessageHeader.parse(message)
        XCTAssertEqual(header.fields.count, 20000)
        XCTAssertEqual(header.fields.last?.value, "value 19999\t folded")
        XCTAssertEqual(header.bodyOffset, message.count - 4)
    }

    func testUTF8HeaderValue() {
        let header = MessageHeader.parse(utf8Bytes("Subject: Grüße\r\n\r\n"))
        XCTAssertEqual(header["Subject"], "Grüße")
    }

    /// Field names compare without ASCII case, byte by byte; other bytes
    /// (digits, `-`, `@`/`` ` ``, non-ASCII) only as they are.
    func testFieldNamesCompareIgnoringASCIICase() {
        let table: [(String, String, Bool)] = [
            ("Subject", "subject", true), ("X-Spam-Flag", "x-SPAM-flag", true), ("", "", true),
            ("Subject", "Subjec", false), ("Subject", "Subjekt", false), ("X-1", "x-1", true),
            ("@", "`", false), ("[", "{", false), ("Grüße", "GRüßE", true), ("Grüße", "GRÜSSE", false),
            ("Date", "date ", false),
        ]
        for (left, right, equal) in table {
            XCTAssertEqual(ByteText.equalIgnoringASCIICase(left, right), equal, "\(left) / \(right)")
            XCTAssertEqual(ByteText.equalIgnoringASCIICase(right, left), equal, "\(right) / \(left)")
            XCTAssertEqual(ByteText.asciiLowercased(left) == ByteText.asciiLowercased(right), equal,
                           "agrees with lower-casing both: \(left) / \(right)")
        }
    }
}
