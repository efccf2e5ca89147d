import MailCore

/// SORT and THREAD (RFC 5256 §5 formal syntax; ESORT's RETURN, RFC 5267 §3).
enum SortParser {
    /// The most criteria one SORT takes: each key once in each direction
    /// is 18; more is a client bug or an attack, refused before any work.
    static let maxCriteria = 32

    /// sort = ["UID" SP] "SORT" [search-return-opts] SP sort-criteria SP search-criteria;
    /// sort-criteria = "(" sort-criterion *(SP sort-criterion) ")";
    /// sort-criterion = ["REVERSE" SP] sort-key; search-criteria = charset 1*(SP search-key).
    static func parseSort(_ cursor: inout GrammarCursor) throws -> SortCommand {
        try cursor.space()
        let returnOptions = try SearchParser.parseReturnOptions(&cursor)
        let criteria = try cursor.parenthesized { cursor -> SortCriterion in
            var name = try cursor.keyword()
            var reversed = false
            if name == "REVERSE" {
                reversed = true
                try cursor.space()
                name = try cursor.keyword()
            }
            guard let key = SortKey(name: name) else { throw cursor.fail("unknown sort key \(name)") }
            return SortCriterion(key, reversed: reversed)
        }
        guard criteria.count <= maxCriteria else { throw cursor.fail("too many sort criteria") }
        try cursor.space()
        let charset = try parseCharset(&cursor)
        try cursor.space()
        return SortCommand(returnOptions: returnOptions, criteria: criteria, charset: charset,
                           key: try SearchParser.parseProgram(&cursor))
    }

    /// thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria.
    static func parseThread(_ cursor: inout GrammarCursor) throws -> ThreadCommand {
        try cursor.space()
        let name = try cursor.keyword()
        guard let algorithm = ThreadAlgorithm(rawValue: name) else { throw cursor.fail("unknown THREAD algorithm \(name)") }
        try cursor.space()
        let charset = try parseCharset(&cursor)
        try cursor.space()
        return ThreadCommand(algorithm: algorithm, charset: charset, key: try SearchParser.parseProgram(&cursor))
    }

    /// charset = atom / quoted (RFC 3501 §9).
    private static func parseCharset(_ cursor: inout GrammarCursor) throws -> String {
        String(decoding: try cursor.astring(), as: UTF8.self)
    }
}
