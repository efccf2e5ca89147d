import Accounts
import Crypto
import Foundation
import Logging
import MailStore

/// First-start preparation of the store: the configured local domains, and
/// one account when there is none, so a fresh `tern serve` can be logged into.
enum StoreSetup {
    struct CreatedAccount: Equatable {
        var address: String
        var password: String
    }

    /// Adds missing local domains; creates `postmaster@<first local domain>`
    /// with a random password when the store has no account.
    static func prepare(store: any MailStore, configuration: TernConfiguration,
                        logger: Logger) async throws -> CreatedAccount? {
        try await addLocalDomains(configuration.localDomains, to: store, logger: logger)
        guard try await store.accounts().isEmpty else { return nil }
        let domain = configuration.localDomains.first ?? configuration.hostName
        let address = "postmaster@\(domain)"
        let password = randomPassword()
        _ = try await store.createAccount(address: address, passwordHash: try PasswordHasher.hash(password: password))
        logger.notice("created the first account \(address)")
        return CreatedAccount(address: address, password: password)
    }

    /// Adds the domains the store does not have yet (at start and on reload);
    /// returns the ones added. A domain no longer configured stays until
    /// `tern domain remove`.
    @discardableResult
    static func addLocalDomains(_ domains: [String], to store: any MailStore,
                                logger: Logger) async throws -> [String] {
        let existing = Set(try await store.domains().map { $0.name.lowercased() })
        var added: [String] = []
        for domain in domains where !existing.contains(domain.lowercased()) {
            try await store.addDomain(domain)
            logger.notice("added local domain \(domain)")
            added.append(domain)
        }
        return added
    }

    /// 16 characters of RFC 4648 base32 alphabet (lower case): 80 random bits.
    static func randomPassword(length: Int = 16) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        let key = SymmetricKey(size: SymmetricKeySize(bitCount: max(length, 1) * 8))
        // 32 divides 256, so `byte % 32` is uniform.
        return key.withUnsafeBytes { bytes in String(bytes.prefix(length).map { alphabet[Int($0) % 32] }) }
    }
}
