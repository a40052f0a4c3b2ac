/* skiff pull: resolve the name, talk to the registry, verify, unpack, record.
 *
 * Flow: reference -> candidate names (short names through
 * unqualified-search-registries) -> registries.conf (blocked, mirrors,
 * location, insecure) -> manifest (index: pick the platform) -> config ->
 * layers (up to `jobs` at once: download to the workspace verified against
 * the digest, unpack, check the diff_id, commit) -> image record. */
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/rootless.h"
#include "common/util.h"
#include "engine/defaults.h"
#include "engine/engine.h"
#include "engine/userns.h"
#include "registry/manifest.h"
#include "registry/reference.h"
#include "storage/unpack.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Bytes buffered between a layer's download and its unpack. */
#define LAYER_PIPE_SIZE (1 << 20)

/* Where one pull attempt gets its bytes from. */
struct source {
    const char *name;     /* the name the image is recorded under: "domain/path" */
    const char *location; /* where to fetch: "host[:port]/path" */
    bool insecure;
};

struct pull {
    struct engine *e;
    const struct engine_pull_opts *opts;
    const struct registry_ref *ref;
    struct registry_client *client;
    const char *repo; /* path part of location */
};

/* ---- layers, in parallel -------------------------------------------------- */

struct layer_job {
    const struct registry_descriptor *desc;
    const char *diff_id;
    int index;
};

struct layer_pool {
    struct pull *p;
    struct layer_job *jobs;
    size_t njobs, next;
    pthread_mutex_t mu;
    bool failed;
    struct sk_error err; /* the first failure */
};

struct progress_ctx {
    const struct engine_events *ev;
    int index;
};

static void on_blob_progress(void *ctx, int64_t done, int64_t total)
{
    struct progress_ctx *pc = ctx;
    if (pc->ev && pc->ev->blob_progress)
        pc->ev->blob_progress(pc->ev->ctx, pc->index, done, total);
}

static int unpack_into(struct pull *p, int blob_fd, const char *layer_tmp, const char *diff_id,
                       int64_t *ret_size, struct sk_error *err)
{
    _cleanup_free_ char *diff = sk_asprintf("%s/diff", layer_tmp);
    if (mkdir(layer_tmp, 0700) < 0 || mkdir(diff, 0755) < 0)
        return sk_error_errno(err, errno, "mkdir %s", diff);
    _cleanup_close_ int dfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return sk_error_errno(err, errno, "open %s", diff);
    enum sk_digest_algo algo = SK_DIGEST_SHA256;
    sk_digest_parse(diff_id, &algo, NULL);
    /* Rootless: inside skiff's user namespace (engine/userns.c), uid 0 there. */
    bool rootless = sk_rootless();
    struct storage_unpack_opts uo = {
        .idmap = {.chown = geteuid() == 0},
        .allow_devices = !rootless && geteuid() == 0,
        .skip_devices = rootless,
        .userxattr = rootless,
        .nworkers = SKIFF_UNPACK_WRITERS,
        .diff_algo = algo,
    };
    struct storage_unpack_result res;
    if (storage_unpack_layer(blob_fd, dfd, &uo, &res, err) < 0) {
        _cleanup_free_ char *hint = err && err->code == EOVERFLOW ? engine_userns_id_hint() : NULL;
        if (hint) {
            size_t len = strlen(err->msg);
            snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", hint);
        }
        return -1;
    }
    if (strcmp(res.diff_id, diff_id) != 0)
        return sk_error_set(err, EBADMSG,
                            "uncompressed layer digest %s does not match the config's diff_id %s",
                            res.diff_id, diff_id);
    if (res.nskipped_devices > 0 && p->opts->events && p->opts->events->warning) {
        _cleanup_free_ char *msg = sk_asprintf(
            "rootless: layer %s: %lld device node%s left out (a user namespace cannot make "
            "them; containers of this image will not have them)",
            diff_id, (long long)res.nskipped_devices, res.nskipped_devices == 1 ? "" : "s");
        p->opts->events->warning(p->opts->events->ctx, msg);
    }
    *ret_size = res.size;
    return 0;
}

