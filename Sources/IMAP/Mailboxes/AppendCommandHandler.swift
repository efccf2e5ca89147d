import Foundation
import MailCore
import MailStore

/// APPEND (RFC 9051 §6.3.12) and MULTIAPPEND (RFC 3502) with APPENDUID
/// (UIDPLUS, RFC 4315 §3).
enum AppendCommandHandler {
    static func handle(_ name: MailboxName, _ messages: [AppendMessage], context: CommandContext) async
        -> CommandResult {
        guard !messages.isEmpty else { return .bad("APPEND needs a message") }
        let storeName: String
        do {
            storeName = try MailboxNameCodec.decode(name, encoding: context.nameEncoding)
        } catch {
            return MailboxCommandErrors.invalidName(error)
        }
        // Everything that can be checked is checked before anything is
        // stored, so a refused MULTIAPPEND stores nothing (RFC 3502 §3).
        // The spool files go once the command is done, stored or refused
        // (a stored message's blob is another name of the file).
        defer { for message in messages { message.spool?.abort() } }
        var newMessages: [NewMessage] = []
        for message in messages {
            switch newMessage(message, command: "APPEND", context: context) {
            case .success(let new): newMessages.append(new)
            case .failure(let refusal): return refusal.result
            }
        }
        let mailbox: Mailbox
        do {
            guard let found = try await context.store.mailbox(accountID: context.account.id, name: storeName) else {
                // RFC 9051 §6.3.12: TRYCREATE tells the client CREATE may help.
                return .no("no such mailbox", code: .tryCreate)
            }
            mailbox = found
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
        // MULTIAPPEND is all or nothing (RFC 3502 §3): one store transaction.
        let uids: [MessageUID]
        do {
            if messages.allSatisfy({ $0.spool == nil }) {
                uids = try await context.store.appendMessages(mailboxID: mailbox.id, newMessages).map(\.uid)
            } else {
                let spooled = try spooled(messages, newMessages, store: context.store)
                defer { for message in spooled { message.spool.abort() } }
                uids = try await context.store.appendMessages(mailboxID: mailbox.id, spooled: spooled).map(\.uid)
            }
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
        return .ok("APPEND completed", code: .appendUID(uidValidity: mailbox.uidValidity, uids: SequenceSet(numbers: uids)))
    }

    /// A refusal of an APPEND or REPLACE message, before anything is stored.
    struct Refusal: Error {
        var result: CommandResult
    }

    /// The message an APPEND (or REPLACE, RFC 8508 §3) stores: its flags
    /// valid, not empty, within APPENDLIMIT (RFC 7889 §3.2: `[TOOBIG]`).
    static func newMessage(_ message: AppendMessage, command: String, context: CommandContext)
        -> Result<NewMessage, Refusal> {
        guard let parsed = IMAPFlags.parse(message.flags) else {
            return .failure(Refusal(result: .bad("invalid flag in \(command)")))
        }
        guard message.size > 0 else { return .failure(Refusal(result: .no("empty message", code: .cannot))) }
        guard message.size <= context.maxMessageSize else {
            return .failure(Refusal(result: .no("message larger than \(context.maxMessageSize) octets",
                                                code: .other("TOOBIG", nil))))
        }
        var new = NewMessage(body: message.data, flags: parsed.flags, keywords: parsed.keywords)
        if let date = message.date {
            new.internalDate = Date(timeIntervalSince1970: TimeInterval(date.secondsSinceEpoch))
        }
        return .success(new)
    }

    /// The messages with their bodies in spool files; a body held in
    /// memory (not sent as a literal the parser spooled) is spooled here.
    static func spooled(_ messages: [AppendMessage], _ newMessages: [NewMessage], store: any MailStore) throws
        -> [SpooledMessage] {
        try zip(messages, newMessages).map { message, new in
            let spool: SpoolFile
            if let existing = message.spool {
                spool = existing
            } else {
                spool = try store.makeSpoolFile(maximumSize: nil)
                try spool.write(message.data)
            }
            return SpooledMessage(spool: spool, flags: new.flags, keywords: new.keywords, internalDate: new.internalDate)
        }
    }
}
