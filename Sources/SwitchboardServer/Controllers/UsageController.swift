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
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let day = UTCDay(parsing: text) { return day.start }
        throw .invalidRequest("'\(param)' must be an ISO 8601 date or date-time, or Unix seconds.", param: param)
    }
}
