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
    void (*warn)(const char *msg); /* flags skiff ignores, as podman does; NULL drops them */
};

int engine_container_create(struct engine *e, const struct engine_create_opts *o,
                            char ret_id[65], struct sk_error *err);
/* Mount the rootfs and write userdata/config.json (+ hostname, hosts, resolv.conf). */
int engine_container_init(struct engine *e, const char *what, char ret_id[65],
                          struct sk_error *err);
/* Mount the rootfs; *ret_path: where the caller reaches it
 * (engine_mount_caller_path), *ret_note a line for the user or NULL. A
 * rootless fuse-overlayfs rootfs, asked for from the user's shell, is
 * refused (EPERM): nothing there could reach it. */
int engine_container_mount(struct engine *e, const char *what, char **ret_path, char **ret_note,
                           struct sk_error *err);
/* A mounted rootfs (merged, in skiff's mount namespace) as the caller reaches
 * it: merged itself for root and inside `skiff unshare`; for a rootless
 * command run from the user's shell, through the pause process's root
 * (/proc/PID/root/...: the user's own shell may read and write there). A
 * fuse-overlayfs mount is out of the shell's reach: merged, and *ret_note
 * says so. */
char *engine_mount_caller_path(const char *driver, const char *merged, char **ret_note);
int engine_container_unmount(struct engine *e, const char *what, bool force, char ret_id[65],
                             struct sk_error *err);
/* A running container only with force: stopped first (stop_timeout as for
 * engine_container_stop). */
int engine_container_remove(struct engine *e, const char *what, bool force, int stop_timeout,
                            char ret_id[65], struct sk_error *err);
/* Records, newest first, each with "status" filled in. */
int engine_containers_list(struct engine *e, json_t **ret, struct sk_error *err);
/* The newest container's ID (by its record's "created", no live status
 * computed): 1, or 0 and "" when there is no container. For --latest. */
int engine_container_latest(struct engine *e, char ret_id[65], struct sk_error *err);
/* podman-style inspect document. */
int engine_container_inspect(struct engine *e, const char *what, json_t **ret,
                             struct sk_error *err);
/* IDs of containers using the image (for rmi). */
int engine_image_users(struct engine *e, const char *image_id, json_t **ret,
                       struct sk_error *err);

/* Remove every container using the image (rmi --force). */
int engine_image_remove_users(struct engine *e, const char *image_id, struct sk_error *err);

/* ---- running (engine/run.c, attach.c, lifecycle.c) ----------------------- */

/* Before running containers: re-execute from a sealed copy of the binary
 * (CVE-2019-5736); call first thing, it restarts the command. */
int engine_runtime_prepare(struct sk_error *err);

struct engine_start_opts {
    bool attach;    /* relay the container's output and wait for its exit */
    bool stdin;     /* with attach: our stdin to it (if created with -i) */
    bool sig_proxy; /* with attach: pass our signals on to it */
    void (*warn)(const char *msg); /* the runtime's warnings */
};
/* Start a created or exited container under a monitor (engine/monitor.h).
 * Detached: returns once it runs (*ret_code 0; starting a running container
 * is no error). Attached: returns when it exited, *ret_code its exit code.
 * When it cannot start: -1 and *ret_code podman's 125/126/127. */
int engine_container_start(struct engine *e, const char *what, const struct engine_start_opts *o,
                           char ret_id[65], int *ret_code, struct sk_error *err);

struct engine_attach_opts {
    bool tty;       /* the container has a terminal: raw mode, window size */
    bool stdin;     /* relay our stdin */
    bool sig_proxy; /* pass our signals on to the container */
};
/* Attach to a running container's monitor until the container exits. */
int engine_container_attach(struct engine *e, const char *what, const struct engine_attach_opts *o,
                            int *ret_code, struct sk_error *err);
/* The relay over a connected monitor socket (start -a, run). */
int engine_attach_session(struct engine *e, const char *id, int fd,
                          const struct engine_attach_opts *o, int *ret_code, struct sk_error *err);

/* Stop: the stop signal, then after timeout seconds (-1: the container's
 * --stop-timeout, default 10; 0: at once) SIGKILL to everything in it. Returns
 * once the exit is recorded. A container that does not run is no error. */
int engine_container_stop(struct engine *e, const char *what, int timeout, char ret_id[65],
                          struct sk_error *err);
/* Signal a running container's init (an error if it does not run). */
int engine_container_kill(struct engine *e, const char *what, int sig, char ret_id[65],
                          struct sk_error *err);
/* Wait until the container has exited; its exit code. */
int engine_container_wait(struct engine *e, const char *what, int *ret_code,
                          struct sk_error *err);
int engine_container_restart(struct engine *e, const char *what, int timeout,
                             const struct engine_start_opts *o, char ret_id[65],
                             struct sk_error *err);

/* Drop whatever the runtime still holds for the container. */
void engine_container_runtime_forget(struct engine *e, const char *id);
/* The record's status, made true first: a "running" record whose monitor is
 * gone is settled (exit recorded, mounts and runtime state released) and rec
 * updated. "created", "initialized", "running" or "exited". */
const char *engine_container_live_status(struct engine *e, json_t *rec);
/* Wait until no monitor runs the container, then settle its record. */
int engine_container_settle(struct engine *e, const char *id, struct sk_error *err);
/* Merge fields into the record's "state". */
int engine_container_state_update(struct engine *e, const char *id, json_t *fields,
                                  struct sk_error *err);

#endif
