// What an SMTP session hands back to the connection for each receive call.

/// What the connection must do after sending a session's output.
public enum SMTPAction: Sendable, Equatable {
    case none
    /// Start the TLS handshake (after STARTTLS's 220 was sent). The session
    /// has already discarded every byte it held (RFC 3207 §4.2); the
    /// connection must also drop anything it read but did not pass on.
    case startTLS
    /// Close the connection after sending.
    case close
}

public struct SMTPOutput: Sendable {
    /// The bytes to send: zero or more complete replies.
    public var bytes: [UInt8]
    public var action: SMTPAction
    public init(bytes: [UInt8], action: SMTPAction = .none) {
        self.bytes = bytes
        self.action = action
    }

    /// The output as text (for logs and tests).
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
