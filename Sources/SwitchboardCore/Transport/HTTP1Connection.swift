import NIOCore
import NIOHTTP1

/// A keep-alive HTTP/1.1 connection to one upstream origin: the last handler of its channel's pipeline,
/// running one ``UpstreamExchange`` at a time and handing itself back to its pool between them.
///
/// Lives on its channel's event loop; nothing of it is touched from elsewhere.
final class HTTP1Connection: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    let origin: UpstreamOrigin
    /// The pool this connection returns to; set once the connection is established.
    weak var pool: LoopConnectionPool?
    /// When the connection last became idle (set by the pool), for its idle timeout.
    var idleSince = NIODeadline.now()
    private var context: ChannelHandlerContext?
    private var exchange: UpstreamExchange?
    private var isReused = false
    private var readsPaused = false
    private var readPending = false

    init(origin: UpstreamOrigin) {
        self.origin = origin
    }

    /// True when the connection is open and between exchanges.
    var isIdle: Bool { exchange == nil && (context?.channel.isActive ?? false) }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Sends the exchange's request; `reused` says whether an earlier exchange ran on this connection.
    func run(_ exchange: UpstreamExchange, reused: Bool) {
        guard let context else { return exchange.fail(UpstreamTransportError.closed) }
        self.exchange = exchange
        isReused = reused
        resumeReads()
        exchange.attach(to: self)
        // The decoder below sees the head; the socket gets the rendered request, which travels as the body part.
        context.write(wrapOutboundOut(.head(UpstreamRequestWire.observedHead)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(exchange.request))), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange else {
            // Bytes between exchanges: the upstream is not speaking HTTP/1.1 as agreed.
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            exchange.didReceive(head: head)
        case .body(let part):
            exchange.didReceive(body: part)
        case .end:
            self.exchange = nil
            exchange.didReceiveEnd()
            // A read held back for a slow consumer must still happen: an idle connection reads to notice a close.
            resumeReads()
            if exchange.closesConnection || !context.channel.isActive {
                context.close(promise: nil)
            } else {
                pool?.release(self)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let exchange {
            self.exchange = nil
            // An upstream closes idle keep-alive connections when it likes; a request that met such a close
            // before any answer gets one fresh connection.
            if isReused, !exchange.receivedResponse, !exchange.isFinished, let pool {
                pool.connect(exchange)
            } else {
                exchange.fail(UpstreamTransportError.closed)
            }
        }
        pool?.forget(self)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let exchange {
            self.exchange = nil
            exchange.fail(error)
        }
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if readsPaused {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Stops reading from the socket until ``resumeReads()``: the body's consumer has enough for now.
    func pauseReads() {
        readsPaused = true
    }

    func resumeReads() {
        readsPaused = false
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    /// Closes the connection, which is not to be reused; its exchange has already been settled.
    func abandon() {
        exchange = nil
        context?.close(promise: nil)
    }

    /// Closes an idle connection (pool idle timeout or shutdown).
    func close() {
        context?.close(promise: nil)
    }
}
