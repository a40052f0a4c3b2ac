/* exec: a new process in a created or running container. X1 joins the
 * container's cgroups and every namespace of its init that differs from
 * ours (user last), X2 is forked into the pid namespace and becomes the
 * process: the config's process with the command line's overrides (or a
 * --process file), with the config's seccomp profile. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Add or replace KEY=VALUE in a JSON array of strings. */
static void env_set(json_t *env, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
    size_t i;
    json_t *e;
    json_array_foreach(env, i, e)
    {
        const char *s = json_string_value(e);
        if (s && strncmp(s, kv, klen) == 0 && s[klen] == '=') {
            json_array_set_new(env, i, json_string(kv));
            return;
        }
    }
    json_array_append_new(env, json_string(kv));
}

static int parse_user(const char *user, json_t *proc, struct sk_error *err)
{
    char *end;
    errno = 0;
    unsigned long uid = strtoul(user, &end, 10);
    unsigned long gid = 0;
    if (end == user || errno || uid > UINT32_MAX || (*end && *end != ':'))
        return sk_error_set(err, EINVAL, "--user %s: want uid[:gid] (numbers)", user);
    if (*end == ':') {
        const char *g = end + 1;
        gid = strtoul(g, &end, 10);
        if (end == g || *end || gid > UINT32_MAX)
            return sk_error_set(err, EINVAL, "--user %s: want uid[:gid] (numbers)", user);
    }
    json_t *u = json_object_get(proc, "user");
    if (!json_is_object(u)) {
        u = json_object();
        json_object_set_new(proc, "user", u);
    }
    json_object_set_new(u, "uid", json_integer((json_int_t)uid));
    json_object_set_new(u, "gid", json_integer((json_int_t)gid));
    return 0;
}

/* The process document: --process FILE (or one in memory), or the config's
 * process with the command line's changes. */
static json_t *exec_process_doc(const json_t *config, const struct runtime_exec_opts *o,
                                struct sk_error *err)
{
    if (!o->process_file && o->process)
        return json_deep_copy(o->process);
    if (o->process_file) {
        json_t *p = sk_json_load_file(o->process_file, err);
        if (!p)
            sk_error_prefix(err, "--process");
        return p;
    }
    if (!o->args || !o->args[0]) {
        sk_error_set(err, EINVAL, "exec: no command given");
        return NULL;
    }
    json_t *base = json_object_get(config, "process");
    json_t *p = json_is_object(base) ? json_deep_copy(base) : json_object();
    json_t *args = json_array();
    for (size_t i = 0; o->args[i]; i++)
        json_array_append_new(args, json_string(o->args[i]));
    json_object_set_new(p, "args", args);
    json_object_set_new(p, "terminal", json_boolean(o->tty));
    json_t *env = json_object_get(p, "env");
    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(p, "env", env);
    }
    for (size_t i = 0; o->env && o->env[i]; i++) {
        if (!strchr(o->env[i], '=')) {
            json_decref(p);
            sk_error_set(err, EINVAL, "--env %s: want KEY=VALUE", o->env[i]);
            return NULL;
        }
        env_set(env, o->env[i]);
    }
    if (o->cwd)
        json_object_set_new(p, "cwd", json_string(o->cwd));
    if (!json_object_get(p, "cwd"))
        json_object_set_new(p, "cwd", json_string("/"));
    if (o->user && parse_user(o->user, p, err) < 0) {
        json_decref(p);
        return NULL;
    }
    if (o->no_new_privs)
        json_object_set_new(p, "noNewPrivileges", json_true());
    if (o->caps && o->caps[0]) {
        json_t *caps = json_object_get(p, "capabilities");
        if (!json_is_object(caps)) {
            caps = json_object();
            json_object_set_new(p, "capabilities", caps);
        }
        static const char *const sets[] = {"bounding", "effective", "permitted"};
        for (size_t k = 0; k < SK_ARRAY_SIZE(sets); k++) {
            json_t *arr = json_object_get(caps, sets[k]);
            if (!json_is_array(arr)) {
                arr = json_array();
                json_object_set_new(caps, sets[k], arr);
            }
            for (size_t i = 0; o->caps[i]; i++)
                json_array_append_new(arr, json_string(o->caps[i]));
        }
    }
    return p;
}

struct exec_child {
    const struct rt_process *proc;
    const struct rt_seccomp *seccomp;
    const struct rt_cgroup *cg;
    pid_t target;
    int sync_fd;
    const int *stdio;
    bool detach;
    bool shared_mnt; /* the container has no mount namespace of its own */
};

