import NIOCore

/// The handler of one listening socket's channel: it sees every accepted connection before the bootstrap sets it
/// up, admits it against the ``ConnectionGate``, keeps it until it closes, and at shutdown asks each to quiesce
/// (or closes each, when the grace period is over).
///
/// At the limit, the listener stops accepting, so that further connections wait in the kernel's listen queue
/// until a place frees. A listener accepts in batches, and one that asked to accept before the limit was reached
/// (every listener idles that way) can still take a few connections past it: those wait here, accepted but not
/// set up or read from, and are admitted first when places free. Made on any thread, then used only on `loop`
/// (the methods that may be called from elsewhere hop there), hence the unchecked sendability.
final class ListenerConnections: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never

    let loop: any EventLoop
    private let gate: ConnectionGate
    private var context: ChannelHandlerContext?
    private var connections: [ObjectIdentifier: any Channel] = [:]
    /// Accepted past the limit, in order; not yet handed to the bootstrap.
    private var waiting = CircularBuffer<any Channel>()
    /// The listener wanted to accept while the gate was closed.
    private var readHeld = false
    /// Waiting for the gate to call back.
    private var parked = false
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
        guard waiting.isEmpty, gate.tryAdmit() else {
            waiting.append(connection)
            return parkUntilAPlaceFrees()
        }
        admit(connection, context: context)
    }

    func read(context: ChannelHandlerContext) {
        guard waiting.isEmpty, gate.admits() else {
            readHeld = true
            return parkUntilAPlaceFrees()
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
            stopAccepting()
            for connection in connections.values {
                connection.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
            settleIfDrained()
        }
    }

    /// Stops accepting and closes every open connection now.
    func closeAll() {
        loop.execute { [self] in
            stopAccepting()
            for connection in connections.values {
                connection.close(promise: nil)
            }
        }
    }

    /// Counts `connection` in and hands it to the bootstrap, which sets it up and starts reading.
    private func admit(_ connection: any Channel, context: ChannelHandlerContext) {
        let id = ObjectIdentifier(connection)
        connections[id] = connection
        // The connection runs on this loop where the platform allows (see GatewayListener), and then `hop` is free.
        connection.closeFuture.hop(to: loop).assumeIsolated().whenComplete { [self] _ in
            connections.removeValue(forKey: id)
            gate.connectionClosed()
            settleIfDrained()
        }
        context.fireChannelRead(wrapInboundOut(connection))
    }

    private func parkUntilAPlaceFrees() {
        guard !parked else { return }
        parked = true
        gate.park { [self] in loop.execute { self.placeFreed() } }
    }

    /// Admits the waiting connections the gate has room for, then accepts again if it has room left.
    private func placeFreed() {
        parked = false
        guard let context, !shuttingDown else { return }
        while let next = waiting.first, gate.tryAdmit() {
            waiting.removeFirst()
            admit(next, context: context)
        }
        guard waiting.isEmpty else { return parkUntilAPlaceFrees() }
        if readHeld {
            readHeld = false
            read(context: context)
        }
    }

    private func stopAccepting() {
        shuttingDown = true
        context?.close(promise: nil)
        while let connection = waiting.popFirst() {
            connection.close(promise: nil)
        }
    }

    private func settleIfDrained() {
        if listenerClosed, connections.isEmpty, !isDrained {
            isDrained = true
            drainedPromise.succeed()
        }
    }
}
