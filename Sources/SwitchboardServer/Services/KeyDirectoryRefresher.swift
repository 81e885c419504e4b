import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStorage

/// Keeps the ``KeyDirectory`` in step with the database: reloads it when the change sequence moves, which
/// is how edits made by the CLI in another process take effect (within one ``interval``). Edits through the
/// admin API reload it directly, effective on the next request.
public struct KeyDirectoryRefresher: Service {
    let directory: KeyDirectory
    let tenants: any TenantRepository
    let keys: any KeyRepository
    let changes: any ChangeSequence
    let logger: Logger
    let interval: Duration

    public init(directory: KeyDirectory, tenants: any TenantRepository, keys: any KeyRepository, changes: any ChangeSequence,
                logger: Logger, interval: Duration = .seconds(1)) {
        self.directory = directory
        self.tenants = tenants
        self.keys = keys
        self.changes = changes
        self.logger = logger
        self.interval = interval
    }

    /// Loads every key and tenant into the directory.
    public func reload() async throws {
        directory.replace(keys: try await keys.list(tenant: nil), tenants: try await tenants.list())
    }

    public func run() async throws {
        var seen = try? await changes.current()
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                let now = try await changes.current()
                if now != seen {
                    try await reload()
                    seen = now
                }
            } catch {
                logger.warning("key directory refresh failed", metadata: ["error": "\(type(of: error))"])
            }
        }
    }
}
