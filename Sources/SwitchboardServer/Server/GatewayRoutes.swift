import HTTPTypes
import Hummingbird

/// The API's routes (`/v1`), served ahead of Hummingbird's router by plain calls through their middleware.
///
/// Hummingbird's router and middleware chain are `@concurrent`: each layer drops the request task's isolation
/// (``EventLoopIsolation``), so that everything below it hops executors at every call, and NIO's executor hook
/// sends each hop through the event loop's task queue. A route here keeps its task on the connection's loop from
/// the driver to the upstream exchange. The middleware are the router's own types, called through their
/// `respond(to:context:next:)`. Any other path, and any other method on these paths, goes to the router.
struct GatewayRoutes: Sendable {
    typealias Context = GatewayRequestContext
    /// A route's handler, or its whole chain.
    typealias Responder = nonisolated(nonsending) @Sendable (Request, Context) async throws -> Response
    /// The middleware around every route, given the route to call inside them.
    typealias Layers = nonisolated(nonsending) @Sendable (Request, Context, Responder) async throws -> Response

    /// A route: its path, as the router would report it (`context.endpointPath`), and its chain.
    struct Route: Sendable {
        let path: String
        let respond: Responder
    }

    private let layers: Layers
    private var routes: [Key: Route] = [:]

    /// No routes; the router serves everything.
    init() {
        self.layers = { request, context, route in try await route(request, context) }
    }

    /// Routes inside `layers`.
    init(layers: @escaping Layers) {
        self.layers = layers
    }

    /// Adds the route for `method` and `path` (absolute, without a trailing slash).
    mutating func add(_ method: HTTPRequest.Method, _ path: String, respond: @escaping Responder) {
        let layers = layers
        routes[Key(method: method, path: path)] = Route(path: path) { request, context in
            try await layers(request, context, respond)
        }
    }

    /// The route `request` asks for, if it is one of these; a trailing slash is ignored, as the router does.
    func route(for request: Request) -> Route? {
        guard !routes.isEmpty else { return nil }
        let path = request.uri.path
        // The usual path is looked up as it is; only one with a trailing slash is copied without it.
        guard path.utf8.count > 1, path.utf8.last == UInt8(ascii: "/") else { return routes[Key(method: request.method, path: path)] }
        return routes[Key(method: request.method, path: String(path.dropLast()))]
    }

    private struct Key: Hashable, Sendable {
        let method: HTTPRequest.Method
        let path: String
    }
}
