import Foundation
import GRDB
import SwitchboardCore

/// Each key's and tenant's spend per UTC day, kept beside the usage ledger in the same transaction as its rows.
///
/// Start-up rebuilds every budget's period spend. Summed from the ledger, that read every record of the period
/// (about 65 ms per budgeted scope at 950,000 records, even from a covering index), so start-up grew with
/// traffic. Budget periods start at UTC midnight (``BudgetPeriod``), so a period's spend is the sum of at most
/// 31 daily rows instead. Retention (``SQLiteUsageRepository/deleteRecords(olderThan:)``) deletes records, not
/// these rows: a restarted gateway charges a budget with what the period really spent, as a running one does.
enum SpendByDay {
    static let secondsPerDay = 86_400.0

    /// The table, filled from the records already in the ledger.
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE spend_by_day (
                scope_kind TEXT NOT NULL,
                scope TEXT NOT NULL,
                day INTEGER NOT NULL,
                cost_nanos INTEGER NOT NULL,
                PRIMARY KEY (scope_kind, scope, day)
            ) WITHOUT ROWID;
            """)
        try backfill(db)
    }

    /// Drops the per-key covering index that the period sums read before this table: nothing else reads by key
    /// (reports group by key over every record), and each record paid for it on insert (1.0 of 5.4 µs a row in
    /// SQLite, measured with 300,000 rows in batches of 500) and in size. Spend since a time that is not a
    /// midnight reads the time index from that time on.
    static func dropKeySpendIndex(_ db: Database) throws {
        try db.execute(sql: "DROP INDEX usage_record_key_time_cost")
    }

    /// Adds up the ledger's records into the table (which must hold none of them yet).
    static func backfill(_ db: Database) throws {
        // floor(time / 86400), as `day(of:)` computes it: CAST truncates towards zero.
        let day = "(CAST(time / 86400 AS INTEGER) - (time < CAST(time / 86400 AS INTEGER) * 86400))"
        for (kind, column) in [("key", "key_id"), ("tenant", "tenant")] {
            try db.execute(sql: """
                INSERT INTO spend_by_day (scope_kind, scope, day, cost_nanos)
                SELECT '\(kind)', \(column), \(day), SUM(cost_nanos) FROM usage_record
                WHERE \(column) IS NOT NULL AND cost_nanos != 0 GROUP BY \(column), \(day)
                """)
        }
    }

    /// Adds the cost of `records` to their keys' and tenants' days, one upsert per scope and day.
    static func add(_ records: [UsageRecord], in db: Database) throws {
        var totals: [Bucket: Int64] = [:]
        for record in records where record.cost.nanos != 0 {
            let day = day(of: record.time)
            if let key = record.keyID { totals[Bucket(kind: "key", scope: key, day: day), default: 0] += record.cost.nanos }
            if let tenant = record.tenant { totals[Bucket(kind: "tenant", scope: tenant, day: day), default: 0] += record.cost.nanos }
        }
        guard !totals.isEmpty else { return }
        let statement = try db.cachedStatement(sql: """
            INSERT INTO spend_by_day (scope_kind, scope, day, cost_nanos) VALUES (?, ?, ?, ?)
            ON CONFLICT (scope_kind, scope, day) DO UPDATE SET cost_nanos = cost_nanos + excluded.cost_nanos
            """)
        for (bucket, nanos) in totals {
            try statement.execute(arguments: [bucket.kind, bucket.scope, bucket.day, nanos])
        }
    }

    /// The spend of one key or tenant since `start`, or nil when `start` is not a UTC midnight (the days cannot
    /// answer; the caller sums the records instead).
    static func spend(of scope: BudgetScope, since start: Date, in db: Database) throws -> USD? {
        guard isMidnight(start) else { return nil }
        let (kind, name) = switch scope {
        case .key(let id): ("key", id)
        case .tenant(let name): ("tenant", name)
        }
        let sql = "SELECT COALESCE(SUM(cost_nanos), 0) FROM spend_by_day WHERE scope_kind = ? AND scope = ? AND day >= ?"
        return USD(nanos: try Int64.fetchOne(db, sql: sql, arguments: [kind, name, day(of: start)]) ?? 0)
    }

    /// Whether `date` is a UTC midnight: a day boundary, where every budget period starts.
    static func isMidnight(_ date: Date) -> Bool {
        date.timeIntervalSince1970.truncatingRemainder(dividingBy: secondsPerDay) == 0
    }

    /// The UTC day number of a time: days since 1970-01-01, rounded down.
    static func day(of time: Date) -> Int64 {
        Int64((time.timeIntervalSince1970 / secondsPerDay).rounded(.down))
    }

    private struct Bucket: Hashable {
        let kind: String
        let scope: String
        let day: Int64
    }
}
