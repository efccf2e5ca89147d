/// One MIME parameter (RFC 2045 §5.1), name lower-cased, value decoded
/// (RFC 2231 continuations and charsets applied).
public struct MIMEParameter: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Stored as a two-element array `["charset", "utf-8"]` to keep the JSON small.
extension MIMEParameter: Codable {
    public init(from decoder: Decoder) throws {
        var container = try decoder.unkeyedContainer()
        name = try container.decode(String.self)
        value = try container.decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(name)
        try container.encode(value)
    }
}

extension Array where Element == MIMEParameter {
    /// The value of the parameter named `name` (case-insensitive).
    public func value(_ name: String) -> String? {
        let lower = ByteText.asciiLowercased(name)
        return first { $0.name == lower }?.value
    }
}

/// Parsing of structured MIME header values: `type/subtype; a=b` and
/// `disposition; a=b` (RFC 2045 §5.1, RFC 2183 §2), parameters decoded per
/// RFC 2231.
public enum MIMEHeaderValue {
    /// Parses a Content-Type value; nil when there is no valid type/subtype.
    /// Type and subtype are lower-cased.
    public static func parseContentType(_ value: [UInt8]) -> (type: String, subtype: String, parameters: [MIMEParameter])? {
        var scanner = StructuredScanner(value)
        guard let type = scanner.token(), scanner.consume(0x2F), let subtype = scanner.token() else { return nil }
        return (ByteText.asciiLowercased(type), ByteText.asciiLowercased(subtype), parameters(&scanner))
    }

    /// Parses a Content-Disposition value; nil without a disposition type.
    public static func parseDisposition(_ value: [UInt8]) -> (type: String, parameters: [MIMEParameter])? {
        var scanner = StructuredScanner(value)
        guard let type = scanner.token() else { return nil }
        return (ByteText.asciiLowercased(type), parameters(&scanner))
    }

    /// Parses `; name=value` pairs from the scanner's position to the end.
    /// Malformed pairs are skipped.
    static func parameters(_ scanner: inout StructuredScanner) -> [MIMEParameter] {
        var raw: [(name: String, value: String)] = []
        while !scanner.atEnd {
            guard scanner.consume(0x3B) else { scanner.skipPastSemicolon(); continue }
            guard let name = scanner.token() else { continue }
            guard scanner.consume(0x3D), let value = scanner.parameterValue() else {
                continue
            }
            if raw.count < 1000 {
                raw.append((ByteText.asciiLowercased(name), value))
            }
        }
        return RFC2231.combine(raw)
    }
}

/// RFC 2231 parameter value continuations (§3) and charset/language (§4).
public enum RFC2231 {
    /// Combines `name*0`, `name*1*`, ... sections and decodes `name*`
    /// extended values. Plain parameters pass through. A name given both
    /// plainly and extended keeps the extended value.
    public static func combine(_ raw: [(name: String, value: String)]) -> [MIMEParameter] {
        struct Section { var number: Int; var extended: Bool; var value: String }
        var order: [String] = []
        var plain: [String: String] = [:]
        var sections: [String: [Section]] = [:]

        for (name, value) in raw {
            var base = name
            var extended = false
            var number: Int? = nil
            if base.hasSuffix("*") {
                extended = true
                base.removeLast()
            }
            if let star = base.lastIndex(of: "*") {
                let digits = base[base.index(after: star)...]
                if !digits.isEmpty, digits.count <= 4, let parsed = Int(digits) {
                    number = parsed
                    base = String(base[..<star])
                }
            }
            if !order.contains(base) { order.append(base) }
            if number == nil && !extended {
                if plain[base] == nil { plain[base] = value }
            } else {
                sections[base, default: []].append(Section(number: number ?? 0, extended: extended, value: value))
            }
        }

        return order.map { name in
            guard var parts = sections[name] else { return MIMEParameter(name: name, value: plain[name] ?? "") }
            parts.sort { $0.number < $1.number }
            // Use sections 0, 1, 2 ... up to the first gap (§3).
            var bytes: [UInt8] = []
            var charset = "us-ascii"
            var expected = 0
            for part in parts where part.number == expected {
                expected += 1
                var text = Array(part.value.utf8)
                if part.extended && part.number == 0 {
                    // charset'language'value (§4); both may be empty.
                    if let first = text.firstIndex(of: 0x27),
                       let second = text[(first + 1)...].firstIndex(of: 0x27) {
                        let named = ByteText.string(text[..<first])
                        if !named.isEmpty { charset = named }
                        text = Array(text[(second + 1)...])
                    }
                }
                bytes.append(contentsOf: part.extended ? percentDecode(text) : text)
            }
            let value = Charsets.decode(bytes, charset: charset) ?? ByteText.string(bytes)
            return MIMEParameter(name: name, value: value)
        }
    }

    /// Decodes %XX escapes; a malformed escape is kept literally.
    static func percentDecode(_ text: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < text.count {
            if text[index] == 0x25, index + 2 < text.count,
               let high = ByteText.hexValue(text[index + 1]), let low = ByteText.hexValue(text[index + 2]) {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(text[index])
                index += 1
            }
        }
        return output
    }
}
