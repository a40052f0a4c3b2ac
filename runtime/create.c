/* create, start and run: the runtime's side of the protocol described in
 * runtime.h (init.c is the container's side). */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The cgroup a container gets without linux.cgroupsPath: /skiff/<id>, or
 * for a rootless one skiff/<id> below the user's own cgroup (the subtree it
 * may have been delegated). */
#define DEFAULT_CGROUP_PARENT "/skiff"
#define DEFAULT_CGROUP_PARENT_ROOTLESS "skiff"

/* Devices the runtime creates itself, allowed after the config's device
 * rules (as runc does), so a "deny all" still leaves a working /dev. */
static const struct rt_device_rule implicit_device_rules[] = {
    {true, 'c', 1, 3, "rwm"},    /* null */
    {true, 'c', 1, 5, "rwm"},    /* zero */
    {true, 'c', 1, 7, "rwm"},    /* full */
    {true, 'c', 1, 8, "rwm"},    /* random */
    {true, 'c', 1, 9, "rwm"},    /* urandom */
    {true, 'c', 5, 0, "rwm"},    /* tty */
    {true, 'c', 5, 1, "rwm"},    /* console */
    {true, 'c', 5, 2, "rwm"},    /* ptmx */
    {true, 'c', 136, -1, "rwm"}, /* pts */
};

/* What a created container is, for start and run. */
struct created {
    char *dir;
    int dirfd;
    pid_t pid;
    struct rt_spec *spec;
    struct rt_cgroup cg;
    json_t *state;
    int master; /* the terminal's pty master when we relay it; else -1 */
    /* When create failed because the process's executable could not be
     * found or run: RUNTIME_EXIT_NOT_FOUND or RUNTIME_EXIT_CANNOT_INVOKE. */
    int invoke_status;
};

static void created_free(struct created *c)
{
    free(c->dir);
    if (c->dirfd >= 0)
        close(c->dirfd);
    rt_spec_free(c->spec);
    rt_cgroup_free(&c->cg);
    json_decref(c->state);
    if (c->master >= 0)
        close(c->master);
    memset(c, 0, sizeof(*c));
    c->dirfd = -1;
    c->master = -1;
}

void rt_ctx_warn(const struct runtime_ctx *ctx, char *const *warnings)
{
    for (size_t i = 0; warnings && warnings[i]; i++)
        if (ctx && ctx->warn)
            ctx->warn(ctx->warn_data, warnings[i]);
}

/* The resources as applied: the config's device rules, then the implicit
 * ones and one per linux.devices entry. */
static void effective_resources(const struct rt_spec *s, struct rt_resources *r)
{
    *r = s->resources;
    if (!s->resources.ndevices)
        return;
    size_t n = s->resources.ndevices + SK_ARRAY_SIZE(implicit_device_rules) + s->ndevices;
    r->devices = sk_calloc(n, sizeof(*r->devices));
    r->ndevices = 0;
    for (size_t i = 0; i < s->resources.ndevices; i++)
        r->devices[r->ndevices++] = s->resources.devices[i];
    for (size_t i = 0; i < SK_ARRAY_SIZE(implicit_device_rules); i++)
        r->devices[r->ndevices++] = implicit_device_rules[i];
    for (size_t i = 0; i < s->ndevices; i++) {
        if (s->devices[i].type == 'p')
            continue;
        r->devices[r->ndevices++] =
            (struct rt_device_rule){true, s->devices[i].type == 'b' ? 'b' : 'c',
                                    s->devices[i].major, s->devices[i].minor, "rwm"};
    }
}

/* Limits, device rules aside: those mean nothing to a user namespace, which
 * makes no device node (rt_cgroup_create skips them). */
static bool has_limits(const struct rt_resources *r)
{
    return r->memory_limit.set || r->memory_swap.set || r->memory_reservation.set ||
           r->memory_swappiness.set || r->disable_oom_killer || r->cpu_shares.set ||
           r->cpu_quota.set || r->cpu_period.set || r->cpu_rt_runtime.set || r->cpu_rt_period.set ||
           r->cpuset_cpus || r->cpuset_mems || r->pids_limit.set || r->nhugepages;
}

