import Foundation
import SwitchboardCore
import Testing

@Suite struct UTCDayTests {
    /// Foundation's ISO 8601 calendar in UTC, the reference the arithmetic replaces.
    private static let reference: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        calendar.firstWeekday = 2
        return calendar
    }()

    @Test func agreesWithFoundationsCalendarFrom1900To2200() {
        var mismatches: [String] = []
        let first = UTCDay(year: 1900, month: 1, day: 1).index
        let last = UTCDay(year: 2200, month: 12, day: 31).index
        #expect(last - first == 109_937)
        for index in stride(from: first, through: last, by: 1) {
            let day = UTCDay(index: index)
            let noon = day.start.addingTimeInterval(12 * 3600)
            let components = Self.reference.dateComponents([.year, .month, .day], from: noon)
            let expected = (components.year!, components.month!, components.day!)
            let monday = Self.reference.date(from: Self.reference.dateComponents([.yearForWeekOfYear, .weekOfYear], from: noon))
            if day.date != expected || UTCDay(containing: noon) != day || day.monday.start != monday
                || UTCDay(year: expected.0, month: expected.1, day: expected.2) != day {
                mismatches.append(day.formatted)
                if mismatches.count > 5 { break }
            }
        }
        #expect(mismatches.isEmpty)
    }

    @Test(arguments: [
        ("2026-12-01", 20_788, "2026-11-30", "2026-12-01", "2027-01-01"),
        ("2024-02-29", 19_782, "2024-02-26", "2024-02-01", "2024-03-01"),
        ("2027-01-01", 20_819, "2026-12-28", "2027-01-01", "2027-02-01"),
        ("1970-01-01", 0, "1969-12-29", "1970-01-01", "1970-02-01"),
        ("1969-12-31", -1, "1969-12-29", "1969-12-01", "1970-01-01"),
    ])
    func namedDays(text: String, index: Int, monday: String, firstOfMonth: String, nextMonth: String) throws {
        let day = try #require(UTCDay(parsing: text))
        #expect(day.index == index)
        #expect(day.formatted == text)
        #expect(day.monday.formatted == monday)
        #expect(day.firstOfMonth.formatted == firstOfMonth)
        #expect(day.firstOfNextMonth.formatted == nextMonth)
    }

    @Test func theLastSecondOfADayBelongsToIt() {
        let midnight = UTCDay(year: 2026, month: 12, day: 1).start
        #expect(UTCDay(containing: midnight.addingTimeInterval(-0.001)).formatted == "2026-11-30")
        #expect(UTCDay(containing: midnight).formatted == "2026-12-01")
        #expect(UTCDay(containing: Date(timeIntervalSince1970: -0.5)).formatted == "1969-12-31")
    }

    @Test(arguments: ["2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "26-01-01", "2026-01-01T00:00:00Z", "", "２０２６-01-01", "2026-01-+1"])
    func parsingRefusesWhatIsNotACalendarDate(text: String) {
        #expect(UTCDay(parsing: text) == nil)
    }
}
