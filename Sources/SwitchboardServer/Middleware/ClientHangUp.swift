import Hummingbird
import NIOConcurrencyHelpers

/// Notices that a client hung up, from the moment the request body was read until the response is
/// written, across both the handler (waiting for the upstream's first byte) and the streamed response body.
///
/// Hummingbird's `consumeWithInboundCloseHandler` watches the connection only within one closure, and may be
/// used once per request; this type runs that closure on a watcher task that lives until ``release()``, and
/// lets any phase of the request race its work against the hang-up.
final class ClientHangUp: Sendable {
    private struct State {
        var hungUp = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
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

    /// Runs `operation`, cancelling it and throwing `CancellationError` if the client hangs up first.
    func cancelling<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                await self.waitForHangUp()
                return nil
            }
            defer { group.cancelAll() }
            guard case .some(.some(let value)) = try await group.next() else { throw CancellationError() }
            return value
        }
    }

    private func fire() {
        let waiters = state.withLockedValue { state in
            state.hungUp = true
            defer { state.waiters = [:] }
            return state.waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    /// Returns when the client hangs up or the calling task is cancelled.
    func waitForHangUp() async {
        let id = state.withLockedValue { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLockedValue { state in
                    if state.hungUp || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
