#include "common/fs.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sk_mkdir_p(const char *path, mode_t mode, struct sk_error *err)
{
    /* Usually there already, or only the last part is missing: one call. */
    if (mkdir(path, mode) < 0 && errno != EEXIST) {
        if (errno != ENOENT)
            return sk_error_errno(err, errno, "mkdir %s", path);
    } else {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
    }
    _cleanup_free_ char *p = sk_strdup(path);
    size_t len = strlen(p);
    for (size_t i = 1; i <= len; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char saved = p[i];
        p[i] = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return sk_error_errno(err, errno, "mkdir %s", p);
        p[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) < 0)
        return sk_error_errno(err, errno, "stat %s", path);
    if (!S_ISDIR(st.st_mode))
        return sk_error_set(err, ENOTDIR, "%s: not a directory", path);
    return 0;
}

int sk_fsync_dir(const char *path)
{
    _cleanup_free_ char *dir = sk_strdup(path);
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        char *slash = strrchr(dir, '/');
        if (slash == dir)
            slash[1] = '\0';
        else if (slash)
            *slash = '\0';
        else
            strcpy(dir, ".");
    }
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    return fsync(fd);
}

int sk_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_replace(const char *path, const void *data, size_t len, mode_t mode,
                         bool sync, struct sk_error *err)
{
    _cleanup_free_ char *tmp = sk_asprintf("%s.tmp-%d", path, (int)getpid());
    _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return sk_error_errno(err, errno, "create %s", tmp);
    if (fchmod(fd, mode) < 0 || sk_write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0)) {
        int e = errno;
        unlink(tmp);
        return sk_error_errno(err, e, "write %s", path);
    }
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return sk_error_errno(err, e, "rename %s", path);
    }
    if (sync)
        sk_fsync_dir(path);
    return 0;
}

int sk_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         struct sk_error *err)
{
    return write_replace(path, data, len, mode, true, err);
}

int sk_write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
                          struct sk_error *err)
{
    return write_replace(path, data, len, mode, false, err);
}

ssize_t sk_read_small(const char *path, char *buf, size_t size)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n;
    do
        n = read(fd, buf, size - 1);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        if (n == 0)
            errno = ENODATA;
        return -1;
    }
    buf[n] = '\0';
    return n;
}

int sk_read_file(const char *path, char **ret_data, size_t *ret_len, struct sk_error *err)
{
    return sk_read_file_at(AT_FDCWD, path, ret_data, ret_len, err);
}

int sk_read_file_at(int dirfd, const char *path, char **ret_data, size_t *ret_len,
                    struct sk_error *err)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sk_error_errno(err, errno, "open %s", path);
    size_t cap = 4096, len = 0;
    _cleanup_free_ char *buf = sk_malloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            buf = sk_realloc(buf, cap);
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return sk_error_errno(err, errno, "read %s", path);
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    if (ret_len)
        *ret_len = len;
    *ret_data = SK_STEAL(buf);
    return 0;
}

static int rm_children(int dfd, dev_t dev, struct sk_error *err);

static int rm_entry(int dirfd, const char *name, dev_t dev, struct sk_error *err)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM)
        return sk_error_errno(err, errno, "remove %s", name);
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : sk_error_errno(err, errno, "stat %s", name);
    if (!S_ISDIR(st.st_mode))
        return sk_error_errno(err, EPERM, "remove %s", name);
    if (dev && st.st_dev != dev)
        return sk_error_set(err, EBUSY, "remove %s: a filesystem is mounted there", name);
    if ((st.st_mode & 0700) != 0700)
        fchmodat(dirfd, name, st.st_mode | 0700, 0);
    _cleanup_close_ int fd =
        openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return sk_error_errno(err, errno, "open %s", name);
    if (rm_children(fd, st.st_dev, err) < 0)
        return sk_error_prefix(err, "%s", name);
    if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return sk_error_errno(err, errno, "rmdir %s", name);
    return 0;
}

