import Foundation
import SwitchboardCore
import SwitchboardServer
import Testing

/// Upstream failures become the right status and message, never a hang or an empty 500.
@Suite struct UpstreamFailureTests {
    @Test(arguments: ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"])
    func rateLimitIsRelayedWithRetryAfter(model: String) async throws {
        try await GatewayHarness.run { gateway in
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("\(model)@status=429,retry-after=2"))
            #expect(reply.status == 429)
            #expect(reply.headers.first(name: "retry-after") == "2")
            #expect(reply.json?["error"]?["type"] == "rate_limit_exceeded")
        }
    }

    @Test(arguments: [(500, 502, "upstream_server_error"), (503, 503, "upstream_overloaded"), (529, 503, "upstream_overloaded"),
                      (401, 502, "upstream_auth_failed")])
    func serverErrorsBecomeGatewayErrors(upstream: Int, status: Int, code: String) async throws {
        // One attempt per request: this is about the mapping, not retries (ResilienceTests cover those).
        try await GatewayHarness.run(configure: { configuration, _ in configuration.routing.retry.maxAttempts = 1 }) { gateway in
            for model in ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"] {
                let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("\(model)@status=\(upstream)"))
                #expect(reply.status == status)
                #expect(reply.json?["error"]?["code"]?.stringValue == code)
                #expect(!reply.body.contains("sk-test-openai-upstream-key") && !reply.body.contains("sk-ant-test-upstream-key"))
            }
        }
    }

    @Test func clientErrorsAreRelayedWithTheUpstreamMessage() async throws {
        try await GatewayHarness.run { gateway in
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o@status=400"))
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?["message"] == "Mock upstream injected HTTP 400.")
        }
    }

    @Test(arguments: [false, true])
    func hungUpstreamEndsIn504WithinFirstByteTimeout(stream: Bool) async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.timeouts.firstByte = .milliseconds(300)
            for index in configuration.providers.indices { configuration.providers[index].timeouts = configuration.timeouts }
        }) { gateway in
            let reply = try await withTimeLimit(.seconds(10)) {
                try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o@hang", stream: stream))
            }
            #expect(reply.status == 504)
            #expect(reply.json?["error"]?["code"] == "upstream_timeout")
            // Retries are on by default, but a hung deployment is not waited for twice.
            #expect(await gateway.recorder.totalRequests == 1)
            // The gateway gave up on the upstream: the mock sees its connection closed.
            try await withTimeLimit(.seconds(5)) { await gateway.recorder.waitForDisconnects(1) }
        }
    }

    @Test(arguments: ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"])
    func streamCutMidwayEndsWithErrorEventNotDone(model: String) async throws {
        try await GatewayHarness.run { gateway in
            let reply = try await gateway.call(
                "/v1/chat/completions", body: GatewayHarness.chat("\(model)@drop-after=3", "one two three four five six", stream: true)
            )
            #expect(reply.status == 200)
            let events = GatewayHarness.events(reply.body)
            #expect(!events.contains("[DONE]"))
            let last = try JSONDecoder().decode(JSONValue.self, from: Data(try #require(events.last).utf8))
            #expect(last["error"]?["code"] == "upstream_interrupted")
        }
    }

    @Test func unreachableUpstreamIs502() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.providers.append(ProviderSettings(name: "dead", kind: .openAI, apiKey: Secret("k"), baseURL: "http://127.0.0.1:1/v1"))
        }) { gateway in
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("dead/gpt-4o"))
            #expect(reply.status == 502)
            #expect(reply.json?["error"]?["code"] == "upstream_unreachable")
        }
    }
}
