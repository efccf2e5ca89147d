import MailCore

/// ENVELOPE and BODY/BODYSTRUCTURE from MailCore's parsed data
/// (RFC 9051 §7.5.2, §9 `envelope`, `body`).
extension IMAPWriter {
    /// envelope = "(" env-date SP env-subject SP env-from SP env-sender SP
    ///            env-reply-to SP env-to SP env-cc SP env-bcc SP
    ///            env-in-reply-to SP env-message-id ")".
    public mutating func writeEnvelope(_ envelope: Envelope) {
        raw("(")
        writeNString(envelope.date)
        space()
        writeNString(envelope.subject)
        for list in [envelope.from, envelope.sender, envelope.replyTo, envelope.to, envelope.cc, envelope.bcc] {
            space()
            writeAddresses(list)
        }
        space()
        writeNString(envelope.inReplyTo)
        space()
        writeNString(envelope.messageID)
        raw(")")
    }

    /// "(" 1*address ")" / nil; address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")".
    mutating func writeAddresses(_ addresses: [EnvelopeAddress]) {
        guard !addresses.isEmpty else { return raw("NIL") }
        raw("(")
        for address in addresses {
            raw("(")
            writeNString(address.name)
            space()
            writeNString(address.adl)
            space()
            writeNString(address.mailbox)
            space()
            writeNString(address.host)
            raw(")")
        }
        raw(")")
    }

    /// body = "(" (body-type-1part / body-type-mpart) ")"; extension data
    /// only for BODYSTRUCTURE (`extensible`).
    public mutating func writeBody(_ part: MIMEPart, extensible: Bool, depth: Int = 0) {
        raw("(")
        if part.isMultipart, !part.parts.isEmpty, depth < 64 {
            for child in part.parts { writeBody(child, extensible: extensible, depth: depth + 1) }
            space()
            writeString(part.subtype.uppercased())
            if extensible {
                space()
                writeBodyParameters(part.parameters)
                writeExtensionTail(part)
            }
        } else {
            writeString(part.isMultipart ? "TEXT" : part.type.uppercased())
            space()
            writeString(part.isMultipart ? "PLAIN" : part.subtype.uppercased())
            space()
            writeBodyParameters(Self.withDefaultCharset(part))
            space()
            writeNString(part.contentID)
            space()
            writeNString(part.contentDescription)
            space()
            writeString(part.encoding.uppercased())
            raw(" \(part.bodySize)")
            if part.isMessage, let inner = part.parts.first, depth < 64 {
                space()
                writeEnvelope(part.envelope ?? Envelope())
                space()
                writeBody(inner, extensible: extensible, depth: depth + 1)
                raw(" \(part.bodyLines)")
            } else if part.type == "text" || part.isMultipart {
                raw(" \(part.bodyLines)")
            }
            if extensible {
                space()
                writeNString(part.md5)
                writeExtensionTail(part)
            }
        }
        raw(")")
    }

    /// SP body-fld-dsp SP body-fld-lang SP body-fld-loc.
    private mutating func writeExtensionTail(_ part: MIMEPart) {
        space()
        if let disposition = part.disposition {
            raw("(")
            writeString(disposition.uppercased())
            space()
            writeBodyParameters(part.dispositionParameters)
            raw(")")
        } else {
            raw("NIL")
        }
        space()
        switch part.language.count {
        case 0: raw("NIL")
        case 1: writeString(part.language[0])
        default: writeList(part.language) { $0.writeString($1) }
        }
        space()
        writeNString(part.location)
    }

    /// body-fld-param = "(" string SP string *(SP string SP string) ")" / nil.
    /// A text part's parameters with the charset it has by default when it
    /// names none, us-ascii (RFC 2045 §5.2, RFC 2046 §4.1.2), as Dovecot
    /// writes it.
    static func withDefaultCharset(_ part: MIMEPart) -> [MIMEParameter] {
        guard !part.isMultipart, part.type == "text",
              !part.parameters.contains(where: { $0.name.lowercased() == "charset" }) else { return part.parameters }
        return part.parameters + [MIMEParameter(name: "charset", value: "us-ascii")]
    }

    private mutating func writeBodyParameters(_ parameters: [MIMEParameter]) {
        guard !parameters.isEmpty else { return raw("NIL") }
        writeList(parameters) { writer, parameter in
            writer.writeString(parameter.name.uppercased())
            writer.space()
            writer.writeString(parameter.value)
        }
    }
}
