import Foundation
import MailCore
import MailStore

/// Decides whether a message matches a search key (RFC 9051 §6.4.4;
/// MODSEQ RFC 7162 §3.1.5; `$` RFC 5182). Three-valued: nil means "cannot
/// tell with what is read so far" (the view's flags, then the stored
/// record, then the body), so the handler reads a record only for messages
/// whose answer depends on it and a body only where the record is not
/// enough (`UNSEEN BODY x` reads nothing of a seen message).
struct SearchEvaluator {
    var key: SearchKey
    /// Messages in the view: the value of `*` in a sequence set.
    var messageCount: UInt32
    /// The highest UID in the view: the value of `*` in a UID set.
    var largestUID: UInt32
    /// The UIDs `$` stands for.
    var savedResult: Set<MessageUID>
    /// When the SEARCH runs: what OLDER and YOUNGER count back from.
    var now = Date()
    /// The key with every UID set and sequence set resolved once per SEARCH
    /// (not once per message: a long set would make SEARCH quadratic).
    private var compiled: CompiledKey = .leaf(.all)

    /// `key` with its sets resolved; the boolean structure is kept.
    private indirect enum CompiledKey {
        case leaf(SearchKey)
        /// SUBJECT, FROM, TO, CC, BCC or `HEADER Subject` with its needle
        /// folded once: matched against the store's search text, or as
        /// `original` where the candidate has none.
        case envelopeText(EnvelopeTextField, needle: [UInt8], original: SearchKey)
        case uids(SequenceSetMembership)
        case numbers(SequenceSetMembership)
        case not(CompiledKey)
        case or(CompiledKey, CompiledKey)
        case and([CompiledKey])
    }

    init(key: SearchKey, messageCount: Int, largestUID: MessageUID, savedResult: [MessageUID]) {
        self.key = key
        self.messageCount = UInt32(clamping: messageCount)
        self.largestUID = largestUID
        self.savedResult = Set(savedResult)
        self.compiled = compile(key, savedResult: savedResult)
    }

    private func compile(_ key: SearchKey, savedResult: [MessageUID]) -> CompiledKey {
        switch key {
        case .uid(let set):
            return .uids(SequenceSetMembership(set, largest: largestUID, savedResult: savedResult))
        case .sequenceSet(let set) where set != .savedResult:
            return .numbers(SequenceSetMembership(set, largest: messageCount))
        case .not(let inner):
            return .not(compile(inner, savedResult: savedResult))
        case .or(let left, let right):
            return .or(compile(left, savedResult: savedResult), compile(right, savedResult: savedResult))
        case .and(let keys):
            return .and(keys.map { compile($0, savedResult: savedResult) })
        default:
            if let (field, value) = Self.envelopeTextKey(key) {
                return .envelopeText(field, needle: SearchFolding.needle(value), original: key)
            }
            return .leaf(key)
        }
    }

    /// The parts of the envelope `EnvelopeSearchText` keeps.
    enum EnvelopeTextField {
        case subject, from, to, cc, bcc

        func text(_ searchText: EnvelopeSearchText) -> String {
            switch self {
            case .subject: return searchText.subject
            case .from: return searchText.from
            case .to: return searchText.to
            case .cc: return searchText.cc
            case .bcc: return searchText.bcc
            }
        }
    }

    /// The field and needle of a key the search text answers. `HEADER
    /// Subject ""` matches messages that have the field, which the search
    /// text cannot tell from an empty one: it is left to the envelope.
    static func envelopeTextKey(_ key: SearchKey) -> (EnvelopeTextField, [UInt8])? {
        switch key {
        case .subject(let value): return (.subject, value)
        case .from(let value): return (.from, value)
        case .to(let value): return (.to, value)
        case .cc(let value): return (.cc, value)
        case .bcc(let value): return (.bcc, value)
        case .header(let field, let value) where field.lowercased() == "subject" && !value.isEmpty:
            return (.subject, value)
        default: return nil
        }
    }

