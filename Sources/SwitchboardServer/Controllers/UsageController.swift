import Foundation
import Hummingbird
import SwitchboardCore

/// `GET /admin/v1/usage?group_by=tenant|key|model|provider|day&from=&to=&tenant=`.
struct UsageController {
    typealias Context = GatewayRequestContext
    let admin: GovernanceAdmin

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self).get { request, _ in
            let query = request.uri.queryParameters
            let groupName = query.get("group_by") ?? "tenant"
            guard let grouping = UsageGrouping(rawValue: groupName) else {
                throw GatewayError.invalidRequest("'group_by' must be one of tenant, key, model, provider, day.", param: "group_by")
            }
            let from = try UsageQueryDate.parse(query.get("from"), param: "from")
            let to = try UsageQueryDate.parse(query.get("to"), param: "to")
            let rows = try await admin.usage.summarize(groupBy: grouping, from: from, to: to, tenant: query.get("tenant"))
            return AdminJSON.List(data: rows.map { AdminJSON.UsageRow(groupBy: grouping, summary: $0) })
        }
    }
}

/// Reads `from`/`to`: an ISO 8601 date-time, a `YYYY-MM-DD` day (UTC), or Unix seconds.
enum UsageQueryDate {
    static func parse(_ text: String?, param: String) throws(GatewayError) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
        if let day = UTCDay(parsing: text) { return day.start }
        // Foundation's ISO 8601 parser rolls `25:00` or `02-30` over into the next day; only real ones pass.
        if hasRealDateAndClock(text), let date = try? Date(text, strategy: .iso8601) { return date }
        throw .invalidRequest("'\(param)' must be an ISO 8601 date or date-time, or Unix seconds.", param: param)
    }

    /// Whether `text` starts with a calendar date and a clock time in range: `YYYY-MM-DDTHH:MM:SS`.
    private static func hasRealDateAndClock(_ text: String) -> Bool {
        let bytes = Array(text.utf8.prefix(19))
        guard bytes.count == 19, UTCDay(parsing: String(decoding: bytes[0..<10], as: UTF8.self)) != nil,
              bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { return false }
        func field(_ start: Int) -> Int? {
            let digits = bytes[start..<start + 2]
            guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
            return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        guard let hour = field(11), let minute = field(14), let second = field(17) else { return false }
        return hour < 24 && minute < 60 && second < 60
    }
}
