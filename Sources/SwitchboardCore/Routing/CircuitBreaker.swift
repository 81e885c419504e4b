/// When a deployment's circuit opens and how long it stays open.
public struct CircuitBreakerSettings: Sendable, Equatable {
    /// Opens after this many failures in a row (0 disables this trigger).
    public var consecutiveFailures: Int
    /// Opens when failures exceed this share of requests over `window` (0 disables this trigger)...
    public var errorRatePercent: Int
    /// ...counted over this sliding window...
    public var window: Duration
    /// ...once the window holds at least this many requests.
    public var minimumRequests: Int
    /// How long an open circuit rejects requests before letting one probe through.
    public var coolDown: Duration

    public init(
        consecutiveFailures: Int = 5, errorRatePercent: Int = 50, window: Duration = .seconds(30), minimumRequests: Int = 20,
        coolDown: Duration = .seconds(30)
    ) {
        self.consecutiveFailures = consecutiveFailures
        self.errorRatePercent = errorRatePercent
        self.window = window
        self.minimumRequests = minimumRequests
        self.coolDown = coolDown
    }
}

/// The state of one deployment's circuit.
public enum CircuitState: String, Sendable, Equatable {
    /// Traffic flows.
    case closed
    /// The deployment is skipped until the cool-down ends.
    case open
    /// One probe request is let through; its outcome closes or re-opens the circuit.
    case halfOpen = "half_open"
}

/// The circuit-breaker state machine of one deployment. A value type driven by explicit times, so the
/// registry that owns it decides about locking and clocks.
struct CircuitBreaker: Sendable {
    /// How a request was admitted.
    enum Admission: Equatable {
        case normal
        /// The one request allowed through a half-open circuit.
        case probe
    }

    /// What a finished request tells the breaker.
    enum Outcome: Equatable {
        case success
        /// A failure that says the deployment is unwell (the retryable kinds).
        case failure
        /// The request ended without a verdict (the client left); a probe slot is handed back.
        case abandoned
    }

    let settings: CircuitBreakerSettings
    private(set) var state: CircuitState = .closed
    private(set) var consecutiveFailures = 0
    private(set) var openedAt: Duration?
    private var outcomes: SlidingWindow
    private var probeInFlight = false

    init(settings: CircuitBreakerSettings) {
        self.settings = settings
        self.outcomes = SlidingWindow(window: settings.window)
    }

    /// Failures and successes in the current window.
    func counts(now: Duration) -> (failures: Int, successes: Int) {
        let totals = outcomes.totals(now: now)
        return (totals.first, totals.second)
    }

    /// When an open circuit will let a probe through.
    var retryAt: Duration? { openedAt.map { $0 + settings.coolDown } }

    /// Whether a request could be admitted now, without admitting it.
    func isAvailable(now: Duration) -> Bool {
        switch state {
        case .closed: true
        case .open: now >= (retryAt ?? now)
        case .halfOpen: !probeInFlight
        }
    }

    /// Admits a request, or returns nil while the circuit is open or its probe is out.
    /// - Returns: the admission, and the state transition it caused if any.
    mutating func admit(now: Duration) -> (Admission, transition: CircuitState?)? {
        switch state {
        case .closed:
            return (.normal, nil)
        case .open:
            guard now >= (retryAt ?? now) else { return nil }
            state = .halfOpen
            probeInFlight = true
            return (.probe, .halfOpen)
        case .halfOpen:
            guard !probeInFlight else { return nil }
            probeInFlight = true
            return (.probe, nil)
        }
    }

    /// Records the outcome of an admitted request.
    /// - Returns: the new state when it changed.
    mutating func record(_ outcome: Outcome, admission: Admission, now: Duration) -> CircuitState? {
        if admission == .probe {
            probeInFlight = false
            switch outcome {
            case .success:
                state = .closed
                consecutiveFailures = 0
                openedAt = nil
                outcomes.reset()
                return .closed
            case .failure:
                return open(now: now)
            case .abandoned:
                return nil
            }
        }
        switch outcome {
        case .abandoned:
            return nil
        case .success:
            consecutiveFailures = 0
            outcomes.add(second: 1, now: now)
            return nil
        case .failure:
            consecutiveFailures += 1
            outcomes.add(first: 1, now: now)
            guard state == .closed, shouldOpen(now: now) else { return nil }
            return open(now: now)
        }
    }

    private func shouldOpen(now: Duration) -> Bool {
        if settings.consecutiveFailures > 0, consecutiveFailures >= settings.consecutiveFailures { return true }
        guard settings.errorRatePercent > 0 else { return false }
        let (failures, successes) = counts(now: now)
        let total = failures + successes
        return total >= max(1, settings.minimumRequests) && failures * 100 > settings.errorRatePercent * total
    }

    private mutating func open(now: Duration) -> CircuitState {
        state = .open
        openedAt = now
        return .open
    }
}
