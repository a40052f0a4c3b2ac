/* The on-disk store. Every byte skiff keeps lives here (see docs/architecture.md):
 *
 *   <root>/storage.lock          exclusive lock for metadata changes
 *   <root>/images.json           image records (atomic rewrite under the lock)
 *   <root>/blobs/<algo>/<hex>    manifests and configs, content-addressed
 *   <root>/layers/<hex>/diff/    one unpacked layer, keyed by its diff_id
 *   <root>/layers/<hex>/layer.json  {diff_id, compressed digest, size}
 *   <root>/tmp/<owner>/          one per running skiff process (downloads,
 *   <root>/tmp/<owner>.lock      unpacks, trash), locked while it lives;
 *                                removed by the next process once unlocked
 *   <runroot>/                   run state (mounts, container state) later
 *
 * Crash safety: anything visible under blobs/, layers/ or images.json is
 * complete, because it is written elsewhere first and renamed into place.
 * A process killed at any point leaves only its tmp/<owner>, which the next
 * storage_open() removes. */
#ifndef SKIFF_STORAGE_STORE_H
#define SKIFF_STORAGE_STORE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "common/lock.h"

struct storage {
    char *root;
    char *runroot;
    char *tmpdir;          /* this process's workspace, created lazily */
    struct sk_lock tmp_lock;
    pthread_mutex_t tmp_mu; /* several pull threads ask for tmp paths */
};

int storage_open(const char *root, const char *runroot, struct storage **ret,
                 struct sk_error *err);
void storage_close(struct storage *st);
static inline void storage_closep(struct storage **st) { storage_close(*st); }
#define _cleanup_storage_ __attribute__((cleanup(storage_closep)))

/* The exclusive metadata lock; hold it briefly. */
int storage_lock(struct storage *st, struct sk_lock *lock, struct sk_error *err);

/* A fresh path inside this process's workspace (not created). */
int storage_tmp_path(struct storage *st, const char *name, char **ret_path,
                     struct sk_error *err);

/* Content-addressed blobs (manifests, configs); put verifies the digest. */
int storage_blob_put(struct storage *st, const char *digest, const void *data, size_t len,
                     struct sk_error *err);
int storage_blob_get(struct storage *st, const char *digest, char **ret_data, size_t *ret_len,
                     struct sk_error *err);
bool storage_blob_exists(struct storage *st, const char *digest);

/* Layers, keyed by diff_id. */
bool storage_layer_exists(struct storage *st, const char *diff_id);
char *storage_layer_path(struct storage *st, const char *diff_id); /* .../layers/<hex>/diff */
/* Move a finished unpack (dir holding diff/) into place. If another process
 * committed the same layer meanwhile, ours is discarded. */
int storage_layer_commit(struct storage *st, const char *diff_id, const char *tmp_layer_dir,
                         const char *compressed_digest, int64_t size, struct sk_error *err);
/* Pin layers for the life of this process: storage_image_remove never deletes
 * a layer pinned by a live process. A pull pins its layers before it checks
 * which ones it already has, so none can vanish before its image is recorded. */
int storage_layers_pin(struct storage *st, json_t *diff_ids, struct sk_error *err);

/* Uncompressed size recorded at commit; -1 when unknown. */
int64_t storage_layer_size(struct storage *st, const char *diff_id);

/* Image records (JSON objects):
 *   {"id": hex config digest, "digest": pulled manifest digest, "names": [...],
 *    "repoDigests": [...], "config": digest, "manifest": digest, "manifestType": mt,
 *    "layers": [diff_id...], "size": bytes, "created": rfc3339, "pulled": rfc3339}
 * storage_images_read returns a new reference to an array. */
int storage_images_read(struct storage *st, json_t **ret, struct sk_error *err);
/* Add or merge (same id: names and repoDigests are unioned). Names given move
 * from any other image to this one, like a tag. Fails if a layer is missing. */
int storage_image_add(struct storage *st, json_t *record, struct sk_error *err);
/* Replace the names of image id (tag/untag). */
int storage_image_set_names(struct storage *st, const char *id, json_t *names,
                            struct sk_error *err);
/* Remove image id; its layers that no other image uses are deleted.
 * keep_layers lists diff_ids in use by other things (containers). */
int storage_image_remove(struct storage *st, const char *id, struct sk_error *err);

#endif
