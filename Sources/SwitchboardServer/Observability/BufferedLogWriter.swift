import Dispatch
import Foundation
import Synchronization

/// Gathers log lines and writes them to a file descriptor (stdout) in batches: `interval` after the first line
/// of a batch, when `capacity` bytes are waiting, at once for an urgent line (an error, after what came before
/// it), and on ``close()``. One `write(2)` per request was 2% of the gateway's CPU; nginx's
/// `access_log ... buffer= flush=` makes the same trade. Lines keep their order. A process killed without
/// ``close()`` loses at most one interval of lines; a full output (a stalled log collector) still slows the
/// gateway, at `capacity`. An idle gateway's flush thread sleeps until a line comes.
///
/// Two locks: ``state`` only while a line is appended or a batch is swapped out, ``output`` for the `write(2)`.
/// A request adding its line never waits for a batch being written, unless the batch it fills must be written
/// first (urgent or at capacity).
public final class BufferedLogWriter: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var closed = false
    }

    private let descriptor: Int32
    private let capacity: Int
    private let state = Mutex(State())
    /// Held while a batch is written, so that batches go out in the order they were swapped out. Holds the
    /// buffer the last batch was written from, to be swapped in for the next (no allocation per batch).
    private let output = Mutex<[UInt8]>([])
    /// Signalled when a batch begins (or on close): the flush thread waits on it.
    private let batchBegan = DispatchSemaphore(value: 0)
    private let interval: Duration?

    /// Starts the flush thread; `interval` nil writes only on capacity, urgency, ``flush()`` and ``close()`` (tests).
    public init(descriptor: Int32 = 1, interval: Duration? = .milliseconds(50), capacity: Int = 64 * 1024) {
        self.descriptor = descriptor
        self.capacity = capacity
        self.interval = interval
        state.withLock { $0.pending.reserveCapacity(capacity) }
        output.withLock { $0.reserveCapacity(capacity) }
        guard let interval else { return }
        let thread = Thread { [self] in
            let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) * 1e-18
            while true {
                batchBegan.wait()
                if state.withLock({ $0.closed }) { return }
                Thread.sleep(forTimeInterval: seconds)
                flush()
            }
        }
        thread.name = "log-flush"
        thread.start()
    }

    /// Adds a line (a newline is appended).
    func append(_ line: String, urgent: Bool) {
        let (began, writeNow) = state.withLock { state in
            let began = state.pending.isEmpty
            state.pending.append(contentsOf: line.utf8)
            state.pending.append(UInt8(ascii: "\n"))
            return (began, urgent || state.closed || state.pending.count >= capacity)
        }
        if writeNow { return flush() }
        if began, interval != nil { batchBegan.signal() }
    }

    /// Writes what is waiting.
    public func flush() {
        output.withLock { batch in
            state.withLock { state in swap(&state.pending, &batch) }
            guard !batch.isEmpty else { return }
            batch.withUnsafeBytes { LogFile.write($0, to: descriptor) }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Writes what is waiting and stops the flush thread; later lines are written at once.
    public func close() {
        state.withLock { $0.closed = true }
        flush()
        batchBegan.signal()
    }
}
