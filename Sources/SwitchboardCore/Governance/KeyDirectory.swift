import Synchronization

/// A virtual key with its tenant, as authentication resolves it.
public struct KeyIdentity: Sendable, Equatable {
    public var key: VirtualKey
    public var tenant: Tenant

    public init(key: VirtualKey, tenant: Tenant) {
        self.key = key
        self.tenant = tenant
    }

    /// Models this caller may use: the key's list within the tenant's.
    public func mayUse(_ model: String) -> Bool {
        ModelAccess.allows(tenant.models, model) && ModelAccess.allows(key.models, model)
    }
}

/// The authentication cache: every key by its hash, paired with its tenant, in memory so that checking a key on
/// the request path takes one dictionary lookup. Reloaded whenever keys or tenants change.
public final class KeyDirectory: Sendable {
    /// A key's hash (lowercase hex SHA-256) as a dictionary key. A digest is uniformly distributed, so its first
    /// eight bytes are hashed rather than all 64 (a lookup hashed 64 bytes on every request); the table holds only
    /// the operator's keys and `Hasher` is seeded per process, so a caller cannot crowd a bucket. Equality still
    /// compares the whole hash.
    private struct DigestKey: Hashable {
        let hex: String

        func hash(into hasher: inout Hasher) {
            let prefix = hex.utf8.withContiguousStorageIfAvailable { bytes in
                bytes.count >= 8 ? UnsafeRawBufferPointer(bytes).loadUnaligned(as: UInt64.self) : nil
            }
            if let prefix = prefix ?? nil { hasher.combine(prefix) } else { hasher.combine(hex) }
        }
    }

    /// Every usable pairing of a key and its tenant, by the key's hash.
    private let identities = Mutex<[DigestKey: KeyIdentity]>([:])

    public init() {}

    /// Replaces the contents. A key whose tenant is not among `tenants` is left out.
    public func replace(keys: [VirtualKey], tenants: [Tenant]) {
        let tenantsByName = Dictionary(tenants.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        var next: [DigestKey: KeyIdentity] = [:]
        next.reserveCapacity(keys.count)
        for key in keys {
            guard let tenant = tenantsByName[key.tenant] else { continue }
            next[DigestKey(hex: key.hash)] = KeyIdentity(key: key, tenant: tenant)
        }
        identities.withLock { $0 = next }
    }

    /// The key whose secret hashes to `hash`, with its tenant; `nil` when unknown (usability is checked by the caller).
    public func identity(forHash hash: String) -> KeyIdentity? {
        identities.withLock { $0[DigestKey(hex: hash)] }
    }
}
