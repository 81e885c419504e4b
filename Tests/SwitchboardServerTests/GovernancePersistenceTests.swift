import Foundation
import Logging
import SwitchboardCore
import SwitchboardServer
import SwitchboardStorage
import Testing

/// Keys and spend survive a restart: a new process over the same database sees the same keys and rebuilds
/// the current period's spend from the ledger.
@Suite struct GovernancePersistenceTests {
    struct NoSink: UsageSink { func record(_ record: UsageRecord) {} }

    static func governance(_ database: SQLiteDatabase, clock: any GatewayClock) -> Governance {
        let store = SQLiteGovernanceStore(database: database)
        return Governance(tenants: store, keys: store, usageRepository: SQLiteUsageRepository(database: database), usage: NoSink(),
                          settings: GovernanceSettings(), clock: clock)
    }

    @Test func keysAndSpendSurviveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sb-restart-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = ManualClock(try #require(ISO8601DateFormatter().date(from: "2026-11-23T12:00:00Z")))
        let budget = GovernanceAdmin.Limits(budget: .some(BudgetPolicy(limit: USD(dollars: 10), period: .day)))

        let first = Self.governance(try SQLiteDatabase(directory: directory), clock: clock)
        try await first.load()
        _ = try await first.admin.createTenant(name: "acme", limits: budget)
        let (key, secret) = try await first.admin.createKey(tenant: "acme", name: "ci", limits: budget, expiresAt: nil, metadata: [:])
        let usage = SQLiteUsageRepository(database: try SQLiteDatabase(directory: directory))
        func record(_ id: String, _ dollars: Double, at time: Date) -> UsageRecord {
            UsageRecord(requestID: id, time: time, tenant: "acme", keyID: key.id, publicModel: "mock/echo", cost: USD(dollars: dollars), status: 200)
        }
        try await usage.append([
            record("yesterday", 4, at: clock.now().addingTimeInterval(-86_400)),
            record("today-1", 1.25, at: clock.now().addingTimeInterval(-60)),
            record("today-2", 0.5, at: clock.now().addingTimeInterval(-30)),
        ])

        let second = Self.governance(try SQLiteDatabase(directory: directory), clock: clock)
        try await second.load()
        let identity = try #require(second.directory.identity(forHash: SecretHash.sha256Hex(secret)))
        #expect(identity.key.id == key.id && identity.tenant.name == "acme")
        #expect(try await second.admin.spend(of: .key(key.id))?.spent == USD(dollars: 1.75))
        #expect(try await second.admin.spend(of: .tenant("acme"))?.spent == USD(dollars: 1.75))
        #expect(try await second.admin.spend(of: .tenant("acme"))?.remaining == USD(dollars: 8.25))
    }

    @Test func retentionDeletesOldRecordsOnly() async throws {
        let store = MemoryGovernanceStore()
        let clock = ManualClock()
        try await store.append([
            UsageRecord(requestID: "old", time: clock.now().addingTimeInterval(-31 * 86_400), tenant: nil, keyID: nil, publicModel: "m", status: 200),
            UsageRecord(requestID: "new", time: clock.now().addingTimeInterval(-29 * 86_400), tenant: nil, keyID: nil, publicModel: "m", status: 200),
        ])
        let janitor = LedgerRetentionJanitor(repository: store, retentionDays: 30, clock: clock, logger: Logger(label: "test"))
        #expect(try await janitor.sweep() == 1)
        #expect(await store.allRecords().map(\.requestID) == ["new"])
    }

    @Test func ledgerWriterFlushesEverythingOnShutdown() async throws {
        let store = MemoryGovernanceStore()
        let writer = UsageLedgerWriter(repository: store, logger: Logger(label: "test"), flushInterval: .seconds(3600))
        for index in 0..<500 {
            writer.record(UsageRecord(requestID: "r\(index)", time: Date(), tenant: nil, keyID: nil, publicModel: "m", status: 200))
        }
        #expect(writer.queueDepth > 0)
        await writer.flush()
        #expect(try await store.count() == 500)
        #expect(writer.queueDepth == 0)
    }
}
