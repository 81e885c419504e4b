import ServiceLifecycle
import SwitchboardCore

/// Owns the upstream connection pool and closes its idle connections after the server has drained.
public struct UpstreamConnectionsService: Service {
    public let connections: UpstreamConnectionPool

    public init(connections: UpstreamConnectionPool) { self.connections = connections }

    public func run() async throws {
        try? await gracefulShutdown()
        await connections.shutdown()
    }
}
