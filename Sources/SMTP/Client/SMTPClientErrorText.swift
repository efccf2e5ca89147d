// Plain text for socket and channel errors in a recipient's diagnostic
// (last error, DSN Diagnostic-Code): SwiftNIO's own IOError description
// has an unbalanced parenthesis ("…: Connection refused) (errno: 111)").

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

enum SMTPClientErrorText {
    /// "Connection refused (errno 111)", "timed out after 30 s", else the error's own text.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as IOError:
            let code = error.errnoCode
            let text = strerror(code).map { String(cString: $0) } ?? "unknown error"
            return "\(text) (errno \(code))"
        case let error as ChannelError:
            switch error {
            case let .connectTimeout(timeout): return "timed out after \(seconds(timeout))"
            case .eof, .ioOnClosedChannel, .alreadyClosed, .inputClosed, .outputClosed: return "connection closed"
            default: return String(describing: error)
            }
        default:
            return String(describing: error)
        }
    }

    /// "connect to mx.example [127.0.0.1]:25 failed: Connection refused (errno 111)".
    static func connectFailure(remoteMTA: String, port: Int, _ error: any Error) -> String {
        "connect to \(remoteMTA):\(port) failed: \(describe(error))"
    }

    private static func seconds(_ amount: TimeAmount) -> String {
        let milliseconds = amount.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
