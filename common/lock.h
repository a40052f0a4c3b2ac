/* File locks (flock) serialize concurrent skiff processes. A lock held by a
 * killed process is released by the kernel, so a kill -9 never wedges the store. */
#ifndef SKIFF_COMMON_LOCK_H
#define SKIFF_COMMON_LOCK_H

#include <stdbool.h>

#include "common/error.h"

struct sk_lock {
    int fd;
};

#define SK_LOCK_INIT {.fd = -1}

/* Take an exclusive (or shared) lock on path, creating the file; blocks. */
int sk_lock_acquire(struct sk_lock *lock, const char *path, bool shared, struct sk_error *err);
void sk_lock_release(struct sk_lock *lock);
static inline void sk_lock_releasep(struct sk_lock *lock) { sk_lock_release(lock); }
#define _cleanup_lock_ __attribute__((cleanup(sk_lock_releasep)))

#endif
