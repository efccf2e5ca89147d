import Foundation

/// The `From ` separator line that starts each message of an mbox file
/// (RFC 4155 §2): `From SENDER DATE`, where DATE is in the asctime(3) form
/// `Sat Nov 21 12:34:56 2026` (UTC). Real files also carry a time zone
/// before or after the year, or no weekday; those are accepted too.
public struct MboxSeparator: Sendable, Equatable {
    /// The envelope sender, e.g. `alice@example.org` or `MAILER-DAEMON`.
    public var sender: String
    /// The date of the separator, when it could be parsed.
    public var date: Date?

    public init(sender: String, date: Date?) {
        self.sender = sender
        self.date = date
    }

    /// Parses a separator line (with or without its line ending); nil when
    /// the line does not start with `From `.
    public init?(line: [UInt8]) {
        guard MboxSeparator.isSeparator(line[...]) else { return nil }
        var text = String(decoding: line.dropFirst(5), as: UTF8.self)
        while let last = text.last, last == "\n" || last == "\r" { text.removeLast() }
        let fields = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        sender = fields.first ?? ""
        date = MboxSeparator.parseDate(fields.dropFirst().joined(separator: " "))
    }

    /// True when the bytes start with `From ` (the five octets RFC 4155 names).
    public static func isSeparator(_ line: ArraySlice<UInt8>) -> Bool {
        line.starts(with: fromPrefix)
    }

    static let fromPrefix: [UInt8] = Array("From ".utf8)

    /// The separator line with a LF ending, e.g. `From alice@example.org Sat Nov 21 12:34:56 2026\n`.
    public var line: [UInt8] {
        let who = sender.isEmpty ? "MAILER-DAEMON" : sender.replacingOccurrences(of: " ", with: "_")
        return Array("From \(who) \(MboxSeparator.formatDate(date ?? Date(timeIntervalSince1970: 0)))\n".utf8)
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Formats a date as asctime(3) in UTC: `Sat Nov 21 12:34:56 2026`.
    public static func formatDate(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        let weekday = Int((days % 7 + 11) % 7) // 1970-01-01 was a Thursday (4)
        let dayText = day < 10 ? " \(day)" : "\(day)"
        return "\(weekdays[weekday]) \(months[month - 1]) \(dayText) \(twoDigits(secondOfDay / 3600)):"
            + "\(twoDigits(secondOfDay / 60 % 60)):\(twoDigits(secondOfDay % 60)) \(year)"
    }

    /// Parses the date part of a separator. Accepts an optional weekday, then
    /// month, day, `HH:MM[:SS]`, and the year, with an optional numeric zone
    /// (`+0100`) or `UTC`/`GMT` anywhere after the time. Nil when unreadable.
    public static func parseDate(_ text: String) -> Date? {
        var tokens = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if let first = tokens.first, weekdays.contains(where: { $0.caseInsensitiveCompare(first) == .orderedSame }) {
            tokens.removeFirst()
        }
        guard tokens.count >= 3,
              let monthIndex = months.firstIndex(where: { $0.caseInsensitiveCompare(tokens[0]) == .orderedSame }),
              let day = Int(tokens[1]), (1...31).contains(day)
        else { return nil }
        let timeParts = tokens[2].split(separator: ":").map { Int($0) }
        guard timeParts.count == 2 || timeParts.count == 3, !timeParts.contains(where: { $0 == nil }) else { return nil }
        let hour = timeParts[0]!, minute = timeParts[1]!, second = timeParts.count == 3 ? timeParts[2]! : 0
        guard (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        var year: Int?
        var offsetSeconds = 0
        for token in tokens.dropFirst(3) {
            if let value = Int(token), token.count == 4, !token.hasPrefix("+"), !token.hasPrefix("-") {
                year = value
            } else if (token.hasPrefix("+") || token.hasPrefix("-")), token.count == 5, let value = Int(token.dropFirst()) {
                let sign = token.hasPrefix("-") ? -1 : 1
                offsetSeconds = sign * ((value / 100) * 3600 + (value % 100) * 60)
            }
        }
        guard let year, year >= 1970 else { return nil }
        let days = daysSinceEpoch(year: year, month: monthIndex + 1, day: day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    private static func twoDigits(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `daysSinceEpoch` (H. Hinnant's civil_from_days).
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}
