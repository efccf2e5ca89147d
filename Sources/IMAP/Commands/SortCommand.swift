import MailCore

/// SORT or UID SORT (RFC 5256 §3; SORT=DISPLAY RFC 5957; ESORT RFC 5267
/// §3 for `RETURN`). The criteria are MailCore's, which also sorts.
public struct SortCommand: Hashable, Sendable {
    /// nil without RETURN (a `* SORT` response); ESORT otherwise, an empty
    /// array meaning ALL (RFC 5267 §3.2, as RFC 4731 §3.1).
    public var returnOptions: [SearchReturnOption]?
    /// At least one.
    public var criteria: [SortCriterion]
    /// RFC 5256 §3: the charset is not optional in SORT.
    public var charset: String
    public var key: SearchKey

    public init(returnOptions: [SearchReturnOption]? = nil, criteria: [SortCriterion], charset: String,
                key: SearchKey) {
        self.returnOptions = returnOptions
        self.criteria = criteria
        self.charset = charset
        self.key = key
    }
}

/// The THREAD algorithms Tern implements (RFC 5256 §4).
public enum ThreadAlgorithm: String, Hashable, Sendable, CaseIterable {
    case orderedSubject = "ORDEREDSUBJECT"
    case references = "REFERENCES"
}

/// THREAD or UID THREAD (RFC 5256 §4).
public struct ThreadCommand: Hashable, Sendable {
    public var algorithm: ThreadAlgorithm
    public var charset: String
    public var key: SearchKey

    public init(algorithm: ThreadAlgorithm, charset: String, key: SearchKey) {
        self.algorithm = algorithm
        self.charset = charset
        self.key = key
    }
}

extension SortKey {
    /// The name the SORT grammar uses (RFC 5256 §5 `sort-key`, RFC 5957 §3).
    var imapName: String {
        switch self {
        case .arrival: "ARRIVAL"
        case .cc: "CC"
        case .date: "DATE"
        case .from: "FROM"
        case .size: "SIZE"
        case .subject: "SUBJECT"
        case .to: "TO"
        case .displayFrom: "DISPLAYFROM"
        case .displayTo: "DISPLAYTO"
        }
    }
}
