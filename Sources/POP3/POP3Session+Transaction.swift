// The TRANSACTION state (RFC 1939 §5, §7) and the UPDATE state entered by QUIT (§6).
import Logging
import MailCore
import MailStore

extension POP3Session {
    /// Looks a message number up; the error reply when it cannot be used.
    private func lookup(_ number: Int) -> Result<POP3Maildrop.Entry, POP3Failure> {
        guard let maildrop else { return .failure(POP3Failure(code: nil, text: "no maildrop")) }
        switch maildrop.entry(number) {
        case .success(let entry): return .success(entry)
        case .failure(.noSuchMessage): return .failure(POP3Failure(code: nil, text: "no such message"))
        case .failure(.deleted): return .failure(POP3Failure(code: nil, text: "message \(number) already deleted"))
        }
    }

    func stat() -> POP3Output {
        guard let maildrop else { return fail(nil, "no maildrop") }
        return POP3Output(.ok("\(maildrop.visibleCount) \(maildrop.visibleSize)"))
    }

    func list(_ number: Int?) -> POP3Output {
        guard let maildrop else { return fail(nil, "no maildrop") }
        guard let number else {
            let lines = maildrop.visible.map { "\($0.number) \($0.entry.size)" }
            let count = maildrop.visibleCount
            return POP3Output(.lines("\(count) message\(count == 1 ? "" : "s") (\(maildrop.visibleSize) octets)", lines))
        }
        switch lookup(number) {
        case .success(let entry): return POP3Output(.ok("\(number) \(entry.size)"))
        case .failure(let failure): return fail(failure.code, failure.text)
        }
    }

    func uidl(_ number: Int?) -> POP3Output {
        guard let maildrop else { return fail(nil, "no maildrop") }
        guard let number else {
            let lines = maildrop.visible.map { "\($0.number) \(maildrop.uniqueID(of: $0.entry))" }
            return POP3Output(.lines("unique-id listing follows", lines))
        }
        switch lookup(number) {
        case .success(let entry): return POP3Output(.ok("\(number) \(maildrop.uniqueID(of: entry))"))
        case .failure(let failure): return fail(failure.code, failure.text)
        }
    }

    /// RETR (`lines` nil; a message over one piece streams, `POP3BodyStream`)
    /// and TOP (ranged reads, `POP3RangedTop`). Neither changes flags (RFC 1939 leaves that
    /// to the server; Tern leaves \Seen to the delete policy).
    func retrieve(_ number: Int, lines: Int?) async -> POP3Output {
        guard let maildrop else { return fail(nil, "no maildrop") }
        let entry: POP3Maildrop.Entry
        switch lookup(number) {
        case .success(let found): entry = found
        case .failure(let failure): return fail(failure.code, failure.text)
        }
        let stored: [UInt8]
        do {
            if let lines {
                let top = try await POP3RangedTop.text(store: store, mailboxID: maildrop.mailbox.id, uid: entry.uid,
                                                       lines: lines)
                return POP3Output(.message("top of message follows", top))
            }
            if entry.size > POP3BodyStream.pieceSize {
                // Streamed from the blob, one piece at a time (announced with the stored size);
                // the first piece is read before the +OK, so a message gone meanwhile gets -ERR.
                let first = try await store.messageBody(mailboxID: maildrop.mailbox.id, uid: entry.uid, offset: 0,
                                                        length: POP3BodyStream.pieceSize)
                return POP3Output(bytes: POP3Response.ok("\(entry.size) octets").encoded(),
                                  stream: POP3BodyStream(store: store, mailboxID: maildrop.mailbox.id, uid: entry.uid,
                                                         firstPiece: first))
            }
            stored = try await store.messageBody(mailboxID: maildrop.mailbox.id, uid: entry.uid)
        } catch MailStoreError.messageNotFound {
            // Removed meanwhile by another protocol (IMAP) or an admin command.
            return fail(nil, "message \(number) is no longer available")
        } catch {
            logger.error("cannot read message", metadata: ["uid": "\(entry.uid)", "error": "\(error)"])
            return fail(.systemTemporary, "cannot read message \(number)")
        }
        let message = POP3MessageText.wireForm(stored)
        // The size announced here is what follows; it differs from LIST's
        // stored size only for a stored body that is not CRLF text.
        if message.count != entry.size {
            logger.debug("stored size differs from sent size",
                         metadata: ["uid": "\(entry.uid)", "stored": "\(entry.size)", "sent": "\(message.count)"])
        }
        return POP3Output(.message("\(message.count) octets", message))
    }

    func dele(_ number: Int) -> POP3Output {
        switch lookup(number) {
        case .success:
            maildrop?.markDeleted(number)
            return POP3Output(.ok("message \(number) deleted"))
        case .failure(let failure):
            return fail(failure.code, failure.text)
        }
    }

    func rset() -> POP3Output {
        guard var current = maildrop else { return fail(nil, "no maildrop") }
        current.unmarkAll()
        maildrop = current
        return POP3Output(.ok(current.summary))
    }

    // MARK: UPDATE (RFC 1939 §6)

    func quit() async -> POP3Output {
        guard let maildrop else { return fail(nil, "no maildrop") }
        let uids = maildrop.deletedUIDs
        do {
            if !uids.isEmpty { try await applyDeletePolicy(to: uids, in: maildrop) }
        } catch {
            logger.error("update failed", metadata: ["deleted": "\(uids.count)", "error": "\(error)"])
            end()
            return POP3Output(.error(.systemTemporary, "some deleted messages not removed"), action: .close)
        }
        logger.info("quit", metadata: ["deleted": "\(uids.count)", "policy": "\(configuration.deletePolicy)"])
        end()
        let left = maildrop.visibleCount
        let status = switch left {
        case 0: "maildrop empty"
        case 1: "1 message left"
        default: "\(left) messages left"
        }
        return POP3Output(.ok("\(configuration.hostName) Tern POP3 server signing off (\(status))"), action: .close)
    }

    /// What leaving the maildrop means, by server policy (`pop3.on_delete`).
    private func applyDeletePolicy(to uids: [MessageUID], in maildrop: POP3Maildrop) async throws {
        let inbox = maildrop.mailbox
        switch configuration.deletePolicy {
        case .delete:
            _ = try await store.expunge(mailboxID: inbox.id, uids: uids)
        case .keep:
            break
        case .markRead:
            _ = try await store.updateFlags(mailboxID: inbox.id, uids: uids, operation: .add,
                                            flags: .seen, keywords: [])
        case .moveTo(let name):
            guard name.uppercased() != "INBOX" else { return }
            let destination = try await mailbox(named: name, accountID: maildrop.accountID)
            _ = try await store.moveMessages(from: inbox.id, uids: uids, to: destination.id)
        }
    }

    /// The mailbox `name`, created when missing.
    private func mailbox(named name: String, accountID: AccountID) async throws -> Mailbox {
        if let existing = try await store.mailbox(accountID: accountID, name: name) { return existing }
        do {
            let created = try await store.createMailbox(accountID: accountID, name: name, specialUse: nil)
            // POP3 users see the folder only in an IMAP client: subscribed.
            try await store.subscribe(accountID: accountID, name: name)
            return created
        } catch MailStoreError.mailboxExists {
            // Created meanwhile by another session.
            guard let existing = try await store.mailbox(accountID: accountID, name: name) else {
                throw MailStoreError.mailboxNotFound(name)
            }
            return existing
        }
    }
}

/// A `-ERR` reply not sent yet.
struct POP3Failure: Error {
    let code: POP3ResponseCode?
    let text: String
}
