import Logging
import SwitchboardCore

/// The fields of the `request completed` line, one per request: as swift-log metadata, and written straight
/// into a JSON line for a ``StructuredLogHandler`` (the gateway's own), which skips building, merging and sorting
/// a twenty-entry dictionary per request. Both give the same line; a test holds them to it.
enum CompletionLogLine {
    static let message = "request completed"

    /// The line's fields as metadata (for any log handler). Prompt and completion text are not among them.
    static func metadata(of record: UsageRecord, traceID: String?) -> Logger.Metadata {
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
        fields["trace_id"] = traceID.map { .string($0) }
        return fields
    }

    /// The same fields written as JSON members, in name order as ``StructuredLogHandler`` sorts them. They are all
    /// the gateway's own fields, which the handler's redaction passes unchanged.
    static func write(_ record: UsageRecord, traceID: String?, into line: inout JSONLineWriter) {
        line.member("attempts", record.attempts)
        line.member("cache_hit", false)
        line.member("cached_tokens", record.cachedTokens)
        line.member("client_disconnected", record.clientDisconnected)
        line.member("completion_tokens", record.completionTokens)
        line.member("cost_usd", record.cost.dollars)
        if let errorType = record.errorType { line.member("error_type", errorType) }
        line.member("event", "request_completed")
        if let keyID = record.keyID { line.member("key_id", keyID) }
        line.member("latency_ms", record.latencyMilliseconds)
        line.member("model", record.publicModel)
        line.member("prompt_tokens", record.promptTokens)
        if let provider = record.provider { line.member("provider", provider) }
        line.member("request_id", record.requestID)
        line.member("status", record.status)
        line.member("streamed", record.streamed)
        if let tenant = record.tenant { line.member("tenant", tenant) }
        line.member("tokens_estimated", record.estimated)
        if let traceID { line.member("trace_id", traceID) }
        if let ttfb = record.timeToFirstByteMilliseconds { line.member("ttfb_ms", ttfb) }
        if let upstreamModel = record.upstreamModel { line.member("upstream_model", upstreamModel) }
    }
}
