import Foundation
import SwitchboardCore
@testable import SwitchboardServer
import Testing

/// `GET /metrics`: every metric of the gateway, with the right values after a known sequence of requests.
@Suite struct MetricsTests {
    @Test func clientChosenModelNamesCannotOpenUnboundedSeries() {
        let metrics = GatewayMetrics()
        for index in 0..<GatewayMetrics.maxModelLabels { #expect(metrics.modelLabel("model-\(index)") == "model-\(index)") }
        #expect(metrics.modelLabel("one-too-many") == "other")
        #expect(metrics.modelLabel("model-7") == "model-7", "models seen before keep their label")
    }

    /// One scrape, parsed: `name{label="value",...}` to value, labels sorted by name.
    struct Scrape {
        var samples: [String: Double] = [:]
        var text: String

        init(_ text: String) {
            self.text = text
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
                samples[Self.normalise(String(line[..<space]))] = value
            }
        }

        static func normalise(_ series: String) -> String {
            guard let open = series.firstIndex(of: "{") else { return series }
            let name = series[..<open]
            let labels = series[series.index(after: open)..<series.index(before: series.endIndex)]
                .split(separator: ",").map(String.init).sorted()
            return "\(name){\(labels.joined(separator: ","))}"
        }

        /// The value of `name` with exactly `labels`, or nil when absent.
        subscript(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            let rendered = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
            return samples[labels.isEmpty ? name : "\(name){\(rendered)}"]
        }
    }

    static let required = [
        "requests_total", "request_duration_seconds", "time_to_first_token_seconds", "tokens_total", "cost_usd_total", "active_requests",
        "active_streams", "upstream_attempts_total", "circuit_state", "rate_limited_total", "budget_rejections_total", "cache_requests_total",
        "usage_ledger_queue_depth",
    ]

