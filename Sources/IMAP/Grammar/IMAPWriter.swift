import MailCore

/// Writes IMAP syntax: picks the right form for every string (RFC 9051 §4.3):
/// an atom where an astring is allowed and the text is plain, a quoted
/// string for short safe 7-bit text, a literal otherwise, literal8 for
/// binary data containing NUL (RFC 3516), and NIL for a missing nstring.
public struct IMAPWriter: Sendable {
    public enum LiteralStyle: Sendable {
        /// `{n}`: server responses and client commands that wait for `+`.
        case synchronizing
        /// `{n+}` (LITERAL+, RFC 7888), for client commands sent in one go.
        case nonSynchronizing
    }

    public var bytes: [UInt8] = []
    /// UTF-8 inside quoted strings (RFC 9051 rev2 / UTF8=ACCEPT clients);
    /// rev1 clients get 8-bit text as literals.
    public var allowUTF8Quoted: Bool
    public var literalStyle: LiteralStyle
    /// Longer strings are sent as literals even when they could be quoted.
    public var maxQuotedLength = 1024

    public init(allowUTF8Quoted: Bool = false, literalStyle: LiteralStyle = .synchronizing) {
        self.allowUTF8Quoted = allowUTF8Quoted
        self.literalStyle = literalStyle
    }

    public mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }
    public mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }
    public mutating func space() { bytes.append(UInt8(ascii: " ")) }
    public mutating func crlf() {
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    /// How a string will be written.
    public enum StringForm: Hashable, Sendable { case atom, quoted, literal, literal8 }

    /// The form chosen for `data` (`asAString`: an atom is allowed).
    public func form(for data: [UInt8], asAString: Bool = false) -> StringForm {
        if data.contains(0) { return .literal8 }
        if asAString, !data.isEmpty, data.allSatisfy(ByteClass.isAStringChar),
           String(decoding: data, as: UTF8.self).uppercased() != "NIL" {
            return .atom
        }
        if data.count <= maxQuotedLength, data.allSatisfy({ $0 != 0 && $0 != 0x0D && $0 != 0x0A }) {
            if data.allSatisfy({ $0 < 0x80 }) { return .quoted }
            if allowUTF8Quoted, String(validating: data, as: UTF8.self) != nil { return .quoted }
        }
        return .literal
    }

    /// string = quoted / literal (literal8 when the data has NUL).
    public mutating func writeString(_ data: [UInt8]) {
        write(data, form: form(for: data))
    }

    public mutating func writeString(_ text: String) { writeString(Array(text.utf8)) }

    /// astring = 1*ASTRING-CHAR / string.
    public mutating func writeAString(_ data: [UInt8]) {
        write(data, form: form(for: data, asAString: true))
    }

    /// nstring = string / NIL.
    public mutating func writeNString(_ data: [UInt8]?) {
        guard let data else { return raw("NIL") }
        writeString(data)
    }

    public mutating func writeNString(_ text: String?) { writeNString(text.map { Array($0.utf8) }) }

    /// The data of a FETCH body section (BODY[…], RFC822, RFC822.HEADER,
    /// RFC822.TEXT; with `binary`, BINARY[…]), or NIL. Always a literal,
    /// even where a quoted string would do, as Dovecot sends them and as
    /// client code expects (Python imaplib's `data[0][1]`). A literal
    /// cannot hold NUL (RFC 9051 §4.3, CHAR8 is %x01-ff): BINARY data with
    /// one goes as a literal8 (RFC 3516 §4.2), other section data with each
    /// NUL sent as 0x80, as Dovecot does.
    public mutating func writeSectionData(_ data: [UInt8]?, binary: Bool) {
        guard let data else { return raw("NIL") }
        guard Self.containsNUL(data) else { return write(data, form: .literal) }
        if binary { return write(data, form: .literal8) }
        write(Self.withoutNUL(data), form: .literal)
    }

    /// True when `data` holds a NUL (memchr: section data can be 64 KiB).
    public static func containsNUL(_ data: [UInt8]) -> Bool {
        data.withUnsafeBufferPointer { ByteSearch.next(0, in: $0, from: 0) < $0.count }
    }

    /// `data` with each NUL replaced by 0x80 (what a literal may carry).
    public static func withoutNUL(_ data: [UInt8]) -> [UInt8] {
        var copy = data
        for index in copy.indices where copy[index] == 0 { copy[index] = 0x80 }
        return copy
    }

    public mutating func writeMailbox(_ name: MailboxName) {
        if name.isInbox { return raw("INBOX") }
        writeAString(name.bytes)
    }

    public mutating func write(_ data: [UInt8], form: StringForm) {
        switch form {
        case .atom:
            raw(data)
        case .quoted:
            bytes.append(UInt8(ascii: "\""))
            for byte in data {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        case .literal, .literal8:
            if form == .literal8 { bytes.append(UInt8(ascii: "~")) }
            raw(literalStyle == .nonSynchronizing ? "{\(data.count)+}" : "{\(data.count)}")
            crlf()
            raw(data)
        }
    }

    /// "(" flag *(SP flag) ")".
    /// `(name name ...)`, written straight into `bytes` (one per message
    /// in a `FETCH 1:* (FLAGS)`: no joined string in between).
    public mutating func writeFlagList(_ flags: [String]) {
        bytes.append(UInt8(ascii: "("))
        for (index, flag) in flags.enumerated() {
            if index > 0 { space() }
            raw(flag)
        }
        bytes.append(UInt8(ascii: ")"))
    }

    /// A parenthesised list written by `item`, `NIL` never (empty gives "()").
    public mutating func writeList<T>(_ items: [T], _ item: (inout IMAPWriter, T) -> Void) {
        raw("(")
        for (index, element) in items.enumerated() {
            if index > 0 { space() }
            item(&self, element)
        }
        raw(")")
    }

    /// date-text `d-Mon-yyyy` (RFC 9051 §9 `date`).
    public mutating func writeDate(_ date: MailDate) {
        let c = date.components
        raw("\(c.day)-\(IMAPWriter.monthNames[c.month - 1])-\(c.year)")
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}
