import Foundation
import GRDB
import GRDBSQLite
import SwitchboardCore

/// The usage ledger in SQLite.
public struct SQLiteUsageRepository: UsageRepository {
    private let pool: DatabasePool

    public init(database: SQLiteDatabase) { self.pool = database.pool }

    /// A batch offers its core to any waiting thread this often (every 40-50 µs of inserting). A batch of a few
    /// hundred rows takes milliseconds of CPU, and a request's event loop that wakes on the writer's core would
    /// otherwise wait for the writer's time slice to end (up to 1.5 ms on two cores): at concurrency 1 that was
    /// most of the gateway's p99 (bench/notes.md). `sched_yield` with nothing else to run returns at once.
    static let rowsBetweenYields = 8

    public func append(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        try await pool.write { db in
            var single = LedgerInsert(try db.cachedStatement(sql: LedgerInsert.sql(rows: 1)), rows: 1)
            var group: LedgerInsert?
            var index = 0
            while index < records.count {
                if index > 0, index.isMultiple(of: Self.rowsBetweenYields) { sched_yield() }
                let grouped = records.count - index >= LedgerInsert.rowsPerGroup
                if grouped, group == nil {
                    group = LedgerInsert(try db.cachedStatement(sql: LedgerInsert.sql(rows: LedgerInsert.rowsPerGroup)), rows: LedgerInsert.rowsPerGroup)
                }
                let rows = grouped ? LedgerInsert.rowsPerGroup : 1
                let code = grouped ? group!.run(records[index..<(index + rows)]) : single.run(records[index..<(index + rows)])
                guard code == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: LedgerInsert.sql(rows: rows))
                }
                index += rows
            }
            try SpendByDay.add(records, in: db)
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
            if let spent = try SpendByDay.spend(of: scope, since: start, in: db) { return spent }
            return USD(nanos: try Int64.fetchOne(db, sql: Self.spendQuery(column), arguments: [value, since]) ?? 0)
        }
    }

    /// The sum of cost for one key or tenant since a time that is not a UTC midnight (budget periods start at
    /// one, and read ``SpendByDay``); `column` is `key_id` or `tenant`.
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

/// Binds usage records to one of the ledger's prepared inserts and runs it, through SQLite's C API: GRDB's
/// `StatementArguments` boxes each of the nineteen values and retains its way through binding them, which was
/// most of the writer thread's time. The columns are in the insert's order.
///
/// A batch goes in eight rows per statement (the rest one at a time): each statement's own work (starting and
/// halting it, and the `AUTOINCREMENT` counter's read and write) is then paid once per eight rows, about a fifth of
/// a row's instructions (callgrind).
private struct LedgerInsert {
    static let rowsPerGroup = 8
    static let columns = 19
    /// The text columns' places in a row: request id, tenant, key id, public model, provider, upstream model, error.
    static let textColumns: [Int32] = [1, 3, 4, 5, 6, 7, 16]

    /// The insert of `rows` rows.
    static func sql(rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return """
            INSERT INTO usage_record (request_id, time, tenant, key_id, public_model, provider, upstream_model, prompt_tokens,
                completion_tokens, cached_tokens, cost_nanos, estimated, latency_ms, ttfb_ms, status, error_type, streamed,
                client_disconnected, attempts)
            VALUES \(Array(repeating: row, count: rows).joined(separator: ", "))
            """
    }

    let handle: OpaquePointer
    let rows: Int
    /// The rows' text columns, one after another: bound in place (`SQLITE_STATIC`) for the step. Bound as
    /// `SQLITE_TRANSIENT`, SQLite copied each into an allocation of its own and freed it after the step.
    private var texts: [UInt8] = []
    /// Where each row's seven texts lie in ``texts``, row after row.
    private var spans: [Range<Int>?] = []

    init(_ statement: Statement, rows: Int) {
        self.handle = statement.sqliteStatement
        self.rows = rows
        texts.reserveCapacity(256 * rows)
        spans.reserveCapacity(Self.textColumns.count * rows)
    }

    /// `SQLITE_DONE` when the rows went in, else SQLite's error code. `records` holds ``rows`` records.
    mutating func run(_ records: ArraySlice<UsageRecord>) -> Int32 {
        texts.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
        for (row, record) in records.enumerated() {
            let base = Int32(row * Self.columns)
            // In the order of ``textColumns``.
            spans.append(append(record.requestID))
            spans.append(append(record.tenant))
            spans.append(append(record.keyID))
            spans.append(append(record.publicModel))
            spans.append(append(record.provider))
            spans.append(append(record.upstreamModel))
            spans.append(append(record.errorType))
            sqlite3_bind_double(handle, base + 2, record.time.timeIntervalSince1970)
            integer(base + 8, record.promptTokens)
            integer(base + 9, record.completionTokens)
            integer(base + 10, record.cachedTokens)
            sqlite3_bind_int64(handle, base + 11, record.cost.nanos)
            integer(base + 12, record.estimated ? 1 : 0)
            integer(base + 13, record.latencyMilliseconds)
            integer(base + 14, record.timeToFirstByteMilliseconds)
            integer(base + 15, record.status)
            integer(base + 17, record.streamed ? 1 : 0)
            integer(base + 18, record.clientDisconnected ? 1 : 0)
            integer(base + 19, record.attempts)
        }
        // Every column is bound on every run, so no binding is left over from the last rows. The texts' bytes
        // stay put until the statement is reset: SQLite reads bound values only while it steps.
        return texts.withUnsafeBufferPointer { bytes in
            for row in 0..<rows {
                let base = Int32(row * Self.columns)
                for (offset, column) in Self.textColumns.enumerated() {
                    text(base + column, spans[row * Self.textColumns.count + offset], in: bytes)
                }
            }
            let code = sqlite3_step(handle)
            sqlite3_reset(handle)
            return code
        }
    }

    /// Appends `value`'s UTF-8 to the rows' texts; its place there, or nil for nil.
    private mutating func append(_ value: String?) -> Range<Int>? {
        guard let value else { return nil }
        let start = texts.count
        texts.append(contentsOf: value.utf8)
        return start..<texts.count
    }

    /// Binds the bytes at `range` of `bytes` without copying them; nil binds NULL.
    private func text(_ index: Int32, _ range: Range<Int>?, in bytes: UnsafeBufferPointer<UInt8>) {
        guard let range else { return _ = sqlite3_bind_null(handle, index) }
        // An empty string is bound as one, not as NULL (which a nil pointer would bind).
        guard !range.isEmpty, let base = bytes.baseAddress else { return _ = sqlite3_bind_text(handle, index, "", 0, nil) }
        (base + range.lowerBound).withMemoryRebound(to: CChar.self, capacity: range.count) { start in
            _ = sqlite3_bind_text(handle, index, start, Int32(range.count), nil)
        }
    }

    private func integer(_ index: Int32, _ value: Int?) {
        guard let value else { return _ = sqlite3_bind_null(handle, index) }
        sqlite3_bind_int64(handle, index, Int64(value))
    }
}
