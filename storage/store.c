#include "storage/store.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "storage/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const STORE_DIRS[] = {"blobs/sha256", "blobs/sha512", "layers", "tmp"};

/* Remove workspaces of processes that are gone (their lock is free). */
static void reap_stale_tmp(const char *root)
{
    _cleanup_free_ char *tmp = sk_asprintf("%s/tmp", root);
    _cleanup_closedir_ DIR *d = opendir(tmp);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!sk_str_has_suffix(de->d_name, ".lock"))
            continue;
        _cleanup_free_ char *lock = sk_asprintf("%s/%s", tmp, de->d_name);
        _cleanup_close_ int fd = open(lock, O_RDWR | O_CLOEXEC);
        if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
            continue;
        _cleanup_free_ char *dir = sk_strndup(lock, strlen(lock) - 5);
        if (sk_rm_rf(dir, NULL) == 0)
            unlink(lock);
    }
}

int storage_open(const char *root, const char *runroot, struct storage **ret,
                 struct sk_error *err)
{
    if (sk_mkdir_p(root, 0700, err) < 0 || sk_mkdir_p(runroot, 0700, err) < 0)
        return sk_error_prefix(err, "open store");
    for (size_t i = 0; i < SK_ARRAY_SIZE(STORE_DIRS); i++) {
        _cleanup_free_ char *p = sk_asprintf("%s/%s", root, STORE_DIRS[i]);
        if (mkdir(p, 0700) < 0 && errno != EEXIST && sk_mkdir_p(p, 0700, err) < 0)
            return sk_error_prefix(err, "open store");
    }
    reap_stale_tmp(root);
    struct storage *st = sk_calloc(1, sizeof(*st));
    st->root = sk_strdup(root);
    st->runroot = sk_strdup(runroot);
    st->tmp_lock.fd = -1;
    pthread_mutex_init(&st->tmp_mu, NULL);
    *ret = st;
    return 0;
}

void storage_close(struct storage *st)
{
    if (!st)
        return;
    if (st->tmpdir) {
        sk_rm_rf(st->tmpdir, NULL);
        _cleanup_free_ char *lock = sk_asprintf("%s.lock", st->tmpdir);
        unlink(lock);
    }
    sk_lock_release(&st->tmp_lock);
    pthread_mutex_destroy(&st->tmp_mu);
    free(st->tmpdir);
    free(st->root);
    free(st->runroot);
    free(st);
}

int storage_lock(struct storage *st, struct sk_lock *lock, struct sk_error *err)
{
    _cleanup_free_ char *p = sk_asprintf("%s/storage.lock", st->root);
    return sk_lock_acquire(lock, p, false, err);
}

static int ensure_tmpdir(struct storage *st, struct sk_error *err)
{
    if (st->tmpdir)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    _cleanup_free_ char *dir =
        sk_asprintf("%s/tmp/%d-%lx%lx", st->root, (int)getpid(), (long)ts.tv_sec, ts.tv_nsec);
    _cleanup_free_ char *lock = sk_asprintf("%s.lock", dir);
    if (sk_lock_acquire(&st->tmp_lock, lock, false, err) < 0)
        return -1;
    if (mkdir(dir, 0700) < 0) {
        sk_lock_release(&st->tmp_lock);
        unlink(lock);
        return sk_error_errno(err, errno, "mkdir %s", dir);
    }
    st->tmpdir = SK_STEAL(dir);
    return 0;
}

