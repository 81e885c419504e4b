import Foundation
import Logging
import ServiceLifecycle
import SwitchboardCore
import SwitchboardStorage

/// Deletes usage records older than the retention period: at start, then every `interval`.
public struct LedgerRetentionJanitor: Service {
    let repository: any UsageRepository
    let retentionDays: Int
    let clock: any GatewayClock
    let logger: Logger
    let interval: Duration

    public init(repository: any UsageRepository, retentionDays: Int, clock: any GatewayClock, logger: Logger, interval: Duration = .seconds(3600)) {
        self.repository = repository
        self.retentionDays = retentionDays
        self.clock = clock
        self.logger = logger
        self.interval = interval
    }

    /// Deletes what is past retention now; returns how many records.
    @discardableResult
    public func sweep() async throws -> Int {
        let cutoff = clock.now().addingTimeInterval(-Double(retentionDays) * 86_400)
        let deleted = try await repository.deleteRecords(olderThan: cutoff)
        if deleted > 0 { logger.info("usage records past retention deleted", metadata: ["records": "\(deleted)", "retention_days": "\(retentionDays)"]) }
        return deleted
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await sweep()
            } catch {
                logger.warning("usage retention sweep failed", metadata: ["error": "\(type(of: error))"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
