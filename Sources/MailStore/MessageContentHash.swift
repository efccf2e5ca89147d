import Crypto

/// The content hash every store keeps for each message
/// (`MessageRecord.contentHash`): lower-case hex SHA-256 of the stored
/// bytes. Imports compute it over the CRLF-normalised message to find
/// what is already there (`MailStore.containsMessage`), so there is one
/// implementation, here, for the store and its callers.
public enum MessageContentHash {
    public static func of(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
