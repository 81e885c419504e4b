import Foundation
import SwitchboardCore

/// A ``TenantRepository``, ``KeyRepository``, ``UsageRepository`` and ``ChangeSequence`` in memory, for tests.
public actor MemoryGovernanceStore: TenantRepository, KeyRepository, UsageRepository, ChangeSequence {
    private var tenants: [String: Tenant] = [:]
    private var keys: [String: VirtualKey] = [:]
    private var records: [UsageRecord] = []
    /// Records that retention deleted: they still count towards budget periods, as ``SpendByDay`` keeps them.
    private var retired: [UsageRecord] = []
    private var sequence: Int64 = 0

    public init() {}

    public func create(_ tenant: Tenant) async throws {
        guard tenants[tenant.name] == nil else { throw StorageError.conflict("tenant '\(tenant.name)' exists") }
        tenants[tenant.name] = tenant
        sequence += 1
    }

    public func get(_ name: String) async throws -> Tenant? { tenants[name] }

    public func list() async throws -> [Tenant] { tenants.values.sorted { $0.name < $1.name } }

    public func update(_ tenant: Tenant) async throws {
        guard tenants[tenant.name] != nil else { throw StorageError.notFound("no tenant '\(tenant.name)'") }
        tenants[tenant.name] = tenant
        sequence += 1
    }

    public func delete(_ name: String, at time: Date) async throws -> Bool {
        guard tenants.removeValue(forKey: name) != nil else { return false }
        for (id, key) in keys where key.tenant == name && key.revokedAt == nil { keys[id]?.revokedAt = time }
        sequence += 1
        return true
    }

    public func create(_ key: VirtualKey) async throws {
        guard keys[key.id] == nil, !keys.values.contains(where: { $0.hash == key.hash }) else {
            throw StorageError.conflict("key exists")
        }
        keys[key.id] = key
        sequence += 1
    }

    public func get(id: String) async throws -> VirtualKey? { keys[id] }

    public func list(tenant: String?) async throws -> [VirtualKey] {
        keys.values.filter { tenant == nil || $0.tenant == tenant }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }

    public func update(_ key: VirtualKey) async throws {
        guard keys[key.id] != nil else { throw StorageError.notFound("no key '\(key.id)'") }
        keys[key.id] = key
        sequence += 1
    }

    public func append(_ records: [UsageRecord]) async throws { self.records += records }

    public func summarize(groupBy: UsageGrouping, from: Date?, to: Date?, tenant: String?) async throws -> [UsageSummary] {
        let selected = records.filter { record in
            (from.map { record.time >= $0 } ?? true) && (to.map { record.time < $0 } ?? true) && (tenant.map { record.tenant == $0 } ?? true)
        }
        var groups: [String: UsageSummary] = [:]
        for record in selected {
            let name = Self.group(of: record, by: groupBy)
            var summary = groups[name] ?? UsageSummary(group: name, requests: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, cost: .zero, errors: 0)
            summary.requests += 1
            summary.promptTokens += record.promptTokens
            summary.completionTokens += record.completionTokens
            summary.cachedTokens += record.cachedTokens
            summary.cost += record.cost
            summary.errors += record.status >= 400 ? 1 : 0
            groups[name] = summary
        }
        return groups.values.sorted { $0.group < $1.group }
    }

    public func spend(of scope: BudgetScope, since start: Date) async throws -> USD {
        let counted = SpendByDay.isMidnight(start) ? records + retired : records
        return counted.filter { record in
            guard record.time >= start else { return false }
            switch scope {
            case .key(let id): return record.keyID == id
            case .tenant(let name): return record.tenant == name
            }
        }.reduce(.zero) { $0 + $1.cost }
    }

    public func deleteRecords(olderThan cutoff: Date) async throws -> Int {
        let before = records.count
        retired += records.filter { $0.time < cutoff }
        records.removeAll { $0.time < cutoff }
        return before - records.count
    }

    public func count() async throws -> Int { records.count }

    public func current() async throws -> Int64 { sequence }

    /// Every stored record, for tests.
    public func allRecords() -> [UsageRecord] { records }

    static func group(of record: UsageRecord, by grouping: UsageGrouping) -> String {
        switch grouping {
        case .tenant: record.tenant ?? "(none)"
        case .key: record.keyID ?? "(none)"
        case .model: record.publicModel
        case .provider: record.provider ?? "(none)"
        case .day: UTCDay(containing: record.time).formatted
        }
    }
}
