import Foundation

/// A day of the proleptic Gregorian calendar in UTC, counted from 1970-01-01, for budget periods and usage groups.
///
/// This is plain arithmetic (Howard Hinnant's `days_from_civil` and `civil_from_days`) rather than Foundation's
/// `Calendar`: a UTC `Calendar` opens ICU's time-zone data, which kept about 3 MiB of ICU's code resident for the
/// process's life, and every admission asks for the start of its budget's period.
public struct UTCDay: Sendable, Hashable {
    /// Days since 1970-01-01 (negative before it).
    public var index: Int

    private static let secondsPerDay = 86_400.0

    /// The day at `index` days after 1970-01-01.
    public init(index: Int) {
        self.index = index
    }

    /// The UTC day containing `date`.
    public init(containing date: Date) {
        let days = (date.timeIntervalSince1970 / Self.secondsPerDay).rounded(.down)
        // Far beyond any clock's reach, but an `Int` conversion of an unbounded `Double` must not trap.
        index = Int(max(-1e12, min(1e12, days.isFinite ? days : 0)))
    }

    /// The day with calendar date `year`-`month`-`day` (`month` 1...12; a `day` past the month's end rolls over).
    public init(year: Int, month: Int, day: Int) {
        let marchBasedYear = month <= 2 ? year - 1 : year
        let era = (marchBasedYear >= 0 ? marchBasedYear : marchBasedYear - 399) / 400
        let yearOfEra = marchBasedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        index = era * 146_097 + dayOfEra - 719_468
    }

    /// The day written `YYYY-MM-DD`, or `nil` when `text` is not a real calendar date in that form.
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month)
        else { return nil }
        self.init(year: year, month: month, day: day)
        guard date == (year, month, day) else { return nil }
    }

    /// Year, month (1...12) and day of the month (1...31).
    public var date: (year: Int, month: Int, day: Int) {
        let shifted = index + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let marchBasedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * marchBasedMonth + 2) / 5 + 1
        let month = marchBasedMonth < 10 ? marchBasedMonth + 3 : marchBasedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The Monday starting this day's ISO week (1970-01-01 was a Thursday).
    public var monday: UTCDay {
        let daysSinceMonday = ((index + 3) % 7 + 7) % 7
        return UTCDay(index: index - daysSinceMonday)
    }

    /// The first day of this day's month.
    public var firstOfMonth: UTCDay {
        let (year, month, _) = date
        return UTCDay(year: year, month: month, day: 1)
    }

    /// The first day of the next month.
    public var firstOfNextMonth: UTCDay {
        let (year, month, _) = date
        return month == 12 ? UTCDay(year: year + 1, month: 1, day: 1) : UTCDay(year: year, month: month + 1, day: 1)
    }

    /// `days` later (earlier when negative).
    public func adding(days: Int) -> UTCDay {
        UTCDay(index: index + days)
    }

    /// Midnight UTC at the start of this day.
    public var start: Date {
        Date(timeIntervalSince1970: Double(index) * Self.secondsPerDay)
    }

    /// `YYYY-MM-DD`.
    public var formatted: String {
        let (year, month, day) = date
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return year >= 0 ? "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))" : "\(year)-\(padded(month, 2))-\(padded(day, 2))"
    }
}
