/* Starting containers, and keeping what their records say true.
 *
 * A start takes the container's monitor lock (no monitor may be alive),
 * settles a stale record, inits the container (rootfs mounted, config.json)
 * and hands it to a new monitor (engine/monitor.c), which runs it, records
 * its exit and cleans up. A record that says "running" while nobody holds
 * the monitor lock is stale: its monitor was killed, or the machine rebooted
 * (the lock lives under --runroot). Whoever notices first finishes the
 * monitor's job under the lock (settle_locked), so `ps`, `inspect`, `start`,
 * `rm` and friends never show a dead container as running. */
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/container.h"
#include "engine/monitor.h"
#include "runtime/runtime.h"
#include "storage/container.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int engine_runtime_prepare(struct sk_error *err) { return runtime_reexec_sealed(err); }

int engine_container_state_update(struct engine *e, const char *id, json_t *fields,
                                  struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    if (storage_container_lookup(e->st, id, &rec, err) < 0)
        return -1;
    json_t *old = json_object_get(rec, "state");
    json_t *state = json_is_object(old) ? json_deep_copy(old) : json_object();
    json_object_update(state, fields);
    _cleanup_json_ json_t *changes = json_pack("{s:o}", "state", state);
    return storage_container_update(e->st, id, changes, err);
}

/* With the monitor lock held (so no monitor is alive): finish what a dead
 * monitor left of a "running" record. False when the container still runs
 * (its monitor was killed, not the container): nothing to settle yet. */
static bool settle_locked(struct engine *e, json_t *rec)
{
    json_t *state = json_object_get(rec, "state");
    if (strcmp(sk_json_str(state, "status") ?: "", "running") != 0)
        return true;
    const char *id = sk_json_str(rec, "id");
    _cleanup_free_ char *rt_root = engine_runtime_root(e);
    struct runtime_ctx ctx = {.root = rt_root};
    _cleanup_json_ json_t *rt = NULL;
    if (runtime_state(&ctx, id, &rt, NULL) == 0 &&
        strcmp(sk_json_str(rt, "status") ?: "", "stopped") != 0)
        return false;
    runtime_delete(&ctx, id, true, NULL);
    storage_container_unmount(e->st, id, false, NULL); /* the run's mount */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char now[64];
    sk_format_rfc3339(ts.tv_sec, ts.tv_nsec, now, sizeof(now));
    /* Nobody saw the exit: its code is unknown (podman's -1 too). */
    _cleanup_json_ json_t *fields = json_pack("{s:s, s:i, s:s, s:i}", "status", "exited",
                                              "exitCode", -1, "finishedAt", now, "pid", 0);
    engine_container_state_update(e, id, fields, NULL);
    json_object_update(state, fields);
    json_t *flags = json_object_get(json_object_get(rec, "config"), "flags");
    if (json_is_true(json_object_get(flags, "rm"))) {
        char removed[65];
        engine_container_remove(e, id, false, 0, removed, NULL);
    }
    return true;
}

const char *engine_container_live_status(struct engine *e, json_t *rec)
{
    json_t *state = json_object_get(rec, "state");
    const char *status = sk_json_str(state, "status");
    if (!status)
        return "created";
    if (strcmp(status, "running") != 0)
        return status;
    const char *id = sk_json_str(rec, "id");
    _cleanup_lock_ struct sk_lock lock = SK_LOCK_INIT;
    if (engine_monitor_lock(e, id, false, &lock, NULL) != 0)
        return status; /* its monitor is alive (or we cannot tell) */
    _cleanup_json_ json_t *fresh = NULL;
    if (storage_container_lookup(e->st, id, &fresh, NULL) < 0)
        return status;
    json_t *fresh_state = json_object_get(fresh, "state");
    bool was_running = strcmp(sk_json_str(fresh_state, "status") ?: "", "running") == 0;
    if (was_running && !settle_locked(e, fresh))
        return status; /* it runs on without its monitor: nothing changed */
    /* Changed: update rec's state in place, so that pointers callers hold to
     * the object stay valid. */
    if (json_is_object(state)) {
        json_object_clear(state);
        json_object_update(state, fresh_state);
    } else {
        json_object_set(rec, "state", fresh_state);
    }
    return sk_json_str(json_object_get(rec, "state"), "status") ?: "created";
}

