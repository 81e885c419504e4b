import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The gateway's upstream HTTP/1.1 client: keep-alive connections pooled per event loop and origin.
///
/// A request runs on the event loop of the task that sends it, which (with NIO as the concurrency executor)
/// is the loop of the client's own connection, so a proxied request never changes threads. Each loop keeps
/// its own idle connections, with no lock between loops. There is no cap on connections per origin: as many
/// open as there are concurrent requests, like an nginx upstream; at most ``Configuration/maxIdlePerOrigin``
/// stay open when idle, for at most ``Configuration/idleTimeout``. Nothing is retried, except a request that
/// met a reused connection closing before any answer, which gets one fresh connection. No redirects.
public final class UpstreamConnectionPool: Sendable {
    /// How connections are kept.
    public struct Configuration: Sendable {
        /// Idle connections kept per event loop and origin.
        public var maxIdlePerOrigin: Int
        /// How long an idle connection stays open (below the usual upstream keep-alive of 60 s or more).
        public var idleTimeout: Duration
        /// TLS for `https` upstreams: the system's trust roots, ALPN `http/1.1`, unless set otherwise.
        public var tls: TLSConfiguration

        public init(maxIdlePerOrigin: Int = 256, idleTimeout: Duration = .seconds(50), tls: TLSConfiguration? = nil) {
            self.maxIdlePerOrigin = maxIdlePerOrigin
            self.idleTimeout = idleTimeout
            self.tls = tls ?? {
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.applicationProtocols = ["http/1.1"]
                return configuration
            }()
        }
    }

    private let group: any EventLoopGroup
    private let pools: [ObjectIdentifier: LoopConnectionPool]

    /// - Parameter group: the event loops to run connections on; use the server's, so requests stay on their loop.
    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, configuration: Configuration = .init()) {
        self.group = group
        let tls = TLSContextCache(configuration: configuration.tls)
        var pools: [ObjectIdentifier: LoopConnectionPool] = [:]
        for loop in group.makeIterator() {
            pools[ObjectIdentifier(loop)] = LoopConnectionPool(loop: loop, configuration: configuration, tls: tls)
        }
        self.pools = pools
    }

    /// Sends a POST and returns its response, its body gathered or streaming as `mode` says.
    /// Cancelling the calling task fails the exchange and closes its connection.
    func execute(
        url: String, headers: [(String, String)], body: ByteBuffer, mode: UpstreamExchange.Mode, timeouts: UpstreamTimeouts
    ) async throws -> UpstreamResponse {
        try await execute(target: try UpstreamTarget(url: url), headers: headers, body: body, mode: mode, timeouts: timeouts)
    }

    /// ``execute(url:headers:body:mode:timeouts:)`` with the URL already parsed.
    func execute(
        target: UpstreamTarget, headers: [(String, String)], body: ByteBuffer, mode: UpstreamExchange.Mode, timeouts: UpstreamTimeouts
    ) async throws -> UpstreamResponse {
        let loop = group.any()
        guard let pool = pools[ObjectIdentifier(loop)] else { throw UpstreamTransportError.shutDown }
        let exchange = UpstreamExchange(target: target, headers: headers, body: body, mode: mode, timeouts: timeouts, loop: loop)
        if loop.inEventLoop {
            pool.start(exchange)
        } else {
            loop.execute { pool.start(exchange) }
        }
        return try await withTaskCancellationHandler {
            // A continuation resumes the task where it waits. `EventLoopFuture.get()` hops to the global executor
            // and back on its own, two more executor hops per request. (This closure itself still runs on the
            // global executor: `withTaskCancellationHandler` does not keep the caller's isolation for it.)
            try await withUnsafeThrowingContinuation { continuation in
                exchange.promise.futureResult.whenComplete { continuation.resume(with: $0.map { $0.take() }) }
            }
        } onCancel: {
            loop.execute { exchange.fail(CancellationError()) }
        }
    }

    /// Closes every idle connection and refuses new requests; in-flight exchanges run to their end.
    public func shutdown() async {
        for pool in pools.values {
            try? await pool.loop.submit { pool.shutdown() }.get()
        }
    }
}

/// One event loop's connections: idle ones by origin, and the connecting of new ones.
///
/// Made on any thread, then used only on `loop` (every method runs there), hence the unchecked sendability.
final class LoopConnectionPool: @unchecked Sendable {
    let loop: any EventLoop
    private let configuration: UpstreamConnectionPool.Configuration
    private let tls: TLSContextCache
    private var idle: [UpstreamOrigin: [HTTP1Connection]] = [:]
    private var sweeper: Scheduled<Void>?
    private var isShutDown = false
    /// The deadlines of this loop's exchanges in flight.
    let deadlines: ExchangeDeadlines

    init(loop: any EventLoop, configuration: UpstreamConnectionPool.Configuration, tls: TLSContextCache) {
        self.loop = loop
        self.configuration = configuration
        self.tls = tls
        self.deadlines = ExchangeDeadlines(loop: loop)
    }

