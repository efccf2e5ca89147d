import Foundation
import MailCore
import MailStore

/// Date comparisons of SEARCH (RFC 9051 §6.4.4): BEFORE, ON and SINCE look
/// at the internal date, SENTBEFORE, SENTON and SENTSINCE at the Date
/// header, both "disregarding time and timezone": only the calendar day
/// counts. A Date header is taken in the zone it was written in; the
/// internal date in UTC (the zone of the dates SEARCH keys carry).
enum SearchDates {
    /// Days since 1970-01-01 of the calendar day `date` falls on in its own zone.
    static func day(_ date: MailDate) -> Int64 {
        let local = date.secondsSinceEpoch + Int64(date.zoneOffsetMinutes) * 60
        return local >= 0 ? local / 86400 : (local - 86399) / 86400
    }

    /// The UTC calendar day of a message's internal date.
    static func internalDay(_ record: MessageRecord) -> Int64 {
        day(record.internalDate)
    }

    /// The UTC calendar day of an internal date (whole seconds).
    static func day(_ internalDate: Date) -> Int64 {
        day(MailDate(secondsSinceEpoch: Int64(internalDate.timeIntervalSince1970.rounded(.down))))
    }

    /// The calendar day of the Date header as written. A missing or
    /// invalid Date counts as 1 January 1970 (day 0), as in Dovecot: such
    /// a message is SENTBEFORE every date and SENTSINCE none.
    static func sentDay(_ envelope: Envelope) -> Int64 {
        envelope.parsedDate.map(day) ?? 0
    }

    enum Comparison {
        case before, on, since
    }

    static func matches(_ messageDay: Int64, _ comparison: Comparison, _ keyDate: MailDate) -> Bool {
        let keyDay = day(keyDate)
        switch comparison {
        case .before: return messageDay < keyDay
        case .on: return messageDay == keyDay
        case .since: return messageDay >= keyDay
        }
    }
}
