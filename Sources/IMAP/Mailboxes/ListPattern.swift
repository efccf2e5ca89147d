/// A LIST/LSUB mailbox pattern (RFC 9051 §6.3.9): `*` matches any
/// characters including the hierarchy delimiter, `%` any characters except
/// it. The pattern is the reference and the mailbox argument joined (the
/// reference is read as a prefix, RFC 9051 §6.3.9), already decoded from
/// the connection's encoding. A leading `INBOX` matches in any case.
struct ListPattern: Sendable {
    /// The longest pattern accepted, in Unicode scalars: a name has at most
    /// 255 octets, so a longer pattern could only match through wildcards,
    /// and matching costs pattern × name steps.
    static let maximumLength = 1024

    private let scalars: [Unicode.Scalar]
    /// The same pattern with a leading `inbox` (any case) spelled `INBOX`.
    private let inboxScalars: [Unicode.Scalar]?

    /// Nil when the pattern is longer than `maximumLength`.
    init?(_ text: String) {
        var scalars: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            // Runs of wildcards mean the same as one `*`, or `%` when all are `%`.
            if let last = scalars.last, last == "*" || last == "%", scalar == "*" || scalar == "%" {
                if scalar == "*" { scalars[scalars.count - 1] = "*" }
                continue
            }
            scalars.append(scalar)
        }
        guard scalars.count <= Self.maximumLength else { return nil }
        self.scalars = scalars
        let prefix = String(String.UnicodeScalarView(scalars.prefix(5)))
        if MailboxNameCodec.isInbox(prefix), prefix != "INBOX" {
            inboxScalars = Array("INBOX".unicodeScalars) + scalars.dropFirst(5)
        } else {
            inboxScalars = nil
        }
    }

    /// True when the pattern ends in `%`: LSUB then also lists unsubscribed
    /// parents of subscribed mailboxes (RFC 3501 §6.3.9).
    var endsWithPercent: Bool { scalars.last == "%" }

    func matches(_ name: String) -> Bool {
        let name = Array(name.unicodeScalars)
        if Self.matches(name, scalars) { return true }
        if let inboxScalars, name.starts(with: "INBOX".unicodeScalars),
           name.count == 5 || name[5] == "/" {
            return Self.matches(name, inboxScalars)
        }
        return false
    }

    /// Dynamic programming over pattern positions: `reach[j]` is true when
    /// the pattern read so far matches the first `j` scalars of the name.
    private static func matches(_ name: [Unicode.Scalar], _ pattern: [Unicode.Scalar]) -> Bool {
        var reach = [Bool](repeating: false, count: name.count + 1)
        reach[0] = true
        var next = reach
        for symbol in pattern {
            next[0] = symbol == "*" || symbol == "%" ? reach[0] : false
            for j in stride(from: 1, through: name.count, by: 1) {
                switch symbol {
                case "*": next[j] = reach[j] || next[j - 1]
                case "%": next[j] = reach[j] || (next[j - 1] && name[j - 1] != "/")
                default: next[j] = reach[j - 1] && name[j - 1] == symbol
                }
            }
            swap(&reach, &next)
            if !reach.contains(true) { return false }
        }
        return reach[name.count]
    }
}
