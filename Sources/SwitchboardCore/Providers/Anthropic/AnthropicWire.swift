import Foundation

// The parts of the Anthropic Messages API wire format the gateway reads. Every field that is not needed to
// build an OpenAI response is left out, and the ones read are optional where the API may omit them, so that
// additions upstream never break decoding.

/// A `POST /v1/messages` response, and the `message` of a `message_start` stream event.
struct AnthropicMessage: Decodable {
    var id: String
    var model: String
    var content: [AnthropicContentBlock]?
    var stopReason: String?
    var usage: AnthropicUsage?

    enum CodingKeys: String, CodingKey {
        case id, model, content, usage
        case stopReason = "stop_reason"
    }
}

/// One content block: `text`, `tool_use`, or a type the gateway ignores (`thinking`, server tools).
struct AnthropicContentBlock: Decodable {
    var type: String
    var text: String?
    var id: String?
    var name: String?
    var input: JSONValue?

    enum CodingKeys: String, CodingKey { case type, text, id, name, input }
}

/// Token counts. In a stream, `message_start` carries the input side and `message_delta` the running totals.
struct AnthropicUsage: Decodable {
    var inputTokens: Int?
    var outputTokens: Int?
    var cacheCreationInputTokens: Int?
    var cacheReadInputTokens: Int?

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case cacheCreationInputTokens = "cache_creation_input_tokens"
        case cacheReadInputTokens = "cache_read_input_tokens"
    }
}

/// `{"type":"error","error":{"type","message"}}`, the body of an error response and of a stream `error` event.
struct AnthropicErrorEnvelope: Decodable {
    var type: String
    var error: AnthropicErrorDetail

    enum CodingKeys: String, CodingKey { case type, error }
}

/// The `error` object of an error envelope.
struct AnthropicErrorDetail: Decodable {
    var type: String
    var message: String

    enum CodingKeys: String, CodingKey { case type, message }
}

/// Just the `type` of a stream event, read first so unknown events are skipped without decoding the rest.
struct AnthropicEventHeader: Decodable {
    var type: String?

    enum CodingKeys: String, CodingKey { case type }
}

/// A stream event of a known type; which fields are set depends on the type.
struct AnthropicStreamEvent: Decodable {
    var message: AnthropicMessage?
    var index: Int?
    var contentBlock: AnthropicContentBlock?
    var delta: AnthropicStreamDelta?
    var usage: AnthropicUsage?
    var error: AnthropicErrorDetail?

    enum CodingKeys: String, CodingKey {
        case message, index, delta, usage, error
        case contentBlock = "content_block"
    }
}

/// The `delta` of `content_block_delta` (`text_delta`, `input_json_delta`, ...) and of `message_delta`.
struct AnthropicStreamDelta: Decodable {
    var type: String?
    var text: String?
    var partialJSON: String?
    var stopReason: String?

    enum CodingKeys: String, CodingKey {
        case type, text
        case partialJSON = "partial_json"
        case stopReason = "stop_reason"
    }
}

extension AnthropicUsage {
    /// The OpenAI usage: cache reads and writes count as prompt tokens, and reads are also `cached_tokens`
    /// (only when Anthropic reported the field, so that "not reported" stays distinct from zero).
    var openAIUsage: Usage {
        let cacheRead = cacheReadInputTokens
        let prompt = (inputTokens ?? 0) + (cacheRead ?? 0) + (cacheCreationInputTokens ?? 0)
        return Usage(promptTokens: prompt, completionTokens: outputTokens ?? 0, cachedTokens: cacheRead)
    }

    /// Fields set in `newer` replace the ones here; `message_delta` usage is cumulative, not incremental.
    mutating func update(with newer: AnthropicUsage) {
        inputTokens = newer.inputTokens ?? inputTokens
        outputTokens = newer.outputTokens ?? outputTokens
        cacheCreationInputTokens = newer.cacheCreationInputTokens ?? cacheCreationInputTokens
        cacheReadInputTokens = newer.cacheReadInputTokens ?? cacheReadInputTokens
    }
}
