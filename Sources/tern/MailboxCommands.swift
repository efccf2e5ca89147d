import ArgumentParser
import Foundation
import IMAP
import MailCore
import MailStore
// The store's mailbox name rules, not IMAP's `MailboxName` (written IMAP.MailboxName here).
import enum MailStore.MailboxName

struct MailboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailbox",
        abstract: "Manage an account's mailboxes and find or expunge messages in them.",
        discussion: """
        Mailbox names are UTF-8 with / between levels, as IMAP clients show them, \
        under IMAP's rules. Changes go through the store like a client's: IMAP \
        sessions that are open see them at once (EXPUNGE, LIST).
        """,
        subcommands: [List.self, Create.self, Delete.self, Search.self, Expunge.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an account's mailboxes with their messages, unseen messages and size.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The account's address.") var account: String

        func run() async throws {
            let lines = try await options.withStore { store, _ in
                let owner = try await requireAccount(account, in: store)
                var table = TextTable([("mailbox", .left), ("special-use", .left), ("messages", .right),
                                       ("unseen", .right), ("size", .right), ("subscribed", .left)])
                for summary in try await MailboxSummary.all(accountID: owner.id, in: store) {
                    let mailbox = summary.mailbox
                    table.append([mailbox.name, mailbox.specialUse?.rawValue ?? "-", "\(summary.messages)",
                                  "\(summary.unseen)", formatSize(summary.size), mailbox.isSubscribed ? "yes" : "no"])
                }
                return table.lines
            }
            lines.forEach { print($0) }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a mailbox (and its missing parents, like IMAP CREATE).")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The account's address.") var account: String
        @Argument(help: "The mailbox name, e.g. Lists/tern.") var name: String
        @Option(name: .customLong("special-use"),
                help: ArgumentHelp("An RFC 6154 special use: \\All, \\Archive, \\Drafts, \\Flagged, \\Junk, "
                                   + "\\Sent or \\Trash.", valueName: "use"))
        var specialUse: String?

        func run() async throws {
            // As IMAP CREATE: a trailing delimiter is dropped (RFC 9051 §6.3.4).
            let mailboxName = try storeMailboxName(name.count > 1 && name.hasSuffix("/") ? String(name.dropLast()) : name)
            let use = try specialUse.map(parseSpecialUse)
            if mailboxName == MailboxName.inbox { throw CommandError("INBOX always exists") }
            let owner = try await options.withStore { store, _ in
                let owner = try await requireAccount(account, in: store)
                if try await store.mailbox(accountID: owner.id, name: mailboxName) != nil {
                    throw CommandError("account \(owner.address) already has a mailbox \(mailboxName)")
                }
                try await MailboxNameCodec.createMissingParents(of: mailboxName, accountID: owner.id, store: store)
                _ = try await store.createMailbox(accountID: owner.id, name: mailboxName, specialUse: use)
                // An admin creates a mailbox for its user to see: subscribed
                // (IMAP CREATE does not subscribe; doveadm's `-s`).
                try await store.subscribe(accountID: owner.id, name: mailboxName)
                return owner.address
            }
            print("created mailbox \(mailboxName) of \(owner)" + (use.map { " (\($0.rawValue))" } ?? ""))
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a mailbox and its messages.",
            discussion: """
            INBOX cannot be deleted. A mailbox holding messages is deleted only after \
            confirmation on a terminal, or with --yes. Mailboxes below it stay (like \
            IMAP DELETE); its subscription stays too.
            """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "The account's address.") var account: String
        @Argument(help: "The mailbox name.") var name: String
        @Flag(name: .long, help: "Delete without asking, even when it holds messages.") var yes = false

        func run() async throws {
            let mailboxName = try storeMailboxName(name)
            if mailboxName == MailboxName.inbox { throw CommandError("INBOX cannot be deleted") }
            let (owner, count) = try await options.withStore { store, _ in
                let (owner, mailbox) = try await requireMailbox(mailboxName, of: account, in: store)
                let count = try await store.mailboxStatus(id: mailbox.id).messages
                if count > 0 {
                    try Confirmation.require("Delete mailbox \(mailbox.name) of \(owner.address) and its \(count) messages?",
                                             assumeYes: yes, refusal: "mailbox \(mailbox.name) not deleted")
                }
                try await store.deleteMailbox(id: mailbox.id)
                return (owner.address, count)
            }
            print("deleted mailbox \(mailboxName) of \(owner) with \(count) messages")
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the UIDs of the messages that match an IMAP SEARCH query.",
            discussion: """
            QUERY is IMAP SEARCH keys (RFC 9051 §6.4.4), as one argument or several \
            joined by spaces; a string with spaces or non-ASCII letters in double \
            quotes. Examples: \
            'FROM alice SINCE 1-Jan-2026', 'UNSEEN LARGER 1000000', \
            'OR SUBJECT invoice SUBJECT "bill of"', 'BEFORE 1-Nov-2026' (the \
            internal date: when the message arrived). With --verbose, one line \
            per message: UID, internal date, From and Subject, separated by tabs.
            """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "The account's address.") var account: String
        @Argument(help: "The mailbox name.") var mailbox: String
        @Argument(help: "The search keys.") var query: [String]
        @Flag(name: .shortAndLong, help: "Print UID, date, From and Subject of each message.") var verbose = false

        func run() async throws {
            let search = try parseQuery(query)
            let mailboxName = try storeMailboxName(mailbox)
            let matches = try await options.withStore { store, _ in
                let (_, target) = try await requireMailbox(mailboxName, of: account, in: store)
                return try await search.matches(mailboxID: target.id, store: store)
            }
            for match in matches {
                if verbose {
                    print(["\(match.record.uid)", match.record.internalDate.formatted(.iso8601),
                           LoggableText.clean(match.from), LoggableText.clean(match.subject)].joined(separator: "\t"))
                } else {
                    print(match.record.uid)
                }
            }
        }
    }

    struct Expunge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the messages that match an IMAP SEARCH query, for good.",
            discussion: """
            QUERY is as for `tern mailbox search` (run that first to see what goes), \
            e.g. tern mailbox expunge a@example.org Trash 'BEFORE 1-Nov-2026'. The \
            messages are expunged whatever their flags, as by an IMAP client, and \
            open sessions see them go.
            """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "The account's address.") var account: String
        @Argument(help: "The mailbox name.") var mailbox: String
        @Argument(help: "The search keys.") var query: [String]

        func run() async throws {
            let search = try parseQuery(query)
            let mailboxName = try storeMailboxName(mailbox)
            let (owner, removed) = try await options.withStore { store, _ in
                let (owner, target) = try await requireMailbox(mailboxName, of: account, in: store)
                let uids = try await search.matches(mailboxID: target.id, store: store).map(\.record.uid)
                let removed = uids.isEmpty ? [] : try await store.expunge(mailboxID: target.id, uids: uids)
                return (owner.address, removed)
            }
            print("expunged \(removed.count) messages from \(mailboxName) of \(owner)")
        }
    }
}

