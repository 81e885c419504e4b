import Foundation
import NIOCore
import NIOFoundationCompat

/// A provider speaking the OpenAI chat completions API: OpenAI itself, any OpenAI-compatible server
/// (vLLM, Ollama, ...) by base URL, or an Azure OpenAI resource.
///
/// Request bodies are forwarded with every field the client sent (unknown ones included); only `model` and,
/// for streams, `stream_options.include_usage` are set by the gateway.
public struct OpenAIProvider: LLMProvider {
    /// Where and how to reach the API.
    public enum Endpoint: Sendable {
        /// `POST {baseURL}/chat/completions` with `Authorization: Bearer`.
        case openAI(baseURL: String)
        /// `POST {endpoint}/openai/deployments/{model}/chat/completions?api-version=...` with `api-key`.
        case azure(endpoint: String, apiVersion: String)
    }

    public let name: String
    public let advertisedModels: [String]
    public var kind: ProviderKind {
        if case .azure = endpoint { return .azureOpenAI }
        return .openAI
    }
    private let endpoint: Endpoint
    private let apiKey: String
    private let http: UpstreamHTTP
    /// `{baseURL}/chat/completions`, parsed once (an OpenAI endpoint's URL does not change per request).
    private let chatTarget: Result<UpstreamTarget, any Error>
    /// The `authorization` header's value, made once.
    private let bearer: String

    public init(name: String, endpoint: Endpoint, apiKey: String, advertisedModels: [String], http: UpstreamHTTP) {
        self.name = name
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.advertisedModels = advertisedModels
        self.http = http
        if case .openAI(let baseURL) = endpoint {
            chatTarget = UpstreamRequest.target(Self.join(baseURL, "chat/completions"))
        } else {
            chatTarget = .failure(UpstreamTransportError.invalidURL)
        }
        bearer = "Bearer \(apiKey)"
    }

    public func complete(_ call: ProviderCall) async throws -> ProviderCompletion {
        let body = try await http.complete(try request(for: call, stream: false), errorDecoder: Self.decodeError)
        guard let usage = Self.usage(ofCompletion: body) else {
            throw UpstreamError(.malformedResponse, provider: name, message: "the body is not a chat completion")
        }
        return ProviderCompletion(body: body, usage: usage)
    }

    /// The usage of a completion body (`.some(nil)` when it reports none), or nil when the body is not a JSON
    /// object. Only the `usage` member is read when the body's layout allows (by ``Usage/plain(_:)`` when it is
    /// plain, else by the decoder); otherwise the whole body is decoded.
    static func usage(ofCompletion body: ByteBuffer) -> Usage?? {
        let usageRange: Range<Int>?? = body.withUnsafeReadableBytes { bytes in
            JSONObjectSpans(bytes).map { $0.range(of: "usage", in: bytes) }
        }
        switch usageRange {
        case .some(.none):
            return .some(nil)
        case .some(.some(let range)):
            guard let slice = body.getSlice(at: body.readerIndex + range.lowerBound, length: range.count) else { return nil }
            if slice.readableBytesView.elementsEqual("null".utf8) { return .some(nil) }
            if let usage = slice.withUnsafeReadableBytes(Usage.plain) { return .some(usage) }
            guard let usage = try? JSONDecoder().decode(Usage.self, from: slice) else { return nil }
            return .some(usage)
        case .none:
            guard let probe = try? JSONDecoder().decode(UsageProbe.self, from: body) else { return nil }
            return .some(probe.usage)
        }
    }

    public func stream(_ call: ProviderCall) async throws -> CompletionStream {
        let response = try await http.send(try request(for: call, stream: true), errorDecoder: Self.decodeError)
        let provider = name
        return http.events(of: response) { event in try Self.part(of: event, provider: provider) }
    }

    /// Builds the upstream request: the client's body with the upstream model and, for streams, usage on;
    /// spliced from the client's bytes when it can be, else encoded from the decoded members.
    private func request(for call: ProviderCall, stream: Bool) throws -> UpstreamRequest {
        let body = try call.request.spliced(model: call.upstreamModel, stream: stream) ?? Self.rebuiltBody(call, stream: stream)
        switch endpoint {
        case .openAI:
            return http.post(to: chatTarget, headers: Self.headers(("authorization", bearer), call), body: body)
        case .azure(let resource, let apiVersion):
            let deployment = call.upstreamModel.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? call.upstreamModel
            let url = Self.join(resource, "openai/deployments/\(deployment)/chat/completions") + "?api-version=\(apiVersion)"
            return http.post(url: url, headers: Self.headers(("api-key", apiKey), call), body: body)
        }
    }

