/// FETCH (RFC 9051 §6.4.5, §9 `fetch`, `fetch-att`, `section`; BINARY
/// RFC 3516; CHANGEDSINCE RFC 7162 §3.1.4).
enum FetchParser {
    /// fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
    ///         "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers].
    static func parseFetch(_ cursor: inout GrammarCursor, uid: Bool) throws -> IMAPCommand {
        try cursor.space()
        let set = try cursor.sequenceSet()
        try cursor.space()
        var attributes: [FetchAttribute]
        if cursor.peek == UInt8(ascii: "(") {
            attributes = try cursor.parenthesized { try parseAttribute(&$0) }
        } else {
            var lookahead = cursor
            switch try lookahead.fetchKeyword() {
            case "ALL": attributes = FetchAttribute.all; cursor = lookahead
            case "FAST": attributes = FetchAttribute.fast; cursor = lookahead
            case "FULL": attributes = FetchAttribute.full; cursor = lookahead
            default: attributes = [try parseAttribute(&cursor)]
            }
        }
        var modifiers: [FetchModifier] = []
        if cursor.take(UInt8(ascii: " ")) {
            for parameter in try cursor.parameterList() {
                switch (parameter.name, parameter.value) {
                case ("CHANGEDSINCE", .token(let text)?):
                    guard let value = UInt64(text) else { throw cursor.fail("invalid CHANGEDSINCE") }
                    modifiers.append(.changedSince(value))
                case ("VANISHED", nil):
                    modifiers.append(.vanished)
                default:
                    modifiers.append(.other(parameter.name, parameter.value))
                }
            }
        }
        return .fetch(set, attributes, modifiers: modifiers, uid: uid)
    }

    static func parseAttribute(_ cursor: inout GrammarCursor) throws -> FetchAttribute {
        let name = try cursor.fetchKeyword()
        switch name {
        case "ENVELOPE": return .envelope
        case "FLAGS": return .flags
        case "INTERNALDATE": return .internalDate
        case "RFC822.SIZE": return .rfc822Size
        case "RFC822": return .rfc822
        case "RFC822.HEADER": return .rfc822Header
        case "RFC822.TEXT": return .rfc822Text
        case "BODYSTRUCTURE": return .bodyStructure
        case "UID": return .uid
        case "MODSEQ": return .modSeq
        case "EMAILID": return .emailID
        case "THREADID": return .threadID
        case "SAVEDATE": return .saveDate
        case "PREVIEW":
            // RFC 8970 §6: "PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"], preview-mod = "LAZY".
            if cursor.index + 1 < cursor.bytes.count, cursor.bytes[cursor.index] == UInt8(ascii: " "),
               cursor.bytes[cursor.index + 1] == UInt8(ascii: "(") {
                try cursor.space()
                let modifiers = try cursor.parenthesized { try $0.keyword() }
                guard modifiers.allSatisfy({ $0 == "LAZY" }) else { throw cursor.fail("unknown PREVIEW modifier") }
            }
            return .preview
        case "BODY", "BODY.PEEK":
            guard cursor.peek == UInt8(ascii: "[") else {
                if name == "BODY" { return .body }
                throw cursor.fail("BODY.PEEK needs a section")
            }
            let section = try parseSection(&cursor)
            return .bodySection(section, partial: try parsePartial(&cursor), peek: name == "BODY.PEEK")
        case "BINARY", "BINARY.PEEK", "BINARY.SIZE":
            try cursor.expect(UInt8(ascii: "["))
            var part: [Int] = []
            if cursor.peek != UInt8(ascii: "]") { part = try parsePartNumbers(&cursor) }
            try cursor.expect(UInt8(ascii: "]"))
            if name == "BINARY.SIZE" { return .binarySize(part: part) }
            return .binary(part: part, partial: try parsePartial(&cursor), peek: name == "BINARY.PEEK")
        default:
            throw cursor.fail("unknown fetch attribute \(name)")
        }
    }

    /// section = "[" [section-spec] "]".
    static func parseSection(_ cursor: inout GrammarCursor) throws -> SectionSpecifier {
        try cursor.expect(UInt8(ascii: "["))
        var section = SectionSpecifier()
        if cursor.take(UInt8(ascii: "]")) { return section }
        if let first = cursor.peek, ByteClass.isDigit(first) {
            section.part = try parsePartNumbers(&cursor)
            if cursor.take(UInt8(ascii: "]")) { return section }
            try cursor.expect(UInt8(ascii: "."))
        }
        let name = try cursor.fetchKeyword()
        switch name {
        case "HEADER": section.text = .header
        case "TEXT": section.text = .text
        case "MIME":
            guard !section.part.isEmpty else { throw cursor.fail("MIME needs a part number") }
            section.text = .mime
        case "HEADER.FIELDS", "HEADER.FIELDS.NOT":
            try cursor.space()
            let fields = try cursor.parenthesized { String(decoding: try $0.astring(), as: UTF8.self) }
            section.text = name == "HEADER.FIELDS" ? .headerFields(fields) : .headerFieldsNot(fields)
        default:
            throw cursor.fail("invalid section \(name)")
        }
        try cursor.expect(UInt8(ascii: "]"))
        return section
    }

    /// section-part = nz-number *("." nz-number); stops before ".TEXT" etc.
    static func parsePartNumbers(_ cursor: inout GrammarCursor) throws -> [Int] {
        var part = [Int(try cursor.nzNumber())]
        while cursor.peek == UInt8(ascii: "."), cursor.index + 1 < cursor.bytes.count,
              ByteClass.isDigit(cursor.bytes[cursor.index + 1]) {
            cursor.index += 1
            part.append(Int(try cursor.nzNumber()))
            guard part.count <= 64 else { throw cursor.fail("part number too deep") }
        }
        return part
    }

    /// partial = "<" number "." nz-number ">".
    static func parsePartial(_ cursor: inout GrammarCursor) throws -> PartialRange? {
        guard cursor.take(UInt8(ascii: "<")) else { return nil }
        let offset = try cursor.number()
        try cursor.expect(UInt8(ascii: "."))
        let length = try cursor.nzNumber()
        try cursor.expect(UInt8(ascii: ">"))
        return PartialRange(offset: offset, length: length)
    }
}
