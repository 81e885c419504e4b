import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import SwitchboardCore

/// Between NIO's HTTP/1 request decoder and the gateway's handlers: request parts become HTTP types, and response
/// parts go from HTTP types straight to bytes.
///
/// It replaces three handlers (the HTTP types codec, NIO's response encoder and an HTTP/1.0 adapter), which
/// were 4.4% of the gateway's CPU around each answer: the answer's head was converted to NIO's header list and
/// then encoded, each part passed through three handlers, and a chunk of a stream went out as three buffers.
/// Here the bytes of a response collect in one buffer until the driver flushes (head, body and end of a JSON
/// answer; a stream's chunk with its framing), so each flush is one buffer for the socket.
///
/// Framing follows RFC 9112: a response with `Content-Length` is sent as is; one without, that may have a body,
/// is chunked for HTTP/1.1 and, for HTTP/1.0 (which has no chunked encoding), ends by closing the connection,
/// which its `Connection: close` says. 1xx, 204 and 304 answers carry no body, nor does the answer to `HEAD`.
/// An HTTP/1.0 request without `Connection: keep-alive` gets `Connection: close` added before the driver sees
/// it, so that the connection closes after its answer (RFC 9112 §9.3).
final class GatewayHTTP1Codec: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = IOData

    /// What the answer to a request needs to know of it.
    private struct Asked {
        var isHTTP10 = false
        var keepsAliveHTTP10 = false
        var isHEAD = false
    }

    /// Framing fields of the answer that are replaced by the codec's own.
    struct Omitted {
        var length = false
        var transferEncoding = false
        var connection = false
        var any: Bool { length || transferEncoding || connection }

        /// Whether `name` is one of the omitted fields. The names' lengths differ, so most fields are told
        /// apart by their length alone, without comparing strings (three comparisons per field showed).
        func covers(_ name: HTTPField.Name) -> Bool {
            switch name.canonicalName.utf8.count {
            case 14: length && name == .contentLength
            case 17: transferEncoding && name == .transferEncoding
            case 10: connection && name == .connection
            default: false
            }
        }
    }

    private enum Framing {
        case contentLength, chunked, endsWithConnection, noBody
    }

    /// Requests whose answer has not begun, in order: pipelined requests pass through before the answers to
    /// those ahead of them.
    private var unanswered = CircularBuffer<Asked>(initialCapacity: 2)
    private var framing = Framing.contentLength
    /// Bytes not handed on yet: sent at the next flush, before a large body part, or with a write's promise.
    /// A write takes the buffer out while it appends (`take()`): appending to a copy that this property still
    /// shared copied the whole buffer first, twice per JSON answer.
    private var output: ByteBuffer?
    /// The fields every final answer carries.
    private let stamp: ResponseStamp
    /// Body parts up to this size are copied into ``output``; larger ones go out as they are.
    static let copyLimit = 16 * 1024
    /// The first capacity of a response's buffer: a head and a typical JSON answer, without growing it.
    static let headCapacity = 2048

    init(stamp: ResponseStamp) {
        self.stamp = stamp
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            var asked = Asked(isHTTP10: head.version == .http1_0, isHEAD: head.method == .HEAD)
            let (converted, host) = RequestFields.convert(head.headers)
            var fields = converted
            if asked.isHTTP10 {
                asked.keepsAliveHTTP10 = head.isKeepAlive
                if !head.isKeepAlive, !fields.asksToClose { fields.append(HTTPField(name: .connection, value: "close")) }
            }
            unanswered.append(asked)
            do {
                context.fireChannelRead(wrapInboundOut(.head(try Self.request(head, fields: fields, host: host))))
            } catch {
                context.fireErrorCaught(error)
            }
        case .body(let body):
            context.fireChannelRead(wrapInboundOut(.body(body)))
        case .end(let trailers):
            context.fireChannelRead(wrapInboundOut(.end(trailers.map { HTTPFields($0, splitCookie: false) })))
        }
    }

    /// The request in HTTP types. An origin-form target (`/path?query`, what every client sends a server) is
    /// the path as it is; NIO's own conversion parses every target with `URLComponents` to find that out.
    private static func request(_ head: HTTPRequestHead, fields: HTTPFields, host: String?) throws -> HTTPRequest {
        guard head.uri.utf8.first == UInt8(ascii: "/") else {
            var converted = try HTTPRequest(head, secure: false, splitCookie: false)
            converted.headerFields = fields
            return converted
        }
        return HTTPRequest(
            method: try HTTPRequest.Method(head.method), scheme: "http", authority: host, path: head.uri,
            headerFields: fields
        )
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            writeHead(response, context: context)
        case .body(let body):
            writeBody(body, context: context)
        case .end(let trailers):
            writeEnd(trailers)
            if framing == .endsWithConnection {
                // Closing at once would drop what the socket has not taken yet.
                let written = promise ?? context.eventLoop.makePromise()
                written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                emit(context, promise: written)
                return context.flush()
            }
        }
        if let promise { emit(context, promise: promise) }
    }

    func flush(context: ChannelHandlerContext) {
        emit(context, promise: nil)
        context.flush()
    }

    private func writeHead(_ response: HTTPResponse, context: ChannelHandlerContext) {
        let code = response.status.code
        var buffer = output.take() ?? context.channel.allocator.buffer(capacity: Self.headCapacity)
        if (100..<200).contains(code), code != 101 {
            // An interim answer: the request still waits for its final one.
            buffer.writeStatusLine(http10: unanswered.first?.isHTTP10 ?? false, status: response.status)
            buffer.write(fields: response.headerFields)
            output = buffer
            return
        }
        let asked = unanswered.popFirst() ?? Asked()
        let hasLength = response.headerFields.has(.contentLength)
        var omit = Omitted()
        var extra: HTTPField?
        if code == 204 || code == 304 || code < 200 {
            (omit.length, omit.transferEncoding) = (true, true)
            framing = .noBody
        } else if hasLength {
            omit.transferEncoding = true
            framing = .contentLength
            if asked.keepsAliveHTTP10, !response.headerFields.asksToClose { extra = HTTPField(name: .connection, value: "keep-alive") }
        } else if !asked.isHTTP10 {
            omit.transferEncoding = true
            extra = HTTPField(name: .transferEncoding, value: "chunked")
            framing = .chunked
        } else {
            omit.connection = true
            extra = HTTPField(name: .connection, value: "close")
            framing = .endsWithConnection
        }
        // The answer to HEAD says what a GET would carry, and carries nothing.
        if asked.isHEAD { framing = .noBody }
        buffer.writeStatusLine(http10: asked.isHTTP10, status: response.status)
        buffer.write(fields: response.headerFields, omitting: omit, adding: extra, stamp: stamp)
        output = buffer
    }

    private func writeBody(_ body: ByteBuffer, context: ChannelHandlerContext) {
        guard body.readableBytes > 0, framing != .noBody else { return }
        var buffer = output.take() ?? context.channel.allocator.buffer(capacity: min(body.readableBytes, Self.copyLimit) + 16)
        if framing == .chunked {
            buffer.writeString(String(body.readableBytes, radix: 16))
            buffer.writeStaticString("\r\n")
        }
        if body.readableBytes <= Self.copyLimit {
            buffer.writeImmutableBuffer(body)
        } else {
            context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
            context.write(wrapOutboundOut(.byteBuffer(body)), promise: nil)
            buffer = ByteBuffer()
        }
        if framing == .chunked { buffer.writeStaticString("\r\n") }
        output = buffer
    }

    private func writeEnd(_ trailers: HTTPFields?) {
        guard framing == .chunked else { return }
        var buffer = output.take() ?? ByteBuffer()
        buffer.writeStaticString("0\r\n")
        buffer.write(fields: trailers ?? [:])
        output = buffer
    }

    /// Hands on the collected bytes, with `promise` (an empty write keeps a promise in order when there are none).
    private func emit(_ context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        let collected = output
        output = nil
        guard let buffer = collected.flatMap({ $0.readableBytes > 0 ? $0 : nil }) ?? promise.map({ _ in ByteBuffer() }) else { return }
        context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: promise)
    }
}

extension ByteBuffer {
    fileprivate mutating func writeStatusLine(http10: Bool, status: HTTPResponse.Status) {
        writeStaticString(http10 ? "HTTP/1.0 " : "HTTP/1.1 ")
        writeDecimal(status.code)
        writeStaticString(" ")
        writeString(status.reasonPhrase)
        writeStaticString("\r\n")
    }

    /// The fields, each on its line, and the blank line that ends them. Read by position: iterating the fields
    /// copied each one (its name's two strings and its value), three retains and three releases a field. Values
    /// are read as strings, which every field here is: NIO's decoder and the gateway make no byte-valued fields.
    fileprivate mutating func write(
        fields: HTTPFields, omitting omit: GatewayHTTP1Codec.Omitted = .init(), adding extra: HTTPField? = nil, stamp: ResponseStamp? = nil
    ) {
        for index in fields.indices where !(omit.any && omit.covers(fields[index].name)) {
            writeHeaderLine(name: fields[index].name.rawName, value: fields[index].value)
        }
        if let extra { writeHeaderLine(name: extra.name.rawName, value: extra.value) }
        stamp?.write(into: &self)
        writeStaticString("\r\n")
    }
}
