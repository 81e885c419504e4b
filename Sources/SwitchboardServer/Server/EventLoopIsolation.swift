import NIOCore

/// A connection's event loop as an actor, so that a request task can be isolated to the loop its connection
/// lives on.
///
/// A task isolated to it runs every `nonisolated(nonsending)` function it calls (all of the gateway's own, under
/// `NonisolatedNonsendingByDefault`) on the loop without a task switch. A task that is not isolated, as the
/// router's were, hops to the generic executor at each of those calls, and NIO's executor hook sends every hop
/// through the loop's task queue again: about 60 switches per chat request (`bench/switches.py`).
actor EventLoopIsolation {
    let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }
}
