import Tracing

/// Where the gateway's spans go: a tracer (OpenTelemetry in production) when tracing is on. When it is off
/// (``off``) no span, context or header is made, so the request path pays nothing for it.
///
/// The tracer is passed in rather than read from `InstrumentationSystem`, so that one process can run
/// several gateways (as the tests do) and nothing global has to be bootstrapped.
public struct GatewayTracer: Sendable {
    private let tracer: (any Tracer)?

    public init(_ tracer: (any Tracer)?) {
        self.tracer = tracer
    }

    /// No tracing.
    public static let off = GatewayTracer(nil)

    /// Whether spans are recorded.
    public var isOn: Bool { tracer != nil }

    /// Starts a span under `parent` (the task's current span when nil); nil when tracing is off. The caller ends it.
    public func startSpan(_ name: String, kind: SpanKind = .internal, parent: ServiceContext? = nil) -> (any Span)? {
        guard let tracer else { return nil }
        return tracer.startSpan(name, context: parent ?? ServiceContext.current ?? .topLevel, ofKind: kind)
    }

    /// Runs `operation` in a span that is the current one while it runs; an error it throws marks the span.
    public func withSpan<T>(
        _ name: String, kind: SpanKind = .internal, parent: ServiceContext? = nil, isolation: isolated (any Actor)? = #isolation,
        _ operation: (_ span: (any Span)?) async throws -> T
    ) async rethrows -> T {
        guard let span = startSpan(name, kind: kind, parent: parent) else { return try await operation(nil) }
        defer { span.end() }
        do {
            return try await ServiceContext.$current.withValue(span.context) { try await operation(span) }
        } catch {
            span.markFailed(error)
            throw error
        }
    }

    /// The trace context a carrier (the client's headers) brings in: W3C `traceparent` and `tracestate`.
    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, using extractor: Extract) -> ServiceContext
    where Extract.Carrier == Carrier {
        var context = ServiceContext.topLevel
        tracer?.extract(carrier, into: &context, using: extractor)
        return context
    }

    /// Headers that carry `context` (the current span's when nil) to an upstream; empty when tracing is off.
    public func propagationHeaders(for context: ServiceContext? = nil) -> [(String, String)] {
        guard let tracer, let context = context ?? ServiceContext.current else { return [] }
        var headers: [(String, String)] = []
        tracer.inject(context, into: &headers, using: HeaderListInjector())
        return headers
    }
}

extension Span {
    /// Marks the span as failed with `error`.
    public func markFailed(_ error: any Error) {
        recordError(error)
        setStatus(SpanStatus(code: .error))
    }
}

/// Writes propagation fields into a plain header list.
struct HeaderListInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [(String, String)]) {
        carrier.append((key, value))
    }
}
