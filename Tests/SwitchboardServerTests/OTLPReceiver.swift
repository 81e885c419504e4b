import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import ServiceLifecycle
import SwitchboardCore

/// One span as an OTLP/HTTP JSON export carried it.
struct ReceivedSpan: Sendable {
    var traceID: String
    var spanID: String
    var parentSpanID: String
    var name: String
    var kind: String
    var attributes: [String: String]
    var failed: Bool
}

/// An in-process OpenTelemetry collector: accepts `POST /v1/traces` in the OTLP/HTTP JSON encoding on a
/// loopback port and keeps the spans.
actor OTLPReceiver {
    private(set) var spans: [ReceivedSpan] = []

    func application(logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void) -> some Service {
        let router = Router()
        router.post("v1/traces") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: 16 * 1024 * 1024)
            let export = try JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))
            await self.receive(export)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { await onRunning($0.localAddress?.port ?? 0) }, logger: logger
        )
    }

    private func receive(_ export: JSONValue) {
        for resource in export["resourceSpans"]?.arrayValue ?? [] {
            for scope in resource["scopeSpans"]?.arrayValue ?? [] {
                for span in scope["spans"]?.arrayValue ?? [] {
                    var attributes: [String: String] = [:]
                    for attribute in span["attributes"]?.arrayValue ?? [] {
                        guard let key = attribute["key"]?.stringValue, let value = attribute["value"]?.objectValue?.values.first else { continue }
                        attributes[key] = Self.text(value)
                    }
                    spans.append(ReceivedSpan(
                        traceID: Self.hexID(span["traceId"]), spanID: Self.hexID(span["spanId"]),
                        parentSpanID: Self.hexID(span["parentSpanId"]), name: span["name"]?.stringValue ?? "",
                        kind: span["kind"].map(Self.text) ?? "", attributes: attributes,
                        failed: span["status"]?["code"].map(Self.text).map { $0 == "2" || $0 == "STATUS_CODE_ERROR" } ?? false
                    ))
                }
            }
        }
    }

    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .bool(let flag): String(flag)
        default: ""
        }
    }

    /// Trace and span ids in hex, whether the exporter wrote hex (the OTLP JSON rule) or base64 (protobuf JSON).
    private static func hexID(_ value: JSONValue?) -> String {
        guard let text = value?.stringValue, !text.isEmpty else { return "" }
        if text.count % 16 == 0, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let bytes = Data(base64Encoded: text) else { return text }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
