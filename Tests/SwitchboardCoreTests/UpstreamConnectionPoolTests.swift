import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
@testable import SwitchboardCore
import Testing

/// Each test's pool runs on one event loop of its own: a pool keeps idle connections per loop, and a test's
/// task (unlike the gateway's, which runs on the loops) would otherwise meet a different loop on each call.
@Suite struct UpstreamConnectionPoolTests {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let pool: UpstreamConnectionPool
    private static let body = ByteBuffer(string: #"{"model":"m"}"#)

    init() {
        pool = UpstreamConnectionPool(group: group)
    }

    /// Closes the pool's connections and stops its loop, then the server.
    private func finish(_ server: ScriptedHTTPServer) async throws {
        await pool.shutdown()
        try await group.shutdownGracefully()
        try await server.stop()
    }

    private func collect(_ server: ScriptedHTTPServer, limit: Int = 1 << 20, timeouts: UpstreamTimeouts = .init()) async throws -> (Int, String) {
        let response = try await pool.execute(url: server.url, headers: [], body: Self.body, mode: .collect(limit: limit), timeouts: timeouts)
        guard case .collected(let body) = response.body else { throw UpstreamTransportError.closed }
        return (Int(response.head.status.code), String(buffer: body))
    }

    @Test func sequentialRequestsShareOneKeepAliveConnection() async throws {
        let server = try await ScriptedHTTPServer { ordinal in .answer(parts: ["answer \(ordinal)"]) }
        var bodies: [String] = []
        for _ in 0..<3 { bodies.append(try await collect(server).1) }
        #expect(bodies == ["answer 1", "answer 2", "answer 3"])
        #expect(server.accepted == 1)
        try await finish(server)
    }

    @Test func aReusedConnectionThatClosesBeforeAnsweringIsRetriedOnceOnAFreshOne() async throws {
        // Each connection answers its first request and closes on its second, as an upstream dropping an
        // idle keep-alive connection at the moment a request arrives.
        let server = try await ScriptedHTTPServer { ordinal in ordinal == 1 ? .answer(parts: ["fresh"]) : .close }
        #expect(try await collect(server).1 == "fresh")
        #expect(try await collect(server).1 == "fresh")
        #expect(server.accepted == 2)
        try await finish(server)
    }

    @Test func aFreshConnectionThatClosesIsNotRetried() async throws {
        let server = try await ScriptedHTTPServer { _ in .close }
        await #expect(throws: UpstreamTransportError.closed) { try await collect(server) }
        #expect(server.accepted == 1)
        try await finish(server)
    }

    @Test func anAnswerWithConnectionCloseIsNotReused() async throws {
        let server = try await ScriptedHTTPServer { _ in .answer(headers: [("connection", "close")], parts: ["bye"]) }
        _ = try await collect(server)
        _ = try await collect(server)
        #expect(server.accepted == 2)
        try await finish(server)
    }

    @Test func errorStatusesComeBackWithTheirBody() async throws {
        let server = try await ScriptedHTTPServer { _ in .answer(status: .tooManyRequests, parts: [#"{"error":{}}"#]) }
        let (status, body) = try await collect(server)
        #expect(status == 429)
        #expect(body == #"{"error":{}}"#)
        try await finish(server)
    }

    @Test func aBodyOverTheLimitFails() async throws {
        let server = try await ScriptedHTTPServer { _ in .answer(parts: [String(repeating: "x", count: 100)]) }
        await #expect(throws: UpstreamTransportError.bodyTooLarge) { try await collect(server, limit: 10) }
        try await finish(server)
    }

    @Test func noAnswerWithinTheFirstByteTimeoutFails() async throws {
        let server = try await ScriptedHTTPServer { _ in .hang }
        var closes = server.closes.makeAsyncIterator()
        await #expect(throws: UpstreamTransportError.firstByteTimeout) {
            try await collect(server, timeouts: .init(firstByte: .milliseconds(50)))
        }
        #expect(await closes.next() == 1)
        try await finish(server)
    }

    /// One timer watches a loop's exchanges: an exchange with a shorter deadline than the one already waiting
    /// must still time out at its own deadline, and the long one must not be failed with it. (Were the timer left
    /// at the long deadline, the short exchange would wait ten minutes and the time limit would fail the test.)
    @Test(.timeLimit(.minutes(1))) func aShorterDeadlineThanTheOneWaitingStillFiresFirst() async throws {
        let release = group.any().makePromise(of: Void.self)
        let server = try await ScriptedHTTPServer { ordinal in
            ordinal == 1 ? .answerInTwoSteps(first: "", rest: "late", release: release.futureResult) : .hang
        }
        async let long = collect(server, timeouts: .init(firstByte: .seconds(600)))
        // Both share the loop's watch: the long exchange is tracked first, so the short one moves the timer.
        while server.accepted < 1 { await Task.yield() }
        await #expect(throws: UpstreamTransportError.firstByteTimeout) {
            try await collect(server, timeouts: .init(firstByte: .milliseconds(50)))
        }
        release.succeed()
        #expect(try await long.1 == "late")
        try await finish(server)
    }

    @Test func aStreamedBodyArrivesBeforeItEnds() async throws {
        let release = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Void.self)
        let server = try await ScriptedHTTPServer { _ in .answerInTwoSteps(first: "data: 1\n\n", rest: "data: 2\n\n", release: release.futureResult) }
        let response = try await pool.execute(
            url: server.url, headers: [], body: Self.body, mode: .stream(errorBodyLimit: 1024), timeouts: .init()
        )
        guard case .streaming(let body) = response.body else { Issue.record("not streamed"); return }
        let parts = body.makeAsyncIterator()
        // The first part is read while the upstream still holds the rest back.
        #expect(try await parts.next().map { String(buffer: $0) } == "data: 1\n\n")
        release.succeed()
        #expect(try await parts.next().map { String(buffer: $0) } == "data: 2\n\n")
        #expect(try await parts.next() == nil)
        try await finish(server)
    }

    @Test func aLargeStreamedBodyArrivesWholeThroughBackpressure() async throws {
        // A megabyte in 1,000 chunks, sent at once: the consumer falls behind, reading pauses and resumes.
        let parts = (0..<1000).map { index in String(repeating: Character(UnicodeScalar(UInt8(65 + index % 26))), count: 1000) }
        let server = try await ScriptedHTTPServer { _ in .answer(parts: parts) }
        for _ in 1...2 {
            let response = try await pool.execute(
                url: server.url, headers: [], body: Self.body, mode: .stream(errorBodyLimit: 1024), timeouts: .init()
            )
            guard case .streaming(let body) = response.body else { Issue.record("not streamed"); return }
            var received = ""
            for try await part in body {
                received += String(buffer: part)
                await Task.yield()
            }
            #expect(received == parts.joined())
        }
        #expect(server.accepted == 1, "a body read to its end leaves the connection reusable")
        try await finish(server)
    }

    @Test func aConsumerThatLetsGoOfAStreamBeforeItsEndClosesTheConnection() async throws {
        let release = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Void.self)
        let server = try await ScriptedHTTPServer { _ in .answerInTwoSteps(first: "data: 1\n\n", rest: "data: 2\n\n", release: release.futureResult) }
        var closes = server.closes.makeAsyncIterator()
        do {
            let response = try await pool.execute(
                url: server.url, headers: [], body: Self.body, mode: .stream(errorBodyLimit: 1024), timeouts: .init()
            )
            guard case .streaming(let body) = response.body else { Issue.record("not streamed"); return }
            #expect(try await body.makeAsyncIterator().next().map { String(buffer: $0) } == "data: 1\n\n")
        }
        // The body is gone unfinished: its connection cannot be reused and closes.
        #expect(await closes.next() == 1)
        release.succeed()
        #expect(try await collect(server).0 == 200, "the next request gets a connection of its own")
        #expect(server.accepted == 2)
        try await finish(server)
    }

