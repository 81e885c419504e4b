import AsyncHTTPClient
import Foundation
import Synchronization
import SwitchboardCore
@testable import SwitchboardServer
import Testing

/// Virtual time for the gateway's routing (breaker cool-downs, windows): `now` moves only when the test
/// advances it; sleeps (backoff) are real and short.
final class ManualRoutingTime: Sendable {
    private let current = Mutex<Duration>(.zero)
    func advance(by duration: Duration) { current.withLock { $0 += duration } }
    var source: TimeSource {
        TimeSource(now: { self.current.withLock { $0 } }, sleep: { try await Task.sleep(for: $0) })
    }
}

/// Fault injection through the whole gateway: each test asserts status, body and the attempts the mock saw.
@Suite struct ResilienceTests {
    static let path = "/v1/chat/completions"

    @Test func rateLimitThenSuccessHonoursRetryAfter() async throws {
        try await GatewayHarness.run { gateway in
            let upstream = "gpt-4o@status=429,retry-after-ms=300,fail-first=1"
            let started = ContinuousClock.now
            let reply = try await gateway.call(Self.path, body: GatewayHarness.chat("openai/\(upstream)", "hello again"))
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(reply.status == 200)
            #expect(reply.json?["choices"]?[0]?["message"]?["content"] == "hello again")
            #expect(reply.headers.first(name: "x-switchboard-attempts") == "2")
            #expect(await gateway.recorder.requests(model: upstream) == 2)
        }
    }

