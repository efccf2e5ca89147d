import XCTest
@testable import MailCore

/// The sent date (RFC 5256 §2.2) and its fast path, which must agree with
/// `MailDate.parseRFC5322` on every input.
final class SortingSentDateTests: XCTestCase {
    func testCommonFormsTakeTheFastPath() {
        let forms = [
            "Mon, 1 Jan 2024 10:00:00 +0200",
            " Tue, 02 Jan 2024 23:59:59 -0530",
            "1 Jan 2024 10:00:00 +0000",
            "Wed,  3 Jan 2024 10:00:00 +0000 (UTC)",
            "Wed, 3 Jan 2024 10:00:00 +0000(UTC)",
            "Thu, 29 Feb 2024 00:00:00 +1400 trailing words",
        ]
        for form in forms {
            let fast = SentDate.fastParse(utf8Bytes(form))
            XCTAssertNotNil(fast, form)
            XCTAssertEqual(fast, MailDate.parseRFC5322(form), form)
        }
        XCTAssertEqual(SentDate.fastParse(utf8Bytes("Mon, 1 Jan 2024 10:00:00 +0200"))?.secondsSinceEpoch,
                       MailDate(year: 2024, month: 1, day: 1, hour: 8)?.secondsSinceEpoch)
    }

    func testFastPathAgreesWithTheFullParser() {
        // Every combination of common and odd pieces: whenever the fast
        // path answers, it answers what parseRFC5322 does; and `parse`
        // always equals parseRFC5322.
        let weekdays = ["", "Mon, ", "Jan, ", "Mon ", "(c) Mon, "]
        let days = ["1", "31", "32", "001"]
        let months = ["feb", "DEC", "January", "Ja"]
        let years = ["2024", "24", "20245"]
        let times = ["10:00:00", "9:00:00", "23:59", "24:00:00", "10:00:00+0100"]
        let zones = ["+0200", "-0000", "+0260", "+02000", "EST", "", "+0200 (CET)", "+0200x"]
        var checked = 0, fast = 0
        for weekday in weekdays {
            for day in days {
                for month in months {
                    for year in years {
                        for time in times {
                            for zone in zones {
                                let text = "\(weekday)\(day) \(month) \(year) \(time) \(zone)"
                                let expected = MailDate.parseRFC5322(text)
                                if let quick = SentDate.fastParse(utf8Bytes(text)) {
                                    XCTAssertEqual(quick, expected, text)
                                    fast += 1
                                }
                                XCTAssertEqual(SentDate.parse(utf8Bytes(text)), expected, text)
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        XCTAssertEqual(checked, 5 * 4 * 4 * 3 * 5 * 8)
        XCTAssertGreaterThan(fast, 10)
    }

    func testMissingOrInvalidDateIsTheInternalDate() {
        let arrival = MailDate(secondsSinceEpoch: 1_700_000_000)
        for date in [nil, "", "garbage", "Mon, 32 Jan 2024 10:00:00 +0000"] {
            let message = SortableMessage(id: 1, internalDate: arrival, size: 0, date: date.map(utf8Bytes))
            XCTAssertEqual(SentDate.seconds(message), 1_700_000_000, date ?? "nil")
        }
    }
}
