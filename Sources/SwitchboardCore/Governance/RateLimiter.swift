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

    /// The scope's hash and one byte for the unit. `Unit`'s own hash, inherited from `RawRepresentable`, would
    /// hash its raw `String`: with the scope's, two string hashes per lookup instead of one.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(scope)
        hasher.combine(unit == .requests ? 0 as UInt8 : 1)
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

/// The states of the buckets a decision took from, in the order of its takes: a handful, searched in place.
public struct BucketStates: Sendable, ExpressibleByDictionaryLiteral {
    public var entries: [(key: LimitKey, state: BucketState)] = []

    public init() {}

    public init(dictionaryLiteral elements: (LimitKey, BucketState)...) {
        entries = elements.map { (key: $0.0, state: $0.1) }
    }

    /// The state of `key`'s bucket, if the decision took from it.
    public subscript(key: LimitKey) -> BucketState? { entries.first { $0.key == key }?.state }
}

/// The tightest request bucket and the tightest token bucket of a decision (the fewest remaining), for the
/// `x-ratelimit-*` headers. Two values rather than the decision's list: a stream keeps it for its life.
public struct RateLimitSnapshot: Sendable, Equatable {
    public var requests: BucketState?
    public var tokens: BucketState?

    public init(_ states: BucketStates) {
        for (key, state) in states.entries {
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
    public var states: BucketStates
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

    private let buckets = Mutex<SlotTable<LimitKey, Bucket>>(SlotTable())
    private let clock: any GatewayClock

    public init(clock: any GatewayClock = SystemClock()) { self.clock = clock }

    public func acquire(_ takes: [LimitTake]) async -> LimitDecision {
        let now = clock.now()
        return buckets.withLock { buckets in
            var touched = Touched()
            touched.entries.reserveCapacity(takes.count)
            for take in takes {
                // A key new to the table gets a full bucket, as refilling an absent one gives.
                let slot = buckets.slot(of: take.key) { Bucket(level: Double(take.perMinute), updated: now) }
                let first = touched.first(slot) ?? touched.entries.count
                touched.entries.append(first < touched.entries.count
                    ? touched.entries[first] : (slot, Self.refill(buckets[slot], perMinute: take.perMinute, now: now), 0))
                let available = touched.entries[first].bucket.level - touched.entries[first].taken
                if available < Double(take.cost) {
                    let rate = Double(take.perMinute) / 60
                    let wait = take.cost > take.perMinute ? 60 : (Double(take.cost) - available) / rate
                    let states = Self.states(takes, touched, taken: false)
                    return LimitDecision(allowed: false, refused: take.key, retryAfterSeconds: max(wait, 0.001), states: states)
                }
                touched.entries[first].taken += Double(take.cost)
            }
            for (index, entry) in touched.entries.enumerated() where touched.first(entry.slot) == index {
                buckets[entry.slot] = Bucket(level: entry.bucket.level - entry.taken, updated: entry.bucket.updated)
            }
            return LimitDecision(allowed: true, refused: nil, retryAfterSeconds: 0, states: Self.states(takes, touched, taken: true))
        }
    }

    /// The buckets one decision touches, one entry per take, refilled to now, with what the decision takes from
    /// them. The table's slot of each key is found once, by hashing it; the rest of the decision goes by slot. A
    /// key taken twice keeps its bucket, and the sum of its takes, in the entry of its first take.
    private struct Touched {
        var entries: [(slot: Int, bucket: Bucket, taken: Double)] = []

        /// The entry holding `slot`'s bucket.
        func first(_ slot: Int) -> Int? { entries.firstIndex { $0.slot == slot } }
    }

    public func adjust(_ key: LimitKey, perMinute: Int, by delta: Int) async {
        let now = clock.now()
        buckets.withLock { buckets in
            let slot = buckets.slot(of: key) { Bucket(level: Double(perMinute), updated: now) }
            var bucket = Self.refill(buckets[slot], perMinute: perMinute, now: now)
            bucket.level = min(Double(perMinute), bucket.level - Double(delta))
            buckets[slot] = bucket
        }
    }

    private static func refill(_ bucket: Bucket?, perMinute: Int, now: Date) -> Bucket {
        guard var bucket else { return Bucket(level: Double(perMinute), updated: now) }
        let elapsed = max(0, now.timeIntervalSince(bucket.updated))
        bucket.level = min(Double(perMinute), bucket.level + elapsed * Double(perMinute) / 60)
        bucket.updated = now
        return bucket
    }

    /// The state of each take's bucket: before the decision (`taken` false, a refusal) or after it.
    private static func states(_ takes: [LimitTake], _ touched: Touched, taken: Bool) -> BucketStates {
        var states = BucketStates()
        states.entries.reserveCapacity(touched.entries.count)
        for (take, entry) in zip(takes, touched.entries) {
            let first = touched.entries[touched.first(entry.slot)!]
            let level = first.bucket.level - (taken ? first.taken : 0)
            let rate = Double(take.perMinute) / 60
            states.entries.append((take.key, BucketState(
                limit: take.perMinute, remaining: max(0, Int(level.rounded(.down))),
                resetSeconds: max(0, (Double(take.perMinute) - level) / rate)
            )))
        }
        return states
    }
}