    /// The parts of the stored envelope the keys need: its search text,
    /// and the envelope itself only for keys the search text does not
    /// answer (SENTBEFORE/ON/SINCE, HEADER Date, Message-ID, In-Reply-To).
    var envelopeParts: MessageEnvelope.Parts {
        let needsEnvelope = Self.contains(key) { key in
            if Self.envelopeTextKey(key) != nil { return false }
            switch key {
            case .sentBefore, .sentOn, .sentSince, .header: return true
            default: return false
            }
        }
        return needsEnvelope ? [.envelope, .searchText] : [.searchText]
    }

    /// True when the key uses MODSEQ: results then carry the highest
    /// mod-sequence of the matches (RFC 7162 §3.1.5).
    var usesModSeq: Bool { Self.contains(key) { if case .modSeq = $0 { return true } else { return false } } }

    /// True when some key needs the MIME tree or the raw message (BODY,
    /// TEXT, HEADER on a field the envelope does not keep): SEARCH then
    /// reads full records rather than envelopes.
    var needsMIMETree: Bool {
        Self.contains(key) { key in
            switch key {
            case .body, .text: return true
            case .header(let field, _): return Self.envelopeField(field) == nil
            default: return false
            }
        }
    }

    /// True when some key needs the raw message.
    var needsBody: Bool {
        Self.contains(key) { key in
            switch key {
            case .header, .body, .text: return true
            default: return false
            }
        }
    }

    /// True, false, or nil when the answer depends on what is not read yet
    /// (the candidate's record, then its body).
    func matches(_ message: SearchCandidate) -> Bool? {
        evaluate(compiled, message.message, message)
    }

    /// The answer from what the view holds alone (flags, keywords, MODSEQ,
    /// UID and sequence number), without making a candidate; nil when a
    /// key needs the stored record or the body. SEARCH tries this first, so
    /// `UID SEARCH UNSEEN` over 100,000 messages allocates nothing per message.
    func matchesFromView(_ message: SelectedMessage) -> Bool? {
        evaluate(compiled, message, nil)
    }

    /// NOT, OR and AND in three-valued logic over the compiled key; a leaf
    /// the view cannot answer is nil while there is no candidate.
    private func evaluate(_ key: CompiledKey, _ message: SelectedMessage, _ candidate: SearchCandidate?) -> Bool? {
        switch key {
        case .leaf(let leaf):
            if let answer = viewAnswer(leaf, message) { return answer }
            guard let candidate else { return nil }
            return evaluate(leaf, candidate)
        case .envelopeText(let field, let needle, let original):
            guard let candidate else { return nil }
            guard let searchText = candidate.searchText else { return evaluate(original, candidate) }
            return SearchFolding.contains(field.text(searchText), needle)
        case .uids(let membership):
            return membership.contains(message.uid)
        case .numbers(let membership):
            return membership.contains(message.sequenceNumber)
        case .not(let inner):
            return evaluate(inner, message, candidate).map(!)
        case .or(let left, let right):
            return ThreeValuedLogic.or(evaluate(left, message, candidate), evaluate(right, message, candidate))
        case .and(let keys):
            return ThreeValuedLogic.and(keys) { evaluate($0, message, candidate) }
        }
    }

    /// The keys the view answers (RFC 9051 §6.4.4 flag keys, KEYWORD,
    /// MODSEQ, `$`); nil for every other key.
    private func viewAnswer(_ key: SearchKey, _ message: SelectedMessage) -> Bool? {
        let flags = message.flags
        switch key {
        case .all: return true
        case .answered: return flags.contains(.answered)
        case .deleted: return flags.contains(.deleted)
        case .flagged: return flags.contains(.flagged)
        case .seen: return flags.contains(.seen)
        case .draft: return flags.contains(.draft)
        case .unanswered: return !flags.contains(.answered)
        case .undeleted: return !flags.contains(.deleted)
        case .unflagged: return !flags.contains(.flagged)
        case .unseen: return !flags.contains(.seen)
        case .undraft: return !flags.contains(.draft)
        // RFC 3501 §6.4.4: NEW is RECENT UNSEEN, OLD is NOT RECENT. A rev2
        // session holds no `\Recent` (RFC 9051 dropped it): nothing is
        // recent there, so nothing is new and everything is old.
        case .recent: return message.isRecent
        case .new: return message.isRecent && !flags.contains(.seen)
        case .old: return !message.isRecent
        case .keyword(let name): return Self.hasKeyword(message.keywords, name)
        case .unkeyword(let name): return !Self.hasKeyword(message.keywords, name)
        case .modSeq(_, let value):
            // RFC 7162 §3.1.5: mod-sequence equal to or greater than the value.
            return UInt64(max(message.modSeq, 0)) >= value
        case .sequenceSet(let set) where set == .savedResult:
            // `$` holds UIDs even where a sequence set is expected (RFC 5182 §2.1).
            return savedResult.contains(message.uid)
        default: return nil
        }
    }

