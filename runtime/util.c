/* Small process and fd helpers shared by the runtime's files. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int rt_write_file(const char *path, const char *value, struct sk_error *err)
{
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return sk_error_errno(err, errno, "open %s", path);
    size_t len = strlen(value);
    ssize_t n = write(fd, value, len);
    if (n < 0)
        return sk_error_errno(err, errno, "write %s to %s", value, path);
    if ((size_t)n != len)
        return sk_error_set(err, EIO, "write %s to %s: short write", value, path);
    return 0;
}

pid_t rt_waitpid(pid_t pid, int *status, int flags)
{
    pid_t r;
    do
        r = waitpid(pid, status, flags);
    while (r < 0 && errno == EINTR);
    return r;
}

int rt_exit_code(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return 255;
}

int rt_write_pid_file(const char *path, pid_t pid, struct sk_error *err)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    if (sk_write_file_replace(path, buf, strlen(buf), 0644, err) < 0)
        return sk_error_prefix(err, "pid file");
    return 0;
}
