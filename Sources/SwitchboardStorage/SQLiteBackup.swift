import Foundation
import GRDB

/// Consistent copies of the SQLite database while the gateway serves (SQLite's online backup API, through
/// GRDB), and restores into a data directory no server holds.
public enum SQLiteBackup {
    /// Why a backup or restore did not happen.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Copies `database` to `file`: one read transaction, so the copy is the database as of one moment even
    /// while requests write. Writes to `file.partial` first and renames, so `file` is never half-written.
    public static func backup(_ database: SQLiteDatabase, to file: String) throws {
        guard !FileManager.default.fileExists(atPath: file) else {
            throw Failure(description: "\(file) already exists; choose a new file")
        }
        let partial = file + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let destination = try DatabaseQueue(path: partial)
            try database.pool.backup(to: destination)
            try destination.close()
            try FileManager.default.moveItem(atPath: partial, toPath: file)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Checks that `file` is a sound SQLite database.
    public static func verify(_ file: String) throws {
        guard FileManager.default.fileExists(atPath: file) else { throw Failure(description: "\(file) does not exist") }
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: file, configuration: configuration)
        let result = try queue.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        try queue.close()
        guard result == "ok" else { throw Failure(description: "\(file) failed SQLite's integrity check: \(result ?? "no answer")") }
    }

    /// Replaces the database of `directory` by the backup `file`, then migrates it. Refuses (throwing
    /// ``DataDirectoryLock/HeldElsewhere``) while a server holds the directory.
    public static func restore(from file: String, into directory: String) throws {
        let lock = try DataDirectoryLock(directory: directory)
        try verify(file)
        let target = (directory as NSString).appendingPathComponent("switchboard.sqlite")
        let staged = target + ".restoring"
        let files = FileManager.default
        try? files.removeItem(atPath: staged)
        try files.copyItem(atPath: file, toPath: staged)
        for suffix in ["-wal", "-shm"] { try? files.removeItem(atPath: target + suffix) }
        if files.fileExists(atPath: target) {
            _ = try files.replaceItemAt(URL(fileURLWithPath: target), withItemAt: URL(fileURLWithPath: staged))
        } else {
            try files.moveItem(atPath: staged, toPath: target)
        }
        _ = try SQLiteDatabase(directory: directory)
        withExtendedLifetime(lock) {}
    }
}
