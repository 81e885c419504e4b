import NIOConcurrencyHelpers
import NIOCore

/// Fires once when a client hangs up, cancelling every request phase registered with it (through each phase's
/// ``TaskWatchdog``) at that moment or, registered later, at once.
final class HangUpSignal: Sendable {
    private struct State {
        var hungUp = false
        var watchdogs: [Int: TaskWatchdog] = [:]
        var nextID = 0
    }

    private let state = NIOLockedValueBox(State())

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

    /// The client hung up.
    func fire() {
        let watchdogs = state.withLockedValue { state in
            state.hungUp = true
            return state.watchdogs
        }
        for watchdog in watchdogs.values { watchdog.fire() }
    }

    private func register(_ watchdog: TaskWatchdog) -> Int {
        let (id, hungUp) = state.withLockedValue { state in
            defer { state.nextID += 1 }
            state.watchdogs[state.nextID] = watchdog
            return (state.nextID, state.hungUp)
        }
        if hungUp { watchdog.fire() }
        return id
    }

    private func unregister(_ id: Int) {
        _ = state.withLockedValue { $0.watchdogs.removeValue(forKey: id) }
    }
}

extension Optional where Wrapped == HangUpSignal {
    /// Runs `operation` cancelled by the hang-up signal when there is one (a live connection), as it is otherwise.
    func cancelling<T>(_ operation: () async throws -> T) async throws -> T {
        guard let signal = self else { return try await operation() }
        return try await signal.cancelling(operation)
    }
}

/// The hang-up signal of every open client connection, fed by ``HangUpSignalHandler`` in each connection's
/// pipeline. A request is cancelled when its client's side of the connection closes, without reading from
/// the connection itself, so the connection stays reusable (keep-alive) after the response.
final class ConnectionHangUps: Sendable {
    private let signals = NIOLockedValueBox<[ObjectIdentifier: HangUpSignal]>([:])

    init() {}

    /// The signal of `channel`'s client, while the connection is open.
    func signal(for channel: any Channel) -> HangUpSignal? {
        signals.withLockedValue { $0[ObjectIdentifier(channel)] }
    }

    /// A handler for one new connection's pipeline.
    func handler() -> any RemovableChannelHandler {
        HangUpSignalHandler(connections: self)
    }

    fileprivate func open(_ channel: any Channel) -> HangUpSignal {
        let signal = HangUpSignal()
        signals.withLockedValue { $0[ObjectIdentifier(channel)] = signal }
        return signal
    }

    fileprivate func close(_ channel: any Channel) {
        _ = signals.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }
}

/// Watches one client connection for the client's side closing (the server allows half-closure, so that
/// arrives as `inputClosed`) or the connection going away, and fires its ``HangUpSignal``.
final class HangUpSignalHandler: ChannelInboundHandler, RemovableChannelHandler {
    /// Reads pass through untouched.
    typealias InboundIn = NIOAny

    private let connections: ConnectionHangUps
    private var signal: HangUpSignal?

    init(connections: ConnectionHangUps) {
        self.connections = connections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        signal = connections.open(context.channel)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        connections.close(context.channel)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { signal?.fire() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        signal?.fire()
        connections.close(context.channel)
        context.fireChannelInactive()
    }
}
