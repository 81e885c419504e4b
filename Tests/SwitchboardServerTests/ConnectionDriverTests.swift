import Foundation
import HTTPTypes
import NIOCore
import SwitchboardCore
import Testing

@testable import SwitchboardServer

/// The gateway's own HTTP/1.1 connection handling (``RequestDriver``), on a raw TCP connection.
@Suite struct ConnectionDriverTests {
    static func get(_ path: String, id: String, extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nhost: localhost\r\nx-request-id: \(id)\r\n\(extra)\r\n"
    }

    static func chatHead(length: Int, extra: String = "") -> String {
        "POST /v1/chat/completions HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer \(GatewayHarness.adminKey)\r\n"
            + "content-type: application/json\r\ncontent-length: \(length)\r\n\(extra)\r\n"
    }

    /// The request ids of the responses in `text`, in the order they came.
    static func responseIDs(_ text: String) -> [String] {
        text.components(separatedBy: "\r\n").compactMap { line in
            line.lowercased().hasPrefix("x-request-id: ") ? String(line.dropFirst("x-request-id: ".count)) : nil
        }
    }

    /// The status lines in `text` (a body may run straight into the next response's status line).
    static func statusLines(_ text: String) -> [String] {
        text.components(separatedBy: "HTTP/1.").dropFirst().map { "HTTP/1." + $0.prefix { $0 != "\r\n" } }
    }