/* What an unprivileged runtime cannot do, refused before anything exists. */
static int check_unprivileged(const struct rt_spec *s, struct sk_error *err)
{
    if (geteuid() == 0)
        return 0;
    if (!s->ns[RT_NS_USER].enabled)
        return sk_error_set(err, EPERM,
                            "running as uid %u (not root), the container needs a user namespace "
                            "(linux.namespaces {\"type\": \"user\"} with uidMappings and "
                            "gidMappings; 'skiff runtime spec --rootless' writes such a config)",
                            (unsigned)geteuid());
    return rt_idmap_check(s, err);
}

static json_t *state_document(const char *id, const struct rt_spec *s, pid_t pid,
                              const char *status)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ociVersion", RUNTIME_OCI_VERSION, "id", id,
                          "status", status, "pid", (int)pid, "bundle", s->bundle);
    if (s->annotations)
        json_object_set(j, "annotations", (json_t *)s->annotations);
    return j;
}

static char *dump(const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    return s ? s : sk_strdup("{}");
}

static int listen_start_socket(int dirfd, struct sk_error *err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    rt_state_sock_path(dirfd, addr.sun_path, sizeof(addr.sun_path));
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sk_error_errno(err, errno, "socket");
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        return sk_error_errno(err, errno, "bind " RT_STATE_SOCK);
    if (listen(fd, 1) < 0)
        return sk_error_errno(err, errno, "listen on " RT_STATE_SOCK);
    return SK_STEAL_FD(fd);
}

/* C2 asks for the rootfs and the bind sources, opened in its own mount
 * namespace through /proc/PID/root: the host's root can walk every path, a
 * user namespace's root maybe not. */
static int send_rootfs_fds(const struct rt_spec *s, pid_t pid, int sync_fd, struct sk_error *err)
{
    char root[64];
    snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
    _cleanup_close_ int nsroot = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (nsroot < 0)
        return sk_error_errno(err, errno, "open %s", root);
    int fds[RT_SYNC_MAX_FDS];
    size_t n = 0;
    if (rt_rootfs_open_sources(s, nsroot, fds, &n, err) < 0)
        return -1;
    int rc = rt_sync_send_fds(sync_fd, RT_SYNC_FDS, fds, n, err);
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
    return rc;
}

/* Talk to C1 and C2 until the container is created; returns C2's pid. */
static int drive_init(const char *id, struct created *c, const char *console_socket, pid_t c1,
                      int sync_fd, bool *c1_reaped, pid_t *ret_pid, struct sk_error *err)
{
    const struct rt_spec *s = c->spec;
    if (rt_sync_send(sync_fd, RT_SYNC_GO, 0, NULL, err) < 0) /* C1 joins its cgroups */
        return -1;
    for (;;) {
        struct rt_sync_msg m;
        if (rt_sync_recv(sync_fd, &m, "container init", err) < 0) {
            c->invoke_status = m.status;
            return -1;
        }
        int type = m.type, value = m.value;
        rt_sync_msg_free(&m);
        switch (type) {
        case RT_SYNC_USERMAP:
            if (rt_ns_write_idmaps(c1, s, err) < 0 ||
                rt_sync_send(sync_fd, RT_SYNC_GO, 0, NULL, err) < 0)
                return -1;
            break;
        case RT_SYNC_PID:
            *ret_pid = value;
            rt_waitpid(c1, NULL, 0);
            *c1_reaped = true;
            if (rt_sync_send(sync_fd, RT_SYNC_GO, 0, NULL, err) < 0)
                return -1;
            break;
        case RT_SYNC_FDS:
            if (*ret_pid <= 0)
                return sk_error_set(err, EPROTO, "container init: no pid reported");
            if (send_rootfs_fds(s, *ret_pid, sync_fd, err) < 0)
                return -1;
            break;
        case RT_SYNC_HOOKS: {
            _cleanup_json_ json_t *st = state_document(id, s, *ret_pid, "created");
            _cleanup_free_ char *js = dump(st);
            if (rt_hooks_run(&s->hooks[RT_HOOK_PRESTART], RT_HOOK_PRESTART, js, err) < 0 ||
                rt_hooks_run(&s->hooks[RT_HOOK_CREATE_RUNTIME], RT_HOOK_CREATE_RUNTIME, js, err) <
                    0 ||
                rt_sync_send(sync_fd, RT_SYNC_GO, 0, js, err) < 0)
                return -1;
            break;
        }
        case RT_SYNC_CONSOLE: {
            int master;
            if (c->master >= 0)
                return sk_error_set(err, EPROTO, "container init: a second terminal");
            if (rt_tty_recv_master(sync_fd, &master, err) < 0)
                return -1;
            if (!console_socket) {
                c->master = master;
                break;
            }
            int r = rt_tty_send_console(console_socket, master, err);
            close(master);
            if (r < 0)
                return -1;
            break;
        }
        case RT_SYNC_CREATED:
            if (*ret_pid <= 0)
                return sk_error_set(err, EPROTO, "container init: no pid reported");
            return 0;
        default:
            return sk_error_set(err, EPROTO, "container init: unexpected message %d", type);
        }
    }
}

