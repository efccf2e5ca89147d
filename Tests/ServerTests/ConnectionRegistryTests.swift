import NIOCore
import NIOEmbedded
import XCTest
@testable import Server

final class ConnectionRegistryTests: XCTestCase {
    func testTotalAndPerAddressLimitsAndRelease() {
        let registry = ConnectionRegistry(maxConnections: 3, maxConnectionsPerAddress: 2)
        let a1 = registry.admit(EmbeddedChannel(), address: "10.0.0.1")
        let a2 = registry.admit(EmbeddedChannel(), address: "10.0.0.1")
        XCTAssertEqual(registry.admit(EmbeddedChannel(), address: "10.0.0.1"), .tooManyFromAddress)
        let b1 = registry.admit(EmbeddedChannel(), address: "10.0.0.2")
        XCTAssertEqual(registry.admit(EmbeddedChannel(), address: "10.0.0.3"), .tooManyConnections)
        XCTAssertEqual(registry.count, 3)
        guard case .admitted(let token, let id1) = a1, case .admitted(_, let id2) = a2, case .admitted = b1 else {
            return XCTFail("first connections refused")
        }
        XCTAssertNotEqual(id1, id2)
        registry.release(token: token, address: "10.0.0.1")
        registry.release(token: token, address: "10.0.0.1")  // twice: no effect
        XCTAssertEqual(registry.count, 2)
        guard case .admitted = registry.admit(EmbeddedChannel(), address: "10.0.0.1") else {
            return XCTFail("slot not freed")
        }
        XCTAssertEqual(registry.beginShutdown().count, 3)
        XCTAssertEqual(registry.admit(EmbeddedChannel(), address: "10.0.0.9"), .shuttingDown)
    }
}
