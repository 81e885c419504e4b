import Foundation
import SwitchboardCore
import SwitchboardStorage
import Synchronization
import Testing

/// `switchboard backup` and `restore`: a copy taken while requests write is one consistent moment of the
/// database, and restore refuses while a server holds the data directory.
@Suite struct SQLiteBackupTests {
    static let batchSize = 10

    static func batch(_ number: Int) -> [UsageRecord] {
        (0..<batchSize).map { index in
            UsageRecord(requestID: "req-\(number)-\(index)", time: Date(), tenant: "acme", keyID: "key", publicModel: "mock/echo",
                        promptTokens: 3, completionTokens: 5, status: 200)
        }
    }

    @Test func backupTakenDuringWritesRestoresToAConsistentDatabase() async throws {
        try await SQLiteDatabaseTests.withDirectory { directory in
            let database = try SQLiteDatabase(directory: directory)
            let repository = SQLiteUsageRepository(database: database)
            let stop = Atomic<Bool>(false)
            let (progress, written) = AsyncStream<Int>.makeStream()
            // Writes batches, each in one transaction, until told to stop.
            let writer = Task {
                var number = 0
                while !stop.load(ordering: .relaxed) {
                    try await repository.append(Self.batch(number))
                    number += 1
                    written.yield(number)
                }
                written.finish()
                return number
            }
            for await count in progress where count >= 5 { break }
            let file = (directory as NSString).deletingLastPathComponent + "/backup.sqlite"
            try SQLiteBackup.backup(database, to: file)
            stop.store(true, ordering: .relaxed)
            let batches = try await writer.value
            try SQLiteBackup.verify(file)

            let restored = (directory as NSString).deletingLastPathComponent + "/restored"
            try SQLiteBackup.restore(from: file, into: restored)
            let copy = try SQLiteDatabase(directory: restored)
            let copied = try await SQLiteUsageRepository(database: copy).count()
            #expect(copied >= 5 * Self.batchSize)
            #expect(copied <= batches * Self.batchSize)
            // Every batch is in the copy whole or not at all.
            #expect(copied % Self.batchSize == 0)
            #expect(try await repository.count() == batches * Self.batchSize)
            // A second backup to the same file is refused rather than overwriting it.
            #expect(throws: SQLiteBackup.Failure.self) { try SQLiteBackup.backup(database, to: file) }
        }
    }

    @Test func restoreRefusesWhileTheDataDirectoryIsHeld() async throws {
        try await SQLiteDatabaseTests.withDirectory { directory in
            let source = try SQLiteDatabase(directory: directory)
            try await SQLiteUsageRepository(database: source).append(Self.batch(0))
            let file = (directory as NSString).deletingLastPathComponent + "/backup.sqlite"
            try SQLiteBackup.backup(source, to: file)

            let target = (directory as NSString).deletingLastPathComponent + "/target"
            var lock: DataDirectoryLock? = try DataDirectoryLock(directory: target)
            #expect(throws: DataDirectoryLock.HeldElsewhere.self) { try SQLiteBackup.restore(from: file, into: target) }
            #expect(throws: DataDirectoryLock.HeldElsewhere.self) { try DataDirectoryLock(directory: target) }
            #expect(lock != nil)
            lock = nil
            try SQLiteBackup.restore(from: file, into: target)
            #expect(try await SQLiteUsageRepository(database: SQLiteDatabase(directory: target)).count() == Self.batchSize)
        }
    }

    @Test func restoreRejectsAFileThatIsNotADatabase() async throws {
        try await SQLiteDatabaseTests.withDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let file = directory + "/garbage.sqlite"
            try Data("not a database at all, just text".utf8).write(to: URL(fileURLWithPath: file))
            #expect(throws: (any Error).self) { try SQLiteBackup.restore(from: file, into: directory + "/target") }
            #expect(!FileManager.default.fileExists(atPath: directory + "/target/switchboard.sqlite"))
        }
    }
}
