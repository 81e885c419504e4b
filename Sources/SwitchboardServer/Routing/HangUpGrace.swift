import Hummingbird

/// Runs a non-streamed request's upstream work so that a client hang-up cancels it, without giving up
/// keep-alive for fast answers: the connection is watched only once the work outlasts a short grace period
/// (watching a connection makes the server close it after the response).
enum HangUpGrace {
    private enum Step<T: Sendable>: Sendable {
        case finished(T)
        case graceOver
        case hungUp
    }

    /// Runs `operation`; when it takes longer than `grace`, watches `request`'s connection and cancels the
    /// operation (throwing `CancellationError`) as soon as the client hangs up. The body must be collected.
    /// - Returns: the outcome, and whether the connection was watched (the server then closes it after the
    ///   response, so the response should say `Connection: close`).
    static func run<T: Sendable>(
        _ request: Request, grace: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async -> (result: Result<T, any Error>, watched: Bool) {
        var watcher: ClientHangUp?
        do {
            let value = try await withThrowingTaskGroup(of: Step<T>.self) { group in
                group.addTask { .finished(try await operation()) }
                group.addTask {
                    try await Task.sleep(for: grace)
                    return .graceOver
                }
                defer { group.cancelAll() }
                while let step = try await group.next() {
                    switch step {
                    case .finished(let value):
                        return value
                    case .graceOver:
                        let hangUp = ClientHangUp(watching: request)
                        watcher = hangUp
                        group.addTask {
                            await hangUp.waitForHangUp()
                            return .hungUp
                        }
                    case .hungUp:
                        throw CancellationError()
                    }
                }
                throw CancellationError()
            }
            await watcher?.release()
            return (.success(value), watcher != nil)
        } catch {
            await watcher?.release()
            return (.failure(error), watcher != nil)
        }
    }

    /// The error response for a request whose connection was watched: the server closes that connection
    /// after the response, so it says `Connection: close` and no client sends another request on it.
    static func closingResponse(for error: any Error, request: Request, context: GatewayRequestContext) throws -> Response {
        let gatewayError = OpenAIErrorMiddleware.map(error)
        if gatewayError.statusCode >= 500 {
            context.logger.error("request failed", metadata: [
                "error": "\(String(reflecting: type(of: error)))", "status": "\(gatewayError.statusCode)",
            ])
        }
        var response = try gatewayError.response(from: request, context: context)
        response.headers[.connection] = "close"
        return response
    }
}