/* relay: without a console socket, a terminal's master stays in c->master
 * (a foreground run relays it); otherwise a terminal needs the socket. */
static int create_container(const struct runtime_ctx *ctx, const char *id,
                            const struct runtime_create_opts *o, bool relay, struct created *c,
                            struct sk_error *err)
{
    memset(c, 0, sizeof(*c));
    c->dirfd = -1;
    c->master = -1;
    if (rt_state_check_id(id, err) < 0)
        return -1;
    _cleanup_free_ char *root = rt_state_root(ctx);
    const char *b = o && o->bundle ? o->bundle : ".";
    _cleanup_free_ char *bundle = realpath(b, NULL);
    if (!bundle)
        return sk_error_errno(err, errno, "bundle %s", b);
    if (rt_spec_load(bundle, &c->spec, err) < 0)
        return -1;
    const struct rt_spec *s = c->spec;
    if (rt_spec_check_rootfs(s, err) < 0)
        return -1;
    if (!s->has_process)
        return sk_error_set(err, EINVAL, "%s/config.json: no process to run", bundle);
    const char *console_socket = o && s->process.terminal ? o->console_socket : NULL;
    if (s->process.terminal && !console_socket && !relay)
        return sk_error_set(err, EINVAL,
                            "process.terminal is true but no --console-socket was given "
                            "(or set process.terminal to false)");
    if (check_unprivileged(s, err) < 0)
        return -1;
    rt_ctx_warn(ctx, s->warnings);
    if (rt_state_create_dir(root, id, &c->dir, &c->dirfd, err) < 0)
        return -1;

