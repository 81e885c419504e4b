import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
@testable import SwitchboardServer
import Synchronization
import Testing

/// OpenTelemetry traces end to end: the real swift-otel exporter sends OTLP/HTTP JSON to an in-process
/// receiver, and the tests assert the span tree, its GenAI attributes and the `traceparent` sent upstream.
@Suite struct TracingTests {
    static let clientTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let clientSpanID = "00f067aa0ba902b7"
    static let clientTraceparent = "00-\(clientTraceID)-\(clientSpanID)-01"

    @Test func aChatRequestExportsItsSpanTreeAndPropagatesTheTraceUpstream() async throws {
        let upstreamTraceparents = Mutex<[String]>([])
        let logs = LogCapture()
        let spans = try await Self.traced(logs: logs) { gateway in
            let key = try await gateway.makeKey()
            let reply = try await gateway.call(
                "/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o-mini", "trace me"),
                headers: [("authorization", "Bearer \(key.secret)"), ("traceparent", Self.clientTraceparent)]
            )
            #expect(reply.status == 200)
            let seen = await gateway.recorder.traceparents
            upstreamTraceparents.withLock { $0 = seen }
        }
        let server = try #require(spans.first { $0.name == "POST /v1/chat/completions" })
        #expect(server.traceID == Self.clientTraceID, "the client's trace continues")
        #expect(server.parentSpanID == Self.clientSpanID)
        #expect(server.kind == "SPAN_KIND_SERVER" || server.kind == "2")
        #expect(server.attributes["http.response.status_code"] == "200")
        #expect(server.attributes["http.route"] == "/v1/chat/completions")
        #expect(server.attributes["switchboard.request_id"]?.hasPrefix("req_") == true)

        let children = spans.filter { $0.parentSpanID == server.spanID }
        #expect(Set(children.map(\.name)) == ["authenticate", "admission", "chat gpt-4o-mini", "usage.record"])
        #expect(children.allSatisfy { $0.traceID == Self.clientTraceID })
        let authenticate = try #require(children.first { $0.name == "authenticate" })
        #expect(authenticate.attributes["switchboard.tenant"] == "acme")
        #expect(!spans.flatMap(\.attributes.values).contains { $0.hasPrefix("sk-sb-") }, "no key in any span")

        let attempt = try #require(children.first { $0.name == "chat gpt-4o-mini" })
        #expect(attempt.kind == "SPAN_KIND_CLIENT" || attempt.kind == "3")
        #expect(attempt.attributes["gen_ai.operation.name"] == "chat")
        #expect(attempt.attributes["gen_ai.provider.name"] == "openai")
        #expect(attempt.attributes["gen_ai.request.model"] == "gpt-4o-mini")
        #expect(attempt.attributes["http.response.status_code"] == "200")
        #expect(Int(attempt.attributes["gen_ai.usage.input_tokens"] ?? "") ?? 0 > 0)
        #expect(Int(attempt.attributes["gen_ai.usage.output_tokens"] ?? "") ?? 0 > 0)
        #expect(!attempt.failed)

        let usage = try #require(children.first { $0.name == "usage.record" })
        #expect(usage.attributes["gen_ai.usage.input_tokens"] == attempt.attributes["gen_ai.usage.input_tokens"])
        #expect(Double(usage.attributes["switchboard.cost_usd"] ?? "") ?? 0 > 0)

        let completed = logs.objects().filter { $0["event"] == "request_completed" }
        #expect(completed.map { $0["trace_id"] } == [.string(Self.clientTraceID)], "the log line names the trace")

