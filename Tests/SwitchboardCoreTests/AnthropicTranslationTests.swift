import Foundation
import NIOCore
import SwitchboardCore
import Testing

@Suite struct AnthropicTranslationTests {
    // MARK: Requests

    @Test func systemMessagesAreHoistedAndRolesAlternate() throws {
        let body = try translate("""
            {"model": "claude", "max_completion_tokens": 256, "max_tokens": 100, "messages": [
              {"role": "system", "content": "You are terse."},
              {"role": "user", "content": "Hi"},
              {"role": "developer", "content": [{"type": "text", "text": "Answer in French."}]},
              {"role": "user", "content": "What is the weather in Paris and Lyon?"},
              {"role": "assistant", "content": "Let me check.", "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Paris\\"}"}},
                {"id": "call_2", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Lyon\\"}"}}
              ]},
              {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
              {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "21C"}]},
              {"role": "user", "content": "Thanks"}
            ]}
            """)
        let expected: JSONValue = [
            "model": "claude-sonnet-4-20250514",
            "max_tokens": 256,
            "system": "You are terse.\n\nAnswer in French.",
            "messages": [
                ["role": "user", "content": [
                    ["type": "text", "text": "Hi"],
                    ["type": "text", "text": "What is the weather in Paris and Lyon?"],
                ]],
                ["role": "assistant", "content": [
                    ["type": "text", "text": "Let me check."],
                    ["type": "tool_use", "id": "call_1", "name": "get_weather", "input": ["city": "Paris"]],
                    ["type": "tool_use", "id": "call_2", "name": "get_weather", "input": ["city": "Lyon"]],
                ]],
                ["role": "user", "content": [
                    ["type": "tool_result", "tool_use_id": "call_1", "content": "18C"],
                    ["type": "tool_result", "tool_use_id": "call_2", "content": "21C"],
                    ["type": "text", "text": "Thanks"],
                ]],
            ],
        ]
        #expect(body == expected)
    }

