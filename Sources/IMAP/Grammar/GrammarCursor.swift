import MailCore

/// A cursor over one complete command (its lines and literals, as the
/// framer assembled them) with the RFC 9051 §9 primitives. Every method
/// either consumes what it parsed or throws a `GrammarError`.
struct GrammarCursor {
    let bytes: [UInt8]
    var index: Int = 0
    /// Open parentheses right now, bounded by `maxDepth`.
    var depth: Int = 0
    let maxDepth: Int
    /// Search keys open right now (inside NOT, OR and parentheses), bounded
    /// by `maxSearchDepth`: every later pass over a search program (the
    /// evaluator, the encoder, equality) recurses as deep as the parser let it.
    var searchDepth: Int = 0
    /// Deepest search program accepted. A client builds `OR OR OR a b c d`
    /// chains a few levels deep; 100 levels is far more than any client sends
    /// and far less than what exhausts a thread's stack.
    static let maxSearchDepth = 100

    init(_ bytes: [UInt8], maxDepth: Int = 32) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    func fail(_ message: String) -> GrammarError { GrammarError(message) }

    mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    mutating func expect(_ byte: UInt8, _ what: String? = nil) throws {
        guard take(byte) else {
            throw fail("expected \(what ?? "'\(String(UnicodeScalar(byte)))'"), found \(describeNext())")
        }
    }

    mutating func space() throws { try expect(UInt8(ascii: " "), "space") }

    mutating func expectEnd() throws {
        guard atEnd else { throw fail("unexpected \(describeNext()) at end of command") }
    }

    /// What comes next, for an error message the client can act on: the end,
    /// an 8-bit character, or up to 16 printable characters (never CR, LF
    /// or other controls, which the response line cannot carry).
    func describeNext() -> String {
        guard let next = peek else { return "end of command" }
        if next >= 0x80 { return "an 8-bit character (use a quoted string or a literal)" }
        if ByteClass.isControl(next) { return "a control character" }
        let printable = bytes[index...].prefix(16).prefix { $0 >= 0x20 && $0 < 0x7F }
        return "\"" + String(decoding: printable, as: UTF8.self) + "\""
    }

    /// RFC 9051 §9: atoms are 7-bit; 8-bit text (a UTF-8 mailbox name,
    /// RFC 6855 §3) must be a quoted string or a literal. Throws when the
    /// atom just read stopped at an 8-bit byte.
    func refuseUnquoted8Bit(_ what: String) throws {
        guard let next = peek, next >= 0x80 else { return }
        throw fail("\(what) with 8-bit characters must be a quoted string or a literal")
    }

    /// Consumes bytes while `predicate` holds.
    mutating func run(_ predicate: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        let start = index
        while index < bytes.count, predicate(bytes[index]) { index += 1 }
        return bytes[start..<index]
    }

    /// Runs `body` one search-key level deeper, refusing with a `GrammarError`
    /// (the command's BAD) past `maxSearchDepth`.
    mutating func nestedSearchKey<T>(_ body: (inout GrammarCursor) throws -> T) throws -> T {
        searchDepth += 1
        defer { searchDepth -= 1 }
        guard searchDepth <= Self.maxSearchDepth else {
            throw fail("search keys nested too deeply (at most \(Self.maxSearchDepth) levels of NOT, OR and parentheses)")
        }
        return try body(&self)
    }

    /// `(` with the nesting bound.
    mutating func openParen() throws {
        try expect(UInt8(ascii: "("))
        depth += 1
        guard depth <= maxDepth else { throw fail("parentheses nested too deeply") }
    }

    mutating func closeParen() throws {
        try expect(UInt8(ascii: ")"), "')'")
        depth -= 1
    }

    /// Parses `( item *(SP item) )`; `allowEmpty` accepts `()`.
    mutating func parenthesized<T>(allowEmpty: Bool = false, _ item: (inout GrammarCursor) throws -> T) throws -> [T] {
        try openParen()
        var items: [T] = []
        if allowEmpty, peek == UInt8(ascii: ")") {
            try closeParen()
            return items
        }
        repeat {
            items.append(try item(&self))
        } while take(UInt8(ascii: " "))
        try closeParen()
        return items
    }

    // MARK: atoms and numbers

