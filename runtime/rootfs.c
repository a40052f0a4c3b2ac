/* The container's root filesystem, set up by its init in its new mount
 * namespace: propagation, the rootfs bound onto itself, the config's mounts
 * (mount.c), devices and /dev symlinks, masked and read-only paths, then
 * pivot_root.
 *
 * A container without a mount namespace of its own (none in
 * linux.namespaces: it inherits the runtime's, as the spec says) gets the
 * same, built in that shared namespace but contained: the rootfs is bound
 * onto itself and that new mount made private (rootfsPropagation applies to
 * it, never to the host's mounts), every other mount goes below it, and the
 * init chroots into it instead of pivot_root (which would move the root of
 * every process sharing the namespace). delete detaches the whole tree with
 * one umount (rt_rootfs_release_shared).
 *
 * Every path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT)
 * under an fd of the rootfs, so a symlink planted in the image ("/dev ->
 * /", "mnt -> /etc") resolves inside the rootfs, never on the host; the
 * mount then goes onto /proc/self/fd/N of the O_PATH fd so the kernel does
 * not walk the path again. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Devices every container gets (config-linux.md "Default Devices"); entries
 * of linux.devices with the same path win. */
static const struct rt_device default_devices[] = {
    {"/dev/null", 'c', 1, 3, 0666, 0, 0},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
    {"/dev/full", 'c', 1, 7, 0666, 0, 0},    {"/dev/random", 'c', 1, 8, 0666, 0, 0},
    {"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
};

/* /dev symlinks every container gets. */
static const struct {
    const char *name, *target;
} dev_symlinks[] = {
    {"fd", "/proc/self/fd"},
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
};

static int openat2_in_root(int rootfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    int fd;
    do
        fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

/* One pass of create_in_root over cur: returns the fd of the last
 * component, or -2 with *ret_next set to the path to try instead (cur with
 * a dangling symlink replaced by its target). */
static int create_pass(int rootfd, const char *cur, bool as_file, char **ret_next,
                       struct sk_error *err)
{
    _cleanup_free_ char *prefix = sk_calloc(1, strlen(cur) + 2);
    _cleanup_close_ int parent = openat2_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
    if (parent < 0)
        return sk_error_errno(err, errno, "open the rootfs");
    for (const char *p = cur; *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, "/");
        _cleanup_free_ char *comp = sk_strndup(p, len);
        const char *rest = p + len;
        while (*rest == '/')
            rest++;
        size_t plen = strlen(prefix);
        strcat(prefix, "/");
        strcat(prefix, comp);
        int cfd = openat2_in_root(rootfd, prefix, O_PATH);
        if (cfd < 0 && errno == ENOENT) {
            int r;
            if (*rest || !as_file) {
                r = mkdirat(parent, comp, 0755);
            } else {
                r = openat(parent, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                           0644);
                if (r >= 0)
                    close(r);
            }
            if (r < 0 && errno == EEXIST) {
                /* A dangling symlink: go on at its target. */
                char target[4096];
                ssize_t n = readlinkat(parent, comp, target, sizeof(target) - 1);
                if (n < 0)
                    return sk_error_errno(err, errno, "create %s in the rootfs", prefix);
                target[n] = '\0';
                prefix[plen] = '\0';
                *ret_next = target[0] == '/' ? sk_asprintf("%s/%s", target, rest)
                                             : sk_asprintf("%s/%s/%s", prefix, target, rest);
                return -2;
            }
            if (r < 0)
                return sk_error_errno(err, errno, "create %s in the rootfs", prefix);
            cfd = openat2_in_root(rootfd, prefix, O_PATH);
        }
        if (cfd < 0)
            return sk_error_errno(err, errno, "open %s in the rootfs", prefix);
        close(parent);
        parent = cfd;
        p = rest;
    }
    return SK_STEAL_FD(parent);
}

/* Create the missing components of path, one at a time, each resolved
 * again inside the rootfs. A symlink whose target does not exist yet is
 * followed by creating its target (inside the rootfs, like everything). */
static int create_in_root(int rootfd, const char *path, bool as_file, struct sk_error *err)
{
    _cleanup_free_ char *cur = sk_strdup(path);
    for (int links = 0; links <= 40; links++) {
        char *next = NULL;
        int fd = create_pass(rootfd, cur, as_file, &next, err);
        if (fd != -2)
            return fd;
        free(cur);
        cur = next;
    }
    return sk_error_set(err, ELOOP, "%s: too many symlinks", path);
}

int rt_rootfs_open_in_root(int rootfd, const char *path, bool create, bool as_file,
                           struct sk_error *err)
{
    int fd = openat2_in_root(rootfd, path, O_PATH);
    if (fd >= 0)
        return fd;
    if (errno != ENOENT || !create)
        return sk_error_errno(err, errno, "open %s in the rootfs", path);
    return create_in_root(rootfd, path, as_file, err);
}

/* path as seen from nsroot (a directory fd standing for "/" of some mount
 * namespace), symlinks resolved there. */
static int open_under(int nsroot, const char *path, struct sk_error *err)
{
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
    int fd = (int)syscall(SYS_openat2, nsroot, path, &how, sizeof(how));
    if (fd < 0)
        return sk_error_errno(err, errno, "%s", path);
    return fd;
}

int rt_rootfs_open_sources(const struct rt_spec *s, int nsroot, int *fds, size_t *ret_n,
                           struct sk_error *err)
{
    size_t n = 0;
    if ((fds[n] = open_under(nsroot, s->rootfs, err)) < 0) {
        sk_error_prefix(err, "rootfs");
        goto fail;
    }
    n++;
    for (size_t i = 0; i < s->nmounts; i++) {
        if (!s->mounts[i].bind)
            continue;
        if (n >= RT_SYNC_MAX_FDS) {
            sk_error_set(err, E2BIG, "too many bind mounts");
            goto fail;
        }
        if ((fds[n] = open_under(nsroot, s->mounts[i].source, err)) < 0) {
            sk_error_prefix(err, "mount %s: bind source", s->mounts[i].destination);
            goto fail;
        }
        n++;
    }
    *ret_n = n;
    return 0;
fail:
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
    return -1;
}

/* The mount point holding path, from /proc/self/mountinfo (longest match). */
static char *mount_point_of(const char *path)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return NULL;
    char *best = NULL, *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char point[4096];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
            continue;
        size_t n = strlen(point);
        bool prefix = strcmp(point, "/") == 0 ||
                      (strncmp(path, point, n) == 0 && (path[n] == '/' || path[n] == '\0'));
        if (prefix && (!best || strlen(best) < n)) {
            free(best);
            best = sk_strdup(point);
        }
    }
    free(line);
    return best;
}