    @Test func metricsHaveTheRightValuesAfterAKnownSequence() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.governance.prices = ["openai/gpt-4o": ModelPrice(inputPerMillion: 2_000_000, outputPerMillion: 4_000_000)]
            configuration.governance.allowUnpricedModels = true
        }) { gateway in
            let (_, secret) = try await gateway.makeKey()
            for _ in 0..<2 { #expect(try await gateway.chat(secret, GatewayHarness.chat("openai/gpt-4o")).status == 200) }
            let stream = try await gateway.chat(secret, GatewayHarness.chat(
                "openai/gpt-4o", stream: true, extra: #""stream_options":{"include_usage":true}"#
            ))
            #expect(stream.status == 200)
            #expect(try await gateway.chat(secret, GatewayHarness.chat("openai/gpt-4o@status=400")).status == 400)
            // One request per minute: the second is refused by the key's rate limit.
            let (_, limited) = try await gateway.makeKey(tenant: "limited", keyBody: #""rpm":1"#)
            #expect(try await gateway.chat(limited, GatewayHarness.chat("mock/echo")).status == 200)
            #expect(try await gateway.chat(limited, GatewayHarness.chat("mock/echo")).status == 429)
            // A budget too small for any request of the priced model.
            let (_, broke) = try await gateway.makeKey(tenant: "broke", keyBody: #""budget":{"limit_usd":0.000001,"period":"day"}"#)
            #expect(try await gateway.chat(broke, GatewayHarness.chat("openai/gpt-4o")).status == 429)

            let records = await gateway.records().filter { $0.publicModel == "openai/gpt-4o" && $0.status == 200 }
            #expect(records.count == 3)
            let reply = try await gateway.call("/metrics", method: .GET, headers: [])
            #expect(reply.status == 200)
            let scrape = Scrape(reply.body)
            for name in Self.required {
                #expect(scrape.text.contains("switchboard_\(name)"), "switchboard_\(name) missing")
            }
            let model = ["model": "openai/gpt-4o"]
            #expect(scrape["switchboard_requests_total", model.merging(["provider": "openai", "status": "200"]) { $1 }] == 3)
            #expect(scrape["switchboard_requests_total", ["model": "openai/gpt-4o@status=400", "provider": "none", "status": "400"]] == 1)
            #expect(scrape["switchboard_requests_total", ["model": "mock/echo", "provider": "mock", "status": "200"]] == 1)
            #expect(scrape["switchboard_requests_total", ["model": "mock/echo", "provider": "none", "status": "429"]] == 1)
            #expect(scrape["switchboard_requests_total", model.merging(["provider": "none", "status": "429"]) { $1 }] == 1)
            #expect(scrape["switchboard_request_duration_seconds_count", model] == 4)
            #expect(scrape["switchboard_time_to_first_token_seconds_count", model] == 1)
            let prompt = records.map(\.promptTokens).reduce(0, +)
            let completion = records.map(\.completionTokens).reduce(0, +)
            #expect(prompt > 0 && completion > 0)
            #expect(scrape["switchboard_tokens_total", model.merging(["type": "prompt"]) { $1 }] == Double(prompt))
            #expect(scrape["switchboard_tokens_total", model.merging(["type": "completion"]) { $1 }] == Double(completion))
            #expect(scrape["switchboard_tokens_total", model.merging(["type": "cached"]) { $1 }] == 0)
            let cost = records.map(\.cost.dollars).reduce(0, +)
            #expect(cost > 0)
            #expect(abs((scrape["switchboard_cost_usd_total", model] ?? -1) - cost) < 1e-6)
            #expect(scrape["switchboard_upstream_attempts_total", ["provider": "openai", "outcome": "success"]] == 4)
            #expect(scrape["switchboard_upstream_attempts_total", ["provider": "mock", "outcome": "success"]] == 1)
            #expect(scrape["switchboard_rate_limited_total", ["scope": "key"]] == 1)
            #expect(scrape["switchboard_rate_limited_total", ["scope": "tenant"]] == 0)
            #expect(scrape["switchboard_budget_rejections_total", ["scope": "key"]] == 1)
            #expect(scrape["switchboard_cache_requests_total", ["result": "hit"]] == 0)
            #expect(scrape["switchboard_active_requests"] == 0)
            #expect(scrape["switchboard_active_streams"] == 0)
            #expect(scrape["switchboard_usage_ledger_queue_depth"] == 0)
            #expect(scrape.samples.keys.contains { $0.hasPrefix("switchboard_circuit_state{") })
            #expect(scrape.samples.filter { $0.key.hasPrefix("switchboard_circuit_state{") }.values.allSatisfy { $0 == 0 })
            // No secret and no key id in any label.
            #expect(!scrape.text.contains(secret) && !scrape.text.contains("sk-test-openai"))
            #expect(!scrape.text.contains("tenant="))
        }
    }

    /// Every `switchboard_*` series the alert rules and the dashboard use exists in a scrape after traffic.
    @Test func deployFilesNameOnlyExistingMetrics() async throws {
        let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy")
        let text = try ["prometheus/alerts.yml", "grafana/switchboard.json"].map {
            try String(contentsOf: deploy.appendingPathComponent($0), encoding: .utf8)
        }.joined(separator: "\n")
        let named = Set(text.matches(of: /switchboard_[a-z_]+/).map { String($0.output) })
        #expect(named.count >= 10)
        try await GatewayHarness.run { gateway in
            _ = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("mock/echo", stream: true))
            let scrape = try await gateway.call("/metrics", method: .GET, headers: []).body
            // Series names, and metric family names from the `# TYPE` lines (a histogram's base name).
            let exposed = Set(scrape.split(separator: "\n").compactMap { line -> String? in
                let words = line.split(whereSeparator: { $0 == "{" || $0 == " " })
                if line.hasPrefix("# TYPE ") { return words.count > 2 ? String(words[2]) : nil }
                return line.hasPrefix("#") ? nil : words.first.map(String.init)
            })
            for name in named.sorted() {
                #expect(exposed.contains(name), "\(name) is used in deploy/ but not exposed at /metrics")
            }
        }
    }

    @Test func openCircuitShowsInMetricsAndReadiness() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.aliases = [ModelAlias(name: "flaky", provider: "openai", upstreamModel: "gpt-4o@status=500")]
            configuration.routing.retry.maxAttempts = 1
            configuration.routing.circuitBreaker.consecutiveFailures = 1
        }) { gateway in
            #expect(try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("flaky")).status >= 500)
            let scrape = Scrape(try await gateway.call("/metrics", method: .GET, headers: []).body)
            #expect(scrape.samples.filter { $0.key.hasPrefix("switchboard_circuit_state{") }.values.contains(2))
            #expect(scrape["switchboard_upstream_attempts_total", ["provider": "openai", "outcome": "failure"]] == 1)
            let ready = try await gateway.call("/ready", method: .GET, headers: [])
            #expect(ready.status == 200)
            let providers = try #require(ready.json?["dependencies"]?["providers"]?.arrayValue)
            let openai = try #require(providers.first { $0["name"] == "openai" })
            #expect(openai["status"] == "unavailable")
            #expect(openai["circuits"]?[0]?["state"] == "open")
            #expect(providers.first { $0["name"] == "mock" }?["status"] == "ok")
            #expect(ready.json?["dependencies"]?["database"]?["status"] == "ok")
        }
    }

    @Test func tokenProtectsMetrics() async throws {
        let token = "scrape-token-0123456789abcdef"
        try await GatewayHarness.run(configure: { configuration, _ in configuration.observability.metricsToken = Secret(token) }) { gateway in
            #expect(try await gateway.call("/metrics", method: .GET, headers: []).status == 401)
            #expect(try await gateway.call("/metrics", method: .GET, headers: [("authorization", "Bearer wrong-token-000000000")]).status == 401)
            let reply = try await gateway.call("/metrics", method: .GET, headers: [("authorization", "Bearer \(token)")])
            #expect(reply.status == 200)
            #expect(reply.body.contains("switchboard_active_requests"))
        }
    }

    @Test func metricsCanLiveOnASeparatePort() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in configuration.observability.metricsPort = 0 }) { gateway in
            let url = try #require(gateway.metricsURL)
            #expect(try await gateway.call("/metrics", method: .GET, headers: []).status == 404)
            let response = try await gateway.client.execute(.init(url: url + "/metrics"), timeout: .seconds(10))
            #expect(response.status == .ok)
            // Served by the gateway's own connection driver, which writes these two headers on every response.
            #expect(response.headers["server"] == ["switchboard-metrics"])
            #expect(response.headers["date"].first?.hasSuffix(" GMT") == true)
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect(body.contains("switchboard_usage_ledger_queue_depth"))
        }
    }

    @Test func tenantLabelsOnlyWhenEnabled() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in configuration.observability.tenantLabels = true }) { gateway in
            let (_, secret) = try await gateway.makeKey(tenant: "acme")
            #expect(try await gateway.chat(secret, GatewayHarness.chat("mock/echo")).status == 200)
            let scrape = Scrape(try await gateway.call("/metrics", method: .GET, headers: []).body)
            #expect(scrape["switchboard_requests_total", ["model": "mock/echo", "provider": "mock", "status": "200", "tenant": "acme"]] == 1)
        }
    }
}
