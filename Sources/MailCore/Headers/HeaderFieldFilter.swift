/// A choice of a header's fields by name, as IMAP's
/// `BODY[HEADER.FIELDS (…)]` and `BODY[HEADER.FIELDS.NOT (…)]` make it
/// (RFC 9051 §6.4.5): the chosen fields exactly as written, in their
/// order, followed by the empty line that ends a header. Names compare
/// without ASCII case (RFC 5322 §1.2.2), byte by byte, with no String
/// made per field.
public struct HeaderFieldFilter: Sendable, Hashable {
    /// The field names, as the client wrote them.
    public let names: [String]
    /// true: keep the named fields (HEADER.FIELDS); false: keep all the
    /// others (HEADER.FIELDS.NOT).
    public let keepsNamed: Bool
    private let nameBytes: [[UInt8]]

    public init(names: [String], keepsNamed: Bool) {
        self.names = names
        self.keepsNamed = keepsNamed
        self.nameBytes = names.map { Array($0.utf8) }
    }

    /// HEADER.FIELDS (names).
    public static func only(_ names: [String]) -> HeaderFieldFilter {
        HeaderFieldFilter(names: names, keepsNamed: true)
    }

    /// HEADER.FIELDS.NOT (names).
    public static func except(_ names: [String]) -> HeaderFieldFilter {
        HeaderFieldFilter(names: names, keepsNamed: false)
    }

    /// True when the field whose name is `bytes[name]` is kept.
    public func keeps(_ bytes: [UInt8], name: Range<Int>) -> Bool {
        let named = nameBytes.contains { ByteText.equalIgnoringASCIICase(bytes[name], $0) }
        return named == keepsNamed
    }

    /// True when `name` is one of the filter's names (without case).
    public func isNamed(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return nameBytes.contains { ByteText.equalIgnoringASCIICase(bytes, $0) }
    }

    /// The kept fields of `header` (a header section, from its first field
    /// to its empty line or its end), each as written and ending in a line
    /// break (CRLF added to a last field that has none), then CRLF.
    public func apply(to header: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        MessageHeader.forEachField(header, in: 0..<header.count) { field in
            guard keeps(header, name: field.name) else { return }
            output.append(contentsOf: header[field.whole])
            if output.last != ByteText.lf { output.append(contentsOf: [ByteText.cr, ByteText.lf]) }
        }
        output.append(contentsOf: [ByteText.cr, ByteText.lf])
        return output
    }
}
