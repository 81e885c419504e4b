import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
@testable import SwitchboardServer
import Testing

@Suite struct GatewayRoutesTests {
    static func request(_ method: HTTPRequest.Method, _ path: String) -> Request {
        Request(head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path), body: RequestBody(buffer: ByteBuffer()))
    }

    static var routes: GatewayRoutes {
        var routes = GatewayRoutes()
        routes.add(.post, "/v1/chat/completions") { _, _ in Response(status: .ok) }
        routes.add(.get, "/v1/models") { _, _ in Response(status: .ok) }
        return routes
    }

    @Test(arguments: [
        (HTTPRequest.Method.post, "/v1/chat/completions", "/v1/chat/completions"),
        (.post, "/v1/chat/completions/", "/v1/chat/completions"),
        (.post, "/v1/chat/completions?trace=1", "/v1/chat/completions"),
        (.get, "/v1/models", "/v1/models"),
    ])
    func theAPIsRoutesAreFound(method: HTTPRequest.Method, path: String, route: String) {
        #expect(Self.routes.route(for: Self.request(method, path))?.path == route)
    }

    /// Anything else is the router's: its 404s, and the other routes.
    @Test(arguments: [
        (HTTPRequest.Method.get, "/v1/chat/completions"),
        (.post, "/v1/models"),
        (.post, "/v1/chat/completionsx"),
        (.post, "/v1/chat"),
        (.get, "/health"),
        (.get, "/"),
    ])
    func otherRequestsAreLeftToTheRouter(method: HTTPRequest.Method, path: String) {
        #expect(Self.routes.route(for: Self.request(method, path)) == nil)
    }

    /// A task isolated to a connection's loop stays on that loop across the gateway's own async calls, which is what
    /// spares a request the executor hops (a default actor would run it on the cooperative pool).
    @Test func aTaskIsolatedToTheLoopRunsOnTheLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let isolation = EventLoopIsolation(loop: loop)
        func suspendAndTell(_ loop: any EventLoop) async -> Bool {
            await Task.yield()
            return loop.inEventLoop
        }
        func whereItRuns(isolation: isolated EventLoopIsolation) async -> [Bool] {
            let first = isolation.loop.inEventLoop
            let afterSuspending = await suspendAndTell(isolation.loop)
            return [first, afterSuspending, isolation.loop.inEventLoop]
        }
        let onLoop = await whereItRuns(isolation: isolation)
        #expect(onLoop == [true, true, true])
        try await group.shutdownGracefully()
    }
}
