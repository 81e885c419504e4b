import Hummingbird
import NIOConcurrencyHelpers

/// Notices that a client hung up, from the moment the request body was read until the response is
/// written, across both the handler (waiting for the upstream's first byte) and the streamed response body.
///
/// Hummingbird's `consumeWithInboundCloseHandler` watches the connection only within one closure, and may be
/// used once per request; this type runs that closure on a watcher task that lives until ``release()``, and
/// cancels whichever phase of the request is running (``cancelling(_:)``) when the client hangs up.
final class ClientHangUp: Sendable {
    private struct State {
        var hungUp = false
        var watchdogs: [Int: TaskWatchdog] = [:]
        var nextID = 0
    }

    private let state = NIOLockedValueBox(State())
    private let releaseSignal: AsyncStream<Void>.Continuation
    private let watcher: NIOLockedValueBox<Task<Void, Never>?> = .init(nil)

    /// Starts watching `request`'s connection. The request body must already be collected.
    init(watching request: Request) {
        let (released, releaseSignal) = AsyncStream<Void>.makeStream()
        self.releaseSignal = releaseSignal
        let task = Task { [self] in
            _ = try? await request.body.consumeWithInboundCloseHandler { _ in
                for await _ in released {}
            } onInboundClosed: { [self] in
                fire()
            }
        }
        watcher.withLockedValue { $0 = task }
    }

    /// Stops watching and waits until the watcher let go of the connection, so that the server can read
    /// from it again. Call once the response is complete (or failed), before returning to the server.
    func release() async {
        releaseSignal.finish()
        await watcher.withLockedValue { $0 }?.value
    }

    /// Runs `operation` in the calling task, cancelling the task and throwing `CancellationError` if the client
    /// hangs up first. No task is started for it: the hang-up cancels the caller directly, which suits work
    /// whose only audience is the client.
    func cancelling<T>(_ operation: () async throws -> T) async throws -> T {
        let watchdog = TaskWatchdog()
        let id = register(watchdog)
        defer { unregister(id) }
        let value: T
        do {
            value = try await operation()
        } catch {
            throw watchdog.disarm() ? CancellationError() : error
        }
        if watchdog.disarm() { throw CancellationError() }
        return value
    }

    /// Fires `watchdog` when the client hangs up (at once if it already has), until ``unregister(_:)``.
    func register(_ watchdog: TaskWatchdog) -> Int {
        let (id, hungUp) = state.withLockedValue { state in
            defer { state.nextID += 1 }
            state.watchdogs[state.nextID] = watchdog
            return (state.nextID, state.hungUp)
        }
        if hungUp { watchdog.fire() }
        return id
    }

    func unregister(_ id: Int) {
        _ = state.withLockedValue { $0.watchdogs.removeValue(forKey: id) }
    }

    private func fire() {
        let watchdogs = state.withLockedValue { state in
            state.hungUp = true
            return state.watchdogs
        }
        for watchdog in watchdogs.values { watchdog.fire() }
    }
}
