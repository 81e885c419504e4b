import Foundation
import NIOCore

/// A decoded chat request: the typed fields the gateway uses, and the body as the client sent it, which is
/// forwarded to OpenAI-kind upstreams by splicing bytes (see ``spliced(model:stream:)``) rather than decoded
/// into a JSON tree and encoded again.
public struct ChatRequest: Sendable {
    /// The body's bytes as received; nil for a request built in code.
    private let body: Data?
    /// Where the body's top-level members lie; nil when the body is not plain enough to splice.
    private let layout: JSONObjectLayout?
    /// The members after an edit (content-policy redaction), or of a request built in code.
    private var edited: [String: JSONValue]?
    /// The fields the gateway validates and translates.
    public var typed: ChatCompletionRequest

    public init(raw: [String: JSONValue], typed: ChatCompletionRequest) {
        self.body = nil
        self.layout = nil
        self.edited = raw
        self.typed = typed
    }

    private init(body: Data, layout: JSONObjectLayout?, typed: ChatCompletionRequest) {
        self.body = body
        self.layout = layout
        self.typed = typed
    }

    /// Every member of the body as sent, less ``upstreamControlFields``: for upstreams whose body is rebuilt
    /// and for edits. Decoded from the bytes on each read until it is set, so read it only off the fast path.
    public var raw: [String: JSONValue] {
        get {
            if let edited { return edited }
            guard let body, case .object(let object) = try? JSONDecoder().decode(JSONValue.self, from: body) else { return [:] }
            return object.filter { !Self.upstreamControlFields.contains($0.key) }
        }
        set { edited = newValue }
    }

    /// The body for an OpenAI-kind upstream: the client's bytes with `model` replaced and, for a stream,
    /// `"stream_options":{"include_usage":true}` added, so usage is always reported. Nil when the body has to
    /// be rebuilt from ``raw`` instead: it was edited, is not a plain object (see `JSONObjectLayout`), carries
    /// a field the gateway drops or sets (``upstreamControlFields``, `stream_options`), or its `stream` flag
    /// does not match `stream`.
    public func spliced(model: String, stream: Bool) -> ByteBuffer? {
        guard edited == nil, let body, let layout, let modelRange = layout.range(of: "model"),
              (typed.stream == true) == stream,
              !layout.members.contains(where: { $0.key == "stream_options" || Self.upstreamControlFields.contains($0.key) })
        else { return nil }
        return body.withUnsafeBytes { bytes in
            var buffer = ByteBuffer()
            buffer.reserveCapacity(bytes.count + model.utf8.count + 48)
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[..<modelRange.lowerBound]))
            var literal = ""
            JSONStringLiteral.append(model, to: &literal)
            buffer.writeString(literal)
            if stream {
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[modelRange.upperBound..<layout.closingBrace]))
                buffer.writeStaticString(#","stream_options":{"include_usage":true}"#)
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[layout.closingBrace...]))
            } else {
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[modelRange.upperBound...]))
            }
            return buffer
        }
    }

    /// Decodes a request body, naming the offending field in the error when it is invalid. The body is parsed
    /// once, into the typed fields; the rest stays as bytes. A plain request is read by
    /// ``PlainChatRequestDecoder``; any other, and every invalid one, by `JSONDecoder`.
    public static func decode(_ data: Data) throws(GatewayError) -> ChatRequest {
        guard data.first(where: { !JSONObjectLayout.isWhitespace($0) }) == UInt8(ascii: "{") else {
            // Not an object: say whether it is JSON at all.
            guard (try? JSONDecoder().decode(JSONValue.self, from: data)) != nil else { throw invalidJSON }
            throw .invalidRequest("The request body must be a JSON object.", code: "invalid_json")
        }
        if let plain = data.withUnsafeBytes({ PlainChatRequestDecoder.decode($0) }) {
            try validate(plain.request)
            return ChatRequest(body: data, layout: plain.layout, typed: plain.request)
        }
        let typed = try decodeWithFoundation(data)
        try validate(typed)
        return ChatRequest(body: data, layout: data.withUnsafeBytes { JSONObjectLayout($0) }, typed: typed)
    }

    /// Any request, with `JSONDecoder`: the errors name the field.
    static func decodeWithFoundation(_ data: Data) throws(GatewayError) -> ChatCompletionRequest {
        do {
            return try JSONDecoder().decode(ChatCompletionRequest.self, from: data)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty { throw invalidJSON }
            throw Self.describe(error)
        } catch {
            throw .invalidRequest("The request body is invalid.")
        }
    }

    private static var invalidJSON: GatewayError {
        .invalidRequest("The request body is not valid JSON.", code: "invalid_json")
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
