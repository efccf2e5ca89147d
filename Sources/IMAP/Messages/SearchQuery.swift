import Foundation
import MailCore
import MailStore

/// IMAP SEARCH outside a session (`tern mailbox search` and `expunge`, like
/// doveadm's search queries): the keys of RFC 9051 §6.4.4 as text, parsed
/// by the SEARCH grammar and evaluated by the same evaluator as the SEARCH
/// command, over every message of a mailbox in UID order (sequence numbers
/// as a fresh SELECT would give them).
public struct SearchQuery: Sendable {
    public let key: SearchKey

    /// Parses `search-program` without the command name, e.g.
    /// `FROM alice SINCE 1-Jan-2026` or `CHARSET UTF-8 SUBJECT "grüße"`.
    /// RETURN options (ESEARCH) are for IMAP clients and refused.
    public init(parsing text: String) throws(GrammarError) {
        // parseSearch reads what follows "SEARCH", starting with its space.
        var cursor = GrammarCursor(Array((" " + text).utf8))
        let command: SearchCommand
        do {
            command = try SearchParser.parseSearch(&cursor)
            try cursor.expectEnd()
        } catch let error as GrammarError {
            throw error
        } catch {
            throw GrammarError("invalid search query")
        }
        guard command.returnOptions == nil else { throw GrammarError("RETURN options are not supported here") }
        if let charset = command.charset, !SearchCommandHandler.charsets.contains(charset.uppercased()) {
            throw GrammarError("unsupported charset \(charset) (use \(SearchCommandHandler.charsets.joined(separator: " or ")))")
        }
        key = command.key
    }

    /// One message that matched, with what a listing shows of it.
    public struct Match: Sendable {
        public var record: MessageRecord
        /// The From addresses as FROM searches them: `Name <local@domain>`.
        public var from: String
        /// The Subject with RFC 2047 words decoded.
        public var subject: String
    }

    /// The messages of the mailbox that match, in UID order. A message
    /// expunged while the query runs matches nothing.
    public func matches(mailboxID: MailboxID, store: any MailStore) async throws -> [Match] {
        let summaries = try await store.messageSummaries(mailboxID: mailboxID)
        let messages = summaries.enumerated().map { offset, summary in
            SelectedMessage(sequenceNumber: UInt32(offset + 1), uid: summary.uid, modSeq: summary.modSeq,
                            flags: summary.flags, keywords: summary.keywords)
        }
        let evaluator = SearchEvaluator(key: key, messageCount: messages.count, largestUID: summaries.last?.uid ?? 0,
                                        savedResult: [])
        var matched: [SearchCandidate] = []
        try await evaluator.forEachMatch(in: messages, mailboxID: mailboxID, store: store) { matched.append($0) }
        // A listing shows From and Subject: the records of matches the keys did not need to read.
        let missing = matched.filter { $0.record == nil }.map(\.uid)
        var records: [MessageUID: MessageRecord] = [:]
        var start = 0
        while start < missing.count {
            let chunk = Array(missing[start..<min(start + SearchEvaluator.batchSize, missing.count)])
            for record in try await store.messages(mailboxID: mailboxID, uids: chunk) { records[record.uid] = record }
            start += SearchEvaluator.batchSize
        }
        return matched.compactMap { candidate in
            if candidate.record == nil { candidate.record = records[candidate.uid] }
            guard let record = candidate.record else { return nil }
            let envelope = candidate.parsed?.envelope ?? Envelope()
            return Match(record: record, from: SearchFolding.addresses(envelope.from),
                         subject: EncodedWords.decode(envelope.subject ?? ""))
        }
    }
}

extension SearchEvaluator {
    /// Messages looked at per round: their records are read with one store call.
    static let batchSize = 256

    /// Calls `body` with each message that matches, in order. Per batch of
    /// `batchSize` messages: the keys are first tried on what the view
    /// holds (flags, keywords, UID, MODSEQ); for the messages still
    /// undecided the stored envelopes, sizes and dates are read in one call
    /// (unless a key needs the MIME tree anyway), then for those still
    /// undecided the full records (with the structure) in one call; a body
    /// only for a message whose answer still depends on it, and it is
    /// dropped again once that message is decided, so at most one body is
    /// in memory. A message expunged meanwhile matches nothing.
    func forEachMatch(in messages: [SelectedMessage], mailboxID: MailboxID, store: any MailStore,
                      _ body: (SearchCandidate) -> Void) async throws {
        var start = 0
        while start < messages.count {
            let batch = messages[start..<min(start + Self.batchSize, messages.count)]
            start += Self.batchSize
            let candidates = batch.map { SearchCandidate(message: $0) }
            var answers = candidates.map { matches($0) }
            var undecided = answers.indices.filter { answers[$0] == nil }
            if !undecided.isEmpty && !needsMIMETree {
                let envelopes = try await store.messageEnvelopes(mailboxID: mailboxID,
                                                                 uids: undecided.map { candidates[$0].uid },
                                                                 parts: envelopeParts)
                let byUID = Dictionary(envelopes.map { ($0.uid, $0) }, uniquingKeysWith: { _, last in last })
                for index in undecided {
                    guard let envelope = byUID[candidates[index].uid] else {
                        answers[index] = false
                        continue
                    }
                    candidates[index].envelopeRecord = envelope
                    answers[index] = matches(candidates[index])
                }
                undecided = undecided.filter { answers[$0] == nil }
            }
            if !undecided.isEmpty {
                let records = try await store.messages(mailboxID: mailboxID, uids: undecided.map { candidates[$0].uid })
                let byUID = Dictionary(records.map { ($0.uid, $0) }, uniquingKeysWith: { _, last in last })
                for index in undecided {
                    let candidate = candidates[index]
                    guard let record = byUID[candidate.uid] else {
                        answers[index] = false
                        continue
                    }
                    candidate.record = record
                    answers[index] = matches(candidate)
                    guard answers[index] == nil else { continue }
                    guard let bytes = try? await store.messageBody(mailboxID: mailboxID, uid: candidate.uid) else {
                        answers[index] = false
                        continue
                    }
                    candidate.body = bytes
                    answers[index] = matches(candidate)
                    candidate.releaseBody()
                }
            }
            for (candidate, answer) in zip(candidates, answers) where answer == true { body(candidate) }
        }
    }
}
