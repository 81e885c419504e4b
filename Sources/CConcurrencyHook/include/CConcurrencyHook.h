#ifndef SWITCHBOARD_CCONCURRENCYHOOK_H
#define SWITCHBOARD_CCONCURRENCYHOOK_H

#include <stdbool.h>
#include <stddef.h>

/// Sets Swift Concurrency's `swift_task_enqueueGlobal_hook` to `hook` if no hook is set yet, atomically.
/// Returns whether it was set. `hook` must be a `@convention(thin)` Swift function taking the job and the
/// original enqueue function.
bool switchboard_install_enqueue_global_hook(const void *_Nonnull hook);

/// Grows the current task's allocator to hold at least `bytes` of async frames in one slab, by allocating that much
/// and freeing it at once: the allocator keeps a freed slab for the frames that follow. Outside a task it
/// allocates and frees from the runtime's global fallback allocator, which changes nothing.
///
/// The allocator starts each task without memory and takes slabs of about 1,000 bytes, or one the size of a larger
/// frame; a proxied request's frames, a few of them 2-3.5 KB, took it about 24 `malloc` calls per request.
void switchboard_reserve_task_frames(size_t bytes);

#endif
