/* Messages between the runtime process and the processes it forks, over a
 * SOCK_SEQPACKET socket: one message per send, so a header and its payload
 * always arrive together, and a peer that dies reads as EOF. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct wire_header {
    int32_t type;
    int32_t value;
    int32_t status; /* RT_SYNC_ERROR: the process's invoke status, else 0 */
};

/* The largest message: a state document with annotations fits easily. */
#define SYNC_MAX (256 * 1024)

static int send_message(int fd, int type, int value, int status, const char *data,
                        struct sk_error *err)
{
    size_t len = data ? strlen(data) : 0;
    if (len + sizeof(struct wire_header) > SYNC_MAX)
        return sk_error_set(err, EMSGSIZE, "sync message too large (%zu bytes)", len);
    struct wire_header h = {.type = type, .value = value, .status = status};
    struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)data, len}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
    ssize_t n;
    do
        n = sendmsg(fd, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return sk_error_errno(err, errno, "sync send");
    return 0;
}

int rt_sync_send(int fd, int type, int value, const char *data, struct sk_error *err)
{
    return send_message(fd, type, value, 0, data, err);
}

int rt_sync_send_error(int fd, const struct sk_error *e, int invoke_status, struct sk_error *err)
{
    return send_message(fd, RT_SYNC_ERROR, e->code, invoke_status,
                        e->msg[0] ? e->msg : "unknown error", err);
}

int rt_sync_recv(int fd, struct rt_sync_msg *ret, const char *what, struct sk_error *err)
{
    memset(ret, 0, sizeof(*ret));
    /* The message's size first (a peek), so that a small message costs a
     * small buffer: several are exchanged on every create. */
    ssize_t n;
    do
        n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return sk_error_errno(err, errno, "%s", what);
    size_t cap = n > 0 && (size_t)n < SYNC_MAX ? (size_t)n : SYNC_MAX;
    _cleanup_free_ char *buf = sk_malloc(cap + 1);
    do
        n = recv(fd, buf, cap, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return sk_error_errno(err, errno, "%s", what);
    if (n == 0)
        return sk_error_set(err, EPIPE, "%s: exited unexpectedly", what);
    if ((size_t)n < sizeof(struct wire_header))
        return sk_error_set(err, EPROTO, "%s: short message", what);
    struct wire_header h;
    memcpy(&h, buf, sizeof(h));
    size_t len = (size_t)n - sizeof(h);
    ret->type = h.type;
    ret->value = h.value;
    ret->data = sk_malloc(len + 1);
    memcpy(ret->data, buf + sizeof(h), len);
    ret->data[len] = '\0';
    if (ret->type == RT_SYNC_ERROR) {
        sk_error_set(err, ret->value ? ret->value : EIO, "%s", ret->data);
        rt_sync_msg_free(ret);
        ret->status = h.status;
        return -1;
    }
    return 0;
}

int rt_sync_expect(int fd, int type, struct rt_sync_msg *ret, const char *what,
                   struct sk_error *err)
{
    struct rt_sync_msg m;
    if (rt_sync_recv(fd, &m, what, err) < 0)
        return -1;
    if (m.type != type) {
        int got = m.type;
        rt_sync_msg_free(&m);
        return sk_error_set(err, EPROTO, "%s: unexpected message %d (want %d)", what, got, type);
    }
    if (ret)
        *ret = m;
    else
        rt_sync_msg_free(&m);
    return 0;
}

int rt_sync_wait_exec(int fd, const char *what, int *ret_status, struct sk_error *err)
{
    *ret_status = 0;
    char probe;
    ssize_t n;
    do
        n = recv(fd, &probe, 1, MSG_PEEK);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return 0;
    if (n < 0 && errno == ECONNRESET)
        return 0;
    struct rt_sync_msg m;
    if (rt_sync_recv(fd, &m, what, err) < 0) {
        *ret_status = m.status;
        return -1;
    }
    rt_sync_msg_free(&m);
    return sk_error_set(err, EPROTO, "%s: unexpected message", what);
}

void rt_sync_msg_free(struct rt_sync_msg *m)
{
    free(m->data);
    m->data = NULL;
}

int rt_sync_send_fds(int fd, int type, const int *fds, size_t n, struct sk_error *err)
{
    if (n > RT_SYNC_MAX_FDS)
        return sk_error_set(err, E2BIG, "too many fds to pass (%zu)", n);
    struct wire_header h = {.type = type, .value = (int32_t)n};
    struct iovec iov = {&h, sizeof(h)};
    union {
        char buf[CMSG_SPACE(sizeof(int) * RT_SYNC_MAX_FDS)];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (n) {
        msg.msg_control = u.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    }
    ssize_t r;
    do
        r = sendmsg(fd, &msg, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return sk_error_errno(err, errno, "sync send fds");
    return 0;
}

int rt_sync_recv_fds(int fd, int type, int *fds, size_t n, const char *what, struct sk_error *err)
{
    struct wire_header h;
    struct iovec iov = {&h, sizeof(h)};
    union {
        char buf[CMSG_SPACE(sizeof(int) * RT_SYNC_MAX_FDS)];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    ssize_t r;
    do
        r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return sk_error_errno(err, errno, "%s", what);
    if (r == 0)
        return sk_error_set(err, EPIPE, "%s: exited unexpectedly", what);
    size_t got = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            int tmp[RT_SYNC_MAX_FDS];
            memcpy(tmp, CMSG_DATA(c), k * sizeof(int));
            for (size_t i = 0; i < k; i++) {
                if (got < n)
                    fds[got++] = tmp[i];
                else
                    close(tmp[i]);
            }
        }
    if ((size_t)r < sizeof(h) || h.type != type || got != n) {
        for (size_t i = 0; i < got; i++)
            close(fds[i]);
        return sk_error_set(err, EPROTO, "%s: bad fd message", what);
    }
    return 0;
}

void rt_sync_fail_status(int fd, const struct sk_error *err, int invoke_status)
{
    rt_sync_send_error(fd, err, invoke_status, NULL);
    _exit(1);
}

void rt_sync_fail(int fd, const struct sk_error *err)
{
    rt_sync_fail_status(fd, err, 0);
}
