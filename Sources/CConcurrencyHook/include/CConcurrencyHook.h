#ifndef SWITCHBOARD_CCONCURRENCYHOOK_H
#define SWITCHBOARD_CCONCURRENCYHOOK_H

#include <stdbool.h>

/// Sets Swift Concurrency's `swift_task_enqueueGlobal_hook` to `hook` if no hook is set yet, atomically.
/// Returns whether it was set. `hook` must be a `@convention(thin)` Swift function taking the job and the
/// original enqueue function.
bool switchboard_install_enqueue_global_hook(const void *_Nonnull hook);

#endif
