import MailStore

/// The content hash the store keeps for each message (`MessageRecord.contentHash`):
/// the store's own `ContentHash`. Imports compute it over the
/// CRLF-normalised message to find what is already there.
enum MessageContentHash {
    static func of(_ bytes: [UInt8]) -> String {
        ContentHash.of(bytes)
    }
}
