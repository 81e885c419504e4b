import Foundation

/// Builds the Anthropic Messages API body (`POST /v1/messages`) for an OpenAI chat request.
///
/// System and developer messages become the top-level `system`, tool results become `tool_result` blocks of
/// a user message, and neighbouring messages of one role are merged because Anthropic requires alternation.
public enum AnthropicRequestTranslator {
    /// Returns the Messages API body for `call`.
    /// - Parameters:
    ///   - call: The client's request and the upstream model it is routed to.
    ///   - stream: Whether to ask for a server-sent event stream.
    ///   - defaultMaxTokens: The `max_tokens` sent when the client set no cap; Anthropic requires one.
    /// - Throws: ``GatewayError`` (400) naming the field of a request Anthropic cannot express.
    public static func body(for call: ProviderCall, stream: Bool, defaultMaxTokens: Int) throws(GatewayError) -> JSONValue {
        let request = call.request.typed
        if let n = request.n, n > 1 {
            throw .invalidRequest("Anthropic models return one choice; 'n' must be 1.", param: "n")
        }
        let (system, messages) = try translateMessages(request.messages)
        let maxTokens = request.maxCompletionTokens ?? request.maxTokens ?? defaultMaxTokens
        var body: [String: JSONValue] = [
            "model": .string(call.upstreamModel),
            "max_tokens": .int(Int64(maxTokens)),
            "messages": .array(messages),
        ]
        if !system.isEmpty { body["system"] = .string(system.joined(separator: "\n\n")) }
        if stream { body["stream"] = true }
        // Anthropic's temperature range is 0...1, OpenAI's 0...2.
        if let temperature = request.temperature { body["temperature"] = .double(min(temperature, 1.0)) }
        if let topP = request.topP { body["top_p"] = .double(topP) }
        if let stop = request.stop, !stop.values.isEmpty {
            body["stop_sequences"] = .array(stop.values.map(JSONValue.string))
        }
        if let user = request.user { body["metadata"] = ["user_id": .string(user)] }
        if let tools = request.tools, !tools.isEmpty { body["tools"] = .array(try translateTools(tools)) }
        if let choice = try toolChoice(for: request) { body["tool_choice"] = choice }
        return .object(body)
    }

    /// An Anthropic message being built; string content stays a string unless it has to be merged.
    private struct Turn {
        enum Content {
            case text(String)
            case blocks([JSONValue])
        }

        var role: String
        var content: Content

        var blocks: [JSONValue] {
            switch content {
            case .text(let text): [["type": "text", "text": .string(text)]]
            case .blocks(let blocks): blocks
            }
        }

        var json: JSONValue {
            switch content {
            case .text(let text): ["role": .string(role), "content": .string(text)]
            case .blocks(let blocks): ["role": .string(role), "content": .array(blocks)]
            }
        }
    }

    private static func translateMessages(
        _ messages: [ChatMessage]
    ) throws(GatewayError) -> (system: [String], messages: [JSONValue]) {
        var system: [String] = []
        var turns: [Turn] = []
        for (index, message) in messages.enumerated() {
            let turn: Turn
            switch message.role {
            case .system, .developer:
                let text = try plainText(of: message, at: index)
                if !text.isEmpty { system.append(text) }
                continue
            case .user:
                turn = Turn(role: "user", content: try userContent(message.content, at: index))
            case .assistant:
                guard let assistant = try assistantTurn(message, at: index) else { continue }
                turn = assistant
            case .tool:
                let result: JSONValue = [
                    "type": "tool_result",
                    "tool_use_id": .string(message.toolCallID ?? ""),
                    "content": .string(try plainText(of: message, at: index)),
                ]
                turn = Turn(role: "user", content: .blocks([result]))
            }
            if let last = turns.last, last.role == turn.role {
                turns[turns.count - 1].content = .blocks(last.blocks + turn.blocks)
            } else {
                turns.append(turn)
            }
        }
        return (system, turns.map(\.json))
    }

    /// The text of a message that Anthropic accepts only as text (system, developer, tool).
    private static func plainText(of message: ChatMessage, at index: Int) throws(GatewayError) -> String {
        switch message.content {
        case nil: return ""
        case .text(let text): return text
        case .parts(let parts):
            var texts: [String] = []
            for (partIndex, part) in parts.enumerated() {
                guard case .text(let text) = part else {
                    throw .invalidRequest(
                        "Only text content can be sent to Anthropic models in a \(message.role.rawValue) message.",
                        param: "messages[\(index)].content[\(partIndex)]"
                    )
                }
                texts.append(text)
            }
            return texts.joined(separator: "\n")
        }
    }

    private static func userContent(_ content: MessageContent?, at index: Int) throws(GatewayError) -> Turn.Content {
        switch content {
        case nil: return .text("")
        case .text(let text): return .text(text)
        case .parts(let parts):
            var blocks: [JSONValue] = []
            for (partIndex, part) in parts.enumerated() {
                blocks.append(try block(for: part, param: "messages[\(index)].content[\(partIndex)]"))
            }
            return .blocks(blocks)
        }
    }