/* A directory stream of its own over the directory dfd (dfd stays open). */
static DIR *opendir_dup(int dfd, const char *where, struct sk_error *err)
{
    int fd = dup(dfd);
    if (fd < 0) {
        sk_error_errno(err, errno, "dup");
        return NULL;
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        sk_error_errno(err, errno, "opendir%s%s", where ? " " : "", where ? where : "");
        close(fd);
    }
    return d;
}

/* The next entry but . and ..; NULL at the end (errno 0) or on error. */
static struct dirent *next_entry(DIR *d)
{
    struct dirent *de;
    while ((errno = 0, de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            return de;
    return NULL;
}

static int rm_children(int dfd, dev_t dev, struct sk_error *err)
{
    _cleanup_closedir_ DIR *d = opendir_dup(dfd, NULL, err);
    if (!d)
        return -1;
    struct dirent *de;
    while ((de = next_entry(d))) {
        if (rm_entry(dfd, de->d_name, dev, err) < 0)
            return -1;
    }
    return 0;
}

int sk_rm_rf_at(int dirfd, const char *path, struct sk_error *err)
{
    struct stat st;
    if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : sk_error_errno(err, errno, "stat %s", path);
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
            return sk_error_errno(err, errno, "remove %s", path);
        return 0;
    }
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return sk_error_errno(err, errno, "open %s", path);
    if (rm_children(fd, st.st_dev, err) < 0)
        return sk_error_prefix(err, "remove %s", path);
    if (unlinkat(dirfd, path, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return sk_error_errno(err, errno, "rmdir %s", path);
    return 0;
}

int sk_rm_rf(const char *path, struct sk_error *err) { return sk_rm_rf_at(AT_FDCWD, path, err); }

/* lchown name (relative to dirfd, shown as where/name) unless it is owned so
 * already; st is its lstat. */
static int chown_entry(int dirfd, const char *name, const char *where, const struct stat *st,
                       uid_t uid, gid_t gid, struct sk_error *err)
{
    if (st->st_uid == uid && st->st_gid == gid)
        return 0;
    if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
        return sk_error_errno(err, errno, "chown %s%s%s", where ?: "", where ? "/" : "", name);
    return 0;
}

/* The entries of the directory dfd (path shown as where, on device dev),
 * depth first. */
static int chown_children(int dfd, const char *where, dev_t dev, uid_t uid, gid_t gid,
                          struct sk_error *err)
{
    _cleanup_closedir_ DIR *d = opendir_dup(dfd, where, err);
    if (!d)
        return -1;
    struct dirent *de;
    while ((de = next_entry(d))) {
        struct stat st;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue;
            return sk_error_errno(err, errno, "stat %s/%s", where, de->d_name);
        }
        if (st.st_dev != dev)
            continue; /* another mount: not ours to change */
        if (S_ISDIR(st.st_mode)) {
            _cleanup_free_ char *sub_where = sk_asprintf("%s/%s", where, de->d_name);
            _cleanup_close_ int sub =
                openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0)
                return sk_error_errno(err, errno, "open %s", sub_where);
            if (chown_children(sub, sub_where, dev, uid, gid, err) < 0)
                return -1;
        }
        if (chown_entry(dfd, de->d_name, where, &st, uid, gid, err) < 0)
            return -1;
    }
    if (errno)
        return sk_error_errno(err, errno, "readdir %s", where);
    return 0;
}

int sk_chown_tree(const char *path, uid_t uid, gid_t gid, struct sk_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return sk_error_errno(err, errno, "stat %s", path);
    if (S_ISDIR(st.st_mode)) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return sk_error_errno(err, errno, "open %s", path);
        if (chown_children(fd, path, st.st_dev, uid, gid, err) < 0)
            return -1;
    }
    return chown_entry(AT_FDCWD, path, NULL, &st, uid, gid, err);
}

int sk_path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}
