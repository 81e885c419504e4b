import HTTPTypes
import Hummingbird
import OTel
import SwitchboardCore
import Tracing

/// Opens the server span of every API request, as the child of the client's W3C `traceparent` when it sent
/// one, and makes it the current span for everything the request does (authentication, admission, upstream
/// attempts, the usage record). The span ends when the response body is written, so a stream's span lasts
/// as long as the stream. Health, readiness and metrics scrapes are not traced. Does nothing when tracing
/// is off.
struct RequestTracingMiddleware<Context: RequestContext>: RouterMiddleware {
    let tracer: GatewayTracer
    static var untracedPaths: Set<String> { ["/health", "/ready", "/metrics"] }

    @concurrent func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        try await respond(to: request, context: context) { try await next($0, $1) }
    }

    /// ``handle(_:context:next:)`` in the caller's isolation (see ``GatewayRoutes``).
    func respond(to request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard tracer.isOn, !Self.untracedPaths.contains(request.uri.path) else { return try await next(request, context) }
        let parent = tracer.extract(request.headers, using: HTTPFieldsExtractor())
        let method = request.method.rawValue
        guard let span = tracer.startSpan(method, kind: .server, parent: parent) else { return try await next(request, context) }
        span.updateAttributes { attributes in
            attributes["http.request.method"] = method
            attributes["url.path"] = request.uri.path
            attributes["url.scheme"] = "http"
        }
        var context = context
        if let traceID = span.context.otelTraceID { context.logger[metadataKey: "trace_id"] = .string(traceID) }
        do {
            var response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
            describe(span, context: context, status: Int(response.status.code), requestID: response.headers.value(of: RequestID.header))
            response.body = response.body.ending(span)
            return response
        } catch {
            // Errors normally become responses inside; this is the framework's own (a route that was not found).
            describe(span, context: context, status: (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500, requestID: nil)
            span.recordError(error)
            span.end()
            throw error
        }
    }

    private func describe(_ span: any Span, context: Context, status: Int, requestID: String?) {
        let route = context.endpointPath
        if let route { span.operationName = "\(span.operationName) \(route)" }
        span.updateAttributes { attributes in
            attributes["http.route"] = route
            attributes["http.response.status_code"] = status
            attributes["switchboard.request_id"] = requestID
        }
        if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
    }
}

extension ResponseBody {
    /// The same body, ending `span` once it has been written (or failed to be).
    func ending(_ span: any Span) -> ResponseBody {
        ResponseBody(contentLength: contentLength) { writer in
            defer { span.end() }
            try await self.write(writer)
        }
    }
}

/// Reads propagation fields from request headers.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from headers: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { headers.value(of: $0) }
    }
}
