// Password hashing with crypt(3) from libxcrypt (through the CCrypt module).
//
// New hashes are yescrypt (`$y$`, libxcrypt's default and recommended
// scheme). Verification also accepts the schemes Dovecot and Linux systems
// commonly store: sha512-crypt (`$6$`), sha256-crypt (`$5$`) and bcrypt
// (`$2y$`, `$2b$`, `$2a$`). Anything else (DES, MD5-crypt `$1$`, locked
// entries such as `*` or `!…`) never verifies.
import CCrypt
import Foundation

public enum PasswordHasherError: Error, Sendable, Equatable {
    /// The password contains a NUL character or is longer than crypt(3) accepts.
    case unacceptablePassword
    /// libxcrypt could not produce a salt (no randomness available).
    case saltGenerationFailed
    /// crypt_r failed.
    case hashingFailed
}

public enum PasswordHasher {
    /// The crypt(3) prefixes that `verify` accepts.
    public static let supportedPrefixes: [String] = ["$y$", "$6$", "$5$", "$2y$", "$2b$", "$2a$"]

    /// Longest password accepted, in UTF-8 octets (libxcrypt's
    /// CRYPT_MAX_PASSPHRASE_SIZE counts the terminating NUL).
    public static let maximumPasswordLength = Int(CRYPT_MAX_PASSPHRASE_SIZE) - 1

    /// Hashes `password` with yescrypt, a fresh random salt and libxcrypt's
    /// default cost. The call is deliberately slow (tens of milliseconds):
    /// don't call it on an event loop.
    public static func hash(password: String) throws -> String {
        guard isAcceptable(password) else { throw PasswordHasherError.unacceptablePassword }
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        // count 0 = default cost; rbytes nil = libxcrypt reads the OS random source.
        let made = setting.withUnsafeMutableBufferPointer { buffer in
            crypt_gensalt_rn("$y$", 0, nil, 0, buffer.baseAddress, Int32(buffer.count)) != nil
        }
        guard made else { throw PasswordHasherError.saltGenerationFailed }
        let settingString = String(decoding: setting.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                                   as: UTF8.self)
        guard let result = cryptR(password: password, setting: settingString), result.hasPrefix("$y$") else {
            throw PasswordHasherError.hashingFailed
        }
        return result
    }

    /// True when `password` hashes to `hash`. Unsupported schemes, locked
    /// entries (`*`, `!`) and malformed hashes never verify. The final
    /// comparison takes the same time wherever the strings differ.
    public static func verify(password: String, against hash: String) -> Bool {
        guard isSupported(hash), isAcceptable(password) else { return false }
        guard let computed = cryptR(password: password, setting: hash) else { return false }
        return constantTimeEquals(Array(computed.utf8), Array(hash.utf8))
    }

    /// True when `hash` starts with one of the supported crypt(3) prefixes.
    public static func isSupported(_ hash: String) -> Bool {
        supportedPrefixes.contains { hash.hasPrefix($0) }
    }

    /// Turns a Dovecot password field into a plain crypt(3) string:
    /// `{SHA512-CRYPT}$6$…`, `{SHA256-CRYPT}$5$…`, `{BLF-CRYPT}$2y$…`,
    /// `{YESCRYPT}$y$…`, `{CRYPT}<any supported crypt string>` and a bare
    /// supported crypt string. The scheme name is case-insensitive. Every
    /// other scheme (`{PLAIN}`, `{SSHA}`, `{MD5}`, DES `{CRYPT}`…) gives nil;
    /// see `fromDovecotPassword` for `{PLAIN}`.
    public static func fromDovecotScheme(_ field: String) -> String? {
        guard let (scheme, value) = splitDovecotScheme(field) else {
            return isSupported(field) ? field : nil
        }
        let prefixes: [String]
        switch scheme {
        case "SHA512-CRYPT": prefixes = ["$6$"]
        case "SHA256-CRYPT": prefixes = ["$5$"]
        case "BLF-CRYPT": prefixes = ["$2y$", "$2b$", "$2a$"]
        case "YESCRYPT": prefixes = ["$y$"]
        case "CRYPT": prefixes = supportedPrefixes
        default: return nil
        }
        return prefixes.contains(where: { value.hasPrefix($0) }) ? value : nil
    }

    /// Like `fromDovecotScheme`, and also accepts clear-text Dovecot entries
    /// (`{PLAIN}`, `{CLEAR}`, `{CLEARTEXT}`), which are hashed here with
    /// yescrypt so Tern never stores a clear password. Slow for those.
    public static func fromDovecotPassword(_ field: String) throws -> String? {
        if let hash = fromDovecotScheme(field) { return hash }
        guard let (scheme, value) = splitDovecotScheme(field),
              ["PLAIN", "CLEAR", "CLEARTEXT"].contains(scheme), !value.isEmpty else { return nil }
        return try hash(password: value)
    }

    /// The upper-cased scheme name and the rest of `{SCHEME}rest`, or nil.
    static func splitDovecotScheme(_ field: String) -> (String, String)? {
        guard field.hasPrefix("{"), let close = field.firstIndex(of: "}") else { return nil }
        let scheme = field[field.index(after: field.startIndex)..<close].uppercased()
        return (scheme, String(field[field.index(after: close)...]))
    }

    // MARK: crypt_r

    private static func isAcceptable(_ password: String) -> Bool {
        !password.utf8.contains(0) && password.utf8.count <= maximumPasswordLength
    }

    /// Runs crypt_r with a heap-allocated, zeroed `struct crypt_data` (32 KiB,
    /// too big for a task's stack). Returns nil when libxcrypt reports failure
    /// (its failure tokens start with `*`).
    private static func cryptR(password: String, setting: String) -> String? {
        guard let raw = calloc(1, MemoryLayout<crypt_data>.size) else { return nil }
        defer {
            // The area held the passphrase: wipe it before freeing.
            memset(raw, 0, MemoryLayout<crypt_data>.size)
            free(raw)
        }
        let data = raw.bindMemory(to: crypt_data.self, capacity: 1)
        guard let output = crypt_r(password, setting, data) else { return nil }
        let result = String(cString: output)
        return result.hasPrefix("*") || result.isEmpty ? nil : result
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }
}
