#include "storage/unpack_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"

/* Bytes of file data queued for workers; the main thread blocks beyond it. */
#define POOL_INFLIGHT_MAX (2u << 20)
/* Charged per job on top of its data, so a run of empty files is bounded too. */
#define POOL_JOB_COST 4096u
#define POOL_BUCKETS 1024u /* pending-path hash; jobs in flight are ~2k at most */

/* Without openat2 (kernels before 5.6, seccomp filters, valgrind) the same
 * rules hold by walking one component at a time: a symlink is ELOOP, another
 * filesystem EXDEV, ".." EXDEV (callers clean names, so it never comes). */
static int open_beneath_walk(int dirfd, const char *path, int flags)
{
    struct stat root, st;
    if (fstat(dirfd, &root) < 0)
        return -1;
    _cleanup_free_ char *copy = sk_strdup(path);
    _cleanup_close_ int cur = -1;
    char *save = NULL;
    char *comp = strtok_r(copy, "/", &save);
    if (!comp || strcmp(comp, ".") == 0)
        return openat(dirfd, ".", flags | O_CLOEXEC);
    while (comp) {
        char *next = strtok_r(NULL, "/", &save);
        int at = cur >= 0 ? cur : dirfd;
        int code = 0;
        if (strcmp(comp, "..") == 0)
            code = EXDEV;
        else if (fstatat(at, comp, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return -1;
        else if (S_ISLNK(st.st_mode))
            code = ELOOP;
        else if (st.st_dev != root.st_dev)
            code = EXDEV;
        else if (next && !S_ISDIR(st.st_mode))
            code = ENOTDIR;
        if (code) {
            errno = code;
            return -1;
        }
        int fd = openat(at, comp, (next ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return -1;
        if (cur >= 0)
            close(cur);
        cur = fd;
        comp = next;
    }
    return SK_STEAL_FD(cur);
}

int unpack_open_beneath(int dirfd, const char *path, int flags)
{
    static int no_openat2; /* set once openat2 said ENOSYS */
    if (!__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) {
        struct open_how how = {.flags = (unsigned)flags | O_CLOEXEC,
                               .resolve = UNPACK_RESOLVE_FLAGS};
        int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        if (fd >= 0 || errno != ENOSYS)
            return fd;
        __atomic_store_n(&no_openat2, 1, __ATOMIC_RELAXED);
    }
    return open_beneath_walk(dirfd, path, flags);
}

void unpack_meta_clear(struct unpack_meta *m)
{
    for (size_t i = 0; i < m->nxattrs; i++) {
        free(m->xattrs[i].name);
        free(m->xattrs[i].value);
    }
    free(m->xattrs);
    m->xattrs = NULL;
    m->nxattrs = 0;
}

int unpack_chown(const struct storage_idmap *idmap, int fd, const char *name, uid_t uid, gid_t gid,
                 const char *entry, struct sk_error *err)
{
    if (!idmap->chown)
        return 0;
    int flags = AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH);
    if (fchownat(fd, name, uid, gid, flags) < 0) {
        if (errno == EINVAL) /* an ID the user namespace does not map */
            return sk_error_set(err, EOVERFLOW,
                                "tar entry \"%s\": owner %u:%u is not mapped in the user "
                                "namespace (potentially insufficient UIDs or GIDs available in "
                                "user namespace)",
                                entry, (unsigned)uid, (unsigned)gid);
        return sk_error_errno(err, errno, "tar entry \"%s\": chown %u:%u", entry, (unsigned)uid,
                              (unsigned)gid);
    }
    return 0;
}

/* The kernel may refuse trusted.* and security.* on some filesystems; an
 * image is still usable without them. user.* is the image's data. */
static bool xattr_optional(const char *name)
{
    return sk_str_has_prefix(name, "trusted.") || sk_str_has_prefix(name, "security.");
}

int unpack_set_xattrs(int fd, bool path_fd, const struct unpack_meta *m, const char *entry,
                      struct sk_error *err)
{
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    for (size_t i = 0; i < m->nxattrs; i++) {
        const struct unpack_xattr *x = &m->xattrs[i];
        /* An O_PATH fd has no fsetxattr; its /proc magic link leads to the
         * object itself (the symlink, not its target). */
        int r = path_fd ? setxattr(proc, x->name, x->value, x->size, 0)
                        : fsetxattr(fd, x->name, x->value, x->size, 0);
        /* EPERM: trusted.* in a user namespace (rootless) */
        if (r < 0 && !((errno == EOPNOTSUPP || errno == EPERM) && xattr_optional(x->name)))
            return sk_error_errno(err, errno, "tar entry \"%s\": set xattr %s", entry, x->name);
    }
    return 0;
}

int unpack_create_file(int dirfd, const char *name, const char *entry, struct sk_error *err)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": create", entry);
    return fd;
}

int unpack_finish_file(const struct storage_idmap *idmap, int fd, const struct unpack_meta *m,
                       const char *entry, struct sk_error *err)
{
    if (unpack_chown(idmap, fd, "", m->uid, m->gid, entry, err) < 0)
        return -1;
    if (fchmod(fd, m->mode) < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": chmod", entry);
    if (unpack_set_xattrs(fd, false, m, entry, err) < 0)
        return -1;
    if (futimens(fd, m->times) < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": set times", entry);
    return 0;
}

struct unpack_dir *unpack_dir_new(int fd)
{
    struct unpack_dir *d = sk_malloc(sizeof(*d));
    d->fd = fd;
    d->refs = 1;
    return d;
}

struct unpack_dir *unpack_dir_ref(struct unpack_dir *d)
{
    __atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
    return d;
}

void unpack_dir_unref(struct unpack_dir *d)
{
    if (d && __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        close(d->fd);
        free(d);
    }
}

static void job_free(struct unpack_job *job)
{
    unpack_dir_unref(job->dir);
    free(job->path);
    free(job->data);
    unpack_meta_clear(&job->meta);
    free(job);
}

static int job_run(const struct storage_idmap *idmap, const struct unpack_job *job,
                   struct sk_error *err)
{
    _cleanup_close_ int fd = unpack_create_file(job->dir->fd, job->name, job->path, err);
    if (fd < 0)
        return -1;
    const char *p = job->data;
    for (size_t left = job->len; left > 0;) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return sk_error_errno(err, errno, "tar entry \"%s\": write", job->path);
        p += n;
        left -= (size_t)n;
    }
    if (unpack_finish_file(idmap, fd, &job->meta, job->path, err) < 0)
        return -1;
    if (close(SK_STEAL_FD(fd)) < 0)
        return sk_error_errno(err, errno, "tar entry \"%s\": close", job->path);
    return 0;
}

