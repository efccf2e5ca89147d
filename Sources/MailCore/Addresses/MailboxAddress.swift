/// One mailbox of an address list (RFC 5322 §3.4), as written: the display
/// name (quotes removed, RFC 2047 words left encoded), an obsolete source
/// route, the local part (unquoted) and the domain.
public struct MailboxAddress: Sendable, Equatable, Codable {
    public var displayName: String?
    /// obs-route such as "@a.example,@b.example" without the final colon.
    public var route: String?
    public var localPart: String
    /// nil when the address had no "@domain".
    public var domain: String?

    public init(displayName: String? = nil, route: String? = nil, localPart: String, domain: String?) {
        self.displayName = displayName
        self.route = route
        self.localPart = localPart
        self.domain = domain
    }

    /// The address as a validated `EmailAddress`, when it is one.
    public var emailAddress: EmailAddress? {
        guard let domain else { return nil }
        return EmailAddress("\(EmailAddress.quotedLocalPartIfNeeded(localPart))@\(domain)")
    }
}

/// One entry of an address list: a mailbox or a named group of mailboxes.
public enum AddressListEntry: Sendable, Equatable {
    case mailbox(MailboxAddress)
    case group(name: String, members: [MailboxAddress])
}

/// An address as IMAP ENVELOPE sends it (RFC 9051 §7.5.2): name, adl,
/// mailbox, host. A group is a start marker (host nil, mailbox = group
/// name), its members, then an end marker (all nil).
public struct EnvelopeAddress: Sendable, Equatable, Codable {
    public var name: String?
    public var adl: String?
    public var mailbox: String?
    public var host: String?

    public init(name: String?, adl: String?, mailbox: String?, host: String?) {
        self.name = name
        self.adl = adl
        self.mailbox = mailbox
        self.host = host
    }

    /// The host value used when an address has no domain (the c-client
    /// convention that IMAP clients recognise).
    public static let missingHost = ".MISSING-HOST-NAME."

    /// Flattens address-list entries to the ENVELOPE form. Addresses with an
    /// empty local part ("<>") are left out.
    public static func list(_ entries: [AddressListEntry]) -> [EnvelopeAddress] {
        var output: [EnvelopeAddress] = []
        func append(_ mailbox: MailboxAddress) {
            guard !mailbox.localPart.isEmpty else { return }
            output.append(EnvelopeAddress(
                name: mailbox.displayName, adl: mailbox.route,
                mailbox: EmailAddress.quotedLocalPartIfNeeded(mailbox.localPart),
                host: mailbox.domain ?? missingHost))
        }
        for entry in entries {
            switch entry {
            case .mailbox(let mailbox):
                append(mailbox)
            case .group(let name, let members):
                output.append(EnvelopeAddress(name: nil, adl: nil, mailbox: name, host: nil))
                members.forEach(append)
                output.append(EnvelopeAddress(name: nil, adl: nil, mailbox: nil, host: nil))
            }
        }
        return output
    }
}