static void __attribute__((noreturn)) exec_x2(const struct exec_child *x)
{
    struct sk_error err = {0};
    struct rt_exec_plan plan = {0};
    /* Not before the runtime has X1's message (our pid): an early error of
     * ours would arrive first, and the runtime could not wait for us. */
    if (rt_sync_expect(x->sync_fd, RT_SYNC_GO, NULL, "runtime", &err) < 0)
        rt_sync_fail(x->sync_fd, &err);
    if (x->proc->terminal && rt_tty_setup(x->sync_fd, &err) < 0) {
        sk_error_prefix(&err, "terminal");
        rt_sync_fail(x->sync_fd, &err);
    }
    /* Detached: out of the caller's session, so its terminal's signals and
     * hangup do not reach the process (rt_tty_setup made one already). */
    if (x->detach && !x->proc->terminal)
        setsid();
    if (rt_process_prepare(x->proc, x->seccomp, &plan, &err) < 0)
        rt_sync_fail_status(x->sync_fd, &err, plan.invoke_status);
    rt_process_exec(&plan, &err);
    rt_sync_fail_status(x->sync_fd, &err, plan.invoke_status);
}

static void __attribute__((noreturn)) exec_x1(const struct exec_child *x)
{
    struct sk_error err = {0};
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    for (int fd = 0; x->stdio && fd <= 2; fd++)
        if (x->stdio[fd] != fd && dup2(x->stdio[fd], fd) < 0) {
            sk_error_errno(&err, errno, "dup2 the process's stdio");
            rt_sync_fail(x->sync_fd, &err);
        }
    sk_close_fds_except(&x->sync_fd, 1);
    bool joined_user;
    /* A container in our mount namespace has its root where its init
     * chrooted: open it before joining anything changes what /proc shows. */
    _cleanup_close_ int croot = -1;
    if (x->shared_mnt) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/root", (int)x->target);
        if ((croot = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
            sk_error_errno(&err, errno, "open the container's root");
            rt_sync_fail(x->sync_fd, &err);
        }
    }
    if (rt_cgroup_add_pid(x->cg, getpid(), &err) < 0 ||
        rt_ns_join_process(x->target, &joined_user, &err) < 0)
        rt_sync_fail(x->sync_fd, &err);
    if (croot >= 0 && (fchdir(croot) < 0 || chroot(".") < 0 || chdir("/") < 0)) {
        sk_error_errno(&err, errno, "enter the container's root");
        rt_sync_fail(x->sync_fd, &err);
    }
    pid_t pid = fork();
    if (pid < 0) {
        sk_error_errno(&err, errno, "fork");
        rt_sync_fail(x->sync_fd, &err);
    }
    if (pid == 0)
        exec_x2(x);
    rt_sync_send(x->sync_fd, RT_SYNC_PID, pid, NULL, &err);
    _exit(0);
}

/* X2 failed before its command ran (and said why): reap it. invoke_status:
 * its RT_SYNC_ERROR's, non-zero when the executable could not be found or
 * run. The status runtime_exec reports. */
static int exec_failure_status(pid_t x2, int invoke_status)
{
    rt_waitpid(x2, NULL, 0);
    return invoke_status ? invoke_status : RUNTIME_EXIT_FAILED;
}

static volatile sig_atomic_t exec_forward_pid;

static void exec_forward_signal(int sig)
{
    if (exec_forward_pid > 0)
        kill((pid_t)exec_forward_pid, sig);
}

