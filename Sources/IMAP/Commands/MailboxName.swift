import MailCore

/// A mailbox name as the client sent it (RFC 9051 §5.1): raw bytes, with
/// "INBOX" in any case normalised to "INBOX". Whether the bytes are UTF-8
/// (rev2, UTF8=ACCEPT) or modified UTF-7 (rev1, RFC 3501 §5.1.3) is the
/// session's decision, so both readings are offered.
public struct MailboxName: Hashable, Sendable {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        if bytes.count == 5, String(decoding: bytes, as: UTF8.self).uppercased() == "INBOX" {
            self.bytes = Array("INBOX".utf8)
        } else {
            self.bytes = bytes
        }
    }

    public init(_ string: String) { self.init(Array(string.utf8)) }

    public var isInbox: Bool { bytes == Array("INBOX".utf8) }

    /// The name read as UTF-8, nil when the bytes are not valid UTF-8.
    public var utf8String: String? { String(validating: bytes, as: UTF8.self) }

    /// The name decoded from modified UTF-7 (RFC 3501 §5.1.3), nil when it
    /// is not valid modified UTF-7 (the session answers BAD or NO).
    public var modifiedUTF7Decoded: String? {
        guard bytes.allSatisfy({ $0 < 0x80 }), let text = utf8String else { return nil }
        return ModifiedUTF7.decode(text)
    }
}
