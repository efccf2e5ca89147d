import MailCore
import MailStore

/// Why SELECT/EXAMINE parameters were refused (the command gets BAD).
struct InvalidSelectParameter: Error, Equatable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// `(QRESYNC (uidvalidity modseq [known-uids [seq-match-data]]))` (RFC 7162 §3.2.5).
struct QResyncParameters: Equatable {
    var uidValidity: UInt32
    var modSeq: UInt64
    var knownUIDs: SequenceSet?
    /// `(known-sequence-set known-uid-set)`: parsed and checked, but not
    /// needed: the change log keeps every expunged UID.
    var sequenceMatch: (SequenceSet, SequenceSet)?

    static func == (lhs: QResyncParameters, rhs: QResyncParameters) -> Bool {
        lhs.uidValidity == rhs.uidValidity && lhs.modSeq == rhs.modSeq && lhs.knownUIDs == rhs.knownUIDs
            && lhs.sequenceMatch?.0 == rhs.sequenceMatch?.0 && lhs.sequenceMatch?.1 == rhs.sequenceMatch?.1
    }
}

/// The SELECT/EXAMINE parameters Tern knows (RFC 4466 §2.1 `select-param`).
struct SelectOptions: Equatable {
    /// `(CONDSTORE)` (RFC 7162 §3.1.8).
    var condStore = false
    var qresync: QResyncParameters?

    static func parse(_ parameters: [CommandParameter],
                      enabled: EnabledExtensions) -> Result<SelectOptions, InvalidSelectParameter> {
        var options = SelectOptions()
        for parameter in parameters {
            switch parameter.name.uppercased() {
            case "CONDSTORE":
                guard parameter.value == nil else { return .failure(InvalidSelectParameter("CONDSTORE takes no value")) }
                options.condStore = true
            case "QRESYNC":
                // RFC 7162 §3.2.5: only after ENABLE QRESYNC.
                guard enabled.contains(.qresync) else {
                    return .failure(InvalidSelectParameter("QRESYNC needs ENABLE QRESYNC first"))
                }
                guard options.qresync == nil else { return .failure(InvalidSelectParameter("QRESYNC given twice")) }
                switch QResyncParameters.parse(parameter.value) {
                case .success(let qresync): options.qresync = qresync
                case .failure(let error): return .failure(error)
                }
            default:
                return .failure(InvalidSelectParameter("unknown SELECT parameter \(parameter.name)"))
            }
        }
        return .success(options)
    }
}

extension QResyncParameters {
    static func parse(_ value: ExtensionValue?) -> Result<QResyncParameters, InvalidSelectParameter> {
        guard case .list(let items)? = value, (2...4).contains(items.count) else {
            return .failure(InvalidSelectParameter("QRESYNC needs (uidvalidity modseq [known-uids [seq-match]])"))
        }
        guard case .token(let validityText) = items[0], let uidValidity = UInt32(validityText), uidValidity > 0 else {
            return .failure(InvalidSelectParameter("invalid QRESYNC UIDVALIDITY"))
        }
        // mod-sequence-value: a 63-bit unsigned number (RFC 7162 §7).
        guard case .token(let modSeqText) = items[1], let modSeq = UInt64(modSeqText), modSeq <= UInt64(Int64.max) else {
            return .failure(InvalidSelectParameter("invalid QRESYNC mod-sequence"))
        }
        var result = QResyncParameters(uidValidity: uidValidity, modSeq: modSeq)
        var rest = items.dropFirst(2)
        if case .token(let text)? = rest.first {
            guard let set = uidSet(text) else { return .failure(InvalidSelectParameter("invalid QRESYNC known-uids")) }
            result.knownUIDs = set
            rest = rest.dropFirst()
        }
        if let last = rest.first {
            guard rest.count == 1, case .list(let pair) = last, pair.count == 2,
                  case .token(let sequenceText) = pair[0], case .token(let uidText) = pair[1],
                  let sequences = uidSet(sequenceText), let uids = uidSet(uidText) else {
                return .failure(InvalidSelectParameter("invalid QRESYNC sequence match data"))
            }
            result.sequenceMatch = (sequences, uids)
        }
        return .success(result)
    }

    /// A sequence set in a parameter value (no `$`: RFC 7162 §7 `known-uids`).
    static func uidSet(_ text: String) -> SequenceSet? {
        var cursor = GrammarCursor(Array(text.utf8))
        guard let set = try? cursor.sequenceSet(), cursor.atEnd, set != .savedResult else { return nil }
        return set
    }
}
