import Foundation
import SwitchboardCore
import Testing

@Suite struct PolicyShapeLimitsTests {
    static func request(_ fields: String = "", messages: Int = 1, text: String = "hi") throws -> ChatRequest {
        let message = #"{"role":"user","content":\#(String(decoding: try JSONEncoder().encode(text), as: UTF8.self))}"#
        let list = Array(repeating: message, count: messages).joined(separator: ",")
        return try ChatRequest.decode(Data(#"{"model":"gpt-x","messages":[\#(list)]\#(fields)}"#.utf8))
    }

    static func error(_ limits: RequestShapeLimits, _ request: ChatRequest) -> GatewayError? {
        do {
            try limits.check(request)
            return nil
        } catch {
            return error
        }
    }

    @Test func rejectsVeryDeepNestingWithoutRecursion() {
        let body = Array(repeating: UInt8(ascii: "["), count: 10_000) + Array(repeating: UInt8(ascii: "]"), count: 10_000)
        let error = #expect(throws: GatewayError.self) { try RequestShapeLimits.checkDepth(body, limit: 64) }
        #expect(error?.statusCode == 400)
        #expect(error?.message.contains("max_nesting_depth") == true)
        #expect(error?.message.contains("64") == true)
    }

    @Test(arguments: [
        (#"{"a":[{"b":[1]}]}"#, 4, true),
        (#"{"a":[{"b":[1]}]}"#, 3, false),
        (#"{"a":"[[[[[[[[{{{{{{"}"#, 1, true),
        (#"{"a":"quote \" then [[[[ and \\"}"#, 1, true),
        (#"{"a":"ends in backslash \\", "b":[[[1]]]}"#, 3, false),
        (#"{"a":"\\\"[[[[\\\\"}"#, 1, true),
        (#"[{}, {}, [], [[]]]"#, 3, true),
        (#"[{}, {}, [], [[[]]]]"#, 3, false),
        (#"{"a":"[[[["#, 1, true),
        (#"{"a":"x\\\\"}, [[1]]"#, 2, true),
        (#"{"a":"x\\\\"}, [[[1]]]"#, 2, false),
    ])
    func countsDepthOutsideStrings(_ json: String, limit: Int, accepted: Bool) {
        let result = Result { () throws(GatewayError) in try RequestShapeLimits.checkDepth(Array(json.utf8), limit: limit) }
        #expect(((try? result.get()) != nil) == accepted)
        // A collection without contiguous storage is read the same way.
        let lazy = Result { () throws(GatewayError) in try RequestShapeLimits.checkDepth(Array(json.utf8).lazy.map { $0 }, limit: limit) }
        #expect(((try? lazy.get()) != nil) == accepted)
    }

    @Test func acceptsRequestsWithinTheDefaults() throws {
        let limits = RequestShapeLimits()
        #expect(limits.maxNestingDepth == 64 && limits.maxMessages == 1_000 && limits.maxChoices == 8)
        #expect(limits.maxTotalCharacters == 1_000_000)
        #expect(Self.error(limits, try Self.request(#","n":8,"max_tokens":100000"#, messages: 1_000)) == nil)
        try limits.checkDepth(Data(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#.utf8))
    }

    @Test func limitsMessages() throws {
        let error = try #require(Self.error(RequestShapeLimits(maxMessages: 3), try Self.request(messages: 4)))
        #expect(error.statusCode == 400 && error.param == "messages")
        #expect(error.message.contains("max_messages") && error.message.contains("3"))
    }

    @Test func limitsTotalCharactersAcrossMessagesAndToolArguments() throws {
        let limits = RequestShapeLimits(maxTotalCharacters: 10)
        #expect(Self.error(limits, try Self.request(messages: 5, text: "ab")) == nil)
        let error = try #require(Self.error(limits, try Self.request(messages: 6, text: "ab")))
        #expect(error.param == "messages" && error.message.contains("max_total_characters"))
        let withArguments = try ChatRequest.decode(Data(#"""
            {"model":"m","messages":[{"role":"user","content":"hello"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function",
                "function":{"name":"f","arguments":"{\"a\":1}"}}]}]}
            """#.utf8))
        #expect(Self.error(limits, withArguments)?.message.contains("max_total_characters") == true)
    }

    @Test func limitsChoices() throws {
        let error = try #require(Self.error(RequestShapeLimits(), try Self.request(#","n":9"#)))
        #expect(error.param == "n" && error.message.contains("max_n") && error.message.contains("8"))
    }

    @Test(arguments: ["max_tokens", "max_completion_tokens"])
    func capsOutputTokensPerModel(field: String) throws {
        let limits = RequestShapeLimits(maxOutputTokensByModel: ["gpt-x": 4_096])
        #expect(Self.error(limits, try Self.request(#","\#(field)":4096"#)) == nil)
        let error = try #require(Self.error(limits, try Self.request(#","\#(field)":4097"#)))
        #expect(error.param == field && error.message.contains(field) && error.message.contains("4096"))
        let otherModel = RequestShapeLimits(maxOutputTokensByModel: ["other": 1])
        #expect(Self.error(otherModel, try Self.request(#","\#(field)":4097"#)) == nil)
    }
}