int storage_tmp_path(struct storage *st, const char *name, char **ret_path, struct sk_error *err)
{
    static unsigned counter;
    pthread_mutex_lock(&st->tmp_mu);
    int r = ensure_tmpdir(st, err);
    pthread_mutex_unlock(&st->tmp_mu);
    if (r < 0)
        return -1;
    *ret_path = sk_asprintf("%s/%s-%u", st->tmpdir, name,
                            __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
    return 0;
}

/* ---- blobs ---------------------------------------------------------------- */

static char *blob_path(struct storage *st, const char *digest)
{
    const char *colon = strchr(digest, ':');
    return sk_asprintf("%s/blobs/%.*s/%s", st->root, (int)(colon - digest), digest, colon + 1);
}

int storage_blob_put(struct storage *st, const char *digest, const void *data, size_t len,
                     struct sk_error *err)
{
    enum sk_digest_algo algo;
    if (sk_digest_parse(digest, &algo, err) < 0)
        return -1;
    char got[SK_DIGEST_MAX];
    sk_digest_buffer(algo, data, len, got);
    if (strcmp(got, digest) != 0)
        return sk_error_set(err, EBADMSG, "store blob %s: content has digest %s", digest, got);
    _cleanup_free_ char *p = blob_path(st, digest);
    if (sk_path_exists(p))
        return 0;
    return sk_write_file_atomic(p, data, len, 0644, err);
}

int storage_blob_get(struct storage *st, const char *digest, char **ret_data, size_t *ret_len,
                     struct sk_error *err)
{
    if (sk_digest_parse(digest, NULL, err) < 0)
        return -1;
    _cleanup_free_ char *p = blob_path(st, digest);
    return sk_read_file(p, ret_data, ret_len, err);
}

bool storage_blob_exists(struct storage *st, const char *digest)
{
    if (!sk_digest_valid(digest))
        return false;
    _cleanup_free_ char *p = blob_path(st, digest);
    return sk_path_exists(p);
}

/* ---- layers --------------------------------------------------------------- */

static char *layer_dir(struct storage *st, const char *diff_id)
{
    return sk_asprintf("%s/layers/%s", st->root, sk_digest_hex(diff_id));
}

bool storage_layer_exists(struct storage *st, const char *diff_id)
{
    if (!sk_digest_valid(diff_id))
        return false;
    _cleanup_free_ char *p = sk_asprintf("%s/layers/%s/layer.json", st->root,
                                         sk_digest_hex(diff_id));
    return sk_path_exists(p);
}

char *storage_layer_path(struct storage *st, const char *diff_id)
{
    return sk_asprintf("%s/layers/%s/diff", st->root, sk_digest_hex(diff_id));
}

int storage_layer_commit(struct storage *st, const char *diff_id, const char *tmp_layer_dir,
                         const char *compressed_digest, int64_t size, struct sk_error *err)
{
    _cleanup_json_ json_t *meta = json_pack("{s:s, s:s?, s:I}", "diffID", diff_id,
                                            "compressedDigest", compressed_digest, "size",
                                            (json_int_t)size);
    _cleanup_free_ char *meta_path = sk_asprintf("%s/layer.json", tmp_layer_dir);
    if (sk_json_save_file(meta_path, meta, false, err) < 0)
        return -1;
    _cleanup_free_ char *dst = layer_dir(st, diff_id);
    if (rename(tmp_layer_dir, dst) == 0) {
        sk_fsync_dir(dst);
        return 0;
    }
    if (errno == EEXIST || errno == ENOTEMPTY) /* someone else won the race */
        return sk_rm_rf(tmp_layer_dir, err);
    return sk_error_errno(err, errno, "commit layer %s", diff_id);
}

int64_t storage_layer_size(struct storage *st, const char *diff_id)
{
    _cleanup_free_ char *p = sk_asprintf("%s/layers/%s/layer.json", st->root,
                                         sk_digest_hex(diff_id));
    _cleanup_json_ json_t *j = sk_json_load_file(p, NULL);
    return j ? sk_json_int(j, "size", -1) : -1;
}

/* ---- pins ------------------------------------------------------------------ */

#define PINS_FILE "pins.json"

int storage_layers_pin(struct storage *st, json_t *diff_ids, struct sk_error *err)
{
    struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
    pthread_mutex_lock(&st->tmp_mu);
    int r = ensure_tmpdir(st, err);
    pthread_mutex_unlock(&st->tmp_mu);
    if (r < 0 || storage_lock(st, &lock, err) < 0)
        return -1;
    _cleanup_free_ char *path = sk_asprintf("%s/%s", st->tmpdir, PINS_FILE);
    _cleanup_json_ json_t *pins = sk_path_exists(path) ? sk_json_load_file(path, NULL) : NULL;
    if (!json_is_array(pins)) {
        json_decref(pins);
        pins = json_array();
    }
    json_array_extend(pins, diff_ids);
    return sk_json_save_file(path, pins, false, err);
}

/* Layers pinned by live processes (their workspace lock is held). */
static json_t *live_pins(struct storage *st)
{
    json_t *all = json_array();
    _cleanup_free_ char *tmp = sk_asprintf("%s/tmp", st->root);
    _cleanup_closedir_ DIR *d = opendir(tmp);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (!sk_str_has_suffix(de->d_name, ".lock"))
            continue;
        _cleanup_free_ char *lock = sk_asprintf("%s/%s", tmp, de->d_name);
        _cleanup_free_ char *dir = sk_strndup(lock, strlen(lock) - 5);
        bool mine = st->tmpdir && strcmp(dir, st->tmpdir) == 0;
        if (!mine) {
            _cleanup_close_ int fd = open(lock, O_RDWR | O_CLOEXEC);
            if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) == 0)
                continue; /* its process is gone: its pins are void */
        }
        _cleanup_free_ char *path = sk_asprintf("%s/%s", dir, PINS_FILE);
        _cleanup_json_ json_t *pins = sk_path_exists(path) ? sk_json_load_file(path, NULL) : NULL;
        if (json_is_array(pins))
            json_array_extend(all, pins);
    }
    return all;
}

