import Foundation
import SwitchboardCore

/// A storage failure a caller can act on.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Equatable { case conflict, notFound }
    private let kind: Kind
    public let message: String

    /// The row already exists (e.g. a tenant name is taken).
    public static func conflict(_ message: String) -> Self { .init(kind: .conflict, message: message) }
    /// The row does not exist.
    public static func notFound(_ message: String) -> Self { .init(kind: .notFound, message: message) }

    public var isConflict: Bool { kind == .conflict }
    public var isNotFound: Bool { kind == .notFound }
    public var description: String { message }
}

/// Tenants by name.
public protocol TenantRepository: Sendable {
    /// Creates a tenant; throws ``StorageError/conflict(_:)`` when the name is taken.
    func create(_ tenant: Tenant) async throws
    /// The tenant named `name`, if any.
    func get(_ name: String) async throws -> Tenant?
    /// Every tenant, by name.
    func list() async throws -> [Tenant]
    /// Replaces a tenant; throws ``StorageError/notFound(_:)`` when it does not exist.
    func update(_ tenant: Tenant) async throws
    /// Deletes a tenant and revokes its keys; returns false when it did not exist.
    func delete(_ name: String, at time: Date) async throws -> Bool
}

/// Virtual keys by id; secrets exist only as hashes.
public protocol KeyRepository: Sendable {
    /// Stores a new key; throws ``StorageError/conflict(_:)`` when the id or hash exists.
    func create(_ key: VirtualKey) async throws
    /// The key with `id`, if any.
    func get(id: String) async throws -> VirtualKey?
    /// Keys of one tenant, or all keys, newest first.
    func list(tenant: String?) async throws -> [VirtualKey]
    /// Replaces a key; throws ``StorageError/notFound(_:)`` when it does not exist.
    func update(_ key: VirtualKey) async throws
}

/// The usage ledger: one record per answered request.
public protocol UsageRepository: Sendable {
    /// Appends records in one transaction.
    func append(_ records: [UsageRecord]) async throws
    /// Totals per group between `from` (inclusive) and `to` (exclusive), optionally for one tenant.
    func summarize(groupBy: UsageGrouping, from: Date?, to: Date?, tenant: String?) async throws -> [UsageSummary]
    /// Cost recorded for a key or tenant since `start`, to rebuild budgets at start. For a `start` at a UTC
    /// midnight (every budget period starts at one), records that retention deleted still count.
    func spend(of scope: BudgetScope, since start: Date) async throws -> USD
    /// Deletes records older than `cutoff`; returns how many.
    func deleteRecords(olderThan cutoff: Date) async throws -> Int
    /// The number of records.
    func count() async throws -> Int
}

/// A number that changes whenever tenants or keys change, so a process can notice edits made by another
/// process (the CLI) on the same database.
public protocol ChangeSequence: Sendable {
    func current() async throws -> Int64
}
