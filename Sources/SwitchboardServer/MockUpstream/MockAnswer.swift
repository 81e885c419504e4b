import SwitchboardCore

/// What the mock upstream answers, decided from the request the same way for both wire formats:
/// with tools declared and a user message last, it calls the first tool with arguments made from the tool's
/// schema; after a tool result it reports that result; otherwise it echoes the last user text.
struct MockAnswer {
    enum Content {
        case text([String])
        case toolCall(id: String, name: String, arguments: String)
    }

    var content: Content
    var promptTokens: Int
    var completionTokens: Int
    var finishReason: String

    /// - Parameters:
    ///   - lastRole: role of the last message (`tool` results count as `tool`).
    ///   - lastText: its text.
    ///   - firstTool: the first declared tool's name and JSON Schema, if any.
    init(allText: String, lastRole: String, lastText: String, firstTool: (name: String, schema: JSONValue?)?, maxTokens: Int?) {
        promptTokens = TokenEstimator.estimate(allText) + 8
        if let tool = firstTool, lastRole == "user" {
            let arguments = Self.exampleArguments(tool.schema)
            content = .toolCall(id: "call_mock_\(abs(lastText.hashValue) % 1_000_000)", name: tool.name, arguments: arguments)
            completionTokens = TokenEstimator.estimate(arguments) + 4
            finishReason = "tool_calls"
            return
        }
        var words = (lastRole == "tool" ? "The tool returned: \(lastText)" : lastText)
            .split(whereSeparator: \.isWhitespace).map(String.init)
        if words.isEmpty { words = ["(empty)"] }
        finishReason = "stop"
        if let maxTokens, words.count > maxTokens {
            words = Array(words.prefix(maxTokens))
            finishReason = "length"
        }
        content = .text(words)
        completionTokens = words.count
    }

    /// Says a text answer `times` over: a long stream from a short request.
    mutating func repeatText(_ times: Int) {
        guard case .text(let words) = content, times > 1 else { return }
        content = .text(Array(repeatElement(words, count: times).joined()))
        completionTokens *= times
    }

    var text: String? {
        if case .text(let words) = content { return words.joined(separator: " ") }
        return nil
    }

    /// Compact JSON arguments with an example value per declared property.
    static func exampleArguments(_ schema: JSONValue?) -> String {
        guard let properties = schema?["properties"]?.objectValue else { return "{}" }
        let fields = properties.keys.sorted().map { name -> String in
            let value: String = switch properties[name]?["type"]?.stringValue {
            case "integer", "number": "1"
            case "boolean": "true"
            case "array": "[]"
            case "object": "{}"
            default: "\"example\""
            }
            return "\"\(name)\":\(value)"
        }
        return "{" + fields.joined(separator: ",") + "}"
    }
}
