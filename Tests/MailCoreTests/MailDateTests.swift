import XCTest
@testable import MailCore

final class MailDateTests: XCTestCase {
    func testEpochAndKnownInstant() {
        XCTAssertEqual(MailDate(year: 1970, month: 1, day: 1)?.secondsSinceEpoch, 0)
        // 2024-02-29T12:34:56Z = 1709210096.
        XCTAssertEqual(MailDate(year: 2024, month: 2, day: 29, hour: 12, minute: 34, second: 56)?.secondsSinceEpoch, 1_709_210_096)
        XCTAssertNil(MailDate(year: 2023, month: 2, day: 29))
        XCTAssertNil(MailDate(year: 2023, month: 13, day: 1))
        XCTAssertNil(MailDate(year: 2023, month: 1, day: 1, hour: 24))
    }

    func testParseRFC5322() {
        let date = MailDate.parseRFC5322("Fri, 21 Nov 1997 09:55:06 -0600")
        XCTAssertEqual(date?.secondsSinceEpoch, 880_127_706)
        XCTAssertEqual(date?.zoneOffsetMinutes, -360)
    }

    func testObsoleteForms() {
        let reference = MailDate.parseRFC5322("Fri, 21 Nov 1997 09:55:06 -0600")!
        let variants = [
            "21 Nov 97 09:55:06 CST",
            "Friday, 21 Nov 1997 09:55:06 -0600",
            "Fri,21 Nov 1997 09:55:06 -0600 (Central)",
            "Fri, 21 nov 1997 09:55:06 -0600",
            "Fri, 21 Nov 1997 (comment) 09:55:06 -0600",
            "  Fri , 21  Nov\r\n 1997 09:55:06   -0600  ",
            "Fri, 21 Nov 1997 15:55:06 GMT",
            "Fri, 21 Nov 1997 15:55:06 Z",
            "Fri, 21 Nov 1997 15:55:06",
            "Fri, 21 Nov 097 15:55:06 UT",
            "Fri, 21 Nov 1997 15:55:06+0000",
        ]
        for text in variants {
            XCTAssertEqual(MailDate.parseRFC5322(text)?.secondsSinceEpoch, reference.secondsSinceEpoch, text)
        }
        XCTAssertEqual(MailDate.parseRFC5322("1 Jan 2001 10:00 +0100")?.secondsSinceEpoch, 978_339_600)
        XCTAssertEqual(MailDate.parseRFC5322("1 Jan 49 00:00:00 +0000")?.components.year, 2049)
        XCTAssertEqual(MailDate.parseRFC5322("1 Jan 50 00:00:00 +0000")?.components.year, 1950)
    }

    func testInvalidDates() {
        for text in ["", "garbage", "32 Jan 2020 00:00:00 +0000", "1 Foo 2020 00:00:00 +0000",
                     "1 Jan 2020 25:00:00 +0000", "1 Jan 2020 10 +0000", "1 Jan 2020", "Mon,",
                     "1 Jan 2020 00:00:00 +9960", "29 Feb 2021 00:00:00 +0000"] {
            XCTAssertNil(MailDate.parseRFC5322(text), text)
        }
    }

    func testFormatting() {
        let date = MailDate(year: 2006, month: 1, day: 2, hour: 15, minute: 4, second: 5, zoneOffsetMinutes: -420)!
        XCTAssertEqual(date.imapDateTime, "\" 2-Jan-2006 15:04:05 -0700\"")
        XCTAssertEqual(date.rfc5322, "Mon, 2 Jan 2006 15:04:05 -0700")
        let other = MailDate(year: 1999, month: 12, day: 31, hour: 23, minute: 59, second: 59, zoneOffsetMinutes: 330)!
        XCTAssertEqual(other.imapDateTime, "\"31-Dec-1999 23:59:59 +0530\"")
        XCTAssertEqual(other.rfc5322, "Fri, 31 Dec 1999 23:59:59 +0530")
    }

    func testRoundTrips() {
        var seconds: Int64 = -86_400 * 365
        while seconds < 4_000_000_000 {
            for offset in [0, -480, 345] {
                let date = MailDate(secondsSinceEpoch: seconds, zoneOffsetMinutes: offset)
                XCTAssertEqual(MailDate.parseRFC5322(date.rfc5322), date)
                XCTAssertEqual(MailDate.parseIMAPDateTime(date.imapDateTime), date)
            }
            seconds += 7_777_777
        }
    }

    func testParseIMAPForms() {
        XCTAssertEqual(MailDate.parseIMAPDateTime("\"17-Jul-1996 02:44:25 -0700\"")?.secondsSinceEpoch, 837_596_665)
        XCTAssertNotNil(MailDate.parseIMAPDateTime(" 7-Jul-1996 02:44:25 -0700".trimmingPrefixSpace))
        XCTAssertNil(MailDate.parseIMAPDateTime("\"17-Jul-96 02:44:25 -0700\""))
        XCTAssertNil(MailDate.parseIMAPDateTime("\"17-Jul-1996 2:44:25 -0700\""))
        XCTAssertNil(MailDate.parseIMAPDateTime("\"17-Jul-1996 02:44:25\""))
        XCTAssertEqual(MailDate.parseIMAPDate("1-Feb-1994")?.secondsSinceEpoch, 760_060_800)
        XCTAssertNil(MailDate.parseIMAPDate("1-Feb-94"))
    }

    func testCodable() throws {
        let date = MailDate(secondsSinceEpoch: 123, zoneOffsetMinutes: 60)
        XCTAssertEqual(try JSONRoundTrip.roundTrip(date), date)
    }
}

private extension String {
    var trimmingPrefixSpace: String { hasPrefix(" ") ? String(dropFirst()) : self }
}