    @Test func serverErrorBurstOpensTheBreakerThenHalfOpens() async throws {
        let time = ManualRoutingTime()
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.routing.retry.maxAttempts = 1
            configuration.routing.circuitBreaker = .init(consecutiveFailures: 3, errorRatePercent: 0, coolDown: .seconds(30))
        }, routingTime: time.source) { gateway in
            let upstream = "gpt-4o@status=500,fail-first=4"
            let body = GatewayHarness.chat("openai/\(upstream)")
            for _ in 0..<3 { #expect(try await gateway.call(Self.path, body: body).status == 502) }
            let rejected = try await gateway.call(Self.path, body: body)
            #expect(rejected.status == 503)
            #expect(rejected.json?["error"]?["code"] == "no_deployment_available")
            #expect(rejected.headers.first(name: "retry-after") == "30")
            #expect(await gateway.recorder.requests(model: upstream) == 3, "an open circuit sends nothing upstream")
            #expect(try await circuitState(gateway) == "open")

            time.advance(by: .seconds(30))
            // Half-open: one probe; the burst is not over yet, so the probe fails and the circuit re-opens.
            #expect(try await gateway.call(Self.path, body: body).status == 502)
            #expect(try await gateway.call(Self.path, body: body).status == 503)
            #expect(await gateway.recorder.requests(model: upstream) == 4)
            #expect(try await circuitState(gateway) == "open")

            time.advance(by: .seconds(30))
            #expect(try await gateway.call(Self.path, body: body).status == 200, "the probe succeeds")
            #expect(try await circuitState(gateway) == "closed")
            #expect(try await gateway.call(Self.path, body: body).status == 200)
            #expect(await gateway.recorder.requests(model: upstream) == 6)
        }
    }

    /// Clients hanging up mid-stream are the clients' doing: however many, the provider's circuit stays closed.
    /// (A cancelled relay once read its upstream body's end as the upstream cutting the stream short.)
    @Test func clientsHangingUpMidStreamDoNotOpenTheCircuit() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.routing.retry.maxAttempts = 1
            configuration.routing.circuitBreaker = .init(consecutiveFailures: 2, errorRatePercent: 0, coolDown: .seconds(30))
        }) { gateway in
            let chat = GatewayHarness.chat("openai/gpt-4o@chunk-delay-ms=200", "one two three four five six", stream: true)
            for hangUp in 1...3 {
                let connection = try await RawConnection.open(gateway.gatewayURL)
                try await connection.send(ConnectionDriverTests.chatHead(length: chat.utf8.count) + chat)
                _ = await connection.read { $0.contains("data: ") }
                await connection.close()
                try await withTimeLimit(.seconds(5)) { await gateway.recorder.waitForDisconnects(hangUp) }
            }
            #expect(try await circuitState(gateway) == "closed")
            let reply = try await gateway.call(Self.path, body: GatewayHarness.chat("openai/gpt-4o", stream: true))
            #expect(reply.status == 200)
        }
    }

    private func circuitState(_ gateway: GatewayHarness) async throws -> String? {
        let reply = try await gateway.call("/admin/v1/circuits", method: .GET)
        #expect(reply.status == 200)
        return reply.json?["data"]?[0]?["state"]?.stringValue
    }

    @Test func deadDeploymentWithFallbackAnswersFromTheFallbackOnceTheBreakerOpens() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.aliases = [
                ModelAlias(name: "primary", deployments: [DeploymentSpec(provider: "openai", upstreamModel: "gpt-4o@status=500")],
                           fallbacks: ["backup"]),
                ModelAlias(name: "backup", provider: "anthropic", upstreamModel: "claude-sonnet-4-5"),
            ]
            configuration.routing.circuitBreaker = .init(consecutiveFailures: 2, errorRatePercent: 0)
        }) { gateway in
            for _ in 0..<2 {
                let reply = try await gateway.call(Self.path, body: GatewayHarness.chat("primary"))
                #expect(reply.status == 200)
                #expect(reply.headers.first(name: "x-switchboard-fallback") == "primary")
                #expect(reply.headers.first(name: "x-switchboard-provider") == "anthropic")
                #expect(reply.headers.first(name: "x-switchboard-attempts") == "2")
            }
            let reply = try await gateway.call(Self.path, body: GatewayHarness.chat("primary", "straight to backup"))
            #expect(reply.status == 200)
            #expect(reply.json?["choices"]?[0]?["message"]?["content"] == "straight to backup")
            #expect(reply.headers.first(name: "x-switchboard-fallback") == "primary")
            #expect(reply.headers.first(name: "x-switchboard-model") == "claude-sonnet-4-5")
            #expect(reply.headers.first(name: "x-switchboard-attempts") == "1")
            #expect(await gateway.recorder.requests(model: "gpt-4o@status=500") == 2)
        }
    }

    @Test(arguments: [false, true])
    func hungUpstreamYields504WithinTheFirstByteTimeout(stream: Bool) async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.routing.retry.maxAttempts = 1
            for index in configuration.providers.indices {
                configuration.providers[index].timeouts = UpstreamTimeouts(firstByte: .milliseconds(300))
            }
        }) { gateway in
            let started = ContinuousClock.now
            let reply = try await gateway.call(Self.path, body: GatewayHarness.chat("openai/gpt-4o@hang", stream: stream))
            let elapsed = ContinuousClock.now - started
            #expect(reply.status == 504)
            #expect(reply.json?["error"]?["code"] == "upstream_timeout")
            #expect(elapsed >= .milliseconds(300) && elapsed < .milliseconds(1300), "\(elapsed)")
            #expect(await gateway.recorder.requests(model: "gpt-4o@hang") == 1)
        }
    }

    @Test(arguments: [false, true])
    func theClientDeadlineBoundsEveryAttempt(stream: Bool) async throws {
        try await GatewayHarness.run { gateway in
            let started = ContinuousClock.now
            let reply = try await gateway.call(
                Self.path, body: GatewayHarness.chat("openai/gpt-4o@hang", stream: stream),
                headers: [("authorization", "Bearer \(GatewayHarness.adminKey)"), ("x-switchboard-timeout-ms", "400")]
            )
            let elapsed = ContinuousClock.now - started
            #expect(reply.status == 504)
            #expect(reply.json?["error"]?["code"] == "deadline_exceeded")
            #expect(elapsed >= .milliseconds(400) && elapsed < .milliseconds(1400), "\(elapsed)")
            try await withTimeLimit(.seconds(2)) { await gateway.recorder.waitForDisconnects(1) }
        }
    }

    @Test func aStreamCutMidwayEndsWithAnErrorEventAndIsNotRetried() async throws {
        try await GatewayHarness.run { gateway in
            let upstream = "gpt-4o@drop-after=3"
            let reply = try await gateway.call(Self.path, body: GatewayHarness.chat("openai/\(upstream)", "one two three four five", stream: true))
            #expect(reply.status == 200)
            let events = GatewayHarness.events(reply.body)
            #expect(!events.contains("[DONE]"))
            #expect(try JSONDecoder().decode(JSONValue.self, from: Data(try #require(events.last).utf8))["error"]?["code"]
                == "upstream_interrupted")
            #expect(await gateway.recorder.requests(model: upstream) == 1)
        }
    }

    @Test func aStreamCutBeforeItsFirstChunkFailsOverTransparently() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.routing.retry.baseBackoff = .milliseconds(1)
        }) { gateway in
            let upstream = "gpt-4o@drop-after=0,fail-first=1"
            let reply = try await gateway.call(Self.path, body: GatewayHarness.chat("openai/\(upstream)", "whole answer", stream: true))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "x-switchboard-attempts") == "2")
            let events = GatewayHarness.events(reply.body)
            #expect(events.last == "[DONE]")
            #expect(GatewayHarness.content(ofChunks: events) == "whole answer")
            #expect(await gateway.recorder.requests(model: upstream) == 2)
        }
    }

    @Test(arguments: [false, true])
    func aServerErrorStormOfAThousandRequestsIsNotAmplified(breaker: Bool) async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.routing.retry.baseBackoff = .milliseconds(1)
            configuration.routing.retry.maxBackoff = .milliseconds(5)
            if !breaker { configuration.routing.circuitBreaker = .init(consecutiveFailures: 0, errorRatePercent: 0) }
        }) { gateway in
            let upstream = "gpt-4o@status=500"
            let body = GatewayHarness.chat("openai/\(upstream)")
            let requests = 1000
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for worker in 0..<50 {
                    group.addTask {
                        var statuses: [Int] = []
                        for _ in stride(from: worker, to: requests, by: 50) {
                            statuses.append(try await gateway.call(Self.path, body: body).status)
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(statuses.count == requests)
            #expect(statuses.allSatisfy { $0 == 502 || $0 == 503 })
            let attempts = await gateway.recorder.requests(model: upstream)
            #expect(attempts <= requests * 12 / 10, "\(attempts) upstream attempts for \(requests) requests")
            #expect(attempts >= (breaker ? 1 : requests))
        }
    }

    @Test func aNonStreamedClientHangUpCancelsTheUpstreamCall() async throws {
        try await GatewayHarness.run { gateway in
            let caller = Task { try await gateway.send(Self.path, body: GatewayHarness.chat("openai/gpt-4o@hang")) }
            try await withTimeLimit(.seconds(5)) { await gateway.recorder.waitForRequests(1) }
            caller.cancel()
            try await withTimeLimit(.seconds(1)) { await gateway.recorder.waitForDisconnects(1) }
        }
    }

    @Test func routingRulesAndPinnedDeployments() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.aliases = [
                ModelAlias(name: "smart", deployments: [
                    DeploymentSpec(name: "east", provider: "openai", upstreamModel: "gpt-4o"),
                    DeploymentSpec(name: "west", provider: "azure", upstreamModel: "gpt-4o-west"),
                ]),
                ModelAlias(name: "cheap", provider: "anthropic", upstreamModel: "claude-haiku-4-5"),
            ]
            configuration.routing.rules = [RoutingRule(metadata: ["task": "classification"], target: "cheap")]
        }) { gateway in
            let classified = try await gateway.call(Self.path, body: GatewayHarness.chat("smart", extra: #""metadata":{"task":"classification"}"#))
            #expect(classified.headers.first(name: "x-switchboard-model") == "claude-haiku-4-5")
            let plain = try await gateway.call(Self.path, body: GatewayHarness.chat("smart"))
            #expect(plain.headers.first(name: "x-switchboard-deployment") == "east")
            let pinned = try await gateway.call(Self.path, body: GatewayHarness.chat("smart"), headers: [
                ("authorization", "Bearer \(GatewayHarness.adminKey)"), ("x-switchboard-deployment", "west"),
            ])
            #expect(pinned.status == 200)
            #expect(pinned.headers.first(name: "x-switchboard-provider") == "azure")
            let unknown = try await gateway.call(Self.path, body: GatewayHarness.chat("smart"), headers: [
                ("authorization", "Bearer \(GatewayHarness.adminKey)"), ("x-switchboard-deployment", "north"),
            ])
            #expect(unknown.status == 400)
            #expect(unknown.json?["error"]?["code"] == "unknown_deployment")
        }
    }
}
