import SwitchboardCore

/// Where the gateway keeps the hash of its generated admin key. Only the SHA-256 hash is ever stored.
public protocol AdminKeyStore: Sendable {
    /// The stored admin key hash, or `nil` when none was generated yet.
    func adminKeyHash() async throws -> String?
    /// Stores the hash of a newly generated admin key, replacing any earlier one.
    func saveAdminKeyHash(_ hash: String, prefix: String) async throws
}

/// An ``AdminKeyStore`` in memory, for tests.
public actor MemoryAdminKeyStore: AdminKeyStore {
    private var hash: String?

    public init(hash: String? = nil) { self.hash = hash }

    public func adminKeyHash() async throws -> String? { hash }

    public func saveAdminKeyHash(_ hash: String, prefix: String) async throws { self.hash = hash }
}
