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

    /// For each request whose answer has not begun, in order, whether it is HTTP/1.0: pipelined requests pass
    /// through before the answers to those ahead of them.
    private var unansweredHTTP10 = CircularBuffer<Bool>(initialCapacity: 2)
    /// The answer's body ends with the connection.
    private var closeAfterEnd = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        let isHTTP10 = head.version == .http1_0
        unansweredHTTP10.append(isHTTP10)
        if isHTTP10, !head.isKeepAlive, !head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) {
            head.headers.add(name: "connection", value: "close")
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.code >= 200:
            // An answer without a request (malformed HTTP before any head) is HTTP/1.1's.
            guard unansweredHTTP10.popFirst() == true else { return context.write(data, promise: promise) }
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
