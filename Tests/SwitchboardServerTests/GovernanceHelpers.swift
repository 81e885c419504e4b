import AsyncHTTPClient
import Foundation
import NIOHTTP1
import SwitchboardCore
import Testing

extension GatewayHarness {
    /// Calls an admin route with the admin key and returns the JSON.
    @discardableResult
    func admin(_ path: String, method: HTTPMethod = .GET, body: String? = nil) async throws -> Reply {
        try await call("/admin/v1" + path, method: method, body: body)
    }

    /// Creates a tenant and a key through the admin API; returns the key id and secret.
    func makeKey(tenant: String = "acme", tenantBody: String = "", keyBody: String = "") async throws -> (id: String, secret: String) {
        let tenantReply = try await admin("/tenants", method: .POST, body: #"{"name":"\#(tenant)"\#(tenantBody.isEmpty ? "" : "," + tenantBody)}"#)
        #expect(tenantReply.status == 201 || tenantReply.status == 409, "\(tenantReply.body)")
        let keyReply = try await admin("/keys", method: .POST, body: #"{"tenant":"\#(tenant)","name":"test"\#(keyBody.isEmpty ? "" : "," + keyBody)}"#)
        #expect(keyReply.status == 201, "\(keyReply.body)")
        let id = try #require(keyReply.json?["id"]?.stringValue)
        let secret = try #require(keyReply.json?["key"]?.stringValue)
        return (id, secret)
    }

    /// Sends a chat request with a virtual key.
    func chat(_ secret: String, _ body: String) async throws -> Reply {
        try await call("/v1/chat/completions", body: body, headers: [("authorization", "Bearer \(secret)")])
    }

    /// Writes queued usage records and returns them all.
    func records() async -> [UsageRecord] {
        await ledger.flush()
        return await store.allRecords()
    }

    /// The first usage record, once the ledger has one (a request that ends after its client is gone is
    /// recorded a moment later); fails the test after 5 seconds.
    func firstRecord() async throws -> UsageRecord {
        try await withTimeLimit(.seconds(5)) {
            while true {
                if let record = await records().first { return record }
                try Task.checkCancellation()
                await Task.yield()
            }
        }
    }
}
