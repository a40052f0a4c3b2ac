/* Layer unpacking: decompress, hash, and create every tar entry beneath the
 * layer directory without ever following a symlink. Regular files are written
 * by the worker pool in storage/unpack_writer.c; everything else (directories,
 * links, whiteouts, nodes) is created here, in archive order. */
#include "storage/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"
#include "storage/unpack_writer.h"

#define UNPACK_DEFAULT_WORKERS 4
#define UNPACK_MAX_WORKERS 64
/* Files up to this size are buffered for a worker; larger ones are streamed
 * by the main thread so memory stays small. */
#define UNPACK_WORKER_FILE_MAX (1 << 20)
#define UNPACK_READ_BLOCK (128 << 10)

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh." /* aufs bookkeeping (.wh..wh.plnk ...) */
#define WHITEOUT_OPAQUE ".wh..wh..opq"

/* Directory metadata is applied after all entries, when creating children no
 * longer changes the directory's mtime. */
struct dir_record {
    char *path;
    size_t depth;
    size_t seq; /* archive order: a later entry for the same directory wins */
    struct unpack_meta meta;
};

struct unpacker {
    int root;
    const struct storage_unpack_opts *opts;
    struct archive *blob; /* decompresses the blob (raw format) */
    struct archive *tar;  /* parses what feed_tar hands it */
    struct sk_hasher *hasher;
    int64_t stream_bytes;
    bool blob_eof;
    char *blob_error; /* decompression failure, reported instead of the tar reader's */
    struct unpack_pool *pool;
    char *cached_path; /* last resolved parent directory */
    struct unpack_dir *cached_dir;
    struct dir_record *dirs;
    size_t ndirs, dirs_cap;
    struct storage_unpack_result res;
};

static void unpacker_clear(struct unpacker *u)
{
    unpack_pool_free(u->pool); /* joins the workers before anything they use goes */
    if (u->tar)
        archive_read_free(u->tar);
    if (u->blob)
        archive_read_free(u->blob);
    sk_hasher_free(u->hasher);
    free(u->blob_error);
    free(u->cached_path);
    unpack_dir_unref(u->cached_dir);
    for (size_t i = 0; i < u->ndirs; i++)
        free(u->dirs[i].path);
    free(u->dirs);
}

static void dir_unrefp(struct unpack_dir **d)
{
    unpack_dir_unref(*d);
}

static int hostile(struct sk_error *err, const char *entry, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int hostile(struct sk_error *err, const char *entry, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    /* the name is attacker-chosen and ends up on a terminal */
    char name[256];
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)entry; *c && n < sizeof(name) - 1; c++)
        name[n++] = *c < 0x20 || *c == 0x7f ? '?' : (char)*c;
    name[n] = '\0';
    return sk_error_set(err, EPERM, "hostile tar entry \"%s\": %s", name, why);
}

/* The tar reader's input: decompressed bytes, hashed on the way through. */
static la_ssize_t feed_tar(struct archive *tar, void *opaque, const void **buf)
{
    struct unpacker *u = opaque;
    size_t len = 0;
    *buf = NULL;
    while (!u->blob_eof && len == 0) {
        la_int64_t off;
        int r = archive_read_data_block(u->blob, buf, &len, &off);
        if (r == ARCHIVE_EOF) {
            u->blob_eof = true;
            len = 0;
        } else if (r != ARCHIVE_OK) {
            const char *msg = archive_error_string(u->blob);
            if (!u->blob_error)
                u->blob_error = sk_strdup(msg ? msg : "unknown error");
            archive_set_error(tar, EIO, "%s", u->blob_error);
            return -1;
        }
    }
    sk_hasher_update(u->hasher, *buf, len);
    u->stream_bytes += (int64_t)len;
    return (la_ssize_t)len;
}

static int tar_error(struct unpacker *u, struct sk_error *err)
{
    if (u->blob_error)
        return sk_error_set(err, EIO, "decompress layer: %s", u->blob_error);
    if (u->stream_bytes == 0)
        return sk_error_set(err, EINVAL, "empty layer: no tar data");
    const char *msg = archive_error_string(u->tar);
    return sk_error_set(err, EINVAL, "read layer tar: %s", msg ? msg : "unknown error");
}

