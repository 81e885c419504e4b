import Testing
@testable import SwitchboardCore

/// The executor's failover, retries, fallbacks and deadlines against scripted providers on virtual time.
@Suite struct RoutingExecutorTests {
    let time = ManualTime()

    func executor(
        _ providers: [ScriptedProvider], _ aliases: [ModelAlias], settings: RoutingSettings = .init()
    ) -> ChatExecutor {
        ChatExecutor(catalog: ModelCatalog(providers: providers, aliases: aliases), settings: settings, time: time.source,
                     random: SeededRandom(fixed: 0.5))
    }

    static func alias(_ name: String, _ deployments: [(String, String)], strategy: RoutingStrategy = .priority,
                      fallbacks: [String] = [], larger: String? = nil) -> ModelAlias {
        ModelAlias(name: name, deployments: deployments.map { DeploymentSpec(provider: $0.0, upstreamModel: $0.1) },
                   strategy: strategy, fallbacks: fallbacks, contextWindowFallback: larger)
    }

    @Test func rateLimitThenSuccessWaitsForRetryAfter() async throws {
        let provider = ScriptedProvider(name: "p", scripts: ["m": [.fail(.status(429), retryAfter: .milliseconds(1500)), .answer]])
        let executor = executor([provider], [Self.alias("fast", [("p", "m")])])
        let executed = try await executor.complete(try RoutingFixtures.request("fast"), requestID: "r")
        #expect(executed.route.attempts == 2)
        #expect(provider.calls("m") == 2)
        #expect(time.sleeps == [.milliseconds(1500)])
    }

    @Test func aRetryAfterBeyondTheLimitIsRelayedAtOnce() async throws {
        let provider = ScriptedProvider(name: "p", scripts: ["m": [.fail(.status(429), retryAfter: .seconds(60))]])
        let executor = executor([provider], [Self.alias("fast", [("p", "m")])])
        await #expect(throws: UpstreamError.self) { try await executor.complete(try RoutingFixtures.request("fast"), requestID: "r") }
        #expect(provider.calls("m") == 1)
        #expect(time.sleeps.isEmpty)
    }

    @Test func failsOverToTheNextDeploymentWithoutWaiting() async throws {
        let provider = ScriptedProvider(name: "p", scripts: ["a": [.fail(.status(503))]])
        let executor = executor([provider], [Self.alias("m", [("p", "a"), ("p", "b")])])
        let executed = try await executor.complete(try RoutingFixtures.request("m"), requestID: "r")
        #expect(executed.route.upstreamModel == "b")
        #expect(executed.route.attempts == 2)
        #expect(executed.route.fallbackFrom == nil)
        #expect(time.sleeps.isEmpty)
    }

    @Test func clientErrorsAreNotRetried() async throws {
        let provider = ScriptedProvider(name: "p", scripts: ["a": [.fail(.status(400))]])
        let executor = executor([provider], [Self.alias("m", [("p", "a"), ("p", "b")])])
        await #expect(throws: UpstreamError.self) { try await executor.complete(try RoutingFixtures.request("m"), requestID: "r") }
        #expect(provider.calls("a") == 1)
        #expect(provider.calls("b") == 0)
    }

    @Test func atMostThreeAttemptsWithExponentialBackoff() async throws {
        let provider = ScriptedProvider(name: "p", scripts: ["a": [.fail(.status(500))]])
        let executor = executor([provider], [Self.alias("m", [("p", "a")])])
        await #expect(throws: UpstreamError.self) { try await executor.complete(try RoutingFixtures.request("m"), requestID: "r") }
        #expect(provider.calls("a") == 3)
        #expect(time.sleeps == [.milliseconds(50), .milliseconds(100)])
    }

