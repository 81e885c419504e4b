import HTTPTypes
import Hummingbird
import NIOCore

/// Counts requests in flight (`switchboard_active_requests`) and streamed responses being relayed
/// (`switchboard_active_streams`) until the body is finished. The gauges drop just before the end of the
/// response is sent, so a client that has read a whole response never sees itself still counted.
///
/// A body of known length (every JSON answer) is already made when the route returns, so the count drops then,
/// before any of it is sent. Wrapping it, as a stream's body is wrapped, cost four executor hops per request:
/// Hummingbird's `ResponseBody.write` and the wrapping writer run on the global executor.
struct InFlightMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: GatewayMetrics

    @concurrent func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        try await respond(to: request, context: context) { try await next($0, $1) }
    }

    /// ``handle(_:context:next:)`` in the caller's isolation (see ``GatewayRoutes``).
    func respond(to request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        metrics.activeRequests.increment()
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            metrics.activeRequests.decrement()
            throw error
        }
        let streamed = response.headers.value(of: .contentType)?.hasPrefix("text/event-stream") == true
        guard streamed || response.body.contentLength == nil else {
            metrics.activeRequests.decrement()
            return response
        }
        if streamed { metrics.activeStreams.increment() }
        let done = InFlightRelease(metrics: metrics, streamed: streamed)
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            // Covers a writer that fails or is cancelled before it finishes.
            defer { done.release() }
            try await body.write(ReleasingWriter(parent: writer, done: done))
        }
        return response
    }
}

/// Decrements the gauges exactly once.
final class InFlightRelease: Sendable {
    let metrics: GatewayMetrics
    let streamed: Bool
    private let released = SettledFlag()

    init(metrics: GatewayMetrics, streamed: Bool) {
        self.metrics = metrics
        self.streamed = streamed
    }

    func release() {
        guard released.claim() else { return }
        metrics.activeRequests.decrement()
        if streamed { metrics.activeStreams.decrement() }
    }
}

/// Passes writes through; releases the in-flight count just before finishing the body.
struct ReleasingWriter: FinishingBodyWriter {
    var parent: any ResponseBodyWriter
    let done: InFlightRelease

    @concurrent mutating func write(_ buffer: ByteBuffer) async throws { try await parent.write(buffer) }

    @concurrent consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        done.release()
        try await parent.finish(trailingHeaders)
    }

    /// The last write and the end in one go when the parent can (the connection's writer), so that wrapping it
    /// costs no second flush.
    @concurrent func finish(after last: ByteBuffer) async throws {
        done.release()
        // The connection's writer, the usual parent, by its type first: a cast to a protocol looks the
        // conformance up, about 2k instructions, once per stream.
        if let parent = parent as? OutletBodyWriter { return try await parent.finish(after: last) }
        if let parent = parent as? any FinishingBodyWriter { return try await parent.finish(after: last) }
        var parent = parent
        try await parent.write(last)
        try await parent.finish(nil)
    }
}