/* ---- image records ------------------------------------------------------- */

static char *images_path(struct storage *st) { return sk_asprintf("%s/images.json", st->root); }

int storage_images_read(struct storage *st, json_t **ret, struct sk_error *err)
{
    _cleanup_free_ char *p = images_path(st);
    if (!sk_path_exists(p)) {
        *ret = json_array();
        return 0;
    }
    json_t *doc = sk_json_load_file(p, err);
    if (!doc)
        return sk_error_prefix(err, "read image records");
    json_t *arr = json_object_get(doc, "images");
    if (!json_is_array(arr)) {
        json_decref(doc);
        return sk_error_set(err, EBADMSG, "read image records %s: no \"images\" array", p);
    }
    *ret = json_incref(arr);
    json_decref(doc);
    return 0;
}

static int images_write(struct storage *st, json_t *arr, struct sk_error *err)
{
    _cleanup_free_ char *p = images_path(st);
    _cleanup_json_ json_t *doc = json_pack("{s:i, s:O}", "version", 1, "images", arr);
    return sk_json_save_file(p, doc, true, err);
}

static void strings_remove(json_t *arr, const char *s)
{
    for (size_t i = json_array_size(arr); i-- > 0;)
        if (strcmp(json_string_value(json_array_get(arr, i)) ?: "", s) == 0)
            json_array_remove(arr, i);
}

static void strings_union(json_t *dst, json_t *src)
{
    size_t i;
    json_t *v;
    json_array_foreach(src, i, v) {
        size_t k;
        json_t *w;
        bool found = false;
        json_array_foreach(dst, k, w) found = found || json_equal(v, w);
        if (!found)
            json_array_append(dst, v);
    }
}

/* Names belong to one image at a time: take names away from every image but
 * id (like moving a tag). Returns the record of id, or NULL. */
static json_t *claim_names(json_t *images, const char *id, json_t *names)
{
    size_t i, k;
    json_t *img, *n, *found = NULL;
    json_array_foreach(images, i, img) {
        if (strcmp(sk_json_str(img, "id") ?: "", id) == 0) {
            found = img;
            continue;
        }
        json_array_foreach(names, k, n) strings_remove(json_object_get(img, "names"),
                                                       json_string_value(n));
    }
    return found;
}

int storage_image_add(struct storage *st, json_t *record, struct sk_error *err)
{
    struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
    if (storage_lock(st, &lock, err) < 0)
        return -1;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(record, "layers"), i, v) {
        if (!storage_layer_exists(st, json_string_value(v)))
            return sk_error_set(err, ENOENT, "layer %s is missing (removed concurrently?)",
                                json_string_value(v));
    }
    _cleanup_json_ json_t *images = NULL;
    if (storage_images_read(st, &images, err) < 0)
        return -1;
    json_t *names = json_object_get(record, "names");
    json_t *existing = claim_names(images, sk_json_str(record, "id"), names);
    if (existing) {
        strings_union(json_object_get(existing, "names"), names);
        strings_union(json_object_get(existing, "repoDigests"),
                      json_object_get(record, "repoDigests"));
        json_object_set(existing, "digest", json_object_get(record, "digest"));
        json_object_set(existing, "pulled", json_object_get(record, "pulled"));
    } else {
        json_array_append(images, record);
    }
    return images_write(st, images, err);
}

