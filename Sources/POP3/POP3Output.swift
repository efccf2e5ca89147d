// What a POP3 session hands back to the connection for each input line.

/// What the connection must do after sending a session's output.
public enum POP3Action: Sendable, Equatable {
    case none
    /// Start the TLS handshake (after STLS's +OK was sent), discarding any
    /// bytes the client sent before it (RFC 2595 §4).
    case startTLS
    /// Close the connection after sending.
    case close
}

public struct POP3Output: Sendable {
    /// The bytes to send, CRLF-terminated lines, dot-stuffed multi-line responses.
    public var bytes: [UInt8]
    public var action: POP3Action
    /// What follows `bytes` (a streamed RETR): send its pieces until it ends.
    public var stream: POP3BodyStream?
    public init(bytes: [UInt8], action: POP3Action = .none, stream: POP3BodyStream? = nil) {
        self.bytes = bytes
        self.action = action
        self.stream = stream
    }

    init(_ response: POP3Response, action: POP3Action = .none) {
        self.init(bytes: response.encoded(), action: action)
    }
}
