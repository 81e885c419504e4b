import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP plumbing every remote provider shares: sending a request with the first-byte deadline,
/// turning transport failures and error statuses into ``UpstreamError``, and reading SSE bodies.
public struct UpstreamHTTP: Sendable {
    /// The shared keep-alive connections.
    public let connections: UpstreamConnectionPool
    public let timeouts: UpstreamTimeouts
    /// The provider's name, for error messages.
    public let provider: String

    /// The largest upstream body the gateway buffers for a non-streamed completion.
    static let maxBodyBytes = 32 * 1024 * 1024
    /// The largest upstream error body the gateway reads.
    static let maxErrorBodyBytes = 64 * 1024

    public init(connections: UpstreamConnectionPool, timeouts: UpstreamTimeouts, provider: String) {
        self.connections = connections
        self.timeouts = timeouts
        self.provider = provider
    }

    /// Builds a POST request with an encoded JSON body.
    func post(url: String, headers: [(String, String)], body: ByteBuffer) -> UpstreamRequest {
        post(to: UpstreamRequest.target(url), headers: headers, body: body)
    }

    /// Builds a POST request to a target parsed once (a provider's fixed endpoint), with an encoded JSON body.
    func post(to target: Result<UpstreamTarget, any Error>, headers: [(String, String)], body: ByteBuffer) -> UpstreamRequest {
        UpstreamRequest(target: target, headers: headers, body: body)
    }

    /// Sends a streamed request and returns its body once the headers arrived with a 2xx status.
    /// - Parameter errorDecoder: reads the provider's error body into a type and message.
    func send(
        _ request: UpstreamRequest, errorDecoder: (ByteBuffer) -> (type: String?, code: String?, message: String)?
    ) async throws -> UpstreamBodyStream {
        let response = try await execute(request, mode: .stream(errorBodyLimit: Self.maxErrorBodyBytes))
        switch response.body {
        case .streaming(let body):
            return body
        case .collected(let body):
            throw statusError(response.head.status, headers: response.head.headers, body: body, errorDecoder: errorDecoder)
        }
    }

    /// Sends a non-streamed request and returns its whole body once it has arrived with a 2xx status.
    /// The first-byte timeout bounds the exchange: a non-streamed answer's body follows its headers at once.
    func complete(
        _ request: UpstreamRequest, errorDecoder: (ByteBuffer) -> (type: String?, code: String?, message: String)?
    ) async throws -> ByteBuffer {
        let response = try await execute(request, mode: .collect(limit: Self.maxBodyBytes))
        guard case .collected(let body) = response.body else { preconditionFailure("a collected exchange streamed") }
        guard (200..<300).contains(response.head.status.code) else {
            let errorBody = body.getSlice(at: body.readerIndex, length: min(body.readableBytes, Self.maxErrorBodyBytes)) ?? body
            throw statusError(response.head.status, headers: response.head.headers, body: errorBody, errorDecoder: errorDecoder)
        }
        return body
    }

    private func execute(_ request: UpstreamRequest, mode: UpstreamExchange.Mode) async throws -> UpstreamResponse {
        do {
            return try await connections.execute(
                target: try request.target.get(), headers: request.headers, body: request.body, mode: mode, timeouts: timeouts
            )
        } catch {
            throw classify(error, beforeHeaders: true)
        }
    }

    /// The error for a non-success status, with the provider's message and type when its body has them.
    private func statusError(
        _ status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer,
        errorDecoder: (ByteBuffer) -> (type: String?, code: String?, message: String)?
    ) -> UpstreamError {
        let decoded = errorDecoder(body)
        return UpstreamError(
            .status(Int(status.code)), provider: provider, message: decoded?.message ?? "",
            upstreamType: decoded?.type, upstreamCode: decoded?.code, retryAfter: Self.retryAfter(headers)
        )
    }

    /// Streams the events of an SSE body. `transform` turns each event into parts and says when the
    /// protocol's end marker came. A body that ends before it throws ``UpstreamError/Kind/interrupted``.
    func events(
        of body: UpstreamBodyStream,
        transform: @escaping @Sendable (ServerSentEvent) throws -> StreamStep
    ) -> CompletionStream {
        let reader = SSEBodyReader(body: body, http: self, transform: transform)
        return CompletionStream(unfolding: { try await reader.next() })
    }

    /// Maps a transport failure to an ``UpstreamError``.
    func classify(_ error: any Error, beforeHeaders: Bool) -> any Error {
        if error is CancellationError || error is UpstreamError { return error }
        if let transportError = error as? UpstreamTransportError {
            switch transportError.kind {
            case .firstByteTimeout:
                return UpstreamError(.firstByteTimeout, provider: provider)
            case .readTimeout:
                return UpstreamError(beforeHeaders ? .firstByteTimeout : .timeout, provider: provider, message: transportError.description)
            case .outOfDescriptors:
                // The gateway's own limit: no breaker, retry or failover counts it against the provider.
                return GatewayError.overloaded
            case .connectTimeout, .connectFailed, .invalidURL, .shutDown:
                return UpstreamError(.connection, provider: provider, message: transportError.description)
            case .closed:
                return UpstreamError(beforeHeaders ? .connection : .interrupted, provider: provider, message: transportError.description)
            case .bodyTooLarge:
                return UpstreamError(.malformedResponse, provider: provider, message: transportError.description)
            }
        }
        return UpstreamError(beforeHeaders ? .connection : .interrupted, provider: provider,
                             message: String(describing: type(of: error)))
    }

