import Foundation
import SwitchboardCore
import Testing

@Suite struct PolicyToolCallTests {
    static func tools(_ json: String) throws -> [ToolDefinition] {
        try JSONDecoder().decode([ToolDefinition].self, from: Data(json.utf8))
    }

    static let weatherTools = #"""
        [{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
           "properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1}},"required":["city"]}}},
         {"type":"function","function":{"name":"ping"}}]
        """#

    @Test func validatesEachCallInOrder() throws {
        let validation = ToolCallValidation(tools: try Self.tools(Self.weatherTools))
        let verdicts = validation.validate([
            ToolCall(id: "c0", name: "get_weather", arguments: #"{"city":"Paris","days":2}"#),
            ToolCall(id: "c1", name: "get_time", arguments: "{}"),
            ToolCall(id: "c2", name: "get_weather", arguments: #"{"city":"Paris""#),
            ToolCall(id: "c3", name: "get_weather", arguments: #"["Paris"]"#),
            ToolCall(id: "c4", name: "get_weather", arguments: #"{"days":0}"#),
            ToolCall(id: "c5", name: "ping", arguments: #"{"anything":true}"#),
            ToolCall(id: "c6", name: "ping", arguments: ""),
        ])
        #expect(verdicts.map(\.callID) == ["c0", "c1", "c2", "c3", "c4", "c5", "c6"])
        #expect(verdicts.map(\.index) == Array(0..<7))
        #expect(verdicts[0].isValid)
        #expect(verdicts[1].issue == .unknownTool)
        #expect(verdicts[2].issue == .argumentsNotJSON)
        #expect(verdicts[3].issue == .argumentsNotObject)
        guard case .schemaViolations(let problems) = verdicts[4].issue else {
            Issue.record("expected schema violations, got \(String(describing: verdicts[4].issue))")
            return
        }
        #expect(problems.map(\.path) == ["/city", "/days"])
        #expect(verdicts[5].isValid)
        #expect(verdicts[6].issue == .argumentsNotJSON)
    }

    @Test func acceptsValidToolDefinitions() throws {
        #expect(ToolCallValidation.checkToolSchemas(try Self.tools(Self.weatherTools)) == nil)
        #expect(ToolCallValidation.checkToolSchemas([]) == nil)
    }

    @Test(arguments: [
        (#"[{"type":"function","function":{"name":"a","parameters":{"type":"object"}}},"#
            + #"{"type":"function","function":{"name":"b","parameters":"#
            + #"{"type":"object","properties":{"city":{"type":"strin"}}}}}]"#,
         "tools[1].function.parameters", "/properties/city/type"),
        (#"[{"type":"function","function":{"name":"a","parameters":{"type":"string"}}}]"#,
         "tools[0].function.parameters", "type 'object'"),
        (#"[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"a"}}]"#,
         "tools[1].function.name", "more than one tool"),
        (#"[{"type":"function","function":{"name":"get weather"}}]"#, "tools[0].function.name", "1 to 64"),
        (#"[{"type":"function","function":{"name":""}}]"#, "tools[0].function.name", "1 to 64"),
        (#"[{"type":"function","function":{"name":"\#(String(repeating: "x", count: 65))"}}]"#,
         "tools[0].function.name", "1 to 64"),
        (#"[{"type":"function","function":{"name":"café"}}]"#, "tools[0].function.name", "1 to 64"),
    ])
    func rejectsInvalidToolsNamingTheField(_ json: String, param: String, messagePart: String) throws {
        let error = try #require(ToolCallValidation.checkToolSchemas(try Self.tools(json)))
        #expect(error.statusCode == 400)
        #expect(error.type == "invalid_request_error")
        #expect(error.param == param)
        #expect(error.message.contains(param))
        #expect(error.message.contains(messagePart))
    }

    @Test func acceptsTheLongestValidName() throws {
        let name = String(repeating: "a", count: 62) + "_-"
        let json = #"[{"type":"function","function":{"name":"\#(name)"}}]"#
        #expect(ToolCallValidation.checkToolSchemas(try Self.tools(json)) == nil)
    }
}
