import NIOConcurrencyHelpers

/// Cancels the task that armed it when ``fire()`` is called (by a client hang-up) before the task disarms it.
/// It replaces a task group with a watching child task, so that guarding a request phase costs no extra task
/// or executor hop. Cancelling the handler's own task suits only an end after which nothing is answered.
///
/// The task's handle is used only while armed: the arming task is alive until it calls ``disarm()``, and
/// both calls hold the same lock.
final class TaskWatchdog: @unchecked Sendable {
    private let lock = NIOLock()
    private var task: UnsafeCurrentTask?
    private var fired = false

    /// Arms the watchdog for the calling task.
    init() {
        task = withUnsafeCurrentTask { $0 }
    }

    /// Cancels the armed task; does nothing once it has disarmed.
    func fire() {
        lock.withLock {
            guard let task else { return }
            fired = true
            task.cancel()
        }
    }

    /// Stops watching. Returns whether the watchdog fired (the task is then cancelled).
    @discardableResult
    func disarm() -> Bool {
        lock.withLock {
            task = nil
            return fired
        }
    }
}
