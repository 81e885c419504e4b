import Foundation
import NIOCore
import NIOFoundationCompat
import SwitchboardCore
@testable import SwitchboardServer
import Testing

/// Every error is the OpenAI error shape with the right status.
@Suite struct ErrorResponseTests {
    static func expectErrorShape(_ reply: GatewayHarness.Reply, status: Int, code: String? = nil, param: String? = nil) {
        #expect(reply.status == status)
        #expect(reply.headers.first(name: "content-type") == "application/json")
        let error = reply.json?["error"]
        #expect(error?["message"]?.stringValue?.isEmpty == false)
        #expect(error?["type"]?.stringValue != nil)
        #expect(error?.objectValue?.keys.sorted() == ["code", "message", "param", "type"])
        if let code { #expect(error?["code"]?.stringValue == code) }
        if let param { #expect(error?["param"]?.stringValue == param) }
    }

    @Test func errorBodyIsExactJSONWithNullsAndEscapes() throws {
        let plain = GatewayError(status: 401, type: "invalid_request_error", code: "invalid_api_key", message: "No key.")
        #expect(String(buffer: plain.jsonBody)
            == #"{"error":{"code":"invalid_api_key","message":"No key.","param":null,"type":"invalid_request_error"}}"#)

        let message = "quote \" backslash \\ tab \t newline \n bell \u{07} é 🙂 </script>"
        let odd = GatewayError(status: 400, type: "invalid_request_error", message: message, param: "messages[0].content")
        let parsed = try JSONSerialization.jsonObject(with: Data(buffer: odd.jsonBody)) as? [String: [String: Any]]
        #expect(parsed?["error"]?["message"] as? String == message)
        #expect(parsed?["error"]?["param"] as? String == "messages[0].content")
        #expect(parsed?["error"]?["code"] is NSNull)
        #expect(parsed?["error"]?.keys.sorted() == ["code", "message", "param", "type"])
    }

    @Test func malformedJSONIs400() async throws {
        try await GatewayHarness.run { gateway in
            let reply = try await gateway.call("/v1/chat/completions", body: "{not json")
            Self.expectErrorShape(reply, status: 400, code: "invalid_json")
        }
    }

    @Test func invalidFieldIs400NamingIt() async throws {
        try await GatewayHarness.run { gateway in
            let reply = try await gateway.call(
                "/v1/chat/completions", body: #"{"model":"mock/echo","messages":[{"role":"wizard","content":"x"}]}"#
            )
            Self.expectErrorShape(reply, status: 400, param: "messages[0].role")
        }
    }

    @Test func missingAndWrongKeysGetTheSame401() async throws {
        try await GatewayHarness.run { gateway in
            let body = GatewayHarness.chat("mock/echo")
            let missing = try await gateway.call("/v1/chat/completions", body: body, headers: [])
            let wrong = try await gateway.call("/v1/chat/completions", body: body, headers: [("authorization", "Bearer sk-wrong")])
            let wrongHeader = try await gateway.call("/v1/models", method: .GET, headers: [("x-api-key", "sk-wrong")])
            let notBearer = try await gateway.call("/v1/models", method: .GET, headers: [("authorization", "Basic \(GatewayHarness.adminKey)")])
            for reply in [missing, wrong, wrongHeader, notBearer] {
                Self.expectErrorShape(reply, status: 401, code: "invalid_api_key")
                #expect(reply.body == missing.body)
            }
            #expect(await gateway.recorder.totalRequests == 0)
        }
    }

    @Test func xAPIKeyHeaderAuthenticates() async throws {
        try await GatewayHarness.run { gateway in
            let reply = try await gateway.call("/v1/models", method: .GET, headers: [("x-api-key", GatewayHarness.adminKey)])
            #expect(reply.status == 200)
        }
    }

    @Test func unknownModelIs404() async throws {
        try await GatewayHarness.run { gateway in
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("nonexistent/model-x"))
            Self.expectErrorShape(reply, status: 404, code: "model_not_found", param: "model")
            #expect(!reply.body.contains("sk-"))
        }
    }

    @Test func oversizedBodyIs413() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in configuration.maxBodyBytes = 2048 }) { gateway in
            let prompt = String(repeating: "a", count: 4096)
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("mock/echo", prompt))
            Self.expectErrorShape(reply, status: 413, code: "request_too_large")
        }
    }

    @Test func unknownRouteIs404InErrorShape() async throws {
        try await GatewayHarness.run { gateway in
            Self.expectErrorShape(try await gateway.call("/v1/nothing-here", method: .GET), status: 404)
            Self.expectErrorShape(try await gateway.call("/elsewhere", method: .GET, headers: []), status: 404)
        }
    }

    /// Generated ids come from a counter through a bijective mix: none repeats, and neighbours look unrelated.
    @Test func generatedRequestIDsNeverRepeat() {
        let generator = RequestIDGenerator(key: (1, 2))
        let ids = (0..<20_000).map { _ in generator.next() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.hasPrefix("req_") && $0.count == 36 && $0.dropFirst(4).allSatisfy(\.isHexDigit) })
        #expect(ids[0].dropFirst(4).prefix(8) != ids[1].dropFirst(4).prefix(8))
        #expect(RequestIDGenerator(key: (3, 4)).next() != RequestIDGenerator(key: (1, 2)).next())
    }

    @Test func requestIDIsEchoedWhenValidAndReplacedWhenNot() async throws {
        try await GatewayHarness.run { gateway in
            let valid = try await gateway.call("/health", method: .GET, headers: [("x-request-id", "client-id.42")])
            #expect(valid.headers.first(name: "x-request-id") == "client-id.42")
            let invalid = try await gateway.call("/health", method: .GET, headers: [("x-request-id", "bad id with spaces")])
            let generated = try #require(invalid.headers.first(name: "x-request-id"))
            #expect(generated.hasPrefix("req_") && generated.count == 36 && generated.dropFirst(4).allSatisfy(\.isHexDigit))
            let generator = RequestIDGenerator()
            #expect(generator.next() != generator.next())
            let error = try await gateway.call("/v1/models", method: .GET, headers: [("x-request-id", "err-1")])
            #expect(error.headers.first(name: "x-request-id") == "err-1")
        }
    }
}

