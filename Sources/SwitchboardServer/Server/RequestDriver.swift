import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import SwitchboardCore

/// The last handler of a client connection's pipeline: gathers each request on the connection's event loop,
/// hands it to the router in one task, and writes the response straight to the channel.
///
/// This replaces Hummingbird's `NIOAsyncChannel` loop for the gateway's connections. That loop moves every
/// request part through an async sequence into a per-connection task and every response part through an
/// async writer back, several task switches per request, and it keeps the connection task's frames (about
/// 14 KB) for as long as a stream is open. Here a request costs one task, started once its body is in:
/// request bodies are small JSON documents that every route reads whole anyway.
///
/// Pipelined requests are served one at a time, in order: the parts of a request that comes while a response
/// is in flight wait in ``pipelined``, and the connection's reads wait with them until that response ended.
/// NIO's pipelining handler does the same but holds back the read after every request, which takes the socket
/// out of the event loop's interest set and puts it back, two `epoll_ctl` calls per request; here reads are
/// held only while pipelined parts wait. Malformed HTTP gets a 400 in the OpenAI error shape and a close, after
/// any response in flight. Lives on its channel's event loop; the request task reaches it through a
/// ``ResponseOutlet``.
final class RequestDriver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// What a request's body may be, and how long the client may take to send it.
    struct Limits: Sendable {
        /// Bodies past this size are refused with 413 (`server.max_body_bytes`).
        var maxBodyBytes: Int
        /// From the request head to the end of its body (`server.body_timeout_ms`); slower uploads get 408.
        var bodyTimeout: TimeAmount
        /// How long the connection may wait for its next request (`server.keep_alive_timeout_ms`).
        var keepAliveTimeout: TimeAmount
        /// How long a response's write may wait for a client that takes nothing (`server.send_timeout_ms`) before
        /// the connection closes.
        var sendTimeout: TimeAmount
        /// After an early answer, how long the rest of the refused body is read and dropped before the
        /// connection closes anyway (see ``RequestDriver/State/lingering``).
        var linger: TimeAmount = .seconds(2)
    }

    private enum State {
        /// Between requests.
        case idle
        /// A head came; its body is being gathered.
        case receiving(HTTPRequest, body: ByteBuffer?)
        /// The request is with the router. `discardingBody` after an early answer (too large, too slow): the
        /// rest of that body is dropped and the connection closes after the response.
        case responding(discardingBody: Bool)
        /// An early answer is out and the sending side is shut, but the client is still uploading the refused
        /// body. It is read and dropped until it ends, the client closes, or ``Limits/linger`` passes. Closing
        /// at once, with its bytes unread, would make the kernel reset the connection, and a reset can discard
        /// the answer before the client has read it (the reason for nginx's "lingering close").
        case lingering
    }

    private let limits: Limits
    private let serve: RequestServing
    private var state = State.idle
    private var context: ChannelHandlerContext?
    /// The body's upload deadline, or after an early answer the end of the lingering close.
    private var deadline: Scheduled<Void>?
    /// When the connection last became idle: opened, or its last response ended.
    private var idleSince = NIODeadline.now()
    /// Closes the connection once it has been idle for ``Limits/keepAliveTimeout``. One timer per connection,
    /// rescheduled only when it fires, so that a request costs a clock read, not a timer.
    private var idleTimer: Scheduled<Void>?
    /// Closes the connection once the current response ended: the client asked for it, or its body was cut off.
    private var closeAfterResponse = false
    /// Completed when the channel can take more writes again (a fast stream to a slow reader).
    private var writable: EventLoopPromise<Void>?
    /// Closes the connection when ``writable`` has waited ``Limits/sendTimeout``: a client that stopped reading
    /// would otherwise hold its stream, and the upstream connection behind it, for as long as the upstream lasts.
    private var sendTimer: Scheduled<Void>?
    /// The isolation of this connection's request tasks.
    private var loopIsolation: EventLoopIsolation?
    /// Parts of requests that came while a response was in flight, served in order once it ended.
    private var pipelined = CircularBuffer<HTTPRequestPart>()
    /// The channel asked for a read while ``pipelined`` held parts: it is made once they are all served.
    private var readHeld = false
    /// The connection is to close after the response in flight: shutdown, or the client sent malformed HTTP.
    /// Whatever else arrives is dropped.
    private var refusingRequests = false
    /// The client half-closed its side: the connection closes after the last request it sent.
    private var clientDoneSending = false

    init(limits: Limits, serve: RequestServing) {
        self.limits = limits
        self.serve = serve
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        becameIdle(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        connectionEnded()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        guard !refusingRequests else { return }
        if !pipelined.isEmpty || startsAPipelinedRequest(part) {
            return pipelined.append(part)
        }
        receive(part, context: context)
    }

    /// A head while the previous request's response is still being written.
    private func startsAPipelinedRequest(_ part: HTTPRequestPart) -> Bool {
        guard case .head = part, case .responding(discardingBody: false) = state else { return false }
        return true
    }

    private func receive(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (part, state) {
        case (.head(let head), .idle):
            begin(head, context: context)
        case (.body(let part), .receiving(let head, var body)):
            guard (body?.readableBytes ?? 0) + part.readableBytes <= limits.maxBodyBytes else {
                return answerEarly(head, failure: HTTPError(.contentTooLarge))
            }
            // The state lets go of the body first, so that appending to it does not copy it.
            state = .idle
            if body == nil {
                body = part
            } else {
                body!.writeImmutableBuffer(part)
            }
            state = .receiving(head, body: body)
        case (.end, .receiving(let head, let body)):
            cancelDeadline()
            closeAfterResponse = closeAfterResponse || head.headerFields.asksToClose
            state = .responding(discardingBody: false)
            let body = body ?? ByteBuffer()
            serve.start(Request(head: head, body: RequestBody(buffer: body)), body: body, channel: context.channel, outlet: outlet(context), isolation: isolation(context))
        case (.body, .responding(discardingBody: true)):
            break
        case (.end, .responding(discardingBody: true)):
            state = .responding(discardingBody: false)
        case (.body, .lingering):
            break
        case (.end, .lingering):
            context.close(promise: nil)
        case (.head, _), (.body, _), (.end, _):
            // NIO's decoder never passes parts out of order.
            context.close(promise: nil)
        }
    }

    /// A body that is still coming when the read burst ends gets its deadline; most requests arrive whole in
    /// one read and never schedule a timer.
    func channelReadComplete(context: ChannelHandlerContext) {
        startBodyDeadlineIfReceiving(context)
        context.fireChannelReadComplete()
    }

    private func startBodyDeadlineIfReceiving(_ context: ChannelHandlerContext) {
        if case .receiving(let head, _) = state, deadline == nil {
            deadline = context.eventLoop.assumeIsolated().scheduleTask(in: limits.bodyTimeout) { [self] in
                deadline = nil
                if case .receiving = state { answerEarly(head, failure: GatewayError.bodyTimeout) }
            }
        }
    }

    func read(context: ChannelHandlerContext) {
        if pipelined.isEmpty {
            context.read()
        } else {
            readHeld = true
        }
    }

    /// Serves the parts that waited for the response that just ended, until one of them starts a response of
    /// its own; the held read is made once none are left.
    private func servePipelined(_ context: ChannelHandlerContext) {
        while let part = pipelined.first, !startsAPipelinedRequest(part) {
            pipelined.removeFirst()
            receive(part, context: context)
        }
        startBodyDeadlineIfReceiving(context)
        closeOnceLastRequestIsIn(context)
        if pipelined.isEmpty, readHeld {
            readHeld = false
            context.read()
        }
    }

    /// Malformed HTTP (from NIO's decoder, which reads nothing more after it): a 400 when no response is in
    /// flight, else a close once that one ended.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError || error is HTTP1TypeConversionError else { return context.fireErrorCaught(error) }
        refuseFurtherRequests()
        // The client may still be sending (a header too large is refused half-way): the connection lingers after the
        // answer instead of closing at once, which would reset it and could discard the answer unread.
        switch state {
        case .idle, .receiving:
            cancelDeadline()
            state = .responding(discardingBody: true)
            let body = GatewayError.malformedHTTP.jsonBody
            let head = HTTPResponse(status: .badRequest, headerFields: [
                .contentType: "application/json", .contentLength: String(body.readableBytes),
            ])
            try? write(.head(head))
            try? write(.body(body))
            end(nil)
        case .responding:
            state = .responding(discardingBody: true)
        case .lingering:
            break
        }
    }

    /// Ends the connection after the response in flight, or now when there is none.
    private func refuseFurtherRequests() {
        refusingRequests = true
        closeAfterResponse = true
        pipelined.removeAll()
        readHeld = false
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let writable {
            self.writable = nil
            sendTimer?.cancel()
            sendTimer = nil
            writable.succeed()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Shutdown: the request in flight (being received or answered) is finished, then the connection closes.
            switch state {
            case .idle, .lingering: context.close(promise: nil)
            case .receiving: closeAfterResponse = true
            case .responding: refuseFurtherRequests()
            }
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed {
            clientDoneSending = true
            closeOnceLastRequestIsIn(context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Once the client sent all it will and every request it sent is in: close now if idle, or once the
    /// current response is out.
    private func closeOnceLastRequestIsIn(_ context: ChannelHandlerContext) {
        guard clientDoneSending, pipelined.isEmpty else { return }
        switch state {
        case .idle, .lingering: context.close(promise: nil)
        case .receiving, .responding: closeAfterResponse = true
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connectionEnded()
        context.fireChannelInactive()
    }

    private func begin(_ head: HTTPRequest, context: ChannelHandlerContext) {
        if let length = head.headerFields.value(of: .contentLength).flatMap(Int.init), length > limits.maxBodyBytes {
            return answerEarly(head, failure: HTTPError(.contentTooLarge))
        }
        if head.headerFields.value(of: .expect)?.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        state = .receiving(head, body: nil)
    }

    /// Hands the request on with a body that fails with `failure` (a refused or stalled upload), so that the
    /// route answers it as it answers any other error. The connection closes after that answer.
    private func answerEarly(_ head: HTTPRequest, failure: any Error) {
        guard let context else { return }
        cancelDeadline()
        closeAfterResponse = true
        state = .responding(discardingBody: true)
        let request = Request(head: head, body: RequestBody(asyncSequence: FailingBody(error: failure)))
        serve.start(request, body: nil, channel: context.channel, outlet: outlet(context), isolation: isolation(context))
    }

    /// The connection's loop as an actor, made with its first request.
    private func isolation(_ context: ChannelHandlerContext) -> EventLoopIsolation {
        if let loopIsolation { return loopIsolation }
        let isolation = EventLoopIsolation(loop: context.eventLoop)
        loopIsolation = isolation
        return isolation
    }

    private func outlet(_ context: ChannelHandlerContext) -> ResponseOutlet {
        ResponseOutlet(driver: NIOLoopBound(self, eventLoop: context.eventLoop))
    }

    /// Starts the idle clock, and the connection's idle timer unless it is already running.
    private func becameIdle(_ context: ChannelHandlerContext) {
        idleSince = .now()
        if idleTimer == nil { scheduleIdleCheck(context, in: limits.keepAliveTimeout) }
    }

    private func scheduleIdleCheck(_ context: ChannelHandlerContext, in delay: TimeAmount) {
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            idleTimer = nil
            guard case .idle = state, let context = self.context else { return }
            let closesAt = idleSince + limits.keepAliveTimeout
            if closesAt <= .now() {
                context.close(promise: nil)
            } else {
                scheduleIdleCheck(context, in: closesAt - .now())
            }
        }
    }

    /// Stops the timers and fails a write waiting for the client.
    private func connectionEnded() {
        cancelDeadline()
        idleTimer?.cancel()
        idleTimer = nil
        sendTimer?.cancel()
        sendTimer = nil
        writable?.fail(ChannelError.ioOnClosedChannel)
        writable = nil
        pipelined.removeAll()
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }

    // MARK: Writing, on the event loop, for the request's ``ResponseOutlet``

    /// Writes a part without flushing. A head says `Connection: close` when the connection closes after it,
    /// so that the client does not send its next request down a closing connection.
    func write(_ part: HTTPResponsePart) throws {
        guard let context, context.channel.isActive else { throw ChannelError.ioOnClosedChannel }
        if case .head(var head) = part, closeAfterResponse {
            head.headerFields[.connection] = "close"
            return context.write(wrapOutboundOut(.head(head)), promise: nil)
        }
        context.write(wrapOutboundOut(part), promise: nil)
    }

    /// Writes and flushes a body part; returns a future to wait on when the channel has taken all it should.
    func writeAndFlush(_ part: HTTPResponsePart) throws -> EventLoopFuture<Void>? {
        guard let context, context.channel.isActive else { throw ChannelError.ioOnClosedChannel }
        context.writeAndFlush(wrapOutboundOut(part), promise: nil)
        guard !context.channel.isWritable else { return nil }
        if writable == nil {
            writable = context.eventLoop.makePromise()
            sendTimer = context.eventLoop.assumeIsolated().scheduleTask(in: limits.sendTimeout) { [self] in
                sendTimer = nil
                self.context?.close(promise: nil)
            }
        }
        return writable?.futureResult
    }

    /// Ends the response: the connection is ready for the next request, or closes.
    func end(_ trailers: HTTPFields?) {
        guard let context else { return }
        let close = closeAfterResponse
        switch state {
        case .responding(discardingBody: false):
            state = .idle
            becameIdle(context)
        case .responding(discardingBody: true): state = .lingering
        case .idle, .receiving, .lingering: break
        }
        guard close || !context.channel.isActive else {
            context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
            return servePipelined(context)
        }
        if case .lingering = state {
            context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
            return linger(context)
        }
        // Closing at once would drop what the socket has not taken yet: a large answer would arrive cut short.
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: written)
        written.futureResult.assumeIsolated().whenComplete { [self] _ in self.context?.close(promise: nil) }
    }

    /// Shuts the sending side once the answer is written, and drops the rest of the body until it ends.
    private func linger(_ context: ChannelHandlerContext) {
        let shut = context.eventLoop.makePromise(of: Void.self)
        shut.futureResult.assumeIsolated().whenFailure { [self] _ in self.context?.close(promise: nil) }
        context.close(mode: .output, promise: shut)
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: limits.linger) { [self] in
            deadline = nil
            self.context?.close(promise: nil)
        }
    }

    /// Closes the connection: its response was cut short.
    func close() {
        context?.close(promise: nil)
    }
}
