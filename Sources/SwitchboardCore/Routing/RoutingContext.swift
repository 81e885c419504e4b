/// What the caller and the request say about how to route it, beyond the model name.
public struct RoutingContext: Sendable {
    /// The request's `metadata` object.
    public var metadata: [String: String]
    /// The tenant's tier, when the caller belongs to a tenant.
    public var tenantTier: String?
    /// Whether the caller holds the admin key (required to pin a deployment).
    public var isAdmin: Bool
    /// A deployment name to use exclusively (the `x-switchboard-deployment` header), for debugging.
    public var pinnedDeployment: String?
    /// The client's deadline for the whole request, all attempts and waits included.
    public var timeout: Duration?
    /// Who feature-flag rollouts are decided for: the virtual key id, else the request's `user`.
    public var flagSubject: String?

    public init(metadata: [String: String] = [:], tenantTier: String? = nil, isAdmin: Bool = false,
                pinnedDeployment: String? = nil, timeout: Duration? = nil) {
        self.metadata = metadata
        self.tenantTier = tenantTier
        self.isAdmin = isAdmin
        self.pinnedDeployment = pinnedDeployment
        self.timeout = timeout
    }
}

/// A configured rule that sends matching requests to another model; the first matching rule wins.
public struct RoutingRule: Sendable, Equatable {
    /// Requested model names it applies to; nil for any.
    public var models: [String]?
    /// Metadata entries that must all be present with these values.
    public var metadata: [String: String]
    /// Tenant tiers it applies to; nil for any (including no tenant).
    public var tiers: [String]?
    /// A feature flag that must be on for the request's subject; nil for none.
    public var flag: String?
    /// The model to use instead.
    public var target: String

    public init(models: [String]? = nil, metadata: [String: String] = [:], tiers: [String]? = nil, target: String) {
        self.models = models
        self.metadata = metadata
        self.tiers = tiers
        self.target = target
    }

    public func matches(model: String, context: RoutingContext, flags: FeatureFlags = FeatureFlags()) -> Bool {
        if let models, !models.contains(model) { return false }
        if let tiers, !tiers.contains(context.tenantTier ?? "") { return false }
        if let flag, !flags.isOn(flag, for: context.flagSubject) { return false }
        return metadata.allSatisfy { context.metadata[$0.key] == $0.value }
    }

    /// The model `rules` choose for a request for `model`.
    public static func apply(_ rules: [RoutingRule], model: String, context: RoutingContext, flags: FeatureFlags = FeatureFlags()) -> String {
        rules.first { $0.matches(model: model, context: context, flags: flags) }?.target ?? model
    }
}

/// Everything about routing that is configured rather than per request.
public struct RoutingSettings: Sendable, Equatable {
    public var retry: RetryPolicy
    public var retryBudget: RetryBudgetSettings
    public var circuitBreaker: CircuitBreakerSettings
    public var rules: [RoutingRule]
    /// The longest `x-switchboard-timeout-ms` honoured; longer ones are cut to this.
    public var maxClientTimeout: Duration
    /// Feature flags that routing rules may require (`flags:` in the file).
    public var flags = FeatureFlags()

    public init(retry: RetryPolicy = .init(), retryBudget: RetryBudgetSettings = .init(),
                circuitBreaker: CircuitBreakerSettings = .init(), rules: [RoutingRule] = [],
                maxClientTimeout: Duration = .seconds(600)) {
        self.retry = retry
        self.retryBudget = retryBudget
        self.circuitBreaker = circuitBreaker
        self.rules = rules
        self.maxClientTimeout = maxClientTimeout
    }
}
