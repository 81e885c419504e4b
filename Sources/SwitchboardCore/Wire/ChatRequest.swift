import Foundation

/// A decoded chat request: the typed fields the gateway uses and the raw object it forwards.
public struct ChatRequest: Sendable {
    /// Every field of the body as sent, for passthrough to OpenAI-kind upstreams.
    public var raw: [String: JSONValue]
    /// The fields the gateway validates and translates.
    public var typed: ChatCompletionRequest

    public init(raw: [String: JSONValue], typed: ChatCompletionRequest) {
        self.raw = raw
        self.typed = typed
    }

    /// Decodes a request body, naming the offending field in the error when it is invalid.
    public static func decode(_ data: Data) throws(GatewayError) -> ChatRequest {
        let raw: JSONValue
        do {
            raw = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw .invalidRequest("The request body is not valid JSON.", code: "invalid_json")
        }
        guard case .object(let object) = raw else {
            throw .invalidRequest("The request body must be a JSON object.", code: "invalid_json")
        }
        let typed: ChatCompletionRequest
        do {
            typed = try JSONDecoder().decode(ChatCompletionRequest.self, from: data)
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch {
            throw .invalidRequest("The request body is invalid.")
        }
        try validate(typed)
        // Nothing a client sends may steer where or how the gateway calls upstream.
        return ChatRequest(raw: object.filter { !Self.upstreamControlFields.contains($0.key) }, typed: typed)
    }

    /// Body fields some SDKs and gateways use to pick an upstream URL, credentials or headers. They are
    /// dropped before forwarding: provider URLs and keys come only from configuration.
    public static let upstreamControlFields: Set = [
        "api_base", "base_url", "api_key", "api_version", "api_type", "organization", "headers", "extra_headers",
        "extra_query", "extra_body", "custom_llm_provider", "azure_ad_token", "azure_endpoint", "deployment_id",
        "aws_access_key_id", "aws_secret_access_key", "aws_region_name", "vertex_credentials", "vertex_project",
    ]

    private static func validate(_ request: ChatCompletionRequest) throws(GatewayError) {
        if request.model.isEmpty { throw .invalidRequest("'model' must not be empty.", param: "model") }
        if request.messages.isEmpty { throw .invalidRequest("'messages' must contain at least one message.", param: "messages") }
        for (index, message) in request.messages.enumerated() where message.role == .tool && message.toolCallID == nil {
            let field = "messages[\(index)].tool_call_id"
            throw .invalidRequest("Missing required field '\(field)': a tool message answers a tool call.", param: field)
        }
        if let n = request.n, n < 1 { throw .invalidRequest("'n' must be at least 1.", param: "n") }
        if let cap = request.outputTokenCap, cap < 1 {
            let field = request.maxCompletionTokens != nil ? "max_completion_tokens" : "max_tokens"
            throw .invalidRequest("'\(field)' must be at least 1.", param: field)
        }
        if let temperature = request.temperature, !(0...2).contains(temperature) {
            throw .invalidRequest("'temperature' must be between 0 and 2.", param: "temperature")
        }
        if let topP = request.topP, !(0...1).contains(topP) {
            throw .invalidRequest("'top_p' must be between 0 and 1.", param: "top_p")
        }
    }

    /// Turns a decoding failure into a 400 that names the field, e.g. `messages[2].role`.
    public static func describe(_ error: DecodingError) -> GatewayError {
        switch error {
        case .keyNotFound(let key, let context):
            let path = fieldPath(context.codingPath + [key])
            return .invalidRequest("Missing required field '\(path)'.", param: path)
        case .typeMismatch(let type, let context):
            let path = fieldPath(context.codingPath)
            return .invalidRequest("Field '\(path)' has the wrong type; expected \(typeName(type)).", param: path)
        case .valueNotFound(let type, let context):
            let path = fieldPath(context.codingPath)
            return .invalidRequest("Field '\(path)' must not be null; expected \(typeName(type)).", param: path)
        case .dataCorrupted(let context):
            let path = fieldPath(context.codingPath)
            return .invalidRequest("Field '\(path)' is invalid: \(context.debugDescription)", param: path)
        @unknown default:
            return .invalidRequest("The request body is invalid.")
        }
    }

    private static func fieldPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "body" : text
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        default: type is any Collection.Type ? "an array" : "an object"
        }
    }
}
