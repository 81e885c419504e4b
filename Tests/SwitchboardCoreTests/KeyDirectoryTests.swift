import Foundation
import SwitchboardCore
import Testing

/// Keys are found by their whole hash, with their tenant; a key without its tenant is not found.
@Suite struct KeyDirectoryTests {
    static let created = Date(timeIntervalSince1970: 1_700_000_000)

    static func key(_ id: String, tenant: String, secret: String) -> VirtualKey {
        VirtualKey(id: id, tenant: tenant, name: id, hash: SecretHash.sha256Hex(secret), prefix: "sk-sb-", createdAt: created)
    }

    @Test func findsKeysByTheirWholeHashWithTheirTenant() throws {
        let directory = KeyDirectory()
        let first = Self.key("key_1", tenant: "acme", secret: "sk-sb-one")
        let second = Self.key("key_2", tenant: "acme", secret: "sk-sb-two")
        let orphan = Self.key("key_3", tenant: "gone", secret: "sk-sb-three")
        directory.replace(keys: [first, second, orphan], tenants: [Tenant(name: "acme", rpm: 7, createdAt: Self.created)])

        let found = try #require(directory.identity(forHash: SecretHash.sha256Hex("sk-sb-two")))
        #expect(found.key.id == "key_2")
        #expect(found.tenant.rpm == 7)
        #expect(directory.identity(forHash: SecretHash.sha256Hex("sk-sb-three")) == nil, "its tenant is gone")
        // Same first 16 hex digits, different rest: only the whole hash finds a key.
        let sameStart = String(first.hash.prefix(16)) + String(repeating: "0", count: 48)
        #expect(directory.identity(forHash: sameStart) == nil)
        #expect(directory.identity(forHash: "short") == nil)

        directory.replace(keys: [first], tenants: [])
        #expect(directory.identity(forHash: first.hash) == nil, "a reload replaces everything")
    }
}
