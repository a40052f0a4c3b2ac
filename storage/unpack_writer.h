/* Internals of the layer unpacker (storage/unpack.c): entry metadata, the
 * safe open helper, and the pool of threads that create regular files.
 *
 * Creating a file costs hundreds of microseconds on a journaling filesystem,
 * so regular files are written by worker threads while the main thread keeps
 * decompressing. The main thread resolves every parent directory itself and
 * hands the worker a reference to that already-checked directory fd; the
 * worker creates the file beneath it with O_CREAT|O_EXCL|O_NOFOLLOW, so it
 * never walks a path. Not part of the storage API. */
#ifndef SKIFF_STORAGE_UNPACK_WRITER_H
#define SKIFF_STORAGE_UNPACK_WRITER_H

#include <linux/openat2.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "common/error.h"
#include "storage/unpack.h"

#define UNPACK_RESOLVE_FLAGS                                                                       \
    (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

/* openat2 beneath dirfd with UNPACK_RESOLVE_FLAGS; O_CLOEXEC is added. */
int unpack_open_beneath(int dirfd, const char *path, int flags);

struct unpack_xattr {
    char *name;
    void *value;
    size_t size;
};

struct unpack_meta {
    mode_t mode; /* permission bits including setuid/setgid/sticky */
    uid_t uid;
    gid_t gid;
    struct timespec times[2]; /* atime, mtime */
    struct unpack_xattr *xattrs;
    size_t nxattrs;
};

void unpack_meta_clear(struct unpack_meta *m);

/* The only place ownership is applied; idmap decides whether and how.
 * name "" means fd itself. Never follows a symlink. */
int unpack_chown(const struct storage_idmap *idmap, int fd, const char *name, uid_t uid, gid_t gid,
                 const char *entry, struct sk_error *err);
/* Set m's xattrs on fd; path_fd says fd is O_PATH (symlinks, fifos, devices). */
int unpack_set_xattrs(int fd, bool path_fd, const struct unpack_meta *m, const char *entry,
                      struct sk_error *err);

/* Create a new regular file name beneath dirfd (never follows, never reuses). */
int unpack_create_file(int dirfd, const char *name, const char *entry, struct sk_error *err);
/* Owner, mode (after the chown, which clears setuid), xattrs, times. */
int unpack_finish_file(const struct storage_idmap *idmap, int fd, const struct unpack_meta *m,
                       const char *entry, struct sk_error *err);

/* A resolved directory inside the layer (O_PATH fd), shared by queued jobs. */
struct unpack_dir {
    int fd;
    int refs;
};
struct unpack_dir *unpack_dir_new(int fd);
struct unpack_dir *unpack_dir_ref(struct unpack_dir *d);
void unpack_dir_unref(struct unpack_dir *d);

/* One regular file for a worker. The job owns everything it points to. */
struct unpack_job {
    struct unpack_job *next;  /* queue */
    struct unpack_job *hnext; /* pending-path hash chain */
    struct unpack_dir *dir;
    char *path;       /* cleaned path inside the layer, for lookups and messages */
    const char *name; /* last component, points into path */
    void *data;
    size_t len;
    struct unpack_meta meta;
};

struct unpack_pool;

int unpack_pool_start(struct unpack_pool **ret, int nworkers, const struct storage_idmap *idmap,
                      struct sk_error *err);
/* Queue a job (always consumed). Blocks while too much data is in flight.
 * Fails with the first worker error once one has happened. */
int unpack_pool_submit(struct unpack_pool *p, struct unpack_job *job, struct sk_error *err);
/* True while a job for path is queued or running. */
bool unpack_pool_pending(struct unpack_pool *p, const char *path);
/* Wait until every queued job is done; fails with the first worker error. */
int unpack_pool_barrier(struct unpack_pool *p, struct sk_error *err);
/* Stop and join the workers; jobs not yet started are dropped. NULL is fine. */
void unpack_pool_free(struct unpack_pool *p);
static inline void unpack_pool_freep(struct unpack_pool **p)
{
    unpack_pool_free(*p);
}
#define _cleanup_pool_ __attribute__((cleanup(unpack_pool_freep)))

#endif
