import NIOCore

/// The kinds of upstream the gateway can talk to.
public enum ProviderKind: String, Sendable, CaseIterable, Codable {
    case openAI = "openai"
    case azureOpenAI = "azure-openai"
    case anthropic = "anthropic"
    case mock = "mock"
}

/// One call to an upstream: the client's request and the upstream model it is routed to.
public struct ProviderCall: Sendable {
    /// The client's request as decoded.
    public var request: ChatRequest
    /// The model name the upstream knows (after alias resolution).
    public var upstreamModel: String
    /// The gateway's request id, sent upstream for correlation.
    public var requestID: String
    /// Trace-context headers (W3C `traceparent`, `tracestate`) of the attempt's span, sent upstream as they are.
    public var traceHeaders: [(String, String)]

    public init(request: ChatRequest, upstreamModel: String, requestID: String, traceHeaders: [(String, String)] = []) {
        self.request = request
        self.upstreamModel = upstreamModel
        self.requestID = requestID
        self.traceHeaders = traceHeaders
    }

    /// The headers every upstream request carries for correlation: the request id and the trace context.
    public var correlationHeaders: [(String, String)] {
        [("x-request-id", requestID)] + traceHeaders
    }
}

/// A finished, non-streamed completion: the OpenAI-format body for the client and the usage it reports.
public struct ProviderCompletion: Sendable {
    /// The response body in the OpenAI `chat.completion` format.
    public var body: ByteBuffer
    /// The usage the upstream reported, if any.
    public var usage: Usage?

    public init(body: ByteBuffer, usage: Usage?) {
        self.body = body
        self.usage = usage
    }
}

/// One piece of a streamed completion.
public struct StreamPart: Sendable {
    /// The JSON of one OpenAI `chat.completion.chunk`, as it goes after `data: `.
    public var payload: ByteBuffer
    /// The usage, when this chunk carries it.
    public var usage: Usage?
    /// True for the final usage-only chunk (empty `choices`), which is forwarded only when the client asked.
    public var isUsageOnly: Bool
    /// True when the next part (or the stream's end) is already at hand: it came in the same upstream read.
    /// The relay then writes both at once instead of one write and flush each.
    public var isFollowedAtOnce = false

    public init(payload: ByteBuffer, usage: Usage? = nil, isUsageOnly: Bool = false) {
        self.payload = payload
        self.usage = usage
        self.isUsageOnly = isUsageOnly
    }
}


/// An upstream model provider. Each conforming type speaks one wire format and translates it to and from
/// the OpenAI format the gateway serves.
public protocol LLMProvider: Sendable {
    /// The configured name of this provider, the prefix in `provider/model` addressing.
    var name: String { get }
    /// The wire format this provider speaks.
    var kind: ProviderKind { get }
    /// Models advertised in `GET /v1/models` as `name/model`.
    var advertisedModels: [String] { get }

    /// Runs a non-streamed completion.
    /// - Throws: ``UpstreamError`` or ``GatewayError`` (for a request the provider cannot express).
    func complete(_ call: ProviderCall) async throws -> ProviderCompletion

    /// Starts a streamed completion. Returns once the upstream accepted the request; failures before that
    /// are thrown here, so the client still gets a plain HTTP error instead of an event stream.
    func stream(_ call: ProviderCall) async throws -> CompletionStream
}
