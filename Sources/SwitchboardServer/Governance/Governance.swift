import Logging
import SwitchboardCore
import SwitchboardStorage

/// The tenancy side of the gateway: key directory, admission, usage sink and the admin operations,
/// over one set of repositories.
public struct Governance: Sendable {
    public let directory: KeyDirectory
    public let admission: Admission
    public let usage: any UsageSink
    public let admin: GovernanceAdmin
    public let clock: any GatewayClock

    /// Builds governance over the given repositories; admin changes reload the key directory at once.
    public init(
        tenants: any TenantRepository, keys: any KeyRepository, usageRepository: any UsageRepository, usage: any UsageSink,
        settings: GovernanceSettings, clock: any GatewayClock = SystemClock(),
        limiter: (any RateLimiter)? = nil, budgets: (any BudgetLedger)? = nil
    ) {
        let directory = KeyDirectory()
        let budgets = budgets ?? MemoryBudgetLedger(clock: clock)
        self.directory = directory
        self.clock = clock
        self.usage = usage
        self.admission = Admission(
            limiter: limiter ?? MemoryRateLimiter(clock: clock), budgets: budgets, prices: PriceTable(overrides: settings.prices),
            allowUnpricedModels: settings.allowUnpricedModels, defaultOutputCap: settings.defaultOutputCap
        )
        self.admin = GovernanceAdmin(tenants: tenants, keys: keys, usage: usageRepository, budgets: budgets, clock: clock) {
            directory.replace(keys: try await keys.list(tenant: nil), tenants: try await tenants.list())
        }
    }

    /// Loads keys and tenants and rebuilds current-period spend from the ledger, at start.
    public func load() async throws {
        try await admin.didChange()
        try await admin.rebuildAllSpend()
    }
}
