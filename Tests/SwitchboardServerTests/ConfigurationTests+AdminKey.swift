import SwitchboardCore
import SwitchboardStorage
import Testing

@testable import SwitchboardServer

extension ConfigurationTests {
    /// The admin key at start: configured, stored, or generated once; never generated on a public bind.
    @Suite struct AdminKey {
        static func configuration(host: String = "127.0.0.1", key: String? = nil) -> GatewayConfiguration {
            var configuration = GatewayConfiguration()
            configuration.host = host
            configuration.adminKey = key.map(Secret.init)
            return configuration
        }

        @Test func configuredKeyIsHashedAndNothingIsGenerated() async throws {
            let store = MemoryAdminKeyStore()
            let key = "sk-configured-admin-0123456789"
            let admin = try await AdminKeyBootstrap.resolve(configuration: Self.configuration(key: key), store: store)
            #expect(admin.hash == SecretHash.sha256Hex(key))
            #expect(admin.generatedKey == nil)
            #expect(try await store.adminKeyHash() == nil)
        }

        @Test(arguments: ["127.0.0.1", "127.1.2.3", "localhost", "::1"])
        func loopbackWithoutKeyGeneratesOneAndStoresOnlyItsHash(host: String) async throws {
            let store = MemoryAdminKeyStore()
            let first = try await AdminKeyBootstrap.resolve(configuration: Self.configuration(host: host), store: store)
            let key = try #require(first.generatedKey)
            #expect(key.hasPrefix("sk-sb-admin-"))
            #expect(key.count > "sk-sb-admin-".count + 32)
            let stored = try #require(try await store.adminKeyHash())
            #expect(stored == SecretHash.sha256Hex(key))
            #expect(stored != key)
            #expect(!stored.contains(key))
            #expect(first.hash == stored)

            let second = try await AdminKeyBootstrap.resolve(configuration: Self.configuration(host: host), store: store)
            #expect(second.hash == stored)
            #expect(second.generatedKey == nil)
        }

        @Test func generatedKeysDiffer() async throws {
            let one = try await AdminKeyBootstrap.resolve(configuration: Self.configuration(), store: MemoryAdminKeyStore())
            let two = try await AdminKeyBootstrap.resolve(configuration: Self.configuration(), store: MemoryAdminKeyStore())
            #expect(one.generatedKey != two.generatedKey)
        }

        @Test(arguments: ["0.0.0.0", "192.168.1.10", "::", "example.com"])
        func nonLoopbackWithoutKeyIsRefused(host: String) async throws {
            let store = MemoryAdminKeyStore()
            await #expect {
                _ = try await AdminKeyBootstrap.resolve(configuration: Self.configuration(host: host), store: store)
            } throws: { error in
                guard let error = error as? ConfigurationError, let problem = error.problems.first else { return false }
                return problem.path.hasPrefix("admin.key") && problem.reason.contains("admin key")
                    && problem.reason.contains(host)
            }
            #expect(try await store.adminKeyHash() == nil)
        }

        @Test func nonLoopbackWithKeyIsAccepted() async throws {
            let key = "sk-configured-admin-0123456789"
            let admin = try await AdminKeyBootstrap.resolve(
                configuration: Self.configuration(host: "0.0.0.0", key: key), store: MemoryAdminKeyStore()
            )
            #expect(admin.hash == SecretHash.sha256Hex(key))
            #expect(admin.generatedKey == nil)
        }

        @Test func nonLoopbackIgnoresAStoredGeneratedKey() async throws {
            let store = MemoryAdminKeyStore(hash: SecretHash.sha256Hex("sk-sb-admin-earlier"))
            await #expect(throws: ConfigurationError.self) {
                _ = try await AdminKeyBootstrap.resolve(configuration: Self.configuration(host: "0.0.0.0"), store: store)
            }
        }
    }
}
