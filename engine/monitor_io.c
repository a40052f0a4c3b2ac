/* The monitor's steady state: for the container's whole life it relays its
 * output to the log (k8s-file) and to attached clients, its input from them,
 * and reaps it. That loop is all a running container costs, so it is kept to
 * what is resident: it calls the kernel directly (no libc wrappers), formats
 * timestamps itself and copies bytes with plain loops, so the only code pages
 * it needs are a few of skiff's own; mon_settle_in gives back everything else
 * it inherited. (libc's code would cost ~1 MB of mapped pages: the kernel maps
 * 64 KiB around every page fault in a file.) */
#include "engine/monitor_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Keep the compiler from turning our loops back into libc calls. */
#if defined(__clang__)
#define NO_LIBCALLS __attribute__((no_builtin))
#else
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif

/* ---- system calls: -errno on failure ------------------------------------------ */

#if defined(__x86_64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b,
                  x2 __asm__("x2") = c, x3 __asm__("x3") = d, x4 __asm__("x4") = e,
                  x5 __asm__("x5") = f;
    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return x0;
}
#else
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
    long r = syscall(n, a, b, c, d, e, f);
    return r < 0 ? -errno : r;
}
#endif

#define SYS(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

static long sys_retry(long n, long a, long b, long c, long d, long e, long f)
{
    long r;
    do
        r = sys6(n, a, b, c, d, e, f);
    while (r == -EINTR);
    return r;
}

void mon_close(int *fd)
{
    if (*fd >= 0)
        SYS(SYS_close, *fd, 0, 0);
    *fd = -1;
}

int mon_poll(struct pollfd *p, size_t n, int timeout_ms)
{
    struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
    return (int)sys6(SYS_ppoll, (long)p, (long)n, timeout_ms < 0 ? 0 : (long)&ts, 0, 0, 0);
}