/* The download half of a layer job: registry -> pipe. */
struct download {
    struct pull *p;
    const struct layer_job *job;
    int fd; /* write end of the pipe; closed when done */
    int rc;
    struct sk_error err;
};

static void *download_thread(void *arg)
{
    struct download *d = arg;
    /* If the unpacker gives up and closes its end, write() must fail with
     * EPIPE here rather than kill the process with SIGPIPE. */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    struct progress_ctx pc = {d->p->opts->events, d->job->index};
    d->rc = registry_get_blob(d->p->client, d->p->repo, d->job->desc->digest,
                              d->job->desc->size, d->fd, on_blob_progress, &pc, &d->err);
    close(d->fd);
    return NULL;
}

/* Download and unpack one layer at once, streaming through a pipe; commit it
 * only when both the blob digest and the diff_id check out. */
static int layer_fetch(struct pull *p, const struct layer_job *job, struct sk_error *err)
{
    struct storage *st = p->e->st;
    const struct engine_events *ev = p->opts->events;
    _cleanup_free_ char *layer_tmp = NULL;
    if (storage_tmp_path(st, "layer", &layer_tmp, err) < 0)
        return -1;
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return sk_error_errno(err, errno, "pipe");
    fcntl(pfd[1], F_SETPIPE_SZ, LAYER_PIPE_SIZE); /* smoother streaming; best effort */
    struct download d = {.p = p, .job = job, .fd = pfd[1]};
    pthread_t tid;
    if (pthread_create(&tid, NULL, download_thread, &d) != 0) {
        close(pfd[0]);
        close(pfd[1]);
        return sk_error_set(err, EAGAIN, "cannot start a download thread");
    }
    int64_t size = 0;
    struct sk_error unpack_err = {0};
    int r = unpack_into(p, pfd[0], layer_tmp, job->diff_id, &size, &unpack_err);
    close(pfd[0]); /* unblocks the downloader if we stopped reading early */
    pthread_join(tid, NULL);
    /* The download's reason comes first: it explains a broken stream; unless
     * it is the broken pipe the unpacker's own failure (a full disk) caused. */
    if (d.rc < 0 && !(r < 0 && d.err.code == EPIPE)) {
        if (err)
            *err = d.err;
        r = -1;
    } else if (r < 0) {
        if (err)
            *err = unpack_err;
        sk_error_prefix(err, "layer %s", job->desc->digest);
    }
    if (r == 0)
        r = storage_layer_commit(st, job->diff_id, layer_tmp, job->desc->digest, size, err);
    if (r < 0) {
        sk_rm_rf(layer_tmp, NULL);
        return -1;
    }
    if (ev && ev->blob_done)
        ev->blob_done(ev->ctx, job->index);
    return 0;
}

static void *layer_worker(void *arg)
{
    struct layer_pool *pool = arg;
    for (;;) {
        pthread_mutex_lock(&pool->mu);
        if (pool->failed || pool->next >= pool->njobs) {
            pthread_mutex_unlock(&pool->mu);
            return NULL;
        }
        struct layer_job *job = &pool->jobs[pool->next++];
        pthread_mutex_unlock(&pool->mu);
        struct sk_error err = {0};
        if (layer_fetch(pool->p, job, &err) < 0) {
            pthread_mutex_lock(&pool->mu);
            if (!pool->failed) {
                pool->failed = true;
                pool->err = err;
            }
            pthread_mutex_unlock(&pool->mu);
            return NULL;
        }
    }
}