/* A tar name as a relative path without empty, "." or ".." components ("" is
 * the layer root). Returns NULL, or why the name is hostile. */
static const char *clean_path(const char *name, char **ret)
{
    if (!*name)
        return "empty name";
    if (name[0] == '/')
        return "absolute path";
    _cleanup_free_ char *out = sk_malloc(strlen(name) + 1);
    size_t n = 0;
    for (const char *c = name; *c;) {
        const char *end = strchrnul(c, '/');
        size_t len = (size_t)(end - c);
        if (len == 2 && c[0] == '.' && c[1] == '.')
            return "path contains \"..\"";
        if (len > 0 && !(len == 1 && c[0] == '.')) {
            if (n)
                out[n++] = '/';
            memcpy(out + n, c, len);
            n += len;
        }
        c = *end ? end + 1 : end;
    }
    out[n] = '\0';
    *ret = SK_STEAL(out);
    return NULL;
}

static int dir_error(struct sk_error *err, const char *entry, const char *dir, int code)
{
    switch (code) {
    case ELOOP:
        return hostile(err, entry, "\"%s\" is a symlink or leads through one", dir);
    case EXDEV:
        return hostile(err, entry, "\"%s\" leaves the layer", dir);
    case ENOTDIR:
        return hostile(err, entry, "\"%s\" is not a directory", dir);
    default:
        return sk_error_errno(err, code, "tar entry \"%s\": open directory %s", entry, dir);
    }
}

/* Walk dirpath one component at a time, creating what is missing (0755). */
static int create_dirs(struct unpacker *u, const char *entry, const char *dirpath,
                       struct sk_error *err)
{
    _cleanup_close_ int cur = unpack_open_beneath(u->root, ".", O_PATH | O_DIRECTORY);
    if (cur < 0)
        return sk_error_errno(err, errno, "open layer directory");
    _cleanup_free_ char *walk = sk_strdup(dirpath);
    for (char *comp = walk; comp;) {
        char *slash = strchr(comp, '/');
        if (slash)
            *slash = '\0';
        _cleanup_free_ char *prefix = sk_strndup(dirpath, (size_t)(comp - walk) + strlen(comp));
        int fd = unpack_open_beneath(cur, comp, O_PATH | O_DIRECTORY);
        if (fd < 0 && errno == ENOENT) {
            if (unpack_pool_pending(u->pool, prefix)) {
                /* a queued regular file has this name: let it land, then fail */
                if (unpack_pool_barrier(u->pool, err) < 0)
                    return -1;
            } else if (mkdirat(cur, comp, 0755) == 0) {
                if (fchmodat(cur, comp, 0755, 0) < 0) /* just created by us; undo umask */
                    return sk_error_errno(err, errno, "tar entry \"%s\": chmod %s", entry, prefix);
            } else if (errno != EEXIST) {
                return sk_error_errno(err, errno, "tar entry \"%s\": mkdir %s", entry, prefix);
            }
            fd = unpack_open_beneath(cur, comp, O_PATH | O_DIRECTORY);
        }
        if (fd < 0)
            return dir_error(err, entry, prefix, errno);
        close(cur);
        cur = fd;
        comp = slash ? slash + 1 : NULL;
    }
    return SK_STEAL_FD(cur);
}

static void cache_drop(struct unpacker *u)
{
    unpack_dir_unref(SK_STEAL(u->cached_dir));
    free(SK_STEAL(u->cached_path));
}

/* The directory dirpath ("" = root) as an O_PATH fd beneath the layer, with
 * missing directories created. Consecutive entries usually share it. */
static int resolve_dir(struct unpacker *u, const char *entry, const char *dirpath,
                       struct unpack_dir **ret, struct sk_error *err)
{
    if (u->cached_dir && strcmp(u->cached_path, dirpath) == 0) {
        *ret = unpack_dir_ref(u->cached_dir);
        return 0;
    }
    int fd = unpack_open_beneath(u->root, *dirpath ? dirpath : ".", O_PATH | O_DIRECTORY);
    if (fd < 0 && errno == ENOENT)
        fd = create_dirs(u, entry, dirpath, err);
    else if (fd < 0)
        return dir_error(err, entry, dirpath, errno);
    if (fd < 0)
        return -1;
    cache_drop(u);
    u->cached_dir = unpack_dir_new(fd);
    u->cached_path = sk_strdup(dirpath);
    *ret = unpack_dir_ref(u->cached_dir);
    return 0;
}

