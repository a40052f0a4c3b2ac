/* The client side of a container's monitor: relays our stdin to the container
 * and its output to our stdout/stderr until it exits (protocol in monitor.h).
 * `skiff run` and `skiff start -a` get a socket connected before the
 * container starts; `skiff attach` connects to the monitor's attach socket. */
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/container.h"
#include "engine/monitor.h"
#include "runtime/runtime.h"
#include "storage/container.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

/* Signals a foreground run passes on to the container (podman's --sig-proxy). */
static const int proxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

struct session {
    int fd;
    char pending[ATTACH_MSG_MAX]; /* a message the socket could not take yet */
    size_t pending_len;
};

/* Queue a message; false when the monitor is gone. */
static bool session_send(struct session *s, char type, const void *data, size_t n)
{
    if (s->pending_len)
        return true; /* callers only produce input when nothing is pending */
    s->pending[0] = type;
    if (n)
        memcpy(s->pending + 1, data, n);
    s->pending_len = n + 1;
    ssize_t w;
    do
        w = send(s->fd, s->pending, s->pending_len, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    if (w >= 0)
        s->pending_len = 0;
    return w >= 0 || errno == EAGAIN;
}

static void send_winsize(struct session *s)
{
    struct winsize ws;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
        session_send(s, ATTACH_WINSIZE, &ws, sizeof(ws));
}

int engine_attach_session(struct engine *e, const char *id, int fd,
                          const struct engine_attach_opts *o, int *ret_code, struct sk_error *err)
{
    struct session s = {.fd = fd};
    struct termios saved;
    bool raw = o->tty && o->stdin && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (raw) {
        struct termios t = saved;
        cfmakeraw(&t);
        tcsetattr(STDIN_FILENO, TCSANOW, &t);
    }
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGWINCH);
    if (o->sig_proxy)
        for (size_t i = 0; i < SK_ARRAY_SIZE(proxied); i++)
            sigaddset(&set, proxied[i]);
    sigprocmask(SIG_BLOCK, &set, &old);
    _cleanup_close_ int sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    _cleanup_free_ char *rt_root = engine_runtime_root(e);
    struct runtime_ctx ctx = {.root = rt_root};
    if (o->tty)
        send_winsize(&s);

    bool in_open = o->stdin, got_exit = false;
    int code = 125;
    for (;;) {
        struct pollfd p[3] = {
            {fd, POLLIN | (s.pending_len ? POLLOUT : 0), 0},
            {sig_fd, POLLIN, 0},
            {in_open && !s.pending_len ? STDIN_FILENO : -1, POLLIN, 0},
        };
        int r = poll(p, 3, -1);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        if (p[0].revents & POLLOUT && s.pending_len) {
            ssize_t w = send(fd, s.pending, s.pending_len, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (w >= 0)
                s.pending_len = 0;
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char msg[ATTACH_MSG_MAX];
            ssize_t n = recv(fd, msg, sizeof(msg), MSG_DONTWAIT);
            /* ECONNRESET: the monitor exited with a message of ours unread
             * (a window size sent as it finished); the error is reported
             * once, before the messages still queued for us, the exit code
             * among them. */
            if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ECONNRESET))
                continue;
            if (n <= 0)
                break; /* the monitor is gone */
            if (msg[0] == ATTACH_STDOUT)
                sk_write_all(STDOUT_FILENO, msg + 1, (size_t)n - 1);
            else if (msg[0] == ATTACH_STDERR)
                sk_write_all(STDERR_FILENO, msg + 1, (size_t)n - 1);
            else if (msg[0] == ATTACH_EXIT && (size_t)n == 1 + sizeof(int32_t)) {
                int32_t c;
                memcpy(&c, msg + 1, sizeof(c));
                code = c;
                got_exit = true;
                break;
            }
        }
        if (p[1].revents) {
            struct signalfd_siginfo si;
            while (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
                if (si.ssi_signo == SIGWINCH)
                    send_winsize(&s);
                else
                    runtime_kill(&ctx, id, (int)si.ssi_signo, false, NULL);
            }
        }
        if (p[2].revents) {
            char buf[ATTACH_MSG_MAX - 1];
            ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            bool ok = n > 0 ? session_send(&s, ATTACH_STDIN, buf, (size_t)n)
                            : session_send(&s, ATTACH_STDIN_EOF, NULL, 0);
            /* A monitor gone may still have left its exit message for us:
             * the socket is read to its end before we give up on it. */
            if (n <= 0 || !ok)
                in_open = false;
        }
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    if (got_exit) {
        *ret_code = code;
        return 0;
    }
    /* No exit message: the monitor was killed. The record may know more. */
    _cleanup_json_ json_t *rec = NULL;
    if (storage_container_lookup(e->st, id, &rec, NULL) == 0 &&
        strcmp(engine_container_live_status(e, rec), "exited") == 0) {
        *ret_code = (int)sk_json_int(json_object_get(rec, "state"), "exitCode", 125);
        return 0;
    }
    *ret_code = 125;
    return sk_error_set(err, EPIPE, "container %.12s: lost its monitor", id);
}

int engine_container_attach(struct engine *e, const char *what, const struct engine_attach_opts *o,
                            int *ret_code, struct sk_error *err)
{
    *ret_code = 125;
    _cleanup_json_ json_t *rec = NULL;
    if (storage_container_lookup(e->st, what, &rec, err) < 0)
        return -1;
    const char *id = sk_json_str(rec, "id");
    const char *status = engine_container_live_status(e, rec);
    if (strcmp(status, "running") != 0)
        return sk_error_set(err, EINVAL,
                            "you can only attach to running containers: container %.12s is %s",
                            id, status);
    json_t *state = json_object_get(rec, "state");
    _cleanup_free_ char *dir = engine_monitor_path(e, id, NULL);
    _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (dirfd < 0 || fd < 0)
        return sk_error_errno(err, errno, "container %.12s: reach its monitor", id);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/attach", dirfd);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        return sk_error_errno(err, errno, "container %.12s: reach its monitor", id);
    struct engine_attach_opts ao = *o;
    ao.tty = json_is_true(json_object_get(state, "tty"));
    ao.stdin = o->stdin && json_is_true(json_object_get(state, "interactive"));
    return engine_attach_session(e, id, fd, &ao, ret_code, err);
}