static int fetch_layers(struct pull *p, const struct registry_manifest *m, json_t *diff_ids,
                        struct sk_error *err)
{
    const struct engine_events *ev = p->opts->events;
    struct layer_pool pool = {.p = p};
    pool.jobs = sk_calloc(m->nlayers, sizeof(*pool.jobs));
    pthread_mutex_init(&pool.mu, NULL);
    for (size_t i = 0; i < m->nlayers; i++) {
        const char *diff_id = json_string_value(json_array_get(diff_ids, i));
        bool have = storage_layer_exists(p->e->st, diff_id);
        if (ev && ev->blob_start)
            ev->blob_start(ev->ctx, (int)i, m->layers[i].digest, m->layers[i].size, have);
        bool dup = false; /* the same layer twice in one image */
        for (size_t k = 0; k < pool.njobs; k++)
            dup = dup || strcmp(pool.jobs[k].diff_id, diff_id) == 0;
        if (have || dup) {
            if (ev && ev->blob_done)
                ev->blob_done(ev->ctx, (int)i);
            continue;
        }
        pool.jobs[pool.njobs++] = (struct layer_job){&m->layers[i], diff_id, (int)i};
    }
    int jobs = p->opts->jobs > 0 ? p->opts->jobs : SKIFF_PULL_JOBS;
    size_t nthreads = pool.njobs < (size_t)jobs ? pool.njobs : (size_t)jobs;
    pthread_t *threads = sk_calloc(nthreads ? nthreads : 1, sizeof(pthread_t));
    size_t started = 0;
    for (; started < nthreads; started++)
        if (pthread_create(&threads[started], NULL, layer_worker, &pool) != 0)
            break;
    if (started == 0 && pool.njobs > 0)
        layer_worker(&pool); /* could not start threads: do it here */
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    pthread_mutex_destroy(&pool.mu);
    free(pool.jobs);
    if (pool.failed) {
        if (err)
            *err = pool.err;
        return -1;
    }
    return 0;
}

/* ---- manifests and config ------------------------------------------------- */

static int check_config(const char *body, size_t len, const struct registry_manifest *m,
                        json_t **ret, struct sk_error *err)
{
    _cleanup_json_ json_t *cfg = sk_json_parse(body, len, "image config", err);
    if (!cfg)
        return -1;
    json_t *diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
    if (!json_is_object(cfg) || !json_is_array(diff_ids))
        return sk_error_set(err, EBADMSG, "image config: missing rootfs.diff_ids");
    if (json_array_size(diff_ids) != m->nlayers)
        return sk_error_set(err, EBADMSG,
                            "image config lists %zu diff_ids but the manifest has %zu layers",
                            json_array_size(diff_ids), m->nlayers);
    size_t i;
    json_t *d;
    json_array_foreach(diff_ids, i, d) {
        if (sk_digest_parse(json_string_value(d), NULL, err) < 0)
            return sk_error_prefix(err, "image config: rootfs.diff_ids[%zu]", i);
    }
    *ret = SK_STEAL(cfg);
    return 0;
}

static int fetch_config(struct pull *p, const struct registry_manifest *m, json_t **ret,
                        struct sk_error *err)
{
    struct storage *st = p->e->st;
    _cleanup_free_ char *body = NULL;
    size_t len = 0;
    if (storage_blob_exists(st, m->config.digest)) {
        if (storage_blob_get(st, m->config.digest, &body, &len, err) < 0)
            return -1;
    } else {
        if (registry_get_blob_mem(p->client, p->repo, m->config.digest, m->config.size, &body,
                                  &len, err) < 0)
            return -1;
    }
    if (check_config(body, len, m, ret, err) < 0)
        return sk_error_prefix(err, "config %s", m->config.digest);
    return storage_blob_put(st, m->config.digest, body, len, err);
}

static void now_rfc3339(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sk_format_rfc3339(ts.tv_sec, ts.tv_nsec, buf, len);
}

static json_t *image_record(const struct pull *p, const struct source *src,
                            const struct registry_manifest *m, const char *top_digest,
                            const char *manifest_digest, json_t *config)
{
    json_t *names = json_array(), *repo_digests = json_array(), *layers = json_array();
    if (p->ref->tag)
        json_array_append_new(names, json_sprintf("%s:%s", src->name, p->ref->tag));
    json_array_append_new(repo_digests, json_sprintf("%s@%s", src->name, top_digest));
    if (strcmp(top_digest, manifest_digest) != 0)
        json_array_append_new(repo_digests, json_sprintf("%s@%s", src->name, manifest_digest));
    int64_t size = m->config.size;
    json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
    size_t i;
    json_t *d;
    json_array_foreach(diff_ids, i, d) {
        json_array_append(layers, d);
        int64_t ls = storage_layer_size(p->e->st, json_string_value(d));
        size += ls > 0 ? ls : 0;
    }
    char pulled[64];
    now_rfc3339(pulled, sizeof(pulled));
    const char *created = sk_json_str(config, "created");
    return json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:o, s:I, s:s, s:s}", "id",
                     sk_digest_hex(m->config.digest), "digest", top_digest, "names", names,
                     "repoDigests", repo_digests, "config", m->config.digest, "manifest",
                     manifest_digest, "manifestType", m->media_type, "layers", layers, "size",
                     (json_int_t)size, "created", created ? created : pulled, "pulled", pulled);
}