    /// The credential and the call's correlation headers, in one array (`[credential] + headers` made two).
    private static func headers(_ credential: (String, String), _ call: ProviderCall) -> [(String, String)] {
        var headers: [(String, String)] = []
        headers.reserveCapacity(1 + call.correlationHeaders.count)
        headers.append(credential)
        headers.append(contentsOf: call.correlationHeaders)
        return headers
    }

    /// The upstream body encoded from the request's members.
    static func rebuiltBody(_ call: ProviderCall, stream: Bool) throws -> ByteBuffer {
        var body = call.request.raw
        body["model"] = .string(call.upstreamModel)
        if stream {
            body["stream"] = true
            var options = body["stream_options"]?.objectValue ?? [:]
            options["include_usage"] = true
            body["stream_options"] = .object(options)
        } else {
            body.removeValue(forKey: "stream_options")
        }
        return ByteBuffer(bytes: try JSONEncoder().encode(JSONValue.object(body)))
    }

    /// Turns one upstream SSE event into a stream part; the end at `[DONE]`.
    static func part(of event: ServerSentEvent, provider: String) throws -> StreamStep {
        let payload = event.dataBytes
        if payload.withUnsafeReadableBytes({ ByteSearch.equals($0, "[DONE]") }) { return .end }
        // Only chunks that carry a usage object or an error need reading; the rest (including the
        // `"usage":null` every chunk has once usage is requested) are forwarded as they are.
        let keys = payload.withUnsafeReadableBytes { JSONKeyScan.objectKeys(in: $0.assumingMemoryBound(to: UInt8.self)) }
        guard keys.usage || keys.error else { return StreamStep(part: StreamPart(payload: payload)) }
        if !keys.error, let plain = payload.withUnsafeReadableBytes(Self.plainUsageChunk) {
            return StreamStep(part: StreamPart(payload: payload, usage: plain.usage, isUsageOnly: plain.usageOnly))
        }
        guard let probe = try? JSONDecoder().decode(UsageProbe.self, from: payload) else {
            throw UpstreamError(.malformedResponse, provider: provider, message: "a stream chunk is not valid JSON")
        }
        if let error = probe.error {
            throw UpstreamError(.interrupted, provider: provider, message: error.message ?? "", upstreamType: error.type)
        }
        let usageOnly = probe.usage != nil && (probe.choices?.isEmpty ?? true)
        return StreamStep(part: StreamPart(payload: payload, usage: probe.usage, isUsageOnly: usageOnly))
    }

    /// Reads an OpenAI error body `{"error":{"message","type","code"}}`.
    static func decodeError(_ body: ByteBuffer) -> (type: String?, code: String?, message: String)? {
        guard let probe = try? JSONDecoder().decode(UsageProbe.self, from: body), let error = probe.error else { return nil }
        return (error.type, error.code, error.message ?? "")
    }

    static func join(_ base: String, _ path: String) -> String {
        base.hasSuffix("/") ? base + path : base + "/" + path
    }
}

/// The few fields of an OpenAI body the gateway reads: usage, choices (for counting) and error.
private struct UsageProbe: Decodable {
    struct ErrorDetail: Decodable {
        var message: String?
        var type: String?
        var code: String?

        enum CodingKeys: String, CodingKey { case message, type, code }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            message = try container.decodeIfPresent(String.self, forKey: .message)
            type = try container.decodeIfPresent(String.self, forKey: .type)
            // `code` is a string on OpenAI and a number on some compatible servers.
            code = (try? container.decodeIfPresent(String.self, forKey: .code))
                ?? (try? container.decodeIfPresent(Int.self, forKey: .code)).flatMap { $0.map(String.init) }
        }
    }
    struct Empty: Decodable {}

    var usage: Usage?
    var choices: [Empty]?
    var error: ErrorDetail?
}

