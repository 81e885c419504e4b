import CConcurrencyHook
import Synchronization
import Testing

/// The executable installs its executor hook through `CConcurrencyHook` when SwiftNIO's `dlsym` finds nothing (a
/// `--static-swift-stdlib` build). This checks the direct reference in the test process, with a hook that counts
/// jobs and hands each to the default executor, so every other test keeps running as before.
@Suite struct ConcurrencyHookTests {
    private typealias EnqueueHook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// Jobs the counting hook saw.
    private static let enqueued = Atomic<Int>(0)

    @Test func theHookIsSetOnceAndSeesEveryEnqueuedJob() async {
        let counting: EnqueueHook = { job, original in
            ConcurrencyHookTests.enqueued.add(1, ordering: .relaxed)
            original(job)
        }
        let pointer = unsafeBitCast(counting, to: UnsafeRawPointer.self)
        #expect(switchboard_install_enqueue_global_hook(pointer))
        #expect(!switchboard_install_enqueue_global_hook(pointer), "a second install must leave the first hook in place")
        let before = Self.enqueued.load(ordering: .relaxed)
        let answer = await Task.detached { 42 }.value
        #expect(answer == 42)
        #expect(Self.enqueued.load(ordering: .relaxed) > before)
    }

    /// The reserve calls the runtime's allocator directly, with its calling convention: a wrong one would crash or
    /// corrupt the task's frames, which the nested awaits after it use.
    @Test func reservingTaskFramesLeavesTasksAndFramesIntact() async {
        switchboard_reserve_task_frames(64)
        let sums = await Task {
            switchboard_reserve_task_frames(16 * 1024)
            return await Self.nestedSum(depth: 40)
        }.value
        #expect(sums == (1...40).reduce(0, +))
    }

    private static func nestedSum(depth: Int) async -> Int {
        guard depth > 0 else { return 0 }
        let local = [depth]
        await Task.yield()
        return local[0] + (await nestedSum(depth: depth - 1))
    }
}
