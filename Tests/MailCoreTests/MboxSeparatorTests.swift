import Foundation
import XCTest
@testable import MailCore

final class MboxSeparatorTests: XCTestCase {
    private func date(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
    }

    func testParsesAsctimeDate() {
        let separator = MboxSeparator(line: Array("From alice@example.org Sat Nov 21 12:34:56 2026\n".utf8))
        XCTAssertEqual(separator?.sender, "alice@example.org")
        XCTAssertEqual(separator?.date, date(2026, 11, 21, 12, 34, 56))
    }

    func testParsesVariants() {
        XCTAssertEqual(MboxSeparator.parseDate("Mon Feb  3 04:05:06 2025"), date(2025, 2, 3, 4, 5, 6))
        XCTAssertEqual(MboxSeparator.parseDate("Feb 3 04:05 2025"), date(2025, 2, 3, 4, 5, 0))
        XCTAssertEqual(MboxSeparator.parseDate("Mon Feb 3 04:05:06 2025 +0100"), date(2025, 2, 3, 3, 5, 6))
        XCTAssertEqual(MboxSeparator.parseDate("Mon Feb 3 04:05:06 -0230 2025"), date(2025, 2, 3, 6, 35, 6))
        XCTAssertEqual(MboxSeparator.parseDate("Thu Feb 29 23:59:59 2024"), date(2024, 2, 29, 23, 59, 59))
    }

    func testRejectsBadDates() {
        XCTAssertNil(MboxSeparator.parseDate(""))
        XCTAssertNil(MboxSeparator.parseDate("Sat Foo 21 12:34:56 2026"))
        XCTAssertNil(MboxSeparator.parseDate("Sat Nov 32 12:34:56 2026"))
        XCTAssertNil(MboxSeparator.parseDate("Sat Nov 21 25:34:56 2026"))
        XCTAssertNil(MboxSeparator.parseDate("Sat Nov 21 12:34:56"))
        XCTAssertNil(MboxSeparator(line: Array(">From a@b Sat Nov 21 12:34:56 2026".utf8)))
        let noDate = MboxSeparator(line: Array("From MAILER-DAEMON\n".utf8))
        XCTAssertEqual(noDate?.sender, "MAILER-DAEMON")
        XCTAssertNil(noDate?.date)
    }

    func testFormatsAndParsesBack() {
        for seconds in [0, 951_782_400, 1_763_728_496, 4_102_444_799] as [TimeInterval] {
            let value = Date(timeIntervalSince1970: seconds)
            XCTAssertEqual(MboxSeparator.parseDate(MboxSeparator.formatDate(value)), value, "\(seconds)")
        }
        XCTAssertEqual(MboxSeparator.formatDate(date(2026, 11, 21, 2, 3, 4)), "Sat Nov 21 02:03:04 2026")
        XCTAssertEqual(MboxSeparator.formatDate(date(2000, 2, 29, 0, 0, 0)), "Tue Feb 29 00:00:00 2000")
    }
}
