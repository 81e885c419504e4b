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
