import AsyncHTTPClient
import Foundation
import NIOHTTP1
import SwitchboardCore
import Testing

/// Every admin route × every caller role: only the admin key gets through; a virtual key gets 403 and changes
/// nothing, no key or a wrong key gets 401.
@Suite struct AdminAuthorizationTests {
    static let routes: [(HTTPMethod, String, String?)] = [
        (.POST, "/admin/v1/tenants", #"{"name":"intruder"}"#),
        (.GET, "/admin/v1/tenants", nil),
        (.GET, "/admin/v1/tenants/acme", nil),
        (.PATCH, "/admin/v1/tenants/acme", #"{"rpm":1}"#),
        (.DELETE, "/admin/v1/tenants/acme", nil),
        (.GET, "/admin/v1/tenants/acme/spend", nil),
        (.POST, "/admin/v1/keys", #"{"tenant":"acme","name":"stolen"}"#),
        (.GET, "/admin/v1/keys", nil),
        (.GET, "/admin/v1/keys?tenant=acme", nil),
        (.GET, "/admin/v1/keys/KEY", nil),
        (.PATCH, "/admin/v1/keys/KEY", #"{"rpm":1}"#),
        (.DELETE, "/admin/v1/keys/KEY", nil),
        (.GET, "/admin/v1/keys/KEY/spend", nil),
        (.GET, "/admin/v1/usage?group_by=tenant", nil),
    ]

    @Test func onlyTheAdminKeyReachesAdminRoutes() async throws {
        try await GatewayHarness.run { gateway in
            let (id, secret) = try await gateway.makeKey()
            let before = try await gateway.store.current()
            for (method, template, body) in Self.routes {
                let path = template.replacingOccurrences(of: "KEY", with: id)
                let asKey = try await gateway.call(path, method: method, body: body, headers: [("authorization", "Bearer \(secret)")])
                #expect(asKey.status == 403, "\(method) \(path) with a virtual key")
                #expect(asKey.json?["error"]?["code"] == "admin_required")
                #expect(!asKey.body.contains(secret))
                let asXAPIKey = try await gateway.call(path, method: method, body: body, headers: [("x-api-key", secret)])
                #expect(asXAPIKey.status == 403, "\(method) \(path) with a virtual key in x-api-key")
                let anonymous = try await gateway.call(path, method: method, body: body, headers: [])
                #expect(anonymous.status == 401, "\(method) \(path) without a key")
                let wrong = try await gateway.call(path, method: method, body: body, headers: [("authorization", "Bearer sk-sb-wrong")])
                #expect(wrong.status == 401, "\(method) \(path) with a wrong key")
            }
            #expect(try await gateway.store.current() == before)
            #expect(try await gateway.store.list().map(\.name) == ["acme"])
            #expect(try await gateway.store.list(tenant: nil).count == 1)
            for (method, template, body) in Self.routes where method == .GET {
                let path = template.replacingOccurrences(of: "KEY", with: id)
                let asAdmin = try await gateway.call(path, method: method, body: body)
                #expect(asAdmin.status == 200, "\(method) \(path) as admin: \(asAdmin.body)")
            }
        }
    }

    @Test func adminInputIsValidated() async throws {
        try await GatewayHarness.run { gateway in
            #expect(try await gateway.admin("/tenants", method: .POST, body: #"{"name":"bad name!"}"#).status == 400)
            #expect(try await gateway.admin("/tenants", method: .POST, body: #"{"name":"t","rpm":0}"#).status == 400)
            #expect(try await gateway.admin("/tenants", method: .POST, body: #"{"name":"t","budget":{"limit_usd":5,"period":"year"}}"#).status == 400)
            #expect(try await gateway.admin("/tenants", method: .POST, body: #"{"rpm":5}"#).json?["error"]?["param"] == "name")
            #expect(try await gateway.admin("/tenants", method: .POST, body: #"{"name":"t"}"#).status == 201)
            #expect(try await gateway.admin("/tenants", method: .POST, body: #"{"name":"t"}"#).status == 409)
            #expect(try await gateway.admin("/keys", method: .POST, body: #"{"tenant":"nobody"}"#).status == 404)
            #expect(try await gateway.admin("/keys", method: .POST, body: #"{"tenant":"t","expires_at":"2001-01-01T00:00:00Z"}"#).status == 400)
            #expect(try await gateway.admin("/keys/key_missing").status == 404)
            let patched = try await gateway.admin("/tenants/t", method: .PATCH, body: #"{"rpm":10,"budget":{"limit_usd":2.5,"period":"week"}}"#)
            #expect(patched.json?["rpm"] == 10)
            #expect(patched.json?["budget"]?["period"] == "week")
            let cleared = try await gateway.admin("/tenants/t", method: .PATCH, body: #"{"budget":null}"#)
            #expect(cleared.json?["budget"] == nil || cleared.json?["budget"] == .null)
            #expect(cleared.json?["rpm"] == 10)
        }
    }
}