    int rc = -1;
    pid_t c1 = -1, c2 = -1;
    bool c1_reaped = false;
    int sv[2] = {-1, -1}, listen_fd = -1;
    char **warnings = NULL;
    json_t *early = NULL;
    struct rt_resources res;
    effective_resources(s, &res);
    bool rootless = rt_rootless();
    _cleanup_free_ char *default_cg =
        sk_asprintf("%s/%s", rootless ? DEFAULT_CGROUP_PARENT_ROOTLESS : DEFAULT_CGROUP_PARENT, id);
    _cleanup_free_ char *cg_skipped = NULL;
    _cleanup_free_ char *config_path = sk_asprintf("%s/" RT_STATE_CONFIG, c->dir);
    _cleanup_free_ char *config_text = json_dumps(s->doc, JSON_COMPACT);
    if (!config_text || sk_write_file_replace(config_path, config_text, strlen(config_text), 0600, err) < 0)
        goto out;
    /* Before the fork: C2 inherits the program. */
    if (s->seccomp && rt_seccomp_compile(s->seccomp, root, err) < 0)
        goto out;
    if (!rootless &&
        rt_cgroup_plan(s->cgroups_path ? s->cgroups_path : default_cg, &c->cg, err) < 0)
        goto out;
    if (rootless && rt_cgroup_plan_rootless(s->cgroups_path ? s->cgroups_path : default_cg, &c->cg,
                                            &cg_skipped, err) < 0)
        goto out;
    if (cg_skipped) {
        /* One line, like podman's on a cgroup v1 host. */
        char *w[] = {sk_asprintf(RUNTIME_NOTE_CGROUPS_SKIPPED "%s)%s", cg_skipped,
                                 has_limits(&res) ? RUNTIME_NOTE_LIMITS_IGNORED : ""),
                     NULL};
        rt_ctx_warn(ctx, w);
        free(w[0]);
    }
    /* A first state, so that if we die from here on, delete finds the
     * cgroups to remove (see rt_state_status). */
    early = json_pack("{s:s, s:s, s:b, s:i, s:I, s:s, s:s, s:o}", "ociVersion", RUNTIME_OCI_VERSION,
                      "id", id, "creating", 1, "creatorPid", (int)getpid(), "creatorStartTime",
                      (json_int_t)sk_pid_start_time(getpid()), "bundle", bundle, "rootfs",
                      s->rootfs, "cgroup", rt_cgroup_to_json(&c->cg));
    if (!s->cgroups_path)
        json_object_set_new(early, "cgroupDefaultParent", json_true());
    if (rt_spec_shares_mount_ns(s)) {
        json_object_set_new(early, "sharedMountNs", json_true());
        json_object_set_new(early, "rootfsMountIdBefore",
                            json_integer(rt_rootfs_mount_id(s->rootfs)));
    }
    if (rt_state_save(c->dir, early, err) < 0)
        goto out;
    int cr = rt_cgroup_create(&c->cg, &res, &warnings, err);
    rt_ctx_warn(ctx, warnings);
    if (cr < 0)
        goto out;
    if ((listen_fd = listen_start_socket(c->dirfd, err)) < 0)
        goto out;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        sk_error_errno(err, errno, "socketpair");
        goto out;
    }
    fflush(stdout);
    fflush(stderr);
    bool in_v2 = false;
    c1 = rt_cgroup_fork(&c->cg, &in_v2);
    if (c1 < 0) {
        sk_error_errno(err, errno, "fork");
        goto out;
    }
    if (c1 == 0) {
        close(sv[0]);
        struct rt_init_args a = {.spec = s,
                                 .cgroup = &c->cg,
                                 .in_cgroup_v2 = in_v2,
                                 .unprivileged = geteuid() != 0,
                                 .sync_fd = sv[1],
                                 .listen_fd = listen_fd};
        rt_init_stage1(&a);
    }
    close(sv[1]);
    sv[1] = -1;
    close(listen_fd);
    listen_fd = -1;
    if (drive_init(id, c, console_socket, c1, sv[0], &c1_reaped, &c2, err) < 0)
        goto out;
    c->pid = c2;
    char created[64];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    sk_format_rfc3339(now.tv_sec, now.tv_nsec, created, sizeof(created));
    c->state = json_pack("{s:s, s:s, s:i, s:I, s:s, s:s, s:s, s:o}", "ociVersion",
                         RUNTIME_OCI_VERSION, "id", id, "pid", (int)c2, "pidStartTime",
                         (json_int_t)sk_pid_start_time(c2), "bundle", bundle, "rootfs", s->rootfs,
                         "created", created, "cgroup", rt_cgroup_to_json(&c->cg));
    if (s->annotations)
        json_object_set(c->state, "annotations", (json_t *)s->annotations);
    if (!s->cgroups_path)
        json_object_set_new(c->state, "cgroupDefaultParent", json_true());
    if (rt_spec_shares_mount_ns(s)) {
        json_object_set_new(c->state, "sharedMountNs", json_true());
        json_object_set_new(c->state, "rootfsMountId", json_integer(rt_rootfs_mount_id(s->rootfs)));
    }
    if (rt_state_save(c->dir, c->state, err) < 0)
        goto out;
    if (o && o->pid_file && rt_write_pid_file(o->pid_file, c2, err) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0) {
        struct sk_error ignored = {0};
        if (c2 > 0)
            kill(c2, SIGKILL);
        if (c1 > 0 && !c1_reaped) {
            kill(c1, SIGKILL);
            rt_waitpid(c1, NULL, 0);
        }
        if (c2 > 0)
            rt_waitpid(c2, NULL, WNOHANG);
        if (c->cg.n && rt_cgroup_destroy(&c->cg, &ignored) == 0 && !s->cgroups_path)
            rt_cgroup_remove_parent(&c->cg);
        if (early)
            rt_rootfs_release_shared(early, &ignored);
        sk_rm_rf(c->dir, &ignored);
    }
    if (res.devices != s->resources.devices)
        free(res.devices);
    sk_strv_free(warnings);
    json_decref(early);
    if (sv[0] >= 0)
        close(sv[0]);
    if (sv[1] >= 0)
        close(sv[1]);
    if (listen_fd >= 0)
        close(listen_fd);
    return rc;
}

