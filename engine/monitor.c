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
#include "engine/monitor_internal.h"
#include "engine/state.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/proc.h"
#include "common/util.h"
#include "engine/container.h"
#include "engine/logs.h"
#include "runtime/runtime.h"
#include "storage/container.h"

#include <dirent.h>
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

/* After the init exits, how long to wait for the rest of its output (a
 * process outside its pid namespace may hold the pipes open). */
#define DRAIN_MS 1000

char *engine_runtime_root(struct engine *e) { return sk_asprintf("%s/runtime", e->st->runroot); }

char *engine_monitor_path(struct engine *e, const char *id, const char *name)
{
    return sk_asprintf("%s/monitor/%s%s%s", e->st->runroot, id, name ? "/" : "", name ? name : "");
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
    sk_write_all(m->report_fd, line, len);
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
    /* inspect's State.Error keeps why, until a start succeeds. */
    _cleanup_json_ json_t *fields = json_pack("{s:s, s:i, s:i, s:s}", "status", "created",
                                              "exitCode", code, "pid", 0, "error", msg);
    state_update(m, fields);
    if (m->autoremove) {
        char removed[65];
        engine_container_remove(m->e, m->id, true, 0, removed, NULL);
    }
    report(m, 'E', "%d %s", code, msg);
    _exit(1);
}

/* The init's orphans, which M adopted as their subreaper. A container with a
 * pid namespace of its own loses every process with its init, one with
 * cgroups loses them with the runtime's delete; one with neither (rootless
 * --pid host on a host that delegates no cgroups) would leave them running:
 * they are killed here, the same end. Each child found is killed and reaped;
 * its own children then come to M, until none is left (2 s at most). */
static void kill_orphans(void)
{
    pid_t self = getpid();
    for (int round = 0; round < 400; round++) {
        /* Usually M has no child left (a pid namespace's init takes its
         * processes with it): no scan of /proc, ~1 ms per 100 processes
         * on every container's exit. */
        pid_t r;
        while ((r = waitpid(-1, NULL, WNOHANG)) > 0)
            ;
        if (r < 0 && errno == ECHILD)
            return;
        _cleanup_closedir_ DIR *d = opendir("/proc");
        struct dirent *de;
        while (d && (de = readdir(d))) {
            char *end, path[64], buf[512];
            long pid = strtol(de->d_name, &end, 10);
            if (*end || pid <= 0)
                continue;
            snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
            if (sk_read_small(path, buf, sizeof(buf)) < 0)
                continue;
            const char *rp = strrchr(buf, ')');
            char state;
            long ppid;
            if (rp && sscanf(rp + 1, " %c %ld", &state, &ppid) == 2 && ppid == self)
                kill((pid_t)pid, SIGKILL);
        }
        usleep(5000); /* the killed are reaped at the top */
    }
}

/* The init exited: record it, release what the run held, tell the clients. */
static void __attribute__((noreturn)) monitor_finish(struct mon *m)
{
    int code = WIFEXITED(m->wait_status)     ? WEXITSTATUS(m->wait_status)
               : WIFSIGNALED(m->wait_status) ? 128 + WTERMSIG(m->wait_status)
                                             : 125;
    unlink_sockets(m);
    kill_orphans();
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
    mon_broadcast(m, ATTACH_EXIT, &c, sizeof(c));
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
            "{s:s, s:i, s:s, s:s, s:i, s:b, s:b, s:i, s:b, s:s}", "status", "running", "pid",
            (int)m->pid, "startedAt", started, "finishedAt", ENGINE_ZERO_TIME, "monitorPid",
            (int)getpid(),
            "tty", m->tty, "interactive", m->interactive, "exitCode", 0, "oomKilled", 0, "error",
            "");
        if (state_update(m, fields) < 0)
            monitor_fail(m, 125, "cannot record the container as running");
        report(m, 'S', "%d", (int)m->pid);
        mon_close(&m->report_fd);
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
        mon_close(&m->worker_fd);
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
    sk_write_all(fd, line, strlen(line));
}