int runtime_exec(const struct runtime_ctx *ctx, const char *id, const struct runtime_exec_opts *o,
                 int *ret_status, struct sk_error *err)
{
    *ret_status = RUNTIME_EXIT_FAILED;
    _cleanup_free_ char *root = rt_state_root(ctx);
    _cleanup_free_ char *dir = NULL;
    _cleanup_close_ int dirfd = -1;
    if (rt_state_open_dir(root, id, false, &dir, &dirfd, err) < 0)
        return -1;
    _cleanup_json_ json_t *state = rt_state_load(dir, NULL);
    enum runtime_status st = rt_state_status(dir, state);
    if (st != RUNTIME_CREATED && st != RUNTIME_RUNNING)
        return sk_error_set(err, EINVAL, "cannot exec in container %s: it is %s", id,
                            runtime_status_name(st));
    _cleanup_free_ char *config_path = sk_asprintf("%s/" RT_STATE_CONFIG, dir);
    _cleanup_json_ json_t *config = sk_json_load_file(config_path, err);
    if (!config)
        return -1;
    const char *bundle = sk_json_str(state, "bundle");
    _cleanup_spec_ struct rt_spec *spec = NULL;
    if (rt_spec_parse(config, bundle ? bundle : "/", &spec, err) < 0)
        return sk_error_prefix(err, "container %s: config", id);
    _cleanup_json_ json_t *pdoc = exec_process_doc(config, o, err);
    if (!pdoc)
        return -1;
    struct rt_process proc;
    _cleanup_strv_ char **warnings = NULL;
    if (rt_process_parse(pdoc, &proc, &warnings, err) < 0) {
        rt_process_free(&proc);
        return sk_error_prefix(err, "exec");
    }
    proc.keep_groups = rt_spec_keep_groups(spec);
    rt_ctx_warn(ctx, warnings);
    int rc = -1;
    struct rt_cgroup cg = {0};
    int sv[2] = {-1, -1};
    _cleanup_close_ int master = -1;
    pid_t x1 = -1, x2 = -1;
    if (proc.terminal && !o->console_socket && o->detach) {
        sk_error_set(err, EINVAL, "a detached process with a terminal needs --console-socket");
        goto out;
    }
    uint64_t own = rt_caps_own_bounding();
    proc.caps.bounding &= own;
    proc.caps.effective &= own;
    proc.caps.permitted &= own;
    proc.caps.inheritable &= own;
    proc.caps.ambient &= own;
    if (rt_cgroup_from_json(json_object_get(state, "cgroup"), &cg, err) < 0)
        goto out;
    /* Before the fork, from the cache create filled (rt_seccomp_compile). */
    if (spec->seccomp && rt_seccomp_compile(spec->seccomp, root, err) < 0)
        goto out;
    /* X2 becomes our child when X1 exits: we wait for it, or (detached)
     * learn why it failed. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
        sk_error_errno(err, errno, "prctl(PR_SET_CHILD_SUBREAPER)");
        goto out;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        sk_error_errno(err, errno, "socketpair");
        goto out;
    }
    close(SK_STEAL_FD(dirfd));
    fflush(stdout);
    fflush(stderr);
    x1 = fork();
    if (x1 < 0) {
        sk_error_errno(err, errno, "fork");
        goto out;
    }
    if (x1 == 0) {
        close(sv[0]);
        struct exec_child x = {.proc = &proc,
                               .seccomp = spec->seccomp,
                               .cg = &cg,
                               .target = (pid_t)sk_json_int(state, "pid", 0),
                               .sync_fd = sv[1],
                               .stdio = o->stdio,
                               .detach = o->detach,
                               .shared_mnt = rt_spec_shares_mount_ns(spec)};
        exec_x1(&x);
    }
    close(sv[1]);
    sv[1] = -1;
    struct rt_sync_msg m;
    int r = rt_sync_expect(sv[0], RT_SYNC_PID, &m, "exec", err);
    rt_waitpid(x1, NULL, 0);
    x1 = -1;
    if (r < 0)
        goto out;
    x2 = m.value;
    rt_sync_msg_free(&m);
    /* X1 is done talking (and gone: X2 is our child now). */
    if (rt_sync_send(sv[0], RT_SYNC_GO, 0, NULL, err) < 0) {
        kill(x2, SIGKILL);
        rt_waitpid(x2, NULL, 0);
        goto out;
    }
    if (proc.terminal && (rt_sync_expect(sv[0], RT_SYNC_CONSOLE, NULL, "exec", err) < 0 ||
                          rt_tty_recv_master(sv[0], &master, err) < 0)) {
        *ret_status = exec_failure_status(x2, 0);
        goto out;
    }
    if (master >= 0 && o->console_socket) {
        r = rt_tty_send_console(o->console_socket, master, err);
        close(SK_STEAL_FD(master));
        if (r < 0) {
            kill(x2, SIGKILL);
            rt_waitpid(x2, NULL, 0);
            goto out;
        }
    }
    exec_forward_pid = x2;
    struct sigaction sa = {.sa_handler = exec_forward_signal, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    for (size_t i = 0; !o->detach && i < SK_ARRAY_SIZE(sigs); i++)
        sigaction(sigs[i], &sa, NULL);
    int invoke_status;
    if (rt_sync_wait_exec(sv[0], "exec", &invoke_status, err) < 0) {
        *ret_status = exec_failure_status(x2, invoke_status);
        goto out;
    }
    if (o->ret_pid)
        *o->ret_pid = x2;
    if (o->pid_file && rt_write_pid_file(o->pid_file, x2, err) < 0)
        goto out;
    if (o->detach) {
        *ret_status = 0;
        rc = 0;
        goto out;
    }
    int status = 0;
    bool reaped = false;
    if (master >= 0)
        reaped = rt_tty_relay(master, x2, &status) == 1;
    while (!reaped) {
        pid_t w = rt_waitpid(-1, &status, 0);
        if (w == x2)
            break;
        if (w < 0) { /* it is not our child: its status is lost */
            exec_forward_pid = 0;
            sk_error_errno(err, errno, "exec: wait for process %d", (int)x2);
            goto out;
        }
    }
    exec_forward_pid = 0;
    *ret_status = rt_exit_code(status);
    rc = 0;
out:
    if (x1 > 0) {
        kill(x1, SIGKILL);
        rt_waitpid(x1, NULL, 0);
    }
    if (sv[0] >= 0)
        close(sv[0]);
    if (sv[1] >= 0)
        close(sv[1]);
    rt_cgroup_free(&cg);
    rt_process_free(&proc);
    return rc;
}