/* Tell the waiting init to exec; then start.sock goes and poststart runs.
 * *ret_status: see runtime_start. */
static int start_created(const struct runtime_ctx *ctx, const char *id, const char *dir, int dirfd,
                         const json_t *state, const struct rt_spec *spec, int *ret_status,
                         struct sk_error *err)
{
    *ret_status = RUNTIME_EXIT_FAILED;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    rt_state_sock_path(dirfd, addr.sun_path, sizeof(addr.sun_path));
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return sk_error_errno(err, errno, "socket");
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        return sk_error_errno(err, errno, "container %s: reach its init", id);
    int invoke_status;
    int r = rt_sync_wait_exec(fd, "container init", &invoke_status, err);
    _cleanup_free_ char *sock = sk_asprintf("%s/" RT_STATE_SOCK, dir);
    unlink(sock);
    if (r < 0) {
        if (invoke_status)
            *ret_status = invoke_status;
        return -1;
    }
    *ret_status = 0;
    _cleanup_spec_ struct rt_spec *loaded = NULL;
    if (!spec) {
        _cleanup_free_ char *path = sk_asprintf("%s/" RT_STATE_CONFIG, dir);
        _cleanup_json_ json_t *doc = sk_json_load_file(path, NULL);
        const char *bundle = sk_json_str(state, "bundle");
        if (doc && bundle && json_object_get(doc, "hooks"))
            rt_spec_parse(doc, bundle, &loaded, NULL);
        spec = loaded;
    }
    if (spec && spec->hooks[RT_HOOK_POSTSTART].n) {
        _cleanup_json_ json_t *pub = rt_state_public(dir, id, state, RUNTIME_RUNNING);
        _cleanup_free_ char *js = dump(pub);
        struct sk_error herr = {0};
        if (rt_hooks_run(&spec->hooks[RT_HOOK_POSTSTART], RT_HOOK_POSTSTART, js, &herr) < 0) {
            char *w[] = {herr.msg, NULL};
            rt_ctx_warn(ctx, w);
        }
    }
    return 0;
}

/* The status of a failed create (see runtime_create). */
static int create_failure_status(const struct created *c)
{
    return c->invoke_status ? c->invoke_status : RUNTIME_EXIT_FAILED;
}

int runtime_create(const struct runtime_ctx *ctx, const char *id,
                   const struct runtime_create_opts *o, int *ret_status, struct sk_error *err)
{
    struct created c;
    int r = create_container(ctx, id, o, false, &c, err);
    if (ret_status)
        *ret_status = r < 0 ? create_failure_status(&c) : 0;
    created_free(&c);
    return r;
}

