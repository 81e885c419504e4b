import SwitchboardCore

/// What the mock upstream saw, so tests can assert the number of upstream attempts and that a client
/// hang-up reached the upstream. Waiting is event-driven: no polling, no sleeps.
public actor MockUpstreamRecorder {
    /// Requests received, by path.
    public private(set) var requests: [String: Int] = [:]
    /// Responses whose client went away before the response finished.
    public private(set) var disconnects = 0
    /// Requests received, by the `model` of their body as sent (fault suffix included).
    public private(set) var requestsByModel: [String: Int] = [:]
    /// The body of the latest request, as the upstream received it.
    public private(set) var lastBody: JSONValue?
    /// The W3C `traceparent` header of every request that carried one, in order.
    public private(set) var traceparents: [String] = []
    private var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    public init() {}

    /// All requests on every path.
    public var totalRequests: Int { requests.values.reduce(0, +) }

    private var requestWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    func recordRequest(path: String, traceparent: String?) {
        requests[path, default: 0] += 1
        if let traceparent { traceparents.append(traceparent) }
        let total = totalRequests
        let ready = requestWaiters.filter { $0.count <= total }
        requestWaiters.removeAll { $0.count <= total }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Returns once at least `count` requests arrived (on any path).
    public func waitForRequests(_ count: Int) async {
        if totalRequests >= count { return }
        await withCheckedContinuation { requestWaiters.append((count, $0)) }
    }

    func recordBody(_ body: JSONValue) {
        lastBody = body
        requestsByModel[body["model"]?.stringValue ?? "", default: 0] += 1
    }

    /// Requests whose body named `model` (fault suffix included).
    public func requests(model: String) -> Int { requestsByModel[model] ?? 0 }

    private var faultOrdinals: [String: Int] = [:]

    /// Counts one more request carrying the fault `key`; returns its 1-based number.
    func nextOrdinal(forFault key: String) -> Int {
        faultOrdinals[key, default: 0] += 1
        return faultOrdinals[key]!
    }

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
