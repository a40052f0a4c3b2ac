/* Small process and fd helpers shared by the runtime's files. */
#include "runtime/internal.h"
#include "common/cleanup.h"
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

/* Fields 3 (state) and 22 (starttime) of /proc/PID/stat. */
static int read_stat(pid_t pid, char *ret_state, unsigned long long *ret_start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return -1;
    p += 2;
    *ret_state = *p;
    /* p is at field 3; starttime is 19 fields further. */
    for (int i = 0; i < 19; i++) {
        p = strchr(p, ' ');
        if (!p)
            return -1;
        p++;
    }
    *ret_start = strtoull(p, NULL, 10);
    return 0;
}

unsigned long long rt_pid_start_time(pid_t pid)
{
    char state;
    unsigned long long start;
    if (pid <= 0 || read_stat(pid, &state, &start) < 0)
        return 0;
    return start;
}

bool rt_pid_alive(pid_t pid, unsigned long long start_time)
{
    char state;
    unsigned long long start;
    if (pid <= 0 || read_stat(pid, &state, &start) < 0)
        return false;
    if (state == 'Z' || state == 'X' || state == 'x')
        return false;
    return start_time == 0 || start == start_time;
}

int rt_pid_wait_gone(pid_t pid, unsigned long long start_time, int timeout_ms)
{
    _cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0 && rt_pid_alive(pid, start_time)) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        int r;
        do
            r = poll(&p, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        return r > 0 ? 0 : -1;
    }
    for (int waited = 0; rt_pid_alive(pid, start_time); waited += 10) {
        if (waited >= timeout_ms)
            return -1;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

void rt_close_fds_except(const int *keep, size_t n)
{
    int sorted[16];
    size_t k = 0;
    for (size_t i = 0; i < n && k < SK_ARRAY_SIZE(sorted); i++)
        if (keep[i] > 2)
            sorted[k++] = keep[i];
    qsort(sorted, k, sizeof(int), cmp_int);
    unsigned int from = 3;
    for (size_t i = 0; i < k; i++) {
        if ((unsigned)sorted[i] > from)
            syscall(SYS_close_range, from, (unsigned)sorted[i] - 1, 0);
        from = (unsigned)sorted[i] + 1;
    }
    syscall(SYS_close_range, from, ~0U, 0);
}

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

int rt_write_atomic(const char *path, const char *data, mode_t mode, struct sk_error *err)
{
    _cleanup_free_ char *tmp = sk_asprintf("%s.tmp-%d", path, (int)getpid());
    _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return sk_error_errno(err, errno, "create %s", tmp);
    size_t len = strlen(data);
    for (size_t done = 0; done < len;) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            unlink(tmp);
            return sk_error_errno(err, e, "write %s", path);
        }
        done += (size_t)n;
    }
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return sk_error_errno(err, e, "rename %s", path);
    }
    return 0;
}

int rt_write_pid_file(const char *path, pid_t pid, struct sk_error *err)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    if (rt_write_atomic(path, buf, 0644, err) < 0)
        return sk_error_prefix(err, "pid file");
    return 0;
}
