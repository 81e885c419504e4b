import Foundation
import NIOCore
@testable import SwitchboardCore
import Testing

@Suite struct OpenAIWireTests {
    @Test func streamChunksAreForwardedByteForByteAndUsageIsExtracted() throws {
        let events = try Fixture.events("stream-with-usage.sse", in: "openai")
        var parts: [StreamPart] = []
        var ended = false
        for event in events {
            let step = try OpenAIProvider.part(of: event, provider: "openai")
            parts += step.parts
            ended = ended || step.isEnd
        }
        #expect(ended)
        #expect(parts.count == 5)
        for (part, event) in zip(parts, events) {
            #expect(String(buffer: part.payload) == event.data)
        }
        #expect(parts.filter(\.isUsageOnly).count == 1)
        #expect(parts.last?.usage == Usage(promptTokens: 19, completionTokens: 3, cachedTokens: 0))
        #expect(parts.dropLast().allSatisfy { $0.usage == nil })
    }

    @Test func toolCallStreamPassesThroughUntouched() throws {
        let events = try Fixture.events("stream-tool-call.sse", in: "openai")
        let parts = try events.flatMap { try OpenAIProvider.part(of: $0, provider: "openai").parts }
        let arguments = try parts.compactMap { part -> String? in
            let chunk = try JSONDecoder().decode(ChatCompletionChunk.self, from: Data(buffer: part.payload))
            return chunk.choices.first?.delta.toolCalls?.first?.function.arguments
        }.joined()
        #expect(arguments == #"{"location":"Paris"}"#)
    }

    @Test func errorEventMidStreamThrowsInterrupted() throws {
        let events = try Fixture.events("stream-error.sse", in: "openai")
        #expect(throws: Never.self) { try OpenAIProvider.part(of: events[0], provider: "openai") }
        let error = try #require(throws: UpstreamError.self) { try OpenAIProvider.part(of: events[1], provider: "openai") }
        #expect(error.kind == .interrupted)
        #expect(error.gatewayError.statusCode == 502)
    }

    @Test func errorBodyIsRead() throws {
        let body = ByteBuffer(data: try Fixture.data("error-invalid-model.json", in: "openai"))
        let decoded = try #require(OpenAIProvider.decodeError(body))
        #expect(decoded.type == "invalid_request_error")
        #expect(decoded.code == "model_not_found")
        #expect(decoded.message.hasPrefix("The model `gpt-5-turbo` does not exist"))
    }

    @Test func completionFixtureDecodesWithCachedTokens() throws {
        let completion = try JSONDecoder().decode(ChatCompletion.self, from: try Fixture.data("completion.json", in: "openai"))
        #expect(completion.usage == Usage(promptTokens: 1117, completionTokens: 46, cachedTokens: 1024))
        #expect(completion.choices.first?.finishReason == "stop")
    }
}

@Suite struct UpstreamErrorTests {
    @Test(arguments: [
        (UpstreamError.Kind.status(400), 400, true),
        (.status(404), 404, true),
        (.status(422), 422, true),
        (.status(401), 502, false),
        (.status(403), 502, false),
        (.status(429), 429, false),
        (.status(500), 502, false),
        (.status(502), 502, false),
        (.status(503), 503, false),
        (.status(529), 503, false),
        (.status(504), 504, false),
        (.connection, 502, false),
        (.firstByteTimeout, 504, false),
        (.timeout, 504, false),
        (.interrupted, 502, false),
        (.malformedResponse, 502, false),
    ])
    func mapsToClientStatus(kind: UpstreamError.Kind, status: Int, relaysMessage: Bool) {
        let error = UpstreamError(kind, provider: "p", message: "upstream says no", retryAfterSeconds: 3)
        let mapped = error.gatewayError
        #expect(mapped.statusCode == status)
        #expect((mapped.message == "upstream says no") == relaysMessage)
    }

