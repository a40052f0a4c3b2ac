/* Stopping, signalling and waiting for running containers. A running
 * container's record carries its init's pid; the runtime signals it through
 * its state under <runroot>/runtime; its monitor records the exit, so waiting
 * for an exit is waiting for the monitor lock (engine/monitor.h). */
#include "common/cleanup.h"
#include "common/json.h"
#include "common/names.h"
#include "common/proc.h"
#include "common/util.h"
#include "engine/container.h"
#include "engine/monitor.h"
#include "engine/spec.h"
#include "runtime/runtime.h"
#include "storage/container.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#define DEFAULT_STOP_TIMEOUT 10
/* How long a SIGKILLed init may take to be gone (D state, big memory). */
#define KILL_WAIT_MS 10000

/* The record, its ID in ret_id, and whether it runs (the record made true). */
static int lookup_running(struct engine *e, const char *what, json_t **ret, char ret_id[65],
                          bool *ret_running, struct sk_error *err)
{
    if (storage_container_lookup(e->st, what, ret, err) < 0)
        return -1;
    snprintf(ret_id, 65, "%s", sk_json_str(*ret, "id"));
    *ret_running = strcmp(engine_container_live_status(e, *ret), "running") == 0;
    return 0;
}

static int signal_container(struct engine *e, const char *id, int sig, bool all,
                            struct sk_error *err)
{
    _cleanup_free_ char *root = engine_runtime_root(e);
    struct runtime_ctx ctx = {.root = root};
    return runtime_kill(&ctx, id, sig, all, err);
}

/* The stop signal: --stop-signal, else the image's StopSignal, else SIGTERM. */
static int stop_signal(struct engine *e, json_t *rec)
{
    json_t *flags = json_object_get(json_object_get(rec, "config"), "flags");
    _cleanup_json_ json_t *image = NULL, *image_cfg = NULL;
    if (engine_image_lookup(e, sk_json_str(rec, "image"), &image, NULL) == 0)
        engine_image_config(e, image, &image_cfg, NULL);
    return spec_stop_signal(image_cfg, flags);
}

int engine_container_stop(struct engine *e, const char *what, int timeout, char ret_id[65],
                          struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    bool running;
    if (lookup_running(e, what, &rec, ret_id, &running, err) < 0)
        return -1;
    const char *id = ret_id;
    if (!running) /* podman: stopping a stopped container is fine */
        return 0;
    json_t *state = json_object_get(rec, "state");
    if (timeout < 0) {
        json_t *flags = json_object_get(json_object_get(rec, "config"), "flags");
        timeout = (int)sk_json_int(flags, "stop-timeout", DEFAULT_STOP_TIMEOUT);
    }
    pid_t pid = (pid_t)sk_json_int(state, "pid", 0);
    unsigned long long start = sk_pid_start_time(pid);
    if (timeout > 0 && signal_container(e, id, stop_signal(e, rec), false, NULL) == 0 &&
        pid > 0 && sk_pid_wait_gone(pid, start, timeout * 1000) == 0)
        return engine_container_settle(e, id, err);
    /* Too slow (or no time given): everything in its cgroup goes. */
    signal_container(e, id, SIGKILL, true, NULL);
    if (pid > 0)
        sk_pid_wait_gone(pid, start, KILL_WAIT_MS);
    return engine_container_settle(e, id, err);
}

int engine_container_kill(struct engine *e, const char *what, int sig, char ret_id[65],
                          struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    bool running;
    if (lookup_running(e, what, &rec, ret_id, &running, err) < 0)
        return -1;
    const char *id = ret_id;
    if (!running)
        return sk_error_set(err, EINVAL,
                            "can only kill running containers. %.12s is in state %s: container "
                            "state improper",
                            id, engine_container_live_status(e, rec));
    if (signal_container(e, id, sig, false, err) < 0)
        return sk_error_prefix(err, "kill container %.12s", id);
    return 0;
}

int engine_container_wait(struct engine *e, const char *what, int *ret_code,
                          struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    if (storage_container_lookup(e->st, what, &rec, err) < 0)
        return -1;
    char id[65];
    snprintf(id, sizeof(id), "%s", sk_json_str(rec, "id"));
    for (;;) {
        const char *status = engine_container_live_status(e, rec);
        if (strcmp(status, "exited") == 0) {
            *ret_code = (int)sk_json_int(json_object_get(rec, "state"), "exitCode", -1);
            return 0;
        }
        if (strcmp(status, "running") == 0) {
            if (engine_container_settle(e, id, err) < 0)
                return -1;
        } else { /* created: wait for someone to start it */
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        json_decref(rec);
        rec = NULL;
        if (storage_container_lookup(e->st, id, &rec, NULL) < 0)
            return sk_error_set(err, ENOENT, "container %.12s was removed while waiting", id);
    }
}

int engine_container_restart(struct engine *e, const char *what, int timeout,
                             const struct engine_start_opts *o, char ret_id[65],
                             struct sk_error *err)
{
    if (engine_container_stop(e, what, timeout, ret_id, err) < 0)
        return -1;
    int code;
    char id[65];
    return engine_container_start(e, ret_id, o, id, &code, err);
}
