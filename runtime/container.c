/* Operations on existing containers: state, list, kill, delete. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* How long delete --force waits for a SIGKILLed init. */
#define KILL_WAIT_MS 5000

int runtime_state(const struct runtime_ctx *ctx, const char *id, json_t **ret, struct sk_error *err)
{
    _cleanup_free_ char *root = rt_state_root(ctx);
    _cleanup_free_ char *dir = NULL;
    _cleanup_close_ int dirfd = -1;
    if (rt_state_open_dir(root, id, false, &dir, &dirfd, err) < 0)
        return -1;
    _cleanup_json_ json_t *state = rt_state_load(dir, NULL);
    *ret = rt_state_public(dir, id, state, rt_state_status(dir, state));
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(sk_json_str(*(json_t *const *)a, "id"), sk_json_str(*(json_t *const *)b, "id"));
}

int runtime_list(const struct runtime_ctx *ctx, json_t **ret, struct sk_error *err)
{
    _cleanup_free_ char *root = rt_state_root(ctx);
    json_t *arr = json_array();
    _cleanup_closedir_ DIR *d = opendir(root);
    if (!d) {
        if (errno == ENOENT) {
            *ret = arr;
            return 0;
        }
        json_decref(arr);
        return sk_error_errno(err, errno, "open %s", root);
    }
    struct dirent *de;
    size_t n = 0;
    json_t **items = NULL;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || de->d_type != DT_DIR || rt_state_check_id(de->d_name, NULL) < 0)
            continue;
        _cleanup_free_ char *dir = sk_asprintf("%s/%s", root, de->d_name);
        _cleanup_json_ json_t *state = rt_state_load(dir, NULL);
        items = sk_realloc(items, (n + 1) * sizeof(*items));
        items[n++] = rt_state_public(dir, de->d_name, state, rt_state_status(dir, state));
    }
    if (n)
        qsort(items, n, sizeof(*items), cmp_id);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, items[i]);
    free(items);
    *ret = arr;
    return 0;
}

/* Signal the init through a pidfd, after checking it still is the same
 * process (its pid cannot be reused while we hold the pidfd). */
static int signal_init(pid_t pid, unsigned long long start, int sig, struct sk_error *err)
{
    _cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0) {
        if (!sk_pid_alive(pid, start))
            return sk_error_set(err, ESRCH, "container not running");
        if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
            return sk_error_errno(err, errno, "kill %d", (int)pid);
        return 0;
    }
    if (!sk_pid_alive(pid, start))
        return sk_error_set(err, ESRCH, "container not running");
    if (kill(pid, sig) < 0)
        return sk_error_errno(err, errno, "kill %d", (int)pid);
    return 0;
}

/* Without cgroups (rootless on a host that delegates none), every process
 * of the container is one in its init's pid namespace, when it has one of
 * its own: signal them all, the init last. With the runtime's pid
 * namespace, there is no telling: the init alone. */
static int signal_pid_namespace(pid_t init, unsigned long long start, int sig, struct sk_error *err)
{
    char path[64];
    struct stat theirs, ours;
    snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
    if (!sk_pid_alive(init, start) || stat(path, &theirs) < 0)
        return 0; /* stopped: its pid namespace died with it */
    if (stat("/proc/self/ns/pid", &ours) == 0 && ours.st_ino == theirs.st_ino &&
        ours.st_dev == theirs.st_dev)
        return signal_init(init, start, sig, err);
    _cleanup_closedir_ DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0 || pid == init)
            continue;
        struct stat st;
        snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
        if (stat(path, &st) == 0 && st.st_ino == theirs.st_ino && st.st_dev == theirs.st_dev)
            kill((pid_t)pid, sig);
    }
    return signal_init(init, start, sig, err);
}

