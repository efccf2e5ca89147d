import MailCore
import MailStore

/// Narrowing a SEARCH with the store's full-text index before the exact
/// rule runs (RFC 9051 §6.4.4 stays the judge: the index only excludes
/// messages that cannot match).
extension SearchEvaluator {
    /// Below this many messages the index is not asked: reading the few
    /// bodies costs less than a query.
    static let fullTextMinimumMessages = 64

    /// The UIDs that may match, or nil when the key cannot be narrowed.
    /// A superset of the matches: AND intersects what its parts allow, OR
    /// unites when both sides narrow, NOT never narrows.
    func fullTextCandidates(mailboxID: MailboxID, store: any MailStore, messageCount: Int) async throws
        -> Set<MessageUID>? {
        guard messageCount >= Self.fullTextMinimumMessages else { return nil }
        return try await candidates(key, mailboxID: mailboxID, store: store)
    }

    private func candidates(_ key: SearchKey, mailboxID: MailboxID, store: any MailStore) async throws
        -> Set<MessageUID>? {
        switch key {
        case .and(let keys):
            var result: Set<MessageUID>?
            for inner in keys {
                guard let allowed = try await candidates(inner, mailboxID: mailboxID, store: store) else { continue }
                result = result.map { $0.intersection(allowed) } ?? allowed
            }
            return result
        case .or(let left, let right):
            guard let first = try await candidates(left, mailboxID: mailboxID, store: store),
                  let second = try await candidates(right, mailboxID: mailboxID, store: store) else { return nil }
            return first.union(second)
        default:
            guard let (field, value) = Self.fullTextKey(key) else { return nil }
            return try await store.searchCandidates(mailboxID: mailboxID, field: field,
                                                    needle: SearchFolding.needle(value))
        }
    }

    /// The keys the index answers: BODY and TEXT, and HEADER on a field
    /// the stored envelope does not keep (those are read from the envelope,
    /// decoded differently from the header text the index holds). An empty
    /// HEADER value matches every message with the field: not narrowed.
    static func fullTextKey(_ key: SearchKey) -> (FullTextField, [UInt8])? {
        switch key {
        case .body(let value): return (.body, value)
        case .text(let value): return (.text, value)
        case .header(let field, let value) where envelopeField(field) == nil && !value.isEmpty:
            return (.header, value)
        default: return nil
        }
    }
}
