import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import SwitchboardCore

/// A fake model provider speaking the OpenAI (`POST /v1/chat/completions`) and Anthropic (`POST /v1/messages`)
/// wire formats, streaming and not, with realistic bodies and usage, and per-request faults (``MockFault``).
/// Runs as `switchboard mock-upstream` and in-process in tests, where its ``recorder`` tells what it saw.
public struct MockUpstream: Sendable {
    public let recorder: MockUpstreamRecorder

    public init(recorder: MockUpstreamRecorder = MockUpstreamRecorder()) {
        self.recorder = recorder
    }

    /// The mock's HTTP application; `onServerRunning` receives the bound port (useful with port 0).
    public func application(
        host: String = "127.0.0.1", port: Int, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(),
            // A benchmark opens thousands of upstream connections at once; the default queue of 256 drops them.
            configuration: .init(address: .hostname(host, port: port), serverName: "mock-upstream", backlog: 4096),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("v1/chat/completions") { request, _ in try await handle(request, format: OpenAIMockFormat()) }
        router.post("v1/messages") { request, _ in try await handle(request, format: AnthropicMockFormat()) }
        router.post("openai/deployments/:deployment/chat/completions") { request, _ in
            try await handle(request, format: OpenAIMockFormat())
        }
        router.get("health") { _, _ in "ok" }
        return router
    }

    private struct Dropped: Error {}

    private func handle(_ request: Request, format: some MockWireFormat) async throws -> Response {
        await recorder.recordRequest(path: request.uri.path, traceparent: request.headers[.init("traceparent")!])
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024 * 1024)
        let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))) ?? .object([:])
        await recorder.recordBody(json)
        let (model, modelFault) = MockFault.split(model: json["model"]?.stringValue ?? "mock-model")
        let headerSpec = request.headers[HTTPField.Name("x-mock-fault")!]
        var requested = headerSpec.map(MockFault.init(spec:)) ?? modelFault ?? MockFault()
        if let limit = requested.failFirst {
            // A burst: the fault applies to the first `limit` requests with the same fault, then it is over.
            let key = headerSpec ?? json["model"]?.stringValue ?? ""
            if await recorder.nextOrdinal(forFault: key) > limit { requested = MockFault() }
        }
        let fault = requested

        let isStream = json["stream"] == .bool(true)
        // One watcher per request (Hummingbird allows one), only where a client hang-up must be noticed: while
        // delaying or hanging, and while streaming. Plain answers keep their keep-alive connection.
        let hangUp = fault.hang || fault.headersDelayMilliseconds > 0 || isStream ? ClientHangUp(watching: request) : nil
        if let hangUp, fault.hang || fault.headersDelayMilliseconds > 0 {
            do {
                try await hangUp.cancelling {
                    try await Task.sleep(for: fault.hang ? .seconds(86_400) : .milliseconds(fault.headersDelayMilliseconds))
                }
            } catch {
                await hangUp.release()
                await recorder.recordDisconnect()
                throw error
            }
        }
        if let status = fault.status {
            await hangUp?.release()
            var headers: HTTPFields = [.contentType: "application/json"]
            if let retryAfter = fault.retryAfter { headers[.retryAfter] = retryAfter }
            if let millis = fault.retryAfterMilliseconds { headers[HTTPField.Name("retry-after-ms")!] = millis }
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: format.errorBody(status: status, code: fault.code)))
        }
        var answer = format.answer(to: json)
        if let times = fault.repeatAnswer { answer.repeatText(times) }
        let id = "mock-\(UUID().uuidString.prefix(8).lowercased())"
        guard isStream, let hangUp else {
            await hangUp?.release()
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: format.completion(answer, id: id, model: model)))
        }
        let events = format.streamEvents(answer, id: id, model: model, includeUsage: json["stream_options"]?["include_usage"] == .bool(true))
        let recorder = recorder
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .connection: "close"], body: .init { writer in
            let transfer = UnsafeWriterTransfer(writer)
            do {
                try await hangUp.cancelling {
                    var writer = transfer.writer
                    for (index, event) in events.enumerated() {
                        if let limit = fault.dropAfterChunks, index >= limit { throw Dropped() }
                        let delay = fault.delayMilliseconds(beforeChunk: index)
                        if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
                        try await writer.write(event.bytes)
                    }
                }
            } catch {
                await hangUp.release()
                if !(error is Dropped) { await recorder.recordDisconnect() }
                throw error
            }
            await hangUp.release()
            try await writer.finish(nil)
        })
    }
}

/// One wire format the mock speaks.
protocol MockWireFormat: Sendable {
    func answer(to request: JSONValue) -> MockAnswer
    func completion(_ answer: MockAnswer, id: String, model: String) -> ByteBuffer
    /// The stream's events, each encoded only when it is written: a long answer starts at once, and a stream
    /// held open costs no more than its next event.
    func streamEvents(_ answer: MockAnswer, id: String, model: String, includeUsage: Bool) -> [MockStreamEvent]
    /// - Parameter code: the error code to report; `context_length_exceeded` also words the message as the
    ///   real provider does.
    func errorBody(status: Int, code: String?) -> ByteBuffer
}

extension MockWireFormat {
    func encode(_ value: JSONValue) -> ByteBuffer {
        ByteBuffer(data: (try? JSONEncoder().encode(value)) ?? Data("{}".utf8))
    }

    func sse(_ value: JSONValue, event: String? = nil) -> MockStreamEvent {
        .json(value, event: event)
    }

    /// Splits JSON argument text in two, as providers stream it in fragments.
    func halves(_ text: String) -> [String] {
        let middle = text.index(text.startIndex, offsetBy: text.count / 2)
        return [String(text[..<middle]), String(text[middle...])]
    }
}

/// One Server-Sent Event of a mock stream, kept as its JSON value until it is written.
enum MockStreamEvent: Sendable {
    /// `event: NAME` (when named), then `data: JSON`.
    case json(JSONValue, event: String?)
    /// OpenAI's `data: [DONE]`.
    case done

    /// The event's bytes on the wire.
    var bytes: ByteBuffer {
        switch self {
        case .done:
            return ByteBuffer(string: "data: [DONE]\n\n")
        case .json(let value, let event):
            var buffer = ByteBuffer()
            if let event { buffer.writeString("event: \(event)\n") }
            buffer.writeString("data: ")
            buffer.writeString(value.compactText)
            buffer.writeString("\n\n")
            return buffer
        }
    }
}