static bool dev_is_bound(const struct rt_spec *s)
{
    for (size_t i = 0; i < s->nmounts; i++)
        if (s->mounts[i].bind && strcmp(s->mounts[i].destination, "/dev") == 0)
            return true;
    return false;
}

static int create_device(int rootfd, const struct rt_device *d, bool userns, struct sk_error *err)
{
    _cleanup_free_ char *dir = sk_strdup(d->path);
    char *slash = strrchr(dir, '/');
    const char *name = d->path + (slash - dir) + 1;
    *slash = '\0';
    _cleanup_close_ int parent =
        rt_rootfs_open_in_root(rootfd, dir[0] ? dir : "/", true, false, err);
    if (parent < 0)
        return -1;
    if (userns) {
        /* mknod is not allowed in a user namespace: bind the host's node
         * (its permissions on the host still apply). */
        int fd = openat(parent, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
            return sk_error_errno(err, errno, "create %s", d->path);
        if (fd >= 0)
            close(fd);
        _cleanup_close_ int target = rt_rootfs_open_in_root(rootfd, d->path, false, false, err);
        if (target < 0)
            return -1;
        char p[64];
        snprintf(p, sizeof(p), "/proc/self/fd/%d", target);
        if (mount(d->path, p, NULL, MS_BIND, NULL) < 0)
            return sk_error_errno(err, errno, "bind %s from the host", d->path);
        return 0;
    }
    mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
    if (mknodat(parent, name, type | d->file_mode,
                makedev((unsigned)d->major, (unsigned)d->minor)) < 0) {
        if (errno != EEXIST)
            return sk_error_errno(err, errno, "mknod %s", d->path);
        return 0;
    }
    if (fchownat(parent, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return sk_error_errno(err, errno, "chown %s", d->path);
    return 0;
}

static int setup_dev(const struct rt_spec *s, int rootfd, struct sk_error *err)
{
    /* No mknod in a user namespace other than the initial one: the
     * container's own, or the one an unprivileged runtime runs in. */
    bool userns = s->ns[RT_NS_USER].enabled || !rt_in_initial_userns();
    for (size_t i = 0; i < SK_ARRAY_SIZE(default_devices); i++) {
        bool overridden = false;
        for (size_t k = 0; k < s->ndevices && !overridden; k++)
            overridden = strcmp(s->devices[k].path, default_devices[i].path) == 0;
        if (!overridden && create_device(rootfd, &default_devices[i], userns, err) < 0)
            return -1;
    }
    for (size_t k = 0; k < s->ndevices; k++)
        if (create_device(rootfd, &s->devices[k], userns, err) < 0)
            return -1;
    _cleanup_close_ int dev = rt_rootfs_open_in_root(rootfd, "/dev", true, false, err);
    if (dev < 0)
        return -1;
    for (size_t i = 0; i < SK_ARRAY_SIZE(dev_symlinks); i++)
        if (symlinkat(dev_symlinks[i].target, dev, dev_symlinks[i].name) < 0 && errno != EEXIST)
            return sk_error_errno(err, errno, "symlink /dev/%s", dev_symlinks[i].name);
    if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 &&
        errno != EEXIST)
        return sk_error_errno(err, errno, "symlink /dev/core");
    /* The devpts instance's ptmx, not the host's. */
    if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
        return sk_error_errno(err, errno, "remove /dev/ptmx");
    if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
        return sk_error_errno(err, errno, "symlink /dev/ptmx");
    return 0;
}

/* Bind the rootfs onto itself (pivot_root needs a mount) and return an fd
 * of the new mount's root. */
static int bind_rootfs(const struct rt_spec *s, int rootfs_fd, struct sk_error *err)
{
    int tree = open_tree(rootfs_fd, "",
                         OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (tree >= 0) {
        if (move_mount(tree, "", rootfs_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
            0) {
            int e = errno;
            close(tree);
            return sk_error_errno(err, e, "bind the rootfs %s", s->rootfs);
        }
        return tree;
    }
    if (errno != ENOSYS)
        return sk_error_errno(err, errno, "bind the rootfs %s", s->rootfs);
    /* Kernels before 5.2: by path. */
    if (mount(s->rootfs, s->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return sk_error_errno(err, errno, "bind the rootfs %s", s->rootfs);
    int fd = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return sk_error_errno(err, errno, "open the rootfs %s", s->rootfs);
    return fd;
}

int rt_rootfs_prepare(const struct rt_spec *s, const struct rt_cgroup *cg, int rootfs_fd,
                      const int *bind_fds, int *ret_rootfd, struct sk_error *err)
{
    unsigned long prop = s->rootfs_propagation ? s->rootfs_propagation : MS_PRIVATE | MS_REC;
    /* Unbindable would stop our own binds from inside the rootfs (read-only
     * paths): private until rt_rootfs_pivot sets the root's. */
    if (prop & MS_UNBINDABLE)
        prop = MS_PRIVATE | (prop & MS_REC);
    bool shared = rt_spec_shares_mount_ns(s);
    if (!shared && mount(NULL, "/", NULL, prop, NULL) < 0)
        return sk_error_errno(err, errno, "set the propagation of /");
    if (!shared && (prop & MS_SHARED)) {
        /* pivot_root refuses a new root whose parent mount is shared. */
        _cleanup_free_ char *mp = mount_point_of(s->rootfs);
        if (mp && mount(NULL, mp, NULL, MS_PRIVATE, NULL) < 0)
            return sk_error_errno(err, errno, "make %s private", mp);
    }
    _cleanup_close_ int rootfd = bind_rootfs(s, rootfs_fd, err);
    if (rootfd < 0)
        return -1;
    if (shared) {
        char p[32];
        snprintf(p, sizeof(p), "/proc/self/fd/%d", rootfd);
        if (mount(NULL, p, NULL, prop, NULL) < 0)
            return sk_error_errno(err, errno, "set the propagation of the rootfs mount");
    }
    for (size_t i = 0; i < s->nmounts; i++)
        if (rt_mount_apply(s, cg, rootfd, &s->mounts[i], bind_fds ? bind_fds[i] : -1, err) < 0)
            return sk_error_prefix(err, "mount %s", s->mounts[i].destination);
    if (!dev_is_bound(s) && setup_dev(s, rootfd, err) < 0)
        return -1;
    *ret_rootfd = SK_STEAL_FD(rootfd);
    return 0;
}

int rt_rootfs_protect_paths(const struct rt_spec *s, int rootfd, struct sk_error *err)
{
    char p[64], src[64];
    /* The host's /dev/null, checked to be the real one, is what hides files:
     * never a node of the container's own /dev, which the image controls. */
    _cleanup_close_ int devnull = -1;
    if (s->masked_paths && s->masked_paths[0]) {
        devnull = open("/dev/null", O_PATH | O_CLOEXEC);
        struct stat st;
        if (devnull < 0 || fstat(devnull, &st) < 0)
            return sk_error_errno(err, errno, "open /dev/null");
        if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
            return sk_error_set(err, EPERM, "/dev/null is not the null device");
    }
    for (size_t i = 0; s->masked_paths && s->masked_paths[i]; i++) {
        const char *path = s->masked_paths[i];
        _cleanup_close_ int fd = openat2_in_root(rootfd, path, O_PATH);
        if (fd < 0) {
            if (errno == ENOENT)
                continue;
            return sk_error_errno(err, errno, "mask %s", path);
        }
        struct stat st;
        if (fstat(fd, &st) < 0)
            return sk_error_errno(err, errno, "mask %s", path);
        snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        int r;
        if (S_ISDIR(st.st_mode)) {
            r = mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                      "size=0,mode=0555");
        } else {
            snprintf(src, sizeof(src), "/proc/self/fd/%d", devnull);
            r = mount(src, p, NULL, MS_BIND, NULL);
        }
        if (r < 0)
            return sk_error_errno(err, errno, "mask %s", path);
    }
    for (size_t i = 0; s->readonly_paths && s->readonly_paths[i]; i++) {
        const char *path = s->readonly_paths[i];
        _cleanup_close_ int fd = openat2_in_root(rootfd, path, O_PATH);
        if (fd < 0) {
            if (errno == ENOENT)
                continue;
            return sk_error_errno(err, errno, "make %s read-only", path);
        }
        snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
            return sk_error_errno(err, errno, "make %s read-only: bind", path);
        _cleanup_close_ int mfd = openat2_in_root(rootfd, path, O_PATH);
        if (mfd < 0)
            return sk_error_errno(err, errno, "make %s read-only: reopen", path);
        snprintf(p, sizeof(p), "/proc/self/fd/%d", mfd);
        if (rt_mount_remount(p, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true, err) < 0)
            return sk_error_prefix(err, "make %s read-only", path);
    }
    return 0;
}

/* Without a mount namespace of our own: chroot, the rootfs mount being ours. */
static int enter_shared(const struct rt_spec *s, int rootfd, struct sk_error *err)
{
    if (fchdir(rootfd) < 0)
        return sk_error_errno(err, errno, "chdir %s", s->rootfs);
    if (chroot(".") < 0)
        return sk_error_errno(err, errno, "chroot %s", s->rootfs);
    if (chdir("/") < 0)
        return sk_error_errno(err, errno, "chdir /");
    if (s->root_readonly && rt_mount_remount("/", MS_RDONLY, true, err) < 0)
        return sk_error_prefix(err, "make the root read-only");
    return 0;
}

static int enter_new_root(const struct rt_spec *s, int rootfd, struct sk_error *err);

int rt_rootfs_pivot(const struct rt_spec *s, int rootfd, struct sk_error *err)
{
    int r =
        rt_spec_shares_mount_ns(s) ? enter_shared(s, rootfd, err) : enter_new_root(s, rootfd, err);
    if (r < 0)
        return -1;
    /* rootfsPropagation is the new root's own: pivot_root needs it
     * unshared, our binds from inside it need it bindable; so set it last. */
    if (s->rootfs_propagation && mount(NULL, "/", NULL, s->rootfs_propagation, NULL) < 0)
        return sk_error_errno(err, errno, "set the propagation of the root");
    return 0;
}

static int enter_new_root(const struct rt_spec *s, int rootfd, struct sk_error *err)
{
    _cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0)
        return sk_error_errno(err, errno, "open /");
    /* pivot_root(".", "."): the old root ends up stacked on the new one,
     * where it is detached without needing a directory for it. */
    if (fchdir(rootfd) < 0)
        return sk_error_errno(err, errno, "chdir %s", s->rootfs);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return sk_error_errno(err, errno, "pivot_root %s", s->rootfs);
    if (fchdir(oldroot) < 0)
        return sk_error_errno(err, errno, "chdir to the old root");
    /* Unmounting must not propagate to the host. */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return sk_error_errno(err, errno, "make the old root a slave");
    if (umount2(".", MNT_DETACH) < 0)
        return sk_error_errno(err, errno, "detach the old root");
    if (chdir("/") < 0)
        return sk_error_errno(err, errno, "chdir /");
    if (s->root_readonly && rt_mount_remount("/", MS_RDONLY, true, err) < 0)
        return sk_error_prefix(err, "make the root read-only");
    return 0;
}

int rt_rootfs_mount_id(const char *path)
{
    _cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char info[64];
    snprintf(info, sizeof(info), "/proc/self/fdinfo/%d", fd);
    _cleanup_fclose_ FILE *f = fopen(info, "re");
    char line[256];
    int id = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "mnt_id: %d", &id) == 1)
            break;
    return id;
}

int rt_rootfs_release_shared(const json_t *state, struct sk_error *err)
{
    const char *rootfs = sk_json_str(state, "rootfs");
    if (!json_is_true(json_object_get(state, "sharedMountNs")) || !rootfs)
        return 0;
    /* Ours: the mount create recorded, or (a create that died before it
     * could record it) whatever covers the one that was there before. */
    int now = rt_rootfs_mount_id(rootfs);
    json_t *mine = json_object_get(state, "rootfsMountId");
    bool ours = mine ? now == (int)json_integer_value(mine)
                     : now >= 0 && now != (int)sk_json_int(state, "rootfsMountIdBefore", -1);
    if (!ours || now < 0)
        return 0;
    if (umount2(rootfs, MNT_DETACH) < 0)
        return sk_error_errno(err, errno, "unmount the container's rootfs %s", rootfs);
    return 0;
}
