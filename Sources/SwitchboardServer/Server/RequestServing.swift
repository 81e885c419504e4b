import CConcurrencyHook
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Runs the router for one gathered request and writes its response, in one task per request. The task is
/// isolated to the connection's event loop (``EventLoopIsolation``); the API's routes (``GatewayRoutes``) keep
/// that isolation down to the upstream exchange, other paths go to Hummingbird's router.
///
/// A response whose length is known (every JSON answer) is written in the same task, head, body and end in
/// one flush. A streamed response is written by a task of its own: the router's frames (the middleware chain,
/// authentication, decoding, admission) grew the request task's stack to about 50 KB, which Swift's task
/// allocator keeps until the task ends, and a stream can stay open for minutes.
struct RequestServing: Sendable {
    /// The router (`Router.buildResponder()`).
    let respond: @Sendable (Request, GatewayRequestContext) async throws -> Response
    /// Routes served ahead of the router, in the request task's isolation.
    let routes: GatewayRoutes
    /// The logger each request's context starts from.
    let logger: Logger
    /// The fields every answer carries, written by the connection's codec.
    let stamp: ResponseStamp
    /// Bytes of async frames the request task's allocator holds in one slab from the start
    /// (`switchboard_reserve_task_frames`): 24 `malloc` calls per proxied request became a few, 2% of its
    /// instructions. A stream's task is its own, so holding 10,000 streams does not grow with it.
    static let frameReserve = 16 * 1024

    /// Serves `router`'s routes; every answer carries `Server: serverName` and `everyAnswer`.
    init(
        router: Router<GatewayRequestContext>, routes: GatewayRoutes = GatewayRoutes(), logger: Logger, serverName: String,
        everyAnswer: [HTTPField] = []
    ) {
        let responder = router.buildResponder()
        self.routes = routes
        self.respond = { request, context in try await responder.respond(to: request, context: context) }
        self.logger = logger
        self.stamp = ResponseStamp(serverName: serverName, fields: everyAnswer)
    }

    /// Starts the request's task, isolated to the connection's event loop. `body` is the gathered body, nil when
    /// the upload was refused (the request's own body then fails with the reason).
    func start(_ request: Request, body: ByteBuffer?, channel: any Channel, outlet: ResponseOutlet, isolation: EventLoopIsolation) {
        isolation.assumeIsolated { isolation in
            _ = Task {
                await serve(request, body: body, channel: channel, outlet: outlet, isolation: isolation)
            }
        }
    }

    private func serve(
        _ request: Request, body: ByteBuffer?, channel: any Channel, outlet: ResponseOutlet, isolation: isolated EventLoopIsolation
    ) async {
        switchboard_reserve_task_frames(Self.frameReserve)
        var context = GatewayRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        context.gatheredBody = body
        var response: Response
        do {
            if let route = routes.route(for: request) {
                context.coreContext.endpointPath.value = route.path
                response = try await route.respond(request, context)
            } else {
                response = try await respond(request, context)
            }
        } catch {
            // The edge middleware answers every error of the routes; this is only for one that escapes it.
            logger.debug("unanswered error", metadata: ["error.type": "\(type(of: error))"])
            response = Response(status: .internalServerError)
        }
        let head = response.head
        let body = response.body
        guard body.contentLength == nil else {
            let collector = BodyCollector()
            do {
                try await body.write(collector)
            } catch {
                // A body that fails before its first byte went out: the connection cannot carry its promised length.
                return outlet.close()
            }
            return outlet.write(head: head, body: collector.buffer)
        }
        Task {
            do {
                try await outlet.write(head: head)
                try await body.write(OutletBodyWriter(outlet: outlet))
            } catch {
                // The client is gone, or the body failed half-way: a response cut short cannot be reused.
                outlet.close()
            }
        }
    }
}

/// Gathers a body of known length (a buffer, or nothing) for a single write.
private final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    var buffer: ByteBuffer?

    func write(_ buffer: ByteBuffer) async throws {
        if self.buffer == nil {
            self.buffer = buffer
        } else {
            self.buffer!.writeImmutableBuffer(buffer)
        }
    }

    func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws {
        for buffer in buffers { try await write(buffer) }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
