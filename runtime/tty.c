/* Terminals (process.terminal, exec --tty). The process's side (C2 or X2,
 * in the container's root) opens the container's own /dev/ptmx, so the
 * slave is /dev/pts/N of the container's devpts, makes the slave its
 * controlling terminal and stdio, and passes the master to the runtime over
 * the sync socket. The runtime hands it on to --console-socket (runc's
 * protocol: one SCM_RIGHTS message on a SOCK_STREAM unix socket) or, for a
 * foreground run without one, relays it to its own stdio. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* The pty master inside the current root, through the ptmx symlink that
 * rootfs.c points at the container's devpts instance. */
#define CONTAINER_PTMX "/dev/ptmx"

int rt_tty_setup(int sync_fd, struct sk_error *err)
{
    _cleanup_close_ int master = open(CONTAINER_PTMX, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return sk_error_errno(err, errno, "open %s", CONTAINER_PTMX);
    int unlock = 0, n = -1;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
        return sk_error_errno(err, errno, "unlock the pty");
    if (ioctl(master, TIOCGPTN, &n) < 0)
        return sk_error_errno(err, errno, "pty number");
    char name[64];
    snprintf(name, sizeof(name), "/dev/pts/%d", n);
    _cleanup_close_ int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        return sk_error_errno(err, errno, "open %s", name);
    if (setsid() < 0 && errno != EPERM)
        return sk_error_errno(err, errno, "setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return sk_error_errno(err, errno, "make %s the controlling terminal", name);
    for (int fd = 0; fd <= 2; fd++)
        if (dup2(slave, fd) < 0)
            return sk_error_errno(err, errno, "dup2 %s", name);
    if (rt_sync_send(sync_fd, RT_SYNC_CONSOLE, 0, name, err) < 0 ||
        rt_sync_send_fds(sync_fd, RT_SYNC_CONSOLE, &master, 1, err) < 0)
        return -1;
    return 0;
}

int rt_tty_recv_master(int sync_fd, int *ret_fd, struct sk_error *err)
{
    return rt_sync_recv_fds(sync_fd, RT_SYNC_CONSOLE, ret_fd, 1, "container process (terminal)",
                            err);
}

int rt_tty_send_console(const char *path, int master, struct sk_error *err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr.sun_path))
        return sk_error_set(err, ENAMETOOLONG, "--console-socket %s: path too long", path);
    strcpy(addr.sun_path, path);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sk_error_errno(err, errno, "socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        return sk_error_errno(err, errno, "--console-socket %s: connect", path);
    char payload[] = CONTAINER_PTMX;
    struct iovec iov = {payload, strlen(payload)};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &master, sizeof(int));
    ssize_t r;
    do
        r = sendmsg(fd, &msg, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return sk_error_errno(err, errno, "--console-socket %s: send", path);
    return 0;
}

/* ---- the relay (runtime side) -------------------------------------------- */

static volatile sig_atomic_t winch_pending;

static void note_winch(int sig)
{
    (void)sig;
    winch_pending = 1;
}

static void copy_winsize(int master)
{
    struct winsize ws;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl(master, TIOCSWINSZ, &ws);
}

/* Copy what the master has now to stdout; false at its end (EIO: every
 * slave fd closed). */
static bool drain_master(int master)
{
    char buf[8192];
    for (;;) {
        ssize_t n = read(master, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return true;
        if (n <= 0)
            return false;
        sk_write_all(STDOUT_FILENO, buf, (size_t)n);
    }
}

int rt_tty_relay(int master, pid_t pid, int *ret_wait_status)
{
    struct termios saved;
    bool raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (raw) {
        struct termios t = saved;
        cfmakeraw(&t);
        tcsetattr(STDIN_FILENO, TCSANOW, &t);
    }
    struct sigaction sa = {.sa_handler = note_winch}, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, &old);
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    copy_winsize(master);
    bool in_open = true, reaped = false;
    for (;;) {
        if (winch_pending) {
            winch_pending = 0;
            copy_winsize(master);
        }
        struct pollfd p[2] = {{master, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
        int r = poll(p, in_open ? 2 : 1, 100);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && p[0].revents && !drain_master(master))
            break;
        if (r > 0 && in_open && p[1].revents) {
            char buf[8192];
            ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
            if (n > 0)
                sk_write_all(master, buf, (size_t)n);
            else if (n == 0 || errno != EINTR)
                in_open = false;
        }
        /* A process that left children holding the terminal has exited
         * all the same. */
        if (rt_waitpid(pid, ret_wait_status, WNOHANG) == pid) {
            reaped = true;
            drain_master(master);
            break;
        }
    }
    sigaction(SIGWINCH, &old, NULL);
    if (raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    return reaped ? 1 : 0;
}
