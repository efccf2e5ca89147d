import MailCore
import MailStore

/// `\Recent` for IMAP4rev1 sessions (RFC 3501 §2.3.2): a message is recent
/// in the one session that first selects its mailbox after it arrived.
/// The store hands out each new UID once (`MailStore.recentMessages`);
/// the session keeps the UID ranges it was given. EXAMINE peeks without
/// taking (RFC 3501 §6.3.2: it must not make messages lose `\Recent`).
/// IMAP4rev2 sessions (RFC 9051 dropped the flag) neither take nor show it.
struct RecentUIDs: Sendable {
    /// Ascending, disjoint, non-adjacent ranges.
    private(set) var ranges: [Range<MessageUID>] = []

    var isEmpty: Bool { ranges.isEmpty }

    mutating func insert(_ range: Range<MessageUID>) {
        guard !range.isEmpty else { return }
        // Claims arrive in ascending order: the usual case extends the last range.
        if let last = ranges.last, range.lowerBound >= last.lowerBound {
            if range.lowerBound <= last.upperBound {
                ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                ranges.append(range)
            }
            return
        }
        var merged: [Range<MessageUID>] = []
        for next in (ranges + [range]).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, next.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, next.upperBound)
            } else {
                merged.append(next)
            }
        }
        ranges = merged
    }

    func contains(_ uid: MessageUID) -> Bool {
        guard let last = ranges.last else { return false }
        if last.contains(uid) { return true }
        // The last range with a lower bound not above `uid`.
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].lowerBound <= uid { low = middle + 1 } else { high = middle }
        }
        return low > 0 && ranges[low - 1].contains(uid)
    }
}

extension SelectedMailbox {
    /// Starts `\Recent` for a rev1 session at SELECT (taking the mailbox's
    /// recent messages) or EXAMINE (peeking at them).
    func startTrackingRecent(store: any MailStore) async {
        tracksRecent = true
        await takeRecent(store: store)
    }

    /// New messages came into the view: takes those still recent and
    /// returns `* n RECENT` (RFC 3501 §7.3.2), or nothing when this session
    /// does not track `\Recent`.
    func recentAfterNewMessages(store: any MailStore) async -> [UntaggedResponse] {
        guard tracksRecent else { return [] }
        await takeRecent(store: store)
        return [.recent(UInt32(recentCount))]
    }

    /// The messages of the view that are `\Recent` in this session (the
    /// `* n RECENT` count).
    var recentCount: Int {
        recent.ranges.reduce(0) { count, range in
            count + lowerBound(range.upperBound) - lowerBound(range.lowerBound)
        }
    }

    /// A store that cannot answer now (busy, disk full) costs the
    /// messages their `\Recent` in this session, never the command: the
    /// flag is advisory (RFC 3501 §2.3.2 leaves its session undefined).
    private func takeRecent(store: any MailStore) async {
        guard let given = try? await store.recentMessages(mailboxID: mailbox.id, claim: !isReadOnly) else { return }
        recent.insert(given.uids)
    }
}