    @Test func cancellingAStreamsConsumerWhileItWaitsEndsItsBodyAndClosesTheConnection() async throws {
        let release = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Void.self)
        let server = try await ScriptedHTTPServer { _ in .answerInTwoSteps(first: "data: 1\n\n", rest: "data: 2\n\n", release: release.futureResult) }
        var closes = server.closes.makeAsyncIterator()
        let response = try await pool.execute(
            url: server.url, headers: [], body: Self.body, mode: .stream(errorBodyLimit: 1024), timeouts: .init()
        )
        guard case .streaming(let body) = response.body else { Issue.record("not streamed"); return }
        let (firstChunks, firstChunk) = AsyncStream<Void>.makeStream()
        let received = NIOLockedValueBox<[String]>([])
        let consumer = Task {
            for try await chunk in body {
                received.withLockedValue { $0.append(String(buffer: chunk)) }
                firstChunk.yield()
            }
        }
        var signals = firstChunks.makeAsyncIterator()
        await signals.next()
        consumer.cancel()
        // The wait for the held-back rest ends in a cancellation (not an upstream failure, which would count
        // against the provider), and the unfinished exchange drops its connection.
        await #expect(throws: CancellationError.self) { try await consumer.value }
        #expect(received.withLockedValue { $0 } == ["data: 1\n\n"])
        #expect(await closes.next() == 1)
        release.succeed()
        try await finish(server)
    }

    @Test func cancellingTheCallerClosesItsConnection() async throws {
        let (arrivals, arrived) = AsyncStream<Void>.makeStream()
        let server = try await ScriptedHTTPServer { _ in
            arrived.yield()
            return .hang
        }
        var closes = server.closes.makeAsyncIterator()
        let pool = pool
        let caller = Task {
            try await pool.execute(url: server.url, headers: [], body: Self.body, mode: .collect(limit: 1024), timeouts: .init())
        }
        var arrivalsIterator = arrivals.makeAsyncIterator()
        await arrivalsIterator.next()
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(await closes.next() == 1)
        try await finish(server)
    }

    @Test func httpsUpstreamsAreReachedOverVerifiedTLS() async throws {
        let server = try await ScriptedHTTPServer(tls: try TestCertificate.serverContext()) { ordinal in .answer(parts: ["secure \(ordinal)"]) }
        let trusting = UpstreamConnectionPool(group: group, configuration: .init(tls: try TestCertificate.trustingClient()))
        for ordinal in 1...2 {
            let response = try await trusting.execute(
                url: server.httpsURL, headers: [], body: Self.body, mode: .collect(limit: 1024), timeouts: .init()
            )
            guard case .collected(let body) = response.body else { throw UpstreamTransportError.closed }
            #expect(String(buffer: body) == "secure \(ordinal)")
        }
        #expect(server.accepted == 1, "the TLS connection is kept alive")
        // The system's trust roots do not know the test certificate: the handshake fails, nothing is answered.
        await #expect(throws: (any Error).self) {
            try await pool.execute(url: server.httpsURL, headers: [], body: Self.body, mode: .collect(limit: 1024), timeouts: .init())
        }
        await trusting.shutdown()
        try await finish(server)
    }
}

