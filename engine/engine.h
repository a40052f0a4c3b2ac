/* The engine turns a user's request into registry, storage (and later spec
 * and runtime) calls. One struct engine per command; it owns the store handle
 * and the registries configuration. It never prints: commands get results
 * and events (struct engine_events) and decide what to show. */
#ifndef SKIFF_ENGINE_ENGINE_H
#define SKIFF_ENGINE_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "registry/client.h"
#include "registry/regconf.h"
#include "storage/store.h"

struct engine_opts {
    const char *root;           /* --root, or NULL for the default */
    const char *runroot;        /* --runroot, or NULL for the default */
    const char *storage_driver; /* --storage-driver, or NULL for storage.conf's */
};

struct engine {
    struct storage *st;
    struct registry_conf regconf;
    bool regconf_loaded;
    char *storage_driver; /* from --storage-driver or storage.conf; NULL: not settled yet */
};

/* Default root and runroot for this user. Root: /var/lib/skiff, /run/skiff.
 * Rootless (common/rootless.h): $XDG_DATA_HOME/skiff (~/.local/share/skiff)
 * and <runtime dir>/skiff, the runtime dir being $XDG_RUNTIME_DIR, else
 * /run/user/UID when it is the user's, else /tmp/skiff-run-UID (0700, checked;
 * engine_rootless_runtime_dir in engine/userns.h). */
int engine_default_root(char **ret, struct sk_error *err);
int engine_default_runroot(char **ret, struct sk_error *err);
int engine_open(const struct engine_opts *opts, struct engine **ret, struct sk_error *err);
void engine_close(struct engine *e);
static inline void engine_closep(struct engine **e) { engine_close(*e); }
#define _cleanup_engine_ __attribute__((cleanup(engine_closep)))

/* The storage driver for new containers: --storage-driver, else storage.conf
 * ([storage] driver = "overlay" | "fuse-overlayfs"; a mount_program under
 * [storage.options.overlay] also means fuse-overlayfs), else "overlay" (for a
 * rootless user, where the kernel lets its overlay mount in a user namespace:
 * storage_overlay_native_ok; else fuse-overlayfs).
 * storage.conf: $SKIFF_STORAGE_CONF, else the per-user
 * $XDG_CONFIG_HOME/skiff/storage.conf when not root and present, else
 * /etc/skiff/storage.conf. */
const char *engine_storage_driver(struct engine *e);

/* registries.conf, loaded on first use. */
int engine_regconf(struct engine *e, const struct registry_conf **ret, struct sk_error *err);

/* ---- pull ---------------------------------------------------------------- */

/* Progress events, called from several threads; index is the layer's position. */
struct engine_events {
    void *ctx;
    void (*trying)(void *ctx, const char *name);
    void (*blob_start)(void *ctx, int index, const char *digest, int64_t size, bool have);
    void (*blob_progress)(void *ctx, int index, int64_t done, int64_t total);
    void (*blob_done)(void *ctx, int index);
    void (*config)(void *ctx, const char *digest);
    void (*writing_manifest)(void *ctx);
    /* Something the user should know that does not stop the pull. */
    void (*warning)(void *ctx, const char *msg);
};

struct engine_pull_opts {
    const char *creds;
    const char *authfile;
    const char *cert_dir;
    int tls_verify;       /* -1 unset (registries.conf decides), 0, 1 */
    const char *platform; /* "os/arch[/variant]" or NULL for the host */
    const char *os, *arch, *variant; /* override parts of the platform */
    int jobs;             /* parallel layers; 0 = default */
    const struct engine_events *events;
};

/* Pull ref into the store; ret_id receives the image ID (hex config digest). */
int engine_pull(struct engine *e, const char *ref, const struct engine_pull_opts *opts,
                char ret_id[65], struct sk_error *err);

/* ---- images -------------------------------------------------------------- */

/* Find an image by ID, ID prefix, name (short names too) or repo digest.
 * *ret is a new reference to its record. */
int engine_image_lookup(struct engine *e, const char *what, json_t **ret, struct sk_error *err);
/* podman-style inspect document for an image. */
int engine_image_inspect(struct engine *e, const char *what, json_t **ret, struct sk_error *err);
int engine_image_tag(struct engine *e, const char *what, const char *new_name,
                     struct sk_error *err);
/* Remove by name (untags when the image has other names) or ID.
 * Reports what happened through the callbacks. */
struct engine_rmi_report {
    void *ctx;
    void (*untagged)(void *ctx, const char *name);
    void (*deleted)(void *ctx, const char *id);
};
int engine_image_remove(struct engine *e, const char *what, bool force,
                        const struct engine_rmi_report *report, struct sk_error *err);
/* Remove the image with all its names unless a container uses it (EBUSY then;
 * rmi -a and prune, which never touch containers). */
int engine_image_remove_unused(struct engine *e, const char *what,
                               const struct engine_rmi_report *report, struct sk_error *err);

/* The image's config blob, parsed. */
int engine_image_config(struct engine *e, json_t *record, json_t **ret, struct sk_error *err);

#endif
