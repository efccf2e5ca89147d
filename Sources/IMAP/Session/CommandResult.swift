import Logging
import MailStore

/// What a command handler produced: untagged data to send before the tagged
/// completion, and the completion itself (RFC 9051 §7.1).
public struct CommandResult: Sendable {
    public var untagged: [UntaggedResponse]
    public var status: ResponseStatus
    public var text: ResponseText

    public init(untagged: [UntaggedResponse] = [], status: ResponseStatus, text: ResponseText) {
        self.untagged = untagged
        self.status = status
        self.text = text
    }

    public static func ok(_ text: String, code: ResponseCode? = nil, untagged: [UntaggedResponse] = []) -> CommandResult {
        CommandResult(untagged: untagged, status: .ok, text: ResponseText(code: code, text))
    }

    public static func no(_ text: String, code: ResponseCode? = nil, untagged: [UntaggedResponse] = []) -> CommandResult {
        CommandResult(untagged: untagged, status: .no, text: ResponseText(code: code, text))
    }

    public static func bad(_ text: String, code: ResponseCode? = nil) -> CommandResult {
        CommandResult(status: .bad, text: ResponseText(code: code, text))
    }
}

/// How mailbox names travel on this connection (RFC 9051 §5.1; rev1
/// clients use modified UTF-7, RFC 3501 §5.1.3; UTF8=ACCEPT, RFC 6855).
public enum MailboxNameEncoding: Sendable, Hashable {
    case utf8
    case modifiedUTF7
}

/// Extensions a client turned on with ENABLE (RFC 5161) or implicitly
/// (CONDSTORE by SELECT (CONDSTORE) or a MODSEQ fetch, RFC 7162 §3.1).
public struct EnabledExtensions: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let imap4rev2 = EnabledExtensions(rawValue: 1 << 0)
    public static let condstore = EnabledExtensions(rawValue: 1 << 1)
    public static let qresync = EnabledExtensions(rawValue: 1 << 2)
    public static let utf8Accept = EnabledExtensions(rawValue: 1 << 3)
}

/// Writes bytes to the client now, waiting for the write to be flushed:
/// used to stream long responses (FETCH of a large mailbox) instead of
/// building them in memory.
public typealias IMAPResponseWriter = @Sendable ([UInt8]) async throws -> Void

/// What every command handler gets from the authenticated session.
public struct CommandContext: Sendable {
    public var store: any MailStore
    public var account: Account
    public var enabled: EnabledExtensions
    public var logger: Logger
    public var write: IMAPResponseWriter
    /// Largest message APPEND accepts (APPENDLIMIT, RFC 7889).
    public var maxMessageSize: Int
    /// The server's shared mailbox views (SELECT starts from them); nil
    /// reads every view from the store.
    public var viewCache: MailboxViewCache?
    /// Bounds on the account's METADATA entries (RFC 5464 §4.3).
    public var metadataLimits: MetadataLimits = .standard

    public init(store: any MailStore, account: Account, enabled: EnabledExtensions, logger: Logger,
                write: @escaping IMAPResponseWriter, maxMessageSize: Int, viewCache: MailboxViewCache? = nil) {
        self.viewCache = viewCache
        self.store = store
        self.account = account
        self.enabled = enabled
        self.logger = logger
        self.write = write
        self.maxMessageSize = maxMessageSize
    }

    /// UTF-8 names after ENABLE IMAP4rev2 or UTF8=ACCEPT, else modified UTF-7.
    public var nameEncoding: MailboxNameEncoding {
        enabled.contains(.imap4rev2) || enabled.contains(.utf8Accept) ? .utf8 : .modifiedUTF7
    }

    /// Quoted strings may carry UTF-8 after UTF8=ACCEPT or IMAP4rev2 (RFC 6855 §3).
    public var allowUTF8Quoted: Bool { nameEncoding == .utf8 }

    /// Encodes responses the way this connection expects.
    public func encode(_ response: IMAPResponse) -> [UInt8] {
        IMAPResponseEncoder.encode(response, allowUTF8Quoted: allowUTF8Quoted)
    }
}
