import Foundation
import SwitchboardCore
import SwitchboardStorage

/// The operations on tenants, keys and usage that the admin API and the CLI share, with their validation.
public struct GovernanceAdmin: Sendable {
    public let tenants: any TenantRepository
    public let keys: any KeyRepository
    public let usage: any UsageRepository
    public let budgets: any BudgetLedger
    public let clock: any GatewayClock
    /// Called after every change, so the serving process's key directory reloads.
    public let didChange: @Sendable () async throws -> Void

    public init(tenants: any TenantRepository, keys: any KeyRepository, usage: any UsageRepository, budgets: any BudgetLedger,
                clock: any GatewayClock, didChange: @escaping @Sendable () async throws -> Void = {}) {
        self.tenants = tenants
        self.keys = keys
        self.usage = usage
        self.budgets = budgets
        self.clock = clock
        self.didChange = didChange
    }

    /// Fields of a tenant or key that a create or patch may set; `nil` leaves a field as it is.
    public struct Limits: Sendable, Equatable {
        public var models: [String]??
        public var rpm: Int??
        public var tpm: Int??
        public var budget: BudgetPolicy??
        /// Tenants only: the routing tier.
        public var tier: String??

        public init(models: [String]?? = nil, rpm: Int?? = nil, tpm: Int?? = nil, budget: BudgetPolicy?? = nil, tier: String?? = nil) {
            self.tier = tier
            self.models = models
            self.rpm = rpm
            self.tpm = tpm
            self.budget = budget
        }

        func validate() throws(GatewayError) {
            for (name, value) in [("rpm", rpm), ("tpm", tpm)] {
                if case .some(.some(let limit)) = value, limit < 1 { throw .invalidRequest("'\(name)' must be at least 1.", param: name) }
            }
            if case .some(.some(let budget)) = budget, budget.limit < .zero {
                throw .invalidRequest("'budget.limit_usd' must not be negative.", param: "budget.limit_usd")
            }
        }
    }

    // MARK: Tenants

    public func createTenant(name: String, limits: Limits) async throws -> Tenant {
        guard Self.isValidName(name) else {
            throw GatewayError.invalidRequest("'name' must be 1 to 64 letters, digits, '-', '_' or '.'.", param: "name")
        }
        try limits.validate()
        var tenant = Tenant(name: name, createdAt: clock.now())
        apply(limits, to: &tenant)
        do {
            try await tenants.create(tenant)
        } catch let error as StorageError where error.isConflict {
            throw GatewayError(status: 409, type: "invalid_request_error", code: "tenant_exists", message: "A tenant named '\(name)' exists.", param: "name")
        }
        try await didChange()
        return tenant
    }

    public func tenant(_ name: String) async throws -> Tenant {
        guard let tenant = try await tenants.get(name) else { throw Self.notFound("tenant", name) }
        return tenant
    }

    public func updateTenant(_ name: String, limits: Limits) async throws -> Tenant {
        try limits.validate()
        var tenant = try await tenant(name)
        let previousBudget = tenant.budget
        apply(limits, to: &tenant)
        try await tenants.update(tenant)
        if let budget = tenant.budget, budget != previousBudget { try await rebuildSpend(.tenant(name), budget) }
        try await didChange()
        return tenant
    }

    public func deleteTenant(_ name: String) async throws {
        guard try await tenants.delete(name, at: clock.now()) else { throw Self.notFound("tenant", name) }
        try await didChange()
    }

    // MARK: Keys

    /// Creates a key; returns it with its secret, which is shown only this once.
    public func createKey(tenant tenantName: String, name: String, limits: Limits, expiresAt: Date?, metadata: [String: String]) async throws -> (VirtualKey, String) {
        _ = try await tenant(tenantName)
        try limits.validate()
        if let expiresAt, expiresAt <= clock.now() {
            throw GatewayError.invalidRequest("'expires_at' must be in the future.", param: "expires_at")
        }
        let secret = SecretHash.generate(prefix: VirtualKey.secretPrefix)
        var key = VirtualKey(
            id: "key_" + String(SecretHash.sha256Hex(SecretHash.generate(prefix: "")).prefix(16)), tenant: tenantName, name: name.isEmpty ? "default" : name,
            hash: SecretHash.sha256Hex(secret), prefix: String(secret.prefix(VirtualKey.secretPrefix.count + 6)),
            expiresAt: expiresAt, metadata: metadata, createdAt: clock.now()
        )
        key.models = limits.models ?? nil
        key.rpm = limits.rpm ?? nil
        key.tpm = limits.tpm ?? nil
        key.budget = limits.budget ?? nil
        try await keys.create(key)
        try await didChange()
        return (key, secret)
    }

    public func key(_ id: String) async throws -> VirtualKey {
        guard let key = try await keys.get(id: id) else { throw Self.notFound("key", id) }
        return key
    }

    public func updateKey(_ id: String, name: String?, limits: Limits, expiresAt: Date??, disabled: Bool?, metadata: [String: String]?) async throws -> VirtualKey {
        try limits.validate()
        var key = try await key(id)
        let previousBudget = key.budget
        if let name { key.name = name }
        if let models = limits.models { key.models = models }
        if let rpm = limits.rpm { key.rpm = rpm }
        if let tpm = limits.tpm { key.tpm = tpm }
        if let budget = limits.budget { key.budget = budget }
        if let expiresAt { key.expiresAt = expiresAt }
        if let disabled { key.disabled = disabled }
        if let metadata { key.metadata = metadata }
        try await keys.update(key)
        if let budget = key.budget, budget != previousBudget { try await rebuildSpend(.key(id), budget) }
        try await didChange()
        return key
    }

    /// Revokes a key; it is refused from the next request on.
    public func revokeKey(_ id: String) async throws -> VirtualKey {
        var key = try await key(id)
        if key.revokedAt == nil {
            key.revokedAt = clock.now()
            try await keys.update(key)
            try await didChange()
        }
        return key
    }

    // MARK: Spend

    /// The budget state of a key or tenant, or `nil` when it has no budget.
    public func spend(of scope: BudgetScope) async throws -> BudgetStatus? {
        let policy: BudgetPolicy? = switch scope {
        case .key(let id): try await key(id).budget
        case .tenant(let name): try await tenant(name).budget
        }
        guard let policy else { return nil }
        return await budgets.status(of: scope, policy: policy)
    }

    /// Rebuilds every budget's current-period spend from the usage ledger, at start.
    public func rebuildAllSpend() async throws {
        for tenant in try await tenants.list() {
            if let budget = tenant.budget { try await rebuildSpend(.tenant(tenant.name), budget) }
        }
        for key in try await keys.list(tenant: nil) where key.revokedAt == nil {
            if let budget = key.budget { try await rebuildSpend(.key(key.id), budget) }
        }
    }

    private func rebuildSpend(_ scope: BudgetScope, _ budget: BudgetPolicy) async throws {
        let spent = try await usage.spend(of: scope, since: budget.period.start(containing: clock.now()))
        await budgets.restore(scope, spent: spent, policy: budget)
    }

    private func apply(_ limits: Limits, to tenant: inout Tenant) {
        if let models = limits.models { tenant.models = models }
        if let rpm = limits.rpm { tenant.rpm = rpm }
        if let tpm = limits.tpm { tenant.tpm = tpm }
        if let budget = limits.budget { tenant.budget = budget }
        if let tier = limits.tier { tenant.tier = tier }
    }

    static func notFound(_ kind: String, _ name: String) -> GatewayError {
        GatewayError(status: 404, type: "invalid_request_error", code: "\(kind)_not_found", message: "No \(kind) '\(name)'.")
    }

    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
