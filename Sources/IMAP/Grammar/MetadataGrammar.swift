/// GETMETADATA and SETMETADATA (RFC 5464 §5, with erratum 2785 placing
/// the options before the mailbox), and the `entry-values` list shared by
/// SETMETADATA and the METADATA response.
enum MetadataParser {
    /// getmetadata = "GETMETADATA" [SP getmetadata-options] SP mailbox SP entries;
    /// getmetadata-options = "(" getmetadata-option *(SP getmetadata-option) ")";
    /// entries = entry / "(" entry *(SP entry) ")".
    static func parseGetMetadata(_ cursor: inout GrammarCursor) throws -> IMAPCommand {
        try cursor.space()
        var options = MetadataOptions()
        if cursor.peek == UInt8(ascii: "(") {
            options = try parseOptions(&cursor)
            try cursor.space()
        }
        let mailbox = try cursor.mailbox()
        try cursor.space()
        let entries: [String]
        if cursor.peek == UInt8(ascii: "(") {
            entries = try cursor.parenthesized { cursor in try entry(&cursor, writable: false) }
        } else {
            entries = [try entry(&cursor, writable: false)]
        }
        return .getMetadata(mailbox, entries: entries, options: options)
    }

    /// setmetadata = "SETMETADATA" SP mailbox SP entry-values;
    /// entry-values = "(" entry-value *(SP entry-value) ")";
    /// entry-value = entry SP value; value = nstring / literal8.
    static func parseSetMetadata(_ cursor: inout GrammarCursor) throws -> IMAPCommand {
        try cursor.space()
        let mailbox = try cursor.mailbox()
        try cursor.space()
        let values = try cursor.parenthesized { cursor -> MetadataEntryValue in
            let name = try entry(&cursor, writable: true)
            try cursor.space()
            let value = cursor.peek == UInt8(ascii: "~") ? try cursor.literal(allowBinary: true).data : try cursor.nstring()
            return MetadataEntryValue(entry: name, value: value)
        }
        return .setMetadata(mailbox, values)
    }

    /// scope-option = "DEPTH" SP ("0" / "1" / "infinity");
    /// maxsize-option = "MAXSIZE" SP number (RFC 5464 §4.2.1, §4.2.2); each once.
    static func parseOptions(_ cursor: inout GrammarCursor) throws -> MetadataOptions {
        var options = MetadataOptions()
        var seen: Set<String> = []
        _ = try cursor.parenthesized { cursor -> Void in
            let name = try cursor.keyword()
            guard seen.insert(name).inserted else { throw cursor.fail("GETMETADATA option \(name) given twice") }
            try cursor.space()
            switch name {
            case "MAXSIZE":
                options.maxSize = try cursor.number64()
            case "DEPTH":
                switch try cursor.keyword() {
                case "0": options.depth = .zero
                case "1": options.depth = .one
                case "INFINITY": options.depth = .infinity
                default: throw cursor.fail("DEPTH is 0, 1 or infinity")
                }
            default:
                throw cursor.fail("unknown GETMETADATA option \(name)")
            }
        }
        return options
    }

    /// entry = astring (RFC 5464 §5), checked by `MetadataEntryName`.
    static func entry(_ cursor: inout GrammarCursor, writable: Bool) throws -> String {
        switch MetadataEntryName.validate(try cursor.astring("a metadata entry"), writable: writable) {
        case .success(let name): return name
        case .failure(let error): throw error
        }
    }
}

extension IMAPWriter {
    /// entry-values = "(" entry-value *(SP entry-value) ")" (RFC 5464 §5);
    /// a value with NUL goes as a literal8, a missing one as NIL.
    mutating func writeMetadataValues(_ values: [MetadataEntryValue]) {
        writeList(values) { writer, item in
            writer.writeAString(Array(item.entry.utf8))
            writer.space()
            writer.writeNString(item.value)
        }
    }
}
