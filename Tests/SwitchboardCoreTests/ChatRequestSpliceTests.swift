import Foundation
import NIOCore
@testable import SwitchboardCore
import Testing

/// The forwarding fast path: the client's bytes with only `model` changed, and the cases that must fall
/// back to re-encoding.
@Suite struct ChatRequestSpliceTests {
    static func decode(_ json: String) throws -> ChatRequest {
        try ChatRequest.decode(Data(json.utf8))
    }

    static func text(_ buffer: ByteBuffer?) -> String? {
        buffer.map { String(buffer: $0) }
    }

    @Test func onlyTheModelChangesByteForByte() throws {
        let body = #"{ "messages": [{"role":"user","content":"say \"{model}\" [x]"}], "model" : "openai/gpt-4o-mini" ,"logit_bias":{"1":-1.50}, "x-unknown":[1,{"a":"}"}] }"#
        let request = try Self.decode(body)
        let spliced = Self.text(request.spliced(model: "gpt-4o-mini", stream: false))
        #expect(spliced == body.replacingOccurrences(of: #""openai/gpt-4o-mini""#, with: #""gpt-4o-mini""#))
    }

    @Test func aStreamAsksForUsage() throws {
        let request = try Self.decode(#"{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}"#)
        let spliced = Self.text(request.spliced(model: "up\"stream", stream: true))
        #expect(spliced == #"{"model":"up\"stream","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}"#)
        let json = try JSONDecoder().decode(JSONValue.self, from: Data((spliced ?? "").utf8))
        #expect(json["model"] == "up\"stream")
        #expect(request.spliced(model: "m", stream: false) == nil, "the stream flag must match")
    }

    @Test(arguments: [
        #"{"model":"m","messages":[{"role":"user","content":"hi"}],"api_base":"http://evil.example"}"#,
        #"{"model":"m","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":false}}"#,
        #"{"model":"m","messages":[{"role":"user","content":"hi"}],"model":"other"}"#,
        #"{"model":"m","messages":[{"role":"user","content":"hi"}],"api_b\u0061se":"http://evil.example"}"#,
    ])
    func bodiesThatMustBeRebuiltAreNotSpliced(body: String) throws {
        let request = try Self.decode(body)
        #expect(request.spliced(model: "m", stream: false) == nil)
        #expect(request.raw["api_base"] == nil, "control fields never reach the rebuilt body either")
    }

    @Test func anEditedRequestIsRebuilt() throws {
        var request = try Self.decode(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(request.spliced(model: "m", stream: false) != nil)
        request.raw["messages"] = .array([])
        #expect(request.spliced(model: "m", stream: false) == nil)
        #expect(request.raw["messages"] == .array([]))
    }
}

/// The scrubber's fast path must never skip text the full scan would change.
@Suite struct SecretScrubberTests {
    @Test(arguments: [
        "gpt-4o-mini", "req_0123456789", "Bearer abc", "x Bearer y", "Bearer ", "sk-live-0123456789abcdefghij",
        "a 0123456789abcdefghij0123456789abcdef b", "Bearers of news", "notBearer z",
    ])
    func fastPathAgreesWithTheFullScan(text: String) {
        let scrubbed = SecretScrubber.scrub(text)
        if !SecretScrubber.mayHoldSecret(text) { #expect(scrubbed == text) }
        #expect(!scrubbed.contains("0123456789abcdefghij"))
        #expect(!(text.hasPrefix("Bearer ") || text.contains(" Bearer ")) || scrubbed.contains("[REDACTED]"))
    }
}

/// Usage from a non-streamed answer, read from the `usage` member alone when the layout allows.
@Suite struct CompletionUsageTests {
    static func usage(_ json: String) -> Usage?? {
        OpenAIProvider.usage(ofCompletion: ByteBuffer(string: json))
    }

    @Test func readsUsageWithoutDecodingTheAnswer() {
        let usage = Self.usage(#"{"id":"x","choices":[{"message":{"content":"\"usage\":{}"}}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":1}}}"#)
        #expect(usage == .some(Usage(promptTokens: 3, completionTokens: 4, cachedTokens: 1)))
    }

    @Test func noUsageIsNotMalformed() {
        #expect(Self.usage(#"{"choices":[]}"#) == .some(nil))
        #expect(Self.usage(#"{"choices":[],"usage":null}"#) == .some(nil))
        #expect(Self.usage(#"{"usage":null,"usage":null}"#) == .some(nil), "duplicate keys fall back to a full decode")
    }

    @Test func somethingElseIsMalformed() {
        #expect(Self.usage("<html>") == nil)
        #expect(Self.usage(#"{"usage":{"prompt_tokens":"three"}}"#) == nil)
    }
}

/// The decoder-free usage reader agrees with the decoder, and gives way to it on anything not plain.
@Suite struct PlainUsageTests {
    static func both(_ json: String) -> (plain: Usage?, decoded: Usage?) {
        let plain = Array(json.utf8).withUnsafeBytes { Usage.plain($0) }
        return (plain, try? JSONDecoder().decode(Usage.self, from: Data(json.utf8)))
    }

    @Test(arguments: [
        #"{"prompt_tokens":25,"completion_tokens":12,"total_tokens":37}"#,
        #"{"prompt_tokens":25,"completion_tokens":12,"total_tokens":37,"prompt_tokens_details":{"cached_tokens":0}}"#,
        #"{ "prompt_tokens" : 0 , "completion_tokens" : 1, "total_tokens" : 1, "prompt_tokens_details" : null }"#,
        #"{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,"prompt_tokens_details":{"audio_tokens":0}}"#,
        #"{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,"prompt_tokens_details":{"cached_tokens":null}}"#,
        #"{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,"completion_tokens_details":{"reasoning_tokens":[1,{"a":"}"}]}}"#,
    ])
    func plainUsageReadsWhatTheDecoderReads(json: String) throws {
        let (plain, decoded) = Self.both(json)
        #expect(plain != nil)
        #expect(plain == decoded)
    }

    @Test(arguments: [
        #"{"prompt_tokens":25,"completion_tokens":12}"#,
        #"{"prompt_tokens":2.0,"completion_tokens":12,"total_tokens":14}"#,
        #"{"prompt_tokens":-1,"completion_tokens":12,"total_tokens":11}"#,
        #"{"prompt_tokens":"3","completion_tokens":12,"total_tokens":15}"#,
        #"{"prompt_tokens":07,"completion_tokens":1,"total_tokens":8}"#,
        #"{"prompt_t\u006fkens":1,"completion_tokens":1,"total_tokens":2}"#,
        #"{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2,"prompt_tokens_details":{"cached_tokens":1e2}}"#,
    ])
    func anythingNotPlainIsLeftToTheDecoder(json: String) {
        #expect(Self.both(json).plain == nil)
    }
}
