/// SEARCH (RFC 9051 §6.4.4, §9 `search`, `search-key`; ESEARCH RFC 4731;
/// SEARCHRES RFC 5182; MODSEQ RFC 7162 §3.1.5).
enum SearchParser {
    /// search = "SEARCH" [search-return-opts] SP search-program.
    static func parseSearch(_ cursor: inout GrammarCursor) throws -> SearchCommand {
        try cursor.space()
        let returnOptions = try parseReturnOptions(&cursor)
        var charset: String?
        if cursor.peekKeyword() == "CHARSET" {
            _ = try cursor.keyword()
            try cursor.space()
            charset = String(decoding: try cursor.astring(), as: UTF8.self)
            try cursor.space()
        }
        return SearchCommand(returnOptions: returnOptions, charset: charset, key: try parseProgram(&cursor))
    }

    /// search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP
    /// search-return-opt)] ")" (RFC 4731 §3.1; also ESORT, RFC 5267 §3),
    /// with the space after it; nil when the command has none.
    static func parseReturnOptions(_ cursor: inout GrammarCursor) throws -> [SearchReturnOption]? {
        guard cursor.peekKeyword() == "RETURN" else { return nil }
        _ = try cursor.keyword()
        try cursor.space()
        let options = try cursor.parenthesized(allowEmpty: true) { cursor in
            let name = try cursor.keyword()
            guard let option = SearchReturnOption(rawValue: name) else { throw cursor.fail("unknown RETURN option \(name)") }
            return option
        }
        try cursor.space()
        return options
    }

    /// 1*(search-key) separated by spaces, as one key (AND of several).
    static func parseProgram(_ cursor: inout GrammarCursor) throws -> SearchKey {
        var keys = [try parseKey(&cursor)]
        while cursor.take(UInt8(ascii: " ")) { keys.append(try parseKey(&cursor)) }
        return keys.count == 1 ? keys[0] : .and(keys)
    }

    /// One search key. NOT, OR and parentheses nest; the depth is bounded
    /// (`GrammarCursor.maxSearchDepth`) so that no later recursion over the
    /// key can exhaust the stack, however long the command.
    static func parseKey(_ cursor: inout GrammarCursor) throws -> SearchKey {
        if cursor.peek == UInt8(ascii: "(") {
            let keys = try cursor.nestedSearchKey { try $0.parenthesized { try parseKey(&$0) } }
            return .and(keys)
        }
        if let first = cursor.peek, ByteClass.isDigit(first) || first == UInt8(ascii: "*") || first == UInt8(ascii: "$") {
            return .sequenceSet(try cursor.sequenceSet())
        }
        let name = try cursor.keyword()
        switch name {
        case "ALL": return .all
        case "ANSWERED": return .answered
        case "DELETED": return .deleted
        case "FLAGGED": return .flagged
        case "SEEN": return .seen
        case "DRAFT": return .draft
        case "UNANSWERED": return .unanswered
        case "UNDELETED": return .undeleted
        case "UNFLAGGED": return .unflagged
        case "UNSEEN": return .unseen
        case "UNDRAFT": return .undraft
        case "NEW": return .new
        case "OLD": return .old
        case "RECENT": return .recent
        case "KEYWORD", "UNKEYWORD":
            try cursor.space()
            let flag = try cursor.atom()
            return name == "KEYWORD" ? .keyword(flag) : .unkeyword(flag)
        case "BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO":
            try cursor.space()
            let value = try cursor.astring()
            switch name {
            case "BCC": return .bcc(value)
            case "BODY": return .body(value)
            case "CC": return .cc(value)
            case "FROM": return .from(value)
            case "SUBJECT": return .subject(value)
            case "TEXT": return .text(value)
            default: return .to(value)
            }
        case "HEADER":
            try cursor.space()
            let field = String(decoding: try cursor.astring(), as: UTF8.self)
            try cursor.space()
            return .header(field: field, value: try cursor.astring())
        case "SAVEDATESUPPORTED": return .saveDateSupported
        case "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE":
            try cursor.space()
            let date = try cursor.date()
            switch name {
            case "SAVEDBEFORE": return .savedBefore(date)
            case "SAVEDON": return .savedOn(date)
            default: return .savedSince(date)
            }
        case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE":
            try cursor.space()
            let date = try cursor.date()
            switch name {
            case "BEFORE": return .before(date)
            case "ON": return .on(date)
            case "SINCE": return .since(date)
            case "SENTBEFORE": return .sentBefore(date)
            case "SENTON": return .sentOn(date)
            default: return .sentSince(date)
            }
        case "LARGER", "SMALLER":
            try cursor.space()
            let size = try cursor.number64()
            return name == "LARGER" ? .larger(size) : .smaller(size)
        case "OLDER", "YOUNGER":
            // RFC 5032 §4: interval = nz-number (seconds).
            try cursor.space()
            let seconds = try cursor.nzNumber()
            return name == "OLDER" ? .older(seconds) : .younger(seconds)
        case "UID":
            try cursor.space()
            return .uid(try cursor.sequenceSet())
        case "EMAILID", "THREADID":
            // RFC 8474 §6: search-key =/ "EMAILID" SP objectid / "THREADID" SP objectid.
            try cursor.space()
            let id = try cursor.atom()
            return name == "EMAILID" ? .emailID(id) : .threadID(id)
        case "NOT":
            try cursor.space()
            return .not(try cursor.nestedSearchKey { try parseKey(&$0) })
        case "OR":
            try cursor.space()
            return try cursor.nestedSearchKey { cursor in
                let left = try parseKey(&cursor)
                try cursor.space()
                return .or(left, try parseKey(&cursor))
            }
        case "MODSEQ":
            // search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer.
            try cursor.space()
            var entry: (name: [UInt8], type: String)?
            if cursor.peek == UInt8(ascii: "\"") {
                let entryName = try cursor.quoted()
                try cursor.space()
                let type = try cursor.keyword()
                guard ["PRIV", "SHARED", "ALL"].contains(type) else { throw cursor.fail("invalid MODSEQ entry type") }
                try cursor.space()
                entry = (entryName, type)
            }
            return .modSeq(entry: entry, value: try cursor.number64())
        default:
            throw cursor.fail("unknown search key \(name)")
        }
    }
}
