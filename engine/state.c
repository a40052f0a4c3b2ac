/* A container's live state for ps, inspect and top (see state.h). */
#include "engine/state.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "common/util.h"
#include "engine/container.h"
#include "engine/monitor.h"
#include "engine/spec_defaults.h"
#include "runtime/runtime.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

/* The pid of a container whose live status is known to be running. */
static long long running_pid(struct engine *e, json_t *rec)
{
    long long pid = sk_json_int(json_object_get(rec, "state"), "pid", 0);
    if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
        return pid;
    _cleanup_free_ char *root = engine_runtime_root(e);
    struct runtime_ctx ctx = {.root = root};
    _cleanup_json_ json_t *state = NULL;
    if (runtime_state(&ctx, sk_json_str(rec, "id"), &state, NULL) < 0)
        return 0;
    return sk_json_int(state, "pid", 0);
}

long long engine_container_pid(struct engine *e, json_t *rec)
{
    /* A listed record carries its live status already (engine_containers_list). */
    const char *status = sk_json_str(rec, "status");
    if (!status)
        status = engine_container_live_status(e, rec);
    return strcmp(status, "running") == 0 ? running_pid(e, rec) : 0;
}

/* A record time as Go prints a time.Time in JSON (RFC 3339, fraction
 * trimmed), or the zero time. */
static json_t *time_or_zero(json_t *state, const char *key)
{
    const char *s = sk_json_str(state, key);
    struct sk_time t;
    if (!s || sk_time_parse_rfc3339(s, &t) < 0)
        return json_string(ENGINE_ZERO_TIME);
    char buf[64];
    sk_time_format_rfc3339_nano(&t, buf, sizeof(buf));
    return json_string(buf);
}

json_t *engine_container_state(struct engine *e, json_t *rec)
{
    const char *status = engine_container_live_status(e, rec);
    json_t *state = json_object_get(rec, "state");
    bool running = strcmp(status, "running") == 0;
    long long pid = running ? running_pid(e, rec) : 0;
    long long monitor = running ? sk_json_int(state, "monitorPid", 0) : 0;
    return json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:I, s:I, s:I, s:s, s:o, s:o,"
                     " s:{s:s, s:i, s:n}, s:s, s:s}",
                     "OciVersion", SPEC_OCI_VERSION, "Status", status, "Running", running,
                     "Paused", 0, "Restarting", 0, "OOMKilled",
                     json_is_true(json_object_get(state, "oomKilled")), "Dead", 0, "Pid",
                     (json_int_t)pid, "ConmonPid", (json_int_t)monitor, "ExitCode",
                     (json_int_t)sk_json_int(state, "exitCode", 0), "Error",
                     sk_json_str(state, "error") ?: "", "StartedAt",
                     time_or_zero(state, "startedAt"), "FinishedAt",
                     time_or_zero(state, "finishedAt"), "Health", "Status", "", "FailingStreak",
                     0, "Log", "CheckpointedAt", ENGINE_ZERO_TIME, "RestoredAt",
                     ENGINE_ZERO_TIME);
}
