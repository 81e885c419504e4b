import CConcurrencyHook
import NIOCore
import NIOPosix

/// Makes SwiftNIO's event loops the Swift Concurrency global executor, so that tasks run on the threads that do
/// their I/O instead of crossing between event-loop and dispatch threads.
enum EventLoopExecutor {
    /// The global executor's hook: an enqueued job runs on an event loop of NIO's singleton group, the current
    /// one when the caller is on one.
    private typealias EnqueueHook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// Installs the hook; call once, first thing in `main`, before any task runs. Returns whether it is in place.
    ///
    /// SwiftNIO's own installer looks the hook up with `dlsym`, which finds nothing in a binary linked with
    /// `--static-swift-stdlib`: there every task ran on the dispatch pool, a quarter slower under load. The
    /// same hook is then installed through a direct reference to the runtime's variable (`CConcurrencyHook`).
    static func install() -> Bool {
        if NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() { return true }
        let hook: EnqueueHook = { job, _ in
            MultiThreadedEventLoopGroup.singleton.any().executor.enqueue(ExecutorJob(job))
        }
        return switchboard_install_enqueue_global_hook(unsafeBitCast(hook, to: UnsafeRawPointer.self))
    }
}
