/* One entry of config.json's "mounts", inside the rootfs: binds (then a
 * remount for their flags), filesystems, propagation, recursive attributes,
 * and the special cases: sysfs without a network namespace of the
 * container's own (bind /sys instead), proc, mqueue and sysfs a user
 * namespace may not mount (the host's pid, ipc or network namespace, or a
 * locked mount over the host's /sys: bind the host's), cgroup filesystems
 * (cgroup v1:
 * a tmpfs with the container's own directory of every hierarchy bound
 * read-only; cgroup v2: cgroup2 in a cgroup namespace, else a bind of the
 * container's directory), and tmpfs with tmpcopyup. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define CGROUP_ROOT "/sys/fs/cgroup"

static const char *fd_path(int fd, char buf[static 32])
{
    snprintf(buf, 32, "/proc/self/fd/%d", fd);
    return buf;
}

int rt_mount_remount(const char *path, unsigned long flags, bool keep_existing,
                     struct sk_error *err)
{
    unsigned long f = MS_BIND | MS_REMOUNT |
                      (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
                                MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME));
    if (keep_existing) {
        struct statvfs sv;
        if (statvfs(path, &sv) < 0)
            return sk_error_errno(err, errno, "statvfs");
        if (sv.f_flag & ST_NOSUID)
            f |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV)
            f |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC)
            f |= MS_NOEXEC;
        if (sv.f_flag & ST_RDONLY)
            f |= MS_RDONLY;
        if (!(flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))) {
            if (sv.f_flag & ST_NOATIME)
                f |= MS_NOATIME;
            if (sv.f_flag & ST_NODIRATIME)
                f |= MS_NODIRATIME;
            if (sv.f_flag & ST_RELATIME)
                f |= MS_RELATIME;
        }
    }
    if (mount(NULL, path, NULL, f, NULL) < 0)
        return sk_error_errno(err, errno, "remount");
    return 0;
}

/* After a mount, the mounted filesystem itself (the fd opened before the
 * mount still names the directory underneath). */
static int reopen(int rootfd, const char *dest, struct sk_error *err)
{
    return rt_rootfs_open_in_root(rootfd, dest, false, false, err);
}

/* Bind source (through source_fd when the runtime opened it for us) onto
 * dest, then remount with the remaining flags. */
static int bind_into(int rootfd, const char *source, int source_fd, const char *dest,
                     unsigned long flags, bool userns, struct sk_error *err)
{
    struct stat st;
    char src[32];
    if (source_fd >= 0) {
        if (fstat(source_fd, &st) < 0)
            return sk_error_errno(err, errno, "bind source %s", source);
        source = fd_path(source_fd, src);
    } else if (stat(source, &st) < 0) {
        return sk_error_errno(err, errno, "bind source %s", source);
    }
    _cleanup_close_ int target =
        rt_rootfs_open_in_root(rootfd, dest, true, !S_ISDIR(st.st_mode), err);
    if (target < 0)
        return -1;
    char p[32];
    if (mount(source, fd_path(target, p), NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
        return sk_error_errno(err, errno, "bind %s", source);
    unsigned long rest = flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
    if (!rest)
        return 0;
    _cleanup_close_ int m = reopen(rootfd, dest, err);
    if (m < 0)
        return -1;
    if (rt_mount_remount(fd_path(m, p), rest, userns, err) < 0)
        return sk_error_prefix(err, "bind %s", source);
    return 0;
}

static int mount_fs(int rootfd, const char *source, const char *dest, const char *type,
                    unsigned long flags, const char *data, struct sk_error *err)
{
    _cleanup_close_ int target = rt_rootfs_open_in_root(rootfd, dest, true, false, err);
    if (target < 0)
        return -1;
    char p[32];
    if (mount(source, fd_path(target, p), type, flags & ~(MS_BIND | MS_REC | MS_REMOUNT), data) < 0)
        return sk_error_errno(err, errno, "mount %s (%s%s%s)", type, type, data ? ", " : "",
                              data ? data : "");
    return 0;
}

/* Does the comma-separated data name the option key ("mode" in "mode=755")? */
static bool data_has_key(const char *data, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = data; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, key, n) == 0 && p[n] == '=')
            return true;
    return false;
}

/* tmpcopyup: the directory is opened first (the fd keeps naming it once the
 * tmpfs covers it), the tmpfs mounted writable, the directory's content
 * copied in (copyup.c), then the tmpfs made read-only if asked. The tmpfs
 * root takes the directory's owner and mode too, unless the options set
 * mode=, uid= or gid=. */
