import Prometheus
import SwitchboardCore
import Synchronization

/// The gateway's Prometheus metrics, all in the `switchboard_` namespace, registered in one
/// `PrometheusCollectorRegistry` that the build function is given (so tests can build many gateways, each
/// with its own). Labels never carry a key or secret; per-tenant labels only when enabled.
public final class GatewayMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// Whether request, token and cost metrics carry a `tenant` label.
    public let tenantLabels: Bool
    let activeRequests: Gauge
    let activeStreams: Gauge
    let ledgerQueueDepth: Gauge
    /// The `model` label values seen so far: a client chooses the model name, so after
    /// ``maxModelLabels`` distinct values new ones are counted as `other` instead of each opening a series.
    private let modelLabels = Mutex<Set<String>>([])
    /// The series of each label set seen; as bounded as the registry's own (models are capped, see above).
    private let seriesCache = Mutex<[SeriesKey: RequestSeries]>([:])
    /// The attempt counter of each provider and outcome seen: one per upstream attempt, so looked up here rather
    /// than in the registry (which builds and sorts the label set on every lookup).
    private let attemptCounters = Mutex<[AttemptKey: Counter]>([:])
    static let maxModelLabels = 200

    static let durationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), tenantLabels: Bool = false) {
        self.registry = registry
        self.tenantLabels = tenantLabels
        activeRequests = registry.makeGauge(descriptor: Self.name("active_requests", "Chat requests in flight."))
        activeStreams = registry.makeGauge(descriptor: Self.name("active_streams", "Streamed responses being relayed."))
        ledgerQueueDepth = registry.makeGauge(descriptor: Self.name("usage_ledger_queue_depth", "Usage records waiting to be written."))
        // Counters that have not been incremented yet still appear, at zero, so dashboards and alerts see them.
        for result in ["hit", "miss"] { _ = cacheRequests(result) }
        for scope in ["key", "tenant"] {
            _ = counter("rate_limited_total", "Requests refused by a rate limit.", [("scope", scope)])
            _ = counter("budget_rejections_total", "Requests refused by a budget.", [("scope", scope)])
        }
    }

    static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "switchboard", metricName: name, unitName: "", helpText: help)
    }

    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: Self.name(name, help), labels: labels)
    }

    private func cacheRequests(_ result: String) -> Counter {
        counter("cache_requests_total", "Response cache lookups by result.", [("result", result)])
    }

    /// Records one finished chat request (called once per usage record).
    func requestFinished(_ record: UsageRecord) {
        let series = requestSeries(SeriesKey(
            model: modelLabel(record.publicModel), tenant: tenantLabels ? record.tenant ?? "" : nil,
            provider: record.provider ?? "none", status: record.status
        ))
        series.requests.increment()
        series.duration.record(.milliseconds(record.latencyMilliseconds))
        if let firstByte = record.timeToFirstByteMilliseconds { series.timeToFirstToken.record(.milliseconds(firstByte)) }
        series.promptTokens.increment(by: Int64(record.promptTokens))
        series.completionTokens.increment(by: Int64(record.completionTokens))
        series.cachedTokens.increment(by: Int64(record.cachedTokens))
        series.cost.increment(by: record.cost.dollars)
    }

    /// The labels of the series a finished request counts in.
    private struct SeriesKey: Hashable {
        var model: String
        var tenant: String?
        var provider: String
        var status: Int
    }

    /// Every series one finished request updates, looked up in the registry once per label set instead of
    /// seven times per request.
    private struct RequestSeries: Sendable {
        var requests: Counter
        var duration: DurationHistogram
        var timeToFirstToken: DurationHistogram
        var promptTokens: Counter
        var completionTokens: Counter
        var cachedTokens: Counter
        var cost: Counter
    }

    private func requestSeries(_ key: SeriesKey) -> RequestSeries {
        if let series = seriesCache.withLock({ $0[key] }) { return series }
        var labels = [("model", key.model)]
        if let tenant = key.tenant { labels.append(("tenant", tenant)) }
        func tokens(_ type: String) -> Counter {
            counter("tokens_total", "Tokens by public model and type.", labels + [("type", type)])
        }
        let series = RequestSeries(
            requests: counter("requests_total", "Chat requests by public model, provider and status.",
                              labels + [("provider", key.provider), ("status", String(key.status))]),
            duration: registry.makeDurationHistogram(
                descriptor: Self.name("request_duration_seconds", "Time from request to the last byte of the answer."),
                labels: labels, buckets: Self.durationBuckets
            ),
            timeToFirstToken: registry.makeDurationHistogram(
                descriptor: Self.name("time_to_first_token_seconds", "Time from request to the first streamed chunk."),
                labels: labels, buckets: Self.durationBuckets
            ),
            promptTokens: tokens("prompt"), completionTokens: tokens("completion"), cachedTokens: tokens("cached"),
            cost: counter("cost_usd_total", "Cost in US dollars by public model.", labels)
        )
        seriesCache.withLock { $0[key] = series }
        return series
    }

    /// `model` itself while the label set is small, else `other`.
    func modelLabel(_ model: String) -> String {
        modelLabels.withLock { seen in
            if seen.contains(model) { return model }
            guard seen.count < Self.maxModelLabels else { return "other" }
            seen.insert(model)
            return model
        }
    }

    /// Records a request refused at admission.
    func admissionRefused(_ refusal: AdmissionRefusal) {
        switch refusal {
        case .rateLimited(let key, _, _):
            counter("rate_limited_total", "Requests refused by a rate limit.", [("scope", Self.scopeLabel(key.scope))]).increment()
        case .budgetExceeded(let refusal):
            counter("budget_rejections_total", "Requests refused by a budget.", [("scope", Self.scopeLabel(refusal.scope))]).increment()
        case .modelNotAllowed, .unpricedModel:
            break
        }
    }

    /// Records a response-cache lookup.
    func cacheLookup(hit: Bool) { cacheRequests(hit ? "hit" : "miss").increment() }

    /// Records one upstream attempt.
    func attemptFinished(provider: String, outcome: String) {
        let key = AttemptKey(provider: provider, outcome: outcome)
        if let counter = attemptCounters.withLock({ $0[key] }) { return counter.increment() }
        let counter = counter("upstream_attempts_total", "Upstream attempts by provider and outcome.", [("provider", provider), ("outcome", outcome)])
        attemptCounters.withLock { $0[key] = counter }
        counter.increment()
    }

    /// The labels of an attempt counter; providers come from configuration and outcomes from a fixed set.
    private struct AttemptKey: Hashable {
        var provider: String
        var outcome: String
    }

    /// Sets the state of one deployment's circuit: 0 closed, 1 half-open, 2 open.
    func circuit(deployment: String, state: CircuitState) {
        let value: Double = switch state {
        case .closed: 0
        case .halfOpen: 1
        case .open: 2
        }
        registry.makeGauge(
            descriptor: Self.name("circuit_state", "Circuit breaker state per deployment: 0 closed, 1 half-open, 2 open."),
            labels: [("deployment", deployment)]
        ).set(value)
    }

    /// The scope label: the kind of scope only, never the key id (cardinality, and key ids are not for metrics).
    static func scopeLabel(_ scope: LimitScope) -> String {
        switch scope {
        case .key: "key"
        case .tenant: "tenant"
        }
    }
}

/// Feeds upstream attempts from the routing core into ``GatewayMetrics``.
struct MetricsAttemptObserver: AttemptObserver {
    let metrics: GatewayMetrics
    func attemptFinished(provider: String, deployment: String, outcome: DeploymentRegistry.Outcome) {
        metrics.attemptFinished(provider: provider, outcome: outcome.rawValue)
    }
}
