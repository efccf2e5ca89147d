// Dovecot's passwd-file format, read by `tern import` to move accounts over:
//
//     user:password:uid:gid:(gecos):home:(shell):extra_fields
//
// one user per line, `#` comments and blank lines ignored, the password
// field usually `{SCHEME}hash` (https://doc.dovecot.org/configuration_manual/authentication/passwd_file/).

public enum DovecotPasswdFile {
    /// One user line.
    public struct Entry: Sendable, Equatable {
        /// The 1-based line number in the file.
        public var lineNumber: Int
        /// The user name as written; may lack a domain (see `hasDomain`).
        public var user: String
        /// The password field as written, e.g. `{SHA512-CRYPT}$6$…`.
        public var passwordField: String
        public var uid: String
        public var gid: String
        public var gecos: String
        public var home: String
        public var shell: String
        /// The space-separated `key=value` extra fields.
        public var extraFields: [String]

        public init(lineNumber: Int, user: String, passwordField: String, uid: String = "", gid: String = "",
                    gecos: String = "", home: String = "", shell: String = "", extraFields: [String] = []) {
            self.lineNumber = lineNumber
            self.user = user
            self.passwordField = passwordField
            self.uid = uid
            self.gid = gid
            self.gecos = gecos
            self.home = home
            self.shell = shell
            self.extraFields = extraFields
        }

        /// False for a bare user name: the caller must supply a default domain.
        public var hasDomain: Bool { user.contains("@") }

        /// The upper-cased `{SCHEME}` of the password field, nil when it has none.
        public var scheme: String? { PasswordHasher.splitDovecotScheme(passwordField)?.0 }

        /// The crypt(3) string Tern can store, or nil for an unsupported scheme
        /// (see `PasswordHasher.fromDovecotScheme`).
        public var cryptHash: String? { PasswordHasher.fromDovecotScheme(passwordField) }

        /// The normalized account address, adding `defaultDomain` to a bare user name.
        public func address(defaultDomain: String?) throws -> String {
            if hasDomain { return try AccountAddress.normalize(user) }
            guard let defaultDomain else { throw AccountAddressError.notLocalAtDomain(user) }
            return try AccountAddress.normalize("\(user)@\(defaultDomain)")
        }
    }

    /// A line that can't be read, with its 1-based number.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
        public var description: String { "line \(line): \(reason)" }
    }

    /// Parses the whole file; throws the first bad line's `ParseError`.
    public static func parse(_ text: String) throws -> [Entry] {
        let (entries, errors) = parseCollectingErrors(text)
        if let first = errors.first { throw first }
        return entries
    }

    /// Parses the whole file, returning the good entries and one error per bad line.
    public static func parseCollectingErrors(_ text: String) -> (entries: [Entry], errors: [ParseError]) {
        var entries: [Entry] = []
        var errors: [ParseError] = []
        var firstLineOfUser: [String: Int] = [:]
        // "\r\n" is one Character in Swift: split on both line ends.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (offset, rawLine) in lines.enumerated() {
            let number = offset + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            do {
                let entry = try parseLine(line, number: number)
                let key = entry.user.lowercased()
                if let first = firstLineOfUser[key] {
                    throw ParseError(line: number, reason: "user \"\(entry.user)\" already defined on line \(first)")
                }
                firstLineOfUser[key] = number
                entries.append(entry)
            } catch let error as ParseError {
                errors.append(error)
            } catch {
                errors.append(ParseError(line: number, reason: "\(error)"))
            }
        }
        return (entries, errors)
    }

    private static func parseLine(_ line: Substring, number: Int) throws -> Entry {
        // The extra fields (8th) may themselves hold colons: keep them whole.
        let fields = line.split(separator: ":", maxSplits: 7, omittingEmptySubsequences: false).map(String.init)
        let user = fields[0]
        guard !user.isEmpty else { throw ParseError(line: number, reason: "empty user name") }
        guard user.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            throw ParseError(line: number, reason: "user name contains spaces or control characters")
        }
        if user.contains("@") {
            do {
                _ = try AccountAddress.normalize(user)
            } catch {
                throw ParseError(line: number, reason: "\(error)")
            }
        }
        guard fields.count >= 2 else { throw ParseError(line: number, reason: "missing password field") }
        let password = fields[1]
        guard !password.isEmpty else { throw ParseError(line: number, reason: "empty password field") }
        guard password.hasPrefix("{") == false || password.contains("}") else {
            throw ParseError(line: number, reason: "unterminated {SCHEME} in password field")
        }
        func field(_ index: Int) -> String { index < fields.count ? fields[index] : "" }
        let extra = field(7).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        return Entry(lineNumber: number, user: user, passwordField: password, uid: field(2), gid: field(3),
                     gecos: field(4), home: field(5), shell: field(6), extraFields: extra)
    }
}
