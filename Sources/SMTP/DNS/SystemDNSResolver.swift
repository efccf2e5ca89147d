// DNS lookups through the system's resolver library (libresolv): the
// thread-safe res_nquery on a private resolver state per query, with an
// optional nameserver address and port, bounded timeouts and retries. The
// blocking call runs on a dedicated dispatch queue, off Swift's cooperative
// pool; the answer is parsed by `DNSMessage`.
import CResolv
import Dispatch
import Foundation

public struct SystemDNSResolver: DNSResolver {
    /// An IPv4 nameserver (dotted quad) and port; nil uses /etc/resolv.conf.
    public var nameserver: (address: String, port: UInt16)?
    /// Seconds to wait for one answer (RES_TIMEOUT), 1...30.
    public var timeoutSeconds: Int
    /// Attempts per nameserver (RES_DFLRETRY), 1...5.
    public var attempts: Int

    /// Lookups run here; concurrent, so one slow name does not hold the others.
    private static let queue = DispatchQueue(label: "tern.dns", attributes: .concurrent)
    /// The largest answer accepted (TCP fallback may give up to 64 KiB).
    static let answerCapacity = 65_535

    public init(nameserver: (address: String, port: UInt16)? = nil, timeoutSeconds: Int = 5, attempts: Int = 2) {
        self.nameserver = nameserver
        self.timeoutSeconds = min(max(timeoutSeconds, 1), 30)
        self.attempts = min(max(attempts, 1), 5)
    }

    public func mx(_ domain: String) async -> DNSLookupResult<MXRecord> {
        await lookup(domain, type: .mx) { record in
            if case let .mx(mx) = record.data { return mx }
            return nil
        }
    }

    public func addresses(_ host: String) async -> DNSLookupResult<DNSAddress> {
        async let v4 = lookup(host, type: .a) { record -> DNSAddress? in
            if case let .address(address) = record.data { return address }
            return nil
        }
        async let v6 = lookup(host, type: .aaaa) { record -> DNSAddress? in
            if case let .address(address) = record.data { return address }
            return nil
        }
        return DNSLookupResult.merging(await v4, await v6)
    }

    public func txt(_ name: String) async -> DNSLookupResult<String> {
        await lookup(name, type: .txt) { record in
            if case let .txt(strings) = record.data { return String(decoding: strings.joined(), as: UTF8.self) }
            return nil
        }
    }

    /// One query, its answer parsed and the records of the final name kept.
    func lookup<Value: Sendable & Hashable>(_ name: String, type: DNSRecordType,
                                           _ extract: @escaping @Sendable (DNSResourceRecord) -> Value?) async
        -> DNSLookupResult<Value> {
        guard let query = SystemDNSResolver.queryName(name) else { return .nameNotFound }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<QueryOutcome, Never>) in
            let settings = self
            SystemDNSResolver.queue.async {
                continuation.resume(returning: settings.query(query, type: type))
            }
        }
        switch outcome {
        case .nameNotFound: return .nameNotFound
        case .noData: return .noData
        case let .failure(reason): return .temporaryFailure(reason)
        case let .answer(bytes):
            guard let message = DNSMessage.parse(bytes) else { return .temporaryFailure("malformed DNS answer") }
            guard message.responseCode == DNSMessage.noError else {
                return message.responseCode == DNSMessage.nameError
                    ? .nameNotFound : .temporaryFailure("DNS response code \(message.responseCode)")
            }
            let values = message.records(for: query, type: type).records.compactMap(extract)
            return values.isEmpty ? .noData : .found(values)
        }
    }

    /// A name fit for a query: at most 253 octets, no NUL, no empty label;
    /// made absolute with a trailing dot so no search list applies.
    static func queryName(_ name: String) -> String? {
        var name = name
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, name.utf8.count <= 253, !name.utf8.contains(0),
              !name.split(separator: ".", omittingEmptySubsequences: false).contains(where: { $0.isEmpty || $0.utf8.count > 63 })
        else { return nil }
        return name + "."
    }

    enum QueryOutcome: Sendable {
        case answer([UInt8])
        case nameNotFound
        case noData
        case failure(String)
    }

    /// The blocking part: res_ninit, override the servers, res_nquery, res_nclose.
    func query(_ name: String, type: DNSRecordType) -> QueryOutcome {
        let state = UnsafeMutablePointer<__res_state>.allocate(capacity: 1)
        state.initialize(to: __res_state())
        defer { state.deallocate() }
        guard __res_ninit(state) == 0 else { return .failure("resolver initialisation failed") }
        defer { __res_nclose(state) }
        state.pointee.retrans = Int32(timeoutSeconds)
        state.pointee.retry = Int32(attempts)
        // No search list, no default domain: the name is absolute.
        state.pointee.options &= ~UInt(RES_DNSRCH | RES_DEFNAMES)
        state.pointee.options |= UInt(RES_RECURSE)
        if let nameserver {
            var address = in_addr()
            guard inet_pton(AF_INET, nameserver.address, &address) == 1 else {
                return .failure("invalid nameserver address \(nameserver.address)")
            }
            var server = sockaddr_in()
            server.sin_family = sa_family_t(AF_INET)
            server.sin_port = nameserver.port.bigEndian
            server.sin_addr = address
            // The private copy of the server list is rebuilt from
            // nsaddr_list when it no longer matches (glibc res_send.c).
            state.pointee.nsaddr_list.0 = server
            state.pointee.nscount = 1
        }
        var answer = [UInt8](repeating: 0, count: SystemDNSResolver.answerCapacity)
        let length = answer.withUnsafeMutableBufferPointer { buffer in
            res_nquery(state, name, Int32(ns_c_in.rawValue), Int32(type.rawValue), buffer.baseAddress,
                       Int32(buffer.count))
        }
        guard length >= 0 else {
            // res_nquery reports the outcome in the context's h_errno (netdb.h).
            switch state.pointee.res_h_errno {
            case HOST_NOT_FOUND: return .nameNotFound
            case NO_DATA: return .noData
            case TRY_AGAIN: return .failure("DNS server failure or timeout for \(name)")
            default: return .failure("DNS lookup of \(name) failed (h_errno \(state.pointee.res_h_errno))")
            }
        }
        return .answer(Array(answer.prefix(Int(min(length, Int32(answer.count))))))
    }
}
