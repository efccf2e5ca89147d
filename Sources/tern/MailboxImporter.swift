import Foundation
import MailCore
import MailStore

/// What an import did, for progress lines and the final summary.
struct ImportCounts {
    var imported = 0
    var duplicates = 0
    var tooLarge = 0

    /// Messages known to be in the store: stored now or found already there.
    var committed: Int { imported + duplicates }

    var summary: String {
        var text = "imported \(imported) messages, skipped \(duplicates) duplicates"
        if tooLarge > 0 { text += ", \(tooLarge) over max_message_size" }
        return text
    }
}

/// Adds messages to one mailbox: normalises line endings to CRLF, skips a
/// message whose content hash is already in the mailbox (so an interrupted
/// import can simply be run again), and stores the rest one by one, each
/// durable before the next starts.
struct MailboxImporter {
    let store: any MailStore
    let mailbox: Mailbox
    let maxMessageSize: Int

    /// The mailbox of the account with this name, created (and subscribed,
    /// so that clients showing subscribed mailboxes see what was imported)
    /// when missing.
    static func mailbox(named name: String, accountID: AccountID, store: any MailStore) async throws -> Mailbox {
        if let existing = try await store.mailbox(accountID: accountID, name: name) { return existing }
        let created = try await store.createMailbox(accountID: accountID, name: name, specialUse: nil)
        try await store.subscribe(accountID: accountID, name: name)
        return created
    }

    func add(_ raw: [UInt8], flags: MessageFlags, keywords: [String] = [], internalDate: Date, counts: inout ImportCounts,
             progress: inout ImportProgress, origin: @autoclosure () -> String) async throws {
        let body = LineEndings.normalizeToCRLF(raw)
        if body.count > maxMessageSize {
            counts.tooLarge += 1
            printError("skipped \(origin()): \(body.count) octets is over max_message_size")
            return
        }
        if try await store.containsMessage(mailboxID: mailbox.id, contentHash: MessageContentHash.of(body)) {
            counts.duplicates += 1
        } else {
            do {
                _ = try await store.appendMessage(mailboxID: mailbox.id,
                                                  NewMessage(body: body, flags: flags, keywords: keywords,
                                                                         internalDate: internalDate))
                counts.imported += 1
            } catch MailStoreError.messageTooLarge {
                counts.tooLarge += 1
                printError("skipped \(origin()): over max_message_size")
                return
            }
        }
        progress.update(counts)
    }
}

/// Import progress on standard error: a live line with count and rate on a
/// terminal; otherwise `committed N` every 100 messages and at the end, so a
/// script (or a test that kills the import) knows what is safely stored.
struct ImportProgress {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastReported = 0

    mutating func update(_ counts: ImportCounts) {
        if isTerminal {
            let now = Date()
            guard now.timeIntervalSince(lastDraw) >= 0.2 else { return }
            lastDraw = now
            draw(counts, now: now)
        } else if counts.committed >= lastReported + 100 {
            lastReported = counts.committed
            printError("committed \(counts.committed)")
        }
    }

    mutating func finish(_ counts: ImportCounts) {
        if isTerminal {
            draw(counts, now: Date())
            FileHandle.standardError.write(Data("\n".utf8))
        } else {
            printError("committed \(counts.committed)")
        }
    }

    private func draw(_ counts: ImportCounts, now: Date) {
        let seconds = max(now.timeIntervalSince(start), 0.001)
        let rate = Double(counts.imported + counts.duplicates) / seconds
        let line = "\r\u{1B}[K\(counts.imported) imported, \(counts.duplicates) duplicates, "
            + String(format: "%.0f messages/s", rate)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
