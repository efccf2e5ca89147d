import MailStore

/// QUOTA (RFC 9208): GETQUOTA, GETQUOTAROOT and SETQUOTA over the store's
/// quotas. Every mailbox of an account has the root "User quota" (its own
/// limits) when it has limits, and "Domain quota" when its domain has a
/// shared one; STORAGE is reported in units of 1024 octets (§5.1), MESSAGE
/// in messages. Limits are set by the administrator (`tern account quota`,
/// `tern domain quota`), so SETQUOTA is refused and QUOTASET not offered.
enum QuotaCommandHandler {
    static let capabilities = ["QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE"]
    static let userRoot = "User quota"
    static let domainRoot = "Domain quota"

    /// GETQUOTAROOT (RFC 9208 §4.1.2): the mailbox's roots, then each root's QUOTA.
    static func getQuotaRoot(_ name: MailboxName, context: CommandContext) async -> CommandResult {
        switch await SelectedMailboxCommands.lookUp(name, context: context) {
        case .failure(let failure): return failure.result
        case .success: break
        }
        do {
            let quota = try await context.store.quota(accountID: context.account.id)
            let roots = Self.roots(quota)
            var untagged: [UntaggedResponse] = [.quotaRoot(name, roots: roots.map(\.0))]
            untagged += roots.map { .quota(root: $0.0, $0.1) }
            return .ok("GETQUOTAROOT completed", untagged: untagged)
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
    }

    /// GETQUOTA (RFC 9208 §4.1.1) of one of the account's roots.
    static func getQuota(root: [UInt8], context: CommandContext) async -> CommandResult {
        do {
            let quota = try await context.store.quota(accountID: context.account.id)
            let name = String(decoding: root, as: UTF8.self)
            guard let found = Self.roots(quota).first(where: { $0.0 == name }) else {
                return .no("no such quota root", code: .nonExistent)
            }
            return .ok("GETQUOTA completed", untagged: [.quota(root: found.0, found.1)])
        } catch {
            return MailboxCommandErrors.result(for: error, context: context)
        }
    }

    /// SETQUOTA (RFC 9208 §4.1.3): not for users here.
    static func setQuota() -> CommandResult {
        .no("quotas are set by the administrator", code: .noPerm)
    }

    /// The roots that apply to the account's mailboxes with their resources.
    static func roots(_ quota: AccountQuota) -> [(String, [QuotaResourceUsage])] {
        var roots: [(String, [QuotaResourceUsage])] = []
        let own = resources(quota.limits, quota.usage)
        if !own.isEmpty { roots.append((userRoot, own)) }
        if let domain = quota.domain {
            let shared = resources(domain.limits, domain.usage)
            if !shared.isEmpty { roots.append((domainRoot, shared)) }
        }
        return roots
    }

    /// STORAGE in 1024-octet units, usage rounded up and limit down, so a
    /// client never shows room that is not there; MESSAGE as counted.
    static func resources(_ limits: QuotaLimits, _ usage: QuotaUsage) -> [QuotaResourceUsage] {
        var resources: [QuotaResourceUsage] = []
        if let storage = limits.storage {
            resources.append(QuotaResourceUsage(resource: "STORAGE", usage: UInt64(max(0, (usage.storage + 1023) / 1024)),
                                                limit: UInt64(max(0, storage / 1024))))
        }
        if let messages = limits.messages {
            resources.append(QuotaResourceUsage(resource: "MESSAGE", usage: UInt64(max(0, usage.messages)),
                                                limit: UInt64(max(0, messages))))
        }
        return resources
    }
}
