import Foundation
import GRDB
import SwitchboardCore

/// The usage ledger in SQLite.
public struct SQLiteUsageRepository: UsageRepository {
    private let pool: DatabasePool

    public init(database: SQLiteDatabase) { self.pool = database.pool }

    public func append(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO usage_record (request_id, time, tenant, key_id, public_model, provider, upstream_model, prompt_tokens,
                    completion_tokens, cached_tokens, cost_nanos, estimated, latency_ms, ttfb_ms, status, error_type, streamed,
                    client_disconnected, attempts)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for record in records {
                try statement.execute(arguments: [
                    record.requestID, record.time.timeIntervalSince1970, record.tenant, record.keyID, record.publicModel, record.provider,
                    record.upstreamModel, record.promptTokens, record.completionTokens, record.cachedTokens, record.cost.nanos,
                    record.estimated, record.latencyMilliseconds, record.timeToFirstByteMilliseconds, record.status, record.errorType,
                    record.streamed, record.clientDisconnected, record.attempts,
                ])
            }
        }
    }

    public func summarize(groupBy: UsageGrouping, from: Date?, to: Date?, tenant: String?) async throws -> [UsageSummary] {
        // The group expression comes from a closed set, never from input; values are bound.
        let group = switch groupBy {
        case .tenant: "COALESCE(tenant, '(none)')"
        case .key: "COALESCE(key_id, '(none)')"
        case .model: "public_model"
        case .provider: "COALESCE(provider, '(none)')"
        case .day: "strftime('%Y-%m-%d', time, 'unixepoch')"
        }
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let from { conditions.append("time >= ?"); arguments += [from.timeIntervalSince1970] }
        if let to { conditions.append("time < ?"); arguments += [to.timeIntervalSince1970] }
        if let tenant { conditions.append("tenant = ?"); arguments += [tenant] }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = """
            SELECT \(group) AS grp, COUNT(*) AS requests, SUM(prompt_tokens) AS prompt, SUM(completion_tokens) AS completion,
                SUM(cached_tokens) AS cached, SUM(cost_nanos) AS cost, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors
            FROM usage_record \(filter) GROUP BY grp ORDER BY grp
            """
        let boundArguments = arguments
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: boundArguments).map { row in
                UsageSummary(group: row["grp"], requests: row["requests"], promptTokens: row["prompt"], completionTokens: row["completion"],
                             cachedTokens: row["cached"], cost: USD(nanos: row["cost"]), errors: row["errors"])
            }
        }
    }

    public func spend(of scope: BudgetScope, since start: Date) async throws -> USD {
        let (column, value) = switch scope {
        case .key(let id): ("key_id", id)
        case .tenant(let name): ("tenant", name)
        }
        let since = max(start.timeIntervalSince1970, -1e12)
        return try await pool.read { db in
            USD(nanos: try Int64.fetchOne(db, sql: Self.spendQuery(column), arguments: [value, since]) ?? 0)
        }
    }

    /// The sum of cost for one key or tenant since a time; `column` is `key_id` or `tenant`.
    static func spendQuery(_ column: String) -> String {
        "SELECT COALESCE(SUM(cost_nanos), 0) FROM usage_record WHERE \(column) = ? AND time >= ?"
    }

    public func deleteRecords(olderThan cutoff: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM usage_record WHERE time < ?", arguments: [cutoff.timeIntervalSince1970])
            return db.changesCount
        }
    }

    public func count() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_record") ?? 0 }
    }
}
