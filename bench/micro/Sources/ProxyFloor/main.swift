// The floor of a proxy hop on SwiftNIO (bench/harness.py's `nio-floor` target): NIO's HTTP/1 decoder and encoder on
// both sides, kept-alive upstream connections reused per event loop, every part forwarded as it arrives, nothing
// else (no Swift task, routing, policy, logging or accounting). What the gateway costs above this row is the
// gateway's own; what this row costs next to the nginx hop is the price of the stack.
// With `task`, each request runs in a Swift task on the event loops (NIO as Concurrency's global executor, as in
// the gateway) that sends the request and awaits the whole answer before writing it: the price of one task and
// two awaits per request, for comparison (bench/notes.md).
// Usage: ProxyFloor LISTEN_PORT UPSTREAM_PORT [task]
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard (3...4).contains(arguments.count), let listenPort = Int(arguments[1]), let upstreamPort = Int(arguments[2]) else {
    fatalError("usage: ProxyFloor LISTEN_PORT UPSTREAM_PORT [task]")
}
let inTasks = arguments.count == 4 && arguments[3] == "task"
if inTasks, !NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() {
    fatalError("could not make the event loops Swift Concurrency's global executor")
}
let group = MultiThreadedEventLoopGroup.singleton
let upstreamAddress = try SocketAddress(ipAddress: "127.0.0.1", port: upstreamPort)

/// One event loop's idle upstream connections; used only on that loop.
final class UpstreamPool: @unchecked Sendable {
    let loop: any EventLoop
    private var idle: [UpstreamSide] = []

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// An idle connection, or a new one, serving `client`.
    func take(for client: ClientSide) -> EventLoopFuture<UpstreamSide> {
        while let upstream = idle.popLast() {
            if upstream.channel.isActive {
                upstream.client = client
                return loop.makeSucceededFuture(upstream)
            }
        }
        return ClientBootstrap(group: loop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upstream = UpstreamSide(channel: channel, client: client)
                    try channel.pipeline.syncOperations.addHandler(HTTPRequestEncoder())
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPResponseDecoder()))
                    try channel.pipeline.syncOperations.addHandler(upstream)
                }
            }
            .connect(to: upstreamAddress)
            .flatMapThrowing { try $0.pipeline.syncOperations.handler(type: UpstreamSide.self) }
    }

    func giveBack(_ upstream: UpstreamSide) {
        upstream.client = nil
        idle.append(upstream)
    }
}

/// The client side: takes an upstream connection when the client connects, queues the request's parts until it
/// is there, then forwards them; gives it back when the client leaves between answers.
final class ClientSide: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let pool: UpstreamPool
    private var upstream: UpstreamSide?
    private var pending: [HTTPClientRequestPart] = []
    private(set) var channel: (any Channel)?

    init(pool: UpstreamPool) {
        self.pool = pool
    }

    func channelActive(context: ChannelHandlerContext) {
        channel = context.channel
        pool.take(for: self).assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let upstream) where channel != nil:
                self.upstream = upstream
                if pending.contains(where: { if case .head = $0 { true } else { false } }) { upstream.answering = true }
                for part in pending { upstream.channel.write(part, promise: nil) }
                if !pending.isEmpty { upstream.channel.flush() }
                pending = []
            case .success(let upstream):
                pool.giveBack(upstream)
            case .failure:
                context.close(promise: nil)
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part: HTTPClientRequestPart
        switch unwrapInboundIn(data) {
        case .head(let head): part = .head(head)
        case .body(let body): part = .body(.byteBuffer(body))
        case .end(let trailers): part = .end(trailers)
        }
        guard let upstream else { return pending.append(part) }
        if case .head = part { upstream.answering = true }
        if inTasks {
            pending.append(part)
            guard case .end = part else { return }
            let parts = pending
            pending = []
            let client = context.channel
            Task {
                let answer = try await upstream.exchange(parts)
                for part in answer { client.write(part, promise: nil) }
                client.flush()
            }
            return
        }
        if case .end = part {
            upstream.channel.writeAndFlush(part, promise: nil)
        } else {
            upstream.channel.write(part, promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        channel = nil
        if let upstream {
            if upstream.answering { upstream.channel.close(promise: nil) } else { pool.giveBack(upstream) }
        }
        upstream = nil
        context.fireChannelInactive()
    }
}

/// The upstream side: forwards the answer's parts to the client it serves (on the same event loop).
final class UpstreamSide: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart

    let channel: any Channel
    var client: ClientSide?
    /// A request went out and its answer has not ended.
    var answering = false

    init(channel: any Channel, client: ClientSide) {
        self.channel = channel
        self.client = client
    }

    /// Task mode: the answer's parts, gathered until its end, and who waits for them.
    private var answer: [HTTPServerResponsePart] = []
    private var answered: EventLoopPromise<[HTTPServerResponsePart]>?

    /// Task mode: sends `parts` and waits for the whole answer.
    func exchange(_ parts: [HTTPClientRequestPart]) async throws -> [HTTPServerResponsePart] {
        let promise = channel.eventLoop.makePromise(of: [HTTPServerResponsePart].self)
        channel.eventLoop.execute { [self] in
            answered = promise
            for part in parts { channel.write(part, promise: nil) }
            channel.flush()
        }
        return try await promise.futureResult.get()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let answered {
            switch unwrapInboundIn(data) {
            case .head(let head): answer.append(.head(head))
            case .body(let body): answer.append(.body(.byteBuffer(body)))
            case .end(let trailers):
                answering = false
                answer.append(.end(trailers))
                self.answered = nil
                answered.succeed(answer)
                answer = []
            }
            return
        }
        guard let out = client?.channel else { return }
        switch unwrapInboundIn(data) {
        case .head(let head): out.write(HTTPServerResponsePart.head(head), promise: nil)
        case .body(let body): out.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(body)), promise: nil)
        case .end(let trailers):
            answering = false
            out.writeAndFlush(HTTPServerResponsePart.end(trailers), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        answered?.fail(ChannelError.ioOnClosedChannel)
        answered = nil
        client?.channel?.close(promise: nil)
        context.fireChannelInactive()
    }
}

// One listening socket per event loop (SO_REUSEPORT), each serving its connections on its own loop, as the gateway
// listens: no hand-over of a new connection to another thread.
let loops = group.makeIterator().map { $0 }
var servers: [any Channel] = []
for loop in loops {
    let pool = UpstreamPool(loop: loop)
    servers.append(try ServerBootstrap(group: loop, childGroup: loop)
        .serverChannelOption(.backlog, value: 1024)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .serverChannelOption(.socketOption(.init(rawValue: SO_REUSEPORT)), value: 1)
        .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(HTTPResponseEncoder())
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(HTTPRequestDecoder()))
                try channel.pipeline.syncOperations.addHandler(ClientSide(pool: pool))
            }
        }
        .bind(host: "127.0.0.1", port: listenPort)
        .wait())
}
print("listening on \(listenPort) (\(servers.count) listeners), forwarding to \(upstreamPort)")
try servers[0].closeFuture.wait()
