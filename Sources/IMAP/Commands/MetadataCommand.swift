/// How deep GETMETADATA looks below each named entry (RFC 5464 §4.2.2
/// `DEPTH`): the entry only, its children too, or every descendant.
public enum MetadataDepth: Hashable, Sendable {
    case zero, one, infinity
}

/// GETMETADATA's options (RFC 5464 §4.2): `MAXSIZE` leaves out values
/// longer than it (answered with `[METADATA LONGENTRIES n]`), `DEPTH`.
public struct MetadataOptions: Hashable, Sendable {
    public var maxSize: UInt64?
    public var depth: MetadataDepth

    public init(maxSize: UInt64? = nil, depth: MetadataDepth = .zero) {
        self.maxSize = maxSize
        self.depth = depth
    }
}

/// An entry with its value in SETMETADATA and in a METADATA response
/// (RFC 5464 §5 `entry-value`); nil is NIL: removed, or not there.
public struct MetadataEntryValue: Hashable, Sendable {
    /// Lowercased (entry names are case-insensitive, RFC 5464 §3.2).
    public var entry: String
    public var value: [UInt8]?

    public init(entry: String, value: [UInt8]?) {
        self.entry = entry
        self.value = value
    }
}

/// The rules an entry name keeps (RFC 5464 §3.2, §5 `entry`): it starts
/// with `/private` or `/shared`, its components are separated by single
/// slashes and it does not end in one, it holds neither `*` nor `%`
/// (they are LIST wildcards) nor anything but printable US-ASCII, and a
/// vendor entry names something below `vendor/<vendor-token>` (§3.2.1,
/// §3.2.2).
public enum MetadataEntryName {
    public static let scopes = ["/private", "/shared"]

    /// The lowercased name, or why it is not one. `writable`: a
    /// SETMETADATA entry, which must name more than a bare scope.
    public static func validate(_ raw: [UInt8], writable: Bool) -> Result<String, GrammarError> {
        guard !raw.isEmpty, raw.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "*") && $0 != UInt8(ascii: "%") })
        else {
            return .failure(GrammarError("invalid metadata entry name"))
        }
        let name = String(decoding: raw, as: UTF8.self).lowercased()
        guard let scope = scopes.first(where: { name == $0 || name.hasPrefix($0 + "/") }) else {
            return .failure(GrammarError("a metadata entry starts with /private or /shared"))
        }
        if name.hasSuffix("/") || name.contains("//") {
            return .failure(GrammarError("invalid metadata entry name"))
        }
        if writable && name == scope {
            return .failure(GrammarError("a metadata entry names more than its scope"))
        }
        let components = name.dropFirst(scope.count).split(separator: "/")
        if components.first == "vendor", components.count < 3, writable {
            return .failure(GrammarError("a vendor entry is /vendor/<vendor-token>/<name>"))
        }
        return .success(name)
    }

    /// Whether a (validated, lowercased) name is one of the server's
    /// standard `/shared` entries (§3.2.1.2: comment, admin, …), which
    /// the administrator sets; `/shared/vendor/...` is open to clients.
    public static func isServerReserved(_ name: String) -> Bool {
        (name == "/shared" || name.hasPrefix("/shared/")) && !name.hasPrefix("/shared/vendor/")
    }

    /// Whether `candidate` is `entry` itself or lies within `depth` below it.
    public static func matches(_ candidate: String, entry: String, depth: MetadataDepth) -> Bool {
        if candidate == entry { return true }
        guard candidate.hasPrefix(entry + "/") else { return false }
        switch depth {
        case .zero: return false
        case .infinity: return true
        case .one: return !candidate.dropFirst(entry.count + 1).contains("/")
        }
    }
}
