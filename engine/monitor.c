/* The monitor (see monitor.h for what it does and its run state).
 *
 * Processes of a start:
 *   S  the skiff command (start, run, restart). Holds the monitor lock, forks
 *      M0 and reads the report M writes on a pipe: "W <msg>" per runtime
 *      warning, then "S <pid>" once the container runs or "E <code> <msg>".
 *   M0 forks M and exits, so that M is nobody's child but init's.
 *   M  the monitor: a new session, stdio on /dev/null, a child subreaper,
 *      keeping only the fds it needs (the monitor lock among them). It makes
 *      the container's stdio (pipes; for -t a console socket that receives the
 *      pty master), forks W, records the container as running when W reports,
 *      passes the report on and closes it; then it relays and logs output until
 *      the container's init exits, records the exit and cleans up.
 *   W  the worker: runtime_create + runtime_start with the pipes as its stdio
 *      (the container inherits them), reports, exits. The heavy work (spec,
 *      mounts, seccomp) happens in W, so M's memory stays what it was when S
 *      forked it.
 *   C  the container's init, M's child once the runtime's intermediate
 *      process exits (M is a subreaper).
 *
 * M reads the container's output only after S has its report: an attached S
 * reads its client socket only then, and M must not block on it before. */
#include "engine/monitor.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/proc.h"
#include "common/util.h"
#include "engine/container.h"
#include "runtime/runtime.h"
#include "storage/container.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 16
#define EARLY_EXITS 16
/* After the init exits, how long to wait for the rest of its output (a
 * process outside its pid namespace may hold the pipes open). */
#define DRAIN_MS 1000

char *engine_runtime_root(struct engine *e) { return sk_asprintf("%s/runtime", e->st->runroot); }

char *engine_monitor_path(struct engine *e, const char *id, const char *name)
{
    return sk_asprintf("%s/monitor/%s%s%s", e->st->runroot, id, name ? "/" : "", name ? name : "");
}

int engine_exit_code_for(const struct sk_error *err)
{
    if (strstr(err->msg, "executable file not found") || strstr(err->msg, "no such file"))
        return 127;
    if (err->code == EACCES || strstr(err->msg, "ermission denied"))
        return 126;
    return 125;
}

int engine_monitor_lock(struct engine *e, const char *id, bool wait, struct sk_lock *lock,
                        struct sk_error *err)
{
    _cleanup_free_ char *dir = engine_monitor_path(e, id, NULL);
    if (sk_mkdir_p(dir, 0700, err) < 0)
        return -1;
    _cleanup_free_ char *path = sk_asprintf("%s/lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return sk_error_errno(err, errno, "open %s", path);
    int r;
    do
        r = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        int saved = errno;
        close(fd);
        if (saved == EWOULDBLOCK)
            return 1;
        return sk_error_errno(err, saved, "lock %s", path);
    }
    lock->fd = fd;
    return 0;
}

/* ---- the monitor's state --------------------------------------------------- */

struct client {
    int fd;
    bool owner; /* run / start -a: its stdin EOF closes the container's stdin */
};

