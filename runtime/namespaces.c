/* Namespaces: joining by path, creating (the user namespace first, so the
 * others belong to it), and joining a running container's. The id maps of
 * a new user namespace are idmap.c's.
 *
 * Order when creating: root joins the namespaces given by path first, while
 * it is still root in the host's user namespace (which may act on any
 * namespace), but those it may not join from there (EPERM: they belong to
 * the container's user namespace) wait; then the user namespace is joined
 * or created; then the namespaces left are joined, and the remaining new
 * ones unshared, owned by that user namespace. An unprivileged user may
 * act on no namespace but those of a user namespace it owns or has
 * joined: it joins or creates the user namespace first, then the others.
 * exec joins a running container's namespaces in the same order. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int rt_ns_from_oci_name(const char *name)
{
    for (int k = 0; k < RT_NS_COUNT; k++)
        if (strcmp(rt_ns_table[k].oci_name, name) == 0)
            return k;
    return -1;
}

/* Become root inside a user namespace, if root is mapped there. */
static int become_ns_root(struct sk_error *err)
{
    if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
        return sk_error_errno(err, errno, "setresgid(0) in the user namespace");
    if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
        return sk_error_errno(err, errno, "setresuid(0) in the user namespace");
    return 0;
}

/* Join the namespaces whose fds are open (all but the user one), closing
 * them. Before the user namespace (late false) one we may not join yet
 * (EPERM) stays open for the pass after it; late, every one must join.
 * s names the paths in errors (NULL: a container's namespaces). */
static int join_fds(const struct rt_spec *s, int fds[RT_NS_COUNT], bool late, struct sk_error *err)
{
    for (int k = 0; k < RT_NS_COUNT; k++) {
        if (k == RT_NS_USER || fds[k] < 0)
            continue;
        if (setns(fds[k], rt_ns_table[k].clone_flag) < 0) {
            if (errno == EPERM && !late)
                continue;
            if (s)
                return sk_error_errno(err, errno, "join %s namespace %s", rt_ns_table[k].oci_name,
                                      s->ns[k].path);
            return sk_error_errno(err, errno, "join the container's %s namespace",
                                  rt_ns_table[k].oci_name);
        }
        close(fds[k]);
        fds[k] = -1;
    }
    return 0;
}

/* Create the user namespace and have the runtime write its id maps. */
static int create_userns(int sync_fd, bool privileged, struct sk_error *err)
{
    /* An unprivileged runtime writes the maps (or has newuidmap write them)
     * through /proc/PID, which must then be ours: dumpable, for a moment. */
    if (!privileged && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
        return sk_error_errno(err, errno, "prctl(PR_SET_DUMPABLE)");
    if (unshare(CLONE_NEWUSER) < 0)
        return sk_error_errno(err, errno, "create a user namespace");
    if (rt_sync_send(sync_fd, RT_SYNC_USERMAP, 0, NULL, err) < 0 ||
        rt_sync_expect(sync_fd, RT_SYNC_GO, NULL, "runtime (id maps)", err) < 0)
        return -1;
    if (!privileged && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return sk_error_errno(err, errno, "prctl(PR_SET_DUMPABLE)");
    return 0;
}

/* A new network namespace has a loopback interface, down: bring it up, as
 * runc and crun do, so that 127.0.0.1 and ::1 work in a container without
 * a network (--network none). */
static int loopback_up(struct sk_error *err)
{
    _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sk_error_errno(err, errno, "loopback: socket");
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        return sk_error_errno(err, errno, "loopback: get the flags of lo");
    if (ifr.ifr_flags & IFF_UP)
        return 0;
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        return sk_error_errno(err, errno, "loopback: bring lo up");
    return 0;
}

int rt_ns_enter(const struct rt_spec *s, int sync_fd, struct sk_error *err)
{
    int fds[RT_NS_COUNT];
    for (int k = 0; k < RT_NS_COUNT; k++)
        fds[k] = -1;
    int rc = -1;
    bool privileged = geteuid() == 0;
    bool userns = s->ns[RT_NS_USER].enabled;
    /* Open every path before joining anything: joining a mount namespace
     * changes how paths resolve. */
    for (int k = 0; k < RT_NS_COUNT; k++) {
        if (!s->ns[k].enabled || !s->ns[k].path)
            continue;
        fds[k] = open(s->ns[k].path, O_RDONLY | O_CLOEXEC);
        if (fds[k] < 0) {
            sk_error_errno(err, errno, "open %s namespace %s", rt_ns_table[k].oci_name,
                           s->ns[k].path);
            goto out;
        }
    }
    if (privileged && join_fds(s, fds, !userns, err) < 0)
        goto out;
    if (userns) {
        if (fds[RT_NS_USER] >= 0) {
            if (setns(fds[RT_NS_USER], CLONE_NEWUSER) < 0) {
                sk_error_errno(err, errno, "join user namespace %s", s->ns[RT_NS_USER].path);
                goto out;
            }
        } else if (create_userns(sync_fd, privileged, err) < 0) {
            goto out;
        }
        if (become_ns_root(err) < 0)
            goto out;
    }
    if (join_fds(s, fds, true, err) < 0)
        goto out;
    int flags = 0;
    for (int k = 0; k < RT_NS_COUNT; k++)
        if (k != RT_NS_USER && s->ns[k].enabled && !s->ns[k].path)
            flags |= rt_ns_table[k].clone_flag;
    if (flags && unshare(flags) < 0) {
        sk_error_errno(err, errno, "create namespaces");
        goto out;
    }
    if ((flags & CLONE_NEWNET) && loopback_up(err) < 0)
        goto out;
    rc = 0;
out:
    for (int k = 0; k < RT_NS_COUNT; k++)
        if (fds[k] >= 0)
            close(fds[k]);
    return rc;
}
int rt_ns_join_process(pid_t target, bool *ret_joined_user, struct sk_error *err)
{
    int fds[RT_NS_COUNT];
    for (int k = 0; k < RT_NS_COUNT; k++)
        fds[k] = -1;
    int rc = -1;
    *ret_joined_user = false;
    for (int k = 0; k < RT_NS_COUNT; k++) {
        char path[64], self[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)target, rt_ns_table[k].proc_name);
        snprintf(self, sizeof(self), "/proc/self/ns/%s", rt_ns_table[k].proc_name);
        struct stat a, b;
        if (stat(path, &a) < 0) {
            if (errno == ENOENT && access(self, F_OK) < 0)
                continue; /* the kernel lacks this kind */
            sk_error_errno(err, errno, "stat %s", path);
            goto out;
        }
        if (stat(self, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            continue; /* shared with us */
        fds[k] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[k] < 0) {
            sk_error_errno(err, errno, "open %s", path);
            goto out;
        }
    }
    if (geteuid() == 0 && join_fds(NULL, fds, fds[RT_NS_USER] < 0, err) < 0)
        goto out;
    if (fds[RT_NS_USER] >= 0) {
        if (setns(fds[RT_NS_USER], CLONE_NEWUSER) < 0) {
            sk_error_errno(err, errno, "join the container's user namespace");
            goto out;
        }
        *ret_joined_user = true;
        if (become_ns_root(err) < 0)
            goto out;
    }
    if (join_fds(NULL, fds, true, err) < 0)
        goto out;
    rc = 0;
out:
    for (int k = 0; k < RT_NS_COUNT; k++)
        if (fds[k] >= 0)
            close(fds[k]);
    return rc;
}
