import Foundation
import NIOCore

/// A provider that answers locally, so the gateway is useful and testable with no network.
///
/// Model `echo` answers with the last user message; streamed, it sends it word by word. `max_tokens`
/// (one token per word) cuts the answer short with `finish_reason: "length"`.
public struct MockProvider: LLMProvider {
    public let name: String
    public var kind: ProviderKind { .mock }
    public var advertisedModels: [String] { ["echo"] }

    public init(name: String = "mock") {
        self.name = name
    }

    public func complete(_ call: ProviderCall) async throws -> ProviderCompletion {
        let answer = try Self.answer(to: call)
        let completion = ChatCompletion(
            id: "chatcmpl-mock-\(call.requestID)", created: Self.now(), model: call.upstreamModel,
            choices: [.init(index: 0, message: AssistantMessage(content: answer.words.joined(separator: " ")),
                            finishReason: answer.finishReason)],
            usage: answer.usage
        )
        return ProviderCompletion(body: ByteBuffer(bytes: try JSONEncoder().encode(completion)), usage: answer.usage)
    }

    public func stream(_ call: ProviderCall) async throws -> CompletionStream {
        let answer = try Self.answer(to: call)
        let id = "chatcmpl-mock-\(call.requestID)"
        let created = Self.now()
        let model = call.upstreamModel
        func chunk(_ delta: ChatCompletionChunk.Delta, finish: String? = nil) -> ChatCompletionChunk {
            ChatCompletionChunk(id: id, created: created, model: model, choices: [.init(delta: delta, finishReason: finish)])
        }
        var chunks = [chunk(.init(role: "assistant", content: ""))]
        for (index, word) in answer.words.enumerated() {
            chunks.append(chunk(.init(content: index == 0 ? word : " " + word)))
        }
        chunks.append(chunk(.init(), finish: answer.finishReason))
        var parts = try chunks.map { StreamPart(payload: ByteBuffer(bytes: try JSONEncoder().encode($0))) }
        let usageChunk = ChatCompletionChunk(id: id, created: created, model: model, choices: [], usage: answer.usage)
        parts.append(StreamPart(payload: ByteBuffer(bytes: try JSONEncoder().encode(usageChunk)), usage: answer.usage, isUsageOnly: true))
        return CompletionStream(parts: parts)
    }

    private struct Answer {
        var words: [String]
        var finishReason: String
        var usage: Usage
    }

    private static func answer(to call: ProviderCall) throws(GatewayError) -> Answer {
        guard call.upstreamModel == "echo" else { throw .modelNotFound("\(call.request.typed.model)") }
        let messages = call.request.typed.messages
        let prompt = messages.last(where: { $0.role == .user })?.text ?? ""
        var words = prompt.split(whereSeparator: \.isWhitespace).map(String.init)
        if words.isEmpty { words = ["(empty)"] }
        var finishReason = "stop"
        if let cap = call.request.typed.outputTokenCap, words.count > cap {
            words = Array(words.prefix(cap))
            finishReason = "length"
        }
        let promptTokens = messages.reduce(0) { $0 + TokenEstimator.estimate($1.text) + 4 }
        return Answer(words: words, finishReason: finishReason, usage: Usage(promptTokens: promptTokens, completionTokens: words.count))
    }

    static func now() -> Int { Int(Date().timeIntervalSince1970) }
}

/// A rough token count for text when no tokenizer is at hand: about four characters per token.
public enum TokenEstimator {
    /// Estimated tokens of `text`, at least one for non-empty text.
    public static func estimate(_ text: String) -> Int {
        text.isEmpty ? 0 : max(1, (text.utf8.count + 3) / 4)
    }
}
