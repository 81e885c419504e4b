import AsyncHTTPClient
import ServiceLifecycle

/// Owns the upstream `HTTPClient` and shuts it down after the server has drained.
public struct HTTPClientService: Service {
    public let client: HTTPClient

    public init(client: HTTPClient) { self.client = client }

    public func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
