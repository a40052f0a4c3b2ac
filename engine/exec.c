/* skiff exec: a new process in a running container. The process is the
 * container's own (the process of the config.json init wrote: env, user,
 * cwd, capabilities, rlimits, noNewPrivileges, apparmor) with the command
 * line's changes, handed whole to the built-in runtime (runtime_exec), which
 * joins the container's namespaces and cgroups and loads its seccomp filter.
 * The runtime finds the container through its state under <runroot>/runtime,
 * so whoever started the container, exec works the same; execs do not lock
 * anything and may run side by side.
 *
 * Capabilities follow podman: --privileged widens the bounding set to all of
 * ours (the seccomp filter stays the container's); root gets its whole
 * bounding set, the container's own user keeps its sets, another user gets
 * none. */
#include "engine/exec.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/container.h"
#include "engine/monitor.h"
#include "engine/spec.h"
#include "engine/userns.h"
#include "runtime/runtime.h"
#include "storage/container.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEV_NULL "/dev/null"

static json_t *strv_json(char *const *v)
{
    json_t *a = json_array();
    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* -e, --env-file, -u, -w checked and resolved as create's flags are: env
 * files read, KEY taken from our environment. */
static int normalize_flags(const struct engine_exec_opts *o, json_t **ret, struct sk_error *err)
{
    _cleanup_json_ json_t *raw = json_object();
    if (o->env)
        json_object_set_new(raw, "env", strv_json(o->env));
    if (o->env_files)
        json_object_set_new(raw, "env-file", strv_json(o->env_files));
    if (o->user)
        json_object_set_new(raw, "user", json_string(o->user));
    if (o->workdir)
        json_object_set_new(raw, "workdir", json_string(o->workdir));
    return spec_flags_normalize(raw, ret, err);
}

/* The container to exec into: its record, by name/ID or the newest. */
static int find_container(struct engine *e, const char *what, json_t **ret, struct sk_error *err)
{
    if (what)
        return storage_container_lookup(e->st, what, ret, err);
    char id[65];
    int r = engine_container_latest(e, id, err);
    if (r <= 0)
        return r < 0 ? -1 : sk_error_set(err, ENOENT, "no containers to exec into (--latest)");
    return storage_container_lookup(e->st, id, ret, err);
}

/* Set KEY=VALUE in a JSON array of strings, replacing an entry for KEY. */
static void env_put(json_t *env, const char *kv)
{
    size_t klen = strcspn(kv, "=");
    size_t i;
    json_t *v;
    json_array_foreach(env, i, v)
    {
        const char *s = json_string_value(v);
        if (s && strncmp(s, kv, klen) == 0 && (s[klen] == '=' || s[klen] == '\0')) {
            json_array_set_new(env, i, json_string(kv));
            return;
        }
    }
    json_array_append_new(env, json_string(kv));
}

/* process.capabilities for the exec (see the top of the file). */
static void exec_capabilities(json_t *proc, bool privileged, bool own_user)
{
    json_t *caps = json_object_get(proc, "capabilities");
    if (!json_is_object(caps)) {
        caps = json_object();
        json_object_set_new(proc, "capabilities", caps);
    }
    if (privileged)
        json_object_set_new(caps, "bounding", spec_all_capabilities());
    json_t *bounding = json_object_get(caps, "bounding");
    if (!json_is_array(bounding)) {
        bounding = json_array();
        json_object_set_new(caps, "bounding", bounding);
    }
    json_t *user = json_object_get(proc, "user");
    if (sk_json_int(user, "uid", 0) == 0) {
        json_object_set_new(caps, "effective", json_deep_copy(bounding));
        json_object_set_new(caps, "permitted", json_deep_copy(bounding));
    } else if (own_user) {
        return; /* what the container's process has (spec.c: --cap-add ones, ambient) */
    } else {
        json_object_set_new(caps, "effective", json_array());
        json_object_set_new(caps, "permitted", json_array());
    }
    json_object_del(caps, "inheritable");
    json_object_del(caps, "ambient");
}

/* The container's process with o's changes. pid: the container's init, whose
 * root holds the /etc/passwd that -u names are looked up in (the live one:
 * users added in the container count). */
static int exec_process(const json_t *config, const json_t *flags, const struct engine_exec_opts *o,
                        int pid, json_t **ret, struct sk_error *err)
{
    const json_t *base = json_object_get(config, "process");
    if (!json_is_object(base))
        return sk_error_set(err, EINVAL, "the container's config.json has no process");
    _cleanup_json_ json_t *p = json_deep_copy(base);
    json_object_set_new(p, "args", strv_json(o->command));
    json_object_set_new(p, "terminal", json_boolean(o->tty));
    json_t *env = json_object_get(p, "env");
    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(p, "env", env);
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(flags, "env"), i, v)
    {
        env_put(env, json_string_value(v));
    }
    const char *workdir = sk_json_str(flags, "workdir");
    if (workdir)
        json_object_set_new(p, "cwd", json_string(workdir));
    const char *user = sk_json_str(flags, "user");
    long long own_uid = sk_json_int(json_object_get(p, "user"), "uid", 0);
    if (user) {
        _cleanup_free_ char *root = sk_asprintf("/proc/%d/root", pid);
        json_t *juser = NULL;
        if (spec_resolve_user(root, user, &juser, err) < 0)
            return -1;
        if (engine_userns_check_user(juser, err) < 0) {
            json_decref(juser);
            return sk_error_prefix(err, "user \"%s\"", user);
        }
        json_t *umask = json_object_get(json_object_get(p, "user"), "umask");
        if (umask)
            json_object_set(juser, "umask", umask);
        json_object_set_new(p, "user", juser);
    }
    exec_capabilities(p, o->privileged,
                      sk_json_int(json_object_get(p, "user"), "uid", 0) == own_uid);
    *ret = SK_STEAL(p);
    return 0;
}

