// The trace fields added on delivery: RFC 5321 §4.4 Return-Path and
// Received (Time-stamp-line), with the RFC 3848 / RFC 6531 §4.3 protocol
// names (ESMTP, ESMTPA, ESMTPS, ESMTPSA, UTF8SMTP...).
import Foundation
import MailCore

struct ReceivedHeader: Sendable {
    /// The EHLO/HELO argument.
    var heloName: String
    var remoteAddress: String
    var hostName: String
    /// The RFC 3848 "with" protocol.
    var protocolName: String
    var tlsDescription: String?
    var authenticatedUser: String?
    var id: String
    /// The one recipient of this copy, if any (the "for" clause).
    var recipient: String?
    var date: Date

    /// RFC 3848 §2 / RFC 6531 §4.3: `[UTF8]SMTP` or `ESMTP`, then S for TLS and A for AUTH.
    static func protocolName(extended: Bool, utf8: Bool, tls: Bool, authenticated: Bool) -> String {
        guard extended else { return "SMTP" }
        let base = utf8 ? "UTF8SMTP" : "ESMTP"
        let suffix = (tls ? "S" : "") + (authenticated ? "A" : "")
        return base + suffix
    }

    /// The field with its CRLF, folded before each clause.
    var field: String {
        var lines = ["Received: from \(Self.token(heloName)) (\(Self.addressLiteral(remoteAddress)))"]
        if let tlsDescription { lines.append("\t(using \(Self.commentText(tlsDescription)))") }
        if let authenticatedUser { lines.append("\t(authenticated as \(Self.commentText(authenticatedUser)))") }
        lines.append("\tby \(Self.token(hostName)) (Tern) with \(protocolName) id \(id)")
        lines.append(Self.forClause(recipient: recipient, date: date))
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The field for a message a local user handed to `tern sendmail`, in
    /// Postfix's form for local pickup: no "from" clause (there is no
    /// network peer), the submitting Unix user id in a comment.
    static func localSubmission(hostName: String, userID: UInt32, id: String, recipient: String?,
                                date: Date) -> String {
        ["Received: by \(token(hostName)) (Tern sendmail, from userid \(userID))", "\tid \(id)",
         forClause(recipient: recipient, date: date)].joined(separator: "\r\n") + "\r\n"
    }

    /// `for <recipient>; date` (RFC 5321 §4.4), or `; date` for several recipients.
    private static func forClause(recipient: String?, date: Date) -> String {
        let stamp = MailDate(secondsSinceEpoch: Int64(date.timeIntervalSince1970.rounded(.down))).rfc5322
        guard let recipient else { return "\t; \(stamp)" }
        return "\tfor <\(commentText(recipient))>; \(stamp)"
    }

    /// `Return-Path: <sender>` (RFC 5321 §4.4), `<>` for the null path.
    static func returnPath(_ sender: ReversePath) -> String {
        "Return-Path: \(sender.mailbox.map { "<\($0)>" } ?? "<>")\r\n"
    }

    /// TCP-info address-literal (RFC 5321 §4.1.3): `[192.0.2.1]`, `[IPv6:2001:db8::1]`.
    static func addressLiteral(_ address: String) -> String {
        address.contains(":") ? "[IPv6:\(commentText(address))]" : "[\(commentText(address))]"
    }

    /// A client-chosen name kept to characters that can't break the field's syntax.
    static func token(_ text: String) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.prefix(255).map { scalar in
            let allowed = scalar.value >= 0x80 || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || "-.:[]_".unicodeScalars.contains(scalar)
            return allowed && scalar.value != 0x7F ? scalar : "_"
        }))
        return cleaned.isEmpty ? "unknown" : cleaned
    }

    /// Text for inside a comment: no parentheses, backslashes or controls.
    static func commentText(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(255).map { scalar in
            scalar.value < 0x20 || scalar.value == 0x7F || "()\\<>".unicodeScalars.contains(scalar) ? "_" : scalar
        }))
    }
}
