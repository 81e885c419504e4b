/// A failure talking to an upstream provider, classified so that the gateway can answer with the right
/// status (and, later, decide whether to retry).
public struct UpstreamError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The connection could not be made or broke before a response.
        case connection
        /// No response headers within the first-byte timeout.
        case firstByteTimeout
        /// No bytes within the idle timeout while streaming, or the total deadline passed.
        case timeout
        /// The upstream answered with a non-success status.
        case status(Int)
        /// The upstream answered with something that is not its documented wire format.
        case malformedResponse
        /// The stream ended or broke before its end marker.
        case interrupted
    }

    public var kind: Kind
    /// The provider's configured name.
    public var provider: String
    /// The upstream's own message, already scrubbed of key-like tokens.
    public var message: String
    /// The upstream's error type and code, when it sent them.
    public var upstreamType: String?
    public var upstreamCode: String?
    /// `Retry-After` (or `retry-after-ms`) from the upstream, in whole seconds rounded up (for the client).
    public var retryAfterSeconds: Int?
    /// `Retry-After` (or `retry-after-ms`) from the upstream at full precision (for the gateway's own retry).
    public var retryAfter: Duration?

    public init(
        _ kind: Kind, provider: String, message: String = "", upstreamType: String? = nil, upstreamCode: String? = nil,
        retryAfterSeconds: Int? = nil, retryAfter: Duration? = nil
    ) {
        self.kind = kind
        self.provider = provider
        self.message = SecretScrubber.scrub(message)
        self.upstreamType = upstreamType
        self.upstreamCode = upstreamCode
        self.retryAfterSeconds = retryAfterSeconds ?? retryAfter.map { Int(($0 / .seconds(1)).rounded(.up)) }
        self.retryAfter = retryAfter ?? retryAfterSeconds.map { .seconds($0) }
    }

    public var description: String { "UpstreamError(\(kind), provider: \(provider), message: \(message))" }

    /// Whether a retry of the same request could succeed (connection errors, timeouts, 408, 429, 500, 502,
    /// 503, 504, 529). The one classification the router, the breaker and the retry budget use.
    public var isRetryable: Bool {
        switch kind {
        case .connection, .firstByteTimeout, .timeout, .interrupted: true
        case .malformedResponse: false
        case .status(let status): [408, 429, 500, 502, 503, 504, 529].contains(status)
        }
    }

    /// Whether the upstream rejected the request for exceeding the model's context window (OpenAI
    /// `context_length_exceeded`, Anthropic "prompt is too long"), which a larger-context model may answer.
    public var isContextWindowExceeded: Bool {
        guard case .status(let status) = kind, status == 400 || status == 413 else { return false }
        if upstreamCode == "context_length_exceeded" { return true }
        let text = message.lowercased()
        return text.contains("context length") || text.contains("context window") || text.contains("prompt is too long")
    }

    /// The error the client sees. Client faults (4xx other than auth and rate limits) are relayed with the
    /// upstream's message; everything else becomes a 502/503/504 that says which kind of failure it was.
    public var gatewayError: GatewayError {
        let detail = message.isEmpty ? "" : ": \(message)"
        switch kind {
        case .connection:
            return .init(status: 502, type: "upstream_error", code: "upstream_unreachable",
                         message: "Could not connect to provider '\(provider)'\(detail)")
        case .firstByteTimeout:
            return .init(status: 504, type: "upstream_error", code: "upstream_timeout",
                         message: "Provider '\(provider)' sent no response within the first-byte timeout.")
        case .timeout:
            return .init(status: 504, type: "upstream_error", code: "upstream_timeout",
                         message: "Provider '\(provider)' timed out\(detail)")
        case .malformedResponse:
            return .init(status: 502, type: "upstream_error", code: "upstream_malformed_response",
                         message: "Provider '\(provider)' sent a response the gateway could not read\(detail)")
        case .interrupted:
            return .init(status: 502, type: "upstream_error", code: "upstream_interrupted",
                         message: "The stream from provider '\(provider)' ended unexpectedly\(detail)")
        case .status(let status):
            return Self.statusError(status, provider: provider, detail: detail, upstream: self)
        }
    }

    private static func statusError(_ status: Int, provider: String, detail: String, upstream: UpstreamError) -> GatewayError {
        switch status {
        case 401, 403:
            return .init(status: 502, type: "upstream_error", code: "upstream_auth_failed",
                         message: "Provider '\(provider)' rejected the gateway's credentials (HTTP \(status)).")
        case 429:
            return .init(status: 429, type: "rate_limit_exceeded", code: "upstream_rate_limited",
                         message: "Provider '\(provider)' is rate limiting requests\(detail)",
                         retryAfterSeconds: upstream.retryAfterSeconds)
        case 503, 529:
            return .init(status: 503, type: "upstream_error", code: "upstream_overloaded",
                         message: "Provider '\(provider)' is overloaded or unavailable (HTTP \(status))\(detail)",
                         retryAfterSeconds: upstream.retryAfterSeconds)
        case 504:
            return .init(status: 504, type: "upstream_error", code: "upstream_timeout",
                         message: "Provider '\(provider)' timed out (HTTP 504)\(detail)")
        case 400..<500:
            return .init(status: status, type: upstream.upstreamType ?? "invalid_request_error",
                         code: upstream.upstreamCode, message: upstream.message.isEmpty ? "Rejected by provider '\(provider)'." : upstream.message)
        default:
            return .init(status: 502, type: "upstream_error", code: "upstream_server_error",
                         message: "Provider '\(provider)' failed with HTTP \(status)\(detail)")
        }
    }
}