    @Test func retryableClassification() {
        for status in [408, 429, 500, 502, 503, 504, 529] {
            #expect(UpstreamError(.status(status), provider: "p").isRetryable)
        }
        for status in [400, 401, 403, 404, 422] {
            #expect(!UpstreamError(.status(status), provider: "p").isRetryable)
        }
        #expect(UpstreamError(.connection, provider: "p").isRetryable)
    }

    @Test func rateLimitKeepsRetryAfter() {
        let mapped = UpstreamError(.status(429), provider: "p", retryAfterSeconds: 7).gatewayError
        #expect(mapped.retryAfterSeconds == 7)
        #expect(mapped.type == "rate_limit_exceeded")
    }

    @Test func upstreamMessagesAreScrubbedOfKeys() {
        let error = UpstreamError(.status(400), provider: "p", message: "Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz0123456789.")
        #expect(!error.gatewayError.message.contains("sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"))
        #expect(error.gatewayError.message.contains("[REDACTED]"))
    }
}

@Suite struct JSONKeyScanTests {
    @Test(arguments: [
        (#"{"usage":{"prompt_tokens":1}}"#, true, false),
        (#"{"usage" : {"prompt_tokens":1}}"#, true, false),
        (#"{"choices":[],"usage":null}"#, false, false),
        (#"{"choices":[{"delta":{"content":"usage"}}]}"#, false, false),
        (#"{"error":{"message":"x"}}"#, false, true),
        (#"{"error":"x","usage":{"a":1}}"#, true, false),
        (#"{"usage":{"a":1},"error":{"message":"x"}}"#, true, true),
        (#"{"usage""#, false, false),
        (#"{"choices":[{"delta":{"content":"\"usage\":{\"error\": {"}}]}"#, false, false),
        ("{\"usage\"\n:\t{\"a\":1}}", true, false),
        (#"{"a":"\\","error":{"message":"x"}}"#, false, true),
        (#"{"xusage":{"a":1},"usage_":{"a":1}}"#, false, false),
        (#"{"usage":{"#, true, false),
    ])
    func findsKeysWithObjectValues(json: String, usage: Bool, error: Bool) {
        var json = json
        let found = json.withUTF8 { JSONKeyScan.objectKeys(in: $0) }
        #expect(found.usage == usage)
        #expect(found.error == error)
    }
}

/// A usage chunk read without the decoder reads as the decoder reads it; anything less plain is decoded.
@Suite struct PlainUsageChunkTests {
    static func chunk(_ json: String) -> (usage: Usage, usageOnly: Bool)? {
        Array(json.utf8).withUnsafeBytes { OpenAIProvider.plainUsageChunk($0) }
    }

    @Test(arguments: [
        (#"{"id":"c","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":3,"total_tokens":22}}"#, true),
        (#"{"id":"c","choices":[ ],"usage":{"prompt_tokens":19,"completion_tokens":3,"total_tokens":22,"prompt_tokens_details":{"cached_tokens":4}}}"#, true),
        (#"{"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#, true),
        (#"{"choices":null,"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#, true),
        (#"{"choices":[{"index":0,"delta":{"content":"hi"}}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#, false),
    ])
    func plainChunksReadAsTheDecoderReadsThem(json: String, usageOnly: Bool) throws {
        let plain = try #require(Self.chunk(json))
        let step = try OpenAIProvider.part(of: ServerSentEvent(data: json), provider: "openai")
        #expect(plain.usageOnly == usageOnly)
        #expect(step.parts.first?.isUsageOnly == usageOnly)
        #expect(step.parts.first?.usage == plain.usage)
        struct Decoded: Decodable { var usage: Usage }
        #expect(try JSONDecoder().decode(Decoded.self, from: Data(json.utf8)).usage == plain.usage)
    }

    @Test(arguments: [
        #"{"usage":{"prompt_tokens":1.5,"completion_tokens":2,"total_tokens":3}}"#,
        #"{"choices":"none","usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
        #"{"error":{"message":"x"},"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
        #"{"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3},"usage":null}"#,
        #"{"usage":{"prompt_tokens":1}}"#,
    ])
    func otherChunksAreLeftToTheDecoder(json: String) {
        #expect(Self.chunk(json) == nil)
    }
}
