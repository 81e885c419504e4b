import Foundation
import SwitchboardCore
import Testing

@Suite struct ChatRequestTests {
    static func decode(_ json: String) throws(GatewayError) -> ChatRequest {
        try ChatRequest.decode(Data(json.utf8))
    }

    @Test func decodesEveryDocumentedFieldAndKeepsUnknownOnes() throws {
        let request = try Self.decode("""
            {"model":"openai/gpt-4o","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"low"}}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"42"}],
             "temperature":0.2,"top_p":0.9,"max_tokens":10,"max_completion_tokens":20,"stop":"END","n":1,"seed":7,
             "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"auto",
             "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}},
             "user":"u1","metadata":{"task":"demo"},"stream":true,"stream_options":{"include_usage":true},
             "logit_bias":{"50256":-100},"reasoning_effort":"low"}
            """)
        let typed = request.typed
        #expect(typed.messages.count == 4)
        #expect(typed.outputTokenCap == 20)
        #expect(typed.stop?.values == ["END"])
        #expect(typed.wantsStreamUsage)
        #expect(typed.responseFormat?.type == .jsonSchema)
        #expect(typed.metadata?["task"] == "demo")
        #expect(request.raw["reasoning_effort"] == "low")
        #expect(request.raw["logit_bias"]?["50256"] == .int(-100))
        #expect(request.raw["seed"] == .int(7))
    }

    @Test(arguments: [
        ("not json", "body", "invalid_json"),
        ("[1,2]", "body", "invalid_json"),
        (#"{"messages":[{"role":"user","content":"x"}]}"#, "model", nil),
        (#"{"model":"m","messages":[{"role":"wizard","content":"x"}]}"#, "messages[0].role", nil),
        (#"{"model":"m","messages":[{"role":"user","content":"x"},{"content":"y"}]}"#, "messages[1].role", nil),
        (#"{"model":"m","messages":[{"role":"user","content":5}]}"#, "messages[0].content", nil),
        (#"{"model":"m","messages":[]}"#, "messages", nil),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#, "temperature", nil),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":3}"#, "temperature", nil),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0}"#, "max_tokens", nil),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"n":0}"#, "n", nil),
        (#"{"model":"m","messages":[{"role":"tool","content":"x"}]}"#, "messages[0].tool_call_id", nil),
        (#"{"model":"","messages":[{"role":"user","content":"x"}]}"#, "model", nil),
    ] as [(String, String, String?)])
    func invalidBodiesNameTheField(body: String, param: String, code: String?) {
        #expect {
            try Self.decode(body)
        } throws: { error in
            guard let error = error as? GatewayError else { return false }
            let namesField = param == "body" ? error.param == nil : error.param == param && error.message.contains(param)
            return error.statusCode == 400 && error.type == "invalid_request_error" && namesField && (code == nil || error.code == code)
        }
    }
}

@Suite struct ModelCatalogTests {
    let catalog = ModelCatalog(
        providers: [MockProvider(name: "mock"), MockProvider(name: "other")],
        aliases: [ModelAlias(name: "fast", provider: "mock", upstreamModel: "echo")]
    )

    @Test func resolvesAliasesAndProviderSlashModel() throws {
        let alias = try catalog.resolve("fast")
        #expect(alias.provider.name == "mock")
        #expect(alias.upstreamModel == "echo")
        let direct = try catalog.resolve("other/ft:model/with/slashes")
        #expect(direct.provider.name == "other")
        #expect(direct.upstreamModel == "ft:model/with/slashes")
    }

    @Test(arguments: ["nope", "nope/echo", "mock/", "/echo", "gpt-4o"])
    func unknownModelsAre404(model: String) {
        #expect(throws: GatewayError.modelNotFound(model)) { try catalog.resolve(model) }
    }

    @Test func listsAliasesThenProviderModels() {
        #expect(catalog.listedModels.map(\.id) == ["fast", "mock/echo", "other/echo"])
    }
}

@Suite struct SecretHashTests {
    @Test func generatesDistinctLongKeysWithPrefix() {
        let first = SecretHash.generate(prefix: "sk-sb-")
        let second = SecretHash.generate(prefix: "sk-sb-")
        #expect(first.hasPrefix("sk-sb-") && first.count == 6 + 43)
        #expect(first != second)
    }

    @Test func hashesAndComparesInConstantTime() {
        #expect(SecretHash.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SecretHash.constantTimeEquals("abc", "abc"))
        #expect(!SecretHash.constantTimeEquals("abc", "abd"))
        #expect(!SecretHash.constantTimeEquals("abc", "abcd"))
        #expect(!SecretHash.constantTimeEquals("", "a"))
        #expect(SecretHash.constantTimeEquals("", ""))
        // A hash-length string against the same text built another way, and against one differing in its last byte.
        let long = String(repeating: "f", count: 64)
        #expect(SecretHash.constantTimeEquals(long, String(long.utf8.map { Character(UnicodeScalar($0)) })))
        #expect(!SecretHash.constantTimeEquals(long, String(long.dropLast()) + "e"))
    }
}
