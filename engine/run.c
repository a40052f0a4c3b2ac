/* Running containers in the foreground: `skiff start --attach` and `skiff run`.
 * The container's process inherits our stdio, or with --tty (process.terminal
 * in the bundle) gets a pty of its own that the runtime relays to our stdio
 * (runtime_run without a console socket); the built-in runtime
 * (runtime/) creates it from the bundle that init wrote, waits for it and
 * reports its exit status. Detached containers and their monitor come later. */
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/container.h"
#include "runtime/runtime.h"
#include "storage/container.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int engine_runtime_prepare(struct sk_error *err) { return runtime_reexec_sealed(err); }

static void runtime_warning(void *data, const char *msg)
{
    (void)data;
    fprintf(stderr, "skiff: warning: %s\n", msg); /* the runtime's only output path */
}

static char *runtime_root(struct engine *e) { return sk_asprintf("%s/runtime", e->st->runroot); }

static void now_rfc3339(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sk_format_rfc3339(ts.tv_sec, ts.tv_nsec, buf, len);
}

static int set_state(struct engine *e, const char *id, json_t *state, struct sk_error *err)
{
    _cleanup_json_ json_t *changes = json_pack("{s:O}", "state", state);
    return storage_container_update(e->st, id, changes, err);
}

/* podman's exit codes: 126 the command cannot be invoked, 127 not found,
 * 125 any other failure to run it. */
static int exit_code_for(const struct sk_error *err)
{
    if (strstr(err->msg, "executable file not found") || strstr(err->msg, "no such file"))
        return 127;
    if (err->code == EACCES || strstr(err->msg, "ermission denied"))
        return 126;
    return 125;
}

int engine_container_start_attached(struct engine *e, const char *what, int *ret_status,
                                    struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    if (storage_container_lookup(e->st, what, &rec, err) < 0) {
        *ret_status = 125;
        return -1;
    }
    char id[65];
    snprintf(id, sizeof(id), "%s", sk_json_str(rec, "id"));
    const char *status = sk_json_str(json_object_get(rec, "state"), "status");
    if (status && strcmp(status, "running") == 0) {
        *ret_status = 125;
        return sk_error_set(err, EBUSY, "container %.12s is already running", id);
    }
    char init_id[65];
    if (engine_container_init(e, id, init_id, err) < 0) { /* mount + config.json */
        *ret_status = 125;
        return -1;
    }
    _cleanup_free_ char *root = runtime_root(e);
    _cleanup_free_ char *bundle = storage_container_userdata(e->st, id);
    struct runtime_ctx ctx = {.root = root, .warn = runtime_warning};
    struct runtime_create_opts o = {.bundle = bundle};
    char started[64];
    now_rfc3339(started, sizeof(started));
    _cleanup_json_ json_t *running =
        json_pack("{s:s, s:s}", "status", "running", "startedAt", started);
    if (set_state(e, id, running, err) < 0) {
        storage_container_unmount(e->st, id, false, NULL); /* init's mount */
        *ret_status = 125;
        return -1;
    }
    int exit_status = 0;
    struct sk_error run_err = {0};
    int r = runtime_run(&ctx, id, &o, false, &exit_status, &run_err);
    char finished[64];
    now_rfc3339(finished, sizeof(finished));
    /* The runtime's mount from init goes with the process. */
    storage_container_unmount(e->st, id, false, NULL);
    _cleanup_json_ json_t *exited = json_pack(
        "{s:s, s:s, s:s, s:i}", "status", r < 0 ? "created" : "exited", "startedAt", started,
        "finishedAt", finished, "exitCode", r < 0 ? exit_code_for(&run_err) : exit_status);
    set_state(e, id, exited, NULL);
    if (r < 0) {
        *ret_status = exit_code_for(&run_err);
        if (err)
            *err = run_err;
        return -1;
    }
    *ret_status = exit_status;
    return 0;
}

/* A record that says running while the runtime has no such live container
 * (the attached skiff was killed, or the machine rebooted) is not running. */
const char *engine_container_live_status(struct engine *e, json_t *rec)
{
    const char *status = sk_json_str(json_object_get(rec, "state"), "status");
    if (!status)
        return "created";
    if (strcmp(status, "running") != 0)
        return status;
    _cleanup_free_ char *root = runtime_root(e);
    struct runtime_ctx ctx = {.root = root};
    _cleanup_json_ json_t *state = NULL;
    if (runtime_state(&ctx, sk_json_str(rec, "id"), &state, NULL) < 0)
        return "exited";
    const char *rs = sk_json_str(state, "status");
    return rs && (strcmp(rs, "running") == 0 || strcmp(rs, "created") == 0) ? "running"
                                                                           : "exited";
}

void engine_container_runtime_forget(struct engine *e, const char *id)
{
    _cleanup_free_ char *root = runtime_root(e);
    struct runtime_ctx ctx = {.root = root};
    runtime_delete(&ctx, id, true, NULL); /* nothing there is fine */
}
