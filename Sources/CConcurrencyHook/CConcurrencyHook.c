#include "CConcurrencyHook.h"
#include <stdatomic.h>

// Defined by the Swift Concurrency runtime. Its shared library exports it, where SwiftNIO finds it with dlsym;
// its static archive (`--static-swift-stdlib`, as the container image is built) keeps it hidden from dlsym, but
// a direct reference like this one still links to it.
extern const void *_Atomic swift_task_enqueueGlobal_hook;

bool switchboard_install_enqueue_global_hook(const void *hook) {
    const void *unset = 0;
    return atomic_compare_exchange_strong(&swift_task_enqueueGlobal_hook, &unset, hook);
}

// The task allocator's entry points, as compiled async code calls them (Swift calling convention).
extern void *swift_task_alloc(size_t size) __attribute__((swiftcall));
extern void swift_task_dealloc(void *pointer) __attribute__((swiftcall));

void switchboard_reserve_task_frames(size_t bytes) {
    swift_task_dealloc(swift_task_alloc(bytes));
}
