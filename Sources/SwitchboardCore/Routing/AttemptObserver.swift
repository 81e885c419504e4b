/// Told about every upstream attempt as it ends, for metrics; the routing core itself depends on none.
public protocol AttemptObserver: Sendable {
    /// One attempt at a deployment of `provider` ended with `outcome`.
    func attemptFinished(provider: String, deployment: String, outcome: DeploymentRegistry.Outcome)
}

/// The observer that ignores everything (the default).
public struct NoAttemptObserver: AttemptObserver {
    public init() {}
    public func attemptFinished(provider: String, deployment: String, outcome: DeploymentRegistry.Outcome) {}
}
