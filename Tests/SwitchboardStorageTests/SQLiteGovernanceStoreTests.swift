import Foundation
import GRDB
import SwitchboardCore
@testable import SwitchboardStorage
import Testing

@Suite struct SQLiteGovernanceStoreTests {
    static func withDatabase(_ body: (SQLiteDatabase) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sb-gov-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body(try SQLiteDatabase(directory: directory))
    }

    static let created = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func tenantsRoundTripAndConflict() async throws {
        try await Self.withDatabase { database in
            let store = SQLiteGovernanceStore(database: database)
            let tenant = Tenant(name: "acme", models: ["openai/*", "fast"], rpm: 60, tpm: 1000,
                                budget: BudgetPolicy(limit: USD(dollars: 12.5), period: .month), createdAt: Self.created)
            try await store.create(tenant)
            #expect(try await store.get("acme") == tenant)
            await #expect(throws: StorageError.self) { try await store.create(tenant) }
            var changed = tenant
            changed.budget = nil
            changed.models = nil
            try await store.update(changed)
            #expect(try await store.get("acme") == changed)
            #expect(try await store.list().map(\.name) == ["acme"])
        }
    }

    @Test func keysRoundTripAndTenantDeletionRevokes() async throws {
        try await Self.withDatabase { database in
            let store = SQLiteGovernanceStore(database: database)
            try await store.create(Tenant(name: "acme", createdAt: Self.created))
            let key = VirtualKey(id: "key_1", tenant: "acme", name: "ci", hash: SecretHash.sha256Hex("sk-sb-secret"), prefix: "sk-sb-secr",
                                 models: ["mock/echo"], rpm: 5, budget: BudgetPolicy(limit: USD(dollars: 1), period: .total),
                                 expiresAt: Self.created.addingTimeInterval(3600), metadata: ["team": "search"], createdAt: Self.created)
            try await store.create(key)
            #expect(try await store.get(id: "key_1") == key)
            #expect(try await store.list(tenant: "acme").map(\.id) == ["key_1"])
            #expect(try await store.list(tenant: "other").isEmpty)
            #expect(try await store.delete("acme", at: Self.created))
            #expect(try await store.get(id: "key_1")?.revokedAt == Self.created)
            #expect(try await !store.delete("acme", at: Self.created))
        }
    }

    @Test func changeSequenceMovesOnEveryEdit() async throws {
        try await Self.withDatabase { database in
            let store = SQLiteGovernanceStore(database: database)
            let start = try await store.current()
            try await store.create(Tenant(name: "t", createdAt: Self.created))
            let afterCreate = try await store.current()
            #expect(afterCreate > start)
            try await store.update(Tenant(name: "t", rpm: 1, createdAt: Self.created))
            #expect(try await store.current() > afterCreate)
        }
    }

    @Test func lookupByHostileNamesIsBoundNotBuilt() async throws {
        try await Self.withDatabase { database in
            let store = SQLiteGovernanceStore(database: database)
            let hostile = "x' OR '1'='1"
            #expect(try await store.get(hostile) == nil)
            #expect(try await store.get(id: hostile) == nil)
            try await store.create(Tenant(name: "real", createdAt: Self.created))
            #expect(try await store.list(tenant: hostile).isEmpty)
            #expect(try await store.list().count == 1)
        }
    }
}

@Suite struct SQLiteUsageRepositoryTests {
    static func record(_ id: String, time: Double, tenant: String?, key: String?, model: String, cost: Double, status: Int = 200) -> UsageRecord {
        UsageRecord(requestID: id, time: Date(timeIntervalSince1970: time), tenant: tenant, keyID: key, publicModel: model, provider: "mock",
                    upstreamModel: "echo", promptTokens: 10, completionTokens: 5, cachedTokens: 2, cost: USD(dollars: cost), status: status)
    }

    @Test func summarizesSpendsAndExpires() async throws {
        try await SQLiteGovernanceStoreTests.withDatabase { database in
            let repository = SQLiteUsageRepository(database: database)
            let day = 1_800_000_000.0
            try await repository.append([
                Self.record("r1", time: day, tenant: "a", key: "k1", model: "m1", cost: 0.25),
                Self.record("r2", time: day + 10, tenant: "a", key: "k2", model: "m2", cost: 0.5, status: 502),
                Self.record("r3", time: day + 86_400, tenant: "b", key: "k3", model: "m1", cost: 1),
                Self.record("r3", time: day + 86_401, tenant: nil, key: nil, model: "m1", cost: 0),
            ])
            #expect(try await repository.count() == 4)
            let byTenant = try await repository.summarize(groupBy: .tenant, from: nil, to: nil, tenant: nil)
            #expect(byTenant.map(\.group) == ["(none)", "a", "b"])
            let a = try #require(byTenant.first { $0.group == "a" })
            #expect(a.requests == 2 && a.errors == 1 && a.promptTokens == 20 && a.cachedTokens == 4 && a.cost == USD(dollars: 0.75))
            let byDay = try await repository.summarize(groupBy: .day, from: nil, to: nil, tenant: "a")
            #expect(byDay.map(\.group) == [UTCDay(containing: Date(timeIntervalSince1970: day)).formatted])
            let windowed = try await repository.summarize(groupBy: .model, from: Date(timeIntervalSince1970: day + 5), to: Date(timeIntervalSince1970: day + 86_400), tenant: nil)
            #expect(windowed.map(\.group) == ["m2"])
            #expect(try await repository.spend(of: .tenant("a"), since: .distantPast) == USD(dollars: 0.75))
            #expect(try await repository.spend(of: .key("k1"), since: Date(timeIntervalSince1970: day + 1)) == .zero)
            #expect(try await repository.deleteRecords(olderThan: Date(timeIntervalSince1970: day + 86_400)) == 2)
            #expect(try await repository.count() == 2)
        }
    }
}

@Suite struct SQLiteSpendIndexTests {
    /// Spend since a time that is not a midnight (budget periods read ``SpendByDay``) reads an index, never
    /// every record: the tenant's covering index, or the time index from that time on for a key.
    @Test(arguments: [("key_id", "INDEX usage_record_time"), ("tenant", "COVERING INDEX usage_record_tenant_time_cost")])
    func spendReadsAnIndex(column: String, index: String) async throws {
        try await SQLiteGovernanceStoreTests.withDatabase { database in
            let plan = try await database.pool.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + SQLiteUsageRepository.spendQuery(column), arguments: ["x", 0])
                    .map { $0["detail"] as String }
            }
            #expect(plan.joined().contains("SEARCH usage_record USING \(index)"), "\(plan)")
        }
    }
}
