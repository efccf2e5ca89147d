/// Finds the line of each key in a TOML text, since TOMLKit reports values
/// without positions. Keys are dotted paths from the root: `host_name`,
/// `limits.max_connections`; the n-th `[[listener]]` is `listener[n]`, so
/// its port is `listener[0].port`. Tables map to the line of their header.
///
/// This is a line scanner for the subset a configuration file uses (tables,
/// arrays of tables, `key = value`, dotted keys, multi-line arrays and
/// strings); TOMLKit has already checked the syntax when it runs.
struct TOMLKeyLines {
    private var lines: [String: Int] = [:]

    init(text: String) {
        var table: [String] = []
        var arrayCounts: [String: Int] = [:]
        var bracketDepth = 0
        var inMultilineString: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var line = Substring(rawLine)
            if let delimiter = inMultilineString {
                if let range = line.range(of: delimiter) {
                    line = line[range.upperBound...]
                    inMultilineString = nil
                } else {
                    continue
                }
            }
            if bracketDepth > 0 {
                bracketDepth += Self.bracketBalance(line, multiline: &inMultilineString)
                continue
            }
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.hasPrefix("[[") {
                let name = Self.keyPath(trimmed.dropFirst(2).prefix(while: { $0 != "]" }))
                let joined = name.joined(separator: ".")
                let position = arrayCounts[joined, default: 0]
                arrayCounts[joined] = position + 1
                table = name.dropLast() + ["\(name.last ?? "")[\(position)]"]
                record(table, number)
                if lines[joined] == nil { lines[joined] = number }
            } else if trimmed.hasPrefix("[") {
                table = Self.keyPath(trimmed.dropFirst().prefix(while: { $0 != "]" }))
                record(table, number)
            } else if let equals = Self.equalsOutsideQuotes(trimmed) {
                let key = Self.keyPath(trimmed[..<equals])
                guard !key.isEmpty else { continue }
                for length in 1...key.count { record(table + key.prefix(length), number) }
                bracketDepth = Self.bracketBalance(trimmed[trimmed.index(after: equals)...], multiline: &inMultilineString)
            }
        }
    }

    /// The line of a dotted key path, or of its closest enclosing table/key.
    func line(of path: String) -> Int? {
        var parts = path.split(separator: ".").map(String.init)
        while !parts.isEmpty {
            if let line = lines[parts.joined(separator: ".")] { return line }
            parts.removeLast()
        }
        return nil
    }

    private mutating func record(_ path: [String], _ number: Int) {
        let key = path.joined(separator: ".")
        if lines[key] == nil { lines[key] = number }
    }

    /// Splits `a."b.c" . d` into `["a", "b.c", "d"]`.
    static func keyPath(_ text: Substring) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "." {
                parts.append(current.trimmingSpaces)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current.trimmingSpaces)
        return parts.filter { !$0.isEmpty }
    }

    private static func equalsOutsideQuotes(_ text: Substring) -> Substring.Index? {
        var quote: Character?
        for index in text.indices {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" {
                return nil
            } else if character == "=" {
                return index
            }
        }
        return nil
    }

    /// Open minus closed brackets of a value (outside strings and comments);
    /// notes an unterminated `"""`/`'''` string.
    private static func bracketBalance(_ text: Substring, multiline: inout String?) -> Int {
        var balance = 0
        var rest = text
        while !rest.isEmpty {
            for delimiter in ["\"\"\"", "'''"] where rest.hasPrefix(delimiter) {
                let after = rest.dropFirst(3)
                if let end = after.range(of: delimiter) {
                    rest = after[end.upperBound...]
                } else {
                    multiline = delimiter
                    return balance
                }
            }
            guard let current = rest.first else { break }
            if current == "\"" || current == "'" {
                let after = rest.dropFirst()
                var index = after.startIndex
                while index < after.endIndex, after[index] != current {
                    if current == "\"", after[index] == "\\" { index = after.index(after: index) }
                    if index < after.endIndex { index = after.index(after: index) }
                }
                rest = index < after.endIndex ? after[after.index(after: index)...] : ""
                continue
            }
            if current == "#" { break }
            if current == "[" || current == "{" { balance += 1 }
            if current == "]" || current == "}" { balance -= 1 }
            rest = rest.dropFirst()
        }
        return balance
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
