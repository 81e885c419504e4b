import NIOCore
import NIOHTTP1
import NIOPosix
@testable import SwitchboardCore
import Testing

@Suite struct UpstreamExchangeTests {
    /// A stream may hold its exchange for minutes: once the answer began, the request's headers (with the
    /// provider key) and body are let go of.
    @Test func theRequestHeadersAndBodyGoOnceTheAnswerBegins() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let exchange = UpstreamExchange(
            target: try UpstreamTarget(url: "http://127.0.0.1:9/v1/chat/completions"), headers: ["authorization": "Bearer sk-test"],
            body: ByteBuffer(string: "{\"model\":\"m\"}"), mode: .stream(errorBodyLimit: 1024), timeouts: UpstreamTimeouts(), loop: loop
        )
        let before = try await loop.submit { (exchange.head.headers["authorization"], exchange.body.readableBytes) }.get()
        #expect(before.0 == ["Bearer sk-test"])
        #expect(before.1 == 13)
        let after = try await loop.submit {
            exchange.didReceive(head: HTTPResponseHead(version: .http1_1, status: .ok))
            defer { exchange.didReceiveEnd() }
            return (exchange.head.headers.count, exchange.body.readableBytes, exchange.head.uri)
        }.get()
        #expect(after.0 == 0)
        #expect(after.1 == 0)
        #expect(after.2 == "/v1/chat/completions")
        _ = try await exchange.promise.futureResult.get()
    }
}
