import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStorage
import Synchronization
@testable import SwitchboardServer
import Testing

/// A readiness check with a fixed answer.
struct FixedReadiness: ReadinessCheck {
    var healthy = true
    struct Down: Error {}
    func ping() async throws { if !healthy { throw Down() } }
}

/// An in-process mock upstream and a gateway in front of it, both on ephemeral loopback ports.
/// Providers: `mock` (built in), `openai`, `anthropic` and `azure` pointing at the mock upstream.
struct GatewayHarness: Sendable {
    static let adminKey = "sk-sb-admin-test-key-0123456789"

    let gatewayURL: String
    let recorder: MockUpstreamRecorder
    let client: HTTPClient
    let gatewayGroup: ServiceGroup
    /// Tenants, keys and usage records of this gateway.
    let store: MemoryGovernanceStore
    let governance: Governance
    let ledger: UsageLedgerWriter
    /// Finishes when the gateway's service group has returned.
    let gatewayStopped: AsyncStream<Void>
    /// This gateway's own metrics registry.
    let metrics: GatewayMetrics
    /// The separate metrics server's base URL, when `metrics.port` is set.
    let metricsURL: String?

    /// Returns once the gateway has shut down.
    func waitUntilStopped() async {
        for await _ in gatewayStopped {}
    }

    /// Runs `body` against a fresh gateway; `configure` adjusts the configuration (given the mock's base URL).
    static func run(
        configure: @Sendable (inout GatewayConfiguration, String) -> Void = { _, _ in },
        readiness: FixedReadiness = FixedReadiness(),
        clock: any GatewayClock = SystemClock(),
        routingTime: TimeSource = .continuous,
        logs: LogCapture? = nil,
        tracer: GatewayTracer = .off,
        _ body: @Sendable (GatewayHarness) async throws -> Void
    ) async throws {
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        // The gateway logs into `logs` when given, as JSON lines at trace level (everything it could ever write).
        let gatewayLogger = logs.map { capture in
            Logger(label: "switchboard") { label in StructuredLogHandler(label: label, format: .json, level: .trace, output: capture.output) }
        } ?? quiet
        let logger = quiet
        let recorder = MockUpstreamRecorder()
        let (mockPorts, mockPort) = AsyncStream<Int>.makeStream()
        let mock = MockUpstream(recorder: recorder).application(port: 0, logger: logger) { mockPort.yield($0) }
        let mockGroup = ServiceGroup(services: [mock], logger: logger)

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await mockGroup.run() }
            var ports = mockPorts.makeAsyncIterator()
            let upstream = "http://127.0.0.1:\(try #require(await ports.next()))"

            var configuration = GatewayConfiguration()
            configuration.port = 0
            configuration.providers += [
                ProviderSettings(name: "openai", kind: .openAI, apiKey: Secret("sk-test-openai-upstream-key-000000000000"), baseURL: "\(upstream)/v1"),
                ProviderSettings(name: "anthropic", kind: .anthropic, apiKey: Secret("sk-ant-test-upstream-key-0000000000000"), baseURL: upstream),
                {
                    var azure = ProviderSettings(name: "azure", kind: .azureOpenAI, apiKey: Secret("azure-test-upstream-key-00000000000000"))
                    azure.endpoint = upstream
                    azure.apiVersion = "2024-10-21"
                    return azure
                }(),
            ]
            configure(&configuration, upstream)

            let connections = UpstreamConnectionPool()
            let (gatewayPorts, gatewayPort) = AsyncStream<Int>.makeStream()
            let store = MemoryGovernanceStore()
            let ledger = UsageLedgerWriter(repository: store, logger: logger, flushInterval: .milliseconds(1))
            let governance = Governance(
                tenants: store, keys: store, usageRepository: store, usage: ledger, settings: configuration.governance, clock: clock
            )
            try await governance.load()
            var dependencies = GatewayDependencies(
                configuration: configuration, adminKeyHash: SecretHash.sha256Hex(adminKey), connections: connections,
                database: readiness, governance: governance, logger: gatewayLogger
            )
            dependencies.routingTime = routingTime
            dependencies.tracer = tracer
            let metrics = GatewayMetrics(tenantLabels: configuration.observability.tenantLabels)
            dependencies.metrics = metrics
            let (metricsPorts, metricsPort) = AsyncStream<Int>.makeStream()
            dependencies.onMetricsServerRunning = { metricsPort.yield($0) }
            let app = try buildApplication(dependencies) { gatewayPort.yield($0) }
            var groupConfiguration = ServiceGroupConfiguration(
                services: [.init(service: ledger), .init(service: UpstreamConnectionsService(connections: connections)), .init(service: app)],
                logger: logger
            )
            groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace
            let gatewayGroup = ServiceGroup(configuration: groupConfiguration)
            let (gatewayStopped, stoppedSignal) = AsyncStream<Void>.makeStream()
            tasks.addTask {
                defer { stoppedSignal.finish() }
                try await gatewayGroup.run()
            }
            var gatewayIterator = gatewayPorts.makeAsyncIterator()
            let port = try #require(await gatewayIterator.next())
            var metricsURL: String?
            if configuration.observability.metricsEnabled, configuration.observability.metricsPort != nil {
                var metricsIterator = metricsPorts.makeAsyncIterator()
                metricsURL = "http://127.0.0.1:\(try #require(await metricsIterator.next()))"
            }

