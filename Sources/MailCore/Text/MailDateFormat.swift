/// Formatting and parsing of the date forms used by mail protocols.
extension MailDate {
    /// RFC 9051 `date-time`, with its double quotes:
    /// `"dd-Mon-yyyy hh:mm:ss +zzzz"` where a one-digit day is space-padded
    /// (date-day-fixed).
    public var imapDateTime: String {
        let c = components
        let day = c.day < 10 ? " \(c.day)" : "\(c.day)"
        return "\"\(day)-\(Self.monthNames[c.month - 1])-\(Self.pad(c.year, 4)) \(time(c)) \(zone)\""
    }

    /// RFC 5322 §3.3 date-time: `Mon, 2 Jan 2006 15:04:05 +0000`.
    public var rfc5322: String {
        let c = components
        return "\(Self.dayNames[c.weekday]), \(c.day) \(Self.monthNames[c.month - 1]) \(Self.pad(c.year, 4)) \(time(c)) \(zone)"
    }

    private func time(_ c: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int)) -> String {
        "\(Self.pad(c.hour, 2)):\(Self.pad(c.minute, 2)):\(Self.pad(c.second, 2))"
    }

    private var zone: String {
        let sign = zoneOffsetMinutes < 0 ? "-" : "+"
        let magnitude = abs(zoneOffsetMinutes)
        return sign + Self.pad(magnitude / 60, 2) + Self.pad(magnitude % 60, 2)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Parses an RFC 5322 §3.3 date-time, tolerating the obsolete forms of
    /// §4.3 (two- and three-digit years, alphabetic zones, comments, missing
    /// seconds, missing or mistyped day of week) and a missing zone (taken
    /// as UTC). Returns nil when no valid date can be read.
    public static func parseRFC5322(_ text: String) -> MailDate? {
        var words = DateWords(text)
        // Optional day of week, with or without a comma.
        if let first = words.peek(), first.first?.isLetter == true, monthNumber(first) == nil {
            words.next()
        }
        var dayText: Substring
        var monthText: Substring
        guard let a = words.next(), let b = words.next() else { return nil }
        if let _ = monthNumber(a) {
            // "Jan 2 2006" (asctime-like order) tolerated.
            dayText = b
            monthText = a
        } else {
            dayText = a
            monthText = b
        }
        guard let day = Int(dayText), let month = monthNumber(monthText),
              let yearText = words.next(), var year = Int(yearText) else { return nil }
        // §4.3: two-digit years 00-49 are 20xx, 50-99 are 19xx; three-digit add 1900.
        if yearText.count == 2 { year += year < 50 ? 2000 : 1900 } else if yearText.count == 3 { year += 1900 }
        guard let timeText = words.next() else { return nil }
        let timeParts = timeText.split(separator: ":", omittingEmptySubsequences: false)
        guard timeParts.count == 2 || timeParts.count == 3,
              let hour = Int(timeParts[0]), let minute = Int(timeParts[1]) else { return nil }
        let second = timeParts.count == 3 ? Int(timeParts[2]) : 0
        guard let second else { return nil }
        var offset = 0
        if let zoneText = words.next() {
            guard let parsed = zoneOffset(zoneText) else { return nil }
            offset = parsed
        }
        return MailDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                        zoneOffsetMinutes: offset)
    }

    /// Parses an RFC 9051 date-time (quotes optional, day one or two digits).
    public static func parseIMAPDateTime(_ text: String) -> MailDate? {
        var body = Substring(text)
        if body.hasPrefix("\"") && body.hasSuffix("\"") && body.count >= 2 { body = body.dropFirst().dropLast() }
        let pieces = body.split(separator: " ")
        guard pieces.count == 3 else { return nil }
        let date = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
        let time = pieces[1].split(separator: ":", omittingEmptySubsequences: false)
        guard date.count == 3, time.count == 3, (1...2).contains(date[0].count), date[2].count == 4,
              time.allSatisfy({ $0.count == 2 }), pieces[2].count == 5,
              let day = Int(date[0]), let month = monthNumber(date[1]), let year = Int(date[2]),
              let hour = Int(time[0]), let minute = Int(time[1]), let second = Int(time[2]),
              let offset = zoneOffset(pieces[2]) else { return nil }
        return MailDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                        zoneOffsetMinutes: offset)
    }

    /// Parses an RFC 9051 `date` (SEARCH SINCE etc.): `d-Mon-yyyy`, quotes optional; midnight UTC.
    public static func parseIMAPDate(_ text: String) -> MailDate? {
        var body = Substring(text)
        if body.hasPrefix("\"") && body.hasSuffix("\"") && body.count >= 2 { body = body.dropFirst().dropLast() }
        let date = body.split(separator: "-", omittingEmptySubsequences: false)
        guard date.count == 3, (1...2).contains(date[0].count), date[2].count == 4,
              let day = Int(date[0]), let month = monthNumber(date[1]), let year = Int(date[2]) else { return nil }
        return MailDate(year: year, month: month, day: day)
    }

    static func monthNumber(_ text: Substring) -> Int? {
        guard text.count >= 3 else { return nil }
        let prefix = ByteText.asciiLowercased(String(text.prefix(3)))
        return monthNames.firstIndex { ByteText.asciiLowercased($0) == prefix }.map { $0 + 1 }
    }

    /// "+hhmm"/"-hhmm", or an obsolete zone name (§4.3). Military zones
    /// other than "Z" are treated as "-0000" (unknown), as §4.3 advises.
    static func zoneOffset(_ text: Substring) -> Int? {
        if let sign = text.first, sign == "+" || sign == "-" {
            let digits = text.dropFirst()
            guard digits.count == 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else { return nil }
            let minutes = value / 100 * 60 + value % 100
            guard value % 100 < 60 else { return nil }
            return sign == "-" ? -minutes : minutes
        }
        switch ByteText.asciiLowercased(String(text)) {
        case "ut", "utc", "gmt", "z": return 0
        case "edt": return -4 * 60
        case "est", "cdt": return -5 * 60
        case "cst", "mdt": return -6 * 60
        case "mst", "pdt": return -7 * 60
        case "pst": return -8 * 60
        default:
            // Unknown alphabetic zones mean "-0000" (§4.3): UTC, offset unknown.
            return !text.isEmpty && text.allSatisfy({ $0.isASCII && $0.isLetter }) ? 0 : nil
        }
    }
}

/// Splits a date string into words at whitespace and commas, dropping
/// comments (RFC 5322 CFWS).
struct DateWords {
    private var words: [Substring] = []
    private var position = 0

    init(_ text: String) {
        var depth = 0
        var cleaned = ""
        for character in text {
            if character == "(" { depth += 1; cleaned.append(" "); continue }
            if character == ")" && depth > 0 { depth -= 1; continue }
            if depth > 0 { continue }
            cleaned.append(character == "," ? " " : character)
        }
        words = cleaned.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
        // Tolerate "12:00:00+0000" and "12:00:00 +0000" alike.
        words = words.flatMap { word -> [Substring] in
            if word.contains(":"), let sign = word.firstIndex(where: { $0 == "+" || $0 == "-" }) {
                return [word[..<sign], word[sign...]]
            }
            return [word]
        }
    }

    func peek() -> Substring? { position < words.count ? words[position] : nil }

    @discardableResult
    mutating func next() -> Substring? {
        defer { position += 1 }
        return peek()
    }
}
