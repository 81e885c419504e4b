import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// Runs a non-streamed request's upstream work so that a client hang-up cancels it, without giving up
/// keep-alive for fast answers: the connection is watched only once the work outlasts a short grace period
/// (watching a connection makes the server close it after the response).
enum HangUpGrace {
    /// Runs `operation` in the calling task; when it takes longer than `grace`, watches `request`'s connection
    /// and cancels the task (so `operation` throws `CancellationError`) as soon as the client hangs up. The
    /// grace is a timer on `loop`, so a fast answer costs no extra task. The body must be collected.
    /// - Returns: the outcome, and whether the connection was watched (the server then closes it after the
    ///   response, so the response should say `Connection: close`).
    static func run<T: Sendable>(
        _ request: Request, grace: Duration, on loop: (any EventLoop)?, _ operation: () async throws -> T
    ) async -> (result: Result<T, any Error>, watched: Bool) {
        let watchdog = TaskWatchdog()
        let watch = HangUpWatch()
        let timer = loop?.scheduleTask(in: TimeAmount(grace)) { watch.start(request, cancelling: watchdog) }
        let result: Result<T, any Error>
        do {
            result = .success(try await operation())
        } catch {
            result = .failure(error)
        }
        timer?.cancel()
        watchdog.disarm()
        let watched = await watch.stop()
        return (result, watched)
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

/// The hang-up watch a slow request starts after its grace period: a watcher whose hang-up fires the
/// request's watchdog. Started at most once, and never after the request stopped it.
private final class HangUpWatch: Sendable {
    private enum State {
        case idle
        case watching(ClientHangUp)
        case stopped
    }

    private let state = NIOLockedValueBox(State.idle)

    func start(_ request: Request, cancelling watchdog: TaskWatchdog) {
        state.withLockedValue { state in
            guard case .idle = state else { return }
            let hangUp = ClientHangUp(watching: request)
            _ = hangUp.register(watchdog)
            state = .watching(hangUp)
        }
    }

    /// Stops watching and lets go of the connection. Returns whether it was watched.
    func stop() async -> Bool {
        let previous = state.withLockedValue { state in
            defer { state = .stopped }
            return state
        }
        guard case .watching(let hangUp) = previous else { return false }
        await hangUp.release()
        return true
    }
}