static int mount_tmpfs_copyup(const struct rt_spec *s, int rootfd, const struct rt_mount *m,
                              struct sk_error *err)
{
    _cleanup_close_ int under = rt_rootfs_open_in_root(rootfd, m->destination, true, false, err);
    if (under < 0)
        return -1;
    unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
    char p[32];
    if (mount(m->source, fd_path(under, p), "tmpfs", flags & ~MS_RDONLY, m->data) < 0)
        return sk_error_errno(err, errno, "mount tmpfs (tmpfs%s%s)", m->data ? ", " : "",
                              m->data ? m->data : "");
    _cleanup_close_ int top = reopen(rootfd, m->destination, err);
    if (top < 0)
        return -1;
    bool root_attrs = !data_has_key(m->data, "mode") && !data_has_key(m->data, "uid") &&
                      !data_has_key(m->data, "gid");
    if (rt_copyup(under, top, m->destination, root_attrs, err) < 0)
        return -1;
    if ((flags & MS_RDONLY) &&
        rt_mount_remount(fd_path(top, p), flags, s->ns[RT_NS_USER].enabled, err) < 0)
        return sk_error_prefix(err, "make the tmpfs read-only");
    return 0;
}

/* cgroup v1: a tmpfs holding one read-only bind per hierarchy, each showing
 * only the container's own directory; the host's symlinks (cpu ->
 * cpu,cpuacct) are copied. */
static int mount_cgroup_v1(const struct rt_spec *s, const struct rt_cgroup *cg, int rootfd,
                           const struct rt_mount *m, struct sk_error *err)
{
    bool userns = s->ns[RT_NS_USER].enabled;
    unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
    if (mount_fs(rootfd, "tmpfs", m->destination, "tmpfs", flags & ~MS_RDONLY, "mode=755", err) < 0)
        return -1;
    for (size_t i = 0; i < cg->n; i++) {
        const struct rt_cgroup_dir *d = &cg->dirs[i];
        const char *name = strrchr(d->mount, '/');
        name = name ? name + 1 : d->mount;
        _cleanup_free_ char *dest = sk_asprintf("%s/%s", m->destination, name);
        if (bind_into(rootfd, d->path, -1, dest, MS_BIND | MS_REC | flags, userns, err) < 0)
            return -1;
    }
    _cleanup_close_ int tmpfs = reopen(rootfd, m->destination, err);
    if (tmpfs < 0)
        return -1;
    _cleanup_closedir_ DIR *host = opendir(CGROUP_ROOT);
    struct dirent *de;
    while (host && (de = readdir(host))) {
        if (de->d_type != DT_LNK)
            continue;
        char target[256];
        _cleanup_free_ char *path = sk_asprintf(CGROUP_ROOT "/%s", de->d_name);
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        if (n <= 0 || memchr(target, '/', (size_t)n))
            continue;
        target[n] = '\0';
        _cleanup_close_ int dir = rt_rootfs_open_in_root(rootfd, m->destination, false, false, err);
        if (dir < 0)
            return -1;
        if (symlinkat(target, dir, de->d_name) < 0 && errno != EEXIST)
            return sk_error_errno(err, errno, "symlink %s", de->d_name);
    }
    if (flags & MS_RDONLY) {
        char p[32];
        if (rt_mount_remount(fd_path(tmpfs, p), flags, userns, err) < 0)
            return sk_error_prefix(err, "make the cgroup tmpfs read-only");
    }
    return 0;
}

static int mount_cgroup(const struct rt_spec *s, const struct rt_cgroup *cg, int rootfd,
                        const struct rt_mount *m, struct sk_error *err)
{
    bool cgroupns = s->ns[RT_NS_CGROUP].enabled;
    unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
    if (!cg->unified && strcmp(m->type, "cgroup") == 0)
        return mount_cgroup_v1(s, cg, rootfd, m, err);
    if (cgroupns) {
        /* A user namespace may not mount cgroup2 everywhere (EPERM), nor
         * where a bind of /sys already shows that hierarchy (EBUSY): then
         * the bind below, as runc does. */
        struct sk_error first = {0};
        if (mount_fs(rootfd, "cgroup2", m->destination, "cgroup2", flags, NULL, &first) == 0)
            return 0;
        if (!s->ns[RT_NS_USER].enabled || (first.code != EPERM && first.code != EBUSY)) {
            if (err)
                *err = first;
            return -1;
        }
    }
    /* Without a cgroup namespace, cgroup2 would show the host's whole tree. */
    for (size_t i = 0; i < cg->n; i++)
        if (cg->dirs[i].v2)
            return bind_into(rootfd, cg->dirs[i].path, -1, m->destination, MS_BIND | MS_REC | flags,
                             s->ns[RT_NS_USER].enabled, err);
    /* No cgroups of its own (rootless, none delegated): nothing to show. */
    if (!cg->n)
        return mount_fs(rootfd, "tmpfs", m->destination, "tmpfs", flags, "mode=755", err);
    return sk_error_set(err, ENOENT, "no cgroup2 hierarchy to show");
}