    mutating func atom() throws -> String {
        let slice = run(ByteClass.isAtomChar)
        try refuseUnquoted8Bit("an atom")
        guard !slice.isEmpty else { throw fail("expected atom, found \(describeNext())") }
        return String(decoding: slice, as: UTF8.self)
    }

    /// An atom upper-cased, for keywords.
    mutating func keyword() throws -> String { try atom().uppercased() }

    /// A keyword made of letters, digits, '.' and '-' only (stops at '[' or '<').
    mutating func fetchKeyword() throws -> String {
        let slice = run { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || ByteClass.isDigit(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
        guard !slice.isEmpty else { throw fail("expected fetch attribute") }
        return String(decoding: slice, as: UTF8.self).uppercased()
    }

    /// Peeks the next atom without consuming it, upper-cased.
    func peekKeyword() -> String {
        var copy = self
        return (try? copy.keyword()) ?? ""
    }

    mutating func number64(max: UInt64 = UInt64(Int64.max)) throws -> UInt64 {
        let digits = run(ByteClass.isDigit)
        guard !digits.isEmpty else { throw fail("expected number") }
        guard digits.count <= 19 else { throw fail("number too large") }
        var value: UInt64 = 0
        for digit in digits { value = value * 10 + UInt64(digit - 0x30) }
        guard value <= max else { throw fail("number too large") }
        return value
    }

    mutating func number() throws -> UInt32 { UInt32(try number64(max: UInt64(UInt32.max))) }

    mutating func nzNumber() throws -> UInt32 {
        let value = try number()
        guard value != 0 else { throw fail("zero is not allowed here") }
        return value
    }

    // MARK: strings

    /// quoted = DQUOTE *QUOTED-CHAR DQUOTE; 8-bit UTF-8 accepted (RFC 9051).
    mutating func quoted() throws -> [UInt8] {
        try expect(UInt8(ascii: "\""))
        var result: [UInt8] = []
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return result
            case UInt8(ascii: "\\"):
                guard let escaped = peek, escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") else {
                    throw fail("invalid escape in quoted string")
                }
                index += 1
                result.append(escaped)
            case 0x00, 0x0D, 0x0A:
                throw fail("invalid character in quoted string")
            default:
                result.append(byte)
            }
        }
        throw fail("unterminated quoted string")
    }

    /// literal = "{" number64 ["+"] "}" CRLF *CHAR8; with `allowBinary`
    /// also literal8 `~{n}` (RFC 3516). Returns the data and whether it was literal8.
    mutating func literal(allowBinary: Bool = false) throws -> (data: [UInt8], binary: Bool) {
        let binary = take(UInt8(ascii: "~"))
        if binary && !allowBinary { throw fail("literal8 not allowed here") }
        try expect(UInt8(ascii: "{"))
        let count = try number64()
        _ = take(UInt8(ascii: "+"))
        try expect(UInt8(ascii: "}"))
        try expect(0x0D, "CRLF after literal")
        try expect(0x0A, "CRLF after literal")
        guard count <= UInt64(bytes.count - index) else { throw fail("literal truncated") }
        let data = Array(bytes[index..<(index + Int(count))])
        index += Int(count)
        if !binary, data.contains(0) { throw fail("NUL in literal") }
        return (data, binary)
    }

    mutating func string() throws -> [UInt8] {
        switch peek {
        case UInt8(ascii: "\""): return try quoted()
        case UInt8(ascii: "{"): return try literal().data
        default: throw fail("expected a string, found \(describeNext())")
        }
    }

    /// astring = 1*ASTRING-CHAR / string; `what` names it in errors.
    mutating func astring(_ what: String = "a string") throws -> [UInt8] {
        switch peek {
        case UInt8(ascii: "\""), UInt8(ascii: "{"): return try string()
        default:
            let slice = run(ByteClass.isAStringChar)
            try refuseUnquoted8Bit(what)
            guard !slice.isEmpty else { throw fail("expected \(what), found \(describeNext())") }
            return Array(slice)
        }
    }

    /// nstring = string / NIL.
    mutating func nstring() throws -> [UInt8]? {
        if peek == UInt8(ascii: "\"") || peek == UInt8(ascii: "{") { return try string() }
        guard try keyword() == "NIL" else { throw fail("expected string or NIL") }
        return nil
    }

    mutating func mailbox() throws -> MailboxName { MailboxName(try astring("a mailbox name")) }

    /// list-mailbox = 1*list-char / string.
    mutating func listMailbox() throws -> [UInt8] {
        if peek == UInt8(ascii: "\"") || peek == UInt8(ascii: "{") { return try string() }
        let slice = run(ByteClass.isListChar)
        try refuseUnquoted8Bit("a mailbox pattern")
        guard !slice.isEmpty else { throw fail("expected a mailbox pattern, found \(describeNext())") }
        return Array(slice)
    }

    // MARK: flags

    /// flag = "\" atom / atom (flag-keyword, flag-extension); `\*` when allowed.
    mutating func flag(allowWildcard: Bool = false) throws -> String {
        if take(UInt8(ascii: "\\")) {
            if allowWildcard, take(UInt8(ascii: "*")) { return "\\*" }
            return "\\" + (try atom())
        }
        return try atom()
    }

    /// flag-list = "(" [flag *(SP flag)] ")".
    mutating func flagList() throws -> [String] {
        try parenthesized(allowEmpty: true) { try $0.flag() }
    }

    // MARK: sequence sets

    mutating func sequenceNumber() throws -> SequenceNumber {
        if take(UInt8(ascii: "*")) { return .last }
        return .number(try nzNumber())
    }

    /// sequence-set, or "$" (RFC 5182).
    mutating func sequenceSet() throws -> SequenceSet {
        if take(UInt8(ascii: "$")) { return .savedResult }
        var elements: [SequenceElement] = []
        repeat {
            let first = try sequenceNumber()
            if take(UInt8(ascii: ":")) {
                elements.append(.range(first, try sequenceNumber()))
            } else {
                elements.append(.single(first))
            }
        } while take(UInt8(ascii: ","))
        if peek == UInt8(ascii: ":") { throw fail("invalid sequence set") }
        return .elements(elements)
    }

    // MARK: dates

    /// date = date-text / DQUOTE date-text DQUOTE (RFC 9051 §9).
    mutating func date() throws -> MailDate {
        let quotedDate = take(UInt8(ascii: "\""))
        let text = run { ByteClass.isAtomChar($0) }
        if quotedDate { try expect(UInt8(ascii: "\"")) }
        guard let date = MailDate.parseIMAPDate(String(decoding: text, as: UTF8.self)) else {
            throw fail("invalid date")
        }
        return date
    }

    /// date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE.
    mutating func dateTime() throws -> MailDate {
        guard peek == UInt8(ascii: "\"") else { throw fail("expected date-time") }
        let text = try quoted()
        guard let date = MailDate.parseIMAPDateTime(String(decoding: text, as: UTF8.self)) else {
            throw fail("invalid date-time")
        }
        return date
    }

    // MARK: extension values (RFC 4466 §2.1)

    /// tagged-ext-val: a simple token (atom, number, sequence set), a string, or a parenthesised list.
    mutating func extensionValue() throws -> ExtensionValue {
        switch peek {
        case UInt8(ascii: "("):
            return .list(try parenthesized(allowEmpty: true) { try $0.extensionValue() })
        case UInt8(ascii: "\""), UInt8(ascii: "{"):
            return .string(try string())
        default:
            let slice = run { ByteClass.isAtomChar($0) || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "\\") }
            guard !slice.isEmpty else { throw fail("expected parameter value") }
            return .token(String(decoding: slice, as: UTF8.self))
        }
    }

    /// A parameter list: `(name [value] *(SP name [value]))`.
    mutating func parameterList() throws -> [CommandParameter] {
        try parenthesized { cursor in
            let name = try cursor.keyword()
            if let next = cursor.peek, next == UInt8(ascii: " ") {
                var lookahead = cursor
                lookahead.index += 1
                // A value follows if it is not another parameter name (values
                // start with a digit, '(' , '"', '{', '*', '$' or '\').
                if let start = lookahead.peek, !((start >= 0x41 && start <= 0x5A) || (start >= 0x61 && start <= 0x7A)) {
                    cursor.index += 1
                    return CommandParameter(name: name, value: try cursor.extensionValue())
                }
            }
            return CommandParameter(name: name)
        }
    }
}
