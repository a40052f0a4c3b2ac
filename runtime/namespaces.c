/* Namespaces: joining by path, creating (the user namespace first, so the
 * others belong to it), id maps, and joining a running container's.
 *
 * Order when creating: namespaces given by path are joined first, while we
 * are still root in the host's user namespace (which may act on any
 * namespace); then the user namespace is joined or created; then the
 * remaining new namespaces are unshared, owned by that user namespace. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
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

int rt_ns_enter(const struct rt_spec *s, int sync_fd, struct sk_error *err)
{
    int fds[RT_NS_COUNT];
    for (int k = 0; k < RT_NS_COUNT; k++)
        fds[k] = -1;
    int rc = -1;
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
    for (int k = 0; k < RT_NS_COUNT; k++) {
        if (k == RT_NS_USER || fds[k] < 0)
            continue;
        if (setns(fds[k], rt_ns_table[k].clone_flag) < 0) {
            sk_error_errno(err, errno, "join %s namespace %s", rt_ns_table[k].oci_name,
                           s->ns[k].path);
            goto out;
        }
    }
    if (s->ns[RT_NS_USER].enabled) {
        if (fds[RT_NS_USER] >= 0) {
            if (setns(fds[RT_NS_USER], CLONE_NEWUSER) < 0) {
                sk_error_errno(err, errno, "join user namespace %s", s->ns[RT_NS_USER].path);
                goto out;
            }
        } else {
            if (unshare(CLONE_NEWUSER) < 0) {
                sk_error_errno(err, errno, "create a user namespace");
                goto out;
            }
            if (rt_sync_send(sync_fd, RT_SYNC_USERMAP, 0, NULL, err) < 0 ||
                rt_sync_expect(sync_fd, RT_SYNC_GO, NULL, "runtime (id maps)", err) < 0)
                goto out;
        }
        if (become_ns_root(err) < 0)
            goto out;
    }
    int flags = 0;
    for (int k = 0; k < RT_NS_COUNT; k++)
        if (k != RT_NS_USER && s->ns[k].enabled && !s->ns[k].path)
            flags |= rt_ns_table[k].clone_flag;
    if (flags && unshare(flags) < 0) {
        sk_error_errno(err, errno, "create namespaces");
        goto out;
    }
    rc = 0;
out:
    for (int k = 0; k < RT_NS_COUNT; k++)
        if (fds[k] >= 0)
            close(fds[k]);
    return rc;
}

static int write_map(pid_t pid, const char *file, const struct rt_idmap *maps, size_t n,
                     struct sk_error *err)
{
    char buf[4096];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", maps[i].container_id,
                         maps[i].host_id, maps[i].size);
        if (w < 0 || (size_t)w >= sizeof(buf) - len)
            return sk_error_set(err, E2BIG, "%s: too many mappings", file);
        len += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    if (rt_write_file(path, buf, err) < 0)
        return sk_error_prefix(err, "write the user namespace's %s", file);
    return 0;
}

int rt_ns_write_idmaps(pid_t pid, const struct rt_spec *s, struct sk_error *err)
{
    if (write_map(pid, "uid_map", s->uid_maps, s->n_uid_maps, err) < 0 ||
        write_map(pid, "gid_map", s->gid_maps, s->n_gid_maps, err) < 0)
        return -1;
    return 0;
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
    for (int k = 0; k < RT_NS_COUNT; k++) {
        if (k == RT_NS_USER || fds[k] < 0)
            continue;
        if (setns(fds[k], rt_ns_table[k].clone_flag) < 0) {
            sk_error_errno(err, errno, "join the container's %s namespace",
                           rt_ns_table[k].oci_name);
            goto out;
        }
    }
    if (fds[RT_NS_USER] >= 0) {
        if (setns(fds[RT_NS_USER], CLONE_NEWUSER) < 0) {
            sk_error_errno(err, errno, "join the container's user namespace");
            goto out;
        }
        *ret_joined_user = true;
        if (become_ns_root(err) < 0)
            goto out;
    }
    rc = 0;
out:
    for (int k = 0; k < RT_NS_COUNT; k++)
        if (fds[k] >= 0)
            close(fds[k]);
    return rc;
}
