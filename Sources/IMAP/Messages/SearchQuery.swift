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
        let records = try await store.messages(mailboxID: mailboxID)
        let messages = records.enumerated().map { SelectedMessage(sequenceNumber: UInt32($0.offset + 1), record: $0.element) }
        let evaluator = SearchEvaluator(key: key, messageCount: messages.count, largestUID: records.last?.uid ?? 0,
                                        savedResult: [])
        var matches: [Match] = []
        await evaluator.forEachMatch(in: messages, mailboxID: mailboxID, store: store) { candidate in
            let envelope = candidate.parsed.envelope
            matches.append(Match(record: candidate.record, from: SearchText.addresses(envelope.from),
                                 subject: EncodedWords.decode(envelope.subject ?? "")))
        }
        return matches
    }
}

extension SearchEvaluator {
    /// Calls `body` with each message that matches, in order. A body is read
    /// only for a message whose answer depends on it; a body that is gone
    /// (expunged by another session meanwhile) matches nothing.
    func forEachMatch(in messages: [SelectedMessage], mailboxID: MailboxID, store: any MailStore,
                      _ body: (SearchCandidate) -> Void) async {
        let decoder = JSONDecoder()
        for message in messages {
            let candidate = SearchCandidate(sequenceNumber: message.sequenceNumber, record: message.record,
                                            decoder: decoder)
            var answer = matches(candidate)
            if answer == nil {
                guard let bytes = try? await store.messageBody(mailboxID: mailboxID, uid: message.uid) else { continue }
                candidate.body = bytes
                answer = matches(candidate)
            }
            if answer == true { body(candidate) }
        }
    }
}