long long mon_now_ms(void)
{
    struct timespec ts = {0, 0};
    SYS(SYS_clock_gettime, CLOCK_MONOTONIC, &ts, 0);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static NO_LIBCALLS void copy_bytes(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

static NO_LIBCALLS const char *find_newline(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\n')
            return p + i;
    return NULL;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        long w = sys_retry(SYS_write, fd, (long)p, (long)n, 0, 0, 0);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* ---- settling in --------------------------------------------------------------- */

/* A file mapping seen in /proc/self/smaps, until its Anonymous: line. */
struct mapping {
    unsigned long start, end;
    bool candidate; /* read-only (r-xp, r--p), backed by a file */
};

static NO_LIBCALLS unsigned long parse_num(const char *l, size_t n, size_t *i, unsigned base)
{
    unsigned long v = 0;
    for (; *i < n; (*i)++) {
        char c = l[*i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                     : base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f'
                         ? (unsigned)((c | 0x20) - 'a' + 10)
                         : base;
        if (d >= base)
            break;
        v = v * base + d;
    }
    return v;
}

static NO_LIBCALLS bool has_prefix(const char *l, size_t n, const char *p)
{
    size_t i = 0;
    for (; p[i]; i++)
        if (i >= n || l[i] != p[i])
            return false;
    return true;
}

/* A header line "start-end perms offset dev inode path" opens a mapping;
 * its "Anonymous: N kB" line says whether any page of it was ever written
 * (relocations): only mappings with none lose their page-table entries. */
static NO_LIBCALLS void smaps_line(struct mapping *cur, const char *l, size_t n)
{
    if (has_prefix(l, n, "Anonymous:")) {
        size_t i = 10;
        while (i < n && l[i] == ' ')
            i++;
        if (cur->candidate && parse_num(l, n, &i, 10) == 0)
            SYS(SYS_madvise, cur->start, cur->end - cur->start, MADV_DONTNEED);
        cur->candidate = false;
        return;
    }
    size_t i = 0;
    unsigned long start = parse_num(l, n, &i, 16);
    if (i >= n || l[i] != '-' || i == 0)
        return; /* some other field line */
    i++;
    unsigned long end = parse_num(l, n, &i, 16);
    if (i + 5 > n || l[i] != ' ')
        return;
    bool ro = l[i + 1] == 'r' && l[i + 2] == '-' && l[i + 4] == 'p';
    i += 5;
    for (int field = 0; field < 2; field++) { /* offset, dev */
        while (i < n && l[i] == ' ')
            i++;
        while (i < n && l[i] != ' ')
            i++;
    }
    while (i < n && l[i] == ' ')
        i++;
    unsigned long inode = parse_num(l, n, &i, 10);
    cur->start = start;
    cur->end = end;
    cur->candidate = ro && inode != 0 && end > start;
}

/* Read smaps with direct system calls: dropping libc's pages while using
 * libc would only fault them back. */
static NO_LIBCALLS void drop_file_pages(void)
{
    long fd = SYS(SYS_openat, AT_FDCWD, "/proc/self/smaps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[4096];
    size_t len = 0;
    struct mapping cur = {0, 0, false};
    for (;;) {
        long n = sys_retry(SYS_read, fd, (long)buf + (long)len, (long)(sizeof(buf) - len), 0, 0, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        size_t start = 0;
        for (size_t i = 0; i < len; i++)
            if (buf[i] == '\n') {
                smaps_line(&cur, buf + start, i - start);
                start = i + 1;
            }
        if (start == 0 && len == sizeof(buf))
            start = len; /* a line longer than the buffer: skip it */
        copy_bytes(buf, buf + start, len - start);
        len -= start;
    }
    SYS(SYS_close, fd, 0, 0);
}

/* Free heap pages go back to the kernel, and the page-table entries of code
 * mappings (clean file pages that every process running them shares) are
 * dropped (code, read-only data), last: from then on the loop faults back in only the few pages it
 * runs. Writable or relocated mappings are left alone. The time zone is read
 * once, here: a container that runs across a daylight saving change logs the
 * old offset. */
void mon_settle_in(struct mon *m)
{
    time_t now = time(NULL);
    struct tm tm;
    m->tz_offset = localtime_r(&now, &tm) ? tm.tm_gmtoff : 0;
    malloc_trim(0);
    drop_file_pages();
}

/* ---- the log (k8s-file) --------------------------------------------------------- */

static char *put_num(char *p, unsigned long long v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + width;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian calendar, eras
 * of 400 years = 146097 days starting on March 1st). */
static void civil_from_days(long long days, long long *y, unsigned *mon, unsigned *d)
{
    days += 719468; /* from 0000-03-01 */
    long long era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *mon = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*mon <= 2);
}

/* podman's timestamps: local time, nanoseconds, numeric zone with a colon:
 * 2026-11-22T10:00:00.123456789+01:00 (35 characters). */
static size_t log_timestamp(const struct mon *m, char *buf)
{
    struct timespec ts = {0, 0};
    SYS(SYS_clock_gettime, CLOCK_REALTIME, &ts, 0);
    long long t = ts.tv_sec + m->tz_offset;
    long long days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    long long secs = t - days * 86400, y;
    unsigned mon, d;
    civil_from_days(days, &y, &mon, &d);
    char *p = put_num(buf, (unsigned long long)y, 4);
    *p++ = '-';
    p = put_num(p, mon, 2);
    *p++ = '-';
    p = put_num(p, d, 2);
    *p++ = 'T';
    p = put_num(p, (unsigned long long)secs / 3600, 2);
    *p++ = ':';
    p = put_num(p, (unsigned long long)secs / 60 % 60, 2);
    *p++ = ':';
    p = put_num(p, (unsigned long long)secs % 60, 2);
    *p++ = '.';
    p = put_num(p, (unsigned long long)ts.tv_nsec, 9);
    long off = m->tz_offset < 0 ? -m->tz_offset : m->tz_offset;
    *p++ = m->tz_offset < 0 ? '-' : '+';
    p = put_num(p, (unsigned long long)off / 3600, 2);
    *p++ = ':';
    p = put_num(p, (unsigned long long)off / 60 % 60, 2);
    return (size_t)(p - buf);
}

/* One record per line; a chunk without its newline is a partial record (P). */
static void log_chunk(struct mon *m, bool is_err, const char *data, size_t n)
{
    if (m->log_fd < 0)
        return;
    char head[64];
    size_t hl = log_timestamp(m, head);
    const char *stream = is_err ? " stderr " : " stdout ";
    copy_bytes(head + hl, stream, 8);
    hl += 8;
    head[hl + 1] = ' ';
    while (n) {
        const char *nl = find_newline(data, n);
        size_t len = nl ? (size_t)(nl - data) : n;
        head[hl] = nl ? 'F' : 'P';
        struct iovec iov[3] = {{head, hl + 2}, {(void *)data, len}, {"\n", 1}};
        sys_retry(SYS_writev, m->log_fd, (long)iov, 3, 0, 0, 0);
        if (!nl)
            break;
        data = nl + 1;
        n -= len + 1;
    }
}

/* ---- clients ------------------------------------------------------------------- */

static void client_drop(struct mon *m, size_t i)
{
    mon_close(&m->clients[i].fd);
    m->clients[i] = m->clients[--m->nclients];
}

void mon_client_add(struct mon *m, int fd, bool owner)
{
    if (m->nclients == MON_MAX_CLIENTS) {
        mon_close(&fd);
        return;
    }
    m->clients[m->nclients].fd = fd;
    m->clients[m->nclients++].owner = owner;
}

void mon_accept(struct mon *m)
{
    long c = sys_retry(SYS_accept4, m->listen_fd, 0, 0, SOCK_CLOEXEC, 0, 0);
    if (c >= 0)
        mon_client_add(m, (int)c, false);
}

/* msg: the type byte followed by n bytes of data. Blocking sends: a slow
 * client slows the container down rather than losing its output (clients
 * always read, so this cannot deadlock). */
static void broadcast_msg(struct mon *m, const char *msg, size_t n)
{
    for (size_t i = m->nclients; i-- > 0;)
        if (sys_retry(SYS_sendto, m->clients[i].fd, (long)msg, (long)n + 1, MSG_NOSIGNAL, 0, 0) <
            0)
            client_drop(m, i);
}

void mon_broadcast(struct mon *m, char type, const void *data, size_t n)
{
    char msg[64];
    if (n >= sizeof(msg))
        return; /* control messages only; output goes through mon_pump_output */
    msg[0] = type;
    copy_bytes(msg + 1, data, n);
    broadcast_msg(m, msg, n);
}

bool mon_pump_output(struct mon *m, int fd, bool is_err)
{
    char buf[ATTACH_MSG_MAX];
    long n = sys_retry(SYS_read, fd, (long)buf + 1, sizeof(buf) - 1, 0, 0, 0);
    if (n == -EAGAIN)
        return true;
    if (n <= 0) /* EOF, or EIO once every pty slave is closed */
        return false;
    log_chunk(m, is_err, buf + 1, (size_t)n);
    buf[0] = is_err ? ATTACH_STDERR : ATTACH_STDOUT;
    broadcast_msg(m, buf, (size_t)n);
    return true;
}

static void stdin_close(struct mon *m)
{
    if (!m->tty) /* the master is also the output: keep it */
        mon_close(&m->in_fd);
    m->in_fd = -1;
    m->in_len = 0;
}

/* With nothing pending: write what the pipe takes, keep the rest. */
static void stdin_write(struct mon *m, const char *data, size_t n)
{
    while (n) {
        long w = sys_retry(SYS_write, m->in_fd, (long)data, (long)n, 0, 0, 0);
        if (w == -EAGAIN)
            break;
        if (w <= 0) { /* the container closed its stdin */
            stdin_close(m);
            return;
        }
        data += w;
        n -= (size_t)w;
    }
    copy_bytes(m->in_buf, data, n);
    m->in_len = n;
}

void mon_stdin_flush(struct mon *m)
{
    if (m->in_len && m->in_fd >= 0) {
        size_t pending = m->in_len;
        char *p = m->in_buf;
        long w = sys_retry(SYS_write, m->in_fd, (long)p, (long)pending, 0, 0, 0);
        if (w == -EAGAIN)
            return;
        if (w <= 0) {
            stdin_close(m);
            return;
        }
        copy_bytes(m->in_buf, m->in_buf + w, pending - (size_t)w);
        m->in_len = pending - (size_t)w;
    }
}

void mon_client_input(struct mon *m, size_t i)
{
    char msg[ATTACH_MSG_MAX];
    long n = sys_retry(SYS_recvfrom, m->clients[i].fd, (long)msg, sizeof(msg), MSG_DONTWAIT, 0, 0);
    if (n == -EAGAIN)
        return;
    if (n <= 0) {
        client_drop(m, i);
        return;
    }
    switch (msg[0]) {
    case ATTACH_STDIN:
        if (m->in_fd >= 0 && n > 1 && m->in_len == 0)
            stdin_write(m, msg + 1, (size_t)n - 1);
        break;
    case ATTACH_STDIN_EOF:
        if (m->clients[i].owner && m->in_fd >= 0) {
            if (m->tty && m->in_len == 0)
                write_all(m->in_fd, "\x04", 1); /* EOF for the line discipline */
            else if (!m->tty)
                stdin_close(m);
        }
        break;
    case ATTACH_WINSIZE:
        if (m->tty && m->out_fd >= 0 && (size_t)n == 1 + sizeof(struct winsize)) {
            struct winsize ws;
            copy_bytes((char *)&ws, msg + 1, sizeof(ws));
            SYS(SYS_ioctl, m->out_fd, TIOCSWINSZ, &ws);
        }
        break;
    default:
        break;
    }
}

/* ---- children ------------------------------------------------------------------- */

void mon_reap(struct mon *m)
{
    struct signalfd_siginfo si;
    while (SYS(SYS_read, m->sig_fd, &si, sizeof(si)) > 0)
        ;
    for (;;) {
        int st = 0;
        long p = sys6(SYS_wait4, -1, (long)&st, WNOHANG, 0, 0, 0);
        if (p <= 0)
            break;
        if (p == m->worker)
            m->worker = 0;
        else if (m->pid > 0 && p == m->pid) {
            m->exited = true;
            m->wait_status = st;
        } else if (m->pid <= 0 && m->nearly < MON_EARLY_EXITS) {
            m->early[m->nearly].pid = (pid_t)p;
            m->early[m->nearly++].status = st;
        }
    }
}
