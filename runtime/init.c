/* The container side of create: C1 (namespaces) and C2 (the init, which
 * becomes the container's process). runtime.h describes the whole protocol;
 * create.c is the other end of sync_fd. Any failure is sent to the runtime
 * as an error message, then the process exits. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int set_sysctls(const struct rt_spec *s, struct sk_error *err)
{
    for (size_t i = 0; i < s->nsysctls; i++) {
        /* We are in the container's namespaces: /proc/sys shows its values. */
        _cleanup_free_ char *path = sk_asprintf("/proc/sys/%s", s->sysctls[i].key);
        for (char *p = path + strlen("/proc/sys/"); *p; p++)
            if (*p == '.')
                *p = '/';
        if (rt_write_file(path, s->sysctls[i].value, err) < 0)
            return sk_error_prefix(err, "sysctl %s", s->sysctls[i].key);
    }
    return 0;
}

static int set_oom_score_adj(const struct rt_process *p, struct sk_error *err)
{
    if (!p->has_oom_score_adj)
        return 0;
    char buf[16];
    snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
    if (rt_write_file("/proc/self/oom_score_adj", buf, err) == 0)
        return 0;
    if (err && (err->code == EACCES || err->code == EPERM))
        return sk_error_set(err, err->code,
                            "process.oomScoreAdj %d: lowering the score below the runtime's own "
                            "needs CAP_SYS_RESOURCE",
                            p->oom_score_adj);
    return -1;
}

/* The state document with another status (for the startContainer hooks). */
static char *state_with_status(const char *state_json, const char *status)
{
    json_t *j = json_loads(state_json, 0, NULL);
    if (!j)
        return sk_strdup(state_json);
    json_object_set_new(j, "status", json_string(status));
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s ? s : sk_strdup(state_json);
}

/* C2 until "created": everything that can fail is done before that. */
static int init_setup(const struct rt_init_args *a, struct rt_exec_plan *plan, char **ret_state,
                      struct sk_error *err)
{
    const struct rt_spec *s = a->spec;
    /* The runtime has our pid once it says go. */
    if (rt_sync_expect(a->sync_fd, RT_SYNC_GO, NULL, "runtime", err) < 0)
        return -1;
    /* Modes below are exact (device nodes, directories); the process's own
     * umask is set by rt_process_prepare. */
    umask(0);
    if (s->hostname && s->hostname[0] && sethostname(s->hostname, strlen(s->hostname)) < 0)
        return sk_error_errno(err, errno, "sethostname %s", s->hostname);
    if (s->domainname && s->domainname[0] &&
        setdomainname(s->domainname, strlen(s->domainname)) < 0)
        return sk_error_errno(err, errno, "setdomainname %s", s->domainname);
    /* A privileged runtime opens the rootfs and bind sources for us, in our
     * mount namespace (see rt_rootfs_prepare). An unprivileged one could
     * not reach them through our /proc/PID/root, and has no access we lack:
     * we open them. */
    size_t nfds = 1;
    for (size_t i = 0; i < s->nmounts; i++)
        nfds += s->mounts[i].bind;
    if (nfds > RT_SYNC_MAX_FDS)
        return sk_error_set(err, E2BIG, "too many bind mounts (%zu)", nfds - 1);
    int fds[RT_SYNC_MAX_FDS];
    if (a->unprivileged) {
        _cleanup_close_ int nsroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        size_t n = 0;
        if (nsroot < 0)
            return sk_error_errno(err, errno, "open /");
        if (rt_rootfs_open_sources(s, nsroot, fds, &n, err) < 0)
            return -1;
    } else if (rt_sync_send(a->sync_fd, RT_SYNC_FDS, 0, NULL, err) < 0 ||
               rt_sync_recv_fds(a->sync_fd, RT_SYNC_FDS, fds, nfds, "runtime (rootfs)", err) < 0) {
        return -1;
    }
    _cleanup_free_ int *bind_fds = sk_calloc(s->nmounts + 1, sizeof(int));
    for (size_t i = 0, k = 1; i < s->nmounts; i++)
        bind_fds[i] = s->mounts[i].bind ? fds[k++] : -1;
    _cleanup_close_ int rootfd = -1;
    int r = rt_rootfs_prepare(s, a->cgroup, fds[0], bind_fds, &rootfd, err);
    for (size_t i = 0; i < nfds; i++)
        close(fds[i]);
    if (r < 0)
        return -1;
    if (set_sysctls(s, err) < 0 || set_oom_score_adj(&s->process, err) < 0)
        return -1;
    /* prestart and createRuntime hooks run in the runtime, now. */
    struct rt_sync_msg m;
    if (rt_sync_send(a->sync_fd, RT_SYNC_HOOKS, 0, NULL, err) < 0 ||
        rt_sync_expect(a->sync_fd, RT_SYNC_GO, &m, "runtime (hooks)", err) < 0)
        return -1;
    *ret_state = m.data;
    if (rt_hooks_run(&s->hooks[RT_HOOK_CREATE_CONTAINER], RT_HOOK_CREATE_CONTAINER, *ret_state,
                     err) < 0)
        return -1;
    /* Like runc, a missing cwd is created (inside the rootfs). */
    int cwd = rt_rootfs_open_in_root(rootfd, s->process.cwd, true, false, err);
    if (cwd < 0)
        return sk_error_prefix(err, "process.cwd");
    close(cwd);
    if (rt_rootfs_protect_paths(s, rootfd, err) < 0)
        return -1;
    if (rt_rootfs_pivot(s, rootfd, err) < 0)
        return -1;
    close(SK_STEAL_FD(rootfd));
    if (s->process.terminal && rt_tty_setup(a->sync_fd, err) < 0)
        return sk_error_prefix(err, "process.terminal");
    if (rt_process_prepare(&s->process, s->seccomp, plan, err) < 0)
        return -1;
    return 0;
}