/* Fetch the image manifest for ref; an index is resolved to the wanted platform.
 * ret_digest: the image manifest's digest; top_digest: what ref pointed at. */
static int fetch_manifest(struct pull *p, const struct source *src, struct registry_manifest *m,
                          char top_digest[SK_DIGEST_MAX], char digest[SK_DIGEST_MAX],
                          struct sk_error *err)
{
    const char *ref = p->ref->digest ? p->ref->digest : p->ref->tag;
    _cleanup_free_ char *body = NULL, *ctype = NULL;
    size_t len = 0;
    if (registry_get_manifest(p->client, p->repo, ref, &body, &len, &ctype, top_digest, err) < 0)
        return -1;
    if (registry_manifest_parse(body, len, ctype, m, err) < 0)
        return sk_error_prefix(err, "%s", src->name);
    if (storage_blob_put(p->e->st, top_digest, body, len, err) < 0)
        return -1;
    snprintf(digest, SK_DIGEST_MAX, "%s", top_digest);
    if (m->kind == REGISTRY_MANIFEST_IMAGE)
        return 0;

    struct registry_platform want;
    const struct registry_descriptor *d;
    if (registry_platform_parse(p->opts->platform, &want, err) < 0)
        return -1;
    const char *const parts[] = {p->opts->os, p->opts->arch, p->opts->variant};
    char **fields[] = {&want.os, &want.architecture, &want.variant};
    for (size_t i = 0; i < SK_ARRAY_SIZE(parts); i++) {
        if (parts[i]) {
            free(*fields[i]);
            *fields[i] = sk_strdup(parts[i]);
        }
    }
    int r = registry_index_select(m, &want, &d, err);
    registry_platform_clear(&want);
    if (r < 0)
        return sk_error_prefix(err, "%s", src->name);
    snprintf(digest, SK_DIGEST_MAX, "%s", d->digest);
    registry_manifest_clear(m);
    free(body);
    free(ctype);
    body = ctype = NULL;
    char got[SK_DIGEST_MAX];
    if (registry_get_manifest(p->client, p->repo, digest, &body, &len, &ctype, got, err) < 0)
        return -1;
    if (registry_manifest_parse(body, len, ctype, m, err) < 0)
        return sk_error_prefix(err, "%s@%s", src->name, digest);
    if (m->kind != REGISTRY_MANIFEST_IMAGE)
        return sk_error_set(err, EBADMSG, "%s@%s: an index inside an index", src->name, digest);
    return storage_blob_put(p->e->st, digest, body, len, err);
}

static int pull_from(struct pull *p, const struct source *src, char ret_id[65],
                     struct sk_error *err)
{
    const struct engine_events *ev = p->opts->events;
    char top_digest[SK_DIGEST_MAX], digest[SK_DIGEST_MAX];
    struct registry_manifest m _cleanup_manifest_ = {0};
    _cleanup_json_ json_t *config = NULL;
    if (fetch_manifest(p, src, &m, top_digest, digest, err) < 0 ||
        fetch_config(p, &m, &config, err) < 0)
        return -1;
    json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
    /* Pinned before we look at which layers we have: none can vanish now. */
    if (storage_layers_pin(p->e->st, diff_ids, err) < 0 ||
        fetch_layers(p, &m, diff_ids, err) < 0)
        return -1;
    if (ev && ev->config)
        ev->config(ev->ctx, m.config.digest);
    if (ev && ev->writing_manifest)
        ev->writing_manifest(ev->ctx);
    _cleanup_json_ json_t *rec = image_record(p, src, &m, top_digest, digest, config);
    if (storage_image_add(p->e->st, rec, err) < 0)
        return -1;
    snprintf(ret_id, 65, "%s", sk_digest_hex(m.config.digest));
    return 0;
}

/* ---- names and sources ---------------------------------------------------- */

