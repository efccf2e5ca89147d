/// Response codes (RFC 9051 §7.1, RFC 5530, UIDPLUS RFC 4315, CONDSTORE/QRESYNC RFC 7162).
public enum ResponseCode: Hashable, Sendable {
    case alert
    case alreadyExists
    case appendUID(uidValidity: UInt32, uids: SequenceSet)
    case authenticationFailed
    case authorizationFailed
    case badCharset([String])
    case cannot
    case capability([String])
    case clientBug
    case closed
    case contactAdmin
    case copyUID(uidValidity: UInt32, source: SequenceSet, destination: SequenceSet)
    /// RFC 4978 §3: compression is on already.
    case compressionActive
    case corruption
    case expired
    case expungeIssued
    case hasChildren
    case highestModSeq(UInt64)
    case inUse
    case limit
    /// OBJECTID (RFC 8474 §4.1): `MAILBOXID (id)`.
    case mailboxID(String)
    case modified(SequenceSet)
    case noModSeq
    case nonExistent
    case noPerm
    case notSaved
    case overQuota
    case parse
    case permanentFlags([String])
    case privacyRequired
    case readOnly
    case readWrite
    case serverBug
    case tryCreate
    case uidNext(UInt32)
    case uidNotSticky
    case uidValidity(UInt32)
    case unavailable
    case unknownCTE
    case unseen(UInt32)
    case useAttr
    /// Any other code, with optional text after it.
    case other(String, String?)

    /// The code as it appears between the brackets.
    public var text: String {
        switch self {
        case .alert: return "ALERT"
        case .alreadyExists: return "ALREADYEXISTS"
        case .appendUID(let validity, let uids): return "APPENDUID \(validity) \(uids.text)"
        case .authenticationFailed: return "AUTHENTICATIONFAILED"
        case .authorizationFailed: return "AUTHORIZATIONFAILED"
        case .badCharset(let charsets):
            return charsets.isEmpty ? "BADCHARSET" : "BADCHARSET (\(charsets.joined(separator: " ")))"
        case .cannot: return "CANNOT"
        case .capability(let capabilities): return (["CAPABILITY"] + capabilities).joined(separator: " ")
        case .clientBug: return "CLIENTBUG"
        case .closed: return "CLOSED"
        case .contactAdmin: return "CONTACTADMIN"
        case .copyUID(let validity, let source, let destination):
            return "COPYUID \(validity) \(source.text) \(destination.text)"
        case .corruption: return "CORRUPTION"
        case .expired: return "EXPIRED"
        case .expungeIssued: return "EXPUNGEISSUED"
        case .hasChildren: return "HASCHILDREN"
        case .highestModSeq(let value): return "HIGHESTMODSEQ \(value)"
        case .inUse: return "INUSE"
        case .limit: return "LIMIT"
        case .mailboxID(let id): return "MAILBOXID (\(id))"
        case .compressionActive: return "COMPRESSIONACTIVE"
        case .modified(let set): return "MODIFIED \(set.text)"
        case .noModSeq: return "NOMODSEQ"
        case .nonExistent: return "NONEXISTENT"
        case .noPerm: return "NOPERM"
        case .notSaved: return "NOTSAVED"
        case .overQuota: return "OVERQUOTA"
        case .parse: return "PARSE"
        case .permanentFlags(let flags): return "PERMANENTFLAGS (\(flags.joined(separator: " ")))"
        case .privacyRequired: return "PRIVACYREQUIRED"
        case .readOnly: return "READ-ONLY"
        case .readWrite: return "READ-WRITE"
        case .serverBug: return "SERVERBUG"
        case .tryCreate: return "TRYCREATE"
        case .uidNext(let value): return "UIDNEXT \(value)"
        case .uidNotSticky: return "UIDNOTSTICKY"
        case .uidValidity(let value): return "UIDVALIDITY \(value)"
        case .unavailable: return "UNAVAILABLE"
        case .unknownCTE: return "UNKNOWN-CTE"
        case .unseen(let value): return "UNSEEN \(value)"
        case .useAttr: return "USEATTR"
        case .other(let name, let text): return text.map { "\(name) \($0)" } ?? name
        }
    }
}
