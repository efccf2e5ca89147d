import XCTest
@testable import MailCore

final class MIMEParametersTests: XCTestCase {
    func testContentTypeWithParameters() throws {
        let parsed = try XCTUnwrap(MIMEHeaderValue.parseContentType(utf8Bytes(
            "Text/HTML; Charset=\"UTF-8\" (comment); format=flowed")))
        XCTAssertEqual(parsed.type, "text")
        XCTAssertEqual(parsed.subtype, "html")
        XCTAssertEqual(parsed.parameters, [MIMEParameter(name: "charset", value: "UTF-8"),
                                           MIMEParameter(name: "format", value: "flowed")])
    }

    func testQuotedValueWithEscapesAndSemicolon() throws {
        let parsed = try XCTUnwrap(MIMEHeaderValue.parseContentType(utf8Bytes(
            "multipart/mixed; boundary=\"a;b \\\"c\\\"\"")))
        XCTAssertEqual(parsed.parameters.value("BOUNDARY"), "a;b \"c\"")
    }

    func testLenientUnquotedBoundary() throws {
        let parsed = try XCTUnwrap(MIMEHeaderValue.parseContentType(utf8Bytes("multipart/mixed; boundary=----=_Part_1")))
        XCTAssertEqual(parsed.parameters.value("boundary"), "----=_Part_1")
    }

    func testInvalidContentType() {
        XCTAssertNil(MIMEHeaderValue.parseContentType(utf8Bytes("text")))
        XCTAssertNil(MIMEHeaderValue.parseContentType(utf8Bytes("")))
        XCTAssertNil(MIMEHeaderValue.parseContentType(utf8Bytes("/plain")))
    }

    func testGarbageParametersAreSkipped() throws {
        let parsed = try XCTUnwrap(MIMEHeaderValue.parseContentType(utf8Bytes("text/plain; ; =x; junk; a=1;;b=\"2")))
        XCTAssertEqual(parsed.parameters, [MIMEParameter(name: "a", value: "1"), MIMEParameter(name: "b", value: "2")])
    }

    func testRFC2231Continuations() throws {
        // RFC 2231 §3 example.
        let parsed = try XCTUnwrap(MIMEHeaderValue.parseContentType(utf8Bytes(
            "message/external-body; access-type=URL; URL*0=\"ftp://\"; URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"")))
        XCTAssertEqual(parsed.parameters.value("url"), "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar")
        XCTAssertEqual(parsed.parameters.value("access-type"), "URL")
    }

    func testRFC2231CharsetAndLanguage() throws {
        let parsed = try XCTUnwrap(MIMEHeaderValue.parseDisposition(utf8Bytes(
            "attachment; filename*=UTF-8''na%C3%AFve%20file.txt")))
        XCTAssertEqual(parsed.type, "attachment")
        XCTAssertEqual(parsed.parameters, [MIMEParameter(name: "filename", value: "naïve file.txt")])
    }

    func testRFC2231MixedEncodedAndPlainSectionsOutOfOrder() throws {
        let parsed = try XCTUnwrap(MIMEHeaderValue.parseDisposition(utf8Bytes(
            "inline; title*2=\"isn't it!\"; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*0*=us-ascii'en'This%20is%20even%20more%20")))
        XCTAssertEqual(parsed.parameters.value("title"), "This is even more ***fun*** isn't it!")
    }

    func testRFC2231Latin1AndBadPercent() {
        let combined = RFC2231.combine([("name*", "iso-8859-1'de'Gr%FC%DFe%zz")])
        XCTAssertEqual(combined, [MIMEParameter(name: "name", value: "Grüße%zz")])
    }

    func testRFC2231GapStopsContinuation() {
        let combined = RFC2231.combine([("n*0", "a"), ("n*2", "c")])
        XCTAssertEqual(combined.value("n"), "a")
    }
}
