import Foundation
import NIOCore
import NIOFoundationCompat

/// A provider speaking the Anthropic Messages API, translating OpenAI requests to it and its responses
/// and stream events back to OpenAI completions and chunks.
public struct AnthropicProvider: LLMProvider {
    public let name: String
    public let advertisedModels: [String]
    public var kind: ProviderKind { .anthropic }
    private let apiKey: String
    private let apiVersion: String
    private let defaultMaxTokens: Int
    private let http: UpstreamHTTP
    /// `{baseURL}/v1/messages`, parsed once.
    private let messagesTarget: Result<UpstreamTarget, any Error>

    /// - Parameters:
    ///   - baseURL: the API root without `/v1`, e.g. `https://api.anthropic.com`.
    ///   - defaultMaxTokens: `max_tokens` sent when the client gives none (Anthropic requires one).
    public init(
        name: String, baseURL: String, apiKey: String, apiVersion: String = "2023-06-01", defaultMaxTokens: Int = 4096,
        advertisedModels: [String], http: UpstreamHTTP
    ) {
        self.name = name
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.defaultMaxTokens = defaultMaxTokens
        self.advertisedModels = advertisedModels
        self.http = http
        self.messagesTarget = UpstreamRequest.target(OpenAIProvider.join(baseURL, "v1/messages"))
    }

    public func complete(_ call: ProviderCall) async throws -> ProviderCompletion {
        let body = try await http.complete(try request(for: call, stream: false), errorDecoder: Self.decodeError)
        let completion = try AnthropicResponseTranslator.completion(
            from: Data(buffer: body), created: Self.now(), provider: name
        )
        return ProviderCompletion(body: ByteBuffer(bytes: try JSONEncoder().encode(completion)), usage: completion.usage)
    }

    public func stream(_ call: ProviderCall) async throws -> CompletionStream {
        let response = try await http.send(try request(for: call, stream: true), errorDecoder: Self.decodeError)
        let translator = TranslatorBox(AnthropicStreamTranslator(provider: name, created: Self.now()))
        return http.events(of: response) { event in
            let chunks = try translator.translate(event)
            let parts = try chunks.map { chunk in
                StreamPart(
                    payload: ByteBuffer(bytes: try JSONEncoder().encode(chunk)),
                    usage: chunk.usage,
                    isUsageOnly: chunk.choices.isEmpty && chunk.usage != nil
                )
            }
            return StreamStep(parts: parts, isEnd: translator.isFinished)
        }
    }

    private func request(for call: ProviderCall, stream: Bool) throws -> UpstreamRequest {
        let body = try AnthropicRequestTranslator.body(for: call, stream: stream, defaultMaxTokens: defaultMaxTokens)
        return http.post(
            to: messagesTarget,
            headers: [("x-api-key", apiKey), ("anthropic-version", apiVersion)] + call.correlationHeaders,
            body: ByteBuffer(bytes: try JSONEncoder().encode(body))
        )
    }

    static func decodeError(_ body: ByteBuffer) -> (type: String?, code: String?, message: String)? {
        AnthropicResponseTranslator.error(from: Data(buffer: body)).map { ($0.type, nil, $0.message) }
    }

    static func now() -> Int { Int(Date().timeIntervalSince1970) }
}

/// Holds the stream translator's state for the event callback, which runs on the one task iterating
/// the stream; hence the unchecked sendability.
private final class TranslatorBox: @unchecked Sendable {
    private var translator: AnthropicStreamTranslator
    private(set) var isFinished = false

    init(_ translator: AnthropicStreamTranslator) { self.translator = translator }

    func translate(_ event: ServerSentEvent) throws -> [ChatCompletionChunk] {
        if isFinished { return [] }
        let chunks = try translator.translate(event)
        isFinished = translator.isFinished
        return chunks
    }
}