@Suite struct HealthAndModelsTests {
    @Test func healthAndReadyWhenDatabaseAnswers() async throws {
        try await GatewayHarness.run { gateway in
            #expect(try await gateway.call("/health", method: .GET, headers: []).status == 200)
            let ready = try await gateway.call("/ready", method: .GET, headers: [])
            #expect(ready.status == 200)
            #expect(ready.json?["checks"]?["database"] == "ok")
        }
    }

    @Test func notReadyWhileDatabaseIsUnusable() async throws {
        try await GatewayHarness.run(readiness: FixedReadiness(healthy: false)) { gateway in
            let ready = try await gateway.call("/ready", method: .GET, headers: [])
            #expect(ready.status == 503)
            #expect(ready.json?["status"] == "not_ready")
            #expect(ready.json?["checks"]?["database"] == "unavailable")
            #expect(try await gateway.call("/health", method: .GET, headers: []).status == 200)
        }
    }

    @Test func notReadyWithoutProviders() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in configuration.providers = [] }) { gateway in
            let ready = try await gateway.call("/ready", method: .GET, headers: [])
            #expect(ready.status == 503)
            #expect(ready.json?["checks"]?["providers"] == "none configured")
        }
    }

    @Test func modelsListsAliasesAndProviderModels() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.aliases = [ModelAlias(name: "fast", provider: "openai", upstreamModel: "gpt-4o-mini")]
        }) { gateway in
            let reply = try await gateway.call("/v1/models", method: .GET)
            #expect(reply.status == 200)
            #expect(reply.json?["object"] == "list")
            let ids = reply.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(ids.first == "fast")
            #expect(ids.contains("mock/echo"))
            #expect(ids.contains("openai/gpt-4o-mini"))
            #expect(ids.contains("anthropic/claude-sonnet-4-5"))
            #expect(reply.json?["data"]?.arrayValue?.first?["object"] == "model")
        }
    }
}
