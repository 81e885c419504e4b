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
    /// The gateway's JSON handler behind `logger`, when the completion line can be written into it directly.
    private let directHandler: StructuredLogHandler?

    init(logger: Logger, metrics: GatewayMetrics, logPrompts: Bool) {
        self.logger = logger
        self.metrics = metrics
        self.logPrompts = logPrompts
        let handler = logger.handler as? StructuredLogHandler
        self.directHandler = handler?.writesPlainJSONLines == true && !logPrompts ? handler : nil
    }

    var logsPrompts: Bool { logPrompts }

    func requestFinished(_ record: UsageRecord, request: ChatCompletionRequest?, completionBody: ByteBuffer?) {
        metrics.requestFinished(record)
        let level: Logger.Level = record.status >= 500 ? .error : .info
        // The line is built only when it will be written.
        guard logger.logLevel <= level else { return }
        // Settled inside the request's trace (the `usage.record` or `admission` span), so the ids agree.
        let traceID = ServiceContext.current?.otelTraceID
        if let directHandler {
            return directHandler.writeJSONLine(level: level, message: CompletionLogLine.message) { line in
                CompletionLogLine.write(record, traceID: traceID, into: &line)
            }
        }
        var fields = CompletionLogLine.metadata(of: record, traceID: traceID)
        if logPrompts {
            fields["prompt"] = request.map { .string(PIIRedaction.redact(Self.promptText($0))) }
            fields["completion"] = completionBody.flatMap(Self.completionText).map { .string(PIIRedaction.redact($0)) }
        }
        logger.log(level: level, "\(CompletionLogLine.message)", metadata: fields)
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
