import NIOCore
import NIOHTTP1
import NIOPosix
@testable import SwitchboardCore
import Testing

@Suite struct UpstreamExchangeTests {
    /// A stream may hold its exchange for minutes: once the answer began, the rendered request (with the
    /// provider key in its headers) is let go of.
    @Test func theRenderedRequestGoesOnceTheAnswerBegins() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let exchange = UpstreamExchange(
            target: try UpstreamTarget(url: "http://127.0.0.1:9/v1/chat/completions"), headers: [("authorization", "Bearer sk-test")],
            body: ByteBuffer(string: "{\"model\":\"m\"}"), mode: .stream(errorBodyLimit: 1024), timeouts: UpstreamTimeouts(), loop: loop
        )
        let before = try await loop.submit { String(buffer: exchange.request) }.get()
        #expect(before.contains("authorization: Bearer sk-test\r\n"))
        let after = try await loop.submit {
            exchange.didReceive(head: HTTPResponseHead(version: .http1_1, status: .ok))
            defer { exchange.didReceiveEnd() }
            return exchange.request.readableBytes
        }.get()
        #expect(after == 0)
        _ = try await exchange.promise.futureResult.get()
    }

    /// The bytes the connection sends: request line, `Host` with a non-default port, the headers as given, the
    /// JSON content type, the body's length, and the body.
    @Test func aRequestIsRenderedAsHTTP11() throws {
        let wire = UpstreamRequestWire.render(
            target: try UpstreamTarget(url: "http://127.0.0.1:8080/v1/chat/completions?x=1"),
            headers: [("authorization", "Bearer sk-test"), ("x-request-id", "r1")], body: ByteBuffer(string: "{}")
        )
        #expect(String(buffer: wire) == "POST /v1/chat/completions?x=1 HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n"
            + "authorization: Bearer sk-test\r\nx-request-id: r1\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
        let defaultPort = UpstreamRequestWire.render(target: try UpstreamTarget(url: "https://api.example.com/v1"), headers: [], body: ByteBuffer())
        #expect(String(buffer: defaultPort) == "POST /v1 HTTP/1.1\r\nhost: api.example.com\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n")
    }
}
