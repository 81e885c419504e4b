/// One request's way through its deployments: picks a deployment by the model's strategy, skips open
/// circuits and full deployments, retries with backoff within the attempt limit, the retry budget and the
/// client's deadline, and moves on to the fallback models when every deployment of a model failed.
struct Failover: Sendable {
    let catalog: ModelCatalog
    /// The requested model (after the routing rules), then its fallbacks.
    let chain: [ModelRoute]
    let pinned: Deployment?
    let policy: RetryPolicy
    let registry: DeploymentRegistry
    let budget: RetryBudget
    let picker: DeploymentPicker
    let time: TimeSource
    /// The client's timeout, and the deadline it sets on `time`.
    let timeout: Duration?
    let deadline: Duration?

    /// Runs attempts until one succeeds.
    /// - Parameters:
    ///   - keepsTicket: whether the successful attempt's ticket stays open (a stream still running); the
    ///     caller then finishes it.
    ///   - attempt: one call to one deployment.
    /// - Returns: the successful attempt's value, the route for the response headers, and its ticket.
    func run<T: Sendable>(
        keepsTicket: Bool,
        _ attempt: @escaping @Sendable (Deployment, DeploymentRegistry.Ticket) async throws -> T
    ) async throws -> (T, UpstreamRoute, DeploymentRegistry.Ticket) {
        var chain = chain
        var modelIndex = 0
        var attempts = 0
        var failures: [String: Int] = [:]
        var retryAfter: [String: Duration] = [:]
        var excluded: Set<String> = []
        var lastError: (any Error)?
        var contextFallbackFrom: String?
        var retryGranted = false

        while attempts < max(1, policy.maxAttempts), modelIndex < chain.count {
            let route = chain[modelIndex]
            let isLastModel = modelIndex == chain.count - 1
            let usable = pinned.map { [$0] }
                ?? route.deployments.filter { !excluded.contains($0.id) && registry.isAvailable($0) }
            // Untried deployments first; once all have failed, the next model, and only on the last one retry.
            var pool = failures.isEmpty ? usable : usable.filter { failures[$0.id] == nil }
            if pool.isEmpty {
                guard isLastModel else {
                    modelIndex += 1
                    continue
                }
                pool = usable
            }
            // One candidate (the usual route) needs no order, nor the loads and copies ordering takes.
            guard let deployment = pool.count == 1 ? pool[0] : picker.order(pool, loads: registry.loads(pool), strategy: route.strategy).first else {
                break
            }

            if attempts > 0 && !retryGranted {
                guard budget.tryRetry() else { throw GatewayError.retryBudgetExhausted(after: lastError) }
                retryGranted = true
            }
            if let failed = failures[deployment.id] {
                let delay = policy.backoff(retry: failed, retryAfter: retryAfter[deployment.id], random: picker.random)
                try await sleep(delay, orThrow: lastError)
            }
            guard let ticket = registry.admit(deployment, force: pinned != nil) else {
                excluded.insert(deployment.id)
                continue
            }
            if attempts == 0 { budget.recordFirstAttempt() }
            attempts += 1
            retryGranted = false
            do {
                let value = try await withDeadline { try await attempt(deployment, ticket) }
                if !keepsTicket { registry.finish(ticket, outcome: .success) }
                let fallbackFrom = contextFallbackFrom ?? (modelIndex > 0 ? chain[0].name : nil)
                let upstreamRoute = UpstreamRoute(
                    provider: deployment.provider.name, upstreamModel: deployment.upstreamModel, attempts: attempts,
                    fallbackFrom: fallbackFrom, deployment: deployment.name
                )
                return (value, upstreamRoute, ticket)
            } catch let error as UpstreamError {
                registry.finish(ticket, outcome: error.isRetryable ? .failure : .success)
                if error.isContextWindowExceeded, contextFallbackFrom == nil, pinned == nil,
                   let larger = route.contextWindowFallback, let largerRoute = try? catalog.route(larger) {
                    contextFallbackFrom = route.name
                    chain = [largerRoute]
                    modelIndex = 0
                    failures = [:]
                    lastError = error
                    continue
                }
                guard error.isRetryable else { throw error }
                lastError = error
                failures[deployment.id, default: 0] += 1
                // A deployment that accepted the request and sent nothing is not waited for twice in one request:
                // other deployments and fallbacks are still tried, so a hung model ends within one first-byte timeout.
                if error.kind == .firstByteTimeout || (error.retryAfter.map { $0 > policy.maxRetryAfter } ?? false) {
                    excluded.insert(deployment.id)
                } else {
                    retryAfter[deployment.id] = error.retryAfter
                }
            } catch {
                registry.finish(ticket, outcome: .abandoned)
                throw error
            }
        }
        if let lastError { throw lastError }
        let all = chain.flatMap(\.deployments)
        throw GatewayError.noDeploymentAvailable(chain[0].name, retryAfter: registry.earliestRetry(among: all))
    }

    /// Waits before a retry; when the wait would pass the client's deadline, gives up with `error` at once.
    private func sleep(_ delay: Duration, orThrow error: (any Error)?) async throws {
        if let deadline, time.now + delay >= deadline {
            throw error ?? GatewayError.deadlineExceeded(timeout ?? .zero)
        }
        try await time.sleep(for: delay)
    }

    /// Runs `operation` within the client's deadline, if there is one.
    func withDeadline<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Self.withDeadline(deadline, timeout: timeout, time: time, operation)
    }

    static func withDeadline<T: Sendable>(
        _ deadline: Duration?, timeout: Duration?, time: TimeSource, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard let deadline else { return try await operation() }
        let remaining = deadline - time.now
        guard remaining > .zero else { throw GatewayError.deadlineExceeded(timeout ?? .zero) }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await time.sleep(for: remaining)
                return nil
            }
            defer { group.cancelAll() }
            guard let value = try await group.next() ?? nil else { throw GatewayError.deadlineExceeded(timeout ?? .zero) }
            return value
        }
    }
}
