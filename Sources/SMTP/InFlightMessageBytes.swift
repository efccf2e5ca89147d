// A bound on the message data held in memory for unauthenticated SMTP
// clients, per remote address: until messages are streamed to disk (the
// Store 2 work), every octet of a DATA or BDAT message waits in memory, and
// sixteen parallel 48 MB messages from one address would otherwise hold
// 768 MB. Past the bound, a message is dropped as it arrives (not buffered)
// and answered `452 4.3.1` (RFC 5321 §4.2.2 "insufficient system storage",
// RFC 3463 X.3.1 "mail system full"), which a sending MTA retries later.
import Foundation

/// Octets of DATA/BDAT message data held per remote address, shared by
/// every SMTP session of the server.
public final class InFlightMessageBytes: @unchecked Sendable {
    /// Octets one address's unauthenticated sessions may hold together.
    public let limitPerAddress: Int
    private let lock = NSLock()
    private var held: [String: Int] = [:]

    public init(limitPerAddress: Int) {
        self.limitPerAddress = limitPerAddress
    }

    /// One session's octets for `address` go from `old` to `new`. Growing
    /// past the address's bound changes nothing and returns false;
    /// shrinking always succeeds.
    public func update(address: String, from old: Int, to new: Int) -> Bool {
        guard old != new else { return true }
        return lock.withLock {
            let current = held[address, default: 0]
            let next = max(0, current - old + new)
            if new > old, next > limitPerAddress { return false }
            held[address] = next > 0 ? next : nil
            return true
        }
    }

    /// Octets held for `address` now.
    public func held(address: String) -> Int {
        lock.withLock { held[address, default: 0] }
    }
}
