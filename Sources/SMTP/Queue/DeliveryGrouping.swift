import MailStore

/// The due recipients of one message split by destination domain: each
/// group is one SMTP transaction (RFC 5321 §3.3: one message, several
/// RCPT TO for recipients at the same host).
struct DeliveryGroup: Sendable, Hashable {
    /// Lower-case, without a trailing dot; empty when an address has no domain.
    var domain: String
    /// In enqueue order.
    var recipients: [QueuedRecipient]
}

enum DeliveryGrouping {
    /// Groups in the order their domains first occur, recipients in order.
    static func groups(_ recipients: [QueuedRecipient]) -> [DeliveryGroup] {
        var order: [String] = []
        var byDomain: [String: [QueuedRecipient]] = [:]
        for recipient in recipients {
            let domain = Self.domain(of: recipient.address)
            if byDomain[domain] == nil { order.append(domain) }
            byDomain[domain, default: []].append(recipient)
        }
        return order.map { DeliveryGroup(domain: $0, recipients: byDomain[$0] ?? []) }
    }

    /// The part after the last "@" (a quoted local part may hold "@"),
    /// lower-cased, a trailing dot removed; "" when there is none.
    static func domain(of address: String) -> String {
        guard let at = address.lastIndex(of: "@") else { return "" }
        var domain = address[address.index(after: at)...].lowercased()
        if domain.hasSuffix(".") { domain.removeLast() }
        return domain
    }
}

extension DSNNotifyConditions {
    /// Whether a recipient with this NOTIFY wants a notice of `condition`.
    /// RFC 3461 §4.1: without NOTIFY the MTA behaves as for
    /// `NOTIFY=FAILURE,DELAY` (no success notice); `NEVER` wants none.
    static func wants(_ condition: DSNNotifyConditions, notify: DSNNotifyConditions?) -> Bool {
        guard let notify else { return condition == .failure || condition == .delay }
        return notify.contains(condition)
    }
}
