import Hummingbird
import NIOConcurrencyHelpers

/// Notices that a client hung up by reading the rest of the request's connection, from the moment the request
/// body was read until the response is written. The mock upstream uses it; the gateway uses the cheaper
/// ``ConnectionHangUps``, which leaves the connection reusable.
///
/// Hummingbird's `consumeWithInboundCloseHandler` watches the connection only within one closure, and may be
/// used once per request; this type runs that closure on a watcher task that lives until ``release()``, and
/// cancels whichever phase of the request is running (``cancelling(_:)``) when the client hangs up. Hummingbird
/// closes a connection watched this way after the response.
final class ClientHangUp: Sendable {
    private let signal = HangUpSignal()
    private let releaseSignal: AsyncStream<Void>.Continuation
    private let watcher: NIOLockedValueBox<Task<Void, Never>?> = .init(nil)

    /// Starts watching `request`'s connection. The request body must already be collected.
    init(watching request: Request) {
        let (released, releaseSignal) = AsyncStream<Void>.makeStream()
        self.releaseSignal = releaseSignal
        let signal = signal
        let task = Task {
            _ = try? await request.body.consumeWithInboundCloseHandler { _ in
                for await _ in released {}
            } onInboundClosed: {
                signal.fire()
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
    func cancelling<T>(_ operation: () async throws -> T) async throws -> T {
        try await signal.cancelling(operation)
    }
}
