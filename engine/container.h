/* Containers: create (pull if needed, record, storage), init (mount + spec),
 * mount/unmount, remove, list, inspect. */
#ifndef SKIFF_ENGINE_CONTAINER_H
#define SKIFF_ENGINE_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"
#include "engine/engine.h"

/* podman's --pull */
enum engine_pull_policy { PULL_MISSING, PULL_ALWAYS, PULL_NEVER, PULL_NEWER };
int engine_pull_policy_parse(const char *s, enum engine_pull_policy *ret, struct sk_error *err);

struct engine_create_opts {
    const char *image;
    json_t *flags; /* raw flag values (see engine/spec.h) plus "command": [...] */
    enum engine_pull_policy pull;
    const struct engine_pull_opts *pull_opts;
    const char *driver; /* --storage-driver, or NULL for the configured default */
};

int engine_container_create(struct engine *e, const struct engine_create_opts *o,
                            char ret_id[65], struct sk_error *err);
/* Mount the rootfs and write userdata/config.json (+ hostname, hosts, resolv.conf). */
int engine_container_init(struct engine *e, const char *what, char ret_id[65],
                          struct sk_error *err);
int engine_container_mount(struct engine *e, const char *what, char **ret_merged,
                           struct sk_error *err);
int engine_container_unmount(struct engine *e, const char *what, bool force, char ret_id[65],
                             struct sk_error *err);
int engine_container_remove(struct engine *e, const char *what, bool force, char ret_id[65],
                            struct sk_error *err);
/* Records, newest first, each with "status" filled in. */
int engine_containers_list(struct engine *e, json_t **ret, struct sk_error *err);
/* podman-style inspect document. */
int engine_container_inspect(struct engine *e, const char *what, json_t **ret,
                             struct sk_error *err);
/* IDs of containers using the image (for rmi). */
int engine_image_users(struct engine *e, const char *image_id, json_t **ret,
                       struct sk_error *err);

/* Remove every container using the image (rmi --force). */
int engine_image_remove_users(struct engine *e, const char *image_id, struct sk_error *err);

/* ---- running (engine/run.c) -------------------------------------------- */

/* Before running containers: re-execute from a sealed copy of the binary
 * (CVE-2019-5736); call first thing, it restarts the command. */
int engine_runtime_prepare(struct sk_error *err);
/* Start the container with our stdio and wait for it; *ret_status is the
 * container's exit code, or podman's 125/126/127 when it could not run. */
int engine_container_start_attached(struct engine *e, const char *what, int *ret_status,
                                    struct sk_error *err);
/* Drop whatever the runtime still holds for the container (killed runs). */
void engine_container_runtime_forget(struct engine *e, const char *id);
/* The record's status, checked against the runtime for "running". */
const char *engine_container_live_status(struct engine *e, json_t *rec);

#endif
