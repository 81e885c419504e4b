import NIOCore
import NIOHTTP1

/// Answers HTTP/1.0 clients in terms they understand, between NIO's HTTP/1 codec and the HTTP types codec (which
/// drops the request's version).
///
/// - An HTTP/1.0 request without `Connection: keep-alive` gets `Connection: close` added before the driver sees
///   it, so the connection closes after its answer, as RFC 9112 §9.3 requires.
/// - The answer carries version 1.0. HTTP/1.0 has no chunked encoding, so NIO's encoder then ends a body of
///   unknown length (a stream) by closing the connection instead; this handler adds `Connection: close` to
///   such an answer and closes once it is written.
final class HTTP10Framing: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Whether the request being answered is HTTP/1.0. NIO's pipelining handler passes on one request at a
    /// time, so the latest head belongs to the answer being written.
    private var answeringHTTP10 = false
    /// The answer's body ends with the connection.
    private var closeAfterEnd = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        answeringHTTP10 = head.version == .http1_0
        if answeringHTTP10, !head.isKeepAlive, !head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) {
            head.headers.add(name: "connection", value: "close")
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where answeringHTTP10 && head.status.code >= 200:
            head.version = .http1_0
            if !head.headers.contains(name: "content-length"), head.status.mayHaveResponseBody {
                head.headers.replaceOrAdd(name: "connection", value: "close")
                closeAfterEnd = true
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end where closeAfterEnd:
            closeAfterEnd = false
            let written = promise ?? context.eventLoop.makePromise()
            // Closing at once would drop what the socket has not taken yet.
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            context.writeAndFlush(data, promise: written)
        default:
            context.write(data, promise: promise)
        }
    }
}