int runtime_kill(const struct runtime_ctx *ctx, const char *id, int sig, bool all,
                 struct sk_error *err)
{
    _cleanup_free_ char *root = rt_state_root(ctx);
    _cleanup_free_ char *dir = NULL;
    _cleanup_close_ int dirfd = -1;
    if (rt_state_open_dir(root, id, true, &dir, &dirfd, err) < 0)
        return -1;
    _cleanup_json_ json_t *state = rt_state_load(dir, NULL);
    enum runtime_status st = rt_state_status(dir, state);
    if (st == RUNTIME_CREATING)
        return sk_error_set(err, EBUSY, "container %s is still being created", id);
    if (st == RUNTIME_STOPPED && !all)
        return sk_error_set(err, ESRCH, "container %s is not running", id);
    if (all) {
        struct rt_cgroup cg;
        if (rt_cgroup_from_json(json_object_get(state, "cgroup"), &cg, err) < 0)
            return -1;
        int r = cg.n ? rt_cgroup_signal_all(&cg, sig, err)
                     : signal_pid_namespace(
                           (pid_t)sk_json_int(state, "pid", 0),
                           (unsigned long long)sk_json_int(state, "pidStartTime", 0), sig, err);
        rt_cgroup_free(&cg);
        return r;
    }
    return signal_init((pid_t)sk_json_int(state, "pid", 0),
                       (unsigned long long)sk_json_int(state, "pidStartTime", 0), sig, err);
}

int rt_container_destroy(const struct runtime_ctx *ctx, const char *dir, const json_t *state,
                         struct sk_error *err)
{
    /* The config first: poststop hooks run after the directory is gone. */
    _cleanup_spec_ struct rt_spec *spec = NULL;
    const char *bundle = sk_json_str(state, "bundle");
    _cleanup_free_ char *config = sk_asprintf("%s/" RT_STATE_CONFIG, dir);
    _cleanup_json_ json_t *doc = sk_json_load_file(config, NULL);
    if (doc && bundle && json_object_get(doc, "hooks")) {
        struct sk_error perr = {0};
        if (rt_spec_parse(doc, bundle, &spec, &perr) < 0) {
            char *w[] = {sk_asprintf("poststop hooks not run: %s", perr.msg), NULL};
            rt_ctx_warn(ctx, w);
            free(w[0]);
        }
    }
    if (state && json_object_get(state, "cgroup")) {
        struct rt_cgroup cg;
        if (rt_cgroup_from_json(json_object_get(state, "cgroup"), &cg, err) < 0)
            return -1;
        int r = rt_cgroup_destroy(&cg, err);
        if (r == 0 && json_is_true(json_object_get(state, "cgroupDefaultParent")))
            rt_cgroup_remove_parent(&cg);
        rt_cgroup_free(&cg);
        if (r < 0)
            return -1;
    }
    if (rt_rootfs_release_shared(state, err) < 0)
        return -1;
    _cleanup_json_ json_t *pub =
        spec ? rt_state_public(dir, sk_json_str(state, "id"), state, RUNTIME_STOPPED) : NULL;
    if (sk_rm_rf(dir, err) < 0)
        return -1;
    if (spec && spec->hooks[RT_HOOK_POSTSTOP].n) {
        _cleanup_free_ char *js = json_dumps(pub, JSON_COMPACT);
        struct sk_error herr = {0};
        if (rt_hooks_run(&spec->hooks[RT_HOOK_POSTSTOP], RT_HOOK_POSTSTOP, js ? js : "{}", &herr) <
            0) {
            char *w[] = {herr.msg, NULL};
            rt_ctx_warn(ctx, w);
        }
    }
    return 0;
}

int runtime_delete(const struct runtime_ctx *ctx, const char *id, bool force, struct sk_error *err)
{
    _cleanup_free_ char *root = rt_state_root(ctx);
    _cleanup_free_ char *dir = NULL;
    _cleanup_close_ int dirfd = -1;
    if (rt_state_open_dir(root, id, true, &dir, &dirfd, err) < 0)
        return -1;
    _cleanup_json_ json_t *state = rt_state_load(dir, NULL);
    if (!state) /* a create that died before it wrote anything */
        return sk_rm_rf(dir, err);
    enum runtime_status st = rt_state_status(dir, state);
    if (st == RUNTIME_CREATED || st == RUNTIME_RUNNING) {
        if (!force)
            return sk_error_set(err, EBUSY,
                                "cannot delete container %s that is not stopped: %s (use --force)",
                                id, runtime_status_name(st));
        pid_t pid = (pid_t)sk_json_int(state, "pid", 0);
        unsigned long long start = (unsigned long long)sk_json_int(state, "pidStartTime", 0);
        signal_init(pid, start, SIGKILL, NULL);
        if (sk_pid_wait_gone(pid, start, KILL_WAIT_MS) < 0)
            return sk_error_set(err, EBUSY, "container %s: init %d survives SIGKILL", id, (int)pid);
    }
    return rt_container_destroy(ctx, dir, state, err);
}
