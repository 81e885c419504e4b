import NIOCore

/// The handler of one listening socket's channel: it sees every accepted connection before the bootstrap sets it
/// up, counts it against the ``ConnectionGate``, keeps it until it closes, and at shutdown asks each to quiesce
/// (or closes each, when the grace period is over).
///
/// Holding back the listener's read is how the limit works: the kernel keeps further connections in the listen
/// queue until a place frees. Made on any thread, then used only on `loop` (the methods that may be called from
/// elsewhere hop there), hence the unchecked sendability.
final class ListenerConnections: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never

    let loop: any EventLoop
    private let gate: ConnectionGate
    private var context: ChannelHandlerContext?
    private var connections: [ObjectIdentifier: any Channel] = [:]
    /// The listener wanted to accept while the gate was closed.
    private var readHeld = false
    private var shuttingDown = false
    private var listenerClosed = false
    private var isDrained = false
    private let drainedPromise: EventLoopPromise<Void>

    init(loop: any EventLoop, gate: ConnectionGate) {
        self.loop = loop
        self.gate = gate
        self.drainedPromise = loop.makePromise()
    }

    /// Succeeds once the listening socket has closed and every connection it accepted has closed too.
    var drained: EventLoopFuture<Void> { drainedPromise.futureResult }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let connection = unwrapInboundIn(data)
        guard !shuttingDown else {
            connection.close(promise: nil)
            return
        }
        let id = ObjectIdentifier(connection)
        connections[id] = connection
        gate.connectionOpened()
        // The connection runs on this loop where the platform allows (see GatewayListener), and then `hop` is free.
        connection.closeFuture.hop(to: loop).assumeIsolated().whenComplete { [self] _ in
            connections.removeValue(forKey: id)
            gate.connectionClosed()
            settleIfDrained()
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        guard gate.admits() else {
            if !readHeld {
                readHeld = true
                gate.park { [self] in loop.execute { self.resumeAccepting() } }
            }
            return
        }
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        listenerClosed = true
        settleIfDrained()
        context.fireChannelInactive()
    }

    /// Stops accepting and asks every open connection to close once its response in flight ended.
    func quiesce() {
        loop.execute { [self] in
            shuttingDown = true
            context?.close(promise: nil)
            for connection in connections.values {
                connection.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
            settleIfDrained()
        }
    }

    /// Stops accepting and closes every open connection now.
    func closeAll() {
        loop.execute { [self] in
            shuttingDown = true
            context?.close(promise: nil)
            for connection in connections.values {
                connection.close(promise: nil)
            }
        }
    }

    private func resumeAccepting() {
        guard readHeld, let context else { return }
        readHeld = false
        read(context: context)
    }

    private func settleIfDrained() {
        if listenerClosed, connections.isEmpty, !isDrained {
            isDrained = true
            drainedPromise.succeed()
        }
    }
}