/* A filesystem of a namespace the container does not own: a user namespace
 * may mount proc only for a pid namespace it owns, mqueue only for such an
 * ipc namespace, sysfs only for such a network namespace (and not over a
 * locked mount). When the kernel says EPERM, the host's host_path is bound
 * instead, as runc and podman do (rootless --pid host, --ipc host); a host
 * without it (no /dev/mqueue mounted) shows none to the container either. */
static int mount_or_bind_host(int rootfd, const struct rt_mount *m, const char *host_path,
                              bool userns, struct sk_error *err)
{
    struct sk_error first = {0};
    if (mount_fs(rootfd, m->source, m->destination, m->type, m->flags, m->data, &first) == 0)
        return 0;
    if (first.code != EPERM) {
        if (err)
            *err = first;
        return -1;
    }
    if (access(host_path, F_OK) < 0 && errno == ENOENT)
        return 0;
    return bind_into(rootfd, host_path, -1, m->destination, m->flags | MS_BIND | MS_REC,
                     userns || rt_rootless(), err);
}

/* The namespace of kind k is the container's own (a new one). */
static bool ns_new(const struct rt_spec *s, int k)
{
    return s->ns[k].enabled && !s->ns[k].path;
}

int rt_mount_apply(const struct rt_spec *s, const struct rt_cgroup *cg, int rootfd,
                   const struct rt_mount *m, int source_fd, struct sk_error *err)
{
    bool userns = s->ns[RT_NS_USER].enabled;
    const char *type = m->type ? m->type : "";
    if (!m->bind && (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0)) {
        if (mount_cgroup(s, cg, rootfd, m, err) < 0)
            return -1;
    } else if (!m->bind && strcmp(type, "sysfs") == 0 && !ns_new(s, RT_NS_NET)) {
        /* sysfs belongs to a network namespace; without a new one, show the
         * host's /sys like runc does. */
        if (bind_into(rootfd, "/sys", -1, m->destination, m->flags | MS_BIND | MS_REC, userns,
                      err) < 0)
            return -1;
    } else if (!m->bind && strcmp(type, "sysfs") == 0 && userns) {
        if (mount_or_bind_host(rootfd, m, "/sys", userns, err) < 0)
            return -1;
    } else if (!m->bind && strcmp(type, "proc") == 0 && !ns_new(s, RT_NS_PID)) {
        if (mount_or_bind_host(rootfd, m, "/proc", userns, err) < 0)
            return -1;
    } else if (!m->bind && strcmp(type, "mqueue") == 0 && !ns_new(s, RT_NS_IPC)) {
        if (mount_or_bind_host(rootfd, m, "/dev/mqueue", userns, err) < 0)
            return -1;
    } else if (m->bind) {
        if (bind_into(rootfd, m->source, source_fd, m->destination, m->flags, userns, err) < 0)
            return -1;
    } else if (m->tmpcopyup && strcmp(type, "tmpfs") == 0) {
        if (mount_tmpfs_copyup(s, rootfd, m, err) < 0)
            return -1;
    } else {
        if (mount_fs(rootfd, m->source, m->destination, type, m->flags, m->data, err) < 0)
            return -1;
    }
    if (!m->propagation && !m->rec_attr_set)
        return 0;
    _cleanup_close_ int fd = reopen(rootfd, m->destination, err);
    if (fd < 0)
        return -1;
    char p[32];
    if (m->propagation && mount(NULL, fd_path(fd, p), NULL, m->propagation, NULL) < 0)
        return sk_error_errno(err, errno, "set propagation");
    if (m->rec_attr_set) {
        struct mount_attr attr = {.attr_set = m->rec_attr_set};
        if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
            return sk_error_errno(err, errno, "set recursive mount attributes");
    }
    return 0;
}
