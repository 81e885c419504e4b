import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SwitchboardCore
@testable import SwitchboardServer
import Testing

/// The relay on its own: what reaches the client, and how each way of ending is told apart.
@Suite struct StreamRelayTests {
    static let relay = StreamRelay(wantsUsage: false, logger: Logger(label: "test"))

    static func stream(_ payloads: [String], endingWith error: (any Error)? = nil) -> CompletionStream {
        CompletionStream(parts: payloads.map { StreamPart(payload: ByteBuffer(string: $0)) }, endingWith: error)
    }

    @Test func relaysEveryChunkThenDone() async throws {
        let writer = RecordingWriter()
        let transfer = UnsafeWriterTransfer(writer)
        let last = try await Self.relay.forward(Self.stream(["{\"a\":1}", "{\"b\":2}"]), to: transfer, tally: StreamTally())
        #expect(writer.written.joined() == "data: {\"a\":1}\n\ndata: {\"b\":2}\n\n", "[DONE] waits for the end of the body")
        #expect(!writer.finished)
        try await StreamRelay.finish(transfer, after: last)
        #expect(writer.written.joined() == "data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n")
        #expect(writer.finished)
    }

    /// The stream settles (usage recorded, spend charged, metrics counted) before `[DONE]` is written, so a
    /// client that has the whole stream finds its usage in place.
    @Test func theStreamSettlesBeforeItsLastWrite() async throws {
        let writer = RecordingWriter()
        var seen: (text: String, finished: Bool, disconnected: Bool)?
        try await Self.relay.relay(Self.stream(["{\"a\":1}"]), to: UnsafeWriterTransfer(writer), tally: StreamTally(), hangUp: nil) {
            seen = (writer.written.joined(), writer.finished, $0)
        }
        #expect(seen?.text == "data: {\"a\":1}\n\n", "[DONE] comes after the settlement")
        #expect(seen?.finished == false)
        #expect(seen?.disconnected == false)
        #expect(writer.written.joined() == "data: {\"a\":1}\n\ndata: [DONE]\n\n")
        #expect(writer.finished)
    }

    /// A client gone during the relay settles as disconnected, and the relay ends with its hang-up.
    @Test func aClientGoneMidStreamSettlesAsDisconnected() async throws {
        let writer = RecordingWriter(failing: true)
        var disconnected: Bool?
        await #expect(throws: CancellationError.self) {
            try await Self.relay.relay(Self.stream(["{\"a\":1}"]), to: UnsafeWriterTransfer(writer), tally: StreamTally(), hangUp: nil) {
                disconnected = $0
            }
        }
        #expect(disconnected == true)
        #expect(!writer.finished)
    }

    /// Behind the in-flight gauges' writer (as in the server), the last bytes and the end still go out in one
    /// flush: the relay reaches the connection writer's `finish(after:)`, not `write` and then `finish`.
    @Test func theLastWriteAndTheEndStayOneBehindTheGaugesWriter() async throws {
        let writer = FinishingRecordingWriter()
        let done = InFlightRelease(metrics: GatewayMetrics(), streamed: true)
        try await StreamRelay.finish(UnsafeWriterTransfer(ReleasingWriter(parent: writer, done: done)), after: ByteBuffer(string: "last"))
        #expect(writer.events == ["finish after last"])
        // A writer that cannot gets the two calls.
        let plain = RecordingWriter()
        try await StreamRelay.finish(UnsafeWriterTransfer(ReleasingWriter(parent: plain, done: done)), after: ByteBuffer(string: "last"))
        #expect(plain.written == ["last"])
        #expect(plain.finished)
    }

    @Test func anUpstreamFailureEndsWithAnErrorEventAndNoDone() async throws {
        let writer = RecordingWriter()
        let transfer = UnsafeWriterTransfer(writer)
        let failing = Self.stream(["{\"a\":1}"], endingWith: UpstreamError(.interrupted, provider: "p"))
        try await StreamRelay.finish(transfer, after: try await Self.relay.forward(failing, to: transfer, tally: StreamTally()))
        let text = writer.written.joined()
        #expect(text.hasPrefix("data: {\"a\":1}\n\ndata: {\"error\":"))
        #expect(!text.contains("[DONE]"))
    }

    @Test func aFailedWriteIsTheClientGoneNotAnUpstreamFailure() async throws {
        let writer = RecordingWriter(failing: true)
        await #expect(throws: CancellationError.self) {
            _ = try await Self.relay.forward(Self.stream(["{\"a\":1}"]), to: UnsafeWriterTransfer(writer), tally: StreamTally())
        }
        #expect(writer.attempts == 1)
    }
}

/// Records what the relay writes, or fails every write as a connection the client closed would.
private final class RecordingWriter: ResponseBodyWriter, @unchecked Sendable {
    let failing: Bool
    private(set) var written: [String] = []
    private(set) var attempts = 0

    init(failing: Bool = false) { self.failing = failing }

    func write(_ buffer: ByteBuffer) async throws {
        attempts += 1
        if failing { throw ChannelError.ioOnClosedChannel }
        written.append(String(buffer: buffer))
    }

    private(set) var finished = false

    func finish(_ trailingHeaders: HTTPFields?) async throws { finished = true }
}

/// A writer that, like the connection's, can end the body with its last bytes.
private final class FinishingRecordingWriter: FinishingBodyWriter, @unchecked Sendable {
    private(set) var events: [String] = []
    func write(_ buffer: ByteBuffer) async throws { events.append("write " + String(buffer: buffer)) }
    func finish(_ trailingHeaders: HTTPFields?) async throws { events.append("finish") }
    func finish(after last: ByteBuffer) async throws { events.append("finish after " + String(buffer: last)) }
}

/// What a client that hangs up is billed for: the bytes of content and tool-call arguments it was sent.
@Suite struct StreamTallyTests {
    @Test(arguments: [
        (#"{"choices":[{"delta":{"content":"Hello"}}]}"#, 5),
        (#"{"choices":[{"delta":{"role":"assistant","content":""}}]}"#, 0),
        (#"{"choices":[{"delta":{"content":"say \"hi\""}}]}"#, 10),
        (#"{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"{\"a\":1}"}}]}}]}"#, 9),
        (#"{"choices":[{"delta":{"content":"ab"}},{"delta":{"content":"cde"}}]}"#, 5),
        (#"{"choices":[{"delta":{"refusal":null}}],"usage":null}"#, 0),
        (#"{"choices":[{"delta":{"content":"#, 0),
        ("\"content\":\"", 0),
        (#"{"choices":[{"delta":{"content":"a\\"}}]}"#, 3),
        (#"{"choices":[{"delta":{"content" : "hi"}}]}"#, 2),
        (#"{"choices":[{"delta":{"content":"\"content\":\"xy"}}]}"#, 16),
        (#"{"choices":[{"delta":{"role":"content","content":null}}]}"#, 0),
        (#"{"id":"a:b","choices":[{"delta":{"content":"x:y"}}]}"#, 3),
        (#"{"a":"\\","content":"hi"}"#, 2),
        (#"{"a":"\"content\":\"no\"","content":"hi"}"#, 2),
        (#"{"mycontent":"abc","content_x":"de"}"#, 0),
        ("{\"content\"\t:\"ab\",\"ts\":\"cd\",\"xnt\":\"e\"}", 2),
    ])
    func deltaBytesCountTheTextSent(chunk: String, bytes: Int) {
        #expect(StreamTally.deltaBytes(in: ByteBuffer(string: chunk)) == bytes)
    }
}