/* Make room for a new entry at path (name in dir). Whatever an earlier entry
 * left there is removed without being followed; returns 1 when it is a
 * directory and keep_dir asks to reuse it. */
static int prepare_target(struct unpacker *u, struct unpack_dir *dir, const char *path,
                          const char *name, bool keep_dir, struct sk_error *err)
{
    if (unpack_pool_pending(u->pool, path) && unpack_pool_barrier(u->pool, err) < 0)
        return -1;
    struct stat st;
    if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return 0;
        return sk_error_errno(err, errno, "tar entry \"%s\": stat", path);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(dir->fd, name, 0) < 0)
            return sk_error_errno(err, errno, "tar entry \"%s\": replace", path);
        return 0;
    }
    if (keep_dir)
        return 1;
    if (unpack_pool_barrier(u->pool, err) < 0) /* queued files may live below it */
        return -1;
    cache_drop(u);
    if (sk_rm_rf_at(dir->fd, name, err) < 0)
        return sk_error_prefix(err, "tar entry \"%s\": replace", path);
    return 0;
}

/* Overlay reads these from lower layers; only whiteouts may produce them. */
static bool xattr_reserved(const char *name)
{
    return sk_str_has_prefix(name, "trusted.overlay.") || sk_str_has_prefix(name, "user.overlay.");
}

static int meta_from_entry(struct archive_entry *e, const char *entry, bool xattrs,
                           struct unpack_meta *m, struct sk_error *err)
{
    la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
    if (uid < 0 || uid >= UINT32_MAX || gid < 0 || gid >= UINT32_MAX)
        return hostile(err, entry, "invalid owner %lld:%lld", (long long)uid, (long long)gid);
    *m = (struct unpack_meta){
        .mode = archive_entry_perm(e) & 07777, .uid = (uid_t)uid, .gid = (gid_t)gid};
    m->times[1] = archive_entry_mtime_is_set(e)
                      ? (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)}
                      : (struct timespec){0, UTIME_OMIT};
    m->times[0] = archive_entry_atime_is_set(e)
                      ? (struct timespec){archive_entry_atime(e), archive_entry_atime_nsec(e)}
                      : m->times[1];
    int n = xattrs ? archive_entry_xattr_reset(e) : 0;
    if (n <= 0)
        return 0;
    m->xattrs = sk_calloc((size_t)n, sizeof(*m->xattrs));
    const char *name;
    const void *value;
    size_t size;
    while (m->nxattrs < (size_t)n &&
           archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
        if (xattr_reserved(name))
            continue;
        struct unpack_xattr *x = &m->xattrs[m->nxattrs++];
        x->name = sk_strdup(name);
        x->value = sk_malloc(size);
        memcpy(x->value, value, size);
        x->size = size;
    }
    return 0;
}

static void meta_clearp(struct unpack_meta *m)
{
    unpack_meta_clear(m);
}
#define _cleanup_meta_ _cleanup_(meta_clearp)

/* Owner, mode, xattrs and times of a symlink, fifo, device or whiteout. */
static int apply_node_meta(struct unpacker *u, struct unpack_dir *dir, const char *name,
                           const char *path, const struct unpack_meta *m, bool symlink,
                           struct sk_error *err)
{
    if (unpack_chown(&u->opts->idmap, dir->fd, name, m->uid, m->gid, path, err) < 0)
        return -1;
    if (!symlink && fchmodat(dir->fd, name, m->mode, AT_SYMLINK_NOFOLLOW) < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": chmod", path);
    if (m->nxattrs > 0) {
        _cleanup_close_ int fd = openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return sk_error_errno(err, errno, "tar entry \"%s\": open", path);
        if (unpack_set_xattrs(fd, true, m, path, err) < 0)
            return -1;
    }
    if (utimensat(dir->fd, name, m->times, AT_SYMLINK_NOFOLLOW) < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": set times", path);
    return 0;
}