int storage_image_set_names(struct storage *st, const char *id, json_t *names,
                            struct sk_error *err)
{
    struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
    if (storage_lock(st, &lock, err) < 0)
        return -1;
    _cleanup_json_ json_t *images = NULL;
    if (storage_images_read(st, &images, err) < 0)
        return -1;
    json_t *img = claim_names(images, id, names);
    if (!img)
        return sk_error_set(err, ENOENT, "image %s not known", id);
    json_object_set(img, "names", names);
    return images_write(st, images, err);
}

static bool layer_used(json_t *images, const char *diff_id)
{
    size_t i, k;
    json_t *img, *l;
    json_array_foreach(images, i, img) {
        json_array_foreach(json_object_get(img, "layers"), k, l) {
            if (strcmp(json_string_value(l) ?: "", diff_id) == 0)
                return true;
        }
    }
    return false;
}

static bool blob_used(json_t *images, const char *digest)
{
    static const char *const keys[] = {"config", "manifest", "digest"};
    size_t i;
    json_t *img;
    json_array_foreach(images, i, img) {
        for (size_t k = 0; k < SK_ARRAY_SIZE(keys); k++)
            if (strcmp(sk_json_str(img, keys[k]) ?: "", digest) == 0)
                return true;
    }
    return false;
}

/* The image's manifest(s) and config, unless another image still refers to them. */
static void remove_image_blobs(struct storage *st, json_t *removed, json_t *images)
{
    static const char *const keys[] = {"config", "manifest", "digest"};
    for (size_t k = 0; k < SK_ARRAY_SIZE(keys); k++) {
        const char *digest = sk_json_str(removed, keys[k]);
        if (!digest || !sk_digest_valid(digest) || blob_used(images, digest))
            continue;
        _cleanup_free_ char *p = blob_path(st, digest);
        unlink(p);
    }
}

int storage_image_remove(struct storage *st, const char *id, struct sk_error *err)
{
    _cleanup_strv_ char **trash = NULL;
    {
        struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
        if (storage_lock(st, &lock, err) < 0)
            return -1;
        _cleanup_json_ json_t *images = NULL;
        if (storage_images_read(st, &images, err) < 0)
            return -1;
        size_t i;
        json_t *img;
        _cleanup_json_ json_t *removed = NULL;
        json_array_foreach(images, i, img) {
            if (strcmp(sk_json_str(img, "id") ?: "", id) == 0) {
                removed = json_incref(img);
                json_array_remove(images, i);
                break;
            }
        }
        if (!removed)
            return sk_error_set(err, ENOENT, "image %s not known", id);
        /* Record first: a crash after this leaves only unreferenced layers. */
        if (images_write(st, images, err) < 0)
            return -1;
        remove_image_blobs(st, removed, images);
        json_t *l;
        _cleanup_json_ json_t *pinned = live_pins(st);
        json_array_foreach(json_object_get(removed, "layers"), i, l) {
            const char *diff_id = json_string_value(l);
            if (!diff_id || layer_used(images, diff_id) || !sk_digest_valid(diff_id) ||
                sk_json_strv_contains(pinned, diff_id))
                continue;
            storage_layer_drop_link(st, diff_id); /* its short l/ link, if any */
            _cleanup_free_ char *src = layer_dir(st, diff_id);
            _cleanup_free_ char *dst = NULL;
            if (storage_tmp_path(st, "trash", &dst, err) < 0)
                return -1;
            if (rename(src, dst) == 0)
                sk_strv_push(&trash, dst);
        }
    }
    for (size_t i = 0; trash && trash[i]; i++) /* slow part, outside the lock */
        if (sk_rm_rf(trash[i], err) < 0)
            return -1;
    return 0;
}