    /// Reads `retry-after-ms` or `retry-after` (seconds) from upstream headers, rounded up to whole seconds.
    static func retryAfterSeconds(_ headers: HTTPHeaders) -> Int? {
        retryAfter(headers).map { Int(($0 / .seconds(1)).rounded(.up)) }
    }

    /// Reads `retry-after-ms` or `retry-after` (seconds, possibly fractional) at millisecond precision.
    /// An HTTP-date `Retry-After` is ignored (no provider sends one).
    static func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        if let millis = headers.first(name: "retry-after-ms").flatMap(Double.init), millis.isFinite {
            return .milliseconds(Int64(max(0, min(millis, 86_400_000)).rounded(.up)))
        }
        if let seconds = headers.first(name: "retry-after").flatMap(Double.init), seconds.isFinite {
            return .milliseconds(Int64((max(0, min(seconds, 86_400)) * 1000).rounded(.up)))
        }
        return nil
    }
}

/// An upstream POST: where, with which headers, and its JSON body.
struct UpstreamRequest: Sendable {
    /// The parsed URL; a URL that does not parse fails when the request is sent, as a transport error.
    var target: Result<UpstreamTarget, any Error>
    var headers: [(String, String)]
    var body: ByteBuffer

    /// `url` parsed, or why not.
    static func target(_ url: String) -> Result<UpstreamTarget, any Error> {
        Result { try UpstreamTarget(url: url) }
    }
}

/// What one upstream event contributes to a stream: no part, one (an OpenAI event, without an array of its own:
/// that was an allocation per event), or several (a translated Anthropic event).
struct StreamStep {
    private enum Content {
        case none
        case one(StreamPart)
        case many([StreamPart])
    }

    private let content: Content
    /// True when the event was the protocol's end marker.
    let isEnd: Bool

    init(parts: [StreamPart], isEnd: Bool = false) {
        self.content = parts.count == 1 ? .one(parts[0]) : .many(parts)
        self.isEnd = isEnd
    }

    init(part: StreamPart) {
        self.content = .one(part)
        self.isEnd = false
    }

    /// The protocol's end marker, with no part.
    static let end = StreamStep(content: .none, isEnd: true)

    private init(content: Content, isEnd: Bool) {
        self.content = content
        self.isEnd = isEnd
    }

    /// The parts, in order.
    var parts: [StreamPart] {
        switch content {
        case .none: []
        case .one(let part): [part]
        case .many(let parts): parts
        }
    }

    /// Appends the parts, in order, to `queue`.
    func append(to queue: inout CircularBuffer<StreamPart>) {
        switch content {
        case .none: break
        case .one(let part): queue.append(part)
        case .many(let parts): queue.append(contentsOf: parts)
        }
    }
}

/// Pulls an SSE body chunk by chunk on the consumer's task, so that cancelling the consumer cancels the
/// upstream read. Only ever iterated by one task at a time, hence the unchecked sendability.
private final class SSEBodyReader: @unchecked Sendable {
    private var iterator: UpstreamBodyStream.AsyncIterator
    private var parser = ServerSentEventParser()
    /// Parts parsed and not yet handed out: a ring, so that taking the first does not move the rest.
    private var ready = CircularBuffer<StreamPart>(initialCapacity: 16)
    private var finished = false
    private let http: UpstreamHTTP
    private let transform: @Sendable (ServerSentEvent) throws -> StreamStep
    private let deadline: ContinuousClock.Instant

    init(body: UpstreamBodyStream, http: UpstreamHTTP,
         transform: @escaping @Sendable (ServerSentEvent) throws -> StreamStep) {
        self.iterator = body.makeAsyncIterator()
        self.http = http
        self.transform = transform
        self.deadline = .now + http.timeouts.total
    }

    func next() async throws -> StreamPart? {
        while ready.isEmpty {
            if finished { return nil }
            if ContinuousClock.now > deadline {
                throw UpstreamError(.timeout, provider: http.provider, message: "the total request timeout passed")
            }
            let chunk: ByteBuffer?
            do {
                chunk = try await iterator.next()
            } catch {
                throw http.classify(error, beforeHeaders: false)
            }
            try consume(chunk)
        }
        var part = ready.removeFirst()
        part.isFollowedAtOnce = !ready.isEmpty || finished
        return part
    }

    /// Parses one body chunk (nil at the body's end) into ready parts. Synchronous and out of line, so that the
    /// parser's temporaries stay off the async frame a held stream keeps.
    @inline(never)
    private func consume(_ chunk: ByteBuffer?) throws {
        guard let chunk else {
            if let last = parser.finish(), try accept(last) { return }
            throw UpstreamError(.interrupted, provider: http.provider, message: "the stream ended before its end marker")
        }
        try parser.feed(chunk) { event in
            if !finished { _ = try accept(event) }
        }
    }

    /// Adds the parts of `event`; returns true when the event ended the stream.
    private func accept(_ event: ServerSentEvent) throws -> Bool {
        let step = try transform(event)
        step.append(to: &ready)
        if step.isEnd { finished = true }
        return step.isEnd
    }
}
