/* tmpcopyup (a runc extension podman relies on): a tmpfs mounted over a
 * directory of the rootfs starts with a copy of what it covers, so
 * --read-only's /run or /tmp still hold the image's files, writable.
 *
 * mount.c mounts the tmpfs over the directory after opening it, and hands
 * us that fd (which still names the covered directory) and one of the new
 * tmpfs. The image decides what the tree holds, so nothing here follows a
 * path: every entry is opened by its name alone under its directory's fd,
 * with O_NOFOLLOW, and checked after opening (a regular file swapped for a
 * fifo must not block us). Copied: directories, regular files (holes kept),
 * symlinks (as they are, never followed), fifos and device nodes; owner,
 * mode, times and, where the filesystems allow, extended attributes.
 * Sockets are left out: the file of a socket means nothing without its
 * listener; so are device nodes where we may not make them (a user
 * namespace). Hard links become separate files. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Deeper trees are refused (each level holds two fds and a stack frame). */
#define COPYUP_MAX_DEPTH 128
/* Buffer for file data and for one extended attribute's value (the
 * kernel's limit for a value). */
#define COPYUP_BUF_SIZE 65536

struct copy {
    char *buf;
    char *path; /* of the entry being copied, below the mount point, for errors */
};

/* Extended attributes, as far as the target filesystem and our privileges
 * go (tmpfs takes security.* and trusted.*, user.* since Linux 6.6). */
static void copy_xattrs(struct copy *c, int from, int to)
{
    char names[4096];
    ssize_t n = flistxattr(from, names, sizeof(names));
    for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(names + off) + 1) {
        ssize_t len = fgetxattr(from, names + off, c->buf, COPYUP_BUF_SIZE);
        if (len >= 0)
            fsetxattr(to, names + off, c->buf, (size_t)len, 0);
    }
}

/* Owner, mode, times and extended attributes of the copy `to` (an open
 * file or directory), from `from` (st: its status). An owner the user
 * namespace does not map cannot be set: the copy keeps ours. */
static int copy_attrs(struct copy *c, int from, int to, const struct stat *st, struct sk_error *err)
{
    if (fchown(to, st->st_uid, st->st_gid) < 0 && errno != EINVAL)
        return sk_error_errno(err, errno, "chown %s", c->path);
    if (fchmod(to, st->st_mode & 07777) < 0)
        return sk_error_errno(err, errno, "chmod %s", c->path);
    copy_xattrs(c, from, to);
    const struct timespec times[2] = {st->st_atim, st->st_mtim};
    if (futimens(to, times) < 0)
        return sk_error_errno(err, errno, "set the times of %s", c->path);
    return 0;
}

