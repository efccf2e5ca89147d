import Foundation
import GRDB

/// Rows of the outbound queue tables and their decoding.
enum QueueRows {
    static let messageColumns = """
        id, sender, created_at, size, ret, envelope_id, authenticated_user, smtp_utf8, body_type
        """
    static let recipientColumns = """
        message_id, address, orcpt_type, orcpt_address, notify, state, attempts, next_attempt_at,
        last_attempt_at, last_error, delay_notice_sent
        """

    /// A message row without its recipients.
    static func message(_ row: Row) -> QueuedMessage {
        let ret: String? = row["ret"]
        let bodyType: String = row["body_type"]
        return QueuedMessage(
            id: row["id"], sender: row["sender"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            size: row["size"], ret: ret.flatMap(DSNReturnContent.init(rawValue:)), envelopeID: row["envelope_id"],
            authenticatedUser: row["authenticated_user"], smtpUTF8: row["smtp_utf8"],
            bodyType: OutboundBodyType(rawValue: bodyType) ?? .sevenBit, recipients: [])
    }

    static func recipient(_ row: Row) -> QueuedRecipient {
        let orcptType: String? = row["orcpt_type"]
        let orcptAddress: String? = row["orcpt_address"]
        let notify: Int? = row["notify"]
        let state: String = row["state"]
        let lastAttempt: Double? = row["last_attempt_at"]
        var original: OriginalRecipientAddress?
        if let orcptType, let orcptAddress {
            original = OriginalRecipientAddress(addressType: orcptType, address: orcptAddress)
        }
        return QueuedRecipient(
            address: row["address"], originalRecipient: original, notify: notify.map(DSNNotifyConditions.init),
            // The CHECK constraint admits only the four states.
            state: QueuedRecipientState(rawValue: state) ?? .queued, attempts: row["attempts"],
            nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]),
            lastAttemptAt: lastAttempt.map(Date.init(timeIntervalSince1970:)), lastError: row["last_error"],
            delayNoticeSent: row["delay_notice_sent"])
    }

    static func recipients(_ db: Database, messageID: String) throws -> [QueuedRecipient] {
        try Row.fetchAll(db, sql: """
            SELECT \(recipientColumns) FROM outbound_recipient WHERE message_id = ? ORDER BY position
            """, arguments: [messageID]).map(recipient)
    }

    static func fetchMessage(_ db: Database, id: String) throws -> QueuedMessage? {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(messageColumns) FROM outbound_message WHERE id = ?",
                                         arguments: [id]) else { return nil }
        var message = message(row)
        message.recipients = try recipients(db, messageID: id)
        return message
    }

    static func exists(_ db: Database, id: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM outbound_message WHERE id = ?)", arguments: [id])!
    }

    /// 64 random bits as 16 lower-case hex characters.
    static func newQueueID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
