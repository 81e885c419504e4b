import Synchronization

/// The count of client connections served across all of a server's listeners, against the connection limit
/// (``ConnectionLimit``). A listener admits each accepted connection with ``tryAdmit()``, and asks ``admits()``
/// before accepting more; one that found the limit reached parks until a connection closes. Admitting and
/// closing cost an atomic operation each; the lock is taken only while a listener is parked.
final class ConnectionGate: Sendable {
    /// At most this many connections are served at once.
    let limit: Int
    private let open = Atomic<Int>(0)
    private let parkedCount = Atomic<Int>(0)
    private let parked = Mutex<[@Sendable () -> Void]>([])

    init(limit: Int) {
        self.limit = limit
    }

    /// The connections open now.
    var openConnections: Int { open.load(ordering: .sequentiallyConsistent) }

    /// True when one more connection may be accepted.
    func admits() -> Bool {
        openConnections < limit
    }

    /// Counts one more connection if that stays within the limit; false when it would not.
    func tryAdmit() -> Bool {
        var current = openConnections
        while current < limit {
            let (exchanged, original) = open.compareExchange(
                expected: current, desired: current + 1, ordering: .sequentiallyConsistent
            )
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Counts a connection closed, and resumes the parked listeners when that freed a place.
    func connectionClosed() {
        let now = open.subtract(1, ordering: .sequentiallyConsistent).newValue
        if now < limit, parkedCount.load(ordering: .sequentiallyConsistent) > 0 {
            resumeParked()
        }
    }

    /// Calls `resume` once a place is free: soon after the next close, or at once if one freed meanwhile.
    /// `resume` must not call back into the gate synchronously with the lock held (it runs after the lock).
    func park(_ resume: @escaping @Sendable () -> Void) {
        parked.withLock { $0.append(resume) }
        parkedCount.add(1, ordering: .sequentiallyConsistent)
        // A close between the caller's `admits()` and the line above saw no one parked: look again.
        if admits() { resumeParked() }
    }

    private func resumeParked() {
        let waiting = parked.withLock { parked in
            let waiting = parked
            parked.removeAll()
            return waiting
        }
        guard !waiting.isEmpty else { return }
        parkedCount.subtract(waiting.count, ordering: .sequentiallyConsistent)
        for resume in waiting { resume() }
    }
}