/* The same for a symlink or node that we do not open: by name in dir. */
static int copy_attrs_at(struct copy *c, int dir, const char *name, const struct stat *st,
                         struct sk_error *err)
{
    if (fchownat(dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
        return sk_error_errno(err, errno, "chown %s", c->path);
    if (!S_ISLNK(st->st_mode) && fchmodat(dir, name, st->st_mode & 07777, 0) < 0)
        return sk_error_errno(err, errno, "chmod %s", c->path);
    const struct timespec times[2] = {st->st_atim, st->st_mtim};
    if (utimensat(dir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
        return sk_error_errno(err, errno, "set the times of %s", c->path);
    return 0;
}

static bool all_zero(const char *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* The data; a block of zeros becomes a hole, as the file likely had one. */
static int copy_data(struct copy *c, int in, int out, struct sk_error *err)
{
    for (;;) {
        ssize_t n = read(in, c->buf, COPYUP_BUF_SIZE);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return sk_error_errno(err, errno, "read %s", c->path);
        if (n == 0)
            break;
        if (all_zero(c->buf, (size_t)n)) {
            if (lseek(out, n, SEEK_CUR) < 0)
                return sk_error_errno(err, errno, "seek in %s", c->path);
            continue;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, c->buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return sk_error_errno(err, errno, "write %s", c->path);
            done += w;
        }
    }
    /* A trailing hole. */
    if (ftruncate(out, lseek(out, 0, SEEK_CUR)) < 0)
        return sk_error_errno(err, errno, "write %s", c->path);
    return 0;
}

static int copy_file(struct copy *c, int src, int dst, const char *name, struct sk_error *err)
{
    _cleanup_close_ int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (in < 0 || fstat(in, &st) < 0)
        return sk_error_errno(err, errno, "open %s", c->path);
    if (!S_ISREG(st.st_mode))
        return sk_error_set(err, EAGAIN, "%s changed while being copied", c->path);
    _cleanup_close_ int out =
        openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0)
        return sk_error_errno(err, errno, "create %s", c->path);
    if (copy_data(c, in, out, err) < 0)
        return -1;
    return copy_attrs(c, in, out, &st, err);
}

static int copy_tree(struct copy *c, int src, int dst, int depth, struct sk_error *err);

static int copy_subdir(struct copy *c, int src, int dst, const char *name, const struct stat *st,
                       int depth, struct sk_error *err)
{
    if (depth >= COPYUP_MAX_DEPTH)
        return sk_error_set(err, ELOOP, "%s: more than %d levels of directories", c->path,
                            COPYUP_MAX_DEPTH);
    if (mkdirat(dst, name, 0700) < 0)
        return sk_error_errno(err, errno, "mkdir %s", c->path);
    _cleanup_close_ int in = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return sk_error_errno(err, errno, "open %s", c->path);
    _cleanup_close_ int out = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (out < 0)
        return sk_error_errno(err, errno, "open %s", c->path);
    if (copy_tree(c, in, out, depth + 1, err) < 0)
        return -1;
    /* Attributes last: the copy would change the times, a read-only mode
     * would stop it. */
    return copy_attrs(c, in, out, st, err);
}

static int copy_entry(struct copy *c, int src, int dst, const char *name, int depth,
                      struct sk_error *err)
{
    struct stat st;
    if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return sk_error_errno(err, errno, "stat %s", c->path);
    switch (st.st_mode & S_IFMT) {
    case S_IFDIR:
        return copy_subdir(c, src, dst, name, &st, depth, err);
    case S_IFREG:
        return copy_file(c, src, dst, name, err);
    case S_IFLNK: {
        char target[PATH_MAX];
        ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
        if (n < 0)
            return sk_error_errno(err, errno, "readlink %s", c->path);
        target[n] = '\0';
        if (symlinkat(target, dst, name) < 0)
            return sk_error_errno(err, errno, "symlink %s", c->path);
        return copy_attrs_at(c, dst, name, &st, err);
    }
    case S_IFIFO:
    case S_IFCHR:
    case S_IFBLK:
        if (mknodat(dst, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0) {
            /* A user namespace may not make device nodes: those stay out. */
            if (errno == EPERM && !S_ISFIFO(st.st_mode))
                return 0;
            return sk_error_errno(err, errno, "mknod %s", c->path);
        }
        return copy_attrs_at(c, dst, name, &st, err);
    default:
        return 0;
    }
}

static int copy_tree(struct copy *c, int src, int dst, int depth, struct sk_error *err)
{
    int fd = dup(src);
    if (fd < 0)
        return sk_error_errno(err, errno, "dup");
    _cleanup_closedir_ DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return sk_error_errno(err, errno, "read %s", c->path);
    }
    size_t base = strlen(c->path);
    struct dirent *de;
    while ((errno = 0, de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *path = sk_asprintf("%s/%s", c->path, de->d_name);
        free(c->path);
        c->path = path;
        int r = copy_entry(c, src, dst, de->d_name, depth, err);
        c->path[base] = '\0';
        if (r < 0)
            return -1;
    }
    if (errno)
        return sk_error_errno(err, errno, "read %s", c->path);
    return 0;
}

int rt_copyup(int src, int dst, const char *dest, bool root_attrs, struct sk_error *err)
{
    _cleanup_close_ int in = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (in < 0)
        return sk_error_errno(err, errno, "tmpcopyup: open %s", dest);
    _cleanup_close_ int out = openat(dst, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (out < 0)
        return sk_error_errno(err, errno, "tmpcopyup: open the tmpfs on %s", dest);
    _cleanup_free_ char *buf = sk_malloc(COPYUP_BUF_SIZE);
    struct copy c = {buf, sk_strdup(strcmp(dest, "/") == 0 ? "" : dest)};
    int r = copy_tree(&c, in, out, 0, err);
    struct stat st;
    if (r == 0 && root_attrs) {
        if (fstat(in, &st) < 0)
            r = sk_error_errno(err, errno, "stat %s", dest);
        else
            r = copy_attrs(&c, in, out, &st, err);
    }
    free(c.path);
    if (r < 0)
        return sk_error_prefix(err, "tmpcopyup");
    return 0;
}
