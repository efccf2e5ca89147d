import Foundation
import MailStore

/// How the client uses TLS with one destination (RFC 3207; RFC 8314 for
/// implicit TLS to a smarthost on 465).
public enum OutboundTLSPolicy: String, Sendable, Hashable, CaseIterable {
    /// STARTTLS when offered, without checking the certificate; cleartext
    /// when not offered (RFC 3207 §4: a public MX may not be refused).
    case opportunistic
    /// STARTTLS required, certificate checked against the host name and the
    /// system's trust store: no delivery (temporary failure) otherwise.
    case requireVerified = "require-verified"
    /// TLS from the first byte (port 465), certificate not checked.
    case implicit
    /// Never TLS (tests, or a relay on loopback).
    case none
}

/// Credentials for a smarthost (RFC 4954 AUTH PLAIN, only over TLS).
public struct SMTPClientCredentials: Sendable, Hashable {
    public var username: String
    public var password: String
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// One recipient of an outbound transaction with its RFC 3461 parameters.
public struct OutboundTransactionRecipient: Sendable, Hashable {
    public var address: String
    public var notify: DSNNotifyConditions?
    public var originalRecipient: OriginalRecipientAddress?
    public init(address: String, notify: DSNNotifyConditions? = nil, originalRecipient: OriginalRecipientAddress? = nil) {
        self.address = address
        self.notify = notify
        self.originalRecipient = originalRecipient
    }
}

/// One SMTP transaction: a message for several recipients at one host.
public struct OutboundTransaction: Sendable, Hashable {
    /// The reverse-path; empty for the null sender (bounces).
    public var sender: String
    public var recipients: [OutboundTransactionRecipient]
    /// The exact octets to send (CRLF line endings), dot-stuffed by the client.
    public var body: [UInt8]
    public var bodyType: OutboundBodyType
    public var smtpUTF8: Bool
    public var ret: DSNReturnContent?
    public var envelopeID: String?

    public init(sender: String, recipients: [OutboundTransactionRecipient], body: [UInt8],
                bodyType: OutboundBodyType = .sevenBit, smtpUTF8: Bool = false,
                ret: DSNReturnContent? = nil, envelopeID: String? = nil) {
        self.sender = sender
        self.recipients = recipients
        self.body = body
        self.bodyType = bodyType
        self.smtpUTF8 = smtpUTF8
        self.ret = ret
        self.envelopeID = envelopeID
    }
}

/// A reply of the remote server (RFC 5321 §4.2), multi-line text joined by spaces.
public struct SMTPClientReply: Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    /// The RFC 3463 enhanced status when the server sent one (`5.1.1`).
    public var enhancedStatus: String?
    public var text: String
    public init(code: Int, enhancedStatus: String? = nil, text: String) {
        self.code = code
        self.enhancedStatus = enhancedStatus
        self.text = text
    }

    public var isPermanentFailure: Bool { (500..<600).contains(code) }
    public var isSuccess: Bool { (200..<300).contains(code) }
    public var description: String { "\(code) \(enhancedStatus.map { "\($0) " } ?? "")\(text)" }
}

/// What happened to one recipient in one attempt.
public enum RecipientDeliveryOutcome: Sendable, Hashable {
    /// The remote accepted the message for this recipient (250 after DATA).
    case delivered(SMTPClientReply)
    /// 5xx: bounce now. `status` is the RFC 3463 code to report.
    case permanentFailure(status: String, diagnostic: String)
    /// 4xx, a connection failure or a timeout: retry later.
    case temporaryFailure(status: String, diagnostic: String)
}

/// The result of one transaction attempt at one host.
public struct OutboundAttemptResult: Sendable, Hashable {
    /// Per recipient address (as given in the transaction).
    public var outcomes: [String: RecipientDeliveryOutcome]
    /// The host that answered ("mx.example.org [192.0.2.1]"), for DSNs.
    public var remoteMTA: String?
    /// The port it answered on (for log lines: `relay=host [ip]:port`).
    public var remotePort: Int?
    /// The TLS version used, nil for cleartext.
    public var tlsVersion: String?
    /// The remote announced DSN (RFC 3461), so NOTIFY went along with each
    /// RCPT and success notices are the remote's to send (§6.2.2); without
    /// it a requested success notice is Tern's ("relayed").
    public var remoteOffersDSN: Bool
    /// The transaction went over a connection kept open from an earlier one.
    public var reusedConnection: Bool

    public init(outcomes: [String: RecipientDeliveryOutcome], remoteMTA: String? = nil, remotePort: Int? = nil,
                tlsVersion: String? = nil, remoteOffersDSN: Bool = false, reusedConnection: Bool = false) {
        self.outcomes = outcomes
        self.remoteMTA = remoteMTA
        self.remotePort = remotePort
        self.tlsVersion = tlsVersion
        self.remoteOffersDSN = remoteOffersDSN
        self.reusedConnection = reusedConnection
    }
}

/// Delivers transactions to remote hosts. `NIOSMTPClient` is the real one;
/// tests of the queue runner use their own.
public protocol OutboundTransport: Sendable {
    /// Tries the hosts in order (RFC 5321 §5.1: the next host on a
    /// connection failure or a 4xx greeting) and returns one outcome per
    /// recipient. Never throws: failures are outcomes.
    func deliver(_ transaction: OutboundTransaction, hosts: [DeliveryHost], tls: OutboundTLSPolicy,
                 credentials: SMTPClientCredentials?) async -> OutboundAttemptResult
}
