import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwitchboardCore
@testable import SwitchboardServer
import Testing

/// A table of hostile requests, each with the exact status it must get; after each one no state has changed,
/// nothing secret was echoed, and `/health` still answers.
@Suite struct HostileRequestTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var method: HTTPMethod = .POST
        var path: String = "/v1/chat/completions"
        var body: ByteBuffer? = nil
        /// `ADMIN`, `KEY` in values are replaced by the admin key and a virtual key.
        var headers: [(String, String)] = [("authorization", "Bearer KEY")]
        var status: Int
        /// The answer comes while the client is still uploading. AsyncHTTPClient then closes the connection
        /// and can fail the answer's body as it reads it (it does so against nginx's 413 too), so only the
        /// status is checked; `ConnectionDriverTests` reads such an answer whole on a raw connection.
        var answeredMidUpload = false
        var description: String { name }
    }

    static let echo = #"{"model":"mock/echo","messages":[{"role":"user","content":"hi"}]}"#
    static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static let cases: [Case] = [
        Case(name: "SQL injection as bearer key", body: body(echo), headers: [("authorization", "Bearer ' OR '1'='1")], status: 401),
        Case(name: "SQL injection as x-api-key", body: body(echo), headers: [("x-api-key", "x'; DROP TABLE virtual_key; --")], status: 401),
        Case(name: "empty bearer", body: body(echo), headers: [("authorization", "Bearer ")], status: 401),
        Case(name: "basic auth with the key", body: body(echo), headers: [("authorization", "Basic KEY")], status: 401),
        Case(name: "key with trailing junk", body: body(echo), headers: [("authorization", "Bearer KEYx")], status: 401),
        Case(name: "encoded NUL in key", body: body(echo), headers: [("authorization", "Bearer sk-sb-%00abc")], status: 401),
        Case(name: "10 MB body", body: ByteBuffer(repeating: UInt8(ascii: "a"), count: 10 * 1024 * 1024), status: 413, answeredMidUpload: true),
        Case(name: "10,000-deep JSON", body: body(String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)), status: 400),
        Case(name: "10,000-deep JSON objects", body: body(String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000)), status: 400),
        Case(name: "NUL bytes in JSON", body: ByteBuffer(bytes: Array(#"{"model":"mock/echo","messages":[{"role":"user","content":"a"#.utf8) + [0] + Array(#""}]}"#.utf8)), status: 400),
        Case(name: "invalid UTF-8", body: ByteBuffer(bytes: Array(#"{"model":"mock/echo","messages":[{"role":"user","content":""#.utf8) + [0xC3, 0x28, 0xFF] + Array(#""}]}"#.utf8)), status: 400),
        Case(name: "not JSON", body: body("model=mock/echo"), status: 400),
        Case(name: "JSON array body", body: body("[]"), status: 400),
        Case(name: "wrong type for messages", body: body(#"{"model":"mock/echo","messages":"hi"}"#), status: 400),
        Case(name: "unknown role", body: body(#"{"model":"mock/echo","messages":[{"role":"root","content":"hi"}]}"#), status: 400),
        Case(name: "unknown model", body: body(#"{"model":"../../etc/passwd","messages":[{"role":"user","content":"hi"}]}"#), status: 404),
        Case(name: "model naming an unconfigured provider", body: body(#"{"model":"http://169.254.169.254/latest","messages":[{"role":"user","content":"hi"}]}"#), status: 404),
        Case(name: "negative max_tokens", body: body(#"{"model":"mock/echo","max_tokens":-1,"messages":[{"role":"user","content":"hi"}]}"#), status: 400),
        Case(name: "huge header", body: body(echo), headers: [("authorization", "Bearer KEY"), ("x-filler", String(repeating: "a", count: 200_000))], status: 400),
        Case(name: "admin route with a virtual key", method: .GET, path: "/admin/v1/keys", headers: [("authorization", "Bearer KEY")], status: 403),
        Case(name: "admin create with a virtual key", path: "/admin/v1/tenants", body: body(#"{"name":"evil"}"#), headers: [("authorization", "Bearer KEY")], status: 403),
        Case(name: "admin route without a key", method: .GET, path: "/admin/v1/tenants", headers: [], status: 401),
        // The router normalises `//`, and authorization runs on the route it serves: still the admin check.
        Case(name: "double slash admin", method: .GET, path: "//admin/v1/tenants", headers: [("authorization", "Bearer KEY")], status: 403),
        Case(name: "dot segment admin", method: .GET, path: "/v1/../admin/v1/tenants", headers: [("authorization", "Bearer KEY")], status: 404),
        Case(name: "dot slash admin", method: .GET, path: "/./admin/v1/tenants", headers: [("authorization", "Bearer KEY")], status: 404),
        Case(name: "encoded slash admin", method: .GET, path: "/admin%2Fv1/tenants", headers: [("authorization", "Bearer KEY")], status: 404),
        Case(name: "upper-case admin", method: .GET, path: "/ADMIN/v1/tenants", headers: [("authorization", "Bearer KEY")], status: 404),
        Case(name: "trailing slash admin", method: .GET, path: "/admin/v1/tenants/", headers: [("authorization", "Bearer KEY")], status: 403),
        Case(name: "spoofed host and forwarded headers", method: .GET, path: "/admin/v1/tenants",
             headers: [("authorization", "Bearer KEY"), ("host", "localhost"), ("x-forwarded-for", "127.0.0.1"), ("x-forwarded-host", "admin.internal"), ("x-original-url", "/health")], status: 403),
        Case(name: "forwarded headers without a key", method: .GET, path: "/v1/models",
             headers: [("x-forwarded-for", "127.0.0.1"), ("x-real-ip", "127.0.0.1"), ("x-forwarded-user", "admin")], status: 401),
        Case(name: "CORS from a bad origin", body: body(echo), headers: [("authorization", "Bearer KEY"), ("origin", "https://evil.example")], status: 403),
        Case(name: "CORS preflight from a bad origin", method: .OPTIONS, headers: [("origin", "https://evil.example"), ("access-control-request-method", "POST")], status: 403),
        Case(name: "wrong method", method: .DELETE, body: nil, status: 404),
        Case(name: "unknown route", method: .GET, path: "/v1/engines", status: 404),
        Case(name: "path traversal", method: .GET, path: "/v1/../../etc/passwd", headers: [], status: 404),
        Case(name: "smuggled base_url with an unknown model", body: body(#"{"model":"evil/gpt","base_url":"http://169.254.169.254","messages":[{"role":"user","content":"hi"}]}"#), status: 404),
        Case(name: "n above the cap", body: body(#"{"model":"mock/echo","n":1000,"messages":[{"role":"user","content":"hi"}]}"#), status: 400),
        Case(name: "invalid tool schema", body: body(#"{"model":"mock/echo","tools":[{"type":"function","function":{"name":"f","parameters":{"type":42}}}],"messages":[{"role":"user","content":"hi"}]}"#), status: 400),
        Case(name: "tool name with spaces", body: body(#"{"model":"mock/echo","tools":[{"type":"function","function":{"name":"rm -rf"}}],"messages":[{"role":"user","content":"hi"}]}"#), status: 400),
        Case(name: "1,001 messages", body: body(#"{"model":"mock/echo","messages":["# + Array(repeating: #"{"role":"user","content":"x"}"#, count: 1_001).joined(separator: ",") + "]}"), status: 400),
        Case(name: "timeout header that is not a number", body: body(echo), headers: [("authorization", "Bearer KEY"), ("x-switchboard-timeout-ms", "soon")], status: 400),
        Case(name: "pinning a deployment with a virtual key", body: body(echo), headers: [("authorization", "Bearer KEY"), ("x-switchboard-deployment", "mock/echo")], status: 403),
    ]

    static let secrets = ["sk-test-openai-upstream-key", "sk-ant-test-upstream-key", "azure-test-upstream-key", GatewayHarness.adminKey]

    @Test func everyHostileRequestGetsItsStatusAndChangesNothing() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.corsAllowedOrigins = ["https://app.example"]
        }) { gateway in
            let (_, secret) = try await gateway.makeKey()
            let sequence = try await gateway.store.current()
            for hostile in Self.cases {
                var request = HTTPClientRequest(url: gateway.gatewayURL + hostile.path)
                request.method = hostile.method
                for (name, value) in hostile.headers {
                    request.headers.replaceOrAdd(name: name, value: value.replacingOccurrences(of: "KEY", with: secret))
                }
                if let body = hostile.body { request.body = .bytes(body) }
                let status: Int
                let text: String
                do {
                    let response = try await gateway.client.execute(request, timeout: .seconds(30))
                    status = Int(response.status.code)
                    let body = hostile.answeredMidUpload ? try? await response.body.collect(upTo: 1 << 20) : try await response.body.collect(upTo: 1 << 20)
                    text = body.map { String(buffer: $0) } ?? ""
                } catch {
                    Issue.record("\(hostile.name): \(error)")
                    continue
                }
                #expect(status == hostile.status, "\(hostile.name): \(text.prefix(300))")
                for planted in Self.secrets + [secret] { #expect(!text.contains(planted), "\(hostile.name) echoed a secret") }
                let health = try await gateway.call("/health", method: .GET, headers: [])
                #expect(health.status == 200, "after \(hostile.name)")
            }
            #expect(try await gateway.store.current() == sequence)
            #expect(try await gateway.store.list().map(\.name) == ["acme"])
            #expect(await gateway.recorder.totalRequests == 0)
        }
    }

    @Test func corsAllowsConfiguredOriginsOnlyWithoutWildcard() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in
            configuration.corsAllowedOrigins = ["https://app.example"]
        }) { gateway in
            let preflight = try await gateway.call("/v1/chat/completions", method: .OPTIONS, headers: [
                ("origin", "https://app.example"), ("access-control-request-method", "POST"),
                ("access-control-request-headers", "authorization, content-type"),
            ])
            #expect(preflight.status == 204)
            #expect(preflight.headers.first(name: "access-control-allow-origin") == "https://app.example")
            #expect(preflight.headers.first(name: "access-control-allow-methods")?.contains("POST") == true)
            #expect(preflight.headers.first(name: "access-control-allow-credentials") == nil)
            let call = try await gateway.call("/v1/models", method: .GET, headers: [
                ("authorization", "Bearer \(GatewayHarness.adminKey)"), ("origin", "https://app.example"),
            ])
            #expect(call.status == 200)
            #expect(call.headers.first(name: "access-control-allow-origin") == "https://app.example")
            #expect(call.headers[canonicalForm: "vary"].contains("Origin"))
        }
    }

    @Test func securityHeadersOnEveryResponse() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in configuration.hsts = true }) { gateway in
            for reply in [
                try await gateway.call("/health", method: .GET, headers: []),
                try await gateway.call("/v1/models", method: .GET, headers: []),
                try await gateway.call("/v1/chat/completions", body: Self.echo),
                try await gateway.call("/nowhere", method: .GET, headers: []),
            ] {
                #expect(reply.headers.first(name: "x-content-type-options") == "nosniff")
                #expect(reply.headers.first(name: "x-frame-options") == "DENY")
                #expect(reply.headers.first(name: "referrer-policy") == "no-referrer")
                #expect(reply.headers.first(name: "cache-control") == "no-store")
                #expect(reply.headers.first(name: "strict-transport-security")?.hasPrefix("max-age=") == true)
            }
            let stream = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("mock/echo", stream: true))
            #expect(stream.headers.first(name: "cache-control") == "no-cache")
        }
    }

    @Test func bodyFieldsCannotSteerTheUpstream() async throws {
        try await GatewayHarness.run { gateway in
            let extra = #""api_base":"http://169.254.169.254","base_url":"http://evil","api_key":"sk-client","extra_headers":{"x":"y"},"custom_llm_provider":"x""#
            let reply = try await gateway.call("/v1/chat/completions", body: GatewayHarness.chat("openai/gpt-4o-mini", extra: extra))
            #expect(reply.status == 200)
            let seen = try #require(await gateway.recorder.lastBody)
            for field in ["api_base", "base_url", "api_key", "extra_headers", "custom_llm_provider"] {
                #expect(seen[field] == nil, "\(field) reached the upstream")
            }
            #expect(await gateway.recorder.requests["/v1/chat/completions"] == 1)
        }
    }
}

extension HostileRequestTests {
    @Test func aSlowUploadGets408() async throws {
        try await GatewayHarness.run(configure: { configuration, _ in configuration.bodyTimeout = .milliseconds(300) }) { gateway in
            var request = HTTPClientRequest(url: gateway.gatewayURL + "/v1/chat/completions")
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer \(GatewayHarness.adminKey)")
            request.headers.add(name: "content-type", value: "application/json")
            // The client sends the start of its body, then stalls far past the gateway's body timeout.
            let (parts, sender) = AsyncStream<ByteBuffer>.makeStream()
            sender.yield(ByteBuffer(string: #"{"model":"mock/echo","messages":["#))
            request.body = .stream(parts, length: .unknown)
            let started = ContinuousClock.now
            let slowRequest = request
            let status = try await withTimeLimit(.seconds(10)) { () -> Int in
                do {
                    return Int(try await gateway.client.execute(slowRequest, timeout: .seconds(10)).status.code)
                } catch {
                    return -1
                }
            }
            sender.finish()
            #expect(status == 408)
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(try await gateway.call("/health", method: .GET, headers: []).status == 200)
        }
    }
}
