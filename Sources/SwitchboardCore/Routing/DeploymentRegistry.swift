import Logging
import Synchronization

/// What the gateway currently knows about one deployment, as shown by the admin circuits endpoint.
public struct DeploymentStatus: Sendable, Equatable {
    public var id: String
    public var name: String
    public var model: String
    public var provider: String
    public var upstreamModel: String
    public var state: CircuitState
    public var consecutiveFailures: Int
    /// Failures and successes in the breaker's error-rate window.
    public var windowFailures: Int
    public var windowSuccesses: Int
    public var inFlight: Int
    /// Moving average of the time to first byte, when measured.
    public var latency: Duration?
    /// Time left until an open circuit lets a probe through.
    public var retryIn: Duration?
}

/// The live state of every deployment: circuit breaker, requests in flight, requests per minute and latency.
/// Shared by all requests; every operation is one short critical section.
public final class DeploymentRegistry: Sendable {
    fileprivate struct Entry {
        var deployment: (name: String, model: String, provider: String, upstreamModel: String)
        var breaker: CircuitBreaker
        var inFlight = 0
        var minute = SlidingWindow(window: .seconds(60), bucketCount: 60)
        var latency: Duration?
    }

    /// A deployment's load, as the strategies see it.
    public struct Load: Sendable {
        public var inFlight: Int
        public var latency: Duration?
    }

    /// One admitted attempt; hand it back with ``finish(_:outcome:)``.
    public struct Ticket: Sendable {
        let id: String
        /// The deployment's entry in the registry, so the attempt's later calls find it without hashing `id`.
        let slot: Int
        let admission: CircuitBreaker.Admission
        let startedAt: Duration
    }

    /// The outcome of an attempt, for the breaker.
    public enum Outcome: String, Sendable {
        case success
        case failure
        case abandoned
    }

    private let entries = Mutex<SlotTable<String, Entry>>(SlotTable())
    private let settings: CircuitBreakerSettings
    private let time: TimeSource
    private let logger: Logger
    private let observer: any AttemptObserver
    /// Weight of the newest latency sample in the moving average.
    static let latencySmoothing = 0.3

    public init(breaker settings: CircuitBreakerSettings = .init(), time: TimeSource = .continuous,
                logger: Logger = Logger(label: "switchboard.routing"), observer: any AttemptObserver = NoAttemptObserver()) {
        self.settings = settings
        self.time = time
        self.logger = logger
        self.observer = observer
    }

    private func newEntry(_ deployment: Deployment) -> Entry {
        Entry(deployment: (deployment.name, deployment.model, deployment.provider.name, deployment.upstreamModel),
              breaker: CircuitBreaker(settings: settings))
    }

    /// Whether a request could be sent to `deployment` now: its circuit admits one and it is under its caps.
    public func isAvailable(_ deployment: Deployment) -> Bool {
        let now = time.now
        return entries.withLock { entries in
            guard let slot = entries.slot(of: deployment.id) else { return true }
            return entries[slot].breaker.isAvailable(now: now) && Self.underCaps(entries[slot], deployment, now: now)
        }
    }

    /// The load of each deployment, for the strategies.
    public func loads(_ deployments: [Deployment]) -> [Load] {
        entries.withLock { entries in
            deployments.map { let entry = entries.value(of: $0.id); return Load(inFlight: entry?.inFlight ?? 0, latency: entry?.latency) }
        }
    }

    /// Admits an attempt at `deployment`, or returns nil when its circuit is open or it is at a cap.
    /// - Parameter force: admit regardless (a pinned deployment, for debugging).
    public func admit(_ deployment: Deployment, force: Bool = false) -> Ticket? {
        let now = time.now
        var transition: CircuitState?
        let ticket = entries.withLock { entries -> Ticket? in
            let slot = entries.slot(of: deployment.id) { newEntry(deployment) }
            // Changed in place: a copy taken out and stored back would copy the windows' buckets on every write.
            return Self.admit(&entries[slot], slot: slot, deployment, force: force, now: now, transition: &transition)
        }
        if let transition { log(transition, deploymentID: deployment.id) }
        return ticket
    }

