import Foundation
import NIOCore
import SwitchboardCore

/// The OpenAI chat completions format of the mock upstream.
struct OpenAIMockFormat: MockWireFormat {
    func answer(to request: JSONValue) -> MockAnswer {
        let messages = request["messages"]?.arrayValue ?? []
        let texts = messages.map { Self.text(of: $0["content"]) }
        let tool = request["tools"]?.arrayValue?.first?["function"]
        let toolChoiceNone = request["tool_choice"]?.stringValue == "none"
        return MockAnswer(
            allText: texts.joined(separator: "\n"),
            lastRole: messages.last?["role"]?.stringValue ?? "user",
            lastText: texts.last ?? "",
            firstTool: toolChoiceNone ? nil : tool.flatMap { tool in tool["name"]?.stringValue.map { ($0, tool["parameters"]) } },
            maxTokens: (request["max_completion_tokens"] ?? request["max_tokens"])?.intValue
        )
    }

    static func text(of content: JSONValue?) -> String {
        if let text = content?.stringValue { return text }
        return (content?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
    }

    private func usage(_ answer: MockAnswer) -> JSONValue {
        [
            "prompt_tokens": .int(Int64(answer.promptTokens)), "completion_tokens": .int(Int64(answer.completionTokens)),
            "total_tokens": .int(Int64(answer.promptTokens + answer.completionTokens)),
            "prompt_tokens_details": ["cached_tokens": 0],
        ]
    }

    func completion(_ answer: MockAnswer, id: String, model: String) -> ByteBuffer {
        var message: [String: JSONValue] = ["role": "assistant", "content": answer.text.map { .string($0) } ?? .null]
        if case .toolCall(let callID, let name, let arguments) = answer.content {
            message["tool_calls"] = [["id": .string(callID), "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)]]]
        }
        return encode([
            "id": .string("chatcmpl-\(id)"), "object": "chat.completion", "created": .int(Int64(Date().timeIntervalSince1970)),
            "model": .string(model),
            "choices": [["index": 0, "message": .object(message), "logprobs": nil, "finish_reason": .string(answer.finishReason)]],
            "usage": usage(answer), "system_fingerprint": "fp_mock",
        ])
    }

    func streamEvents(_ answer: MockAnswer, id: String, model: String, includeUsage: Bool) -> [MockStreamEvent] {
        let created = JSONValue.int(Int64(Date().timeIntervalSince1970))
        func chunk(_ delta: JSONValue, finish: String? = nil) -> MockStreamEvent {
            var value: [String: JSONValue] = [
                "id": .string("chatcmpl-\(id)"), "object": "chat.completion.chunk", "created": created, "model": .string(model),
                "choices": [["index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish.map { .string($0) } ?? .null]],
            ]
            if includeUsage { value["usage"] = .null }
            return sse(.object(value))
        }
        var events = [chunk(["role": "assistant", "content": ""])]
        switch answer.content {
        case .text(let words):
            for (index, word) in words.enumerated() { events.append(chunk(["content": .string(index == 0 ? word : " " + word)])) }
        case .toolCall(let callID, let name, let arguments):
            events.append(chunk(["tool_calls": [["index": 0, "id": .string(callID), "type": "function", "function": ["name": .string(name), "arguments": ""]]]]))
            for part in halves(arguments) {
                events.append(chunk(["tool_calls": [["index": 0, "function": ["arguments": .string(part)]]]]))
            }
        }
        events.append(chunk([:], finish: answer.finishReason))
        if includeUsage {
            events.append(sse([
                "id": .string("chatcmpl-\(id)"), "object": "chat.completion.chunk", "created": created, "model": .string(model),
                "choices": [], "usage": usage(answer),
            ]))
        }
        events.append(.done)
        return events
    }

    func errorBody(status: Int, code: String?) -> ByteBuffer {
        let (type, defaultCode): (String, String) = switch status {
        case 429: ("rate_limit_exceeded", "rate_limit_exceeded")
        case 400..<500: ("invalid_request_error", "mock_client_error")
        default: ("server_error", "mock_server_error")
        }
        let message = code == "context_length_exceeded"
            ? "This model's maximum context length is 128000 tokens. However, your messages resulted in 200000 tokens."
            : "Mock upstream injected HTTP \(status)."
        return encode(["error": ["message": .string(message), "type": .string(type), "param": nil, "code": .string(code ?? defaultCode)]])
    }
}
