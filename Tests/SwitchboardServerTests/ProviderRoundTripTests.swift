import Foundation
import SwitchboardCore
import Testing

/// Chat through each provider kind against the in-process mock upstream, streamed and not.
@Suite struct ProviderRoundTripTests {
    static let models = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "azure/my-deployment", "mock/echo"]

    @Test(arguments: models)
    func nonStreamingChat(model: String) async throws {
        try await GatewayHarness.run { gateway in
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat(model, "Hello there world"))
            #expect(reply.status == 200)
            let json = try #require(reply.json)
            #expect(json["object"] == "chat.completion")
            #expect(json["choices"]?[0]?["message"]?["content"] == "Hello there world")
            #expect(json["choices"]?[0]?["message"]?["role"] == "assistant")
            #expect(json["choices"]?[0]?["finish_reason"] == "stop")
            #expect((json["usage"]?["prompt_tokens"]?.intValue ?? 0) > 0)
            #expect(json["usage"]?["completion_tokens"]?.intValue == 3)
            let provider = String(model.prefix { $0 != "/" })
            #expect(reply.headers.first(name: "x-switchboard-provider") == provider)
        }
    }

    @Test(arguments: models, [false, true])
    func streamingChat(model: String, includeUsage: Bool) async throws {
        try await GatewayHarness.run { gateway in
            let extra = includeUsage ? #""stream_options":{"include_usage":true}"# : ""
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat(model, "one two three four", stream: true, extra: extra))
            #expect(reply.status == 200)
            #expect(reply.headers.first(name: "content-type") == "text/event-stream")
            #expect(reply.headers.first(name: "cache-control") == "no-cache")
            #expect(reply.headers.first(name: "x-accel-buffering") == "no")
            let events = GatewayHarness.events(reply.body)
            #expect(events.last == "[DONE]")
            #expect(GatewayHarness.content(ofChunks: events) == "one two three four")
            let usageChunks = events.filter { $0.contains(#""prompt_tokens""#) }
            #expect(usageChunks.count == (includeUsage ? 1 : 0))
            let finish = events.compactMap { event -> String? in
                let json = try? JSONDecoder().decode(JSONValue.self, from: Data(event.utf8))
                return json?["choices"]?[0]?["finish_reason"]?.stringValue
            }
            #expect(finish == ["stop"])
        }
    }

    @Test(arguments: ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"])
    func toolCallsRoundTrip(model: String) async throws {
        try await GatewayHarness.run { gateway in
            let tools = #""tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}}}]"#
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat(model, "Weather in Paris?", extra: tools))
            #expect(reply.status == 200)
            let call = reply.json?["choices"]?[0]?["message"]?["tool_calls"]?[0]
            #expect(reply.json?["choices"]?[0]?["finish_reason"] == "tool_calls")
            #expect(call?["function"]?["name"] == "get_weather")
            let arguments = try #require(call?["function"]?["arguments"]?.stringValue)
            #expect(try JSONDecoder().decode(JSONValue.self, from: Data(arguments.utf8)) == ["city": "example", "days": 1])
            let callID = try #require(call?["id"]?.stringValue)

            // Second turn: the tool result goes back and the model answers with text.
            let followUp = """
                {"model":"\(model)","messages":[{"role":"user","content":"Weather in Paris?"},
                {"role":"assistant","content":null,"tool_calls":[{"id":"\(callID)","type":"function","function":{"name":"get_weather","arguments":\(try String(data: JSONEncoder().encode(arguments), encoding: .utf8)!)}}]},
                {"role":"tool","tool_call_id":"\(callID)","content":"sunny"}],\(tools)}
                """
            let second = try await gateway.call("/v1/chat/completions", body: followUp)
            #expect(second.status == 200)
            #expect(second.json?["choices"]?[0]?["message"]?["content"] == "The tool returned: sunny")
        }
    }

    @Test(arguments: ["openai/gpt-4o", "anthropic/claude-sonnet-4-5"])
    func streamedToolCallArgumentsReassemble(model: String) async throws {
        try await GatewayHarness.run { gateway in
            let tools = #""tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{"q":{"type":"string"}}}}}]"#
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat(model, "find it", stream: true, extra: tools))
            let events = GatewayHarness.events(reply.body)
            #expect(events.last == "[DONE]")
            var name = ""
            var arguments = ""
            for event in events.dropLast() {
                let json = try JSONDecoder().decode(JSONValue.self, from: Data(event.utf8))
                guard let call = json["choices"]?[0]?["delta"]?["tool_calls"]?[0] else { continue }
                name += call["function"]?["name"]?.stringValue ?? ""
                arguments += call["function"]?["arguments"]?.stringValue ?? ""
            }
            #expect(name == "lookup")
            #expect(arguments == #"{"q":"example"}"#)
        }
    }

    @Test func unknownFieldsPassThroughToOpenAIKindAndUsageIsRequestedUpstream() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.aliases = [ModelAlias(name: "house-model", provider: "openai", upstreamModel: "gpt-4o-mini")]
        }) { gateway in
            let extra = #""reasoning_effort":"low","custom_field":{"nested":[1,2]},"seed":42"#
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("house-model", "hi", stream: true, extra: extra))
            #expect(reply.status == 200)
            let seen = try #require(await gateway.recorder.lastBody)
            #expect(seen["model"] == "gpt-4o-mini")
            #expect(seen["reasoning_effort"] == "low")
            #expect(seen["custom_field"] == ["nested": [1, 2]])
            #expect(seen["seed"] == 42)
            #expect(seen["stream_options"]?["include_usage"] == true)
            // The client did not ask for usage, so the usage chunk is not forwarded.
            #expect(!reply.body.contains(#""prompt_tokens""#))
        }
    }

    @Test func azureUsesDeploymentURL() async throws {
        try await GatewayHarness.run { gateway in
            _ = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("azure/prod-gpt4o"))
            #expect(await gateway.recorder.requests["/openai/deployments/prod-gpt4o/chat/completions"] == 1)
        }
    }
}