    private static func admit(
        _ entry: inout Entry, slot: Int, _ deployment: Deployment, force: Bool, now: Duration, transition: inout CircuitState?
    ) -> Ticket? {
        var admission = CircuitBreaker.Admission.normal
        if !force {
            guard underCaps(entry, deployment, now: now), let admitted = entry.breaker.admit(now: now) else { return nil }
            admission = admitted.0
            transition = admitted.transition
        }
        entry.inFlight += 1
        entry.minute.add(first: 1, now: now)
        return Ticket(id: deployment.id, slot: slot, admission: admission, startedAt: now)
    }

    private static func finish(
        _ entry: inout Entry, outcome: CircuitBreaker.Outcome, admission: CircuitBreaker.Admission, now: Duration
    ) -> (CircuitState?, String) {
        entry.inFlight = max(0, entry.inFlight - 1)
        return (entry.breaker.record(outcome, admission: admission, now: now), entry.deployment.provider)
    }

    /// Records the time to first byte of an attempt.
    public func recordFirstByte(_ ticket: Ticket) {
        let sample = time.now - ticket.startedAt
        entries.withLock { entries in
            let previous = entries[ticket.slot].latency
            entries[ticket.slot].latency = previous.map { $0 * (1 - Self.latencySmoothing) + sample * Self.latencySmoothing } ?? sample
        }
    }

    /// Ends an attempt.
    public func finish(_ ticket: Ticket, outcome: Outcome) {
        let now = time.now
        let breakerOutcome: CircuitBreaker.Outcome = switch outcome {
        case .success: .success
        case .failure: .failure
        case .abandoned: .abandoned
        }
        let (transition, provider) = entries.withLock { entries -> (CircuitState?, String) in
            Self.finish(&entries[ticket.slot], outcome: breakerOutcome, admission: ticket.admission, now: now)
        }
        if let transition { log(transition, deploymentID: ticket.id) }
        observer.attemptFinished(provider: provider, deployment: ticket.id, outcome: outcome)
    }

    /// When the earliest open circuit among `deployments` lets a probe through, from now.
    public func earliestRetry(among deployments: [Deployment]) -> Duration? {
        let now = time.now
        return entries.withLock { entries in
            deployments.compactMap { entries.value(of: $0.id)?.breaker.retryAt }.min().map { max(.zero, $0 - now) }
        }
    }

    /// Every deployment that has seen traffic, sorted by id.
    public func statuses() -> [DeploymentStatus] {
        let now = time.now
        return entries.withLock { entries in
            entries.entries.map { id, entry in
                let counts = entry.breaker.counts(now: now)
                return DeploymentStatus(
                    id: id, name: entry.deployment.name, model: entry.deployment.model, provider: entry.deployment.provider,
                    upstreamModel: entry.deployment.upstreamModel, state: entry.breaker.state,
                    consecutiveFailures: entry.breaker.consecutiveFailures, windowFailures: counts.failures,
                    windowSuccesses: counts.successes, inFlight: entry.inFlight, latency: entry.latency,
                    retryIn: entry.breaker.state == .open ? entry.breaker.retryAt.map { max(.zero, $0 - now) } : nil
                )
            }.sorted { $0.id < $1.id }
        }
    }

    private static func underCaps(_ entry: Entry, _ deployment: Deployment, now: Duration) -> Bool {
        if let cap = deployment.maxConcurrent, entry.inFlight >= cap { return false }
        if let cap = deployment.requestsPerMinute, entry.minute.totals(now: now).first >= cap { return false }
        return true
    }

    private func log(_ state: CircuitState, deploymentID: String) {
        let metadata: Logger.Metadata = ["deployment": "\(deploymentID)", "state": "\(state.rawValue)"]
        switch state {
        case .open: logger.warning("circuit opened", metadata: metadata)
        case .halfOpen: logger.notice("circuit half-open: letting one probe through", metadata: metadata)
        case .closed: logger.notice("circuit closed", metadata: metadata)
        }
    }
}