struct unpack_pool {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a job was queued, or stop */
    pthread_cond_t done; /* a job finished */
    pthread_t *threads;
    int nthreads;
    const struct storage_idmap *idmap;
    struct unpack_job *head, *tail;
    struct unpack_job *pending[POOL_BUCKETS]; /* queued or running, by path */
    size_t inflight;                          /* bytes charged by those jobs */
    size_t nactive;                           /* number of those jobs */
    bool stop;
    bool failed; /* first worker error is in err; later jobs are skipped */
    struct sk_error err;
};

static size_t path_bucket(const char *path)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)path; *c; c++)
        h = (h ^ *c) * 16777619u;
    return h % POOL_BUCKETS;
}

static size_t job_cost(const struct unpack_job *job)
{
    return job->len + POOL_JOB_COST;
}

static void *worker_main(void *arg)
{
    struct unpack_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stop)
            pthread_cond_wait(&p->work, &p->lock);
        if (!p->head)
            break;
        struct unpack_job *job = p->head;
        p->head = job->next;
        if (!p->head)
            p->tail = NULL;
        bool skip = p->failed;
        pthread_mutex_unlock(&p->lock);

        struct sk_error err = {0};
        int r = skip ? 0 : job_run(p->idmap, job, &err);

        pthread_mutex_lock(&p->lock);
        if (r < 0 && !p->failed) {
            p->failed = true;
            p->err = err;
        }
        struct unpack_job **link = &p->pending[path_bucket(job->path)];
        while (*link != job)
            link = &(*link)->hnext;
        *link = job->hnext;
        p->inflight -= job_cost(job);
        p->nactive--;
        pthread_cond_broadcast(&p->done);
        pthread_mutex_unlock(&p->lock);
        job_free(job);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int unpack_pool_start(struct unpack_pool **ret, int nworkers, const struct storage_idmap *idmap,
                      struct sk_error *err)
{
    struct unpack_pool *p = sk_calloc(1, sizeof(*p));
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->idmap = idmap;
    p->threads = sk_calloc((size_t)nworkers, sizeof(*p->threads));
    for (; p->nthreads < nworkers; p->nthreads++) {
        int r = pthread_create(&p->threads[p->nthreads], NULL, worker_main, p);
        if (r != 0) {
            unpack_pool_free(p);
            return sk_error_errno(err, r, "start unpack worker");
        }
    }
    *ret = p;
    return 0;
}

static int pool_error(struct unpack_pool *p, struct sk_error *err)
{
    if (err)
        *err = p->err;
    return -1;
}

int unpack_pool_submit(struct unpack_pool *p, struct unpack_job *job, struct sk_error *err)
{
    size_t cost = job_cost(job);
    pthread_mutex_lock(&p->lock);
    while (!p->failed && p->nactive > 0 && p->inflight + cost > POOL_INFLIGHT_MAX)
        pthread_cond_wait(&p->done, &p->lock);
    if (p->failed) {
        int r = pool_error(p, err);
        pthread_mutex_unlock(&p->lock);
        job_free(job);
        return r;
    }
    job->next = NULL;
    if (p->tail)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    size_t b = path_bucket(job->path);
    job->hnext = p->pending[b];
    p->pending[b] = job;
    p->inflight += cost;
    p->nactive++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

bool unpack_pool_pending(struct unpack_pool *p, const char *path)
{
    size_t b = path_bucket(path);
    bool found = false;
    pthread_mutex_lock(&p->lock);
    for (struct unpack_job *j = p->pending[b]; j && !found; j = j->hnext)
        found = strcmp(j->path, path) == 0;
    pthread_mutex_unlock(&p->lock);
    return found;
}

int unpack_pool_barrier(struct unpack_pool *p, struct sk_error *err)
{
    pthread_mutex_lock(&p->lock);
    while (p->nactive > 0)
        pthread_cond_wait(&p->done, &p->lock);
    int r = p->failed ? pool_error(p, err) : 0;
    pthread_mutex_unlock(&p->lock);
    return r;
}

void unpack_pool_free(struct unpack_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    p->failed = true; /* whatever is still queued is dropped, not written */
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
