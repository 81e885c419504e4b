import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import SwitchboardCore

/// `POST /v1/chat/completions`: decode, execute against the providers, answer in the OpenAI format
/// (a JSON body, or Server-Sent Events ending in `data: [DONE]`).
struct ChatCompletionsController {
    typealias Context = GatewayRequestContext
    let executor: ChatExecutor
    let accounting: ChatAccounting
    let policy: RequestPolicy
    let maxBodyBytes: Int
    /// The hang-up signal of each client connection.
    let hangUps: ConnectionHangUps

    var endpoints: RouteCollection<Context> {
        RouteCollection(context: Context.self).post("chat/completions", use: complete)
    }

    @Sendable func complete(_ request: Request, context: Context) async throws -> Response {
        let call = try await admit(request, context: context)
        if call.chat.typed.stream == true { return try await stream(call, logger: context.logger) }
        return try await answer(call, identity: context.identity)
    }

    // The phases below are separate functions, kept out of line, so that a request waiting on its upstream holds
    // only the async frame of the phase it is in.

    /// Reads, decodes and checks the body, then admits the request (limits, budget).
    @inline(never)
    private func admit(_ request: Request, context: Context) async throws -> AdmittedChat {
        var request = request
        let chat = try policy.apply(to: try await decode(&request, context: context), identity: context.identity)
        let routing = try RoutingContext(request: request, context: context, chat: chat)
        let executor = executor
        // Made here when admission prices the request, and kept for the call; else the call makes it (and an
        // unknown model fails there, where the meter records it).
        var plan: RoutePlan?
        let meter = try await accounting.begin(chat, identity: context.identity, requestID: context.requestID) {
            let made = try executor.plan(for: chat, context: routing)
            plan = made
            return made.deployments.map(\.upstreamModel)
        }
        // A client that hangs up cancels the upstream call, any pending retry and the relay.
        let hangUp = context.channel.flatMap { hangUps.signal(for: $0) }
        return AdmittedChat(chat: chat, routing: routing, plan: plan, requestID: context.requestID, meter: meter, hangUp: hangUp)
    }

    /// A non-streamed answer: the upstream's body, checked against the answer policy.
    @inline(never)
    private func answer(_ call: AdmittedChat, identity: CallerIdentity?) async throws -> Response {
        let executed = try await call.upstream(streamed: false) {
            try await executor.complete(call.chat, requestID: call.requestID, context: call.routing, plan: call.plan)
        }
        await call.meter.succeed(usage: executed.completion.usage, route: executed.route, streamed: false, body: executed.completion.body)
        return try Self.answerResponse(executed, call: call, policy: policy, identity: identity)
    }