/* code: the runtime's status (RUNTIME_EXIT_*), podman's exit code too. */
static void worker_report_error(int rep, int code, const struct sk_error *err)
{
    _cleanup_free_ char *line = sk_asprintf("E %d %s\n", code, err->msg);
    for (char *p = line + 2; *p && p[1]; p++)
        if (*p == '\n')
            *p = ' ';
    sk_write_all(rep, line, strlen(line));
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
    worker_report_error(rep, RUNTIME_EXIT_FAILED, &err);
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
    /* The runtime says when the process could not be found or run (126,
     * 127); anything else is 125. */
    int status = 0;
    int r = runtime_create(&ctx, id, &o, &status, &err);
    /* The pid before the start: a process that exits at once has none after. */
    if (r == 0 && (r = runtime_state(&ctx, id, &state, &err)) < 0)
        status = RUNTIME_EXIT_FAILED;
    if (r == 0)
        r = runtime_start(&ctx, id, &status, &err);
    if (r < 0) {
        worker_report_error(rep, status, &err);
        return 1;
    }
    char line[64];
    int n = snprintf(line, sizeof(line), "S %lld\n", sk_json_int(state, "pid", 0));
    sk_write_all(rep, line, (size_t)n);
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

static void nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

/* Set up, fork W, then serve until the container exits. */
static void __attribute__((noreturn)) monitor_main(struct engine *parent, const char *id,
                                                   const struct monitor_opts *o, int report_fd,
                                                   int lock_fd)
{
    /* Static: its big input buffer costs nothing until used. */
    static struct mon mon;
    struct mon *m = &mon;
    m->tty = o->tty;
    m->interactive = o->interactive;
    m->autoremove = o->autoremove;
    m->report_fd = report_fd;
    m->dir_fd = m->log_fd = m->out_fd = m->err_fd = m->in_fd = -1;
    m->listen_fd = m->console_fd = m->worker_fd = m->sig_fd = -1;
    snprintf(m->id, sizeof(m->id), "%s", id);
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
    m->sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);

    /* Our own engine: the parent's holds its workspace, which is not ours. */
    struct engine_opts eo = {.root = parent->st->root, .runroot = parent->st->runroot};
    struct sk_error err = {0};
    if (engine_open(&eo, &m->e, &err) < 0) {
        report(m, 'E', "125 monitor: %s", err.msg);
        _exit(1);
    }
    if (o->client_fd >= 0)
        mon_client_add(m, o->client_fd, true);

    _cleanup_free_ char *dir = engine_monitor_path(m->e, id, NULL);
    _cleanup_free_ char *log = engine_container_log_path(m->e, id);
    m->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    m->log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (m->dir_fd < 0 || m->log_fd < 0 || m->sig_fd < 0)
        monitor_fail(m, 125, "monitor: cannot open its run directory or the log");
    m->listen_fd = bind_socket(m, "attach", SOCK_SEQPACKET, 8);
    if (m->tty)
        m->console_fd = bind_socket(m, "console", SOCK_STREAM, 1);
    int out[2] = {-1, -1}, errp[2] = {-1, -1}, in[2] = {-1, -1}, wrep[2] = {-1, -1};
    if (m->listen_fd < 0 || (m->tty && m->console_fd < 0) || pipe2(wrep, O_CLOEXEC) < 0 ||
        (!m->tty && (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)) ||
        (!m->tty && m->interactive && pipe2(in, O_CLOEXEC) < 0))
        monitor_fail(m, 125, "monitor: cannot make the container's stdio");
    m->worker = fork();
    if (m->worker < 0)
        monitor_fail(m, 125, "monitor: fork failed");
    if (m->worker == 0) {
        close(wrep[0]);
        worker_exec(m, wrep[1], in[0], out[1], errp[1]);
    }
    close(wrep[1]);
    mon_close(&out[1]);
    mon_close(&errp[1]);
    mon_close(&in[0]);
    m->worker_fd = wrep[0];
    m->out_fd = out[0];
    m->err_fd = errp[0];
    m->in_fd = in[1];
    if (m->in_fd >= 0)
        nonblock(m->in_fd);

    char wbuf[8192];
    size_t wlen = 0;
    long long drain_deadline = -1;
    bool settled = false;
    for (;;) {
        /* Started, the worker gone: from here on the steady state. */
        if (!settled && m->report_fd < 0 && m->worker_fd < 0 && m->worker == 0) {
            mon_settle_in(m);
            settled = true;
        }
        struct pollfd p[8 + MON_MAX_CLIENTS];
        size_t n = 0;
        p[n++] = (struct pollfd){m->sig_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m->worker_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m->console_fd, POLLIN, 0};
        p[n++] = (struct pollfd){m->listen_fd, POLLIN, 0};
        bool started = m->report_fd < 0;
        p[n++] = (struct pollfd){started ? m->out_fd : -1, POLLIN, 0};
        p[n++] = (struct pollfd){started ? m->err_fd : -1, POLLIN, 0};
        p[n++] = (struct pollfd){m->in_len ? m->in_fd : -1, POLLOUT, 0};
        size_t first_client = n;
        for (size_t i = 0; i < m->nclients; i++)
            p[n++] = (struct pollfd){m->in_len ? -1 : m->clients[i].fd, POLLIN, 0};
        int timeout = -1;
        if (drain_deadline >= 0) {
            long long now = mon_now_ms();
            /* (with -t the pty master may not even have arrived yet) */
            if (now >= drain_deadline || (m->out_fd < 0 && m->err_fd < 0 && m->console_fd < 0))
                monitor_finish(m);
            timeout = (int)(drain_deadline - now);
        }
        int r = mon_poll(p, n, timeout);
        if (r < 0 && r != -EINTR)
            monitor_fail(m, 125, "monitor: poll failed");
        if (r <= 0)
            continue;
        if (p[0].revents)
            mon_reap(m);
        if (p[1].revents)
            worker_input(m, wbuf, &wlen);
        if (p[2].revents) {
            int master = recv_master(m->console_fd);
            mon_close(&m->console_fd);
            unlinkat(m->dir_fd, "console", 0);
            if (master >= 0) {
                nonblock(master);
                m->out_fd = master;
                m->in_fd = master; /* input for -i and ^D for the owner's EOF */
            }
        }
        if (p[3].revents)
            mon_accept(m);
        if (p[4].revents && !mon_pump_output(m, m->out_fd, false)) {
            if (m->in_fd == m->out_fd)
                m->in_fd = -1;
            mon_close(&m->out_fd);
        }
        if (p[5].revents && !mon_pump_output(m, m->err_fd, true))
            mon_close(&m->err_fd);
        if (p[6].revents)
            mon_stdin_flush(m);
        for (size_t i = m->nclients; i-- > 0;)
            if (first_client + i < n && p[first_client + i].revents)
                mon_client_input(m, i);
        if (m->exited && m->report_fd < 0 && drain_deadline < 0)
            drain_deadline = mon_now_ms() + DRAIN_MS;
    }
}