struct mon {
    struct engine *e;
    char id[65];
    bool tty, interactive, autoremove;
    int report_fd;          /* to S; -1 once the report is done */
    int dir_fd;             /* <runroot>/monitor/<id> */
    int log_fd;
    int out_fd, err_fd;     /* the container's stdout/stderr (out_fd: the pty master with -t) */
    int in_fd;              /* the container's stdin (a pipe, or the master), or -1 */
    char *in_buf;           /* input not yet written to in_fd */
    size_t in_len;
    int listen_fd, console_fd, worker_fd, sig_fd;
    pid_t worker, pid;
    bool exited;
    int wait_status;
    struct client clients[MAX_CLIENTS];
    size_t nclients;
    struct {
        pid_t pid;
        int status;
    } early[EARLY_EXITS]; /* children reaped before W told us the init's pid */
    size_t nearly;
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static bool write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* One report line to S; newlines in messages would break the framing. */
static void report(struct mon *m, char kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report(struct mon *m, char kind, const char *fmt, ...)
{
    if (m->report_fd < 0)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + 2, sizeof(line) - 3, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = strlen(line + 2) + 2;
    line[0] = kind;
    line[1] = ' ';
    for (size_t i = 2; i < len; i++)
        if (line[i] == '\n')
            line[i] = ' ';
    line[len++] = '\n';
    write_all(m->report_fd, line, len);
}

/* ---- the log (k8s-file) and the clients -------------------------------------- */

/* podman's timestamps: local time, nanoseconds, numeric zone with a colon. */
static void log_timestamp(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    char base[32], zone[8];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(zone, sizeof(zone), "%z", &tm); /* +hhmm */
    snprintf(buf, len, "%s.%09ld%.3s:%.2s", base, ts.tv_nsec, zone, zone + 3);
}

/* One record per line; a chunk without its newline is a partial record (P). */
static void log_chunk(struct mon *m, const char *stream, const char *data, size_t n)
{
    if (m->log_fd < 0)
        return;
    char ts[64];
    log_timestamp(ts, sizeof(ts));
    while (n) {
        const char *nl = memchr(data, '\n', n);
        size_t len = nl ? (size_t)(nl - data) : n;
        char head[96];
        int hl = snprintf(head, sizeof(head), "%s %s %s ", ts, stream, nl ? "F" : "P");
        struct iovec iov[3] = {{head, (size_t)hl}, {(void *)data, len}, {"\n", 1}};
        ssize_t w;
        do
            w = writev(m->log_fd, iov, 3);
        while (w < 0 && errno == EINTR);
        if (!nl)
            break;
        data = nl + 1;
        n -= len + 1;
    }
}

static void client_drop(struct mon *m, size_t i)
{
    close(m->clients[i].fd);
    m->clients[i] = m->clients[--m->nclients];
}

static void client_add(struct mon *m, int fd, bool owner)
{
    if (m->nclients == MAX_CLIENTS) {
        close(fd);
        return;
    }
    m->clients[m->nclients++] = (struct client){fd, owner};
}

/* Blocking sends: a slow client slows the container down rather than losing
 * its output (clients always read, so this cannot deadlock). */
static void broadcast(struct mon *m, char type, const void *data, size_t n)
{
    char msg[ATTACH_MSG_MAX];
    msg[0] = type;
    memcpy(msg + 1, data, n);
    for (size_t i = m->nclients; i-- > 0;) {
        ssize_t w;
        do
            w = send(m->clients[i].fd, msg, n + 1, MSG_NOSIGNAL);
        while (w < 0 && errno == EINTR);
        if (w < 0)
            client_drop(m, i);
    }
}

/* Read what a stream has; false at its end. */
static bool pump_output(struct mon *m, int fd, bool is_err)
{
    char buf[ATTACH_MSG_MAX - 1];
    ssize_t n;
    do
        n = read(fd, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return true;
    if (n <= 0) /* EOF, or EIO once every pty slave is closed */
        return false;
    log_chunk(m, is_err ? "stderr" : "stdout", buf, (size_t)n);
    broadcast(m, is_err ? ATTACH_STDERR : ATTACH_STDOUT, buf, (size_t)n);
    return true;
}

static void stdin_close(struct mon *m)
{
    if (!m->tty) /* the master is also the output: keep it */
        close_fd(&m->in_fd);
    m->in_fd = -1;
    free(m->in_buf);
    m->in_buf = NULL;
    m->in_len = 0;
}

static void stdin_flush(struct mon *m)
{
    while (m->in_len) {
        ssize_t w = write(m->in_fd, m->in_buf, m->in_len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return;
        if (w <= 0) { /* the container closed its stdin */
            stdin_close(m);
            return;
        }
        memmove(m->in_buf, m->in_buf + w, m->in_len - (size_t)w);
        m->in_len -= (size_t)w;
    }
}

static void client_input(struct mon *m, size_t i)
{
    char msg[ATTACH_MSG_MAX];
    ssize_t n;
    do
        n = recv(m->clients[i].fd, msg, sizeof(msg), MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0) {
        client_drop(m, i);
        return;
    }
    switch (msg[0]) {
    case ATTACH_STDIN:
        if (m->in_fd >= 0 && n > 1) {
            m->in_buf = sk_realloc(m->in_buf, m->in_len + (size_t)n - 1);
            memcpy(m->in_buf + m->in_len, msg + 1, (size_t)n - 1);
            m->in_len += (size_t)n - 1;
            stdin_flush(m);
        }
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
            memcpy(&ws, msg + 1, sizeof(ws));
            ioctl(m->out_fd, TIOCSWINSZ, &ws);
        }
        break;
    default:
        break;
    }
}

/* ---- children ---------------------------------------------------------------- */

static void reap(struct mon *m)
{
    struct signalfd_siginfo si;
    while (read(m->sig_fd, &si, sizeof(si)) > 0)
        ;
    for (;;) {
        int st;
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p <= 0)
            break;
        if (p == m->worker)
            m->worker = 0;
        else if (m->pid > 0 && p == m->pid) {
            m->exited = true;
            m->wait_status = st;
        } else if (m->pid <= 0 && m->nearly < EARLY_EXITS) {
            m->early[m->nearly].pid = p;
            m->early[m->nearly++].status = st;
        }
    }
}

static int state_update(struct mon *m, json_t *fields)
{
    return engine_container_state_update(m->e, m->id, fields, NULL);
}

static void now_rfc3339(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sk_format_rfc3339(ts.tv_sec, ts.tv_nsec, buf, len);
}

static void unlink_sockets(struct mon *m)
{
    unlinkat(m->dir_fd, "attach", 0);
    unlinkat(m->dir_fd, "console", 0);
}

/* The container did not start: back to created (or gone with --rm), tell S. */
static void __attribute__((noreturn)) monitor_fail(struct mon *m, int code, const char *msg)
{
    unlink_sockets(m);
    if (m->pid > 0)
        kill(m->pid, SIGKILL);
    _cleanup_free_ char *rt_root = engine_runtime_root(m->e);
    struct runtime_ctx ctx = {.root = rt_root};
    runtime_delete(&ctx, m->id, true, NULL);
    storage_container_unmount(m->e->st, m->id, false, NULL);
    _cleanup_json_ json_t *fields =
        json_pack("{s:s, s:i, s:i}", "status", "created", "exitCode", code, "pid", 0);
    state_update(m, fields);
    if (m->autoremove) {
        char removed[65];
        engine_container_remove(m->e, m->id, true, 0, removed, NULL);
    }
    report(m, 'E', "%d %s", code, msg);
    _exit(1);
}

/* The init exited: record it, release what the run held, tell the clients. */
static void __attribute__((noreturn)) monitor_finish(struct mon *m)
{
    int code = WIFEXITED(m->wait_status)     ? WEXITSTATUS(m->wait_status)
               : WIFSIGNALED(m->wait_status) ? 128 + WTERMSIG(m->wait_status)
                                             : 125;
    unlink_sockets(m);
    _cleanup_free_ char *rt_root = engine_runtime_root(m->e);
    struct runtime_ctx ctx = {.root = rt_root};
    bool oom = runtime_oom_killed(&ctx, m->id);
    runtime_delete(&ctx, m->id, true, NULL); /* what is left in its cgroup, the cgroups */
    storage_container_unmount(m->e->st, m->id, false, NULL);
    char finished[64];
    now_rfc3339(finished, sizeof(finished));
    _cleanup_json_ json_t *fields =
        json_pack("{s:s, s:i, s:s, s:b, s:i}", "status", "exited", "exitCode", code,
                  "finishedAt", finished, "oomKilled", oom, "pid", 0);
    state_update(m, fields);
    if (m->autoremove) {
        char removed[65];
        engine_container_remove(m->e, m->id, false, 0, removed, NULL);
    }
    int32_t c = code;
    broadcast(m, ATTACH_EXIT, &c, sizeof(c));
    _exit(0);
}

/* W's report: "W msg", "S pid" or "E code msg" lines. */
static void worker_line(struct mon *m, char *line)
{
    if (line[0] == 'W' && line[1] == ' ') {
        report(m, 'W', "%s", line + 2);
    } else if (line[0] == 'S' && line[1] == ' ') {
        m->pid = (pid_t)strtol(line + 2, NULL, 10);
        for (size_t i = 0; i < m->nearly; i++)
            if (m->early[i].pid == m->pid) {
                m->exited = true;
                m->wait_status = m->early[i].status;
            }
        char started[64];
        now_rfc3339(started, sizeof(started));
        _cleanup_json_ json_t *fields = json_pack(
            "{s:s, s:i, s:s, s:s, s:i, s:b, s:b, s:i, s:b}", "status", "running", "pid",
            (int)m->pid, "startedAt", started, "finishedAt", "0001-01-01T00:00:00Z", "monitorPid", (int)getpid(),
            "tty", m->tty, "interactive", m->interactive, "exitCode", 0, "oomKilled", 0);
        if (state_update(m, fields) < 0)
            monitor_fail(m, 125, "cannot record the container as running");
        report(m, 'S', "%d", (int)m->pid);
        close_fd(&m->report_fd);
    } else if (line[0] == 'E' && line[1] == ' ') {
        char *end;
        int code = (int)strtol(line + 2, &end, 10);
        monitor_fail(m, code, *end ? end + 1 : "the container did not start");
    }
}

static void worker_input(struct mon *m, char *buf, size_t *len)
{
    ssize_t n;
    do
        n = read(m->worker_fd, buf + *len, 8191 - *len);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        close_fd(&m->worker_fd);
        if (m->report_fd >= 0) /* W died without a word */
            monitor_fail(m, 125, "the runtime exited before the container started");
        return;
    }
    *len += (size_t)n;
    buf[*len] = '\0';
    char *nl;
    while ((nl = strchr(buf, '\n'))) {
        *nl = '\0';
        worker_line(m, buf);
        size_t used = (size_t)(nl + 1 - buf);
        memmove(buf, nl + 1, *len - used + 1);
        *len -= used;
    }
    if (*len == 8191) /* a line too long: drop it */
        *len = 0;
}

static int recv_master(int listen_fd)
{
    _cleanup_close_ int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0)
        return -1;
    char data[64];
    struct iovec iov = {data, sizeof(data)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    ssize_t n;
    do
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (n < 0 || !c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

/* ---- W ------------------------------------------------------------------------ */

static void worker_warn(void *data, const char *msg)
{
    int fd = *(int *)data;
    _cleanup_free_ char *line = sk_asprintf("W %s\n", msg);
    for (char *p = line + 2; *p && p[1]; p++)
        if (*p == '\n')
            *p = ' ';
    write_all(fd, line, strlen(line));
}

static void worker_report_error(int rep, const struct sk_error *err)
{
    _cleanup_free_ char *line = sk_asprintf("E %d %s\n", engine_exit_code_for(err), err->msg);
    for (char *p = line + 2; *p && p[1]; p++)
        if (*p == '\n')
            *p = ' ';
    write_all(rep, line, strlen(line));
}

/* The forked W: the container's stdio in place, then W becomes a sealed memfd
 * copy of skiff (CVE-2019-5736: the container's processes descend from it)
 * running engine_monitor_worker. */
static void __attribute__((noreturn)) worker_exec(struct mon *m, int rep, int in_r, int out_w,
                                                  int err_w)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL); /* the container inherits W's mask */
    signal(SIGHUP, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    dup2(in_r >= 0 ? in_r : null, 0);
    dup2(out_w >= 0 ? out_w : null, 1);
    dup2(err_w >= 0 ? err_w : null, 2);
    int keep[] = {rep, m->dir_fd};
    sk_close_fds_except(keep, SK_ARRAY_SIZE(keep));
    fcntl(rep, F_SETFD, 0);
    fcntl(m->dir_fd, F_SETFD, 0);
    char rep_s[16], dir_s[16];
    snprintf(rep_s, sizeof(rep_s), "%d", rep);
    snprintf(dir_s, sizeof(dir_s), "%d", m->dir_fd);
    char *argv[] = {"skiff",     "--root", m->e->st->root, "--runroot", m->e->st->runroot,
                    MONITOR_WORKER_COMMAND, m->id, m->tty ? "tty" : "notty", rep_s, dir_s, NULL};
    struct sk_error err = {0};
    runtime_exec_sealed(argv, &err);
    worker_report_error(rep, &err);
    _exit(1);
}

int engine_monitor_worker(struct engine *e, const char *id, bool tty, int rep, int dir_fd)
{
    fcntl(rep, F_SETFD, FD_CLOEXEC);
    fcntl(dir_fd, F_SETFD, FD_CLOEXEC);
    _cleanup_free_ char *rt_root = engine_runtime_root(e);
    _cleanup_free_ char *bundle = storage_container_userdata(e->st, id);
    char console[64];
    snprintf(console, sizeof(console), "/proc/self/fd/%d/console", dir_fd);
    struct runtime_ctx ctx = {.root = rt_root, .warn = worker_warn, .warn_data = &rep};
    struct runtime_create_opts o = {.bundle = bundle, .console_socket = tty ? console : NULL};
    struct sk_error err = {0};
    _cleanup_json_ json_t *state = NULL;
    /* The pid before the start: a process that exits at once has none after. */
    if (runtime_create(&ctx, id, &o, &err) < 0 || runtime_state(&ctx, id, &state, &err) < 0 ||
        runtime_start(&ctx, id, &err) < 0) {
        worker_report_error(rep, &err);
        return 1;
    }
    char line[64];
    int n = snprintf(line, sizeof(line), "S %lld\n", sk_json_int(state, "pid", 0));
    write_all(rep, line, (size_t)n);
    return 0;
}

/* ---- M ------------------------------------------------------------------------ */

static int bind_socket(struct mon *m, const char *name, int type, int backlog)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    /* The directory's fd keeps the path short whatever --runroot is. */
    snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s", m->dir_fd, name);
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    unlinkat(m->dir_fd, name, 0);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, backlog) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The monitor idles for the container's whole life: give back what it
 * inherited and does not use. Free heap pages go back to the kernel, and the
 * page-table entries of code mappings (clean file pages, shared with every
 * other process running them) are dropped; the few pages the loop needs fault
 * back in from the page cache. Writable or relocated mappings are left alone. */
static void monitor_shrink(void)
{
    malloc_trim(0);
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        unsigned long start, end, inode;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s %*s %*s %lu", &start, &end, perms, &inode) != 4)
            continue;
        if (inode != 0 && strcmp(perms, "r-xp") == 0)
            madvise((void *)start, end - start, MADV_DONTNEED);
    }
    fclose(f);
}

