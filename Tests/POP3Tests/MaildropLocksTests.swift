import XCTest
@testable import POP3

final class MaildropLocksTests: XCTestCase {
    func testOneHolderPerAccount() {
        let locks = MaildropLocks()
        XCTAssertTrue(locks.acquire(1))
        XCTAssertFalse(locks.acquire(1))
        XCTAssertTrue(locks.acquire(2))
        XCTAssertTrue(locks.isLocked(1))
        locks.release(1)
        XCTAssertFalse(locks.isLocked(1))
        XCTAssertTrue(locks.acquire(1))
    }

    func testDeletePolicyConfigValues() {
        XCTAssertEqual(POP3DeletePolicy(configValue: "delete"), .delete)
        XCTAssertEqual(POP3DeletePolicy(configValue: "keep"), .keep)
        XCTAssertEqual(POP3DeletePolicy(configValue: "mark-read"), .markRead)
        XCTAssertEqual(POP3DeletePolicy(configValue: "move:Archive"), .moveTo("Archive"))
        XCTAssertNil(POP3DeletePolicy(configValue: "move:"))
        XCTAssertNil(POP3DeletePolicy(configValue: "Delete"))
        XCTAssertNil(POP3DeletePolicy(configValue: ""))
    }
}
