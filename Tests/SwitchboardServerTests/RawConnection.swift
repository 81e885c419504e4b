import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// A plain TCP connection to the gateway, for what an HTTP client library will not send: pipelined requests,
/// `Expect: 100-continue` by hand, a half-closed connection.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let received: Received

    private init(channel: any Channel, received: Received) {
        self.channel = channel
        self.received = received
    }

    /// Connects to `url`'s port on 127.0.0.1 (a gateway URL such as `http://127.0.0.1:8080`). A small
    /// `receiveBuffer` makes the gateway's writes of a large answer wait for the client; with `reading` false
    /// nothing is read until ``startReading()`` (a client that stalls).
    static func open(_ url: String, receiveBuffer: Int? = nil, reading: Bool = true) async throws -> RawConnection {
        let port = Int(url.split(separator: ":").last!)!
        let received = Received()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let receiveBuffer { bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: receiveBuffer) }
        let channel = try await bootstrap
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.autoRead, value: reading)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(received: received)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, received: received)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Reads what arrives from now on.
    func startReading() async throws {
        try await channel.setOption(.autoRead, value: true).get()
        channel.read()
    }

    /// Closes the client's sending side; the connection stays open for the answer.
    func closeOutput() async throws {
        try await channel.close(mode: .output)
    }

    /// Waits until what arrived so far satisfies `done` or the server closed, and returns all of it. A guard
    /// closes the connection (and fails the test) if that takes longer than 10 seconds.
    func read(until done: @escaping @Sendable (String) -> Bool) async -> String {
        let expired = NIOLockedValueBox(false)
        let channel = channel
        let limit = channel.eventLoop.scheduleTask(in: .seconds(10)) {
            expired.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        let text = await received.wait(until: done)
        limit.cancel()
        if expired.withLockedValue({ $0 }) { Issue.record("the gateway did not answer within 10 seconds: \(text)") }
        return text
    }

    /// What arrived once it satisfies `done`, or nil if it has not within `window` (the connection stays open).
    func read(within window: TimeAmount, until done: @escaping @Sendable (String) -> Bool) async -> String? {
        let over = NIOLockedValueBox(false)
        let received = received
        let timer = channel.eventLoop.scheduleTask(in: window) {
            over.withLockedValue { $0 = true }
            received.recheck()
        }
        let text = await received.wait { done($0) || over.withLockedValue { $0 } }
        timer.cancel()
        return done(text) ? text : nil
    }

    /// Waits for the server to close the connection, and returns everything it sent.
    func readToEnd() async -> String {
        await read { _ in false }
    }

    /// Waits until the connection is closed at both ends.
    func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }

    /// The errors the connection saw, such as a reset by the server.
    var errors: [String] { received.errors }

    func close() async {
        try? await channel.close()
    }

    /// What came in, and whoever waits for more.
    private final class Received: Sendable {
        private struct State {
            var text = ""
            var closed = false
            var errors: [String] = []
            var waiters: [(done: @Sendable (String) -> Bool, continuation: CheckedContinuation<String, Never>)] = []
        }
        private let state = NIOLockedValueBox(State())

        func append(_ bytes: ByteBuffer) { update { $0.text += String(buffer: bytes) } }
        func finish() { update { $0.closed = true } }
        /// Asks the waiters' conditions again (one of them may depend on more than the text).
        func recheck() { update { _ in } }
        func record(_ error: any Error) { update { $0.errors.append("\(error)") } }
        var errors: [String] { state.withLockedValue(\.errors) }

        func wait(until done: @escaping @Sendable (String) -> Bool) async -> String {
            await withCheckedContinuation { continuation in
                let ready: String? = state.withLockedValue { state in
                    if state.closed || done(state.text) { return state.text }
                    state.waiters.append((done, continuation))
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }

        private func update(_ change: (inout State) -> Void) {
            let (text, ready) = state.withLockedValue { state in
                change(&state)
                let closed = state.closed
                let text = state.text
                let ready = state.waiters.filter { closed || $0.done(text) }
                state.waiters.removeAll { closed || $0.done(text) }
                return (text, ready.map(\.continuation))
            }
            for continuation in ready { continuation.resume(returning: text) }
        }
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: Received
        init(received: Received) { self.received = received }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received.append(unwrapInboundIn(data))
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? ChannelEvent, event == .inputClosed { received.finish() }
        }

        func channelInactive(context: ChannelHandlerContext) {
            received.finish()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            received.record(error)
            context.close(promise: nil)
        }
    }
}
