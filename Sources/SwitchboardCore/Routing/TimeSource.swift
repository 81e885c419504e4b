/// The time routing decisions run on: breaker windows and cool-downs, retry-budget windows, RPM caps,
/// latency samples, backoff sleeps and client deadlines. Wraps any `Clock` so that tests drive a manual one.
public struct TimeSource: Sendable {
    private let readNow: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - now: time elapsed since a fixed origin; never goes backwards.
    ///   - sleep: suspends for a duration; throws `CancellationError` when the task is cancelled.
    public init(now: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.readNow = now
        self.sleeper = sleep
    }

    /// Time read from `clock`, measured from the moment of this call.
    public init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        self.init(now: { origin.duration(to: clock.now) }, sleep: { try await clock.sleep(for: $0) })
    }

    /// The process's monotonic clock.
    public static var continuous: TimeSource { TimeSource(ContinuousClock()) }

    /// Time elapsed since this source's origin.
    public var now: Duration { readNow() }

    /// Suspends for `duration` (returns at once for zero or less).
    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await sleeper(duration)
    }
}

/// Uniform random numbers for jitter and weighted picks, injectable so that tests are deterministic.
public protocol RandomSource: Sendable {
    /// A uniformly distributed number in `0..<1`.
    func nextUnit() -> Double
}

/// The system's random number generator.
public struct SystemRandomSource: RandomSource {
    public init() {}
    public func nextUnit() -> Double { Double.random(in: 0..<1) }
}
