import Synchronization

/// How many attempts a request may make and how long to wait between them.
public struct RetryPolicy: Sendable, Equatable {
    /// Upstream attempts per request, the first included, across deployments and fallbacks.
    public var maxAttempts: Int
    /// The backoff before the first retry of a deployment; it doubles for each further retry...
    public var baseBackoff: Duration
    /// ...up to this cap. The actual wait is uniformly random below that value (full jitter).
    public var maxBackoff: Duration
    /// A `Retry-After` longer than this is not waited for: the deployment is not retried for this request.
    public var maxRetryAfter: Duration

    public init(maxAttempts: Int = 3, baseBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(2),
                maxRetryAfter: Duration = .seconds(5)) {
        self.maxAttempts = maxAttempts
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
    }

    /// The wait before retry number `retry` (1 for the first retry): full jitter over the exponential
    /// backoff, but never less than the upstream's `Retry-After`.
    public func backoff(retry: Int, retryAfter: Duration?, random: any RandomSource) -> Duration {
        let exponent = min(max(0, retry - 1), 30)
        let ceiling = min(maxBackoff, baseBackoff * (1 << exponent))
        let jittered = ceiling * random.nextUnit()
        return max(jittered, retryAfter ?? .zero)
    }
}

/// How much retry traffic the gateway may add on top of first attempts.
public struct RetryBudgetSettings: Sendable, Equatable {
    /// Retries allowed as a percentage of first attempts in the window.
    public var percent: Int
    /// The sliding window.
    public var window: Duration
    /// Retries always allowed per window, so that a quiet gateway can still retry.
    public var minimumRetries: Int

    public init(percent: Int = 20, window: Duration = .seconds(10), minimumRetries: Int = 3) {
        self.percent = percent
        self.window = window
        self.minimumRetries = minimumRetries
    }
}

/// Caps retries at a share of first attempts over a sliding window, so that an outage upstream is never
/// amplified by the gateway: when most requests fail, retries run out and requests fail fast instead.
public final class RetryBudget: Sendable {
    private let settings: RetryBudgetSettings
    private let time: TimeSource
    /// Counts retries (first) and first attempts (second).
    private let counts: Mutex<SlidingWindow>

    public init(settings: RetryBudgetSettings = .init(), time: TimeSource = .continuous) {
        self.settings = settings
        self.time = time
        self.counts = Mutex(SlidingWindow(window: settings.window))
    }

    /// Counts a request's first attempt.
    public func recordFirstAttempt() {
        let now = time.now
        counts.withLock { $0.add(second: 1, now: now) }
    }

    /// Takes one retry from the budget; false when it is spent.
    public func tryRetry() -> Bool {
        let now = time.now
        return counts.withLock { window in
            let totals = window.totals(now: now)
            let allowed = max(settings.minimumRetries, totals.second * settings.percent / 100)
            guard totals.first < allowed else { return false }
            window.add(first: 1, now: now)
            return true
        }
    }

    /// Retries and first attempts in the current window.
    public var usage: (retries: Int, firstAttempts: Int) {
        let now = time.now
        let totals = counts.withLock { $0.totals(now: now) }
        return (totals.first, totals.second)
    }
}
