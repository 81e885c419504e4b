import Testing
@testable import SwitchboardCore

/// The circuit breaker and the retry budget, on virtual time.
@Suite struct RoutingBreakerTests {
    let deployment = RoutingFixtures.deployment("d")

    func fail(_ registry: DeploymentRegistry, times: Int) throws {
        for _ in 0..<times { registry.finish(try #require(registry.admit(deployment)), outcome: .failure) }
    }

    @Test func opensAfterConsecutiveFailuresThenHalfOpensWithOneProbe() throws {
        let time = ManualTime()
        let registry = DeploymentRegistry(breaker: .init(consecutiveFailures: 3, errorRatePercent: 0, coolDown: .seconds(10)),
                                          time: time.source)
        try fail(registry, times: 2)
        #expect(registry.statuses()[0].state == .closed)
        try fail(registry, times: 1)
        #expect(registry.statuses()[0].state == .open)
        #expect(registry.admit(deployment) == nil)
        #expect(registry.statuses()[0].retryIn == .seconds(10))

        time.advance(by: .seconds(10))
        let probe = try #require(registry.admit(deployment))
        #expect(registry.statuses()[0].state == .halfOpen)
        #expect(registry.admit(deployment) == nil, "only one probe while half-open")
        registry.finish(probe, outcome: .success)
        #expect(registry.statuses()[0].state == .closed)
        #expect(registry.admit(deployment) != nil)
    }

    @Test func aFailedProbeReopensAndAnAbandonedOneIsHandedBack() throws {
        let time = ManualTime()
        let registry = DeploymentRegistry(breaker: .init(consecutiveFailures: 1, errorRatePercent: 0, coolDown: .seconds(5)),
                                          time: time.source)
        try fail(registry, times: 1)
        time.advance(by: .seconds(5))
        registry.finish(try #require(registry.admit(deployment)), outcome: .abandoned)
        #expect(registry.statuses()[0].state == .halfOpen)
        let probe = try #require(registry.admit(deployment), "an abandoned probe frees the slot")
        registry.finish(probe, outcome: .failure)
        #expect(registry.statuses()[0].state == .open)
        time.advance(by: .seconds(4))
        #expect(registry.admit(deployment) == nil)
    }

    @Test func opensOnErrorRateOverTheWindowOnlyWithMinimumVolume() throws {
        let time = ManualTime()
        let registry = DeploymentRegistry(
            breaker: .init(consecutiveFailures: 0, errorRatePercent: 50, window: .seconds(10), minimumRequests: 10),
            time: time.source
        )
        // 4 failures out of 6: above 50% but under the minimum volume.
        for outcome: DeploymentRegistry.Outcome in [.failure, .success, .failure, .success, .failure, .failure] {
            registry.finish(try #require(registry.admit(deployment)), outcome: outcome)
        }
        #expect(registry.statuses()[0].state == .closed)
        for outcome: DeploymentRegistry.Outcome in [.success, .failure, .success, .failure] {
            registry.finish(try #require(registry.admit(deployment)), outcome: outcome)
        }
        #expect(registry.statuses()[0].state == .open, "6 failures of 10")
    }

    @Test func oldOutcomesLeaveTheWindow() throws {
        let time = ManualTime()
        let registry = DeploymentRegistry(
            breaker: .init(consecutiveFailures: 0, errorRatePercent: 50, window: .seconds(10), minimumRequests: 4),
            time: time.source
        )
        try fail(registry, times: 3)
        time.advance(by: .seconds(11))
        registry.finish(try #require(registry.admit(deployment)), outcome: .failure)
        #expect(registry.statuses()[0].state == .closed)
        #expect(registry.statuses()[0].windowFailures == 1)
    }

    @Test func retryBudgetAllowsTwentyPercentOverTheWindow() {
        let time = ManualTime()
        let budget = RetryBudget(settings: .init(percent: 20, window: .seconds(10), minimumRetries: 3), time: time.source)
        #expect(budget.tryRetry() && budget.tryRetry() && budget.tryRetry(), "the minimum is always there")
        #expect(!budget.tryRetry())
        for _ in 0..<100 { budget.recordFirstAttempt() }
        var granted = 3
        while budget.tryRetry() { granted += 1 }
        #expect(granted == 20)
        time.advance(by: .seconds(11))
        #expect(budget.tryRetry(), "the window slid")
    }
}
