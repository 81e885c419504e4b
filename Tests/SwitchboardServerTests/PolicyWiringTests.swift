import Foundation
import SwitchboardCore
import SwitchboardServer
import Testing

/// Input limits, content policy and tool-call validation on the request path.
@Suite struct PolicyWiringTests {
    static func configure(_ configuration: inout GatewayConfiguration) {
        configuration.policy.content = ContentPolicySettings(
            bannedTerms: ["project nightshade"], piiRules: [.init(.email, .redact), .init(.paymentCard, .block)]
        )
        configuration.policy.tenantContent = ["strict": ContentPolicySettings(bannedTerms: ["competitor"])]
        configuration.policy.limits.maxChoices = 2
    }

    @Test func bannedTermsBlockAndNameTheRuleNotTheText() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in Self.configure(&configuration) }) { gateway in
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o", "tell me about Project Nightshade"))
            #expect(reply.status == 400)
            #expect(reply.json?["error"]?["code"] == "content_policy_violation")
            #expect(reply.json?["error"]?["message"]?.stringValue?.contains("banned term") == true)
            #expect(!reply.body.lowercased().contains("nightshade"))
            #expect(await gateway.recorder.totalRequests == 0)
        }
    }

    @Test func piiIsRedactedBeforeTheUpstreamOrBlocked() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in Self.configure(&configuration) }) { gateway in
            let redacted = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o", "mail jane.doe@example.com please"))
            #expect(redacted.status == 200)
            let seen = try #require(await gateway.recorder.lastBody)
            let forwarded = seen["messages"]?[0]?["content"]?.stringValue ?? ""
            #expect(!forwarded.contains("jane.doe@example.com"))
            #expect(forwarded.contains("[REDACTED:email]"))
            let card = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o", "card 4111 1111 1111 1111"))
            #expect(card.status == 400)
            #expect(!card.body.contains("4111"))
        }
    }

    @Test func tenantRulesApplyOnlyToThatTenant() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in Self.configure(&configuration) }) { gateway in
            let (_, strict) = try await gateway.makeKey(tenant: "strict")
            let (_, relaxed) = try await gateway.makeKey(tenant: "relaxed")
            let body = GatewayHarness.chat("mock/echo", "compare with the competitor")
            #expect(try await gateway.chat(strict, body).status == 400)
            #expect(try await gateway.chat(relaxed, body).status == 200)
            #expect(try await gateway.chat(strict, GatewayHarness.chat("mock/echo", "about project nightshade")).status == 400)
        }
    }

    @Test func inputLimitsAndToolSchemasAreChecked() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in Self.configure(&configuration) }) { gateway in
            let tooMany = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("mock/echo", extra: #""n":3"#))
            #expect(tooMany.status == 400)
            #expect(tooMany.json?["error"]?["param"] == "n")
            let badSchema = #""tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"x":{"type":"strnig"}}}}}]"#
            let invalid = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o", extra: badSchema))
            #expect(invalid.status == 400)
            #expect(invalid.json?["error"]?["param"] == "tools[0].function.parameters")
            #expect(await gateway.recorder.totalRequests == 0)
        }
    }

    @Test func answersAreScannedWhenConfigured() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.policy.content = ContentPolicySettings(bannedTerms: ["tool returned"], scanCompletions: true)
        }) { gateway in
            // After a tool result the mock answers "The tool returned: ...", words the prompt never had.
            let body = """
                {"model":"openai/gpt-4o","messages":[{"role":"user","content":"weather?"},
                {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]},
                {"role":"tool","tool_call_id":"c1","content":"sunny"}]}
                """
            let reply = try await gateway.call("/v1/chat/completions", body: body)
            #expect(reply.status == 502)
            #expect(reply.json?["error"]?["code"] == "content_policy_violation")
            #expect(!reply.body.contains("sunny"))
        }
    }

    @Test(arguments: [PolicySettings.ToolCallMode.warn, .error])
    func toolCallsThatBreakTheirSchemaAreFlagged(mode: PolicySettings.ToolCallMode) async throws {
        try await GatewayHarness.run(configure: { configuration, _ in configuration.policy.toolCalls = mode }) { gateway in
            // The mock fills string properties with "example", which this enum does not allow.
            let tools = #""tools":[{"type":"function","function":{"name":"pick","parameters":{"type":"object","properties":{"color":{"type":"string","enum":["red","blue"]}}}}}]"#
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o", "pick one", extra: tools))
            switch mode {
            case .warn:
                #expect(reply.status == 200)
                #expect(reply.headers.first(name: "x-switchboard-tool-call-warning")?.contains("pick") == true)
            default:
                #expect(reply.status == 502)
                #expect(reply.json?["error"]?["code"] == "invalid_tool_call")
            }
        }
    }
}
