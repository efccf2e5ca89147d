import Foundation
import Logging
import MailStore
import XCTest
@testable import Server

/// `StoreSetup.addLocalDomains`: what `tern serve` does at start, and admin
/// commands before the first start.
final class StoreSetupTests: XCTestCase {
    private var directory = ""

    override func setUp() {
        directory = NSTemporaryDirectory() + "tern-store-setup-" + UUID().uuidString
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testAddsTheMissingConfiguredDomainsOnceAndNoAccount() async throws {
        let store = try SQLiteMailStore(directory: directory, logger: Logger(label: "test"))
        var configuration = TernConfiguration.localDefaults
        configuration.localDomains = ["example.org", "example.net"]
        try await store.addDomain("example.net")

        let added = try await StoreSetup.addLocalDomains(store: store, configuration: configuration)
        XCTAssertEqual(added, ["example.org"], "only the missing one")
        let names = try await store.domains().map(\.name)
        XCTAssertEqual(names, ["example.net", "example.org"])
        let again = try await StoreSetup.addLocalDomains(store: store, configuration: configuration)
        XCTAssertEqual(again, [])
        let accounts = try await store.accounts()
        XCTAssertTrue(accounts.isEmpty, "unlike serve's first start, no account is created")
        try await store.close()
    }
}
