import Foundation
import MailStore
import XCTest
@testable import SMTP

final class RetryScheduleTests: XCTestCase {
    func testIntervalsDoubleFromFiveMinutesUpToTheCap() {
        let schedule = RetrySchedule(firstInterval: 300, maxInterval: 4 * 3600)
        XCTAssertEqual((1...8).map { schedule.interval(afterAttempts: $0) },
                       [300, 600, 1200, 2400, 4800, 9600, 14400, 14400])
    }

    func testDefaultsComeFromTheConfiguration() {
        let schedule = RetrySchedule(OutboundConfiguration(hostName: "mx.example.org", maxRetryInterval: 1000))
        XCTAssertEqual(schedule.interval(afterAttempts: 1), 300)
        XCTAssertEqual(schedule.interval(afterAttempts: 3), 1000)
    }

    func testNonsenseInputsStayBounded() {
        let schedule = RetrySchedule(firstInterval: 300, maxInterval: 3600)
        XCTAssertEqual(schedule.interval(afterAttempts: 0), 300)
        XCTAssertEqual(schedule.interval(afterAttempts: -5), 300)
        XCTAssertEqual(schedule.interval(afterAttempts: Int.max), 3600)
        // A zero or negative first interval would retry in a busy loop.
        let broken = RetrySchedule(firstInterval: -10, maxInterval: 0)
        XCTAssertEqual(broken.interval(afterAttempts: 1), 1)
        XCTAssertEqual(broken.interval(afterAttempts: 100), 1)
        // A cap below the first interval is raised to it.
        XCTAssertEqual(RetrySchedule(firstInterval: 600, maxInterval: 60).interval(afterAttempts: 3), 600)
    }

    func testLastAttemptIsAtTheGiveUpTime() {
        let schedule = RetrySchedule(firstInterval: 300, maxInterval: 14400)
        let now = Date(timeIntervalSince1970: 1_000_000)
        XCTAssertEqual(schedule.nextAttempt(afterAttempts: 1, now: now, giveUpAt: now.addingTimeInterval(10_000)),
                       now.addingTimeInterval(300))
        XCTAssertEqual(schedule.nextAttempt(afterAttempts: 9, now: now, giveUpAt: now.addingTimeInterval(100)),
                       now.addingTimeInterval(100))
        // Already past the give-up time (the caller fails it): plain interval.
        XCTAssertEqual(schedule.nextAttempt(afterAttempts: 1, now: now, giveUpAt: now.addingTimeInterval(-1)),
                       now.addingTimeInterval(300))
    }

    func testDefaultNotifyIsFailureAndDelay() {
        // RFC 3461 §4.1.
        XCTAssertTrue(DSNNotifyConditions.wants(.failure, notify: nil))
        XCTAssertTrue(DSNNotifyConditions.wants(.delay, notify: nil))
        XCTAssertFalse(DSNNotifyConditions.wants(.success, notify: nil))
        XCTAssertFalse(DSNNotifyConditions.wants(.failure, notify: .never))
        XCTAssertFalse(DSNNotifyConditions.wants(.failure, notify: .success))
        XCTAssertTrue(DSNNotifyConditions.wants(.success, notify: [.success, .failure]))
    }

    func testGroupingByDomainKeepsOrderAndIgnoresCase() {
        let now = Date()
        let recipients = ["a@x.test", "b@Y.test", "c@X.TEST", "\"odd@name\"@y.test.", "nodomain"].map {
            QueuedRecipient(address: $0, nextAttemptAt: now)
        }
        let groups = DeliveryGrouping.groups(recipients)
        XCTAssertEqual(groups.map(\.domain), ["x.test", "y.test", ""])
        XCTAssertEqual(groups.map { $0.recipients.map(\.address) },
                       [["a@x.test", "c@X.TEST"], ["b@Y.test", "\"odd@name\"@y.test."], ["nodomain"]])
    }
}
