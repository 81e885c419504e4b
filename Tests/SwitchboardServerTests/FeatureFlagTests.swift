import Foundation
import SwitchboardCore
@testable import SwitchboardServer
import Testing

/// Feature flags: configured, rolled out by consistent hashing of the key id, gating routing rules, listed
/// at `GET /admin/v1/flags`.
@Suite struct FeatureFlagTests {
    @Test func rolloutIsConsistentAndProportional() {
        let flag = FeatureFlag(name: "new-router", rolloutPercent: 30)
        let subjects = (0..<2000).map { "key_\($0)" }
        let on = subjects.filter { flag.isOn(for: $0) }
        #expect((500...700).contains(on.count))
        #expect(subjects.allSatisfy { flag.isOn(for: $0) == flag.isOn(for: $0) })
        // Growing the rollout keeps everyone who was in.
        let wider = FeatureFlag(name: "new-router", rolloutPercent: 60)
        #expect(on.allSatisfy { wider.isOn(for: $0) })
        #expect(!FeatureFlag(name: "x", enabled: false).isOn(for: "key_1"))
        #expect(FeatureFlag(name: "x").isOn(for: nil))
        #expect(!FeatureFlag(name: "x", rolloutPercent: 99).isOn(for: nil))
        #expect(!FeatureFlag(name: "x", rolloutPercent: 0).isOn(for: "key_1"))
    }

    @Test func configurationReadsFlagsAndRuleConditions() throws {
        let yaml = """
            flags:
              new-model:
                enabled: true
                rollout_percent: 25
                description: Try gpt-4o
            routing:
              rules:
                - when: {model: gpt-4o, flag: new-model}
                  use: mock/echo
            """
        let configuration = try ConfigurationTests.load(yaml).get()
        #expect(configuration.routing.flags == FeatureFlags([FeatureFlag(name: "new-model", rolloutPercent: 25, description: "Try gpt-4o")]))
        #expect(configuration.routing.rules.first?.flag == "new-model")
        let problems = try ConfigurationTests.problems("""
            flags:
              a: {rollout_percent: 150, enabled: maybe}
            routing:
              rules:
                - when: {flag: missing}
                  use: mock/echo
            """)
        let paths = problems.map(\.path)
        #expect(paths.contains { $0.hasPrefix("flags.a.rollout_percent") })
        #expect(paths.contains { $0.hasPrefix("flags.a.enabled") })
        #expect(paths.contains { $0.hasPrefix("routing.rules[0].when.flag") })
    }

    /// The file is read without Yams's regular-expression resolver, so YAML's booleans are matched by spelling.
    @Test(arguments: [("on", true), ("Yes", true), ("TRUE", true), ("off", false), ("no", false), ("False", false)])
    func flagsTakeYAMLsBooleanSpellings(spelling: String, enabled: Bool) throws {
        let configuration = try ConfigurationTests.load("flags:\n  a: {enabled: \(spelling)}\n").get()
        #expect(configuration.routing.flags == FeatureFlags([FeatureFlag(name: "a", enabled: enabled)]))
    }

    @Test(arguments: ["\"true\"", "'yes'", "tRuE", "1", "~"])
    func aQuotedOrOddBooleanIsAProblem(spelling: String) throws {
        let problems = try ConfigurationTests.problems("flags:\n  a: {enabled: \(spelling)}\n")
        #expect(problems.map(\.path) == ["flags.a.enabled (line 2)"])
    }

    @Test func aFlaggedRuleRoutesOnlyTheKeysInTheRollout() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.routing.flags = FeatureFlags([FeatureFlag(name: "try-openai", rolloutPercent: 50)])
            var rule = RoutingRule(models: ["mock/echo"], target: "openai/gpt-4o")
            rule.flag = "try-openai"
            configuration.routing.rules = [rule]
        }) { gateway in
            var seen: Set<Bool> = []
            var index = 0
            while seen.count < 2 && index < 24 {
                let (id, secret) = try await gateway.makeKey(tenant: "t\(index)")
                let expected = FeatureFlag(name: "try-openai", rolloutPercent: 50).isOn(for: id)
                let reply = try await gateway.chat(secret, GatewayHarness.chat("mock/echo"))
                #expect(reply.status == 200)
                #expect(reply.headers["x-switchboard-provider"].first == (expected ? "openai" : "mock"))
                let listed = try await gateway.admin("/flags?subject=\(id)")
                #expect(listed.json?["data"]?[0]?["on"] == .bool(expected))
                seen.insert(expected)
                index += 1
            }
            #expect(seen.count == 2)
            let listing = try await gateway.admin("/flags")
            #expect(listing.json?["data"]?[0]?["name"] == "try-openai")
            #expect(listing.json?["data"]?[0]?["rollout_percent"] == 50)
            #expect(listing.json?["data"]?[0]?["on"] == nil)
            // Not for virtual keys.
            let (_, secret) = try await gateway.makeKey(tenant: "outsider")
            #expect(try await gateway.call("/admin/v1/flags", method: .GET, headers: [("authorization", "Bearer \(secret)")]).status == 403)
        }
    }
}
