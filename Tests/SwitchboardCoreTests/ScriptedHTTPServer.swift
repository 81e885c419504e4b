import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A loopback HTTP/1.1 server for transport tests: each request is answered as `script` says, given the
/// request's ordinal on its connection (1 for the first). It counts the connections it accepted and closed.
final class ScriptedHTTPServer: Sendable {
    /// What the server does with one request.
    enum Reply: Sendable {
        /// Answers with a status, extra headers and a body sent in parts (chunked when more than one).
        case answer(status: HTTPResponseStatus = .ok, headers: [(String, String)] = [], parts: [String])
        /// Sends the head and first part, then the rest once `release` completes.
        case answerInTwoSteps(first: String, rest: String, release: EventLoopFuture<Void>)
        /// Closes the connection without answering.
        case close
        /// Never answers.
        case hang
    }

    let port: Int
    private let channel: any Channel
    private let counts: NIOLockedValueBox<(accepted: Int, closed: Int)>
    /// Completed each time a connection closes, with the number closed so far.
    let closes: AsyncStream<Int>

    /// - Parameter tls: serve HTTPS with this context (see ``TestCertificate``).
    init(tls: NIOSSLContext? = nil, script: @escaping @Sendable (_ ordinalOnConnection: Int) -> Reply) async throws {
        let counts = NIOLockedValueBox((accepted: 0, closed: 0))
        let (closes, closed) = AsyncStream<Int>.makeStream()
        self.counts = counts
        self.closes = closes
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                counts.withLockedValue { $0.accepted += 1 }
                channel.closeFuture.whenComplete { _ in
                    closed.yield(counts.withLockedValue { $0.closed += 1; return $0.closed })
                }
                return channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(ScriptedHandler(script: script))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    var url: String { "http://127.0.0.1:\(port)/v1/chat/completions" }
    /// The HTTPS address, by the name the test certificate is for.
    var httpsURL: String { "https://localhost:\(port)/v1/chat/completions" }
    var accepted: Int { counts.withLockedValue { $0.accepted } }

    func stop() async throws {
        try await channel.close()
    }
}

private final class ScriptedHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let script: @Sendable (Int) -> ScriptedHTTPServer.Reply
    private var ordinal = 0

    init(script: @escaping @Sendable (Int) -> ScriptedHTTPServer.Reply) {
        self.script = script
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        ordinal += 1
        switch script(ordinal) {
        case .answer(let status, let headers, let parts):
            var fields = HTTPHeaders(headers)
            if parts.count == 1 { fields.add(name: "content-length", value: String(parts[0].utf8.count)) }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: fields))), promise: nil)
            for part in parts { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: part)))), promise: nil) }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case .answerInTwoSteps(let first, let rest, let release):
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: first)))), promise: nil)
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            release.hop(to: context.eventLoop).assumeIsolated().whenSuccess { [self] in
                let context = bound.value
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: rest)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        case .close:
            context.close(promise: nil)
        case .hang:
            break
        }
    }
}
