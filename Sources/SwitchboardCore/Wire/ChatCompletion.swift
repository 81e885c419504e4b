/// Token usage as the OpenAI API reports it.
public struct Usage: Codable, Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    public var promptTokensDetails: PromptTokensDetails?

    /// Prompt tokens served from the provider's prompt cache.
    public var cachedTokens: Int { promptTokensDetails?.cachedTokens ?? 0 }

    public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = promptTokens + completionTokens
        self.promptTokensDetails = cachedTokens.map { PromptTokensDetails(cachedTokens: $0) }
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
        case promptTokensDetails = "prompt_tokens_details"
    }
}

/// `usage.prompt_tokens_details`.
public struct PromptTokensDetails: Codable, Sendable, Equatable {
    public var cachedTokens: Int?
    enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
}

/// A tool call made by the model.
public struct ToolCall: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var function: FunctionCall

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.type = "function"
        self.function = FunctionCall(name: name, arguments: arguments)
    }
}

/// The function part of a tool call; `arguments` is a JSON document as a string.
public struct FunctionCall: Codable, Sendable, Equatable {
    public var name: String
    public var arguments: String
}

/// A non-streamed chat completion (`object: "chat.completion"`).
public struct ChatCompletion: Codable, Sendable {
    public var id: String
    public var object: String = "chat.completion"
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: Usage?) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }

    /// One choice of a completion.
    public struct Choice: Codable, Sendable {
        public var index: Int
        public var message: AssistantMessage
        public var finishReason: String?

        public init(index: Int, message: AssistantMessage, finishReason: String?) {
            self.index = index
            self.message = message
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey { case index, message, finishReason = "finish_reason" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(message, forKey: .message)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }
}

/// The assistant message of a completion choice.
public struct AssistantMessage: Codable, Sendable {
    public var role: String = "assistant"
    public var content: String?
    public var toolCalls: [ToolCall]?

    public init(content: String?, toolCalls: [ToolCall]? = nil) {
        self.content = content
        self.toolCalls = toolCalls
    }

    enum CodingKeys: String, CodingKey { case role, content, toolCalls = "tool_calls" }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        try container.encode(content, forKey: .content)
        try container.encodeIfPresent(toolCalls, forKey: .toolCalls)
    }
}

/// One chunk of a streamed completion (`object: "chat.completion.chunk"`).
public struct ChatCompletionChunk: Codable, Sendable {
    public var id: String
    public var object: String = "chat.completion.chunk"
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: Usage? = nil) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }

    /// One choice of a chunk.
    public struct Choice: Codable, Sendable {
        public var index: Int
        public var delta: Delta
        public var finishReason: String?

        public init(index: Int = 0, delta: Delta, finishReason: String? = nil) {
            self.index = index
            self.delta = delta
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey { case index, delta, finishReason = "finish_reason" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    /// The incremental part of a chunk choice.
    public struct Delta: Codable, Sendable {
        public var role: String?
        public var content: String?
        public var toolCalls: [ToolCallDelta]?

        public init(role: String? = nil, content: String? = nil, toolCalls: [ToolCallDelta]? = nil) {
            self.role = role
            self.content = content
            self.toolCalls = toolCalls
        }

        enum CodingKeys: String, CodingKey { case role, content, toolCalls = "tool_calls" }
    }

    /// A fragment of a tool call in a stream: the first fragment carries id and name, later ones argument text.
    public struct ToolCallDelta: Codable, Sendable {
        public var index: Int
        public var id: String?
        public var type: String?
        public var function: FunctionDelta

        public init(index: Int, id: String? = nil, name: String? = nil, arguments: String) {
            self.index = index
            self.id = id
            self.type = id == nil ? nil : "function"
            self.function = FunctionDelta(name: name, arguments: arguments)
        }
    }

    /// The function fragment of a streamed tool call.
    public struct FunctionDelta: Codable, Sendable {
        public var name: String?
        public var arguments: String?
    }
}
