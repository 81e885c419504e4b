/// The typed view of an OpenAI `POST /v1/chat/completions` body: every field the gateway validates or
/// translates. Fields it does not know stay in ``ChatRequest/raw`` and are forwarded to OpenAI-kind upstreams.
public struct ChatCompletionRequest: Decodable, Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int?
    public var maxCompletionTokens: Int?
    public var stop: StopSequences?
    public var n: Int?
    public var seed: Int?
    public var tools: [ToolDefinition]?
    public var toolChoice: JSONValue?
    public var parallelToolCalls: Bool?
    public var responseFormat: ResponseFormat?
    public var user: String?
    public var metadata: [String: String]?

    enum CodingKeys: String, CodingKey {
        case model, messages, stream, temperature, n, seed, tools, user, metadata, stop
        case streamOptions = "stream_options"
        case topP = "top_p"
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
        case toolChoice = "tool_choice"
        case parallelToolCalls = "parallel_tool_calls"
        case responseFormat = "response_format"
    }

    /// The output cap the client asked for, preferring the newer field.
    public var outputTokenCap: Int? { maxCompletionTokens ?? maxTokens }

    /// Whether the client asked for a final usage chunk on a stream.
    public var wantsStreamUsage: Bool { streamOptions?.includeUsage ?? false }
}

/// `stream_options` of a chat request.
public struct StreamOptions: Codable, Sendable, Equatable {
    public var includeUsage: Bool?
    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}

/// `stop`: one string or a list of strings.
public struct StopSequences: Decodable, Sendable, Equatable {
    public var values: [String]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try? container.decode(String.self) {
            values = [single]
        } else {
            values = try container.decode([String].self)
        }
    }
}

/// A message role of the OpenAI chat format.
public enum ChatRole: String, Codable, Sendable {
    case system, developer, user, assistant, tool
}

/// One message of a chat request.
public struct ChatMessage: Decodable, Sendable, Equatable {
    public var role: ChatRole
    public var content: MessageContent?
    public var name: String?
    public var toolCalls: [ToolCall]?
    public var toolCallID: String?

    enum CodingKeys: String, CodingKey {
        case role, content, name
        case toolCalls = "tool_calls"
        case toolCallID = "tool_call_id"
    }

    public init(role: ChatRole, content: MessageContent?, toolCalls: [ToolCall]? = nil, toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let roleName = try container.decode(String.self, forKey: .role)
        guard let role = ChatRole(rawValue: roleName) else {
            throw DecodingError.dataCorruptedError(
                forKey: .role,
                in: container,
                debugDescription: "unknown role '\(roleName)'; expected system, developer, user, assistant or tool"
            )
        }
        self.role = role
        content = try container.decodeIfPresent(MessageContent.self, forKey: .content)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        toolCalls = try container.decodeIfPresent([ToolCall].self, forKey: .toolCalls)
        toolCallID = try container.decodeIfPresent(String.self, forKey: .toolCallID)
    }

    /// The text of the message: the string content, or its text parts joined.
    public var text: String {
        switch content {
        case .text(let text): text
        case .parts(let parts): parts.compactMap(\.text).joined(separator: "\n")
        case nil: ""
        }
    }
}

/// Message content: a plain string or a list of typed parts.
public enum MessageContent: Decodable, Sendable, Equatable {
    case text(String)
    case parts([ContentPart])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            self = .parts(try container.decode([ContentPart].self))
        }
    }
}

/// One part of a multi-part message content.
public enum ContentPart: Decodable, Sendable, Equatable {
    case text(String)
    case imageURL(url: String, detail: String?)
    /// A part type the gateway passes through to OpenAI-kind upstreams but cannot translate (audio, files).
    case other(type: String)

    enum CodingKeys: String, CodingKey { case type, text, imageURL = "image_url" }
    struct ImageURL: Decodable { var url: String; var detail: String? }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "text": self = .text(try container.decode(String.self, forKey: .text))
        case "image_url":
            let image = try container.decode(ImageURL.self, forKey: .imageURL)
            self = .imageURL(url: image.url, detail: image.detail)
        default: self = .other(type: type)
        }
    }

    /// The text of a text part.
    public var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }
}

/// A tool the model may call (`tools[]`).
public struct ToolDefinition: Decodable, Sendable, Equatable {
    public var type: String
    public var function: FunctionDefinition
}

/// The function of a tool definition; `parameters` is a JSON Schema.
public struct FunctionDefinition: Decodable, Sendable, Equatable {
    public var name: String
    public var description: String?
    public var parameters: JSONValue?
    public var strict: Bool?
}

/// `response_format`: text, json_object, or json_schema with its schema.
public struct ResponseFormat: Decodable, Sendable, Equatable {
    public enum Kind: String, Decodable, Sendable {
        case text
        case jsonObject = "json_object"
        case jsonSchema = "json_schema"
    }
    public var type: Kind
    public var jsonSchema: JSONValue?
    enum CodingKeys: String, CodingKey { case type, jsonSchema = "json_schema" }
}
