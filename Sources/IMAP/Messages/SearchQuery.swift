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
        try await evaluator.forEachMatch(in: messages, mailboxID: mailboxID, store: store) { message, candidate in
            matched.append(candidate ?? SearchCandidate(message: message))
        }
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
    /// Messages whose envelopes (search text) are read with one store call:
    /// small values, so larger rounds, fewer round trips to the store.
    static let envelopeBatchSize = 4096

    /// Calls `body` with each message that matches, in order. Per round of
    /// `envelopeBatchSize` messages: the keys are first tried on what the
    /// view holds (flags, keywords, UID, MODSEQ); for the messages still
    /// undecided the stored envelopes (their search text, sizes and dates)
    /// are read in one call (unless a key needs the MIME tree anyway), then
    /// for those still undecided the full records (with the structure), one
    /// call per `batchSize`; a body only for a message whose answer still
    /// depends on it, and it is dropped again once that message is decided,
    /// so at most one body is in memory. A message expunged meanwhile
    /// matches nothing.
    func forEachMatch(in messages: [SelectedMessage], mailboxID: MailboxID, store: any MailStore,
                      _ body: (SelectedMessage, SearchCandidate?) -> Void) async throws {
        // Messages the full-text index rules out match nothing.
        let allowed = try await fullTextCandidates(mailboxID: mailboxID, store: store, messageCount: messages.count)
        var start = 0
        while start < messages.count {
            let batch = messages[start..<min(start + Self.envelopeBatchSize, messages.count)]
            start += Self.envelopeBatchSize
            var answers = batch.map { allowed?.contains($0.uid) == false ? false : matchesFromView($0) }
            // A candidate only for a message the view could not decide.
            let candidates: [SearchCandidate?] = zip(batch, answers).map { message, answer in
                answer == nil ? SearchCandidate(message: message) : nil
            }
            var undecided = answers.indices.filter { answers[$0] == nil }
            if !undecided.isEmpty && !needsMIMETree {
                let envelopes = try await store.messageEnvelopes(mailboxID: mailboxID,
                                                                 uids: undecided.map { batch[batch.startIndex + $0].uid },
                                                                 parts: envelopeParts)
                var next = envelopes.startIndex
                // Both ascend by UID: walk them together.
                for index in undecided {
                    let candidate = candidates[index]!
                    while next < envelopes.endIndex && envelopes[next].uid < candidate.uid { next += 1 }
                    guard next < envelopes.endIndex, envelopes[next].uid == candidate.uid else {
                        answers[index] = false
                        continue
                    }
                    candidate.envelopeRecord = envelopes[next]
                    answers[index] = matches(candidate)
                }
                undecided = undecided.filter { answers[$0] == nil }
            }
            var recordStart = 0
            while recordStart < undecided.count {
                let round = undecided[recordStart..<min(recordStart + Self.batchSize, undecided.count)]
                recordStart += Self.batchSize
                let decided = try await readRecordsAndBodies(of: round.map { candidates[$0]! }, mailboxID: mailboxID,
                                                             store: store)
                for (index, answer) in zip(round, decided) { answers[index] = answer }
            }
            for (offset, answer) in answers.enumerated() where answer == true {
                body(batch[batch.startIndex + offset], candidates[offset])
            }
        }
    }

    /// The records of `round` in one call, then the bodies one at a time of
    /// the candidates still undecided; the answers, in `round`'s order.
    private func readRecordsAndBodies(of round: [SearchCandidate], mailboxID: MailboxID,
                                      store: any MailStore) async throws -> [Bool?] {
        let records = try await store.messages(mailboxID: mailboxID, uids: round.map(\.uid))
        let byUID = Dictionary(records.map { ($0.uid, $0) }, uniquingKeysWith: { _, last in last })
        var answers: [Bool?] = []
        answers.reserveCapacity(round.count)
        for candidate in round {
            guard let record = byUID[candidate.uid] else {
                answers.append(false)
                continue
            }
            candidate.record = record
            var answer = matches(candidate)
            if answer == nil {
                if let bytes = try? await store.messageBody(mailboxID: mailboxID, uid: candidate.uid) {
                    candidate.body = bytes
                    answer = matches(candidate)
                    candidate.releaseBody()
                } else {
                    answer = false
                }
            }
            answers.append(answer)
        }
        return answers
    }
}