static int handle_dir(struct unpacker *u, struct archive_entry *e, const char *raw,
                      const char *path, struct unpack_dir *dir, const char *name,
                      struct sk_error *err)
{
    _cleanup_meta_ struct unpack_meta m = {0};
    if (meta_from_entry(e, raw, true, &m, err) < 0)
        return -1;
    int kept = prepare_target(u, dir, path, name, true, err);
    if (kept < 0)
        return -1;
    if (!kept && mkdirat(dir->fd, name, 0755) < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": mkdir", path);
    if (m.nxattrs > 0) {
        _cleanup_close_ int fd =
            openat(dir->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return sk_error_errno(err, errno, "tar entry \"%s\": open", path);
        if (unpack_set_xattrs(fd, false, &m, path, err) < 0)
            return -1;
    }
    if (u->ndirs == u->dirs_cap) {
        u->dirs_cap = u->dirs_cap ? 2 * u->dirs_cap : 64;
        u->dirs = sk_realloc(u->dirs, u->dirs_cap * sizeof(*u->dirs));
    }
    size_t depth = *path ? 1 : 0;
    for (const char *c = path; *c; c++)
        depth += *c == '/';
    u->dirs[u->ndirs] =
        (struct dir_record){.path = sk_strdup(path), .depth = depth, .seq = u->ndirs};
    u->dirs[u->ndirs].meta = m;
    u->dirs[u->ndirs].meta.xattrs = NULL; /* already set; m still owns them */
    u->dirs[u->ndirs].meta.nxattrs = 0;
    u->ndirs++;
    return 0;
}

static int read_data(struct unpacker *u, const char *path, char *buf, size_t len,
                     struct sk_error *err)
{
    for (size_t got = 0; got < len;) {
        la_ssize_t n = archive_read_data(u->tar, buf + got, len - got);
        if (n < 0) {
            tar_error(u, err);
            return sk_error_prefix(err, "tar entry \"%s\"", path);
        }
        if (n == 0)
            return sk_error_set(err, EIO, "tar entry \"%s\": data truncated", path);
        got += (size_t)n;
    }
    return 0;
}

/* A file too big to buffer: written here, block by block (holes stay holes). */
static int stream_file(struct unpacker *u, struct unpack_dir *dir, const char *path,
                       const char *name, int64_t size, const struct unpack_meta *m,
                       struct sk_error *err)
{
    _cleanup_close_ int fd = unpack_create_file(dir->fd, name, path, err);
    if (fd < 0)
        return -1;
    for (;;) {
        const void *block;
        size_t len;
        la_int64_t off;
        int r = archive_read_data_block(u->tar, &block, &len, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            tar_error(u, err);
            return sk_error_prefix(err, "tar entry \"%s\"", path);
        }
        for (const char *p = block; len > 0;) {
            ssize_t n = pwrite(fd, p, len, off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return sk_error_errno(err, errno, "tar entry \"%s\": write", path);
            p += n;
            off += n;
            len -= (size_t)n;
        }
    }
    if (ftruncate(fd, size) < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": truncate", path);
    if (unpack_finish_file(&u->opts->idmap, fd, m, path, err) < 0)
        return -1;
    if (close(SK_STEAL_FD(fd)) < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": close", path);
    return 0;
}

static int handle_file(struct unpacker *u, struct archive_entry *e, const char *raw,
                       const char *path, struct unpack_dir *dir, const char *name,
                       struct sk_error *err)
{
    _cleanup_meta_ struct unpack_meta m = {0};
    if (meta_from_entry(e, raw, true, &m, err) < 0)
        return -1;
    if (prepare_target(u, dir, path, name, false, err) < 0)
        return -1;
    int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
    if (size < 0)
        return hostile(err, raw, "negative size");
    u->res.size += size;
    if (size > UNPACK_WORKER_FILE_MAX)
        return stream_file(u, dir, path, name, size, &m, err);

