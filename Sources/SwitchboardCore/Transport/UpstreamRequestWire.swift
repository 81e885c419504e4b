import NIOCore
import NIOHTTP1

/// An upstream request rendered to its HTTP/1.1 bytes once, head and body in one buffer, so that the connection
/// hands the socket one buffer in one pipeline write.
///
/// NIO's request encoder took a request head (a header list built per request), its body and its end as three
/// writes through the pipeline, formatted the head into a buffer of its own and gave the socket a `writev` of
/// three. The body is copied after the head: one copy of a JSON document costs less than a second buffer's trip
/// through the pipeline. Header values are not checked here: they are checked once where they are configured
/// (the provider's key and API version) or built from checked parts (request ids, trace context), as before.
enum UpstreamRequestWire {
    /// `POST` of the JSON `body` to `target` with `headers`, and the `Host`, `Content-Type` and `Content-Length`
    /// every upstream request carries.
    static func render(target: UpstreamTarget, headers: [(String, String)], body: ByteBuffer) -> ByteBuffer {
        let headLength = headers.reduce(96 + target.path.utf8.count) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 }
        var wire = ByteBufferAllocator().buffer(capacity: headLength + body.readableBytes)
        wire.writeStaticString("POST ")
        wire.writeString(target.path)
        wire.writeStaticString(" HTTP/1.1\r\nhost: ")
        target.origin.writeHostHeader(into: &wire)
        wire.writeStaticString("\r\n")
        for (name, value) in headers { wire.writeHeaderLine(name: name, value: value) }
        wire.writeStaticString("content-type: application/json\r\ncontent-length: ")
        wire.writeDecimal(body.readableBytes)
        wire.writeStaticString("\r\n\r\n")
        wire.writeImmutableBuffer(body)
        return wire
    }

    /// What NIO's response decoder is told of each request: it reads the method (a `HEAD` answer has no body).
    static let observedHead = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")
}

/// Below NIO's response decoder on an upstream connection: lets the decoder see each request's head (it queues
/// the method to read the answer by) and passes on only the rendered bytes, which travel as the request's body
/// part. The request's end adds nothing on the wire.
final class UpstreamRequestWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = IOData

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .body(let bytes):
            context.write(wrapOutboundOut(bytes), promise: promise)
        case .head, .end:
            promise?.succeed()
        }
    }
}