    /// The keys that need the candidate's envelope, record or body.
    private func evaluate(_ key: SearchKey, _ message: SearchCandidate) -> Bool? {
        if let answer = viewAnswer(key, message.message) { return answer }
        switch key {
        case .all, .answered, .deleted, .flagged, .seen, .draft, .unanswered, .undeleted, .unflagged, .unseen,
             .undraft, .new, .recent, .old, .keyword, .unkeyword, .modSeq:
            return nil // answered by viewAnswer above
        case .from(let value):
            return message.foldedEnvelope("from") { SearchFolding.addresses($0.from) }
                .map { SearchFolding.contains($0, SearchFolding.needle(value)) }
        case .to(let value):
            return message.foldedEnvelope("to") { SearchFolding.addresses($0.to) }
                .map { SearchFolding.contains($0, SearchFolding.needle(value)) }
        case .cc(let value):
            return message.foldedEnvelope("cc") { SearchFolding.addresses($0.cc) }
                .map { SearchFolding.contains($0, SearchFolding.needle(value)) }
        case .bcc(let value):
            return message.foldedEnvelope("bcc") { SearchFolding.addresses($0.bcc) }
                .map { SearchFolding.contains($0, SearchFolding.needle(value)) }
        case .subject(let value):
            return message.foldedEnvelope("subject") { EncodedWords.decode($0.subject ?? "") }
                .map { SearchFolding.contains($0, SearchFolding.needle(value)) }
        case .header(let field, let value):
            let needle = SearchFolding.needle(value)
            if let stored = Self.envelopeField(field) {
                // The stored envelope keeps this field's raw value (RFC 9051
                // §7.5.2): no body is read. A message has at most one of
                // these fields (RFC 5322 §3.6), the envelope holds the first.
                guard let envelope = message.envelope else { return nil }
                guard let raw = stored(envelope) else { return false }
                return SearchFolding.contains(SearchText.folded(EncodedWords.decode(raw)), needle)
            }
            guard let header = message.messageHeader else { return nil }
            // An empty string matches every message that has the field.
            return header.fields(named: field).contains { SearchFolding.contains(SearchText.folded($0.decodedValue), needle) }
        case .body(let value):
            guard let text = message.foldedBody else { return nil }
            return SearchFolding.contains(text, SearchFolding.needle(value))
        case .text(let value):
            guard let header = message.foldedHeader, let body = message.foldedBody else { return nil }
            let needle = SearchFolding.needle(value)
            return SearchFolding.contains(header, needle) || SearchFolding.contains(body, needle)
        case .before(let date): return message.internalDate.map { SearchDates.matches(SearchDates.day($0), .before, date) }
        case .on(let date): return message.internalDate.map { SearchDates.matches(SearchDates.day($0), .on, date) }
        case .since(let date): return message.internalDate.map { SearchDates.matches(SearchDates.day($0), .since, date) }
        case .sentBefore(let date): return sent(message, .before, date)
        case .sentOn(let date): return sent(message, .on, date)
        case .sentSince(let date): return sent(message, .since, date)
        case .emailID(let id):
            // RFC 8474 §6; the EMAILID is the record's content hash.
            return message.record.map { ObjectID.email(contentHash: $0.contentHash) == id }
        case .threadID:
            return false  // no message has a THREADID (FETCH THREADID is NIL)
        // RFC 8514 §4.2: the save date's day in UTC; a message without one
        // (stored before v11) matches none. Every mailbox keeps save dates.
        case .saveDateSupported: return true
        case .savedBefore(let date): return saved(message, .before, date)
        case .savedOn(let date): return saved(message, .on, date)
        case .savedSince(let date): return saved(message, .since, date)
        case .larger(let size): return message.size.map { UInt64(max($0, 0)) > size }
        // RFC 5032 §3: YOUNGER is the complement of OLDER, against one
        // "now" per SEARCH.
        case .older(let seconds): return message.internalDate.map { now.timeIntervalSince($0) > Double(seconds) }
        case .younger(let seconds): return message.internalDate.map { now.timeIntervalSince($0) <= Double(seconds) }
        case .smaller(let size): return message.size.map { UInt64(max($0, 0)) < size }
        case .uid(let set):
            return SequenceSetMembership(set, largest: largestUID, savedResult: Array(savedResult))
                .contains(message.uid)
        case .sequenceSet(let set):
            return SequenceSetMembership(set, largest: messageCount).contains(message.sequenceNumber)
        case .not(let inner):
            return evaluate(inner, message).map(!)
        case .or(let left, let right):
            return ThreeValuedLogic.or(evaluate(left, message), evaluate(right, message))
        case .and(let keys):
            return ThreeValuedLogic.and(keys) { evaluate($0, message) }
        }
    }

