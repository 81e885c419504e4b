import Synchronization
import Testing
@testable import SwitchboardCore

/// Deployment strategies, with an injected random source and injected load.
@Suite struct RoutingStrategyTests {
    let a = RoutingFixtures.deployment("a", weight: 1, priority: 2)
    let b = RoutingFixtures.deployment("b", weight: 3, priority: 1)
    let c = RoutingFixtures.deployment("c", weight: 6, priority: 1)

    func loads(_ values: [(Int, Duration?)]) -> [DeploymentRegistry.Load] {
        values.map { DeploymentRegistry.Load(inFlight: $0.0, latency: $0.1) }
    }

    @Test func weightedPicksFollowTheWeightsWithinFivePercent() {
        let picker = DeploymentPicker(random: SeededRandom(seed: 7))
        var counts: [String: Int] = [:]
        let picks = 10_000
        for _ in 0..<picks {
            let first = picker.order([a, b, c], loads: loads([(0, nil), (0, nil), (0, nil)]), strategy: .weighted)[0]
            counts[first.name, default: 0] += 1
        }
        for (name, weight) in [("a", 1), ("b", 3), ("c", 6)] {
            let expected = Double(picks * weight) / 10
            let actual = Double(counts[name] ?? 0)
            #expect(abs(actual - expected) <= expected * 0.05, "\(name): \(actual) vs \(expected)")
        }
    }

    @Test func weightedOrderListsEveryDeploymentOnce() {
        let picker = DeploymentPicker(random: SeededRandom(seed: 1))
        let order = picker.order([a, b, c], loads: loads([(0, nil), (0, nil), (0, nil)]), strategy: .weighted)
        #expect(Set(order.map(\.name)) == ["a", "b", "c"])
        #expect(order.count == 3)
    }

    /// The last deployment left needs no draw: one candidate costs none, three cost two.
    @Test func weightedOrderDrawsOncePerChoiceThatIsLeft() {
        final class CountingRandom: RandomSource {
            let draws = Mutex(0)
            func nextUnit() -> Double { draws.withLock { $0 += 1 }; return 0.5 }
        }
        let random = CountingRandom()
        let picker = DeploymentPicker(random: random)
        #expect(picker.order([a], loads: loads([(0, nil)]), strategy: .weighted).map(\.name) == ["a"])
        #expect(random.draws.withLock { $0 } == 0)
        #expect(picker.order([a, b, c], loads: loads([(0, nil), (0, nil), (0, nil)]), strategy: .weighted).count == 3)
        #expect(random.draws.withLock { $0 } == 2)
    }

    @Test func priorityOrdersByPriorityThenDeclaration() {
        let order = DeploymentPicker().order([a, b, c], loads: loads([(0, nil), (0, nil), (0, nil)]), strategy: .priority)
        #expect(order.map(\.name) == ["b", "c", "a"])
    }

    @Test func leastInFlightIsDeterministic() {
        let picker = DeploymentPicker(random: SeededRandom())
        let order = picker.order([a, b, c], loads: loads([(4, nil), (2, nil), (2, nil)]), strategy: .leastInFlight)
        #expect(order.map(\.name) == ["b", "c", "a"])
        let again = picker.order([a, b, c], loads: loads([(0, nil), (2, nil), (1, nil)]), strategy: .leastInFlight)
        #expect(again.map(\.name) == ["a", "c", "b"])
    }

    @Test func lowestLatencyMeasuresUnmeasuredFirstThenPicksTheFastest() {
        let picker = DeploymentPicker(random: SeededRandom())
        let order = picker.order([a, b, c], loads: loads([(0, .milliseconds(300)), (0, .milliseconds(120)), (0, nil)]),
                                 strategy: .lowestLatency)
        #expect(order.map(\.name) == ["c", "b", "a"])
    }

    @Test func latencyIsAMovingAverageOfTimeToFirstByte() throws {
        let time = ManualTime()
        let registry = DeploymentRegistry(time: time.source)
        for sample in [Duration.milliseconds(100), .milliseconds(200)] {
            let ticket = try #require(registry.admit(a))
            time.advance(by: sample)
            registry.recordFirstByte(ticket)
            registry.finish(ticket, outcome: .success)
        }
        // 100 ms, then 0.7 × 100 + 0.3 × 200 = 130 ms.
        let latency = try #require(registry.loads([a])[0].latency)
        #expect(abs((latency - .milliseconds(130)) / .microseconds(1)) < 1)
    }

    @Test func deploymentsAtTheirConcurrencyOrRPMCapAreSkipped() throws {
        let time = ManualTime()
        let registry = DeploymentRegistry(time: time.source)
        let capped = RoutingFixtures.deployment("capped", maxConcurrent: 2)
        let first = try #require(registry.admit(capped))
        _ = try #require(registry.admit(capped))
        #expect(registry.admit(capped) == nil)
        #expect(!registry.isAvailable(capped))
        registry.finish(first, outcome: .success)
        #expect(registry.isAvailable(capped))

        let limited = RoutingFixtures.deployment("limited", requestsPerMinute: 3)
        for _ in 0..<3 { registry.finish(try #require(registry.admit(limited)), outcome: .success) }
        #expect(registry.admit(limited) == nil)
        time.advance(by: .seconds(61))
        #expect(registry.admit(limited) != nil)
    }

    @Test func backoffIsFullJitterCappedAndHonoursRetryAfter() {
        let policy = RetryPolicy(maxAttempts: 3, baseBackoff: .milliseconds(100), maxBackoff: .milliseconds(250))
        #expect(policy.backoff(retry: 1, retryAfter: nil, random: SeededRandom(fixed: 0.5)) == .milliseconds(50))
        #expect(policy.backoff(retry: 2, retryAfter: nil, random: SeededRandom(fixed: 0.5)) == .milliseconds(100))
        #expect(policy.backoff(retry: 5, retryAfter: nil, random: SeededRandom(fixed: 0.5)) == .milliseconds(125))
        #expect(policy.backoff(retry: 1, retryAfter: .milliseconds(1500), random: SeededRandom(fixed: 0.5)) == .milliseconds(1500))
    }

    @Test func routingRulesChooseTheModelByMetadataAndTier() {
        let rules = [
            RoutingRule(metadata: ["task": "classification"], target: "cheap"),
            RoutingRule(models: ["smart"], tiers: ["free"], target: "fast"),
        ]
        #expect(RoutingRule.apply(rules, model: "smart", context: .init(metadata: ["task": "classification"])) == "cheap")
        #expect(RoutingRule.apply(rules, model: "smart", context: .init(tenantTier: "free")) == "fast")
        #expect(RoutingRule.apply(rules, model: "smart", context: .init(tenantTier: "pro")) == "smart")
        #expect(RoutingRule.apply(rules, model: "other", context: .init(tenantTier: "free")) == "other")
    }
}
