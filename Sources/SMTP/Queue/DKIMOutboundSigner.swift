import Foundation
import Logging
import MailCore
import MailStore

/// DKIM for the queue (RFC 6376 §5): mail an authenticated user submitted
/// is signed with the newest key of its author's domain: the From: domain
/// (which DMARC aligns with) when it is the envelope sender's or the user's
/// own domain, so a user cannot get another domain's signature on a forged
/// From; otherwise the envelope sender's domain (the session allowed that
/// sender to this user). Relayed mail (no authenticated user) and mail of
/// domains without a key go out as they are. A signing failure never holds
/// mail back.
struct DKIMOutboundSigner: Sendable {
    let keys: DKIMKeyStore?
    let signer = DKIMSigner()
    let logger: Logger

    /// The body with a DKIM-Signature prepended, or unchanged.
    func sign(_ body: [UInt8], message: QueuedMessage, time: Date) -> [UInt8] {
        guard message.authenticatedUser != nil, let keys else { return body }
        for domain in Self.candidateDomains(body: body, sender: message.sender, user: message.authenticatedUser) {
            // An invalid name (e.g. not LDH) cannot have a key file: skip it.
            guard let found = try? keys.signingKey(domain: domain) else { continue }
            do {
                return try signer.sign(message: body, domain: domain, selector: found.selector, key: found.key,
                                       time: time)
            } catch {
                logger.warning("DKIM signing failed; sending unsigned",
                               metadata: ["queue-id": "\(message.id)", "domain": "\(domain)", "error": "\(error)"])
                return body
            }
        }
        return body
    }

    /// The From: mailbox's domain when the sender or user may speak for it,
    /// then the envelope sender's domain, each once.
    static func candidateDomains(body: [UInt8], sender: String, user: String?) -> [String] {
        let senderDomain = DeliveryGrouping.domain(of: sender)
        let userDomain = user.map(DeliveryGrouping.domain(of:)) ?? ""
        var domains: [String] = []
        if let from = MessageHeader.parse(body).field("From"),
           case let .mailbox(mailbox)? = AddressListParser.parse(from.unfoldedBytes).first,
           let domain = mailbox.domain.map(DNSMessage.normalized), !domain.isEmpty,
           domain == senderDomain || domain == userDomain {
            domains.append(domain)
        }
        if !senderDomain.isEmpty, !domains.contains(senderDomain) { domains.append(senderDomain) }
        return domains
    }
}
