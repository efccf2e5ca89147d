import MailStore

/// One message a SEARCH matched.
struct SearchMatch: Equatable {
    var sequenceNumber: UInt32
    var uid: MessageUID
    var modSeq: ModSeq
}

/// Turns matches into SEARCH or ESEARCH responses (RFC 9051 §7.3.4,
/// RFC 4731 §3.1) and the result SAVE keeps (RFC 5182 §2.4).
struct SearchResults {
    var matches: [SearchMatch]
    /// UID SEARCH: numbers are UIDs.
    var uid: Bool
    /// The MODSEQ key was used (RFC 7162 §3.1.5).
    var reportModSeq: Bool

    /// The untagged responses. Without RETURN a rev1 client gets
    /// `* SEARCH`; with RETURN, or once IMAP4rev2 is enabled, `* ESEARCH`
    /// (empty RETURN or none means ALL). RETURN (SAVE) alone sends nothing.
    func responses(returnOptions: [SearchReturnOption]?, tag: String, rev2: Bool) -> [UntaggedResponse] {
        guard returnOptions != nil || rev2 else {
            let numbers = matches.map(number)
            return [.search(numbers, modSeq: reportModSeq ? highestModSeq(matches) : nil)]
        }
        var options = Set(returnOptions ?? [])
        if options.isEmpty { options = [.all] }
        if options == [.save] { return [] }
        var result = ESearchResponse(tag: tag, uid: uid)
        // RFC 4731 §3.1: MIN, MAX and ALL are left out when nothing matched; COUNT is always given.
        if options.contains(.min), let first = matches.first { result.min = number(first) }
        if options.contains(.max), let last = matches.last { result.max = number(last) }
        if options.contains(.count) { result.count = matches.count }
        if options.contains(.all), !matches.isEmpty { result.all = SequenceSet(numbers: matches.map(number)) }
        if reportModSeq, !matches.isEmpty {
            // RFC 7162 §3.1.5: with only MIN/MAX, the mod-sequence of those messages.
            let reported = options.isDisjoint(with: [.all, .count]) ? extremes(options) : matches
            result.modSeq = highestModSeq(reported)
        }
        return [.esearch(result)]
    }

    /// The UIDs SAVE stores (RFC 5182 §2.4): all matches, or only the MIN
    /// and/or MAX ones when SAVE comes with MIN/MAX and neither ALL nor COUNT.
    func savedUIDs(returnOptions: [SearchReturnOption]) -> [MessageUID] {
        let options = Set(returnOptions)
        if !options.isDisjoint(with: [.min, .max]) && options.isDisjoint(with: [.all, .count]) {
            return extremes(options).map(\.uid)
        }
        return matches.map(\.uid)
    }

    private func extremes(_ options: Set<SearchReturnOption>) -> [SearchMatch] {
        var chosen: [SearchMatch] = []
        if options.contains(.min), let first = matches.first { chosen.append(first) }
        if options.contains(.max), let last = matches.last, chosen.last != last { chosen.append(last) }
        return chosen
    }

    private func number(_ match: SearchMatch) -> UInt32 {
        uid ? match.uid : match.sequenceNumber
    }

    private func highestModSeq(_ matches: [SearchMatch]) -> UInt64? {
        matches.map { UInt64(max($0.modSeq, 0)) }.max()
    }
}
