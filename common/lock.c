#include "common/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

int sk_lock_acquire(struct sk_lock *lock, const char *path, bool shared, struct sk_error *err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return sk_error_errno(err, errno, "open lock %s", path);
    while (flock(fd, shared ? LOCK_SH : LOCK_EX) < 0) {
        if (errno == EINTR)
            continue;
        int e = errno;
        close(fd);
        return sk_error_errno(err, e, "lock %s", path);
    }
    lock->fd = fd;
    return 0;
}

void sk_lock_release(struct sk_lock *lock)
{
    if (lock && lock->fd >= 0) {
        close(lock->fd); /* closing drops the flock */
        lock->fd = -1;
    }
}
