import Foundation
import GRDB
import SwitchboardCore

/// Tenants, keys and the change sequence in SQLite. Every query binds its values; none is built from input.
public struct SQLiteGovernanceStore: TenantRepository, KeyRepository, ChangeSequence {
    private let pool: DatabasePool

    public init(database: SQLiteDatabase) { self.pool = database.pool }

    public func create(_ tenant: Tenant) async throws {
        try await pool.write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM tenant WHERE name = ?", arguments: [tenant.name]) == nil else {
                throw StorageError.conflict("tenant '\(tenant.name)' exists")
            }
            try db.execute(
                sql: "INSERT INTO tenant (name, models, rpm, tpm, budget_limit_nanos, budget_period, tier, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [tenant.name, Columns.encode(tenant.models), tenant.rpm, tenant.tpm, tenant.budget?.limit.nanos,
                            tenant.budget?.period.rawValue, tenant.tier, tenant.createdAt.timeIntervalSince1970]
            )
        }
    }

    public func get(_ name: String) async throws -> Tenant? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM tenant WHERE name = ?", arguments: [name]).map(Columns.tenant) }
    }

    public func list() async throws -> [Tenant] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM tenant ORDER BY name").map(Columns.tenant) }
    }

    public func update(_ tenant: Tenant) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE tenant SET models = ?, rpm = ?, tpm = ?, budget_limit_nanos = ?, budget_period = ?, tier = ? WHERE name = ?",
                arguments: [Columns.encode(tenant.models), tenant.rpm, tenant.tpm, tenant.budget?.limit.nanos, tenant.budget?.period.rawValue,
                            tenant.tier, tenant.name]
            )
            if db.changesCount == 0 { throw StorageError.notFound("no tenant '\(tenant.name)'") }
        }
    }

    public func delete(_ name: String, at time: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM tenant WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "UPDATE virtual_key SET revoked_at = ? WHERE tenant = ? AND revoked_at IS NULL",
                           arguments: [time.timeIntervalSince1970, name])
            return true
        }
    }

    public func create(_ key: VirtualKey) async throws {
        try await pool.write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM virtual_key WHERE id = ? OR key_hash = ?", arguments: [key.id, key.hash]) == nil else {
                throw StorageError.conflict("key exists")
            }
            try db.execute(sql: """
                INSERT INTO virtual_key (id, tenant, name, key_hash, prefix, models, rpm, tpm, budget_limit_nanos, budget_period,
                    expires_at, metadata, disabled, revoked_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: Columns.keyArguments(key))
        }
    }

    public func get(id: String) async throws -> VirtualKey? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM virtual_key WHERE id = ?", arguments: [id]).map(Columns.key) }
    }

    public func list(tenant: String?) async throws -> [VirtualKey] {
        try await pool.read { db in
            if let tenant {
                return try Row.fetchAll(db, sql: "SELECT * FROM virtual_key WHERE tenant = ? ORDER BY created_at DESC, id DESC", arguments: [tenant]).map(Columns.key)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM virtual_key ORDER BY created_at DESC, id DESC").map(Columns.key)
        }
    }

    public func update(_ key: VirtualKey) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                UPDATE virtual_key SET name = ?, models = ?, rpm = ?, tpm = ?, budget_limit_nanos = ?, budget_period = ?,
                    expires_at = ?, metadata = ?, disabled = ?, revoked_at = ? WHERE id = ?
                """, arguments: [key.name, Columns.encode(key.models), key.rpm, key.tpm, key.budget?.limit.nanos, key.budget?.period.rawValue,
                                 key.expiresAt?.timeIntervalSince1970, Columns.encode(key.metadata), key.disabled,
                                 key.revokedAt?.timeIntervalSince1970, key.id])
            if db.changesCount == 0 { throw StorageError.notFound("no key '\(key.id)'") }
        }
    }

    public func current() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM change_sequence WHERE id = 1") ?? 0 }
    }
}

/// Row ↔ value conversions shared by the SQLite repositories.
enum Columns {
    static func encode<T: Encodable>(_ value: T?) -> String? {
        guard let value, let data = try? JSONEncoder().encode(value) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(type, from: Data(text.utf8))
    }

    static func budget(_ row: Row) -> BudgetPolicy? {
        guard let nanos: Int64 = row["budget_limit_nanos"], let period = BudgetPeriod(rawValue: row["budget_period"] ?? "") else { return nil }
        return BudgetPolicy(limit: USD(nanos: nanos), period: period)
    }

    static func date(_ value: Double?) -> Date? { value.map(Date.init(timeIntervalSince1970:)) }

    static func tenant(_ row: Row) -> Tenant {
        Tenant(name: row["name"], models: decode([String].self, row["models"]), rpm: row["rpm"], tpm: row["tpm"],
               budget: budget(row), tier: row["tier"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }

    static func key(_ row: Row) -> VirtualKey {
        VirtualKey(
            id: row["id"], tenant: row["tenant"], name: row["name"], hash: row["key_hash"], prefix: row["prefix"],
            models: decode([String].self, row["models"]), rpm: row["rpm"], tpm: row["tpm"], budget: budget(row),
            expiresAt: date(row["expires_at"]), metadata: decode([String: String].self, row["metadata"]) ?? [:],
            disabled: row["disabled"], revokedAt: date(row["revoked_at"]), createdAt: Date(timeIntervalSince1970: row["created_at"])
        )
    }

    static func keyArguments(_ key: VirtualKey) -> StatementArguments {
        [key.id, key.tenant, key.name, key.hash, key.prefix, encode(key.models), key.rpm, key.tpm, key.budget?.limit.nanos,
         key.budget?.period.rawValue, key.expiresAt?.timeIntervalSince1970, encode(key.metadata) ?? "{}", key.disabled,
         key.revokedAt?.timeIntervalSince1970, key.createdAt.timeIntervalSince1970]
    }
}