int engine_container_exec(struct engine *e, const char *what, const struct engine_exec_opts *o,
                          int *ret_status, int *ret_pid, struct sk_error *err)
{
    *ret_status = RUNTIME_EXIT_FAILED;
    if (!o->command || !o->command[0])
        return sk_error_set(err, EINVAL, "exec: no command given");
    if (o->tty && o->detach)
        return sk_error_set(err, EINVAL,
                            "exec: --detach with --tty is not supported: nothing would hold "
                            "the terminal");
    _cleanup_json_ json_t *flags = NULL;
    if (normalize_flags(o, &flags, err) < 0)
        return -1;
    _cleanup_json_ json_t *rec = NULL;
    if (find_container(e, what, &rec, err) < 0)
        return -1;
    const char *id = sk_json_str(rec, "id");
    _cleanup_free_ char *root = engine_runtime_root(e);
    struct runtime_ctx ctx = {.root = root, .warn = o->warn, .warn_data = o->warn_data};
    _cleanup_json_ json_t *state = NULL;
    /* The record says running (its monitor lives) and the runtime has it
     * running: its process has started. */
    if (strcmp(engine_container_live_status(e, rec), "running") != 0 ||
        runtime_state(&ctx, id, &state, NULL) < 0 ||
        strcmp(sk_json_str(state, "status") ?: "", "running") != 0 ||
        sk_json_int(state, "pid", 0) <= 0)
        return sk_error_set(err, EINVAL,
                            "can only create exec sessions on running containers: container "
                            "state improper");
    _cleanup_free_ char *userdata = storage_container_userdata(e->st, id);
    _cleanup_free_ char *config_path = sk_asprintf("%s/config.json", userdata);
    _cleanup_json_ json_t *config = sk_json_load_file(config_path, err);
    if (!config)
        return sk_error_prefix(err, "container %.12s", id);
    _cleanup_json_ json_t *proc = NULL;
    if (exec_process(config, flags, o, (int)sk_json_int(state, "pid", 0), &proc, err) < 0)
        return sk_error_prefix(err, "exec in container %.12s", id);

    /* Without -i the process (or with -t, the runtime's terminal relay,
     * which reads our stdin) reads /dev/null, as podman's does; detached it
     * owns no stdio of ours, or a caller reading our output would wait for
     * it to exit. */
    _cleanup_close_ int devnull = open(DEV_NULL, O_RDWR | O_CLOEXEC);
    if (devnull < 0)
        return sk_error_errno(err, errno, "open %s", DEV_NULL);
    if (!o->interactive && !o->detach && dup2(devnull, STDIN_FILENO) < 0)
        return sk_error_errno(err, errno, "stdin from %s", DEV_NULL);
    int null_stdio[3] = {devnull, devnull, devnull};
    struct runtime_exec_opts ro = {
        .process = proc,
        .tty = o->tty,
        .detach = o->detach,
        .stdio = o->detach ? null_stdio : NULL,
        .ret_pid = ret_pid,
    };
    return runtime_exec(&ctx, id, &ro, ret_status, err);
}
