import Foundation
import NIOCore
import SwitchboardCore

/// The Anthropic Messages format of the mock upstream.
struct AnthropicMockFormat: MockWireFormat {
    func answer(to request: JSONValue) -> MockAnswer {
        let messages = request["messages"]?.arrayValue ?? []
        var texts: [String] = []
        var lastRole = "user"
        for message in messages {
            let blocks = message["content"]?.arrayValue ?? []
            if let result = blocks.first(where: { $0["type"]?.stringValue == "tool_result" }) {
                lastRole = "tool"
                texts.append(OpenAIMockFormat.text(of: result["content"]))
            } else {
                lastRole = message["role"]?.stringValue ?? "user"
                texts.append(OpenAIMockFormat.text(of: message["content"]))
            }
        }
        let tool = request["tools"]?.arrayValue?.first
        let toolChoiceNone = request["tool_choice"]?["type"]?.stringValue == "none"
        return MockAnswer(
            allText: ([request["system"]?.stringValue ?? ""] + texts).joined(separator: "\n"),
            lastRole: lastRole, lastText: texts.last ?? "",
            firstTool: toolChoiceNone ? nil : tool.flatMap { tool in tool["name"]?.stringValue.map { ($0, tool["input_schema"]) } },
            maxTokens: request["max_tokens"]?.intValue
        )
    }

    private func stopReason(_ answer: MockAnswer) -> JSONValue {
        switch answer.finishReason {
        case "tool_calls": "tool_use"
        case "length": "max_tokens"
        default: "end_turn"
        }
    }

    func completion(_ answer: MockAnswer, id: String, model: String) -> ByteBuffer {
        let content: JSONValue = switch answer.content {
        case .text(let words): [["type": "text", "text": .string(words.joined(separator: " "))]]
        case .toolCall(let callID, let name, let arguments):
            [["type": "tool_use", "id": .string(callID), "name": .string(name),
              "input": (try? JSONDecoder().decode(JSONValue.self, from: Data(arguments.utf8))) ?? [:]]]
        }
        return encode([
            "id": .string("msg_\(id)"), "type": "message", "role": "assistant", "model": .string(model), "content": content,
            "stop_reason": stopReason(answer), "stop_sequence": nil,
            "usage": ["input_tokens": .int(Int64(answer.promptTokens)), "output_tokens": .int(Int64(answer.completionTokens)),
                      "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0],
        ])
    }

    func streamEvents(_ answer: MockAnswer, id: String, model: String, includeUsage: Bool) -> [MockStreamEvent] {
        var events = [
            sse(["type": "message_start", "message": [
                "id": .string("msg_\(id)"), "type": "message", "role": "assistant", "model": .string(model), "content": [],
                "stop_reason": nil, "stop_sequence": nil,
                "usage": ["input_tokens": .int(Int64(answer.promptTokens)), "output_tokens": 1, "cache_read_input_tokens": 0],
            ]], event: "message_start"),
            sse(["type": "ping"], event: "ping"),
        ]
        switch answer.content {
        case .text(let words):
            events.append(sse(["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]], event: "content_block_start"))
            for (index, word) in words.enumerated() {
                events.append(sse(["type": "content_block_delta", "index": 0,
                                   "delta": ["type": "text_delta", "text": .string(index == 0 ? word : " " + word)]], event: "content_block_delta"))
            }
        case .toolCall(let callID, let name, let arguments):
            events.append(sse(["type": "content_block_start", "index": 0,
                               "content_block": ["type": "tool_use", "id": .string(callID), "name": .string(name), "input": [:]]],
                              event: "content_block_start"))
            for part in halves(arguments) {
                events.append(sse(["type": "content_block_delta", "index": 0,
                                   "delta": ["type": "input_json_delta", "partial_json": .string(part)]], event: "content_block_delta"))
            }
        }
        events.append(sse(["type": "content_block_stop", "index": 0], event: "content_block_stop"))
        events.append(sse(["type": "message_delta", "delta": ["stop_reason": stopReason(answer), "stop_sequence": nil],
                           "usage": ["output_tokens": .int(Int64(answer.completionTokens))]], event: "message_delta"))
        events.append(sse(["type": "message_stop"], event: "message_stop"))
        return events
    }

    func errorBody(status: Int, code: String?) -> ByteBuffer {
        let type = switch status {
        case 429: "rate_limit_error"
        case 529: "overloaded_error"
        case 401: "authentication_error"
        case 400..<500: "invalid_request_error"
        default: "api_error"
        }
        let message = code == "context_length_exceeded" ? "prompt is too long: 210000 tokens > 200000 maximum" : "Mock upstream injected HTTP \(status)."
        return encode(["type": "error", "error": ["type": .string(type), "message": .string(message)]])
    }
}
