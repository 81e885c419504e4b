/// Orders a model's available deployments by its strategy: the first is tried first, the rest are the
/// order of preference if it cannot be admitted.
public struct DeploymentPicker: Sendable {
    public let random: any RandomSource

    public init(random: any RandomSource = SystemRandomSource()) {
        self.random = random
    }

    /// - Parameters:
    ///   - candidates: deployments in declaration order.
    ///   - loads: their load, same order.
    public func order(_ candidates: [Deployment], loads: [DeploymentRegistry.Load], strategy: RoutingStrategy) -> [Deployment] {
        let indexed = Array(zip(candidates.indices, candidates))
        switch strategy {
        case .priority:
            return indexed.sorted { ($0.1.priority, $0.0) < ($1.1.priority, $1.0) }.map(\.1)
        case .leastInFlight:
            return indexed.sorted { (loads[$0.0].inFlight, $0.0) < (loads[$1.0].inFlight, $1.0) }.map(\.1)
        case .lowestLatency:
            // Unmeasured deployments sort first, so every deployment gets measured.
            func key(_ index: Int) -> Duration { loads[index].latency ?? .zero }
            return indexed.sorted { (key($0.0), $0.0) < (key($1.0), $1.0) }.map(\.1)
        case .weighted:
            return weightedOrder(candidates)
        }
    }

    /// Draws deployments one by one in proportion to their weight, without replacement.
    private func weightedOrder(_ candidates: [Deployment]) -> [Deployment] {
        var remaining = candidates
        var ordered: [Deployment] = []
        ordered.reserveCapacity(candidates.count)
        // The last one left needs no draw (one system call to the random source per draw).
        while remaining.count > 1 {
            let total = remaining.reduce(0) { $0 + max(0, $1.weight) }
            guard total > 0 else { break }
            var point = random.nextUnit() * Double(total)
            var chosen = remaining.count - 1
            for (index, deployment) in remaining.enumerated() {
                point -= Double(max(0, deployment.weight))
                if point < 0 {
                    chosen = index
                    break
                }
            }
            ordered.append(remaining.remove(at: chosen))
        }
        return ordered + remaining
    }
}