    @Test func aDeadDeploymentFallsBackAndIsSkippedOnceItsCircuitOpens() async throws {
        let provider = ScriptedProvider(name: "p", scripts: ["dead": [.fail(.status(500))]])
        var settings = RoutingSettings()
        settings.circuitBreaker = .init(consecutiveFailures: 2, errorRatePercent: 0)
        let executor = executor([provider], [Self.alias("primary", [("p", "dead")], fallbacks: ["backup"]),
                                             Self.alias("backup", [("p", "ok")])], settings: settings)
        for _ in 0..<2 {
            let executed = try await executor.complete(try RoutingFixtures.request("primary"), requestID: "r")
            #expect(executed.route.attempts == 2)
            #expect(executed.route.fallbackFrom == "primary")
        }
        let executed = try await executor.complete(try RoutingFixtures.request("primary"), requestID: "r")
        #expect(executed.route.attempts == 1)
        #expect(executed.route.upstreamModel == "ok")
        #expect(executed.route.fallbackFrom == "primary")
        #expect(provider.calls("dead") == 2)
        #expect(executor.registry.statuses().first { $0.name == "p/dead" }?.state == .open)
    }

    @Test func everyCircuitOpenIs503WithRetryAfter() async throws {
        let provider = ScriptedProvider(name: "p", scripts: ["dead": [.fail(.status(502))]])
        var settings = RoutingSettings()
        settings.circuitBreaker = .init(consecutiveFailures: 1, errorRatePercent: 0, coolDown: .seconds(30))
        let executor = executor([provider], [Self.alias("m", [("p", "dead")])], settings: settings)
        await #expect(throws: UpstreamError.self) { try await executor.complete(try RoutingFixtures.request("m"), requestID: "r") }
        #expect(provider.calls("dead") == 1, "the circuit opened after the first failure")
        await #expect(throws: GatewayError.noDeploymentAvailable("m", retryAfter: .seconds(30))) {
            try await executor.complete(try RoutingFixtures.request("m"), requestID: "r")
        }
    }

    @Test func contextWindowExceededFallsBackToTheLargerModel() async throws {
        let provider = ScriptedProvider(name: "p", scripts: ["small": [.fail(.status(400), code: "context_length_exceeded")]])
        let executor = executor([provider], [Self.alias("m", [("p", "small")], larger: "long"), Self.alias("long", [("p", "big")])])
        let executed = try await executor.complete(try RoutingFixtures.request("m"), requestID: "r")
        #expect(executed.route.upstreamModel == "big")
        #expect(executed.route.fallbackFrom == "m")
    }

    @Test func retriesStopWhenTheBudgetIsSpent() async throws {
        let provider = ScriptedProvider(name: "p", scripts: ["a": [.fail(.status(500))]])
        var settings = RoutingSettings()
        settings.retryBudget = .init(percent: 0, window: .seconds(10), minimumRetries: 1)
        settings.circuitBreaker = .init(consecutiveFailures: 0, errorRatePercent: 0)
        let executor = executor([provider], [Self.alias("m", [("p", "a")])], settings: settings)
        func isExhausted(_ error: any Error) -> Bool {
            (error as? GatewayError)?.code == "retry_budget_exhausted" && (error as? GatewayError)?.retryAfterSeconds == 1
        }
        await #expect(performing: { try await executor.complete(try RoutingFixtures.request("m"), requestID: "r") },
                      throws: isExhausted)
        #expect(provider.calls("a") == 2, "one first attempt and the one retry the budget allows")
        await #expect(performing: { try await executor.complete(try RoutingFixtures.request("m"), requestID: "r") },
                      throws: isExhausted)
        #expect(provider.calls("a") == 3)
    }

    @Test func theClientDeadlineBoundsAHungUpstream() async throws {
        let provider = ScriptedProvider(name: "p", scripts: ["a": [.hang]])
        let executor = executor([provider], [Self.alias("m", [("p", "a")])])
        await #expect(throws: GatewayError.deadlineExceeded(.milliseconds(250))) {
            try await executor.complete(try RoutingFixtures.request("m"), requestID: "r", context: .init(timeout: .milliseconds(250)))
        }
    }

    @Test func aStreamFailingBeforeItsFirstChunkFailsOverAndAfterItEndsInAnError() async throws {
        let provider = ScriptedProvider(name: "p", scripts: ["a": [.breakAfter(0)], "b": [.breakAfter(2)]])
        let executor = executor([provider], [Self.alias("m", [("p", "a"), ("p", "b")])])
        let executed = try await executor.stream(try RoutingFixtures.request("m"), requestID: "r")
        #expect(executed.route.upstreamModel == "b")
        #expect(executed.route.attempts == 2)
        var chunks = 0
        await #expect(throws: UpstreamError.self) {
            for try await _ in executed.stream { chunks += 1 }
        }
        #expect(chunks == 2)
        #expect(executor.registry.statuses().allSatisfy { $0.inFlight == 0 })
    }

    @Test func rulesPinsAndPlans() async throws {
        let provider = ScriptedProvider(name: "p")
        var settings = RoutingSettings()
        settings.rules = [RoutingRule(metadata: ["task": "classification"], target: "cheap")]
        let executor = executor([provider], [Self.alias("smart", [("p", "big"), ("p", "big2")], fallbacks: ["cheap"]),
                                             Self.alias("cheap", [("p", "small")])], settings: settings)
        let routed = try await executor.complete(try RoutingFixtures.request("smart", metadata: ["task": "classification"]), requestID: "r")
        #expect(routed.route.upstreamModel == "small")

        #expect(try executor.plan(for: "smart").deployments.map(\.upstreamModel) == ["big", "big2", "small"])
        let pinned = RoutingContext(isAdmin: true, pinnedDeployment: "p/big2")
        #expect(try executor.plan(for: "smart", context: pinned).deployments.map(\.upstreamModel) == ["big2"])
        let executed = try await executor.complete(try RoutingFixtures.request("smart"), requestID: "r", context: pinned)
        #expect(executed.route.upstreamModel == "big2")
        #expect(throws: GatewayError.pinningNeedsAdmin) {
            try executor.plan(for: "smart", context: RoutingContext(pinnedDeployment: "p/big2"))
        }
        #expect(throws: GatewayError.unknownDeployment("nope", model: "smart")) {
            try executor.plan(for: "smart", context: RoutingContext(isAdmin: true, pinnedDeployment: "nope"))
        }
    }

    /// The plan made for a request (to price it) is the one the call follows: the rules saw the request's own
    /// metadata both times, and the call does not route again.
    @Test func theCallFollowsThePlanMadeForTheRequest() async throws {
        let provider = ScriptedProvider(name: "p")
        var settings = RoutingSettings()
        settings.rules = [RoutingRule(metadata: ["task": "classification"], target: "cheap")]
        let executor = executor([provider], [Self.alias("smart", [("p", "big")], larger: "cheap"), Self.alias("cheap", [("p", "small")])],
                                settings: settings)
        let classified = try RoutingFixtures.request("smart", metadata: ["task": "classification"])
        #expect(try executor.plan(for: classified).deployments.map(\.upstreamModel) == ["small"])
        let plain = try RoutingFixtures.request("smart")
        let plan = try executor.plan(for: plain)
        #expect(plan.deployments.map(\.upstreamModel) == ["big", "small"], "the context-window fallback's deployments come last")
        let executed = try await executor.complete(classified, requestID: "r", plan: plan)
        #expect(executed.route.upstreamModel == "big")
        #expect(provider.calls("small") == 0)
    }

    @Test func cancellingTheRequestCancelsAPendingRetryAtOnce() async throws {
        let provider = ScriptedProvider(name: "p", scripts: ["a": [.fail(.status(503), retryAfter: .seconds(3))]])
        let (sleeping, sleepStarted) = AsyncStream<Void>.makeStream()
        let time = TimeSource(now: { .zero }, sleep: { duration in
            sleepStarted.yield()
            try await Task.sleep(for: duration)
        })
        let executor = ChatExecutor(catalog: ModelCatalog(providers: [provider], aliases: [Self.alias("m", [("p", "a")])]),
                                    time: time, random: SeededRandom(fixed: 0.5))
        let request = try RoutingFixtures.request("m")
        let call = Task { try await executor.complete(request, requestID: "r") }
        var iterator = sleeping.makeAsyncIterator()
        await iterator.next()
        call.cancel()
        let started = ContinuousClock.now
        await #expect(throws: CancellationError.self) { try await call.value }
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(provider.calls("a") == 1)
    }
}
