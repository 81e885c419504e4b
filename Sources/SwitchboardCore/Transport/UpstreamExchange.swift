import NIOCore
import NIOHTTP1

/// The answer to one upstream request: its head, and its body gathered or arriving.
struct UpstreamResponse: Sendable {
    enum Body: Sendable {
        /// The whole body: a non-streamed answer, or the (truncated) error body of a failed streamed request.
        case collected(ByteBuffer)
        /// The body as it arrives, read from the socket only as fast as it is consumed.
        case streaming(UpstreamBodyStream)
    }

    var head: HTTPResponseHead
    var body: Body

    /// The response on its way to the caller, taken out once: a future keeps its value for as long as it lives,
    /// and the exchange's promise would otherwise keep a streamed body's consumer handle, so that a caller who
    /// lets go of the body early would not be noticed.
    final class Handoff: @unchecked Sendable {
        private var response: UpstreamResponse?

        init(_ response: UpstreamResponse) { self.response = response }

        /// The response; called once, by the one caller, after the promise completed.
        func take() -> UpstreamResponse {
            defer { response = nil }
            return response!
        }
    }
}

/// One upstream request from the moment it is asked for until its response ends or fails: its deadlines,
/// the connection it runs on, and the promise (or body stream) its caller waits on.
///
/// Created on any thread; every mutable member is touched only on `loop`, hence the unchecked sendability.
final class UpstreamExchange: @unchecked Sendable {
    /// What to do with the response body.
    enum Mode: Sendable {
        /// Gather the whole body, failing past `limit` bytes; the first-byte deadline bounds the whole exchange.
        case collect(limit: Int)
        /// Hand a 2xx body over as it arrives; gather at most `errorBodyLimit` bytes of any other.
        case stream(errorBodyLimit: Int)
    }

    let target: UpstreamTarget
    /// The request as it goes on the wire, head and body (see ``UpstreamRequestWire``); let go of once the answer
    /// began, since its headers hold the provider key and a stream may hold its exchange for minutes.
    private(set) var request: ByteBuffer
    let mode: Mode
    let timeouts: UpstreamTimeouts
    let loop: any EventLoop
    let promise: EventLoopPromise<UpstreamResponse.Handoff>

    private(set) var isFinished = false
    /// True once any part of the response arrived (a reused connection that closes before is retried once).
    private(set) var receivedResponse = false
    /// True when the connection must not be reused after this exchange.
    private(set) var closesConnection = false
    private var connection: HTTP1Connection?
    private var responseHead: HTTPResponseHead?
    private var gathered = ByteBuffer()
    private var source: UpstreamBody?
    /// When the answer must have begun; nil once a stream's head arrived (a gathered answer stays bound by it).
    private var firstByteDeadline: NIODeadline?
    private var lastRead = NIODeadline.now()
    /// The loop's deadline watch while in flight, and this exchange's place in it.
    private var deadlines: ExchangeDeadlines?
    var deadlineSlot = -1

    init(target: UpstreamTarget, headers: [(String, String)], body: ByteBuffer, mode: Mode, timeouts: UpstreamTimeouts, loop: any EventLoop) {
        self.target = target
        self.request = UpstreamRequestWire.render(target: target, headers: headers, body: body)
        self.mode = mode
        self.timeouts = timeouts
        self.loop = loop
        self.promise = loop.makePromise(of: UpstreamResponse.Handoff.self)
    }

    /// Starts the deadlines, watched by `deadlines`; called on `loop` before a connection is sought.
    func startClock(watchedBy deadlines: ExchangeDeadlines) {
        loop.preconditionInEventLoop()
        let now = NIODeadline.now()
        lastRead = now
        firstByteDeadline = now + timeouts.firstByte.timeAmount
        self.deadlines = deadlines
        deadlines.track(self)
    }

    /// The earliest moment one of the deadlines could pass: reads only move the idle one later.
    var nextDeadline: NIODeadline {
        let idle = lastRead + timeouts.idle.timeAmount
        guard let firstByteDeadline else { return idle }
        return min(firstByteDeadline, idle)
    }

    /// The error for a deadline passed by `now`, if one has.
    func overdue(at now: NIODeadline) -> (any Error)? {
        if let firstByteDeadline, firstByteDeadline <= now { return UpstreamTransportError.firstByteTimeout }
        if lastRead + timeouts.idle.timeAmount <= now { return UpstreamTransportError.readTimeout }
        return nil
    }

    /// The connection this exchange now runs on.
    func attach(to connection: HTTP1Connection) {
        self.connection = connection
    }

    func didReceive(head: HTTPResponseHead) {
        guard !isFinished else { return }
        receivedResponse = true
        request = ByteBuffer()
        lastRead = .now()
        closesConnection = !head.isKeepAlive
        guard case .stream = mode, (200..<300).contains(head.status.code) else {
            // Kept for the gathered answer; a stream's caller needs the head only until it begins.
            responseHead = head
            return
        }
        firstByteDeadline = nil
        let body = UpstreamBody(loop: loop, exchange: self)
        source = body
        promise.succeed(.init(UpstreamResponse(head: head, body: .streaming(UpstreamBodyStream(body)))))
    }

    func didReceive(body part: ByteBuffer) {
        guard !isFinished else { return }
        lastRead = .now()
        if let source {
            switch source.yield(part) {
            case .produceMore: break
            case .stopProducing: connection?.pauseReads()
            case .dropped: consumerStopped()
            }
            return
        }
        switch mode {
        case .collect(let limit):
            guard gathered.readableBytes + part.readableBytes <= limit else {
                return fail(UpstreamTransportError.bodyTooLarge)
            }
            gathered.writeImmutableBuffer(part)
        case .stream(let limit):
            // An error body: keep its beginning, which holds the message.
            var part = part
            if let slice = part.readSlice(length: min(part.readableBytes, max(0, limit - gathered.readableBytes))) {
                gathered.writeImmutableBuffer(slice)
            }
        }
    }

    /// The response ended; the connection may be reused unless ``closesConnection``.
    func didReceiveEnd() {
        guard !isFinished else { return }
        let source = self.source
        finish()
        if let source {
            source.finish()
        } else if let responseHead {
            promise.succeed(.init(UpstreamResponse(head: responseHead, body: .collected(gathered))))
        }
    }

    /// Fails the exchange (its caller, or its body stream once started) and closes its connection.
    func fail(_ error: any Error) {
        guard !isFinished else { return }
        closesConnection = true
        let connection = self.connection
        let source = self.source
        finish()
        if let source { source.finish(error) } else { promise.fail(error) }
        connection?.abandon()
    }

    /// The body's consumer asks for more after it had enough.
    func consumerWantsMore() {
        guard !isFinished else { return }
        connection?.resumeReads()
    }

    /// The body's consumer is gone (cancelled, or done with it) before the body ended: the connection is dropped.
    func consumerStopped() {
        guard !isFinished else { return }
        closesConnection = true
        let connection = self.connection
        finish()
        connection?.abandon()
    }

    private func finish() {
        isFinished = true
        deadlines?.untrack(self)
        deadlines = nil
        connection = nil
        // The body holds this exchange until it ends: let go of it.
        source = nil
    }
}
