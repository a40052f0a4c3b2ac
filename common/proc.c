/* Process helpers (see proc.h). */
#include "common/proc.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Fields 3 (state) and 22 (starttime) of /proc/PID/stat. */
static int read_stat(pid_t pid, char *ret_state, unsigned long long *ret_start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (sk_read_small(path, buf, sizeof(buf)) < 0)
        return -1;
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

unsigned long long sk_pid_start_time(pid_t pid)
{
    char state;
    unsigned long long start;
    if (pid <= 0 || read_stat(pid, &state, &start) < 0)
        return 0;
    return start;
}

bool sk_pid_alive(pid_t pid, unsigned long long start_time)
{
    char state;
    unsigned long long start;
    if (pid <= 0 || read_stat(pid, &state, &start) < 0)
        return false;
    if (state == 'Z' || state == 'X' || state == 'x')
        return false;
    return start_time == 0 || start == start_time;
}

int sk_pid_wait_gone(pid_t pid, unsigned long long start_time, int timeout_ms)
{
    _cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0 && sk_pid_alive(pid, start_time)) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        int r;
        do
            r = poll(&p, 1, timeout_ms);
        while (r < 0 && errno == EINTR);
        return r > 0 ? 0 : -1;
    }
    for (int waited = 0; sk_pid_alive(pid, start_time); waited += 10) {
        if (timeout_ms >= 0 && waited >= timeout_ms)
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

#define CLOSE_FDS_FALLBACK_MAX (1u << 20) /* the kernel's default nr_open */

/* close_range(2) (Linux 5.9+), else close() over the range, up to the fd limit. */
static void close_fds(unsigned int from, unsigned int to)
{
    if (syscall(SYS_close_range, from, to, 0) == 0 || errno != ENOSYS)
        return;
    struct rlimit rl;
    rlim_t limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
                           rl.rlim_cur <= CLOSE_FDS_FALLBACK_MAX
                       ? rl.rlim_cur
                       : CLOSE_FDS_FALLBACK_MAX;
    unsigned int max = (rlim_t)to < limit ? to : (unsigned int)limit - 1;
    for (unsigned int fd = from; fd <= max; fd++)
        close((int)fd);
}

void sk_close_fds_except(const int *keep, size_t n)
{
    /* No malloc: this runs between fork and exec. */
    int sorted[SK_CLOSE_FDS_KEEP_MAX];
    size_t k = 0;
    if (n > SK_ARRAY_SIZE(sorted))
        abort(); /* a caller keeping more is a bug: closing one it needs would be worse */
    for (size_t i = 0; i < n; i++)
        if (keep[i] > 2)
            sorted[k++] = keep[i];
    qsort(sorted, k, sizeof(int), cmp_int);
    unsigned int from = 3;
    for (size_t i = 0; i < k; i++) {
        if ((unsigned)sorted[i] > from)
            close_fds(from, (unsigned)sorted[i] - 1);
        if ((unsigned)sorted[i] >= from)
            from = (unsigned)sorted[i] + 1;
    }
    close_fds(from, ~0U);
}
