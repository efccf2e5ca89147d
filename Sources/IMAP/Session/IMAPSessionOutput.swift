/// What the connection must send and do after a session step, like
/// POP3Output and SMTPOutput.
public struct IMAPSessionOutput: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case none
        /// Start TLS after sending `bytes` (STARTTLS, RFC 9051 §6.2.1); the
        /// connection discards any byte the client sent before the handshake.
        case startTLS
        /// Close the connection after sending `bytes` (LOGOUT, BYE).
        case close
        /// Compress both directions with DEFLATE (RFC 1951) from the byte
        /// after `bytes` on (COMPRESS, RFC 4978 §3): the reply itself leaves
        /// uncompressed.
        case startCompression
    }

    public var bytes: [UInt8]
    public var action: Action

    public init(bytes: [UInt8] = [], action: Action = .none) {
        self.bytes = bytes
        self.action = action
    }
}
