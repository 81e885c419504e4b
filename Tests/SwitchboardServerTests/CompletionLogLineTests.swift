import Foundation
import Logging
import SwitchboardCore
@testable import SwitchboardServer
import Testing

/// The completion line written straight into the JSON handler must be the line swift-log's path writes.
@Suite struct CompletionLogLineTests {
    static let records: [UsageRecord] = [
        UsageRecord(requestID: "req-1", time: Date(), tenant: nil, keyID: nil, publicModel: "gpt-4o-mini", status: 200),
        UsageRecord(
            requestID: "req-2", time: Date(), tenant: "acme", keyID: "key_7", publicModel: "fast \"quoted\" \\ model\n",
            provider: "openai", upstreamModel: "gpt-4o-mini-2024", promptTokens: 1_234_567, completionTokens: 89,
            cachedTokens: 12, cost: USD(nanos: 1_234_567), estimated: true, latencyMilliseconds: 1_042,
            timeToFirstByteMilliseconds: 0, status: 502, errorType: "upstream_error", streamed: true,
            clientDisconnected: true, attempts: 3
        ),
        UsageRecord(
            requestID: "req-3", time: Date(), tenant: "t", keyID: "k", publicModel: "m", cost: USD(nanos: -5),
            latencyMilliseconds: -1, timeToFirstByteMilliseconds: 10, status: 429, errorType: "rate_limited"
        ),
    ]

    @Test(arguments: [0, 1, 2], [nil, "4bf92f3577b34da6a3ce929d0e0e4736"])
    func directLineIsTheMetadataLine(index: Int, traceID: String?) throws {
        let record = Self.records[index]
        let logs = LogCapture()
        let handler = StructuredLogHandler(label: "switchboard", format: .json, level: .info, output: logs.output)
        #expect(handler.writesPlainJSONLines)
        handler.writeJSONLine(level: .error, message: CompletionLogLine.message) { line in
            CompletionLogLine.write(record, traceID: traceID, into: &line)
        }
        Logger(label: "switchboard") { _ in handler }
            .error("\(CompletionLogLine.message)", metadata: CompletionLogLine.metadata(of: record, traceID: traceID))
        #expect(logs.all.count == 2)
        let lines = logs.all.map(Self.withoutTimestamp)
        #expect(lines[0] == lines[1])
        #expect(lines[0].contains(#""request_id":"\#(record.requestID)""#))
    }

    @Test func observerWritesDirectlyOnlyIntoAPlainJSONHandler() throws {
        let record = Self.records[1]
        for (format, metadata) in [(LogFormat.json, [:]), (.json, ["replica": "a"]), (.text, [:])] as [(LogFormat, Logger.Metadata)] {
            let logs = LogCapture()
            var logger = Logger(label: "switchboard") { label in
                StructuredLogHandler(label: label, format: format, level: .info, output: logs.output)
            }
            for (name, value) in metadata { logger[metadataKey: name] = value }
            GatewayRequestObserver(logger: logger, metrics: GatewayMetrics(), logPrompts: false)
                .requestFinished(record, request: nil, completionBody: nil)
            let line = try #require(logs.all.first)
            #expect(line.contains("request completed"))
            #expect(line.contains("upstream_error"))
            if !metadata.isEmpty { #expect(line.contains(#""replica":"a""#), "the handler's metadata stays on the line") }
        }
    }

    /// The line with its `timestamp` member's value blanked (the two lines are written a moment apart).
    static func withoutTimestamp(_ line: String) -> String {
        guard let start = line.range(of: #"{"timestamp":""#), let end = line[start.upperBound...].firstIndex(of: "\"") else { return line }
        return String(line[..<start.upperBound]) + String(line[end...])
    }
}