    /// The assistant message as text and `tool_use` blocks, or nil when it has neither: Anthropic rejects
    /// empty messages, and dropping one lets its neighbours merge.
    private static func assistantTurn(_ message: ChatMessage, at index: Int) throws(GatewayError) -> Turn? {
        let toolCalls = message.toolCalls ?? []
        if toolCalls.isEmpty, case .text(let text) = message.content {
            return text.isEmpty ? nil : Turn(role: "assistant", content: .text(text))
        }
        var blocks: [JSONValue] = []
        switch message.content {
        case .text(let text) where !text.isEmpty:
            blocks.append(["type": "text", "text": .string(text)])
        case .parts(let parts):
            for (partIndex, part) in parts.enumerated() {
                if case .text(let text) = part, text.isEmpty { continue }
                blocks.append(try block(for: part, param: "messages[\(index)].content[\(partIndex)]"))
            }
        default:
            break
        }
        for (callIndex, call) in toolCalls.enumerated() {
            let param = "messages[\(index)].tool_calls[\(callIndex)].function.arguments"
            blocks.append([
                "type": "tool_use",
                "id": .string(call.id),
                "name": .string(call.function.name),
                "input": try argumentsObject(call.function.arguments, param: param),
            ])
        }
        return blocks.isEmpty ? nil : Turn(role: "assistant", content: .blocks(blocks))
    }

    /// Parses a tool call's `arguments` string; an empty string is taken as no arguments.
    private static func argumentsObject(_ arguments: String, param: String) throws(GatewayError) -> JSONValue {
        if arguments.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .object([:]) }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(arguments.utf8)),
            case .object = value
        else {
            throw .invalidRequest("Tool call arguments must be a JSON object.", param: param)
        }
        return value
    }

    private static func block(for part: ContentPart, param: String) throws(GatewayError) -> JSONValue {
        switch part {
        case .text(let text):
            return ["type": "text", "text": .string(text)]
        case .imageURL(let url, _):
            return ["type": "image", "source": try imageSource(url, param: "\(param).image_url.url")]
        case .other(let type):
            throw .invalidRequest("Content parts of type '\(type)' cannot be sent to Anthropic models.", param: param)
        }
    }

    /// A `data:<media>;base64,<data>` URL becomes a base64 source, an http(s) URL a url source.
    private static func imageSource(_ url: String, param: String) throws(GatewayError) -> JSONValue {
        if url.hasPrefix("data:") {
            let rest = url.dropFirst("data:".count)
            guard let marker = rest.range(of: ";base64,") else {
                throw .invalidRequest("Image data URLs must be base64 encoded ('data:<media type>;base64,...').", param: param)
            }
            let mediaType = rest[..<marker.lowerBound]
            let data = rest[marker.upperBound...]
            guard !mediaType.isEmpty, !data.isEmpty else {
                throw .invalidRequest("Image data URLs need a media type and data.", param: param)
            }
            return ["type": "base64", "media_type": .string(String(mediaType)), "data": .string(String(data))]
        }
        let scheme = url.prefix(while: { $0 != ":" }).lowercased()
        guard scheme == "https" || scheme == "http" else {
            throw .invalidRequest("Image URLs must be http(s) URLs or base64 data URLs.", param: param)
        }
        return ["type": "url", "url": .string(url)]
    }

    private static func translateTools(_ tools: [ToolDefinition]) throws(GatewayError) -> [JSONValue] {
        var translated: [JSONValue] = []
        for (index, tool) in tools.enumerated() {
            guard tool.type == "function" else {
                throw .invalidRequest(
                    "Only tools of type 'function' can be sent to Anthropic models.", param: "tools[\(index)].type"
                )
            }
            var object: [String: JSONValue] = [
                "name": .string(tool.function.name),
                "input_schema": tool.function.parameters ?? ["type": "object", "properties": [:]],
            ]
            if let description = tool.function.description { object["description"] = .string(description) }
            translated.append(.object(object))
        }
        return translated
    }

    /// `tool_choice`, with `parallel_tool_calls: false` expressed as `disable_parallel_tool_use`.
    private static func toolChoice(for request: ChatCompletionRequest) throws(GatewayError) -> JSONValue? {
        var choice: [String: JSONValue]?
        switch request.toolChoice {
        case nil, .null?:
            choice = nil
        case .string("auto")?:
            choice = ["type": "auto"]
        case .string("required")?:
            choice = ["type": "any"]
        case .string("none")?:
            choice = ["type": "none"]
        case .object(let object)? where object["type"] == "function":
            guard let name = object["function"]?["name"]?.stringValue else {
                throw .invalidRequest("'tool_choice.function.name' is required.", param: "tool_choice.function.name")
            }
            choice = ["type": "tool", "name": .string(name)]
        default:
            throw .invalidRequest(
                "'tool_choice' must be 'auto', 'required', 'none' or {\"type\":\"function\",\"function\":{\"name\":...}}.",
                param: "tool_choice"
            )
        }
        // Anthropic accepts tool_choice only together with tools, and `none` takes no options.
        if request.parallelToolCalls == false, request.tools?.isEmpty == false {
            var adjusted = choice ?? ["type": "auto"]
            if adjusted["type"] != "none" { adjusted["disable_parallel_tool_use"] = true }
            choice = adjusted
        }
        return choice.map(JSONValue.object)
    }
}