@Suite struct UpstreamTargetTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080/v1/chat/completions", false, "127.0.0.1", 8080, "/v1/chat/completions", "127.0.0.1:8080"),
        ("https://api.openai.com/v1/chat/completions", true, "api.openai.com", 443, "/v1/chat/completions", "api.openai.com"),
        ("http://[::1]:9000/a?x=1", false, "::1", 9000, "/a?x=1", "[::1]:9000"),
        ("HTTP://example.com", false, "example.com", 80, "/", "example.com"),
        ("https://r.example.com?api-version=1", true, "r.example.com", 443, "/?api-version=1", "r.example.com"),
    ])
    func targetsAreParsed(url: String, tls: Bool, host: String, port: Int, path: String, hostHeader: String) throws {
        let target = try UpstreamTarget(url: url)
        #expect(target.origin == UpstreamOrigin(usesTLS: tls, host: host, port: port))
        #expect(target.path == path)
        var written = ByteBuffer()
        target.origin.writeHostHeader(into: &written)
        #expect(String(buffer: written) == hostHeader)
    }

    @Test(arguments: ["ftp://x/", "http://", "http://user@host/", "http://host:0/", "http://host:99999/", "no-scheme", "http://h/#f"])
    func badTargetsAreRefused(url: String) {
        #expect(throws: UpstreamTransportError.invalidURL) { try UpstreamTarget(url: url) }
    }
}