    @inline(never)
    private static func answerResponse(_ executed: ExecutedCompletion, call: AdmittedChat, policy: RequestPolicy, identity: CallerIdentity?) throws -> Response {
        let answer = try policy.checkAnswer(executed.completion, identity: identity)
        // `Content-Length` first: Hummingbird's `Response` looks for it by name and sets it when it is missing,
        // a scan comparing every field's name and a set by name, about 2k instructions.
        var headers = routeHeaders(executed.route, first: HTTPField(name: .contentLength, value: String(decimal: answer.body.readableBytes)))
        call.meter.appendRateLimitHeaders(to: &headers)
        headers.append(contentsOf: try policy.checkToolCalls(in: answer, request: call.chat))
        headers.appendNew(RouteHeader.json)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: answer.body))
    }

    /// A streamed answer, once the upstream's first event came: Server-Sent Events relayed as they arrive.
    @inline(never)
    private func stream(_ call: AdmittedChat, logger: Logger) async throws -> Response {
        let executed = try await call.upstream(streamed: true) {
            try await executor.stream(call.chat, requestID: call.requestID, context: call.routing, plan: call.plan)
        }
        return Self.streamResponse(executed, call: call, logger: logger, isolation: #isolation)
    }

    /// The streamed response. Its body is written by a task of its own (``RequestServing``), through Hummingbird's
    /// `@concurrent` body closure; the relay goes back to `isolation` (the request's: its connection's event loop)
    /// once, and reads and writes the whole stream there.
    @inline(never)
    private static func streamResponse(
        _ executed: ExecutedStream, call: AdmittedChat, logger: Logger, isolation: (any Actor)?
    ) -> Response {
        var headers = routeHeaders(executed.route)
        call.meter.appendRateLimitHeaders(to: &headers)
        for field in RouteHeader.eventStream { headers.appendNew(field) }
        let relay = StreamRelay(wantsUsage: call.chat.typed.wantsStreamUsage, logger: logger)
        let stream = executed.stream
        let route = executed.route
        let meter = call.meter
        let hangUp = call.hangUp
        return Response(status: .ok, headers: headers, body: .init { writer in
            let tally = StreamTally()
            try await relay.relay(stream, to: UnsafeWriterTransfer(writer), tally: tally, hangUp: hangUp, isolation: isolation) {
                disconnected in await tally.settle(meter, route: route, disconnected: disconnected)
            }
        })
    }

    /// Headers that say which upstream answered, with room for the rest of the response's (rate limits, the
    /// edge's security headers and request id, the date): reserved once rather than doubled twice, since a
    /// stream holds its response headers for its whole life.
    static func routeHeaders(_ route: UpstreamRoute, first: HTTPField? = nil) -> HTTPFields {
        var headers = HTTPFields()
        headers.reserveCapacity(20)
        if let first { headers.append(first) }
        headers.append(HTTPField(name: RouteHeader.provider, value: route.provider))
        headers.append(HTTPField(name: RouteHeader.model, value: route.upstreamModel))
        headers.append(HTTPField(name: RouteHeader.attempts, value: String(decimal: route.attempts)))
        if let fallback = route.fallbackFrom { headers.append(HTTPField(name: RouteHeader.fallback, value: fallback)) }
        if let deployment = route.deployment { headers.append(HTTPField(name: RouteHeader.deployment, value: deployment)) }
        return headers
    }

    /// The names of the headers a chat response adds, made once.
    enum RouteHeader {
        static let provider = HTTPField.Name("x-switchboard-provider")!
        static let model = HTTPField.Name("x-switchboard-model")!
        static let attempts = HTTPField.Name("x-switchboard-attempts")!
        static let fallback = HTTPField.Name("x-switchboard-fallback")!
        static let deployment = HTTPField.Name("x-switchboard-deployment")!
        /// Tells a reverse proxy in front (nginx) not to buffer the stream.
        static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!
        /// The content type of a JSON answer, made once (a field checks its value when it is made).
        static let json = HTTPField(name: .contentType, value: "application/json")
        /// The fields of a streamed answer.
        static let eventStream = [
            HTTPField(name: .contentType, value: "text/event-stream"),
            HTTPField(name: .cacheControl, value: "no-cache"),
            HTTPField(name: accelBuffering, value: "no"),
        ]
    }

    /// Reads the body within the size limit and decodes it. The connection's ``RequestDriver`` gathered the
    /// body before the request got here, and enforced the upload deadline (408) and the size limit (413).
    private func decode(_ request: inout Request, context: Context) async throws -> ChatRequest {
        let body: ByteBuffer
        if let gathered = context.gatheredBody {
            body = gathered
        } else {
            do {
                body = try await request.collectBody(upTo: maxBodyBytes)
            } catch let error as HTTPError where error.status == .contentTooLarge {
                throw GatewayError.bodyTooLarge(limit: maxBodyBytes)
            }
        }
        try policy.checkBody(body)
        return try ChatRequest.decode(Data(buffer: body, byteTransferStrategy: .noCopy))
    }
}

/// A decoded, admitted chat request on its way upstream. A class, so that the frames of the later phases hold
/// one reference instead of the request, its routing context and its meter by value.
final class AdmittedChat: Sendable {
    let chat: ChatRequest
    let routing: RoutingContext
    /// Where the request may go, when admission made the plan.
    let plan: RoutePlan?
    let requestID: String
    let meter: ChatMeter
    /// The client connection's hang-up signal; nil without a live connection (in-process tests).
    let hangUp: HangUpSignal?

    init(chat: ChatRequest, routing: RoutingContext, plan: RoutePlan?, requestID: String, meter: ChatMeter, hangUp: HangUpSignal?) {
        self.chat = chat
        self.routing = routing
        self.plan = plan
        self.requestID = requestID
        self.meter = meter
        self.hangUp = hangUp
    }

    /// Runs the upstream call, cancelled if the client hangs up; a failure is settled on the meter, then thrown.
    func upstream<T>(streamed: Bool, _ call: () async throws -> T) async throws -> T {
        do {
            return try await hangUp.cancelling(call)
        } catch {
            await meter.fail(error, streamed: streamed)
            throw error
        }
    }
}

/// Writes a provider stream as Server-Sent Events as it arrives: one write (and flush) per upstream read.
struct StreamRelay: Sendable {
    let wantsUsage: Bool
    let logger: Logger

    static let done = ByteBuffer(string: "data: [DONE]\n\n")