/* The runtime's note that a rootless container gets no cgroups matters on
 * every start that asks for limits (they are lost); without limits, once
 * per user and boot is enough (podman says nothing then): the first start
 * leaves <runroot>/cgroups-skipped-noted. */
static bool warning_wanted(struct engine *e, const char *msg)
{
    if (strncmp(msg, RUNTIME_NOTE_CGROUPS_SKIPPED, strlen(RUNTIME_NOTE_CGROUPS_SKIPPED)) != 0 ||
        strstr(msg, RUNTIME_NOTE_LIMITS_IGNORED))
        return true;
    _cleanup_free_ char *marker = sk_asprintf("%s/cgroups-skipped-noted", e->st->runroot);
    int fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return errno != EEXIST;
    close(fd);
    return true;
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
            if (warning_wanted(e, line + 2))
                warn(line + 2);
        } else if (line[0] == 'S') {
            *ret_pid = (pid_t)strtol(line + 2, NULL, 10);
            *ret_code = 0;
            rc = 0;
        } else if (line[0] == 'E') {
            char *end;
            *ret_code = (int)strtol(line + 2, &end, 10);
            int code = *ret_code == RUNTIME_EXIT_NOT_FOUND       ? ENOENT
                       : *ret_code == RUNTIME_EXIT_CANNOT_INVOKE ? EACCES
                                                                 : EIO;
            rc = sk_error_set(err, code, "%s", *end ? end + 1 : "the container did not start");
        }
    }
    return rc;
}