static void __attribute__((noreturn)) init_stage2(const struct rt_init_args *a)
{
    struct sk_error err = {0};
    struct rt_exec_plan plan = {0};
    char *state = NULL;
    if (init_setup(a, &plan, &state, &err) < 0)
        rt_sync_fail_status(a->sync_fd, &err, plan.invoke_status);
    if (rt_sync_send(a->sync_fd, RT_SYNC_CREATED, 0, NULL, &err) < 0)
        _exit(1);
    close(a->sync_fd);
    /* Rootless, an exec into the created container (run by the same user)
     * needs our /proc/PID/ns: we hold nothing the user may not see. */
    if (a->unprivileged)
        prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    /* Wait for `start`. */
    int conn;
    do
        conn = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    while (conn < 0 && errno == EINTR);
    if (conn < 0)
        _exit(1);
    close(a->listen_fd);
    if (a->spec->hooks[RT_HOOK_START_CONTAINER].n) {
        _cleanup_free_ char *created = state_with_status(state, "created");
        if (rt_hooks_run(&a->spec->hooks[RT_HOOK_START_CONTAINER], RT_HOOK_START_CONTAINER, created,
                         &err) < 0)
            rt_sync_fail(conn, &err);
    }
    free(state);
    rt_process_exec(&plan, &err);
    rt_sync_fail_status(conn, &err, plan.invoke_status);
}

void rt_init_stage1(const struct rt_init_args *a)
{
    struct sk_error err = {0};
    /* Die with the runtime while it sets us up; nobody may ptrace us or
     * open our /proc files while we hold the runtime's state. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    int keep[] = {a->sync_fd, a->listen_fd};
    sk_close_fds_except(keep, SK_ARRAY_SIZE(keep));
    /* Into the container's cgroups first: a new cgroup namespace is rooted
     * where we are when we unshare it. We move ourselves, which is cheaper
     * than the runtime moving us (see rt_cgroup_join_self). */
    if (rt_sync_expect(a->sync_fd, RT_SYNC_GO, NULL, "runtime", &err) < 0)
        _exit(1);
    if (rt_cgroup_join_self(a->cgroup, a->in_cgroup_v2, &err) < 0)
        rt_sync_fail(a->sync_fd, &err);
    if (rt_ns_enter(a->spec, a->sync_fd, &err) < 0)
        rt_sync_fail(a->sync_fd, &err);
    pid_t pid = fork();
    if (pid < 0) {
        sk_error_errno(&err, errno, "fork the container's init");
        rt_sync_fail(a->sync_fd, &err);
    }
    if (pid == 0)
        init_stage2(a);
    rt_sync_send(a->sync_fd, RT_SYNC_PID, pid, NULL, &err);
    _exit(0);
}
