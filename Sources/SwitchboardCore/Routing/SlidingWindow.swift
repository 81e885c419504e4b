/// Two counters over a sliding time window, kept in buckets so that old counts fall out as time passes.
/// Used for breaker error rates (failures, successes), the retry budget (retries, first attempts) and RPM caps.
struct SlidingWindow: Sendable {
    private struct Bucket {
        var epoch: Int64 = .min
        var first = 0
        var second = 0
    }

    let window: Duration
    private let width: Duration
    private var buckets: [Bucket]

    /// - Parameters:
    ///   - window: how far back counts are remembered.
    ///   - bucketCount: the resolution; a count leaves the window at most `window / bucketCount` late.
    init(window: Duration, bucketCount: Int = 10) {
        self.window = max(window, .nanoseconds(bucketCount))
        self.width = self.window / bucketCount
        self.buckets = Array(repeating: Bucket(), count: bucketCount)
    }

    private func epoch(_ now: Duration) -> Int64 { Int64((now / width).rounded(.down)) }

    /// Adds to the counters at time `now`.
    mutating func add(first: Int = 0, second: Int = 0, now: Duration) {
        let epoch = epoch(now)
        let index = Int(((epoch % Int64(buckets.count)) + Int64(buckets.count)) % Int64(buckets.count))
        if buckets[index].epoch != epoch { buckets[index] = Bucket(epoch: epoch) }
        buckets[index].first += first
        buckets[index].second += second
    }

    /// The counters summed over the window ending at `now`.
    func totals(now: Duration) -> (first: Int, second: Int) {
        let current = epoch(now)
        let oldest = current - Int64(buckets.count) + 1
        var totals = (first: 0, second: 0)
        for bucket in buckets where bucket.epoch >= oldest && bucket.epoch <= current {
            totals.first += bucket.first
            totals.second += bucket.second
        }
        return totals
    }

    /// Forgets every count.
    mutating func reset() {
        buckets = Array(repeating: Bucket(), count: buckets.count)
    }
}
