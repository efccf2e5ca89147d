import Accounts
import ArgumentParser
import MailStore

/// `tern account disable`, `enable` and `rename`.
extension AccountCommand {
    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an account: it can no longer log in; mail to it is still accepted.",
            discussion: """
            Logins over IMAP, POP3 and SMTP submission get the usual authentication \
            failure (the server log says the account is disabled). Sessions already \
            logged in stay open: `tern kick ADDRESS` closes them.
            """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "The account's address.") var address: String

        func run() async throws {
            let (account, wasDisabled) = try await setDisabled(address, true, options: options)
            if wasDisabled {
                print("account \(account) was already disabled")
            } else {
                print("disabled account \(account): new logins are refused, mail is still accepted; "
                    + "`tern kick \(account)` closes its open sessions")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account again.")
        @OptionGroup var options: StoreOptions
        @Argument(help: "The account's address.") var address: String

        func run() async throws {
            let (account, wasDisabled) = try await setDisabled(address, false, options: options)
            print(wasDisabled ? "enabled account \(account)" : "account \(account) was already enabled")
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an account's address, keeping its mailboxes and messages.",
            discussion: """
            NEW must be under a local domain and not be an account already. Aliases \
            pointing to OLD point to NEW afterwards. Mail to OLD is refused from then \
            on unless an alias keeps it: `tern alias add OLD NEW`.
            """)
        @OptionGroup var options: StoreOptions
        @Argument(help: "The current address.") var old: String
        @Argument(help: "The new address.") var new: String

        func run() async throws {
            let (from, to) = try await options.withStore(addingLocalDomains: true) { store, _ in
                let account = try await requireAccount(old, in: store)
                let target = try await newAddress(new, in: store)
                try await requireLocalDomain(AccountAddress.domain(of: target) ?? "", in: store)
                let renamed = try await store.renameAccount(id: account.id, to: target)
                return (account.address, renamed.address)
            }
            print("renamed account \(from) to \(to)")
        }
    }
}

/// Sets the disabled state; returns the address and the state before.
private func setDisabled(_ address: String, _ disabled: Bool, options: StoreOptions) async throws
    -> (String, Bool) {
    try await options.withStore { store, _ in
        let account = try await requireAccount(address, in: store)
        if account.isDisabled != disabled {
            try await store.setAccountDisabled(accountID: account.id, disabled)
        }
        return (account.address, account.isDisabled)
    }
}