    /// The whole relay: forwards the stream, settles it (`settle` is told whether the client hung up), then writes
    /// the last bytes and ends the body. Settled before the last write, so that a client holding the whole stream
    /// finds its usage recorded, its spend charged and its metrics counted; one that drops during that write
    /// counts as served. A client that hangs up cancels the relay, and with it the upstream read.
    func relay(
        _ stream: CompletionStream, to transfer: UnsafeWriterTransfer, tally: StreamTally, hangUp: HangUpSignal?,
        isolation: isolated (any Actor)? = #isolation, settle: (_ disconnected: Bool) async -> Void
    ) async throws {
        let last: ByteBuffer
        do {
            last = try await hangUp.cancelling { try await forward(stream, to: transfer, tally: tally) }
        } catch {
            await settle(true)
            throw error
        }
        await settle(false)
        try await hangUp.cancelling { try await Self.finish(transfer, after: last) }
    }

    /// Forwards every chunk, and returns what ends the stream, for ``finish(_:after:)`` to write with the end of
    /// the body: `[DONE]` (after any chunks still pending). Chunks that came in one upstream read go out in one
    /// write; a chunk is never held back waiting for the next. A failure after the first byte ends the stream
    /// with an OpenAI-style error event and no `[DONE]`, so it can never pass for a complete answer.
    func forward(_ stream: CompletionStream, to transfer: UnsafeWriterTransfer, tally: StreamTally) async throws -> ByteBuffer {
        var pending = ByteBuffer()
        do {
            for try await part in stream {
                tally.saw(part)
                if !(part.isUsageOnly && !wantsUsage) { Self.append(part.payload, to: &pending) }
                if !part.isFollowedAtOnce, pending.readableBytes > 0 {
                    try await Self.write(pending, to: transfer)
                    pending = ByteBuffer()
                }
            }
            pending.writeImmutableBuffer(Self.done)
            return pending
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return failure(error, after: pending, tally: tally)
        }
    }

    /// Writes the stream's last bytes and ends the body, in one flush when the writer can (the connection's own,
    /// behind the in-flight gauges' writer).
    static func finish(_ transfer: UnsafeWriterTransfer, after last: ByteBuffer) async throws {
        do {
            // The in-flight middleware's writer, the usual one, by its type first (see `ReleasingWriter`).
            if let writer = transfer.writer as? ReleasingWriter { return try await writer.finish(after: last) }
            if let writer = transfer.writer as? any FinishingBodyWriter { return try await writer.finish(after: last) }
            try await transfer.writer.write(last)
            try await transfer.writer.finish(nil)
        } catch {
            throw CancellationError()
        }
    }

    /// Writes to the client. A write that fails means the client is gone (it closed or reset the connection
    /// before its hang-up was noticed), which ends the relay as a hang-up does, never as an upstream failure.
    private static func write(_ buffer: ByteBuffer, to transfer: UnsafeWriterTransfer) async throws {
        do {
            try await transfer.writer.write(buffer)
        } catch {
            throw CancellationError()
        }
    }

    /// What is written when the upstream fails after the first byte: what was pending, then the error event.
    @inline(never)
    private func failure(_ error: any Error, after pending: ByteBuffer, tally: StreamTally) -> ByteBuffer {
        let gatewayError = ErrorAnswers.map(error)
        tally.failed(gatewayError)
        logger.warning("stream failed after the first byte", metadata: ["code": "\(gatewayError.code ?? "")"])
        var buffer = pending
        Self.append(gatewayError.jsonBody, to: &buffer)
        return buffer
    }

    /// The first capacity of the bytes gathered for one write: about four events, so that a burst read at once
    /// grows the buffer a few times rather than once per event.
    static let writeCapacity = 1024

    /// Appends `data: <payload>` and the blank line that ends the event.
    static func append(_ payload: ByteBuffer, to buffer: inout ByteBuffer) {
        if buffer.capacity == 0 {
            buffer = ByteBufferAllocator().buffer(capacity: max(writeCapacity, payload.readableBytes + 8))
        } else {
            buffer.reserveCapacity(minimumWritableBytes: payload.readableBytes + 8)
        }
        buffer.writeStaticString("data: ")
        buffer.writeImmutableBuffer(payload)
        buffer.writeStaticString("\n\n")
    }
}

/// Carries the response body writer into the child task that relays the stream. The writer is used by that
/// one task only while the parent awaits it, hence the unchecked sendability.
final class UnsafeWriterTransfer: @unchecked Sendable {
    var writer: any ResponseBodyWriter
    init(_ writer: any ResponseBodyWriter) { self.writer = writer }
}