static void nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

/* Set up, fork W, then serve until the container exits. */
static void __attribute__((noreturn)) monitor_main(struct engine *parent, const char *id,
                                                   const struct monitor_opts *o, int report_fd,
                                                   int lock_fd)
{
    struct mon m = {
        .tty = o->tty, .interactive = o->interactive, .autoremove = o->autoremove,
        .report_fd = report_fd, .dir_fd = -1, .log_fd = -1, .out_fd = -1, .err_fd = -1,
        .in_fd = -1, .listen_fd = -1, .console_fd = -1, .worker_fd = -1, .sig_fd = -1};
    snprintf(m.id, sizeof(m.id), "%s", id);
    setsid();
    int null = open("/dev/null", O_RDWR);
    for (int i = 0; i < 3; i++)
        dup2(null, i);
    int keep[] = {report_fd, o->client_fd, lock_fd};
    sk_close_fds_except(keep, SK_ARRAY_SIZE(keep));
    prctl(PR_SET_NAME, "skiff-monitor");
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    m.sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);

    /* Our own engine: the parent's holds its workspace, which is not ours. */
    struct engine_opts eo = {.root = parent->st->root, .runroot = parent->st->runroot};
    struct sk_error err = {0};
    if (engine_open(&eo, &m.e, &err) < 0) {
        report(&m, 'E', "125 monitor: %s", err.msg);
        _exit(1);
    }
    if (o->client_fd >= 0)
        client_add(&m, o->client_fd, true);

    _cleanup_free_ char *dir = engine_monitor_path(m.e, id, NULL);
    _cleanup_free_ char *userdata = storage_container_userdata(m.e->st, id);
    _cleanup_free_ char *log = sk_asprintf("%s/ctr.log", userdata);
    m.dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    m.log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (m.dir_fd < 0 || m.log_fd < 0 || m.sig_fd < 0)
        monitor_fail(&m, 125, "monitor: cannot open its run directory or the log");
    m.listen_fd = bind_socket(&m, "attach", SOCK_SEQPACKET, 8);
    if (m.tty)
        m.console_fd = bind_socket(&m, "console", SOCK_STREAM, 1);
    int out[2] = {-1, -1}, errp[2] = {-1, -1}, in[2] = {-1, -1}, wrep[2] = {-1, -1};
    if (m.listen_fd < 0 || (m.tty && m.console_fd < 0) || pipe2(wrep, O_CLOEXEC) < 0 ||
        (!m.tty && (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)) ||
        (!m.tty && m.interactive && pipe2(in, O_CLOEXEC) < 0))
        monitor_fail(&m, 125, "monitor: cannot make the container's stdio");
    m.worker = fork();
    if (m.worker < 0)
        monitor_fail(&m, 125, "monitor: fork failed");
    if (m.worker == 0) {
        close(wrep[0]);
        worker_exec(&m, wrep[1], in[0], out[1], errp[1]);
    }
    close(wrep[1]);
    close_fd(&out[1]);
    close_fd(&errp[1]);
    close_fd(&in[0]);
    m.worker_fd = wrep[0];
    m.out_fd = out[0];
    m.err_fd = errp[0];
    m.in_fd = in[1];
    if (m.in_fd >= 0)
        nonblock(m.in_fd);

    monitor_shrink();
    char wbuf[8192];
    size_t wlen = 0;
    long long drain_deadline = -1;
    for (;;) {
        struct pollfd p[8 + MAX_CLIENTS];
        size_t n = 0;
        p[n++] = (struct pollfd){m.sig_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m.worker_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m.console_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m.listen_fd, POLLIN, 0};
        bool started = m.report_fd < 0;
        p[n++] = (struct pollfd){started ? m.out_fd : -1, POLLIN, 0};
        p[n++] = (struct pollfd){started ? m.err_fd : -1, POLLIN, 0};
        p[n++] = (struct pollfd){m.in_len ? m.in_fd : -1, POLLOUT, 0};
        size_t first_client = n;
        for (size_t i = 0; i < m.nclients; i++)
            p[n++] = (struct pollfd){m.in_len ? -1 : m.clients[i].fd, POLLIN, 0};
        int timeout = -1;
        if (drain_deadline >= 0) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            long long now = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
            if (now >= drain_deadline || (m.out_fd < 0 && m.err_fd < 0))
                monitor_finish(&m);
            timeout = (int)(drain_deadline - now);
        }
        int r = poll(p, n, timeout);
        if (r < 0 && errno != EINTR)
            monitor_fail(&m, 125, "monitor: poll failed");
        if (r <= 0)
            continue;
        if (p[0].revents)
            reap(&m);
        if (p[1].revents)
            worker_input(&m, wbuf, &wlen);
        if (p[2].revents) {
            int master = recv_master(m.console_fd);
            close_fd(&m.console_fd);
            unlinkat(m.dir_fd, "console", 0);
            if (master >= 0) {
                nonblock(master);
                m.out_fd = master;
                m.in_fd = master; /* input for -i and ^D for the owner's EOF */
            }
        }
        if (p[3].revents) {
            int c = accept4(m.listen_fd, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0)
                client_add(&m, c, false);
        }
        if (p[4].revents && !pump_output(&m, m.out_fd, false)) {
            if (m.in_fd == m.out_fd)
                m.in_fd = -1;
            close_fd(&m.out_fd);
        }
        if (p[5].revents && !pump_output(&m, m.err_fd, true))
            close_fd(&m.err_fd);
        if (p[6].revents)
            stdin_flush(&m);
        for (size_t i = m.nclients; i-- > 0;)
            if (first_client + i < n && p[first_client + i].revents)
                client_input(&m, i);
        if (m.exited && m.report_fd < 0 && drain_deadline < 0) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            drain_deadline = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 + DRAIN_MS;
        }
    }
}

