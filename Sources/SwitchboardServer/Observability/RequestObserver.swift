import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import OTel
import SwitchboardCore
import Tracing

/// Told about each chat request as it is settled, and about refusals at admission: the one place where
/// the completion log line and the per-request metrics come from.
protocol RequestObserver: Sendable {
    /// Whether ``requestFinished(_:request:completionBody:)`` wants the typed request (for prompt logging). A
    /// meter lives as long as its stream; without this it keeps only the request's model and a token estimate.
    var logsPrompts: Bool { get }
    /// The request's one usage record has been written. `request` (when ``logsPrompts``) and the non-streamed
    /// `completionBody` are for prompt logging.
    func requestFinished(_ record: UsageRecord, request: ChatCompletionRequest?, completionBody: ByteBuffer?)
    /// Admission refused the request (rate limit, budget, model).
    func admissionRefused(_ refusal: AdmissionRefusal)
}

/// Ignores everything.
struct NoRequestObserver: RequestObserver {
    var logsPrompts: Bool { false }
    func requestFinished(_ record: UsageRecord, request: ChatCompletionRequest?, completionBody: ByteBuffer?) {}
    func admissionRefused(_ refusal: AdmissionRefusal) {}
}

/// Writes one `request completed` log line per request and updates the metrics.
///
/// The line's fields: `request_id`, `tenant`, `key_id`, `model`, `provider`, `upstream_model`, `status`,
/// `error_type`, `latency_ms`, `ttfb_ms`, `prompt_tokens`, `completion_tokens`, `cached_tokens`, `cost_usd`,
/// `cache_hit`, `attempts`, `streamed`, `client_disconnected`; `trace_id` when the request is traced; and
/// `prompt` / `completion`, redacted of personal data, only when prompt logging is enabled.
struct GatewayRequestObserver: RequestObserver {
    let logger: Logger
    let metrics: GatewayMetrics
    let logPrompts: Bool

    var logsPrompts: Bool { logPrompts }

    func requestFinished(_ record: UsageRecord, request: ChatCompletionRequest?, completionBody: ByteBuffer?) {
        metrics.requestFinished(record)
        let level: Logger.Level = record.status >= 500 ? .error : .info
        // The metadata is built only for a line that will be written.
        guard logger.logLevel <= level else { return }
        var fields: Logger.Metadata = [
            "event": "request_completed",
            "request_id": .string(record.requestID),
            "model": .string(record.publicModel),
            "status": .stringConvertible(record.status),
            "latency_ms": .stringConvertible(record.latencyMilliseconds),
            "prompt_tokens": .stringConvertible(record.promptTokens),
            "completion_tokens": .stringConvertible(record.completionTokens),
            "cached_tokens": .stringConvertible(record.cachedTokens),
            "cost_usd": .stringConvertible(record.cost.dollars),
            "cache_hit": .stringConvertible(false),
            "attempts": .stringConvertible(record.attempts),
            "streamed": .stringConvertible(record.streamed),
            "client_disconnected": .stringConvertible(record.clientDisconnected),
            "tokens_estimated": .stringConvertible(record.estimated),
        ]
        fields["tenant"] = record.tenant.map { .string($0) }
        fields["key_id"] = record.keyID.map { .string($0) }
        fields["provider"] = record.provider.map { .string($0) }
        fields["upstream_model"] = record.upstreamModel.map { .string($0) }
        fields["error_type"] = record.errorType.map { .string($0) }
        fields["ttfb_ms"] = record.timeToFirstByteMilliseconds.map { .stringConvertible($0) }
        // Settled inside the request's trace (the `usage.record` or `admission` span), so the ids agree.
        fields["trace_id"] = ServiceContext.current?.otelTraceID.map { .string($0) }
        if logPrompts {
            fields["prompt"] = request.map { .string(PIIRedaction.redact(Self.promptText($0))) }
            fields["completion"] = completionBody.flatMap(Self.completionText).map { .string(PIIRedaction.redact($0)) }
        }
        logger.log(level: level, "request completed", metadata: fields)
    }

    func admissionRefused(_ refusal: AdmissionRefusal) { metrics.admissionRefused(refusal) }

    /// The content of the first choice of an OpenAI `chat.completion` body.
    static func completionText(_ body: ByteBuffer) -> String? {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body)) else { return nil }
        return json["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
    }

    /// The text of every message, one per line, prefixed by its role.
    static func promptText(_ request: ChatCompletionRequest) -> String {
        request.messages.map { message in
            let text: String = switch message.content {
            case .text(let text): text
            case .parts(let parts): parts.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined(separator: " ")
            case nil: ""
            }
            return "\(message.role.rawValue): \(text)"
        }.joined(separator: "\n")
    }
}
