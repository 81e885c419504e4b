import Foundation

/// Translates non-streamed Anthropic Messages API responses and error bodies to the OpenAI format.
public enum AnthropicResponseTranslator {
    /// Translates a `POST /v1/messages` response body to a `chat.completion`.
    ///
    /// Text blocks are joined into `content`, `tool_use` blocks become `tool_calls`, and cache reads and
    /// writes count as prompt tokens, with reads also reported as `cached_tokens`.
    /// - Parameters:
    ///   - body: The response body.
    ///   - created: The `created` timestamp (Unix seconds) of the completion.
    ///   - provider: The provider's configured name, for errors.
    /// - Throws: ``UpstreamError`` of kind `malformedResponse` when the body is not a Messages response.
    public static func completion(
        from body: some Sequence<UInt8>, created: Int, provider: String
    ) throws(UpstreamError) -> ChatCompletion {
        let message: AnthropicMessage
        do {
            message = try JSONDecoder().decode(AnthropicMessage.self, from: Data(body))
        } catch {
            throw UpstreamError(.malformedResponse, provider: provider, message: "The body is not an Anthropic message.")
        }
        var texts: [String] = []
        var toolCalls: [ToolCall] = []
        for block in message.content ?? [] {
            switch block.type {
            case "text":
                texts.append(block.text ?? "")
            case "tool_use":
                guard let id = block.id, let name = block.name else {
                    throw UpstreamError(
                        .malformedResponse, provider: provider, message: "A tool_use block lacks its id or name."
                    )
                }
                toolCalls.append(ToolCall(id: id, name: name, arguments: compactJSON(block.input ?? .object([:]))))
            default:
                // Thinking and server-tool blocks have no OpenAI counterpart.
                continue
            }
        }
        let content: String? = texts.isEmpty && !toolCalls.isEmpty ? nil : texts.joined()
        let choice = ChatCompletion.Choice(
            index: 0,
            message: AssistantMessage(content: content, toolCalls: toolCalls.isEmpty ? nil : toolCalls),
            finishReason: finishReason(message.stopReason)
        )
        return ChatCompletion(
            id: message.id, created: created, model: message.model, choices: [choice], usage: message.usage?.openAIUsage
        )
    }

    /// Reads the `type` and `message` of an Anthropic error body (`{"type":"error","error":{...}}`).
    /// - Returns: nil when the body is not in that shape.
    public static func error(from body: some Sequence<UInt8>) -> (type: String, message: String)? {
        guard let envelope = try? JSONDecoder().decode(AnthropicErrorEnvelope.self, from: Data(body)),
            envelope.type == "error"
        else { return nil }
        return (envelope.error.type, envelope.error.message)
    }

    /// Maps an Anthropic `stop_reason` to an OpenAI `finish_reason`; an unknown reason reads as `stop`.
    public static func finishReason(_ stopReason: String?) -> String? {
        switch stopReason {
        case nil: nil
        case "end_turn", "stop_sequence", "pause_turn": "stop"
        case "max_tokens", "model_context_window_exceeded": "length"
        case "tool_use": "tool_calls"
        case "refusal": "content_filter"
        default: "stop"
        }
    }

    /// Compact JSON text with sorted keys, so equal inputs give equal argument strings.
    static func compactJSON(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
