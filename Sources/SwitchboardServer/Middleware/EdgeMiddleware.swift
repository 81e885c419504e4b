import HTTPTypes
import Hummingbird

/// The outer layer of every route: the request id (``RequestID``), the cross-origin policy and security headers
/// (``SecurityHeaders``), and any error turned into an OpenAI-shaped answer (``ErrorAnswers``).
///
/// One middleware rather than three: every layer of Hummingbird's middleware chain adds about 1.2 KB of async
/// frames, which a request keeps for as long as it waits on its upstream, and a few task switches.
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let securityHeaders: SecurityHeaders
    let requestIDs: RequestIDGenerator

    @concurrent func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        try await respond(to: request, context: context) { try await next($0, $1) }
    }

    /// ``handle(_:context:next:)`` in the caller's isolation (see ``GatewayRoutes``).
    func respond(to request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let requestID = RequestID.of(request, generator: requestIDs)
        context.requestID = requestID
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let origin = request.headers.value(of: .origin)
        var response: Response
        if let early = try securityHeaders.earlyAnswer(to: request, origin: origin, context: context) {
            response = early
        } else {
            do {
                response = try await next(request, context)
            } catch {
                response = try ErrorAnswers.answer(error, to: request, context: context)
            }
        }
        securityHeaders.apply(to: &response, origin: origin)
        response.headers.appendNew(HTTPField(name: RequestID.header, value: requestID))
        return response
    }
}
