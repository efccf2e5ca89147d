// RFC 1035 §4.1 wire parsing, including compression pointers and hostile input.
import XCTest
@testable import SMTP

final class DNSMessageTests: XCTestCase {
    /// Header with QR set, one question, `answers` answer records.
    private func header(answers: UInt16, rcode: UInt8 = 0) -> [UInt8] {
        [0x12, 0x34, 0x81, 0x80 | rcode, 0, 1, UInt8(answers >> 8), UInt8(answers & 0xFF), 0, 0, 0, 0]
    }

    private func name(_ text: String) -> [UInt8] {
        text.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }

    private func record(_ owner: [UInt8], type: UInt16, data: [UInt8]) -> [UInt8] {
        owner + [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1, 0, 0, 0x0E, 0x10,
                 UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data
    }

    /// Question "alias.example" MX at offset 12; answers use pointers to it.
    private func mxAnswer() -> [UInt8] {
        var bytes = header(answers: 3)
        bytes += name("alias.example") + [0, 15, 0, 1]
        // alias.example CNAME mail.example  (owner = pointer to 12)
        let mailExample = name("mail.example")
        bytes += record([0xC0, 12], type: 5, data: mailExample)
        // the CNAME target starts at: end of the record minus its data length
        let targetOffset = bytes.count - mailExample.count
        // mail.example MX 10 mx.<pointer to "example" inside the target>
        let exampleOffset = targetOffset + 5
        bytes += record([0xC0, UInt8(targetOffset)], type: 15,
                        data: [0, 10, 2] + Array("mx".utf8) + [0xC0, UInt8(exampleOffset)])
        // a record for another name must not be taken
        bytes += record(name("other.example"), type: 15, data: [0, 5] + name("evil.example"))
        return bytes
    }

    func testCompressedAnswerWithCNAMEChain() throws {
        let message = try XCTUnwrap(DNSMessage.parse(mxAnswer()))
        XCTAssertEqual(message.responseCode, 0)
        XCTAssertEqual(message.answers.count, 3)
        let (final, records) = message.records(for: "Alias.Example.", type: .mx)
        XCTAssertEqual(final, "mail.example")
        XCTAssertEqual(records.map(\.data), [.mx(MXRecord(preference: 10, exchange: "mx.example"))])
    }

    func testEveryTruncationIsRejectedWithoutCrashing() {
        let bytes = mxAnswer()
        for length in 0..<bytes.count {
            XCTAssertNil(DNSMessage.parse(Array(bytes.prefix(length))), "prefix \(length)")
        }
    }

    func testPointerLoopsAndForwardGarbageAreRejected() {
        var loop = header(answers: 0)
        loop += [0xC0, 12, 0, 15, 0, 1]  // the question name points at itself
        XCTAssertNil(DNSMessage.parse(loop))
        var outside = header(answers: 0)
        outside += [0xC0, 0xFF, 0, 15, 0, 1]
        XCTAssertNil(DNSMessage.parse(outside))
        var reserved = header(answers: 0)
        reserved += [0x40, 0, 0, 15, 0, 1]
        XCTAssertNil(DNSMessage.parse(reserved))
        var query = header(answers: 0)
        query[2] = 0x01  // QR clear: a query, not a response
        XCTAssertNil(DNSMessage.parse(query + name("a.example") + [0, 1, 0, 1]))
    }

    func testOverlongNamesAndBadRecordLengthsAreRejected() {
        var long = header(answers: 0)
        long += Array(repeating: [UInt8(63)] + Array(repeating: UInt8(ascii: "a"), count: 63), count: 5).flatMap { $0 }
        long += [0, 0, 1, 0, 1]
        XCTAssertNil(DNSMessage.parse(long))
        var shortA = header(answers: 1)
        shortA += name("a.example") + [0, 1, 0, 1]
        shortA += record([0xC0, 12], type: 1, data: [127, 0, 0])
        XCTAssertNil(DNSMessage.parse(shortA))
        var overrun = header(answers: 1)
        overrun += name("a.example") + [0, 15, 0, 1]
        overrun += record([0xC0, 12], type: 15, data: [0, 10] + name("mx.example") + [0xFF])
        XCTAssertNil(DNSMessage.parse(overrun), "MX data longer than its name")
        var txt = header(answers: 1)
        txt += name("a.example") + [0, 16, 0, 1]
        txt += record([0xC0, 12], type: 16, data: [5, 0x61])
        XCTAssertNil(DNSMessage.parse(txt), "TXT string past RDLENGTH")
    }

    func testLabelsWithDotsAreEscapedAndNXDOMAINIsRead() throws {
        var bytes = header(answers: 1, rcode: 3)
        bytes += name("a.example") + [0, 15, 0, 1]
        bytes += record([0xC0, 12], type: 15, data: [0, 0, 3, 0x61, 0x2E, 0x62, 0])
        let message = try XCTUnwrap(DNSMessage.parse(bytes))
        XCTAssertEqual(message.responseCode, DNSMessage.nameError)
        XCTAssertEqual(message.answers.first?.data, .mx(MXRecord(preference: 0, exchange: "a\\046b")))
        var null = header(answers: 1)
        null += name("n.example") + [0, 15, 0, 1]
        null += record([0xC0, 12], type: 15, data: [0, 0, 0])
        XCTAssertEqual(try XCTUnwrap(DNSMessage.parse(null)).records(for: "n.example", type: .mx).records.first?.data,
                       .mx(MXRecord(preference: 0, exchange: "")))
    }

    func testCNAMELoopIsBounded() throws {
        var bytes = header(answers: 2)
        bytes += name("a.example") + [0, 15, 0, 1]
        bytes += record(name("a.example"), type: 5, data: name("b.example"))
        bytes += record(name("b.example"), type: 5, data: name("a.example"))
        let message = try XCTUnwrap(DNSMessage.parse(bytes))
        XCTAssertTrue(message.records(for: "a.example", type: .mx).records.isEmpty)
    }

    func testIPv6TextFollowsRFC5952() {
        XCTAssertEqual(DNSAddress.v6([0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]).description,
                       "2001:db8::1")
        XCTAssertEqual(DNSAddress.v6(Array(repeating: 0, count: 15) + [1]).description, "::1")
        XCTAssertEqual(DNSAddress.v6([0, 1, 0, 0, 0, 1] + Array(repeating: 0, count: 10)).description, "1:0:1::")
        XCTAssertEqual(DNSAddress.v6([0, 1, 0, 0] + Array(repeating: 0, count: 12)).description, "1::")
    }
}
