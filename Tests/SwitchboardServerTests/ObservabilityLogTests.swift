import Foundation
import Logging
import SwitchboardCore
@testable import SwitchboardServer
import Testing

/// Structured logs: one JSON object per line, one completion line per request with every field, and no
/// secret anywhere in what the gateway logs.
@Suite struct ObservabilityLogTests {
    static let providerKeys = [
        "sk-test-openai-upstream-key-000000000000", "sk-ant-test-upstream-key-0000000000000", "azure-test-upstream-key-00000000000000",
    ]
    static let planted = "sk-planted-config-provider-key-9876543210"
    static let metricsToken = "metrics-token-planted-0123456789"
    static let cookie = "session=cookie-secret-value-5551234"

    @Test func completionLineHasEveryFieldAndNoSecretIsLogged() async throws {
        let logs = LogCapture()
        try await GatewayHarness.run(configure: { configuration, upstream in
            configuration.providers.append(ProviderSettings(name: "planted", kind: .openAI, apiKey: Secret(Self.planted), baseURL: "\(upstream)/v1"))
            configuration.observability.metricsToken = Secret(Self.metricsToken)
        }, logs: logs) { gateway in
            let (id, secret) = try await gateway.makeKey()
            let body = GatewayHarness.chat("openai/gpt-4o", "My key is sk-user-pasted-secret-key-1234567890 and mail bob@example.com")
            let reply = try await gateway.call("/v1/chat/completions", body: body, headers: [
                ("authorization", "Bearer \(secret)"), ("cookie", Self.cookie), ("x-request-id", "test-req-42"),
                ("x-api-key", secret),
            ])
            #expect(reply.status == 200)
            #expect(reply.headers["x-request-id"].first == "test-req-42")
            let streamed = try await gateway.chat(secret, GatewayHarness.chat(
                "planted/gpt-4o-mini", stream: true, extra: #""stream_options":{"include_usage":true}"#
            ))
            #expect(streamed.status == 200)
            let generated = try await gateway.chat(secret, GatewayHarness.chat("mock/echo"))
            let generatedID = try #require(generated.headers["x-request-id"].first)
            let failed = try await gateway.chat(secret, GatewayHarness.chat("openai/gpt-4o@status=400"))
            #expect(failed.status == 400)
            let unauthorised = try await gateway.call("/v1/chat/completions", body: body, headers: [("authorization", "Bearer sk-sb-wrong-key-000000000000000000")])
            #expect(unauthorised.status == 401)
            _ = try await gateway.call("/metrics", method: .GET, headers: [("authorization", "Bearer \(Self.metricsToken)")])

            let records = await gateway.records()
            let lines = logs.completions()
            #expect(lines.count == records.count)
            let first = try #require(lines.first { $0["request_id"]?.stringValue == "test-req-42" })
            let record = try #require(records.first { $0.requestID == "test-req-42" })
            #expect(first["tenant"] == "acme")
            #expect(first["key_id"]?.stringValue == id)
            #expect(first["model"] == "openai/gpt-4o")
            #expect(first["provider"] == "openai")
            #expect(first["upstream_model"] == "gpt-4o")
            #expect(first["status"] == .int(200))
            #expect(first["error_type"] == nil)
            #expect(first["latency_ms"] == .int(Int64(record.latencyMilliseconds)))
            #expect(first["prompt_tokens"] == .int(Int64(record.promptTokens)))
            #expect(first["completion_tokens"] == .int(Int64(record.completionTokens)))
            #expect(record.promptTokens > 0 && record.completionTokens > 0)
            #expect(first["cost_usd"] != nil)
            #expect(first["cache_hit"] == .bool(false))
            #expect(first["attempts"] == .int(1))
            #expect(first["level"] == "info")
            #expect(first["timestamp"]?.stringValue != nil)
            #expect(first["prompt"] == nil && first["completion"] == nil)

            let stream = try #require(lines.first { $0["model"] == "planted/gpt-4o-mini" })
            #expect(stream["streamed"] == .bool(true))
            #expect(stream["ttfb_ms"]?.intValue != nil)
            #expect(stream["provider"] == "planted")
            // A generated request id is logged as is, so the line can be found from the response header.
            #expect(lines.contains { $0["request_id"]?.stringValue == generatedID && $0["model"] == "mock/echo" })
            let failure = try #require(lines.first { $0["model"] == "openai/gpt-4o@status=400" })
            #expect(failure["status"] == .int(400))
            #expect(failure["error_type"]?.stringValue?.isEmpty == false)

            let everything = logs.all.joined(separator: "\n")
            let secrets = Self.providerKeys + [Self.planted, Self.metricsToken, GatewayHarness.adminKey, secret, "cookie-secret-value-5551234",
                                               "sk-sb-wrong-key-000000000000000000", "sk-user-pasted-secret-key-1234567890"]
            for planted in secrets { #expect(!everything.contains(planted), "a secret was logged") }
            // Prompts are not logged unless enabled.
            #expect(!everything.contains("bob@example.com"))
        }
    }

    @Test func promptLoggingRedactsPersonalData() async throws {
        let logs = LogCapture()
        try await GatewayHarness.run(configure: { configuration, _ in configuration.observability.logPrompts = true }, logs: logs) { gateway in
            let (_, secret) = try await gateway.makeKey()
            let prompt = "Mail bob@example.com, call +1 415-555-0134, card 4111 1111 1111 1111, key sk-proj-abcdefghijklmnop123456"
            let reply = try await gateway.chat(secret, GatewayHarness.chat("openai/gpt-4o", prompt))
            #expect(reply.status == 200)
            _ = await gateway.records()
            let line = try #require(logs.completions().first)
            let logged = try #require(line["prompt"]?.stringValue)
            #expect(logged.contains("user: Mail [EMAIL]"))
            #expect(logged.contains("[CARD]") && logged.contains("[PHONE]"))
            for raw in ["bob@example.com", "415-555-0134", "4111 1111 1111 1111", "sk-proj-abcdefghijklmnop123456"] {
                #expect(!logs.all.joined().contains(raw), "\(raw) was logged")
            }
            #expect(line["completion"]?.stringValue != nil)
        }
    }

    @Test func everyLineIsOneJSONObjectAndSensitiveMetadataIsRedacted() throws {
        let logs = LogCapture()
        var handler = StructuredLogHandler(label: "t", format: .json, level: .trace, output: logs.output)
        handler[metadataKey: "authorization"] = "Bearer sk-abc"
        var logger = Logger(label: "t") { _ in handler }
        logger[metadataKey: "api_key"] = "plain"
        logger.info("upstream said: invalid key sk-live-0123456789abcdefghij", metadata: ["Cookie": "a=b", "count": .stringConvertible(3)])
        let object = try #require(logs.objects().first)
        #expect(object["authorization"] == "[REDACTED]")
        #expect(object["api_key"] == "[REDACTED]")
        #expect(object["Cookie"] == "[REDACTED]")
        #expect(object["count"] == .int(3))
        #expect(object["message"] == "upstream said: invalid key [REDACTED]")
        #expect(logs.all.count == 1 && !logs.all[0].contains("\n"))
    }

    @Test func jsonLinesEscapeEverythingAndStartWithTheFixedFields() throws {
        let logs = LogCapture()
        let logger = Logger(label: "switchboard") { label in
            StructuredLogHandler(label: label, format: .json, level: .info, output: logs.output)
        }
        let awkward = "quote \" backslash \\ newline \n tab \t bell \u{07} emoji 🚦 slash /"
        logger.info("m", metadata: [
            "awkward": .string(awkward), "ratio": .stringConvertible(0.25), "ok": .stringConvertible(true),
            "list": .array(["a", .stringConvertible(1)]), "nested": .dictionary(["z": "1", "a": "2"]), "message": "spoofed",
        ])
        let line = try #require(logs.all.first)
        #expect(line.hasPrefix(#"{"timestamp":""#))
        #expect(line.contains(#"","level":"info","label":"switchboard","message":"m","#))
        #expect(!line.contains("\n") || line.contains(#"\n"#))
        let object = try #require(logs.objects().first)
        #expect(object["awkward"] == .string(awkward))
        #expect(object["ratio"] == .double(0.25))
        #expect(object["ok"] == .bool(true))
        #expect(object["list"] == .array(["a", .int(1)]))
        #expect(object["nested"]?["a"] == "2")
        #expect(object["message"] == "m", "metadata cannot overwrite the message")
        let timestamp = try #require(object["timestamp"]?.stringValue)
        #expect(timestamp.count == 24 && timestamp.hasSuffix("Z"), "\(timestamp)")
    }

    @Test func textFormatIsOneReadableLine() {
        let logs = LogCapture()
        let logger = Logger(label: "switchboard") { label in
            StructuredLogHandler(label: label, format: .text, level: .info, output: logs.output)
        }
        logger.debug("hidden")
        logger.info("request completed", metadata: ["status": .stringConvertible(200)])
        #expect(logs.all.count == 1)
        #expect(logs.all.first?.hasSuffix("INFO switchboard: request completed status=200") == true)
    }
}
