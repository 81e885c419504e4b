/// How a model chooses among its deployments.
public enum RoutingStrategy: String, Sendable, CaseIterable, Equatable {
    /// Lowest `priority` first, then declaration order: plain failover.
    case priority
    /// At random, in proportion to `weight`.
    case weighted
    /// The deployment with the fewest requests in flight through this gateway.
    case leastInFlight = "least_in_flight"
    /// The deployment with the lowest moving average of time to first byte; unmeasured ones first.
    case lowestLatency = "lowest_latency"
}

/// A deployment as configured: which provider serves it under which upstream model, and its limits.
public struct DeploymentSpec: Sendable, Equatable {
    /// Unique within its model; defaults to `provider/model`.
    public var name: String
    public var provider: String
    public var upstreamModel: String
    /// Share of traffic under the `weighted` strategy.
    public var weight: Int
    /// Order under the `priority` strategy (lower first).
    public var priority: Int
    /// Requests in flight through this gateway above which the deployment is skipped.
    public var maxConcurrent: Int?
    /// Requests per minute above which the deployment is skipped.
    public var requestsPerMinute: Int?
    /// Timeouts overriding the provider's.
    public var timeouts: UpstreamTimeouts?

    public init(
        name: String? = nil, provider: String, upstreamModel: String, weight: Int = 1, priority: Int = 0,
        maxConcurrent: Int? = nil, requestsPerMinute: Int? = nil, timeouts: UpstreamTimeouts? = nil
    ) {
        self.name = name ?? "\(provider)/\(upstreamModel)"
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.weight = weight
        self.priority = priority
        self.maxConcurrent = maxConcurrent
        self.requestsPerMinute = requestsPerMinute
        self.timeouts = timeouts
    }
}

/// One upstream that can answer for a public model: a provider (with its credentials and region), the model
/// name it knows, and the limits under which the gateway sends it traffic.
public final class Deployment: Sendable {
    /// Unique across the gateway: `model#name` for a configured deployment, `provider/model` for direct use.
    public let id: String
    /// The configured name, unique within its model.
    public let name: String
    /// The public model this deployment serves.
    public let model: String
    public let provider: any LLMProvider
    public let upstreamModel: String
    public let weight: Int
    public let priority: Int
    public let maxConcurrent: Int?
    public let requestsPerMinute: Int?

    public init(
        id: String, name: String, model: String, provider: any LLMProvider, upstreamModel: String, weight: Int = 1,
        priority: Int = 0, maxConcurrent: Int? = nil, requestsPerMinute: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.model = model
        self.provider = provider
        self.upstreamModel = upstreamModel
        self.weight = weight
        self.priority = priority
        self.maxConcurrent = maxConcurrent
        self.requestsPerMinute = requestsPerMinute
    }
}

/// A public model resolved for execution: its deployments, how to choose among them, and where to go when
/// all of them fail.
public struct ModelRoute: Sendable {
    public var name: String
    public var deployments: [Deployment]
    public var strategy: RoutingStrategy
    /// Models tried in order when every deployment failed with a retryable error.
    public var fallbacks: [String]
    /// The model tried when the upstream says the request exceeds the context window.
    public var contextWindowFallback: String?
}
