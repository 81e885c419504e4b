import Hummingbird

/// Runs each request's routing and handling in a child task of the connection's task, so the connection keeps
/// only a small task stack while its response streams or it waits idle for the next request.
///
/// Swift's task allocator never gives back the slabs a task grew into until the task ends, and Hummingbird runs
/// every request of a connection in that connection's one task. Handling a chat request (the middleware chain,
/// authentication, decoding, admission, the first upstream read) peaks at about 50 KB of async frames, which a
/// held stream or an idle keep-alive connection would otherwise keep for its whole life. The child task (an
/// `async let`: same executor, task-locals and cancellation) frees them as soon as the response is built; the
/// response body is written afterwards in the connection's task, with only the relay's frames on top.
struct RequestTaskResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context: Sendable {
    typealias Context = Inner.Context
    let inner: Inner

    @Sendable func respond(to request: Request, context: Context) async throws -> Response {
        async let response = inner.respond(to: request, context: context)
        return try await response
    }
}