int engine_monitor_start(struct engine *e, const char *id, const struct monitor_opts *o,
                         int lock_fd, void (*warn)(const char *msg), pid_t *ret_pid,
                         int *ret_code, struct sk_error *err)
{
    *ret_code = 125;
    int rep[2];
    if (pipe2(rep, O_CLOEXEC) < 0)
        return sk_error_errno(err, errno, "pipe");
    fflush(stdout);
    fflush(stderr);
    pid_t m0 = fork();
    if (m0 < 0) {
        close(rep[0]);
        close(rep[1]);
        return sk_error_errno(err, errno, "fork");
    }
    if (m0 == 0) {
        close(rep[0]);
        pid_t m = fork();
        if (m == 0)
            monitor_main(e, id, o, rep[1], lock_fd);
        _exit(m < 0 ? 1 : 0);
    }
    close(rep[1]);
    int st;
    while (waitpid(m0, &st, 0) < 0 && errno == EINTR)
        ;
    _cleanup_close_ int fd = rep[0];
    _cleanup_free_ char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 1024)
            text = sk_realloc(text, cap = cap ? cap * 2 : 4096);
        ssize_t n = read(fd, text + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    if (!text)
        text = sk_strdup("");
    text[len] = '\0';
    int rc = sk_error_set(err, EIO, "container %.12s: its monitor exited before it started", id);
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = '\0';
        if (line[0] == 'W' && warn) {
            warn(line + 2);
        } else if (line[0] == 'S') {
            *ret_pid = (pid_t)strtol(line + 2, NULL, 10);
            *ret_code = 0;
            rc = 0;
        } else if (line[0] == 'E') {
            char *end;
            *ret_code = (int)strtol(line + 2, &end, 10);
            rc = sk_error_set(err, *ret_code == 125 ? EIO : ENOENT, "%s",
                              *end ? end + 1 : "the container did not start");
        }
    }
    return rc;
}