int runtime_start(const struct runtime_ctx *ctx, const char *id, int *ret_status,
                  struct sk_error *err)
{
    int ignored;
    if (!ret_status)
        ret_status = &ignored;
    *ret_status = RUNTIME_EXIT_FAILED;
    _cleanup_free_ char *root = rt_state_root(ctx);
    _cleanup_free_ char *dir = NULL;
    _cleanup_close_ int dirfd = -1;
    if (rt_state_open_dir(root, id, true, &dir, &dirfd, err) < 0)
        return -1;
    _cleanup_json_ json_t *state = rt_state_load(dir, NULL);
    switch (rt_state_status(dir, state)) {
    case RUNTIME_CREATED:
        break;
    case RUNTIME_CREATING:
        return sk_error_set(err, EBUSY, "container %s is still being created", id);
    case RUNTIME_RUNNING:
        return sk_error_set(err, EBUSY, "container %s is already running", id);
    case RUNTIME_STOPPED:
        return sk_error_set(err, EINVAL, "cannot start container %s: it has stopped", id);
    }
    return start_created(ctx, id, dir, dirfd, state, NULL, ret_status, err);
}

/* run: the container process forwarded these signals. */
static volatile sig_atomic_t forward_pid;

static void forward_signal(int sig)
{
    if (forward_pid > 0)
        kill((pid_t)forward_pid, sig);
}

static const int forwarded_signals[] = {SIGINT,  SIGTERM, SIGHUP,   SIGQUIT,
                                        SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

int runtime_run(const struct runtime_ctx *ctx, const char *id, const struct runtime_create_opts *o,
                bool detach, int *ret_status, struct sk_error *err)
{
    /* Orphans of the container (its init when C1 exits) become ours. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        return sk_error_errno(err, errno, "prctl(PR_SET_CHILD_SUBREAPER)");
    struct created c;
    *ret_status = RUNTIME_EXIT_FAILED;
    if (create_container(ctx, id, o, !detach, &c, err) < 0) {
        *ret_status = create_failure_status(&c);
        created_free(&c);
        return -1;
    }
    forward_pid = c.pid;
    struct sigaction sa = {.sa_handler = forward_signal, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; !detach && i < SK_ARRAY_SIZE(forwarded_signals); i++)
        sigaction(forwarded_signals[i], &sa, NULL);
    if (start_created(ctx, id, c.dir, c.dirfd, c.state, c.spec, ret_status, err) < 0) {
        struct sk_error ignored = {0};
        close(c.dirfd);
        c.dirfd = -1;
        /* Our child: killed and reaped here, with or without a cgroup. */
        kill(c.pid, SIGKILL);
        rt_waitpid(c.pid, NULL, 0);
        rt_container_destroy(ctx, c.dir, c.state, &ignored);
        created_free(&c);
        return -1;
    }
    close(c.dirfd); /* unlock: kill, exec, state work while it runs */
    c.dirfd = -1;
    if (detach) {
        *ret_status = 0;
        created_free(&c);
        return 0;
    }
    int st = 0;
    bool reaped = false;
    if (c.master >= 0) {
        reaped = rt_tty_relay(c.master, c.pid, &st) == 1;
        close(c.master);
        c.master = -1;
    }
    while (!reaped) {
        pid_t r = rt_waitpid(-1, &st, 0);
        if (r == c.pid)
            break;
        if (r < 0) {
            st = 255 << 8;
            break;
        }
    }
    forward_pid = 0;
    *ret_status = rt_exit_code(st);
    _cleanup_free_ char *root = rt_state_root(ctx);
    _cleanup_free_ char *dir = NULL;
    _cleanup_close_ int dirfd = -1;
    int r = 0;
    if (rt_state_open_dir(root, id, true, &dir, &dirfd, NULL) == 0) {
        _cleanup_json_ json_t *state = rt_state_load(dir, NULL);
        r = rt_container_destroy(ctx, dir, state ? state : c.state, err);
    }
    /* Whatever else the container left us to reap. */
    while (rt_waitpid(-1, NULL, WNOHANG) > 0)
        ;
    created_free(&c);
    return r;
}
