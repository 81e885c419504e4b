import Foundation
import Testing

@testable import SwitchboardServer

/// Pipelined requests and malformed HTTP on a raw connection: ``RequestDriver`` queues what arrives while a
/// response is in flight and answers what NIO's decoder cannot parse.
@Suite struct PipeliningTests {
    typealias Raw = ConnectionDriverTests

    /// Each answer keeps its own request's version, although both requests passed the codecs before the first
    /// answer was written.
    @Test func pipelinedRequestsOfTwoVersionsGetAnswersOfTheirOwn() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            let chat = GatewayHarness.chat("mock/echo", "old first")
            let old = Raw.chatHead(length: chat.utf8.count, extra: "connection: keep-alive\r\nx-request-id: req-old\r\n")
                .replacingOccurrences(of: "HTTP/1.1", with: "HTTP/1.0") + chat
            try await connection.send(old + Raw.get("/health", id: "req-new"))
            let text = await connection.read { Raw.responseIDs($0).count == 2 && $0.hasSuffix(#"{"status":"ok"}"#) }
            #expect(Raw.responseIDs(text) == ["req-old", "req-new"])
            #expect(Raw.statusLines(text) == ["HTTP/1.0 200 OK", "HTTP/1.1 200 OK"])
            await connection.close()
        }
    }

    /// A client that pipelines and then half-closes gets every answer before the connection closes. Health
    /// checks, because a half-close can cancel a chat request in flight as a hang-up (nginx answers such a client
    /// 499 too): NIO reads to the end of input whenever the kernel reports it, held reads or not.
    @Test func aHalfCloseAfterPipelinedRequestsWaitsForTheirAnswers() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            try await connection.send(["req-one", "req-two", "req-three"].map { Raw.get("/health", id: $0) }.joined())
            try await connection.closeOutput()
            // The connection closes after the last answer: reading to its end returns.
            let text = await connection.readToEnd()
            #expect(Raw.responseIDs(text) == ["req-one", "req-two", "req-three"])
            #expect(Raw.statusLines(text) == ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"])
        }
    }

    /// An absolute-form target (what a client sends a proxy) is served by its path.
    @Test func anAbsoluteFormTargetIsServedByItsPath() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            try await connection.send("GET http://localhost/health HTTP/1.1\r\nhost: localhost\r\nx-request-id: absolute\r\n\r\n")
            let text = await connection.read { $0.hasSuffix(#"{"status":"ok"}"#) }
            #expect(Raw.statusLines(text) == ["HTTP/1.1 200 OK"])
            #expect(Raw.responseIDs(text) == ["absolute"])
            await connection.close()
        }
    }

    @Test func malformedHTTPGetsA400InTheErrorShapeAndACloses() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            try await connection.send("GET /health HTTP/1.1\r\nhost localhost\r\n\r\n")
            let text = await connection.readToEnd()
            #expect(Raw.statusLines(text) == ["HTTP/1.1 400 Bad Request"])
            #expect(text.lowercased().contains("\r\nconnection: close\r\n"))
            #expect(text.hasSuffix(#"{"error":{"code":"malformed_http","message":"The request is not valid HTTP.","param":null,"type":"invalid_request_error"}}"#))
            #expect(try await gateway.call("/health", method: .GET, headers: []).status == 200)
        }
    }

    /// Garbage behind a valid request: the valid one is answered, then the connection closes.
    @Test func malformedHTTPBehindARequestInFlightClosesAfterItsAnswer() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            let chat = GatewayHarness.chat("mock/echo", "before the garbage")
            try await connection.send(Raw.chatHead(length: chat.utf8.count, extra: "x-request-id: req-valid\r\n") + chat + "NOT HTTP AT ALL\r\n\r\n")
            let text = await connection.readToEnd()
            #expect(Raw.responseIDs(text) == ["req-valid"])
            #expect(Raw.statusLines(text) == ["HTTP/1.1 200 OK"])
            #expect(text.contains("before the garbage"))
        }
    }
}
