import Crypto

/// The store's content hash of a message body (`MessageRecord.contentHash`):
/// lower-case hex SHA-256 of the exact stored octets. The one definition:
/// the store, the spool (`SpoolFile`, hashed while written) and the admin
/// commands all use it.
public enum MessageContentHash {
    /// The hash of `bytes`.
    public static func of(_ bytes: [UInt8]) -> String {
        var hasher = Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The same hash computed over bytes given piece by piece.
    public struct Hasher {
        private var sha = SHA256()
        public init() {}

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            sha.update(bufferPointer: bytes)
        }

        public mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }

        /// Lower-case hex of the digest.
        public func finalize() -> String {
            let hex = Array("0123456789abcdef".utf8)
            var text: [UInt8] = []
            text.reserveCapacity(64)
            for byte in sha.finalize() {
                text.append(hex[Int(byte >> 4)])
                text.append(hex[Int(byte & 0x0F)])
            }
            return String(decoding: text, as: UTF8.self)
        }
    }
}
