import Accounts
import Crypto
import Foundation
import Logging
import MailStore

/// First-start preparation of the store: the configured local domains, and
/// one account when there is none, so a fresh `tern serve` can be logged into.
public enum StoreSetup {
    struct CreatedAccount: Equatable {
        var address: String
        var password: String
    }

    /// Adds missing local domains; creates `postmaster@<first local domain>`
    /// with a random password when the store has no account.
    static func prepare(store: any MailStore, configuration: TernConfiguration,
                        logger: Logger) async throws -> CreatedAccount? {
        for domain in try await addLocalDomains(store: store, configuration: configuration) {
            logger.notice("added local domain \(domain)")
        }
        try await checkPostmasterAccount(store: store, configuration: configuration, logger: logger)
        guard try await store.accounts().isEmpty else { return nil }
        let domain = configuration.localDomains.first ?? configuration.hostName
        let address = "postmaster@\(domain)"
        let password = randomPassword()
        _ = try await store.createAccount(address: address, passwordHash: try PasswordHasher.hash(password: password))
        logger.notice("created the first account \(address)")
        return CreatedAccount(address: address, password: password)
    }

    /// Adds the configured `local_domains` the store does not have yet (at
    /// `tern serve`, and in admin commands that need them before the first
    /// start); returns those added. One added meanwhile by another process
    /// is fine.
    @discardableResult
    public static func addLocalDomains(store: any MailStore, configuration: TernConfiguration) async throws
        -> [String] {
        let existing = Set(try await store.domains().map { $0.name.lowercased() })
        var added: [String] = []
        for domain in configuration.localDomains where !existing.contains(domain.lowercased()) {
            do {
                try await store.addDomain(domain)
                added.append(domain)
            } catch MailStoreError.domainExists {
                continue
            }
        }
        return added
    }

    /// Warns when `[smtp] postmaster_account` names neither an account nor
    /// an alias: postmaster@ and abuse@ mail then goes to the oldest account.
    static func checkPostmasterAccount(store: any MailStore, configuration: TernConfiguration,
                                       logger: Logger) async throws {
        guard let postmaster = configuration.smtp.postmasterAccount,
              try await store.account(address: postmaster) == nil,
              try await !store.aliases().contains(where: { $0.source.lowercased() == postmaster }) else { return }
        logger.warning("""
            smtp.postmaster_account \(postmaster) is neither an account nor an alias; \
            postmaster@ and abuse@ mail goes to the oldest account
            """)
    }

    /// 16 characters of RFC 4648 base32 alphabet (lower case): 80 random bits.
    static func randomPassword(length: Int = 16) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        let key = SymmetricKey(size: SymmetricKeySize(bitCount: max(length, 1) * 8))
        // 32 divides 256, so `byte % 32` is uniform.
        return key.withUnsafeBytes { bytes in String(bytes.prefix(length).map { alphabet[Int($0) % 32] }) }
    }
}