    @Test func samplingParametersAreMapped() throws {
        let body = try translate(
            #"{"model": "m", "temperature": 1.5, "top_p": 0.9, "stop": "END", "user": "user-42", "seed": 7,"#
                + #" "messages": [{"role": "user", "content": "Hi"}]}"#,
            stream: true
        )
        #expect(body["max_tokens"] == 4096)
        #expect(body["temperature"] == .double(1.0))
        #expect(body["top_p"] == .double(0.9))
        #expect(body["stop_sequences"] == ["END"])
        #expect(body["metadata"] == ["user_id": "user-42"])
        #expect(body["stream"] == true)
        #expect(body["messages"] == [["role": "user", "content": "Hi"]])
        #expect(body["seed"] == nil)
        #expect(body["system"] == nil)

        let unstreamed = try translate(#"{"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": "Hi"}]}"#)
        #expect(unstreamed["stream"] == nil)
        #expect(unstreamed["max_tokens"] == 100)
        #expect(unstreamed["temperature"] == nil)
    }

    @Test func imagePartsBecomeImageBlocks() throws {
        let body = try translate("""
            {"model": "m", "messages": [{"role": "user", "content": [
              {"type": "text", "text": "Compare these."},
              {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
              {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg", "detail": "high"}}
            ]}]}
            """)
        #expect(body["messages"] == [["role": "user", "content": [
            ["type": "text", "text": "Compare these."],
            ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="]],
            ["type": "image", "source": ["type": "url", "url": "https://example.com/cat.jpg"]],
        ]]])
    }

    @Test func untranslatableRequestsNameTheField() throws {
        let audio = #expect(throws: GatewayError.self) {
            try translate("""
                {"model": "m", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": [
                  {"type": "text", "text": "Listen."}, {"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}}
                ]}]}
                """)
        }
        #expect(audio?.param == "messages[1].content[1]")
        #expect(audio?.type == "invalid_request_error")

        let arguments = #expect(throws: GatewayError.self) {
            try translate("""
                {"model": "m", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "tool_calls": [
                  {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "[1, 2]"}}
                ]}]}
                """)
        }
        #expect(arguments?.param == "messages[1].tool_calls[0].function.arguments")

        let choices = #expect(throws: GatewayError.self) {
            try translate(#"{"model": "m", "n": 2, "messages": [{"role": "user", "content": "Hi"}]}"#)
        }
        #expect(choices == .invalidRequest("Anthropic models return one choice; 'n' must be 1.", param: "n"))
    }

    @Test(arguments: [
        (#""auto""#, nil, ["type": "auto"]),
        (#""required""#, nil, ["type": "any"]),
        (#""none""#, false, ["type": "none"]),
        (#"{"type": "function", "function": {"name": "get_weather"}}"#, nil, ["type": "tool", "name": "get_weather"]),
        (nil, false, ["type": "auto", "disable_parallel_tool_use": true]),
        (#""required""#, false, ["type": "any", "disable_parallel_tool_use": true]),
        (nil, true, nil),
    ] as [(String?, Bool?, JSONValue?)])
    func toolsAndToolChoiceAreMapped(choice: String?, parallel: Bool?, expected: JSONValue?) throws {
        let choiceField = choice.map { #""tool_choice": \#($0), "# } ?? ""
        let parallelField = parallel.map { #""parallel_tool_calls": \#($0), "# } ?? ""
        let body = try translate("""
            {"model": "m", \(choiceField)\(parallelField)"messages": [{"role": "user", "content": "Hi"}], "tools": [
              {"type": "function", "function": {"name": "get_weather", "description": "Current weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
              {"type": "function", "function": {"name": "get_time"}}
            ]}
            """)
        #expect(body["tool_choice"] == expected)
        #expect(body["tools"] == [
            ["name": "get_weather", "description": "Current weather", "input_schema": [
                "type": "object", "properties": ["city": ["type": "string"]], "required": ["city"],
            ]],
            ["name": "get_time", "input_schema": ["type": "object", "properties": [:]]],
        ])
    }

    // MARK: Responses

    @Test func textResponseIsTranslated() throws {
        let completion = try AnthropicResponseTranslator.completion(
            from: try fixture("text_response", "json"), created: 1_700_000_000, provider: "claude"
        )
        #expect(completion.id == "msg_01XFDUDYJgAACzvnptvVoYEL")
        #expect(completion.model == "claude-sonnet-4-20250514")
        #expect(completion.created == 1_700_000_000)
        #expect(completion.choices.count == 1)
        #expect(completion.choices.first?.message.content == "Hello! How can I help you today?")
        #expect(completion.choices.first?.message.toolCalls == nil)
        #expect(completion.choices.first?.finishReason == "stop")
        #expect(completion.usage == Usage(promptTokens: 12, completionTokens: 12, cachedTokens: 0))
    }

    @Test func toolUseResponseWithCacheUsageIsTranslated() throws {
        let completion = try AnthropicResponseTranslator.completion(
            from: try fixture("tool_use_response", "json"), created: 1, provider: "claude"
        )
        let message = try #require(completion.choices.first?.message)
        #expect(message.content == "I'll check the current weather in San Francisco for you.")
        #expect(message.toolCalls == [
            ToolCall(
                id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather",
                arguments: #"{"location":"San Francisco, CA","unit":"celsius"}"#
            ),
        ])
        #expect(completion.choices.first?.finishReason == "tool_calls")
        let usage = try #require(completion.usage)
        #expect(usage.promptTokens == 35 + 120 + 2048)
        #expect(usage.completionTokens == 87)
        #expect(usage.totalTokens == 2290)
        #expect(usage.cachedTokens == 2048)
    }

    @Test func toolOnlyResponseHasNullContentAndNoCacheDetailsWhenUnreported() throws {
        let body = """
            {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-3-5-haiku-20241022",
             "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_time", "input": {}}],
             "stop_reason": "tool_use", "stop_sequence": null, "usage": {"input_tokens": 10, "output_tokens": 5}}
            """
        let completion = try AnthropicResponseTranslator.completion(from: Data(body.utf8), created: 1, provider: "claude")
        #expect(completion.choices.first?.message.content == nil)
        #expect(completion.choices.first?.message.toolCalls == [ToolCall(id: "toolu_1", name: "get_time", arguments: "{}")])
        #expect(completion.usage == Usage(promptTokens: 10, completionTokens: 5))
        #expect(completion.usage?.promptTokensDetails == nil)
    }

    @Test(arguments: [
        ("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"), ("tool_use", "tool_calls"),
        ("refusal", "content_filter"), ("pause_turn", "stop"),
    ])
    func stopReasonsMapToFinishReasons(stopReason: String, finishReason: String) {
        #expect(AnthropicResponseTranslator.finishReason(stopReason) == finishReason)
    }

    @Test func undecodableResponseIsMalformed() {
        let error = #expect(throws: UpstreamError.self) {
            try AnthropicResponseTranslator.completion(from: Array("<html>502</html>".utf8), created: 1, provider: "claude")
        }
        #expect(error?.kind == .malformedResponse)
        #expect(error?.provider == "claude")
    }

    @Test func errorBodyIsRead() throws {
        let error = try #require(AnthropicResponseTranslator.error(from: try fixture("error_body", "json")))
        #expect(error.type == "invalid_request_error")
        #expect(error.message.hasPrefix("max_tokens: 200000 > 64000"))
        #expect(AnthropicResponseTranslator.error(from: try fixture("text_response", "json")) == nil)
    }

    // MARK: Streams

    @Test func streamedTextIsTranslated() throws {
        var translator = AnthropicStreamTranslator(provider: "claude", created: 42)
        var chunks: [ChatCompletionChunk] = []
        for event in try events("stream_text") {
            #expect(!translator.isFinished)
            chunks += try translator.translate(event)
        }
        #expect(translator.isFinished)
        #expect(chunks.count == 6)
        #expect(chunks.allSatisfy { $0.id == "msg_01NPcLX3xTj8pCZ5kGYnGx7R" && $0.model == "claude-sonnet-4-20250514" })
        #expect(chunks.allSatisfy { $0.created == 42 })
        #expect(chunks.first?.choices.first?.delta.role == "assistant")
        #expect(chunks.first?.choices.first?.delta.content == "")
        let text = chunks.dropFirst().compactMap { $0.choices.first?.delta.content }.joined()
        #expect(text == "Hello! How can I help you today?")
        #expect(chunks.compactMap { $0.choices.first?.finishReason } == ["stop"])
        let last = try #require(chunks.last)
        #expect(last.choices.isEmpty)
        #expect(last.usage == Usage(promptTokens: 25, completionTokens: 12, cachedTokens: 0))
        #expect(translator.usage == last.usage)
    }

    @Test func streamedToolCallsAreReassembled() throws {
        var translator = AnthropicStreamTranslator(provider: "claude", created: 42)
        var chunks: [ChatCompletionChunk] = []
        for event in try events("stream_tool_use") { chunks += try translator.translate(event) }
        let deltas = chunks.flatMap { $0.choices.first?.delta.toolCalls ?? [] }
        let starts = deltas.filter { $0.id != nil }
        #expect(starts.map(\.index) == [0, 1])
        #expect(starts.map(\.id) == ["toolu_01T1x1fJ34qAmk2tNTrN7Up6", "toolu_01HYzPqbB4qMxmRT6D4Rf3Lk"])
        #expect(starts.allSatisfy { $0.type == "function" && $0.function.name == "get_weather" && $0.function.arguments == "" })
        let arguments = (0..<2).map { index in
            deltas.filter { $0.index == index }.compactMap(\.function.arguments).joined()
        }
        #expect(arguments == [
            #"{"location": "San Francisco, CA", "unit": "fahrenheit"}"#,
            #"{"location": "New York, NY", "unit": "fahrenheit"}"#,
        ])
        let parsed = try JSONDecoder().decode(JSONValue.self, from: Data(arguments[0].utf8))
        #expect(parsed == ["location": "San Francisco, CA", "unit": "fahrenheit"])
        let text = chunks.compactMap { $0.choices.first?.delta.content }.joined()
        #expect(text == "Okay, let me check the weather in both cities.")
        #expect(chunks.compactMap { $0.choices.first?.finishReason } == ["tool_calls"])
        #expect(translator.usage == Usage(promptTokens: 472 + 1024, completionTokens: 118, cachedTokens: 1024))
        #expect(translator.isFinished)
    }

    @Test func streamedErrorEventThrows() throws {
        var translator = AnthropicStreamTranslator(provider: "claude", created: 42)
        var chunks: [ChatCompletionChunk] = []
        let error = #expect(throws: UpstreamError.self) {
            for event in try events("stream_error") { chunks += try translator.translate(event) }
        }
        #expect(error?.kind == .interrupted)
        #expect(error?.message == "Overloaded")
        #expect(error?.upstreamType == "overloaded_error")
        #expect(error?.provider == "claude")
        #expect(chunks.compactMap { $0.choices.first?.delta.content } == ["", "Once upon"])
        #expect(!translator.isFinished)
    }

    @Test func pingAndUnknownEventsAreIgnored() throws {
        var translator = AnthropicStreamTranslator(provider: "claude", created: 42)
        #expect(try translator.translate(ServerSentEvent(event: "ping", data: #"{"type": "ping"}"#)).isEmpty)
        #expect(try translator.translate(ServerSentEvent(event: "future", data: #"{"type": "future", "x": [1]}"#)).isEmpty)
        #expect(translator.usage == nil)
    }

    // MARK: Helpers

    private func translate(_ json: String, stream: Bool = false) throws -> JSONValue {
        let request = try ChatRequest.decode(Data(json.utf8))
        let call = ProviderCall(request: request, upstreamModel: "claude-sonnet-4-20250514", requestID: "req-1")
        return try AnthropicRequestTranslator.body(for: call, stream: stream, defaultMaxTokens: 4096)
    }

    private func fixture(_ name: String, _ ext: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures/anthropic"))
        return try Data(contentsOf: url)
    }

    private func events(_ name: String) throws -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        var events = parser.feed(ByteBuffer(string: String(decoding: try fixture(name, "sse"), as: UTF8.self)))
        if let last = parser.finish() { events.append(last) }
        return events
    }
}