int engine_container_settle(struct engine *e, const char *id, struct sk_error *err)
{
    _cleanup_lock_ struct sk_lock lock = SK_LOCK_INIT;
    if (engine_monitor_lock(e, id, true, &lock, err) < 0)
        return -1;
    _cleanup_json_ json_t *rec = NULL;
    if (storage_container_lookup(e->st, id, &rec, NULL) < 0)
        return 0; /* removed (--rm) */
    settle_locked(e, rec);
    return 0;
}

void engine_container_runtime_forget(struct engine *e, const char *id)
{
    _cleanup_free_ char *root = engine_runtime_root(e);
    struct runtime_ctx ctx = {.root = root};
    runtime_delete(&ctx, id, true, NULL); /* nothing there is fine */
}

int engine_container_start(struct engine *e, const char *what, const struct engine_start_opts *o,
                           char ret_id[65], int *ret_code, struct sk_error *err)
{
    *ret_code = 125;
    _cleanup_json_ json_t *rec = NULL;
    if (storage_container_lookup(e->st, what, &rec, err) < 0)
        return -1;
    const char *id = sk_json_str(rec, "id");
    snprintf(ret_id, 65, "%s", id);
    _cleanup_lock_ struct sk_lock lock = SK_LOCK_INIT;
    int r = engine_monitor_lock(e, id, false, &lock, err);
    if (r < 0)
        return -1;
    if (r == 1 || !settle_locked(e, rec)) {
        if (!o->attach) { /* podman: starting a running container is no error */
            *ret_code = 0;
            return 0;
        }
        return sk_error_set(err, EBUSY, "container %.12s is already running (use skiff attach)",
                            id);
    }
    char init_id[65];
    json_t *flags = json_object_get(json_object_get(rec, "config"), "flags");
    if (engine_container_init(e, id, init_id, err) < 0) { /* mount + config.json */
        /* A --rm container that cannot start goes, as when its monitor
         * reports a failed start (podman's run --rm and start alike);
         * another keeps why for inspect's State.Error. */
        if (json_is_true(json_object_get(flags, "rm"))) {
            char removed[65];
            engine_container_remove(e, id, false, 0, removed, NULL);
        } else if (err) {
            _cleanup_json_ json_t *fields = json_pack("{s:s}", "error", err->msg);
            engine_container_state_update(e, id, fields, NULL);
        }
        return -1;
    }
    int sv[2] = {-1, -1};
    if (o->attach && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        storage_container_unmount(e->st, id, false, NULL);
        return sk_error_errno(err, errno, "socketpair");
    }
    _cleanup_close_ int client = sv[0];
    struct monitor_opts mo = {
        .tty = json_is_true(json_object_get(flags, "tty")),
        .interactive = json_is_true(json_object_get(flags, "interactive")),
        .autoremove = json_is_true(json_object_get(flags, "rm")),
        .client_fd = sv[1],
    };
    pid_t pid;
    r = engine_monitor_start(e, id, &mo, lock.fd, o->warn, &pid, ret_code, err);
    if (sv[1] >= 0)
        close(sv[1]);
    sk_lock_release(&lock); /* the monitor holds it now */
    if (r < 0)
        return -1;
    if (!o->attach)
        return 0;
    struct engine_attach_opts ao = {
        .tty = mo.tty, .stdin = o->stdin && mo.interactive, .sig_proxy = o->sig_proxy};
    return engine_attach_session(e, id, client, &ao, ret_code, err);
}
