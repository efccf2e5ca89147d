import Accounts
import ArgumentParser
import Foundation
import MailStore

struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Manage mail accounts.",
        subcommands: [Add.self, List.self, Show.self, Passwd.self, Remove.self, Disable.self, Enable.self, Rename.self,
                      Quota.self, ImportPasswd.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account with the default mailboxes.",
            discussion: "The password is asked twice without echo, or read as one line of standard input."
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "The address, e.g. alice@example.org; its domain must be a local domain.") var address: String
        @Flag(name: .customLong("password-stdin"), help: "Read the password from one line of standard input.")
        var passwordStdin = false

        func run() async throws {
            let normalized = try await options.withStore(addingLocalDomains: true) { store, _ in
                let normalized = try await newAddress(address, in: store)
                try await requireLocalDomain(AccountAddress.domain(of: normalized) ?? "", in: store)
                if try await store.account(address: normalized) != nil {
                    throw CommandError("account \(normalized) already exists")
                }
                let hash = try PasswordHasher.hash(password: try PasswordInput.read(fromStandardInput: passwordStdin))
                _ = try await store.createAccount(address: normalized, passwordHash: hash)
                return normalized
            }
            print("created account \(normalized)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the accounts.",
            discussion: "One address per line; a disabled account is followed by `disabled`.")
        @OptionGroup var options: StoreOptions

        func run() async throws {
            let accounts = try await options.withStore { store, _ in try await store.accounts() }
            for account in accounts.sorted(by: { $0.address < $1.address }) {
                print(account.isDisabled ? "\(account.address)  disabled" : account.address)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an account: its mailboxes with message counts and sizes.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The account's address.") var address: String

        func run() async throws {
            let report = try await options.withStore { store, _ in
                let account = try await requireAccount(address, in: store)
                let lines = ["account \(account.address)", "created \(account.createdAt)",
                             "state \(account.isDisabled ? "disabled (cannot log in; mail is still delivered)" : "enabled")"]
                var table = TextTable([("mailbox", .left), ("messages", .right), ("size", .right),
                                       ("special-use", .left)])
                let summaries = try await MailboxSummary.all(accountID: account.id, in: store)
                for summary in summaries {
                    table.append([summary.mailbox.name, "\(summary.messages)", formatSize(summary.size),
                                  summary.mailbox.specialUse?.rawValue ?? ""])
                }
                table.append(["total", "\(summaries.reduce(0) { $0 + $1.messages })",
                              formatSize(summaries.reduce(0) { $0 + $1.size })])
                return lines + table.lines
            }
            report.forEach { print($0) }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an account's password.",
            discussion: "The password is asked twice without echo, or read as one line of standard input."
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "The account's address.") var address: String
        @Flag(name: .customLong("password-stdin"), help: "Read the password from one line of standard input.")
        var passwordStdin = false

        func run() async throws {
            let changed = try await options.withStore { store, _ in
                let account = try await requireAccount(address, in: store)
                let hash = try PasswordHasher.hash(password: try PasswordInput.read(fromStandardInput: passwordStdin))
                try await store.setPasswordHash(accountID: account.id, passwordHash: hash)
                return account.address
            }
            print("changed the password of \(changed)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove an account with all its mailboxes and messages.",
            discussion: """
            Asks for confirmation on a terminal; without a terminal (a script) it \
            refuses unless --yes is given. Aliases naming the account are kept.
            """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "The account's address.") var address: String
        @Flag(name: .long, help: "Remove without asking.") var yes = false

        func run() async throws {
            let removed = try await options.withStore { store, _ in
                let account = try await requireAccount(address, in: store)
                let count = try await MailboxSummary.all(accountID: account.id, in: store).reduce(0) { $0 + $1.messages }
                try Confirmation.require("Remove \(account.address) and its \(count) messages?", assumeYes: yes,
                                         refusal: "account \(account.address) not removed")
                try await store.deleteAccount(id: account.id)
                return account.address
            }
            print("removed account \(removed)")
        }
    }

    struct ImportPasswd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-passwd",
            abstract: "Import accounts from a Dovecot passwd-file, keeping their password hashes.",
            discussion: """
            Lines are user:{SCHEME}hash:... Missing accounts are created and existing \
            ones get the file's hash. Supported: SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, \
            YESCRYPT, CRYPT with those, and PLAIN (hashed on import). Other lines are \
            skipped and reported on standard error.
            """
        )
        @OptionGroup var options: StoreOptions
        @Argument(help: "The passwd-file.") var file: String
        @Option(name: .long, help: ArgumentHelp("Domain for user names without @domain.", valueName: "domain"))
        var domain: String?

        func run() async throws {
            let text: String
            do {
                text = try String(decoding: Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self)
            } catch {
                throw CommandError("cannot read \(file): \(error.localizedDescription)")
            }
            let defaultDomain = try domain.map(normalizedDomain)
            let (entries, errors) = DovecotPasswdFile.parseCollectingErrors(text)
            var skipped = errors.map { (line: $0.line, reason: $0.reason) }
            let (created, updated) = try await options.withStore(addingLocalDomains: true) { store, _ in
                let localDomains = Set(try await store.domains().map { $0.name.lowercased() })
                var created = 0
                var updated = 0
                for entry in entries {
                    let address: String
                    do {
                        address = try entry.address(defaultDomain: defaultDomain)
                    } catch {
                        let reason = entry.hasDomain ? "\(error)" : "user \(entry.user) has no domain: use --domain"
                        skipped.append((entry.lineNumber, reason))
                        continue
                    }
                    let accountDomain = AccountAddress.domain(of: address) ?? ""
                    guard localDomains.contains(accountDomain) else {
                        skipped.append((entry.lineNumber, "\(accountDomain) is not a local domain (tern domain add)"))
                        continue
                    }
                    guard let hash = try PasswordHasher.fromDovecotPassword(entry.passwordField) else {
                        skipped.append((entry.lineNumber, "unsupported password scheme \(entry.scheme ?? "(none)")"))
                        continue
                    }
                    if let account = try await store.account(address: address) {
                        try await store.setPasswordHash(accountID: account.id, passwordHash: hash)
                        updated += 1
                    } else {
                        _ = try await store.createAccount(address: address, passwordHash: hash)
                        created += 1
                    }
                }
                return (created, updated)
            }
            for skip in skipped.sorted(by: { $0.line < $1.line }) {
                printError("\(file): line \(skip.line): skipped: \(skip.reason)")
            }
            print("created \(created) accounts, updated \(updated), skipped \(skipped.count) lines")
        }
    }
}
