import Foundation
import GRDB

/// The embedded SQLite database: one file in the data directory, WAL mode, migrated at open.
public struct SQLiteDatabase: Sendable {
    /// The GRDB pool; repositories read and write through it.
    public let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating if needed) `switchboard.sqlite` in `directory` and applies every migration.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("switchboard.sqlite")
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
        self.pool = pool
        self.path = path
    }

    /// Checks that the database answers a query, for readiness.
    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// The journal mode SQLite reports (`wal` once opened by a pool).
    public func journalMode() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-admin-keys") { db in
            try db.create(table: "admin_key") { table in
                table.primaryKey("id", .integer)
                table.column("key_hash", .text).notNull()
                table.column("prefix", .text).notNull()
                table.column("created_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v2-governance", migrate: GovernanceSchema.create)
        migrator.registerMigration("v3-spend-covering-indexes", migrate: GovernanceSchema.coverSpend)
        migrator.registerMigration("v4-spend-by-day", migrate: SpendByDay.create)
        migrator.registerMigration("v5-no-key-spend-index", migrate: SpendByDay.dropKeySpendIndex)
        return migrator
    }
}

/// The ``AdminKeyStore`` in the SQLite database.
public struct SQLiteAdminKeyStore: AdminKeyStore {
    private let database: SQLiteDatabase

    public init(database: SQLiteDatabase) { self.database = database }

    public func adminKeyHash() async throws -> String? {
        try await database.pool.read { db in
            try String.fetchOne(db, sql: "SELECT key_hash FROM admin_key ORDER BY id DESC LIMIT 1")
        }
    }

    public func saveAdminKeyHash(_ hash: String, prefix: String) async throws {
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM admin_key")
            try db.execute(
                sql: "INSERT INTO admin_key (key_hash, prefix, created_at) VALUES (?, ?, ?)",
                arguments: [hash, prefix, Date()]
            )
        }
    }
}
