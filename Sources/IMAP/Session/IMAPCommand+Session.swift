/// What the session needs to know about each command: its name for
/// replies and logs, the state it is valid in (RFC 9051 §6), and where
/// untagged updates may follow it (§7.5.1).
extension IMAPCommand {
    /// The states a command is valid in (RFC 9051 §3, §6).
    enum RequiredState {
        /// Any state (§6.1: CAPABILITY, NOOP, LOGOUT; ID, RFC 2971 §3.1).
        case any
        /// Not authenticated (§6.2).
        case notAuthenticated
        /// Authenticated or selected (§6.3).
        case authenticated
        /// Selected (§6.4).
        case selected
    }

    var requiredState: RequiredState {
        switch self {
        case .capability, .noop, .logout, .id:
            return .any
        case .starttls, .authenticate, .login:
            return .notAuthenticated
        case .enable, .select, .examine, .create, .delete, .rename, .subscribe, .unsubscribe, .list, .lsub,
             .namespace, .status, .append, .idle, .unauthenticate, .compress, .getQuota, .getQuotaRoot, .setQuota,
             .getMetadata, .setMetadata:
            return .authenticated
        case .check, .close, .unselect, .expunge, .uidExpunge, .search, .sort, .thread, .fetch, .store, .copy, .move,
             .replace:
            return .selected
        }
    }

    /// Whether the untagged updates sent after this command in the selected
    /// state may include EXPUNGE: not after FETCH, STORE and SEARCH (their
    /// UID forms are fine), RFC 9051 §7.5.1. Nil for commands after which
    /// no update is sent (they change or leave the selection, or the
    /// session, or finish elsewhere).
    var updatesAllowExpunge: Bool? {
        switch self {
        case .fetch(_, _, _, let uid), .store(_, _, _, let uid), .search(_, let uid), .sort(_, let uid),
             .thread(_, let uid):
            return uid
        case .select, .examine, .close, .unselect, .logout, .idle, .starttls, .authenticate, .login, .unauthenticate,
             .compress:
            return nil
        case .capability, .noop, .id, .enable, .create, .delete, .rename, .subscribe, .unsubscribe, .list,
             .lsub, .namespace, .status, .append, .check, .expunge, .uidExpunge, .copy, .move, .replace, .getQuota,
             .getQuotaRoot, .setQuota, .getMetadata, .setMetadata:
            return true
        }
    }

    /// The command's name as a client spells it, for replies and logs.
    var name: String {
        switch self {
        case .capability: return "CAPABILITY"
        case .noop: return "NOOP"
        case .logout: return "LOGOUT"
        case .starttls: return "STARTTLS"
        case .authenticate: return "AUTHENTICATE"
        case .login: return "LOGIN"
        case .enable: return "ENABLE"
        case .id: return "ID"
        case .select: return "SELECT"
        case .examine: return "EXAMINE"
        case .create: return "CREATE"
        case .delete: return "DELETE"
        case .rename: return "RENAME"
        case .subscribe: return "SUBSCRIBE"
        case .unsubscribe: return "UNSUBSCRIBE"
        case .list: return "LIST"
        case .lsub: return "LSUB"
        case .namespace: return "NAMESPACE"
        case .status: return "STATUS"
        case .append: return "APPEND"
        case .idle: return "IDLE"
        case .check: return "CHECK"
        case .close: return "CLOSE"
        case .unselect: return "UNSELECT"
        case .unauthenticate: return "UNAUTHENTICATE"
        case .compress: return "COMPRESS"
        case .getQuota: return "GETQUOTA"
        case .getQuotaRoot: return "GETQUOTAROOT"
        case .setQuota: return "SETQUOTA"
        case .getMetadata: return "GETMETADATA"
        case .setMetadata: return "SETMETADATA"
        case .expunge: return "EXPUNGE"
        case .uidExpunge: return "UID EXPUNGE"
        case .search(_, let uid): return uid ? "UID SEARCH" : "SEARCH"
        case .sort(_, let uid): return uid ? "UID SORT" : "SORT"
        case .thread(_, let uid): return uid ? "UID THREAD" : "THREAD"
        case .fetch(_, _, _, let uid): return uid ? "UID FETCH" : "FETCH"
        case .store(_, _, _, let uid): return uid ? "UID STORE" : "STORE"
        case .copy(_, _, let uid): return uid ? "UID COPY" : "COPY"
        case .move(_, _, let uid): return uid ? "UID MOVE" : "MOVE"
        case .replace(_, _, _, let uid): return uid ? "UID REPLACE" : "REPLACE"
        }
    }

    /// True when the command uses a CONDSTORE feature, which turns CONDSTORE
    /// on for the rest of the session (RFC 7162 §3.1): FETCH MODSEQ or
    /// CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ.
    var enablesCondStore: Bool {
        switch self {
        case .fetch(_, let attributes, let modifiers, _):
            return attributes.contains(.modSeq) || modifiers.contains { modifier in
                if case .changedSince = modifier { return true }
                return false
            }
        case .store(_, let unchangedSince, _, _):
            return unchangedSince != nil
        case .search(let search, _):
            return search.key.usesModSeq
        case .sort(let sort, _):
            return sort.key.usesModSeq
        case .thread(let thread, _):
            return thread.key.usesModSeq
        case .status(_, let attributes):
            return attributes.contains(.highestModSeq)
        default:
            return false
        }
    }
}

extension SearchKey {
    /// True when the key or one of its sub-keys is MODSEQ (RFC 7162 §3.1.5).
    var usesModSeq: Bool {
        switch self {
        case .modSeq: return true
        case .not(let key): return key.usesModSeq
        case .or(let left, let right): return left.usesModSeq || right.usesModSeq
        case .and(let keys): return keys.contains { $0.usesModSeq }
        default: return false
        }
    }
}
