import SwitchboardCore

/// What the mock upstream saw, so tests can assert the number of upstream attempts and that a client
/// hang-up reached the upstream. Waiting is event-driven: no polling, no sleeps.
public actor MockUpstreamRecorder {
    /// Requests received, by path.
    public private(set) var requests: [String: Int] = [:]
    /// Responses whose client went away before the response finished.
    public private(set) var disconnects = 0
    /// The body of the latest request, as the upstream received it.
    public private(set) var lastBody: JSONValue?
    private var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    public init() {}

    /// All requests on every path.
    public var totalRequests: Int { requests.values.reduce(0, +) }

    func recordRequest(path: String) { requests[path, default: 0] += 1 }

    func recordBody(_ body: JSONValue) { lastBody = body }

    func recordDisconnect() {
        disconnects += 1
        let ready = waiters.filter { $0.count <= disconnects }
        waiters.removeAll { $0.count <= disconnects }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Returns once at least `count` disconnects were seen.
    public func waitForDisconnects(_ count: Int) async {
        if disconnects >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }
}