    /// A chat request (slow: it goes upstream) and two health checks behind it, in one write: `req-one`,
    /// `req-two`, `req-three`.
    static func sendThreePipelinedRequests(on connection: RawConnection) async throws {
        let chat = GatewayHarness.chat("mock/echo", "first")
        try await connection.send(
            chatHead(length: chat.utf8.count, extra: "x-request-id: req-one\r\n") + chat
                + get("/health", id: "req-two") + get("/health", id: "req-three")
        )
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            try await Self.sendThreePipelinedRequests(on: connection)
            let text = await connection.read { Self.responseIDs($0).count == 3 && $0.hasSuffix("}") }
            #expect(Self.responseIDs(text) == ["req-one", "req-two", "req-three"])
            #expect(Self.statusLines(text) == ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"])
            await connection.close()
        }
    }

    @Test func expectContinueGetsAnInterimAnswerBeforeTheBody() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            let chat = GatewayHarness.chat("mock/echo", "after the interim answer")
            try await connection.send(Self.chatHead(length: chat.utf8.count, extra: "expect: 100-continue\r\n"))
            let interim = await connection.read { $0.contains("\r\n\r\n") }
            #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
            try await connection.send(chat)
            let text = await connection.read { $0.contains("chat.completion") && $0.hasSuffix("}") }
            #expect(Self.statusLines(text) == ["HTTP/1.1 100 Continue", "HTTP/1.1 200 OK"])
            await connection.close()
        }
    }

    @Test func connectionCloseEndsTheConnectionAfterTheAnswer() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            try await connection.send(Self.get("/health", id: "last", extra: "connection: close\r\n") + Self.get("/health", id: "ignored"))
            let text = await connection.readToEnd()
            #expect(Self.responseIDs(text) == ["last"])
        }
    }

    /// `close` is one token of a list (RFC 9110 §7.6.1): in any case, beside others, or in a second field. An
    /// HTTP/1.0 request with another option gets `close` added beside it.
    @Test(arguments: [
        "connection: TE, close\r\n", "connection: Close\r\n", "connection: te\r\nconnection: close\r\n",
        "connection: keep-alive ,close \r\n",
    ])
    func closeAmongOtherConnectionOptionsEndsTheConnection(_ field: String) async throws {
        try await Self.expectClosesAfterOneAnswer(Self.get("/health", id: "last", extra: field) + Self.get("/health", id: "ignored"))
    }

    @Test func anHTTP10RequestWithAnotherConnectionOptionCloses() async throws {
        try await Self.expectClosesAfterOneAnswer("GET /health HTTP/1.0\r\nconnection: TE\r\nx-request-id: last\r\n\r\n")
    }

    private static func expectClosesAfterOneAnswer(_ requests: String) async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            try await connection.send(requests)
            let text = await connection.readToEnd()
            #expect(Self.responseIDs(text) == ["last"])
            #expect(text.lowercased().contains("\r\nconnection: close\r\n"))
        }
    }

    /// A large answer on a connection that closes after it arrives whole: the close waits for the socket to
    /// take every byte.
    @Test func aLargeAnswerBeforeACloseArrivesWhole() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.maxBodyBytes = 16 << 20
            configuration.policy.limits.maxTotalCharacters = 8_000_000
        }) { gateway in
            // Larger than the most a socket's send buffer takes here (4 MiB), so the close comes with bytes unsent.
            let connection = try await RawConnection.open(gateway.gatewayURL, receiveBuffer: 4096)
            let prompt = String(repeating: "0123456789", count: 600_000)
            let chat = GatewayHarness.chat("mock/echo", prompt)
            try await connection.send(Self.chatHead(length: chat.utf8.count, extra: "connection: close\r\n") + chat)
            let text = await connection.readToEnd()
            let parts = text.components(separatedBy: "\r\n\r\n")
            #expect(parts.count == 2)
            let length = parts[0].components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("content-length: ") }
            #expect(length.flatMap { Int($0.dropFirst("content-length: ".count)) } == parts.last?.utf8.count)
            #expect(parts.last?.utf8.count ?? 0 > prompt.utf8.count)
        }
    }

    @Test func anHTTP10RequestIsAnsweredAndTheConnectionCloses() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            try await connection.send("GET /health HTTP/1.0\r\nx-request-id: old\r\n\r\n")
            let text = await connection.readToEnd()
            #expect(Self.statusLines(text) == ["HTTP/1.0 200 OK"])
            #expect(text.lowercased().contains("\r\nconnection: close\r\n"))
            #expect(text.hasSuffix(#"{"status":"ok"}"#))
        }
    }

    /// HTTP/1.0 has no chunked encoding: a stream's end is the connection's close.
    @Test func anHTTP10StreamEndsWithTheConnection() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            let chat = GatewayHarness.chat("mock/echo", "old client", stream: true)
            try await connection.send(Self.chatHead(length: chat.utf8.count).replacingOccurrences(of: "HTTP/1.1", with: "HTTP/1.0") + chat)
            let text = await connection.readToEnd()
            let parts = text.components(separatedBy: "\r\n\r\n")
            #expect(Self.statusLines(parts[0]) == ["HTTP/1.0 200 OK"])
            #expect(!parts[0].lowercased().contains("transfer-encoding"))
            let body = parts.dropFirst().joined(separator: "\r\n\r\n")
            #expect(body.hasPrefix("data: {"))
            #expect(body.hasSuffix("data: [DONE]\n\n"))
            #expect(GatewayHarness.content(ofChunks: GatewayHarness.events(body)) == "old client")
        }
    }

    @Test func anHTTP10KeepAliveConnectionStaysOpen() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            let request = { (id: String) in "GET /health HTTP/1.0\r\nconnection: keep-alive\r\nx-request-id: \(id)\r\n\r\n" }
            try await connection.send(request("one") + request("two"))
            let text = await connection.read { Self.responseIDs($0).count == 2 && $0.hasSuffix("}") }
            #expect(Self.responseIDs(text) == ["one", "two"])
            #expect(Self.statusLines(text) == ["HTTP/1.0 200 OK", "HTTP/1.0 200 OK"])
            await connection.close()
        }
    }

    /// An idle connection closes after the keep-alive timeout, whether it never sent a request or is between two.
    @Test func anIdleConnectionClosesAfterTheKeepAliveTimeout() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in configuration.keepAliveTimeout = .milliseconds(200) }) { gateway in
            let silent = try await RawConnection.open(gateway.gatewayURL)
            let used = try await RawConnection.open(gateway.gatewayURL)
            try await used.send(Self.get("/health", id: "before-idle"))
            let answered = await used.readToEnd()
            #expect(Self.responseIDs(answered) == ["before-idle"])
            #expect(await silent.readToEnd() == "")
            #expect(silent.errors == [] && used.errors == [])
        }
    }

    /// A client that stops reading a stream is cut off after the send timeout: the upstream request is cancelled
    /// and the usage recorded, as for a client that hangs up.
    @Test func aStalledStreamReaderIsCutOffAfterTheSendTimeout() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in configuration.sendTimeout = .milliseconds(300) }) { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL, receiveBuffer: 4096, reading: false)
            // 20,000 chunks of 1 KB: more than the sockets between gateway and client buffer (loopback's send
            // buffers grow to 4 MB).
            let word = String(repeating: "a", count: 1000)
            let chat = GatewayHarness.chat("openai/gpt-4o@repeat=2000", Array(repeating: word, count: 10).joined(separator: " "), stream: true)
            try await connection.send(Self.chatHead(length: chat.utf8.count) + chat)
            try await withTimeLimit(.seconds(10)) { await gateway.recorder.waitForDisconnects(1) }
            try await connection.startReading()
            let text = await connection.readToEnd()
            #expect(Self.statusLines(text) == ["HTTP/1.1 200 OK"])
            #expect(!text.hasSuffix("data: [DONE]\n\n"))
            let record = try await gateway.firstRecord()
            #expect(record.streamed && record.clientDisconnected && record.estimated)
            #expect(record.completionTokens > 0)
        }
    }

    @Test func aHalfClosedClientStillGetsItsAnswer() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            try await connection.send(Self.get("/health", id: "half-closed"))
            try await connection.closeOutput()
            let text = await connection.readToEnd()
            #expect(Self.responseIDs(text) == ["half-closed"])
            #expect(Self.statusLines(text) == ["HTTP/1.1 200 OK"])
        }
    }

    @Test(arguments: [false, true])
    func anOversizedBodyIsRefusedAndTheConnectionCloses(chunked: Bool) async throws {
        try await GatewayHarness.run(configure: { configuration, _ in configuration.maxBodyBytes = 1024 }) { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            let part = String(repeating: "a", count: 600)
            if chunked {
                // No length up front: the limit is found while the body arrives.
                let head = Self.chatHead(length: 0).replacingOccurrences(of: "content-length: 0", with: "transfer-encoding: chunked")
                try await connection.send(head + "258\r\n\(part)\r\n258\r\n\(part)\r\n")
            } else {
                try await connection.send(Self.chatHead(length: 5000) + part)
            }
            let text = await connection.readToEnd()
            #expect(Self.statusLines(text).map { $0.prefix(13) } == ["HTTP/1.1 413 "])
            #expect(text.contains(#""code":"request_too_large""#))
            #expect(try await gateway.call("/health", method: .GET, headers: []).status == 200)
            // The gateway still reads the unfinished body; without this, shutdown waits out its linger.
            await connection.close()
        }
    }

    /// After an early 413 the gateway says `Connection: close`, shuts its sending side and reads the rest of
    /// the refused body before it closes: closing with the body unread would reset the connection.
    @Test func anEarlyRefusalSaysCloseAndReadsTheRestOfTheBody() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in configuration.maxBodyBytes = 1024 }) { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            let length = 256 * 1024
            try await connection.send(Self.chatHead(length: length) + String(repeating: "a", count: 2048))
            let answer = await connection.readToEnd()
            #expect(Self.statusLines(answer).map { $0.prefix(13) } == ["HTTP/1.1 413 "])
            #expect(answer.lowercased().contains("\r\nconnection: close\r\n"))
            // In pieces: a closed socket answers the first with a reset, which fails the writes after it. Few and
            // large, so that they all arrive within the gateway's linger (2 s) on a loaded machine: 127 pieces of
            // 2 KB took longer than that in a full parallel test run.
            let piece = String(repeating: "a", count: 16 * 1024)
            try await connection.send(String(repeating: "a", count: 14 * 1024))
            for _ in 0..<(length / piece.utf8.count - 1) { try await connection.send(piece) }
            try await connection.closeOutput()
            await connection.waitUntilClosed()
            #expect(connection.errors == [])
        }
    }

    @Test func aBodyInManyPartsIsGatheredWhole() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            let prompt = String(repeating: "0123456789", count: 2_000)
            let chat = Array(GatewayHarness.chat("mock/echo", prompt).utf8)
            let head = Self.chatHead(length: 0).replacingOccurrences(of: "content-length: 0", with: "transfer-encoding: chunked")
            try await connection.send(head)
            // Chunks of 97 bytes, each written on its own, so that the body arrives over many reads.
            for start in stride(from: 0, to: chat.count, by: 97) {
                let piece = String(decoding: chat[start..<min(start + 97, chat.count)], as: UTF8.self)
                try await connection.send(String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n")
            }
            try await connection.send("0\r\n\r\n")
            let text = await connection.read { $0.contains("chat.completion") && $0.hasSuffix("}") }
            #expect(Self.statusLines(text) == ["HTTP/1.1 200 OK"])
            #expect(text.contains(prompt))
            await connection.close()
        }
    }

    /// The answer to HEAD has the head a GET would get and no body: the next answer follows the blank line.
    @Test func aHEADAnswerCarriesNoBody() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            try await connection.send(
                "HEAD /health HTTP/1.1\r\nhost: localhost\r\nx-request-id: head\r\n\r\n" + Self.get("/health", id: "get")
            )
            let text = await connection.read { Self.responseIDs($0).count == 2 && $0.hasSuffix(#"{"status":"ok"}"#) }
            let answers = text.components(separatedBy: "\r\n\r\n")
            #expect(answers.count == 3)
            #expect(answers[1].hasPrefix("HTTP/1.1 "))
            #expect(Self.responseIDs(text) == ["head", "get"])
            await connection.close()
        }
    }

    /// An HTTP/1.0 client keeps its connection only when the answer says so too.
    @Test func anHTTP10KeepAliveAnswerSaysKeepAlive() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            try await connection.send("GET /health HTTP/1.0\r\nconnection: keep-alive\r\n\r\n")
            let text = await connection.read { $0.hasSuffix(#"{"status":"ok"}"#) }
            #expect(text.lowercased().contains("\r\nconnection: keep-alive\r\n"))
            await connection.close()
        }
    }

    /// A stream is chunked: each chunk's size line, its bytes, and the zero-size chunk at the end.
    @Test func aStreamedAnswerIsChunked() async throws {
        try await GatewayHarness.run { gateway in
            let connection = try await RawConnection.open(gateway.gatewayURL)
            let chat = GatewayHarness.chat("mock/echo", "in chunks", stream: true)
            try await connection.send(Self.chatHead(length: chat.utf8.count) + chat)
            let text = await connection.read { $0.hasSuffix("0\r\n\r\n") }
            let parts = text.components(separatedBy: "\r\n\r\n")
            #expect(parts[0].lowercased().contains("\r\ntransfer-encoding: chunked"))
            // Offsets in bytes: "\r\n" is one Character.
            var body = text[try #require(text.range(of: "\r\n\r\n")).upperBound...]
            var decoded = ""
            while let lineEnd = body.range(of: "\r\n"), let size = Int(body[..<lineEnd.lowerBound], radix: 16), size > 0 {
                let start = lineEnd.upperBound
                let end = body.utf8.index(start, offsetBy: size)
                decoded += body[start..<end]
                body = body[body.utf8.index(end, offsetBy: 2)...]
            }
            #expect(body == "0\r\n\r\n")
            #expect(decoded.hasSuffix("data: [DONE]\n\n"))
            #expect(GatewayHarness.content(ofChunks: GatewayHarness.events(decoded)) == "in chunks")
            await connection.close()
        }
    }

    @Test func everyResponseCarriesDateAndServer() async throws {
        try await GatewayHarness.run { gateway in
            let reply = try await gateway.call("/health", method: .GET, headers: [])
            #expect(reply.headers["server"] == ["switchboard"])
            let date = try #require(reply.headers.first(name: "date"))
            let parser = DateFormatter()
            parser.locale = Locale(identifier: "en_US_POSIX")
            parser.timeZone = TimeZone(identifier: "GMT")
            parser.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let parsed = try #require(parser.date(from: date))
            #expect(abs(parsed.timeIntervalSinceNow) < 60)
        }
    }

    @Test func theDateHeaderIsIMFFixdate() {
        #expect(ResponseStamp.imfFixdate(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(ResponseStamp.imfFixdate(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        let stamp = ResponseStamp(serverName: "sb")
        #expect(String(buffer: stamp.dateLine(now: Date(timeIntervalSince1970: 784_111_777.9))) == "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n")
        #expect(String(buffer: stamp.dateLine(now: Date(timeIntervalSince1970: 784_111_778.1))) == "Date: Sun, 06 Nov 1994 08:49:38 GMT\r\n")
        var lines = ByteBuffer()
        ResponseStamp(serverName: "sb", fields: [HTTPField(name: .xContentTypeOptions, value: "nosniff")])
            .write(into: &lines, now: Date(timeIntervalSince1970: 0))
        #expect(String(buffer: lines) == "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\nServer: sb\r\nX-Content-Type-Options: nosniff\r\n")
    }
}