            var clientConfiguration = HTTPClient.Configuration()
            clientConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
            let harness = GatewayHarness(gatewayURL: "http://127.0.0.1:\(port)", recorder: recorder, client: client, gatewayGroup: gatewayGroup, store: store, governance: governance, ledger: ledger,
                                         gatewayStopped: gatewayStopped, metrics: metrics, metricsURL: metricsURL)
            do {
                try await body(harness)
            } catch {
                try? await client.shutdown()
                await gatewayGroup.triggerGracefulShutdown()
                await mockGroup.triggerGracefulShutdown()
                throw error
            }
            try await client.shutdown()
            await gatewayGroup.triggerGracefulShutdown()
            await mockGroup.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// A buffered response.
    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8)) }
    }

    /// Sends a request with the admin key unless `headers` says otherwise.
    func send(
        _ path: String, method: HTTPMethod = .POST, body: String? = nil, headers: [(String, String)]? = nil
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: gatewayURL + path)
        request.method = method
        for (name, value) in headers ?? [("authorization", "Bearer \(Self.adminKey)")] {
            request.headers.add(name: name, value: value)
        }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        return try await client.execute(request, timeout: .seconds(30))
    }

    /// Sends a request and reads the whole body.
    func call(_ path: String, method: HTTPMethod = .POST, body: String? = nil, headers: [(String, String)]? = nil) async throws -> Reply {
        let response = try await send(path, method: method, body: body, headers: headers)
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// A chat request body for `model` asking `prompt`, with extra top-level JSON fields.
    static func chat(_ model: String, _ prompt: String = "Hello from the test", stream: Bool = false, extra: String = "") -> String {
        #"{"model":"\#(model)","stream":\#(stream),"messages":[{"role":"user","content":"\#(prompt)"}]\#(extra.isEmpty ? "" : "," + extra)}"#
    }

    /// The `data:` payloads of an SSE body, in order.
    static func events(_ body: String) -> [String] {
        body.components(separatedBy: "\n\n").compactMap { event in
            event.hasPrefix("data: ") ? String(event.dropFirst(6)) : nil
        }
    }

    /// Joins the content deltas of OpenAI chunks.
    static func content(ofChunks events: [String]) -> String {
        events.compactMap { event -> String? in
            guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(event.utf8)) else { return nil }
            return json["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue
        }.joined()
    }
}

/// Fails the test instead of hanging when `operation` does not finish in time. A guard, not synchronisation.
/// The operation runs in a task of its own, which is cancelled and left behind at the limit: a task group would
/// wait for an operation that ignores cancellation (a continuation nobody resumes) and hang the test run.
func withTimeLimit<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = Mutex<CheckedContinuation<T, any Error>?>(nil)
    let finish = { @Sendable (result: Result<T, any Error>) -> Bool in
        guard let continuation = outcome.withLock({ $0.take() }) else { return false }
        continuation.resume(with: result)
        return true
    }
    return try await withCheckedThrowingContinuation { continuation in
        outcome.withLock { $0 = continuation }
        let work = Task { try await operation() }
        let timer = Task {
            try await Task.sleep(for: limit)
            if finish(.failure(CancellationError())) {
                work.cancel()
                Issue.record("operation did not finish within \(limit)")
            }
        }
        Task {
            let result = await work.result
            if finish(result) { timer.cancel() }
        }
    }
}

/// Collects the gateway's log lines in memory, for tests that read what was logged.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var output: LogOutput { LogOutput { line in self.append(line) } }

    private func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// Every line so far.
    var all: [String] { lines.withLock { $0 } }

    /// Every line so far, decoded as JSON objects (a line that is not one fails the test).
    func objects() -> [[String: JSONValue]] {
        all.compactMap { line in
            let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8))
            #expect(object != nil, "not a JSON object: \(line)")
            return object
        }
    }

    /// The completion lines (`event` = `request_completed`).
    func completions() -> [[String: JSONValue]] {
        objects().filter { $0["event"]?.stringValue == "request_completed" }
    }
}
