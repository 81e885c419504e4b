import Foundation
import SwitchboardCore
import SwitchboardStorage
import Testing

@Suite struct SQLiteDatabaseTests {
    /// Runs `body` with a fresh, not yet existing directory path under the temporary folder, removed afterwards.
    static func withDirectory(_ body: (String) async throws -> Void) async throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-db-\(UUID().uuidString)")
            .appendingPathComponent("data")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try await body(url.path)
    }

    @Test func openCreatesTheFileInWALMode() async throws {
        try await Self.withDirectory { directory in
            #expect(!FileManager.default.fileExists(atPath: directory))
            let database = try SQLiteDatabase(directory: directory)
            #expect(database.path == (directory as NSString).appendingPathComponent("switchboard.sqlite"))
            #expect(FileManager.default.fileExists(atPath: database.path))
            #expect(try await database.journalMode() == "wal")
            try await database.ping()
        }
    }

    @Test func reopeningRerunsMigrationsAndKeepsData() async throws {
        try await Self.withDirectory { directory in
            let first = try SQLiteDatabase(directory: directory)
            try await SQLiteAdminKeyStore(database: first).saveAdminKeyHash("hash-one", prefix: "sk-sb-admin-abcd")
            let second = try SQLiteDatabase(directory: directory)
            try await second.ping()
            #expect(try await SQLiteAdminKeyStore(database: second).adminKeyHash() == "hash-one")
            let third = try SQLiteDatabase(directory: directory)
            #expect(try await third.journalMode() == "wal")
        }
    }

    @Test func adminKeyStoreRoundTrip() async throws {
        try await Self.withDirectory { directory in
            let store = SQLiteAdminKeyStore(database: try SQLiteDatabase(directory: directory))
            #expect(try await store.adminKeyHash() == nil)
            try await store.saveAdminKeyHash("first-hash", prefix: "sk-sb-admin-1111")
            #expect(try await store.adminKeyHash() == "first-hash")
            try await store.saveAdminKeyHash("second-hash", prefix: "sk-sb-admin-2222")
            #expect(try await store.adminKeyHash() == "second-hash")
        }
    }

    @Test func databaseFilesHoldOnlyTheHashOfAKey() async throws {
        try await Self.withDirectory { directory in
            let database = try SQLiteDatabase(directory: directory)
            let key = SecretHash.generate(prefix: "sk-sb-admin-")
            let hash = SecretHash.sha256Hex(key)
            try await SQLiteAdminKeyStore(database: database).saveAdminKeyHash(hash, prefix: String(key.prefix(16)))
            #expect(try await SQLiteAdminKeyStore(database: database).adminKeyHash() == hash)

            // WAL mode: the row may still sit in switchboard.sqlite-wal, so read every file of the database.
            var bytes = Data()
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
                bytes += try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
            }
            #expect(bytes.range(of: Data(hash.utf8)) != nil)
            #expect(bytes.range(of: Data(key.utf8)) == nil)
            #expect(bytes.range(of: Data(key.dropFirst(16).utf8)) == nil)
        }
    }
}
