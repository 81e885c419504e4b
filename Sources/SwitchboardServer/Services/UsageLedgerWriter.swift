import Logging
import ServiceLifecycle
import Synchronization
import SwitchboardCore
import SwitchboardStorage

/// Takes usage records on the request path without waiting, and writes them to the ledger in batches off
/// the request path. On graceful shutdown it writes everything still queued before returning, so SIGTERM
/// loses nothing; a hard kill loses at most the records queued since the last write (normally one batch,
/// written within ``flushInterval``).
public final class UsageLedgerWriter: Service {
    private let repository: any UsageRepository
    private let logger: Logger
    private let queue = Mutex<[UsageRecord]>([])
    private let wakeUps: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation
    /// Longest time a record waits in memory before being written.
    public let flushInterval: Duration

    public init(repository: any UsageRepository, logger: Logger, flushInterval: Duration = .milliseconds(200)) {
        self.repository = repository
        self.logger = logger
        self.flushInterval = flushInterval
        (wakeUps, wakeUp) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a record; never blocks.
    public func record(_ record: UsageRecord) {
        queue.withLock { $0.append(record) }
        wakeUp.yield()
    }

    /// Records waiting to be written.
    public var queueDepth: Int { queue.withLock { $0.count } }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await _ in wakeUps {
                await writeQueued()
                // Let a burst accumulate into one transaction.
                try? await Task.sleep(for: flushInterval)
            }
        } onGracefulShutdown: {
            self.wakeUp.finish()
        }
        await writeQueued(finalFlush: true)
    }

    /// Writes everything queued now.
    public func flush() async { await writeQueued() }

    private func writeQueued(finalFlush: Bool = false) async {
        let batch = queue.withLock { queue in
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
        guard !batch.isEmpty else { return }
        do {
            try await repository.append(batch)
        } catch {
            // Put the batch back in front so that order holds and the next wake-up retries.
            queue.withLock { $0.insert(contentsOf: batch, at: 0) }
            logger.error("usage ledger write failed", metadata: ["records": "\(batch.count)", "final": "\(finalFlush)", "error": "\(type(of: error))"])
            if finalFlush { logger.critical("usage records lost at shutdown", metadata: ["records": "\(batch.count)"]) }
        }
    }
}
