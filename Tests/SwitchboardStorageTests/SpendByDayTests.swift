import Foundation
import GRDB
import SwitchboardCore
@testable import SwitchboardStorage
import Testing

/// Budget periods rebuild from daily spend: the same sums as the records, kept when retention deletes them.
@Suite struct SpendByDayTests {
    static let midnight = 1_800_057_600.0  // a UTC midnight
    static let day = 86_400.0

    static let records: [UsageRecord] = [
        record("r1", at: midnight - 1, tenant: "a", key: "k1", cost: 0.125),
        record("r2", at: midnight, tenant: "a", key: "k1", cost: 0.25),
        record("r3", at: midnight + 0.5, tenant: "a", key: "k2", cost: 0.5),
        record("r4", at: midnight + day + 7, tenant: "a", key: "k1", cost: 1),
        record("r5", at: midnight + day + 8, tenant: nil, key: nil, cost: 2),
        record("r6", at: -0.5, tenant: "old", key: "k0", cost: 4),
    ]

    static func record(_ id: String, at time: Double, tenant: String?, key: String?, cost: Double) -> UsageRecord {
        SQLiteUsageRepositoryTests.record(id, time: time, tenant: tenant, key: key, model: "m", cost: cost)
    }

    static func withRepositories(_ body: (any UsageRepository) async throws -> Void) async throws {
        try await body(MemoryGovernanceStore())
        try await SQLiteGovernanceStoreTests.withDatabase { database in try await body(SQLiteUsageRepository(database: database)) }
    }

    @Test func periodSpendIsTheRecordsSumAndOutlivesRetention() async throws {
        try await Self.withRepositories { repository in
            try await repository.append(Array(Self.records.prefix(3)))
            try await repository.append(Array(Self.records.dropFirst(3)))
            let today = Date(timeIntervalSince1970: Self.midnight)
            #expect(try await repository.spend(of: .tenant("a"), since: today) == USD(dollars: 1.75))
            #expect(try await repository.spend(of: .key("k1"), since: today) == USD(dollars: 1.25))
            #expect(try await repository.spend(of: .key("k1"), since: .distantPast) == USD(dollars: 1.375))
            #expect(try await repository.spend(of: .key("k1"), since: today.addingTimeInterval(Self.day)) == USD(dollars: 1))
            #expect(try await repository.spend(of: .tenant("old"), since: Date(timeIntervalSince1970: 0)) == .zero)
            #expect(try await repository.spend(of: .tenant("old"), since: Date(timeIntervalSince1970: -Self.day)) == USD(dollars: 4))
            // Not a midnight: summed from the records.
            #expect(try await repository.spend(of: .tenant("a"), since: today.addingTimeInterval(0.25)) == USD(dollars: 1.5))

            #expect(try await repository.deleteRecords(olderThan: today.addingTimeInterval(Self.day)) == 4)
            #expect(try await repository.spend(of: .tenant("a"), since: today) == USD(dollars: 1.75))
            #expect(try await repository.spend(of: .tenant("a"), since: today.addingTimeInterval(0.25)) == USD(dollars: 1))
        }
    }

    /// An existing ledger gets its daily spend when the migration runs: the same rows the writes would have made.
    @Test func backfillMakesTheRowsTheWritesMake() async throws {
        try await SQLiteGovernanceStoreTests.withDatabase { database in
            try await SQLiteUsageRepository(database: database).append(Self.records)
            let query = "SELECT scope_kind, scope, day, cost_nanos FROM spend_by_day ORDER BY scope_kind, scope, day"
            let written = try database.pool.read { db in try Row.fetchAll(db, sql: query) }
            let backfilled = try database.pool.write { db in
                try db.execute(sql: "DELETE FROM spend_by_day")
                try SpendByDay.backfill(db)
                return try Row.fetchAll(db, sql: query)
            }
            #expect(written.count == 9)
            #expect(backfilled == written)
            #expect(written.contains { $0["scope"] == "k0" && $0["day"] == -1 })
        }
    }
}