    /// Runs `exchange` on an idle connection to its origin, or on a new one.
    func start(_ exchange: UpstreamExchange) {
        loop.assertInEventLoop()
        guard !exchange.isFinished else { return }
        guard !isShutDown else { return exchange.fail(UpstreamTransportError.shutDown) }
        exchange.startClock(watchedBy: deadlines)
        let origin = exchange.target.origin
        let oldest = NIODeadline.now() - configuration.idleTimeout.timeAmount
        while let connection = takeIdle(origin) {
            if connection.isIdle, connection.idleSince > oldest {
                return connection.run(exchange, reused: true)
            }
            connection.close()
        }
        connect(exchange)
    }

    /// The idle connection to `origin` released last, taken off the idle list. The list is taken out of the
    /// dictionary and put back rather than changed in place (`idle[origin]?.popLast()`): that goes through the
    /// dictionary's `_modify` accessors, whose coroutine frames are heap-allocated, on every request.
    private func takeIdle(_ origin: UpstreamOrigin) -> HTTP1Connection? {
        guard var connections = idle.removeValue(forKey: origin) else { return nil }
        let connection = connections.popLast()
        if !connections.isEmpty { idle[origin] = connections }
        return connection
    }

    /// Opens a new connection for `exchange`.
    func connect(_ exchange: UpstreamExchange) {
        let origin = exchange.target.origin
        let sslContext: NIOSSLContext?
        do {
            sslContext = origin.usesTLS ? try tls.context() : nil
        } catch {
            return exchange.fail(error)
        }
        let connecting = ClientBootstrap(group: loop)
            .connectTimeout(exchange.timeouts.connect.timeAmount)
            // A TCP-level option (`.socketOption` would set SO_DEBUG, refused to an unprivileged process).
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            // One read per wake-up, and so a receive-buffer pool of one: NIO keeps up to this many buffers per
            // connection for its whole life, several kilobytes each for a connection carrying a stream.
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        let hostname = origin.host.isIPAddress ? nil : origin.host
                        try pipeline.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: hostname))
                    }
                    // NIO's response decoder; requests go out rendered (``UpstreamRequestWire``), not through its encoder.
                    try pipeline.addHandler(UpstreamRequestWriter())
                    try pipeline.addHandler(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)))
                    try pipeline.addHandler(HTTP1Connection(origin: origin))
                }
            }
            .connect(host: origin.host, port: origin.port)
        connecting.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .failure(let error):
                exchange.fail(UpstreamTransportError.connectFailure(error))
            case .success(let channel):
                guard let connection = try? channel.pipeline.syncOperations.handler(type: HTTP1Connection.self) else {
                    channel.close(promise: nil)
                    return exchange.fail(UpstreamTransportError.connectFailed)
                }
                connection.pool = self
                if exchange.isFinished {
                    // The caller gave up while connecting; the fresh connection serves the next request.
                    release(connection)
                } else {
                    connection.run(exchange, reused: false)
                }
            }
        }
    }

    /// Takes back a connection whose exchange ended cleanly.
    func release(_ connection: HTTP1Connection) {
        // Out of the dictionary and back, as in ``takeIdle(_:)``.
        var connections = idle.removeValue(forKey: connection.origin) ?? []
        let keeps = !isShutDown && connections.count < configuration.maxIdlePerOrigin
        if keeps {
            connection.idleSince = .now()
            connections.append(connection)
        }
        if !connections.isEmpty { idle[connection.origin] = connections }
        guard keeps else { return connection.close() }
        if sweeper == nil { scheduleSweep() }
    }

    /// Drops a connection that closed.
    func forget(_ connection: HTTP1Connection) {
        guard var connections = idle[connection.origin], let index = connections.firstIndex(where: { $0 === connection }) else { return }
        connections.remove(at: index)
        idle[connection.origin] = connections
    }

    func shutdown() {
        isShutDown = true
        sweeper?.cancel()
        sweeper = nil
        let connections = idle.values.flatMap { $0 }
        idle = [:]
        for connection in connections { connection.close() }
    }

    /// Sweeps once per idle timeout while there are idle connections.
    private func scheduleSweep() {
        sweeper = loop.assumeIsolated().scheduleTask(in: configuration.idleTimeout.timeAmount) { [self] in
            sweeper = nil
            sweep()
            if !idle.isEmpty { scheduleSweep() }
        }
    }

    /// Closes connections idle past the timeout.
    private func sweep() {
        let oldest = NIODeadline.now() - configuration.idleTimeout.timeAmount
        for (origin, connections) in idle {
            let fresh = connections.filter { $0.idleSince > oldest }
            idle[origin] = fresh.isEmpty ? nil : fresh
            for connection in connections where connection.idleSince <= oldest { connection.close() }
        }
    }
}

/// The TLS client context, made on first use (loading the system's trust roots costs start-up time).
final class TLSContextCache: Sendable {
    private let configuration: TLSConfiguration
    private let cached = NIOLockedValueBox<NIOSSLContext?>(nil)

    init(configuration: TLSConfiguration) {
        self.configuration = configuration
    }

    func context() throws -> NIOSSLContext {
        try cached.withLockedValue { cached in
            if let cached { return cached }
            let context = try NIOSSLContext(configuration: configuration)
            cached = context
            return context
        }
    }
}

extension String {
    /// True for an IPv4 or IPv6 literal, which TLS must not send as the server name.
    fileprivate var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}
