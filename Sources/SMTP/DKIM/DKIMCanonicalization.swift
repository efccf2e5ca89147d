import MailCore

/// DKIM "relaxed" canonicalisation (RFC 6376 §3.4.2 and §3.4.4), the only
/// one Tern signs with (c=relaxed/relaxed).
public enum DKIMCanonicalization {
    private static let space: UInt8 = 0x20
    private static let tab: UInt8 = 0x09
    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A

    /// One header field in relaxed form (RFC 6376 §3.4.2), without a line
    /// ending: the name lowercased, the value unfolded, every run of WSP made
    /// one space, WSP at the end of the value and around the colon removed.
    public static func relaxedHeader(name: String, rawValue: [UInt8]) -> [UInt8] {
        var output = Array(trimmedName(name).utf8).map(asciiLowercased)
        output.append(0x3A)
        var pendingSpace = false
        var valueStarted = false
        for byte in rawValue {
            switch byte {
            case cr, lf:
                continue  // unfolding: a line break inside a field is followed by WSP.
            case space, tab:
                pendingSpace = true
            default:
                // WSP right after the colon is dropped; trailing WSP never
                // reaches this point.
                if pendingSpace && valueStarted { output.append(space) }
                pendingSpace = false
                valueStarted = true
                output.append(byte)
            }
        }
        return output
    }

    /// A parsed header field in relaxed form, without a line ending.
    public static func relaxedHeader(_ field: HeaderField) -> [UInt8] {
        relaxedHeader(name: field.name, rawValue: field.rawValue)
    }

    /// The body in relaxed form (RFC 6376 §3.4.4): in every line WSP at the
    /// end removed and other runs of WSP made one space, empty lines at the
    /// end removed, every line ended with CRLF. An empty body stays empty
    /// (unlike "simple", which makes it one CRLF, §3.4.3). A bare LF counts as
    /// a line ending, as it becomes CRLF on the wire.
    public static func relaxedBody(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(body.count + 2)
        var pendingEmptyLines = 0
        var line: [UInt8] = []
        var pendingSpace = false
        var lineHasBytes = false

        func endLine() {
            if line.isEmpty {
                pendingEmptyLines += 1
            } else {
                for _ in 0..<pendingEmptyLines { output.append(cr); output.append(lf) }
                pendingEmptyLines = 0
                output.append(contentsOf: line)
                output.append(cr)
                output.append(lf)
            }
            line.removeAll(keepingCapacity: true)
            pendingSpace = false
            lineHasBytes = false
        }

        var index = body.startIndex
        while index < body.endIndex {
            let byte = body[index]
            if byte == lf {
                endLine()
            } else if byte == cr && index + 1 < body.endIndex && body[index + 1] == lf {
                // The CR of a CRLF; the LF ends the line.
            } else if byte == space || byte == tab {
                pendingSpace = true
                lineHasBytes = true
            } else {
                if pendingSpace { line.append(space) }
                pendingSpace = false
                line.append(byte)
                lineHasBytes = true
            }
            index += 1
        }
        // A last line without a line ending (§3.4.4: a CRLF is added).
        if lineHasBytes { endLine() }
        return output
    }

    /// A field name without the WSP allowed before its colon.
    private static func trimmedName(_ name: String) -> String {
        var bytes = Array(name.utf8)
        while let last = bytes.last, last == space || last == tab { bytes.removeLast() }
        while let first = bytes.first, first == space || first == tab { bytes.removeFirst() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An ASCII upper-case letter made lower case, other bytes unchanged.
    static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
    }
}