/// The query arguments joined and parsed with the IMAP SEARCH grammar.
private func parseQuery(_ words: [String]) throws -> SearchQuery {
    let text = words.joined(separator: " ")
    guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
        throw CommandError("give a search query, e.g. ALL or 'SINCE 1-Jan-2026'")
    }
    do {
        return try SearchQuery(parsing: text)
    } catch {
        throw CommandError("invalid search query \"\(LoggableText.clean(text))\": \(error.message)")
    }
}

/// A special use as `\Drafts` or `Drafts`, in any case.
private func parseSpecialUse(_ text: String) throws -> SpecialUse {
    let wanted = (text.hasPrefix("\\") ? text : "\\" + text).lowercased()
    guard let use = SpecialUse.allCases.first(where: { $0.rawValue.lowercased() == wanted }) else {
        let known = SpecialUse.allCases.map(\.rawValue).joined(separator: " ")
        throw CommandError("unknown special use \(text) (one of \(known))")
    }
    return use
}

/// The stored spelling of a mailbox name typed by the admin, checked by the
/// rules IMAP applies to a client's names (`inbox` is `INBOX`).
func storeMailboxName(_ text: String) throws -> String {
    do {
        return try MailboxNameCodec.decode(IMAP.MailboxName(text), encoding: .utf8)
    } catch {
        throw CommandError("invalid mailbox name \"\(LoggableText.clean(text))\": \(error.reason)")
    }
}

/// The account and its mailbox of that (stored) name, or a clear error.
func requireMailbox(_ name: String, of address: String, in store: some MailStore) async throws
    -> (Account, Mailbox) {
    let owner = try await requireAccount(address, in: store)
    guard let mailbox = try await store.mailbox(accountID: owner.id, name: name) else {
        throw CommandError("account \(owner.address) has no mailbox \(name)")
    }
    return (owner, mailbox)
}
