import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// Accepts the gateway's HTTP/1.1 clients and serves each connection on the event loop that accepted it.
///
/// On Linux there is one listening socket per event loop, all bound to the same address with `SO_REUSEPORT`:
/// the kernel spreads new connections over them, and a connection's pipeline is set up on its listener's loop,
/// with no hand-over between threads. Hummingbird's server, which this replaces, accepted on one loop, registered
/// each connection on the next loop in turn, hopped back to count it and handed it to a task through an async
/// sequence: wake-ups of another thread for every connection, about 0.35 ms of CPU per connection on the
/// benchmark machine. Elsewhere (where `SO_REUSEPORT` does not spread connections) one listener hands its
/// connections to the loops in turn.
///
/// Shutdown is graceful: on ServiceLifecycle's signal the listeners close and every connection is asked to
/// quiesce (``RequestDriver`` closes it after its response in flight); `run()` returns once all have closed.
/// Cancelled (the grace period is over), it closes them all at once.
struct GatewayListener: Service {
    /// Where and how much to listen.
    struct Configuration: Sendable {
        var host: String
        /// 0 for a port the system picks (tests); ``GatewayListener/onRunning`` gets the real one.
        var port: Int
        /// The kernel's queue of connections not yet accepted, per listening socket.
        var backlog: Int
        /// Client connections open at once, across the listeners (``ConnectionLimit``).
        var maxConnections: Int
    }

    let configuration: Configuration
    let group: MultiThreadedEventLoopGroup
    /// Sets up each accepted connection's pipeline.
    let connection: GatewayHTTP1Channel
    /// Called with the port once every listener is bound.
    let onRunning: @Sendable (Int) async -> Void
    let logger: Logger

    func run() async throws {
        let listeners = try await bindListeners(gate: ConnectionGate(limit: configuration.maxConnections))
        let port = listeners.first?.port ?? configuration.port
        logger.info("listening", metadata: [
            "host": "\(configuration.host)", "port": "\(port)", "listeners": "\(listeners.count)",
        ])
        await withGracefulShutdownHandler {
            await onRunning(port)
            await withTaskCancellationHandler {
                for listener in listeners { try? await listener.connections.drained.get() }
            } onCancel: {
                for listener in listeners { listener.connections.closeAll() }
            }
        } onGracefulShutdown: {
            for listener in listeners { listener.connections.quiesce() }
        }
    }

    /// A bound listening socket and its connections.
    private struct Listener: Sendable {
        let channel: any Channel
        let connections: ListenerConnections
        var port: Int { channel.localAddress?.port ?? 0 }
    }

    private func bindListeners(gate: ConnectionGate) async throws -> [Listener] {
        #if os(Linux)
        let placements = group.makeIterator().map { (loop: $0, childGroup: $0 as any EventLoopGroup) }
        if placements.count > 1, configuration.port != 0 {
            // Sockets sharing a port with SO_REUSEPORT would also share it with a second server started on it by
            // mistake; a plain bind first makes that fail as "address already in use", as it would without.
            try PortProbe.ensureFree(host: configuration.host, port: configuration.port)
        }
        let sharesPort = placements.count > 1
        #else
        let placements = [(loop: group.next(), childGroup: group as any EventLoopGroup)]
        let sharesPort = false
        #endif
        var listeners: [Listener] = []
        var port = configuration.port
        do {
            for placement in placements {
                let listener = try await bind(
                    port: port, loop: placement.loop, childGroup: placement.childGroup, sharesPort: sharesPort, gate: gate
                )
                port = listener.port
                listeners.append(listener)
            }
        } catch {
            for listener in listeners { try? await listener.channel.close() }
            throw error
        }
        return listeners
    }

    private func bind(
        port: Int, loop: any EventLoop, childGroup: any EventLoopGroup, sharesPort: Bool, gate: ConnectionGate
    ) async throws -> Listener {
        var bootstrap = ServerBootstrap(group: loop, childGroup: childGroup)
            .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        #if os(Linux)
        if sharesPort {
            bootstrap = bootstrap.serverChannelOption(.socketOption(.init(rawValue: SO_REUSEPORT)), value: 1)
        }
        #endif
        let connection = connection
        let channel = try await bootstrap
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ListenerConnections(loop: channel.eventLoop, gate: gate))
                }
            }
            // A client's half-close arrives as an event, so that a request can be served after it (HangUpSignal).
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // TCP_NODELAY is a TCP-level option: `.socketOption(.tcp_nodelay)` would set SOL_SOCKET's option 1,
            // SO_DEBUG, which an unprivileged process may not set, so NIO closed every connection it accepted.
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            // One read per wake-up, and so a receive-buffer pool of one: NIO keeps up to this many buffers per
            // connection for its whole life, several kilobytes each for a connection holding a stream open.
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try connection.setUp(channel) }
            }
            .bind(host: configuration.host, port: port)
            .get()
        let connections = try await channel.pipeline.handler(type: ListenerConnections.self).get()
        return Listener(channel: channel, connections: connections)
    }
}

#if os(Linux)
/// Checks that no socket listens on an address yet.
enum PortProbe {
    /// Binds a plain socket (no `SO_REUSEPORT`) to `host:port` and closes it; throws `EADDRINUSE` as NIO's bind
    /// would when something listens there already.
    static func ensureFree(host: String, port: Int) throws {
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let descriptor = socket(address.protocol.rawValue, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        defer { close(descriptor) }
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let result = address.withSockAddr { pointer, size in Glibc.bind(descriptor, pointer, socklen_t(size)) }
        guard result == 0 else { throw IOError(errnoCode: errno, reason: "bind(\(host):\(port))") }
    }
}
#endif