static int pull_source(struct engine *e, const struct engine_pull_opts *opts,
                       const struct registry_ref *ref, const struct source *src, char ret_id[65],
                       struct sk_error *err)
{
    const char *slash = strchr(src->location, '/');
    _cleanup_free_ char *host = sk_strndup(src->location, (size_t)(slash - src->location));
    struct registry_client_opts co = {
        .creds = opts->creds,
        .authfile = opts->authfile,
        .cert_dir = opts->cert_dir,
        .tls_verify = opts->tls_verify != 0,
        .insecure = opts->tls_verify < 0 && src->insecure,
    };
    _cleanup_client_ struct registry_client *client = NULL;
    if (registry_client_new(host, &co, &client, err) < 0)
        return -1;
    struct pull p = {.e = e, .opts = opts, .ref = ref, .client = client, .repo = slash + 1};
    return pull_from(&p, src, ret_id, err);
}

/* One candidate name: mirrors first, then the (rewritten) location. */
static int pull_name(struct engine *e, const struct engine_pull_opts *opts,
                     const struct registry_ref *ref, struct sk_error *err, char ret_id[65])
{
    const struct registry_conf *conf;
    if (engine_regconf(e, &conf, err) < 0)
        return -1;
    _cleanup_free_ char *name = registry_ref_name(ref);
    _cleanup_free_ char *full = registry_ref_string(ref);
    const struct registry_entry *entry = registry_conf_match(conf, name);
    if (opts->events && opts->events->trying)
        opts->events->trying(opts->events->ctx, full);
    if (entry && entry->blocked)
        return sk_error_set(err, EPERM, "registry %s is blocked in registries.conf", ref->domain);
    /* Mirrors first, as containers-registries.conf(5) says, unless they are
     * limited to pulls by digest (or by tag) and this pull is the other kind. */
    bool by_digest = ref->digest != NULL;
    for (size_t i = 0; entry && i < entry->nmirrors; i++) {
        enum registry_mirror_use use = entry->mirrors[i].use;
        if ((entry->mirror_by_digest_only || use == REGISTRY_MIRROR_DIGEST_ONLY) && !by_digest)
            continue;
        if (use == REGISTRY_MIRROR_TAG_ONLY && by_digest)
            continue;
        _cleanup_free_ char *loc = registry_entry_rewrite(entry, name, entry->mirrors[i].location);
        struct source src = {name, loc, entry->mirrors[i].insecure};
        if (pull_source(e, opts, ref, &src, ret_id, NULL) == 0)
            return 0;
    }
    _cleanup_free_ char *loc = entry && entry->location
                                   ? registry_entry_rewrite(entry, name, entry->location)
                                   : sk_strdup(name);
    struct source src = {name, loc, entry && entry->insecure};
    return pull_source(e, opts, ref, &src, ret_id, err);
}

int engine_pull(struct engine *e, const char *refstr, const struct engine_pull_opts *opts,
                char ret_id[65], struct sk_error *err)
{
    struct registry_ref ref;
    if (registry_ref_parse(refstr, &ref, err) < 0)
        return -1;
    int r;
    if (!registry_ref_is_short(&ref)) {
        r = pull_name(e, opts, &ref, err, ret_id);
        registry_ref_clear(&ref);
        return r;
    }
    const struct registry_conf *conf;
    if (engine_regconf(e, &conf, err) < 0) {
        registry_ref_clear(&ref);
        return -1;
    }
    if (!conf->search || !conf->search[0]) {
        registry_ref_clear(&ref);
        return sk_error_set(err, ENOENT,
                            "short-name \"%s\" did not resolve to an alias and no "
                            "unqualified-search registries are defined in registries.conf",
                            refstr);
    }
    r = -1;
    for (size_t i = 0; conf->search[i]; i++) {
        struct registry_ref q;
        registry_ref_qualify(&ref, conf->search[i], &q);
        struct sk_error one = {0};
        r = pull_name(e, opts, &q, &one, ret_id);
        registry_ref_clear(&q);
        if (r == 0)
            break;
        if (i == 0 && err)
            *err = one; /* report the first registry's reason, as podman does */
    }
    registry_ref_clear(&ref);
    return r;
}
