import FuzzCore
import Foundation
import NIOCore

/// Any bytes as an Anthropic response, error body and event stream, and as an OpenAI request to translate:
/// every path answers a value or a typed error, never crashes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAnthropicTranslation(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    _ = try? AnthropicResponseTranslator.completion(from: data, created: 0, provider: "fuzz")
    _ = AnthropicResponseTranslator.error(from: data)
    var parser = ServerSentEventParser()
    var translator = AnthropicStreamTranslator(provider: "fuzz", created: 0)
    for event in parser.feed(ByteBuffer(bytes: data)) {
        _ = try? translator.translate(event)
    }
    if let request = try? ChatRequest.decode(data) {
        let call = ProviderCall(request: request, upstreamModel: "claude-sonnet-4-5", requestID: "fuzz")
        _ = try? AnthropicRequestTranslator.body(for: call, stream: true, defaultMaxTokens: 1024)
    }
    return 0
}