    private func saved(_ message: SearchCandidate, _ comparison: SearchDates.Comparison, _ date: MailDate) -> Bool? {
        guard let record = message.record else { return nil }
        guard let saved = record.savedDate else { return false }
        return SearchDates.matches(SearchDates.day(saved), comparison, date)
    }

    private func sent(_ message: SearchCandidate, _ comparison: SearchDates.Comparison, _ date: MailDate) -> Bool? {
        guard let envelope = message.envelope else { return nil }
        return SearchDates.matches(SearchDates.sentDay(envelope), comparison, date)
    }

    /// The header fields whose raw value the stored envelope keeps, so
    /// `HEADER` on them needs no body (RFC 9051 §7.5.2).
    static func envelopeField(_ name: String) -> ((Envelope) -> String?)? {
        switch name.lowercased() {
        case "subject": return { $0.subject }
        case "date": return { $0.date }
        case "message-id": return { $0.messageID }
        case "in-reply-to": return { $0.inReplyTo }
        default: return nil
        }
    }

    /// Keywords compare case-insensitively (RFC 9051 §2.3.2); a system flag
    /// name is not a keyword.
    static func hasKeyword(_ keywords: [String], _ name: String) -> Bool {
        let lower = name.lowercased()
        return keywords.contains { $0.lowercased() == lower }
    }

    /// True when `predicate` holds for the key or a key nested in it.
    static func contains(_ key: SearchKey, where predicate: (SearchKey) -> Bool) -> Bool {
        if predicate(key) { return true }
        switch key {
        case .not(let inner): return contains(inner, where: predicate)
        case .or(let left, let right): return contains(left, where: predicate) || contains(right, where: predicate)
        case .and(let keys): return keys.contains { contains($0, where: predicate) }
        default: return false
        }
    }
}

/// Kleene's three-valued logic for search keys whose answer may wait for
/// the body (nil: not decided yet). OR and AND stop as soon as the answer
/// is known, so a body is read only when it can change the result.
enum ThreeValuedLogic {
    static func or(_ left: Bool?, _ right: @autoclosure () -> Bool?) -> Bool? {
        if left == true { return true }
        let second = right()
        if second == true { return true }
        return left == nil || second == nil ? nil : false
    }

    static func and<Items: Sequence>(_ items: Items, _ evaluate: (Items.Element) -> Bool?) -> Bool? {
        var undecided = false
        for item in items {
            switch evaluate(item) {
            case false?: return false
            case nil: undecided = true
            case true?: continue
            }
        }
        return undecided ? nil : true
    }
}