        // The upstream saw the attempt's span as its parent, in the client's trace.
        #expect(upstreamTraceparents.withLock { $0 } == ["00-\(Self.clientTraceID)-\(attempt.spanID)-01"])
    }

    @Test func eachAttemptAndAStreamGetTheirOwnSpans() async throws {
        let spans = try await Self.traced { gateway in
            let retried = try await gateway.call(
                "/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o@status=500,fail-first=1", "retry me")
            )
            #expect(retried.status == 200)
            #expect(retried.headers.first(name: "x-switchboard-attempts") == "2")
            let streamed = try await gateway.call(
                "/v1/chat/completions", body: GatewayHarness.chat("anthropic/claude-3-5-haiku-latest", "stream me", stream: true)
            )
            #expect(streamed.status == 200)
            #expect(streamed.body.hasSuffix("data: [DONE]\n\n"))
        }
        let servers = spans.filter { $0.name == "POST /v1/chat/completions" }
        #expect(servers.count == 2)
        #expect(Set(servers.map(\.traceID)).count == 2, "requests without traceparent start their own traces")

        let retriedServer = try #require(servers.first { server in spans.contains { $0.parentSpanID == server.spanID && $0.name.hasPrefix("chat gpt-4o@") } })
        let attempts = spans.filter { $0.parentSpanID == retriedServer.spanID && $0.name.hasPrefix("chat ") }
        #expect(attempts.count == 2)
        #expect(attempts.filter(\.failed).map { $0.attributes["http.response.status_code"] } == ["500"])
        #expect(attempts.filter { !$0.failed }.map { $0.attributes["http.response.status_code"] } == ["200"])

        let streamServer = try #require(servers.first { $0.spanID != retriedServer.spanID })
        let streamChildren = spans.filter { $0.parentSpanID == streamServer.spanID }
        let streamAttempt = try #require(streamChildren.first { $0.name == "chat claude-3-5-haiku-latest" })
        #expect(streamAttempt.attributes["gen_ai.provider.name"] == "anthropic")
        #expect(Int(streamAttempt.attributes["gen_ai.usage.output_tokens"] ?? "") ?? 0 > 0, "the stream's usage reaches its span")
        #expect(streamChildren.contains { $0.name == "usage.record" }, "a stream settles inside its request's trace")
    }

    @Test func tracingIsOffWithoutAnEndpointAndSendsNoTraceparent() async throws {
        #expect(try TracingBackend.make(TracingSettings(), environment: [:], logger: Logger(label: "test")) == nil)
        var settings = TracingSettings()
        settings.endpoint = "http://127.0.0.1:4318"
        #expect(try TracingBackend.make(settings, environment: ["OTEL_SDK_DISABLED": "true"], logger: Logger(label: "test")) == nil)
        #expect(TracingBackend.isOn(TracingSettings(), environment: ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"]))
        #expect(TracingBackend.tracesURL("http://collector:4318/") == "http://collector:4318/v1/traces")
        try await GatewayHarness.run { gateway in
            let reply = try await gateway.call(
                "/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o-mini"), headers: [
                    ("authorization", "Bearer \(GatewayHarness.adminKey)"), ("traceparent", Self.clientTraceparent),
                ]
            )
            #expect(reply.status == 200)
            #expect(await gateway.recorder.traceparents.isEmpty, "without tracing the gateway neither continues nor forwards a trace")
        }
    }

    /// Runs `body` against a gateway that exports its spans to an in-process receiver; returns every span
    /// exported, once the exporter has flushed on shutdown.
    static func traced(logs: LogCapture? = nil, _ body: @Sendable (GatewayHarness) async throws -> Void) async throws -> [ReceivedSpan] {
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let receiver = OTLPReceiver()
        let (ports, port) = AsyncStream<Int>.makeStream()
        let receiverGroup = ServiceGroup(services: [await receiver.application(logger: logger) { port.yield($0) }], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await receiverGroup.run() }
            var iterator = ports.makeAsyncIterator()
            var settings = TracingSettings()
            settings.endpoint = "http://127.0.0.1:\(try #require(await iterator.next()))"
            settings.wireProtocol = .json
            let backend = try #require(try TracingBackend.make(settings, environment: [:], logger: logger))
            let exporterGroup = ServiceGroup(services: [backend.service], logger: logger)
            let exporter = Task { try await exporterGroup.run() }
            try await GatewayHarness.run(logs: logs, tracer: backend.tracer, body)
            // Shutting the exporter down flushes every ended span.
            await exporterGroup.triggerGracefulShutdown()
            try await exporter.value
            await receiverGroup.triggerGracefulShutdown()
        }
        return await receiver.spans
    }
}
