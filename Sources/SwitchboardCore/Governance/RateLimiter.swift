import Foundation
import Synchronization

/// Who a limit belongs to.
public enum LimitScope: Hashable, Sendable, CustomStringConvertible {
    case key(String)
    case tenant(String)

    public var description: String {
        switch self {
        case .key(let id): "key \(id)"
        case .tenant(let name): "tenant \(name)"
        }
    }
}

/// One bucket: requests or tokens per minute of a scope.
public struct LimitKey: Hashable, Sendable {
    public enum Unit: String, Sendable { case requests, tokens }
    public var scope: LimitScope
    public var unit: Unit

    public init(_ scope: LimitScope, _ unit: Unit) {
        self.scope = scope
        self.unit = unit
    }
}

/// A take from one bucket: `cost` units against a limit of `perMinute`.
public struct LimitTake: Sendable {
    public var key: LimitKey
    public var perMinute: Int
    public var cost: Int

    public init(_ key: LimitKey, perMinute: Int, cost: Int) {
        self.key = key
        self.perMinute = perMinute
        self.cost = cost
    }
}

/// The state of a bucket after a decision, for the `x-ratelimit-*` headers.
public struct BucketState: Sendable, Equatable {
    public var limit: Int
    public var remaining: Int
    /// Seconds until the bucket is full again.
    public var resetSeconds: Double
}

/// The tightest request bucket and the tightest token bucket of a decision (the fewest remaining), for the
/// `x-ratelimit-*` headers. Two values rather than the decision's dictionary: a stream keeps it for its life.
public struct RateLimitSnapshot: Sendable, Equatable {
    public var requests: BucketState?
    public var tokens: BucketState?

    public init(_ states: [LimitKey: BucketState]) {
        for (key, state) in states {
            switch key.unit {
            case .requests where state.remaining < (requests?.remaining ?? .max): requests = state
            case .tokens where state.remaining < (tokens?.remaining ?? .max): tokens = state
            default: break
            }
        }
    }

    /// The tightest bucket of `unit`, if any limit of that unit applied.
    public subscript(unit: LimitKey.Unit) -> BucketState? {
        switch unit {
        case .requests: requests
        case .tokens: tokens
        }
    }
}

/// The answer of ``RateLimiter/acquire(_:)``.
public struct LimitDecision: Sendable {
    /// Whether every take was granted (all or nothing).
    public var allowed: Bool
    /// The first bucket that refused.
    public var refused: LimitKey?
    /// Seconds after which the refused take could succeed.
    public var retryAfterSeconds: Double
    /// Bucket states, after the takes when allowed.
    public var states: [LimitKey: BucketState]
}

/// Token-bucket rate limits. `acquire` checks and takes from several buckets as one atomic operation, so a
/// shared backend (Redis) can implement it exactly.
public protocol RateLimiter: Sendable {
    /// Takes from every bucket, or from none if any would go below zero.
    func acquire(_ takes: [LimitTake]) async -> LimitDecision
    /// Corrects a bucket after the fact (real token usage); `delta` > 0 takes more, < 0 gives back.
    func adjust(_ key: LimitKey, perMinute: Int, by delta: Int) async
}

/// A ``RateLimiter`` in process memory: buckets refill continuously at `perMinute / 60` per second up to
/// `perMinute`, so a full bucket admits exactly its limit at once and then its rate.
public final class MemoryRateLimiter: RateLimiter {
    private struct Bucket {
        var level: Double
        var updated: Date
    }

    private let buckets = Mutex<[LimitKey: Bucket]>([:])
    private let clock: any GatewayClock

    public init(clock: any GatewayClock = SystemClock()) { self.clock = clock }

    public func acquire(_ takes: [LimitTake]) async -> LimitDecision {
        let now = clock.now()
        return buckets.withLock { buckets in
            // Each key's bucket refilled to now, in the order of the takes: a handful, so a list searched in
            // place rather than a dictionary hashed per take and per key.
            var refilled = Refilled()
            refilled.reserveCapacity(takes.count)
            for take in takes {
                let bucket = Self.refill(buckets[take.key], perMinute: take.perMinute, now: now)
                refilled.set(take.key, bucket)
                if bucket.level < Double(take.cost) {
                    let rate = Double(take.perMinute) / 60
                    let wait = take.cost > take.perMinute ? 60 : (Double(take.cost) - bucket.level) / rate
                    let states = Self.states(takes, refilled)
                    return LimitDecision(allowed: false, refused: take.key, retryAfterSeconds: max(wait, 0.001), states: states)
                }
            }
            for take in takes { refilled.deduct(take.cost, from: take.key) }
            for (key, bucket) in refilled.entries { buckets[key] = bucket }
            return LimitDecision(allowed: true, refused: nil, retryAfterSeconds: 0, states: Self.states(takes, refilled))
        }
    }

    /// The buckets one decision touches, by key, in first-take order.
    private struct Refilled {
        var entries: [(key: LimitKey, bucket: Bucket)] = []

        mutating func reserveCapacity(_ count: Int) { entries.reserveCapacity(count) }

        subscript(key: LimitKey) -> Bucket? { entries.first { $0.key == key }?.bucket }

        mutating func set(_ key: LimitKey, _ bucket: Bucket) {
            if let index = entries.firstIndex(where: { $0.key == key }) { entries[index].bucket = bucket } else { entries.append((key, bucket)) }
        }

        mutating func deduct(_ cost: Int, from key: LimitKey) {
            if let index = entries.firstIndex(where: { $0.key == key }) { entries[index].bucket.level -= Double(cost) }
        }
    }

    public func adjust(_ key: LimitKey, perMinute: Int, by delta: Int) async {
        let now = clock.now()
        buckets.withLock { buckets in
            var bucket = Self.refill(buckets[key], perMinute: perMinute, now: now)
            bucket.level = min(Double(perMinute), bucket.level - Double(delta))
            buckets[key] = bucket
        }
    }

    private static func refill(_ bucket: Bucket?, perMinute: Int, now: Date) -> Bucket {
        guard var bucket else { return Bucket(level: Double(perMinute), updated: now) }
        let elapsed = max(0, now.timeIntervalSince(bucket.updated))
        bucket.level = min(Double(perMinute), bucket.level + elapsed * Double(perMinute) / 60)
        bucket.updated = now
        return bucket
    }

    private static func states(_ takes: [LimitTake], _ buckets: Refilled) -> [LimitKey: BucketState] {
        var states = [LimitKey: BucketState](minimumCapacity: takes.count)
        for take in takes {
            guard let bucket = buckets[take.key] else { continue }
            let level = bucket.level
            let rate = Double(take.perMinute) / 60
            states[take.key] = BucketState(
                limit: take.perMinute, remaining: max(0, Int(level.rounded(.down))),
                resetSeconds: max(0, (Double(take.perMinute) - level) / rate)
            )
        }
        return states
    }
}
