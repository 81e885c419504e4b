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

/// The authentication cache: every key by its hash, with its tenant, in memory so that checking a key on
/// the request path takes one dictionary lookup. Reloaded whenever keys or tenants change.
public final class KeyDirectory: Sendable {
    private struct Snapshot {
        var byHash: [String: VirtualKey] = [:]
        var tenants: [String: Tenant] = [:]
    }

    private let snapshot = Mutex(Snapshot())

    public init() {}

    /// Replaces the contents.
    public func replace(keys: [VirtualKey], tenants: [Tenant]) {
        var next = Snapshot()
        for key in keys { next.byHash[key.hash] = key }
        for tenant in tenants { next.tenants[tenant.name] = tenant }
        snapshot.withLock { $0 = next }
    }

    /// The key whose secret hashes to `hash`, with its tenant; `nil` when unknown (usability is checked by the caller).
    public func identity(forHash hash: String) -> KeyIdentity? {
        snapshot.withLock { snapshot in
            guard let key = snapshot.byHash[hash], let tenant = snapshot.tenants[key.tenant] else { return nil }
            return KeyIdentity(key: key, tenant: tenant)
        }
    }
}
