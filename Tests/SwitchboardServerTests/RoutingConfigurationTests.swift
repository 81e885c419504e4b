import SwitchboardCore
@testable import SwitchboardServer
import Testing

/// The `models:` deployments and the `routing:` section, read from YAML with exact key paths for problems.
@Suite struct RoutingConfigurationTests {
    @Test func readsDeploymentsStrategiesFallbacksAndRouting() throws {
        let yaml = """
            providers:
              east: { kind: openai, api_key: env:K, base_url: "http://127.0.0.1:9/v1", timeouts: { first_byte_ms: 9000 } }
              west: { kind: openai, api_key: env:K, base_url: "http://127.0.0.1:8/v1" }
            models:
              smart:
                strategy: weighted
                deployments:
                  - { name: e, provider: east, model: gpt-4o, weight: 3, max_concurrent: 10, rpm: 600, timeouts: { idle_ms: 500 } }
                  - { provider: west, model: gpt-4o, weight: 1, priority: 2 }
                fallbacks: [cheap]
                context_window_fallback: long
              cheap: { provider: west, model: gpt-4o-mini }
              long: { provider: east, model: gpt-4.1 }
            routing:
              retry: { max_attempts: 2, base_backoff_ms: 10, budget_percent: 10 }
              circuit_breaker: { consecutive_failures: 4, cool_down_ms: 1000 }
              max_client_timeout_ms: 30000
              rules:
                - when: { metadata: { task: classification }, tier: free }
                  use: cheap
            """
        let configuration = try ConfigurationTests.load(yaml, environment: ["K": "sk-x"]).get()
        let smart = try #require(configuration.aliases.first { $0.name == "smart" })
        #expect(smart.strategy == .weighted)
        #expect(smart.fallbacks == ["cheap"])
        #expect(smart.contextWindowFallback == "long")
        #expect(smart.deployments.map(\.name) == ["e", "west/gpt-4o"])
        #expect(smart.deployments[0].weight == 3 && smart.deployments[0].maxConcurrent == 10 && smart.deployments[0].requestsPerMinute == 600)
        #expect(smart.deployments[0].timeouts?.idle == .milliseconds(500))
        #expect(smart.deployments[0].timeouts?.firstByte == .milliseconds(9000), "completed from the provider's")
        #expect(smart.deployments[1].priority == 2)
        #expect(configuration.routing.retry.maxAttempts == 2)
        #expect(configuration.routing.retry.baseBackoff == .milliseconds(10))
        #expect(configuration.routing.retryBudget.percent == 10)
        #expect(configuration.routing.circuitBreaker.consecutiveFailures == 4)
        #expect(configuration.routing.circuitBreaker.coolDown == .seconds(1))
        #expect(configuration.routing.maxClientTimeout == .seconds(30))
        #expect(configuration.routing.rules == [RoutingRule(metadata: ["task": "classification"], tiers: ["free"], target: "cheap")])
    }

    @Test(arguments: [
        ("models:\n  m:\n    deployments:\n      - { provider: mock, model: echo, weight: -1 }\n", "models.m.deployments[0].weight", "whole number"),
        ("models:\n  m:\n    deployments:\n      - { provider: nobody, model: echo }\n", "models.m.deployments[0].provider", "no provider"),
        ("models:\n  m:\n    deployments:\n      - { provider: mock, model: echo, colour: red }\n", "models.m.deployments[0].colour", "unknown key"),
        ("models:\n  m:\n    deployments: []\n", "models.m.deployments", "non-empty list"),
        ("models:\n  m:\n    provider: mock\n    model: echo\n    strategy: fastest\n", "models.m.strategy", "unknown strategy"),
        ("models:\n  m:\n    provider: mock\n    model: echo\n    fallbacks: [ghost]\n", "models.m.fallbacks[0]", "neither a model"),
        ("models:\n  m:\n    provider: mock\n    model: echo\n    context_window_fallback: m\n", "models.m.context_window_fallback", "itself"),
        ("routing:\n  retry:\n    max_attempts: 0\n", "routing.retry.max_attempts", "whole number from 1 to 10"),
        ("routing:\n  circuit_breaker:\n    cool_down: 5\n", "routing.circuit_breaker.cool_down", "unknown key"),
        ("routing:\n  rules:\n    - when: { metadata: { task: x } }\n", "routing.rules[0].use", "is required"),
        ("routing:\n  rules:\n    - when: { colour: red }\n      use: mock/echo\n", "routing.rules[0].when.colour", "unknown key"),
        ("routing:\n  rules:\n    - use: ghost\n", "routing.rules[0].use", "neither a model"),
    ])
    func reportsPathAndReason(yaml: String, path: String, reason: String) throws {
        let problems = try ConfigurationTests.problems(yaml)
        #expect(problems.count == 1, "\(problems)")
        let problem = try #require(problems.first)
        #expect(problem.path.hasPrefix(path), "\(problem)")
        #expect(problem.reason.contains(reason), "\(problem)")
    }
}