    _cleanup_free_ char *data = sk_malloc((size_t)size);
    if (read_data(u, path, data, (size_t)size, err) < 0)
        return -1;
    struct unpack_job *job = sk_calloc(1, sizeof(*job));
    job->dir = unpack_dir_ref(dir);
    job->path = sk_strdup(path);
    job->name = job->path + (name - path);
    job->data = SK_STEAL(data);
    job->len = (size_t)size;
    job->meta = m;
    m = (struct unpack_meta){0};
    return unpack_pool_submit(u->pool, job, err);
}

/* A hardlink may only point at a regular file this layer already created. */
static int handle_hardlink(struct unpacker *u, struct archive_entry *e, const char *raw,
                           const char *path, struct unpack_dir *dir, const char *name,
                           struct sk_error *err)
{
    const char *raw_target = archive_entry_hardlink(e);
    _cleanup_free_ char *target = NULL;
    const char *why = clean_path(raw_target, &target);
    if (why)
        return hostile(err, raw, "hardlink target \"%s\": %s", raw_target, why);
    if (!*target || strcmp(target, path) == 0)
        return hostile(err, raw, "hardlink to \"%s\"", raw_target);
    if (unpack_pool_pending(u->pool, target) && unpack_pool_barrier(u->pool, err) < 0)
        return -1;
    const char *slash = strrchr(target, '/');
    _cleanup_free_ char *tdirpath = slash ? sk_strndup(target, (size_t)(slash - target)) : NULL;
    const char *tname = slash ? slash + 1 : target;
    _cleanup_close_ int tdir =
        unpack_open_beneath(u->root, tdirpath ? tdirpath : ".", O_PATH | O_DIRECTORY);
    struct stat st;
    if (tdir < 0 && errno != ENOENT)
        return dir_error(err, raw, tdirpath ? tdirpath : ".", errno);
    if (tdir < 0 || fstatat(tdir, tname, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return hostile(err, raw, "hardlink target \"%s\" does not exist", raw_target);
        return sk_error_errno(err, errno, "tar entry \"%s\": stat %s", path, target);
    }
    if (!S_ISREG(st.st_mode))
        return hostile(err, raw, "hardlink target \"%s\" is not a regular file", raw_target);
    if (prepare_target(u, dir, path, name, false, err) < 0)
        return -1;
    if (linkat(tdir, tname, dir->fd, name, 0) < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": link to %s", path, target);
    return 0;
}

static int handle_symlink(struct unpacker *u, struct archive_entry *e, const char *raw,
                          const char *path, struct unpack_dir *dir, const char *name,
                          struct sk_error *err)
{
    /* Stored verbatim: it is resolved inside the container, never here. */
    const char *target = archive_entry_symlink(e);
    if (!target || !*target)
        return sk_error_set(err, EINVAL, "tar entry \"%s\": symlink without target", path);
    _cleanup_meta_ struct unpack_meta m = {0};
    if (meta_from_entry(e, raw, true, &m, err) < 0)
        return -1;
    if (prepare_target(u, dir, path, name, false, err) < 0)
        return -1;
    if (symlinkat(target, dir->fd, name) < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": symlink", path);
    return apply_node_meta(u, dir, name, path, &m, true, err);
}

static int handle_node(struct unpacker *u, struct archive_entry *e, const char *raw,
                       const char *path, struct unpack_dir *dir, const char *name,
                       struct sk_error *err)
{
    mode_t type = archive_entry_filetype(e);
    if (type != AE_IFIFO && !u->opts->allow_devices && u->opts->skip_devices) {
        u->res.nskipped_devices++; /* what was at the path goes, as the layer says */
        return prepare_target(u, dir, path, name, false, err) < 0 ? -1 : 0;
    }
    if (type != AE_IFIFO && !u->opts->allow_devices)
        return hostile(err, raw, "device nodes are not allowed");
    _cleanup_meta_ struct unpack_meta m = {0};
    if (meta_from_entry(e, raw, true, &m, err) < 0)
        return -1;
    if (prepare_target(u, dir, path, name, false, err) < 0)
        return -1;
    mode_t kind = type == AE_IFIFO ? S_IFIFO : type == AE_IFCHR ? S_IFCHR : S_IFBLK;
    if (mknodat(dir->fd, name, kind | (m.mode & 0777), archive_entry_rdev(e)) < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": mknod", path);
    return apply_node_meta(u, dir, name, path, &m, false, err);
}

/* ".wh..wh..opq" marks its directory opaque; ".wh.NAME" becomes the overlay
 * whiteout for NAME, a 0/0 character device. */
static int handle_whiteout(struct unpacker *u, struct archive_entry *e, const char *raw,
                           const char *dirpath, struct unpack_dir *dir, const char *name,
                           struct sk_error *err)
{
    if (strcmp(name, WHITEOUT_OPAQUE) == 0) {
        const char *xname = u->opts->userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
        _cleanup_close_ int fd = openat(dir->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsetxattr(fd, xname, "y", 1, 0) < 0)
            return sk_error_errno(err, errno, "tar entry \"%s\": mark directory opaque", raw);
        return 0;
    }
    const char *victim = name + strlen(WHITEOUT_PREFIX);
    if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
        return hostile(err, raw, "invalid whiteout");
    _cleanup_free_ char *vpath =
        *dirpath ? sk_asprintf("%s/%s", dirpath, victim) : sk_strdup(victim);
    struct unpack_meta m;
    if (meta_from_entry(e, raw, false, &m, err) < 0)
        return -1;
    if (prepare_target(u, dir, vpath, victim, false, err) < 0)
        return -1;
    if (mknodat(dir->fd, victim, S_IFCHR, makedev(0, 0)) < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": create whiteout", raw);
    return unpack_chown(&u->opts->idmap, dir->fd, victim, m.uid, m.gid, raw, err);
}

/* aufs bookkeeping (.wh..wh.plnk/..., .wh..wh.aufs): not part of the image. */
static bool is_aufs_meta(const char *path)
{
    for (const char *c = path; c; c = strchr(c, '/'), c = c ? c + 1 : NULL) {
        if (sk_str_has_prefix(c, WHITEOUT_META_PREFIX) &&
            !(strcmp(c, WHITEOUT_OPAQUE) == 0 && !strchr(c, '/')))
            return true;
    }
    return false;
}

static int unpack_entry(struct unpacker *u, struct archive_entry *e, struct sk_error *err)
{
    const char *raw = archive_entry_pathname(e);
    if (!raw)
        return hostile(err, "", "no name");
    _cleanup_free_ char *path = NULL;
    const char *why = clean_path(raw, &path);
    if (why)
        return hostile(err, raw, "%s", why);
    if (is_aufs_meta(path))
        return 0;
    mode_t type = archive_entry_filetype(e);
    bool hardlink = archive_entry_hardlink(e) != NULL;
    if (!*path && (hardlink || type != AE_IFDIR))
        return hostile(err, raw, "replaces the layer root");

    const char *slash = strrchr(path, '/');
    _cleanup_free_ char *dirpath = slash ? sk_strndup(path, (size_t)(slash - path)) : sk_strdup("");
    const char *name = slash ? slash + 1 : *path ? path : ".";
    _cleanup_(dir_unrefp) struct unpack_dir *dir = NULL;
    if (resolve_dir(u, raw, dirpath, &dir, err) < 0)
        return -1;

    if (sk_str_has_prefix(name, WHITEOUT_PREFIX))
        return handle_whiteout(u, e, raw, dirpath, dir, name, err);
    if (hardlink)
        return handle_hardlink(u, e, raw, path, dir, name, err);
    switch (type) {
    case AE_IFREG:
        return handle_file(u, e, raw, path, dir, name, err);
    case AE_IFDIR:
        return handle_dir(u, e, raw, path, dir, name, err);
    case AE_IFLNK:
        return handle_symlink(u, e, raw, path, dir, name, err);
    case AE_IFIFO:
    case AE_IFCHR:
    case AE_IFBLK:
        return handle_node(u, e, raw, path, dir, name, err);
    default:
        return hostile(err, raw, "unsupported entry type 0%o", (unsigned)type);
    }
}

static int dir_record_cmp(const void *a, const void *b)
{
    const struct dir_record *x = a, *y = b;
    if (x->depth != y->depth)
        return x->depth > y->depth ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Deepest first, so a read-only parent is locked last. */
static int apply_dir_records(struct unpacker *u, struct sk_error *err)
{
    if (u->ndirs > 1)
        qsort(u->dirs, u->ndirs, sizeof(*u->dirs), dir_record_cmp);
    for (size_t i = 0; i < u->ndirs; i++) {
        const struct dir_record *d = &u->dirs[i];
        const char *path = *d->path ? d->path : ".";
        _cleanup_close_ int fd =
            unpack_open_beneath(u->root, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd < 0 && (errno == ENOENT || errno == ENOTDIR || errno == ELOOP))
            continue; /* a later entry replaced it */
        if (fd < 0)
            return sk_error_errno(err, errno, "tar entry \"%s\": open", path);
        if (unpack_chown(&u->opts->idmap, fd, "", d->meta.uid, d->meta.gid, path, err) < 0)
            return -1;
        if (fchmod(fd, d->meta.mode) < 0)
            return sk_error_errno(err, errno, "tar entry \"%s\": chmod", path);
        if (futimens(fd, d->meta.times) < 0)
            return sk_error_errno(err, errno, "tar entry \"%s\": set times", path);
    }
    return 0;
}

int storage_unpack_layer(int blob_fd, int dest_dirfd, const struct storage_unpack_opts *opts,
                         struct storage_unpack_result *ret, struct sk_error *err)
{
    static const struct storage_unpack_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    int nworkers = opts->nworkers > 0 ? opts->nworkers : UNPACK_DEFAULT_WORKERS;
    if (nworkers > UNPACK_MAX_WORKERS)
        nworkers = UNPACK_MAX_WORKERS;

    _cleanup_(unpacker_clear) struct unpacker u = {.root = dest_dirfd, .opts = opts};
    u.hasher = sk_hasher_new(opts->diff_algo);
    u.blob = archive_read_new();
    u.tar = archive_read_new();
    if (!u.blob || !u.tar)
        return sk_error_set(err, ENOMEM, "unpack layer: out of memory");
    /* The compressions the OCI image spec defines (none, gzip, zstd), built
     * into libarchive: never an external decompressor program. */
    archive_read_support_filter_gzip(u.blob);
    archive_read_support_filter_zstd(u.blob);
    archive_read_support_format_raw(u.blob);
    archive_read_support_format_empty(u.blob);
    struct archive_entry *e;
    int r = archive_read_open_fd(u.blob, blob_fd, UNPACK_READ_BLOCK);
    if (r == ARCHIVE_OK)
        r = archive_read_next_header(u.blob, &e);
    if (r == ARCHIVE_EOF)
        return sk_error_set(err, EINVAL, "empty layer: no tar data");
    if (r != ARCHIVE_OK) {
        const char *msg = archive_error_string(u.blob);
        return sk_error_set(err, EINVAL, "decompress layer: %s", msg ? msg : "unknown error");
    }
    archive_read_support_format_tar(u.tar); /* ustar, pax and GNU; no filters */
    if (archive_read_open(u.tar, &u, NULL, feed_tar, NULL) != ARCHIVE_OK)
        return tar_error(&u, err);
    if (unpack_pool_start(&u.pool, nworkers, &opts->idmap, err) < 0)
        return -1;

    for (;;) {
        r = archive_read_next_header(u.tar, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) /* WARN: e.g. a name not valid in this locale; bytes kept */
            return tar_error(&u, err);
        if (unpack_entry(&u, e, err) < 0)
            return -1;
        u.res.nentries++;
    }
    /* The end-of-archive blocks and any padding are part of the diff_id. */
    while (!u.blob_eof) {
        const void *buf;
        if (feed_tar(u.tar, &u, &buf) < 0)
            return tar_error(&u, err);
    }
    if (unpack_pool_barrier(u.pool, err) < 0)
        return -1;
    if (apply_dir_records(&u, err) < 0)
        return -1;
    sk_hasher_final(u.hasher, u.res.diff_id);
    *ret = u.res;
    return 0;
}
