import Foundation

/// Translates the server-sent events of a streamed Anthropic Messages response, in order, to OpenAI
/// `chat.completion.chunk`s.
///
/// `message_start` opens the assistant turn, text and `input_json_delta` fragments become content and tool
/// call deltas (tool calls numbered from 0 in the order their blocks start), `message_delta` carries the
/// finish reason, and `message_stop` yields a final chunk with empty `choices` and the usage, which the
/// caller forwards only when the client asked for it.
public struct AnthropicStreamTranslator: Sendable {
    private let provider: String
    private let created: Int
    private var id: String?
    private var model = ""
    private var anthropicUsage: AnthropicUsage?
    /// OpenAI tool call index by Anthropic content block index.
    private var toolIndexByBlock: [Int: Int] = [:]

    /// Whether `message_stop` has been seen; a stream that ends before it was interrupted.
    public private(set) var isFinished = false

    /// The usage reported so far: input and cache tokens from `message_start`, output tokens updated by
    /// `message_delta`. Nil before `message_start`.
    public var usage: Usage? { anthropicUsage?.openAIUsage }

    /// - Parameters:
    ///   - provider: The provider's configured name, for errors.
    ///   - created: The `created` timestamp (Unix seconds) of every chunk.
    public init(provider: String, created: Int) {
        self.provider = provider
        self.created = created
    }

    /// Translates one event to the chunks it produces, often none.
    /// - Throws: ``UpstreamError``: `interrupted` for an `error` event, `malformedResponse` for an event
    ///   that cannot be read.
    public mutating func translate(_ event: ServerSentEvent) throws(UpstreamError) -> [ChatCompletionChunk] {
        let data = Data(event.dataBytes.readableBytesView)
        let header = try? JSONDecoder().decode(AnthropicEventHeader.self, from: data)
        guard let type = header?.type ?? event.event, Self.handledTypes.contains(type), !isFinished else { return [] }
        if type == "error" {
            // Anthropic reports failures after the 200 (such as overloaded_error) as an event.
            let detail = (try? JSONDecoder().decode(AnthropicStreamEvent.self, from: data))?.error
            throw UpstreamError(
                .interrupted, provider: provider, message: detail?.message ?? "The stream reported an error.",
                upstreamType: detail?.type
            )
        }
        let payload: AnthropicStreamEvent
        do {
            payload = try JSONDecoder().decode(AnthropicStreamEvent.self, from: data)
        } catch {
            throw malformed("The '\(type)' event could not be read.")
        }
        switch type {
        case "message_start":
            return [try messageStart(payload)]
        case "content_block_start":
            return try contentBlockStart(payload)
        case "content_block_delta":
            return try contentBlockDelta(payload)
        case "message_delta":
            if let newer = payload.usage {
                if anthropicUsage == nil { anthropicUsage = newer } else { anthropicUsage?.update(with: newer) }
            }
            let reason = AnthropicResponseTranslator.finishReason(payload.delta?.stopReason)
            return [try chunk(ChatCompletionChunk.Delta(), finishReason: reason)]
        case "message_stop":
            isFinished = true
            return [try ChatCompletionChunk(id: messageID(), created: created, model: model, choices: [], usage: usage)]
        default:
            return []
        }
    }

    /// Event types that produce chunks or state; `ping`, `content_block_stop` and unknown types are skipped.
    private static let handledTypes: Set<String> = [
        "message_start", "content_block_start", "content_block_delta", "message_delta", "message_stop", "error",
    ]

    private mutating func messageStart(_ payload: AnthropicStreamEvent) throws(UpstreamError) -> ChatCompletionChunk {
        guard let message = payload.message else { throw malformed("The message_start event has no message.") }
        id = message.id
        model = message.model
        anthropicUsage = message.usage
        return try chunk(ChatCompletionChunk.Delta(role: "assistant", content: ""))
    }

    private mutating func contentBlockStart(_ payload: AnthropicStreamEvent) throws(UpstreamError) -> [ChatCompletionChunk] {
        guard let index = payload.index, let block = payload.contentBlock else {
            throw malformed("The content_block_start event lacks its index or block.")
        }
        guard block.type == "tool_use" else { return [] }
        guard let toolID = block.id, let name = block.name else {
            throw malformed("A tool_use block lacks its id or name.")
        }
        let toolIndex = toolIndexByBlock.count
        toolIndexByBlock[index] = toolIndex
        let call = ChatCompletionChunk.ToolCallDelta(index: toolIndex, id: toolID, name: name, arguments: "")
        return [try chunk(ChatCompletionChunk.Delta(toolCalls: [call]))]
    }

    private func contentBlockDelta(_ payload: AnthropicStreamEvent) throws(UpstreamError) -> [ChatCompletionChunk] {
        guard let index = payload.index, let delta = payload.delta else {
            throw malformed("The content_block_delta event lacks its index or delta.")
        }
        switch delta.type {
        case "text_delta":
            guard let text = delta.text, !text.isEmpty else { return [] }
            return [try chunk(ChatCompletionChunk.Delta(content: text))]
        case "input_json_delta":
            guard let toolIndex = toolIndexByBlock[index] else {
                throw malformed("An input_json_delta arrived for block \(index), which is not a tool_use block.")
            }
            guard let fragment = delta.partialJSON, !fragment.isEmpty else { return [] }
            let call = ChatCompletionChunk.ToolCallDelta(index: toolIndex, arguments: fragment)
            return [try chunk(ChatCompletionChunk.Delta(toolCalls: [call]))]
        default:
            // Thinking, signature and citation deltas have no OpenAI counterpart.
            return []
        }
    }

    private func chunk(
        _ delta: ChatCompletionChunk.Delta, finishReason: String? = nil
    ) throws(UpstreamError) -> ChatCompletionChunk {
        ChatCompletionChunk(
            id: try messageID(), created: created, model: model,
            choices: [ChatCompletionChunk.Choice(delta: delta, finishReason: finishReason)]
        )
    }

    private func messageID() throws(UpstreamError) -> String {
        guard let id else { throw malformed("The stream did not start with message_start.") }
        return id
    }

    private func malformed(_ message: String) -> UpstreamError {
        UpstreamError(.malformedResponse, provider: provider, message: message)
    }
}
