import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP socket that is bound and listening but not yet served: NIO takes it
/// over later (`ServerBootstrap.bind(_:)` on the descriptor).
final class ListeningSocket: Sendable {
    private let descriptor: LockedBox<CInt?>

    init(descriptor: CInt) { self.descriptor = LockedBox(descriptor) }

    /// Hands the descriptor over (to NIO, which closes it from then on).
    func take() -> CInt? {
        descriptor.withLock { descriptor in
            defer { descriptor = nil }
            return descriptor
        }
    }

    /// Closes the socket unless it was taken.
    func close() {
        if let descriptor = take() { _ = systemClose(descriptor) }
    }

    deinit { close() }
}

/// Every listener of a configuration, mail and HTTP, bound before anything
/// else happens at start: `tern serve` does this as root (ports below 1024)
/// before it drops privileges, and before any first-start side effect
/// (creating the first account, generating a certificate), so that a port
/// in use stops the start whole, with `cannot listen on 127.0.0.1:143
/// (imap): address already in use`.
struct ListeningSockets: Sendable {
    /// In the order of `configuration.listeners`.
    var mail: [ListeningSocket]
    /// In the order of `configuration.http.listeners`.
    var http: [ListeningSocket]

    static let backlog: CInt = 256

    /// Binds all or none: on the first failure the others are closed.
    static func bind(_ configuration: TernConfiguration) throws -> ListeningSockets {
        var mail: [ListeningSocket] = []
        var http: [ListeningSocket] = []
        do {
            for listener in configuration.listeners {
                mail.append(try bind(address: listener.address, port: listener.port,
                                     protocolName: listener.protocolName.rawValue))
            }
            for listener in configuration.http.listeners {
                http.append(try bind(address: listener.address, port: listener.port,
                                     protocolName: listener.tls ? "https" : "http"))
            }
        } catch {
            for socket in mail + http { socket.close() }
            throw error
        }
        return ListeningSockets(mail: mail, http: http)
    }

    /// Closes the sockets NIO did not take (a start that failed later).
    func closeUnused() {
        for socket in mail + http { socket.close() }
    }

    /// socket(2), SO_REUSEADDR (as NIO sets it), bind(2), listen(2).
    static func bind(address: String, port: Int, protocolName: String) throws -> ListeningSocket {
        func failure(_ reason: String) -> ServerError {
            .bindFailed(protocolName: protocolName, address: address, port: port, reason: reason)
        }
        let socketAddress: SocketAddress
        do {
            socketAddress = try SocketAddress(ipAddress: address, port: port)
        } catch {
            throw failure("not an IP address")
        }
        let family: CInt
        switch socketAddress {
        case .v4: family = AF_INET
        case .v6: family = AF_INET6
        case .unixDomainSocket: throw failure("not an IP address")
        }
        #if canImport(Glibc)
        let descriptor = socket(family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        #else
        let descriptor = socket(family, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw failure(SocketErrorText.describe(errno, port: port)) }
        var one: CInt = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<CInt>.size))
        let bound = socketAddress.withSockAddr { pointer, length in
            systemBind(descriptor, pointer, socklen_t(length))
        }
        guard bound == 0, listen(descriptor, backlog) == 0 else {
            let code = errno
            _ = systemClose(descriptor)
            throw failure(SocketErrorText.describe(code, port: port))
        }
        return ListeningSocket(descriptor: descriptor)
    }
}

/// An errno of socket(2)/bind(2) in words, as `strerror` says it but lower
/// case: "address already in use".
enum SocketErrorText {
    static func describe(_ code: CInt, port: Int) -> String {
        var text = String(cString: strerror(code))
        if let first = text.first { text = first.lowercased() + text.dropFirst() }
        if code == EACCES, port < 1024 {
            text += " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
        }
        return text
    }

    /// A bind error from NIO (`IOError` carries the errno), else its description.
    static func describe(_ error: any Error, port: Int) -> String {
        if let error = error as? IOError { return describe(error.errnoCode, port: port) }
        return "\(error)"
    }
}

private func systemClose(_ descriptor: CInt) -> CInt {
    #if canImport(Glibc)
    return Glibc.close(descriptor)
    #else
    return Darwin.close(descriptor)
    #endif
}

private func systemBind(_ descriptor: CInt, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> CInt {
    #if canImport(Glibc)
    return Glibc.bind(descriptor, address, length)
    #else
    return Darwin.bind(descriptor, address, length)
    #endif
}
