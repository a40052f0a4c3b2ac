/* Interfaces between the runtime's own files; nothing outside runtime/ (but
 * its unit tests) includes this. Grouped by the file that implements them. */
#ifndef SKIFF_RUNTIME_INTERNAL_H
#define SKIFF_RUNTIME_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/proc.h"
#include "runtime/runtime.h"

/* ---- spec.c: config.json parsed and validated ----------------------------
 * Strings point into the JSON document the spec or process was parsed from
 * (kept alive by rt_spec.doc); arrays are allocated and freed with it. */

enum rt_ns_kind { RT_NS_USER, RT_NS_MNT, RT_NS_PID, RT_NS_NET, RT_NS_IPC, RT_NS_UTS, RT_NS_CGROUP };
#define RT_NS_COUNT 7

struct rt_ns_info {
    const char *oci_name;  /* "network" */
    const char *proc_name; /* "net" as in /proc/PID/ns/net */
    int clone_flag;        /* CLONE_NEWNET */
};
extern const struct rt_ns_info rt_ns_table[RT_NS_COUNT];

struct rt_spec_ns {
    bool enabled;     /* listed in linux.namespaces */
    const char *path; /* join this one; NULL = a new namespace */
};

struct rt_idmap {
    uint32_t container_id, host_id, size;
};

struct rt_mount {
    const char *destination;
    const char *type;          /* may be NULL for binds */
    char *source;              /* binds: absolute (relative ones resolved against the bundle) */
    unsigned long flags;       /* MS_* to set, MS_BIND | MS_REC included */
    unsigned long propagation; /* MS_PRIVATE/SHARED/SLAVE/UNBINDABLE (| MS_REC), or 0 */
    uint64_t rec_attr_set;     /* MOUNT_ATTR_* for rro, rnosuid, ... (recursive) */
    bool bind;
    bool tmpcopyup; /* a tmpfs starting with a copy of the directory it covers */
    char *data;     /* filesystem options, comma-separated; NULL when none */
};

struct rt_device {
    const char *path;
    char type; /* 'c', 'b', 'u' (= 'c'), 'p' */
    int64_t major, minor;
    mode_t file_mode;
    uid_t uid;
    gid_t gid;
};

struct rt_device_rule {
    bool allow;
    char type;            /* 'a', 'c', 'b' */
    int64_t major, minor; /* -1 = any */
    char access[4];       /* subset of "rwm" */
};

struct rt_rlimit {
    const char *type; /* "RLIMIT_NOFILE" */
    int resource;
    uint64_t soft, hard;
};

struct rt_hook {
    const char *path;
    const char **args; /* NULL-terminated; may be NULL */
    const char **env;
    int timeout; /* seconds, 0 = none */
};

enum rt_hook_kind {
    RT_HOOK_PRESTART,
    RT_HOOK_CREATE_RUNTIME,
    RT_HOOK_CREATE_CONTAINER,
    RT_HOOK_START_CONTAINER,
    RT_HOOK_POSTSTART,
    RT_HOOK_POSTSTOP,
};
#define RT_HOOK_COUNT 6
extern const char *const rt_hook_names[RT_HOOK_COUNT];

struct rt_hooks {
    struct rt_hook *list;
    size_t n;
};

struct rt_caps {
    uint64_t bounding, effective, permitted, inheritable, ambient;
};

struct rt_process {
    bool terminal;
    uid_t uid;
    gid_t gid;
    gid_t *groups;
    size_t ngroups;
    bool has_umask;
    mode_t umask;
    const char **args;
    const char **env;
    const char *cwd;
    bool has_caps; /* no capabilities object: keep none */
    struct rt_caps caps;
    struct rt_rlimit *rlimits;
    size_t nrlimits;
    bool no_new_privileges;
    bool has_oom_score_adj;
    int oom_score_adj;
    const char *apparmor, *selinux;
    /* annotation run.oci.keep_original_groups=1 (crun's): no setgroups, the
     * process keeps the runtime's supplementary groups */
    bool keep_groups;
};


struct rt_i64 {
    bool set;
    int64_t v;
};

/* linux.resources.hugepageLimits[]: page size as the kernel names it in the
 * hugetlb controller's files ("2MB", "1GB", "64KB"). */
struct rt_hugepage_limit {
    const char *page_size;
    uint64_t limit;
};

struct rt_resources {
    struct rt_i64 memory_limit, memory_swap, memory_reservation, memory_swappiness;
    bool disable_oom_killer;
    struct rt_i64 cpu_shares, cpu_quota, cpu_period, cpu_rt_runtime, cpu_rt_period;
    const char *cpuset_cpus, *cpuset_mems;
    struct rt_i64 pids_limit;
    struct rt_device_rule *devices;
    size_t ndevices;
    struct rt_hugepage_limit *hugepages;
    size_t nhugepages;
};

struct rt_sysctl {
    const char *key, *value;
};

struct rt_seccomp; /* seccomp.c */

struct rt_spec {
    json_t *doc;
    char *bundle; /* absolute */
    char *rootfs; /* absolute */
    bool root_readonly;
    const char *hostname, *domainname;
    bool has_process;
    struct rt_process process;
    struct rt_mount *mounts;
    size_t nmounts;
    struct rt_hooks hooks[RT_HOOK_COUNT];
    struct rt_spec_ns ns[RT_NS_COUNT];
    struct rt_idmap *uid_maps, *gid_maps;
    size_t n_uid_maps, n_gid_maps;
    struct rt_device *devices;
    size_t ndevices;
    const char *cgroups_path; /* NULL = default */
    struct rt_resources resources;
    unsigned long rootfs_propagation; /* 0 = default (rprivate) */
    const char **masked_paths, **readonly_paths;
    struct rt_sysctl *sysctls;
    size_t nsysctls;
    struct rt_seccomp *seccomp; /* NULL = none */
    const json_t *annotations;  /* object or NULL */
    char **warnings;            /* for runtime_ctx.warn */
};

/* No mount namespace in linux.namespaces: the container lives in the
 * runtime's (see rootfs.c). */
static inline bool rt_spec_shares_mount_ns(const struct rt_spec *s)
{
    return !s->ns[RT_NS_MNT].enabled;
}

/* Parse doc (a reference is taken). bundle must be absolute. */
int rt_spec_parse(json_t *doc, const char *bundle, struct rt_spec **ret, struct sk_error *err);
/* root.path must be an existing directory (checked at create only). */
int rt_spec_check_rootfs(const struct rt_spec *s, struct sk_error *err);
/* Read <bundle>/config.json and parse it. */
int rt_spec_load(const char *bundle, struct rt_spec **ret, struct sk_error *err);
void rt_spec_free(struct rt_spec *s);
static inline void rt_spec_freep(struct rt_spec **s)
{
    rt_spec_free(*s);
}
#define _cleanup_spec_ __attribute__((cleanup(rt_spec_freep)))

/* A process object (config.json's "process", or exec's process.json). The
 * strings stay in j. warnings may be NULL. */
/* Whether the spec's annotations ask to keep the supplementary groups. */
bool rt_spec_keep_groups(const struct rt_spec *s);
int rt_process_parse(const json_t *j, struct rt_process *ret, char ***warnings,
                     struct sk_error *err);
void rt_process_free(struct rt_process *p);

/* Mount options -> flags, propagation and data (exposed for unit tests). */
int rt_mount_parse_options(const json_t *options, struct rt_mount *m, struct sk_error *err);

/* ---- caps.c --------------------------------------------------------------- */

/* Capability number of "CAP_X" (or "X", any case); -1 when unknown. */
int rt_cap_from_name(const char *name);
const char *rt_cap_name(int cap);
/* The highest capability number the running kernel knows. */
int rt_cap_last(void);
/* A set from a JSON array of names; unknown names or ones the kernel lacks
 * become warnings. */
int rt_caps_parse_set(const json_t *arr, const char *what, uint64_t *ret, char ***warnings,
                      struct sk_error *err);
/* This process's bounding set (read from the kernel). */
uint64_t rt_caps_own_bounding(void);
/* Drop everything outside keep from the bounding set (needs CAP_SETPCAP). */
int rt_caps_drop_bounding(uint64_t keep, struct sk_error *err);
/* capset: effective, permitted and inheritable, each with extra added. */
int rt_caps_apply(const struct rt_caps *c, uint64_t extra, struct sk_error *err);
/* Clear the ambient set and raise the given ones. */
int rt_caps_set_ambient(uint64_t ambient, struct sk_error *err);

/* ---- seccomp.c ------------------------------------------------------------ */

int rt_seccomp_parse(const json_t *j, struct rt_seccomp **ret, char ***warnings,
                     struct sk_error *err);
void rt_seccomp_free(struct rt_seccomp *s);
/* Compile the filter to BPF once, before forking the processes that load it
 * (they inherit it): from the cache under cache_root (the state root; NULL =
 * no cache), else with libseccomp, then cached. */
int rt_seccomp_compile(struct rt_seccomp *s, const char *cache_root, struct sk_error *err);
/* The filter ready to load (an opaque handle): the compiled program, or
 * compiled now when rt_seccomp_compile was not called. */
int rt_seccomp_build(const struct rt_seccomp *s, void **ret_ctx, struct sk_error *err);
/* seccomp(2) with the profile's flags. */
int rt_seccomp_load(void *ctx, struct sk_error *err);
void rt_seccomp_release(void *ctx);

/* ---- namespaces.c --------------------------------------------------------- */

int rt_ns_from_oci_name(const char *name);
/* Child side: join the namespaces given by path and join or create the
 * user namespace (asking the parent over sync_fd to write the id maps), in
 * the order the file's comment gives, then unshare the remaining new ones. */
int rt_ns_enter(const struct rt_spec *s, int sync_fd, struct sk_error *err);
/* exec: join every namespace of target that differs from ours (same
 * order). *ret_joined_user says whether a user namespace was joined. */
int rt_ns_join_process(pid_t target, bool *ret_joined_user, struct sk_error *err);

/* ---- idmap.c: unprivileged runtimes, id maps ------------------------------ */

/* Is this process in the initial user namespace? */
bool rt_in_initial_userns(void);
/* Rootless: not root, or root of a user namespace other than the initial
 * one (no privilege over the host: no mknod, no cgroups of the host's). */
bool rt_rootless(void);
/* Our effective uid as the host sees it (through /proc/self/uid_map). */
uid_t rt_host_euid(void);
/* Before anything is created: can we have the config's id maps written
 * (newuidmap/newgidmap installed, ranges granted in /etc/subuid and
 * /etc/subgid)? Always true for root. */
int rt_idmap_check(const struct rt_spec *s, struct sk_error *err);
/* Parent side: write /proc/PID/uid_map and gid_map; as an unprivileged
 * user, directly for a single mapping of one's own id (gid_map after
 * denying setgroups), through newuidmap/newgidmap for anything else. */
int rt_ns_write_idmaps(pid_t pid, const struct rt_spec *s, struct sk_error *err);
/* Exposed for unit tests: maps are one mapping of id own, size 1; file
 * (/etc/subuid format) grants user (by name or uid) [start, start+count). */
bool rt_idmap_is_own(const struct rt_idmap *maps, size_t n, uint32_t own);
bool rt_subid_allows(const char *file, const char *user, uid_t uid, uint32_t start, uint32_t count);

/* ---- cgroups.c (+ cgroups_v1.c, cgroups_v2.c, cgroups_devices_bpf.c) ------ */

struct rt_cgroup_dir {
    char *controllers; /* "memory", "cpu,cpuacct", "name=systemd", "" for cgroup2 */
    char *mount;       /* the host mount point of the hierarchy */
    char *path;        /* the container's directory: mount + cgroup path */
    bool v2;
};

struct rt_cgroup {
    bool unified;  /* pure cgroup v2 host */
    bool rootless; /* planned for a rootless runtime (not stored in the state) */
    struct rt_cgroup_dir *dirs;
    size_t n;
};

/* The container's directory in every mounted hierarchy (nothing created).
 * cgroups_path absolute: from each hierarchy's root; relative: below our own
 * cgroup. */
int rt_cgroup_plan(const char *cgroups_path, struct rt_cgroup *ret, struct sk_error *err);
/* A rootless runtime's (rootless set): on a pure cgroup v2 host that
 * delegates the subtree to the user (cgroup.procs of the common ancestor of
 * its own cgroup and the container's writable), the plan; anything else
 * gets no cgroups at all (ret->n 0), *ret_skipped saying why. */
int rt_cgroup_plan_rootless(const char *cgroups_path, struct rt_cgroup *ret, char **ret_skipped,
                            struct sk_error *err);
/* mkdir the directories and apply the resources (rootless: those whose
 * controllers are delegated; warnings for the others). */
int rt_cgroup_create(const struct rt_cgroup *cg, const struct rt_resources *res, char ***warnings,
                     struct sk_error *err);
/* Move pid into every directory (the caller itself: as rt_cgroup_join_self). */
int rt_cgroup_add_pid(const struct rt_cgroup *cg, pid_t pid, struct sk_error *err);
/* fork(), the child born in the cgroup2 directory when there is one and the
 * kernel can (clone3 CLONE_INTO_CGROUP; *ret_in_v2 then true, in both). */
pid_t rt_cgroup_fork(const struct rt_cgroup *cg, bool *ret_in_v2);
/* The calling process joins every directory (but the cgroup2 one when
 * in_v2): v1 ones through tasks when it is single-threaded, without the
 * kernel's global lock that a move by pid waits on. */
int rt_cgroup_join_self(const struct rt_cgroup *cg, bool in_v2, struct sk_error *err);
/* Pids in the container's cgroup (*ret NULL when none). */
int rt_cgroup_pids(const struct rt_cgroup *cg, pid_t **ret, size_t *ret_n, struct sk_error *err);
int rt_cgroup_signal_all(const struct rt_cgroup *cg, int sig, struct sk_error *err);
/* SIGKILL whatever is left, wait for it, remove the directories. */
int rt_cgroup_destroy(const struct rt_cgroup *cg, struct sk_error *err);
/* rmdir the directories' parents if empty (skiff's own /skiff, once its
 * last container is gone). */
void rt_cgroup_remove_parent(const struct rt_cgroup *cg);
json_t *rt_cgroup_to_json(const struct rt_cgroup *cg);
int rt_cgroup_from_json(const json_t *j, struct rt_cgroup *ret, struct sk_error *err);
void rt_cgroup_free(struct rt_cgroup *cg);
/* Is /sys/fs/cgroup a cgroup2 mount (statfs)? */
bool rt_cgroup_is_unified(void);

/* cgroups_v1.c / cgroups_v2.c: resources for one directory. */
int rt_cgroup_v1_apply(const struct rt_cgroup_dir *d, const struct rt_resources *res,
                       struct sk_error *err);
int rt_cgroup_v2_apply(const struct rt_cgroup_dir *d, const struct rt_resources *res,
                       char ***warnings, struct sk_error *err);
/* Enable the controllers the resources need (only: just that one) in every
 * ancestor of d. */
int rt_cgroup_v2_enable_controllers(const struct rt_cgroup_dir *d, const char *only,
                                    struct sk_error *err);
/* Does the cgroup2 hierarchy of d offer controller (its root's
 * cgroup.controllers)? On a hybrid host it holds what v1 does not. */
bool rt_cgroup_v2_offers(const struct rt_cgroup_dir *d, const char *controller);
/* Rootless: drop the limits whose controller d lacks (not delegated, or not
 * enabled above it: a parent holding processes cannot enable any), with a
 * warning naming them. */
void rt_cgroup_v2_drop_missing(const struct rt_cgroup_dir *d, struct rt_resources *r,
                               char ***warnings);
int rt_cgroup_v2_apply_hugetlb(const struct rt_cgroup_dir *d, const struct rt_resources *res,
                               struct sk_error *err);
/* Conversions (exposed for unit tests). */
uint64_t rt_cgroup_v2_weight_from_shares(uint64_t shares);
/* Write value to dir/file. */
int rt_cgroup_write(const char *dir, const char *file, const char *value, struct sk_error *err);

/* cgroups_devices_bpf.c: linux.resources.devices on cgroup v2, as an eBPF
 * program attached to the container's cgroup2 directory. */
struct bpf_insn;
/* The program for rules (allocated in *ret); returns its length. */
size_t rt_devices_bpf_program(const struct rt_device_rule *rules, size_t n, struct bpf_insn **ret);
/* Load a program of type BPF_PROG_TYPE_CGROUP_DEVICE; returns its fd. */
int rt_devices_bpf_load(const struct bpf_insn *prog, size_t n, struct sk_error *err);
/* Build, load and attach the program for rules to the cgroup2 directory dir. */
int rt_devices_bpf_apply(const char *dir, const struct rt_device_rule *rules, size_t n,
                         struct sk_error *err);

/* ---- rootfs.c ------------------------------------------------------------- */

/* Open path (absolute, taken inside the rootfs) as O_PATH, every symlink
 * resolved inside the rootfs; with create, missing components become
 * directories and the last one a directory or (as_file) an empty file. */
int rt_rootfs_open_in_root(int rootfd, const char *path, bool create, bool as_file,
                           struct sk_error *err);
/* Open (O_PATH) the rootfs into fds[0] and each bind source, in the order of
 * the mounts, into the next ones (at most RT_SYNC_MAX_FDS in all), every
 * path resolved under nsroot, a directory fd standing for "/". */
int rt_rootfs_open_sources(const struct rt_spec *s, int nsroot, int *fds, size_t *ret_n,
                           struct sk_error *err);
/* Everything before pivot_root: propagation, the rootfs bound onto itself,
 * config mounts, devices, /dev symlinks. rootfs_fd and bind_fds (one per
 * mount, -1 for those that are not binds) were opened by the runtime, as
 * root of the host, in our mount namespace: a user namespace's root need
 * not be able to walk the host's paths to them. *ret_rootfd: O_PATH fd of
 * the rootfs mount. */
int rt_rootfs_prepare(const struct rt_spec *s, const struct rt_cgroup *cg, int rootfs_fd,
                      const int *bind_fds, int *ret_rootfd, struct sk_error *err);
/* maskedPaths and readonlyPaths, resolved inside the rootfs. */
int rt_rootfs_protect_paths(const struct rt_spec *s, int rootfd, struct sk_error *err);
/* pivot_root into the rootfs (rootfd) and detach the old root (chroot when
 * the container shares the runtime's mount namespace); then readonly. */
int rt_rootfs_pivot(const struct rt_spec *s, int rootfd, struct sk_error *err);
/* The id of the mount path leads to (-1: cannot tell). */
int rt_rootfs_mount_id(const char *path);
/* A container sharing the runtime's mount namespace leaves its rootfs mount
 * tree there: detach it (state: sharedMountNs, rootfs, rootfsMountId or
 * rootfsMountIdBefore). Nothing to do for the others. */
int rt_rootfs_release_shared(const json_t *state, struct sk_error *err);

/* copyup.c: copy the content of the directory src into dst (both directory
 * fds, O_PATH will do; dest names them in errors), and with root_attrs its
 * owner, mode and times onto dst, for a tmpfs mounted with tmpcopyup. */
int rt_copyup(int src, int dst, const char *dest, bool root_attrs, struct sk_error *err);

/* mount.c: one entry of config.json's mounts inside the rootfs. */
int rt_mount_apply(const struct rt_spec *s, const struct rt_cgroup *cg, int rootfd,
                   const struct rt_mount *m, int source_fd, struct sk_error *err);
/* Bind-remount the mount at path with flags; keep_existing also keeps the
 * nosuid/nodev/noexec/atime flags it has (which a user namespace may not
 * clear). */
int rt_mount_remount(const char *path, unsigned long flags, bool keep_existing,
                     struct sk_error *err);

/* ---- process.c: the container process, from setup to execve -------------- */

struct rt_exec_plan {
    const struct rt_process *proc;
    char *path;         /* the executable, looked up in the container */
    char **envp;        /* process env (+ HOME) */
    void *seccomp;      /* built filter, loaded just before execve */
    bool temp_sysadmin; /* CAP_SYS_ADMIN kept until the filter is loaded */
    /* After a failure to find or execve the executable: RUNTIME_EXIT_NOT_FOUND
     * or RUNTIME_EXIT_CANNOT_INVOKE, as a shell decides; 0 for other failures. */
    int invoke_status;
};

/* In the container's root and namespaces: everything but the exec. */
int rt_process_prepare(const struct rt_process *p, const struct rt_seccomp *sc,
                       struct rt_exec_plan *plan, struct sk_error *err);
/* fds above 2 close-on-exec, seccomp, execve. Returns only on failure. */
int rt_process_exec(struct rt_exec_plan *plan, struct sk_error *err);
void rt_exec_plan_free(struct rt_exec_plan *plan);

/* ---- hooks.c -------------------------------------------------------------- */

/* Run hooks one after the other with state_json on stdin; the first failure
 * (exit status, timeout) stops and is the error. */
int rt_hooks_run(const struct rt_hooks *h, enum rt_hook_kind kind, const char *state_json,
                 struct sk_error *err);

/* ---- sync.c: messages between the runtime and its children --------------- */

enum rt_sync_type {
    RT_SYNC_GO = 1,  /* P -> child: proceed (payload: state JSON, may be empty) */
    RT_SYNC_USERMAP, /* C1 -> P: write my id maps */
    RT_SYNC_PID,     /* C1/X1 -> P: value = the pid of the next stage */
    RT_SYNC_HOOKS,   /* C2 -> P: run prestart/createRuntime hooks now */
    RT_SYNC_CREATED, /* C2 -> P: ready, waiting for start */
    RT_SYNC_ERROR,   /* -> P: value = errno, payload = message, status (see below) */
    RT_SYNC_FDS,     /* C2 -> P: open the rootfs and bind sources for me; P -> C2: here */
    RT_SYNC_CONSOLE, /* C2/X2 -> P: the pty's slave name, then a message with its master */
};

/* At most this many fds in one message (the kernel's SCM_MAX_FD is 253). */
#define RT_SYNC_MAX_FDS 250

struct rt_sync_msg {
    int type;
    int value;
    /* An RT_SYNC_ERROR's: RUNTIME_EXIT_NOT_FOUND or RUNTIME_EXIT_CANNOT_INVOKE
     * when the process's executable could not be found or run, else 0. */
    int status;
    char *data; /* NUL-terminated payload, "" when none */
};

int rt_sync_send(int fd, int type, int value, const char *data, struct sk_error *err);
/* An RT_SYNC_ERROR message: e (its code and message) and invoke_status (0,
 * or a RUNTIME_EXIT_ code when the process could not be found or run). */
int rt_sync_send_error(int fd, const struct sk_error *e, int invoke_status, struct sk_error *err);
/* Receive one message; an RT_SYNC_ERROR message becomes the error, its
 * status left in ret->status (else 0). EOF (peer gone) is an error
 * mentioning what. */
int rt_sync_recv(int fd, struct rt_sync_msg *ret, const char *what, struct sk_error *err);
/* Receive and require type. */
int rt_sync_expect(int fd, int type, struct rt_sync_msg *ret, const char *what,
                   struct sk_error *err);
void rt_sync_msg_free(struct rt_sync_msg *m);
/* Wait for the peer to exec: EOF (the socket was close-on-exec) is success,
 * an RT_SYNC_ERROR message is the error and *ret_status its status (0 for
 * any other failure). */
int rt_sync_wait_exec(int fd, const char *what, int *ret_status, struct sk_error *err);
/* Pass fds (SCM_RIGHTS) with a message of type; value = their count. */
int rt_sync_send_fds(int fd, int type, const int *fds, size_t n, struct sk_error *err);
/* Receive exactly n fds (close-on-exec) in a message of type. */
int rt_sync_recv_fds(int fd, int type, int *fds, size_t n, const char *what, struct sk_error *err);
/* Child side: send err and _exit(1). */
void rt_sync_fail(int fd, const struct sk_error *err) __attribute__((noreturn));
/* The same with the process's invoke status (rt_exec_plan.invoke_status). */
void rt_sync_fail_status(int fd, const struct sk_error *err, int invoke_status)
    __attribute__((noreturn));

/* ---- util.c: processes and fds -------------------------------------------- */

/* Write a whole string to path (O_WRONLY, no create). */
int rt_write_file(const char *path, const char *value, struct sk_error *err);
/* --pid-file: the pid, no newline (like runc), written atomically. */
int rt_write_pid_file(const char *path, pid_t pid, struct sk_error *err);
/* waitpid retrying on EINTR. */
pid_t rt_waitpid(pid_t pid, int *status, int flags);
/* Exit status as a shell reports it: code, or 128 + signal. */
int rt_exit_code(int wait_status);
/* Append a formatted warning to *v. */
void rt_warnf(char ***v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- state.c -------------------------------------------------------------- */

int rt_state_check_id(const char *id, struct sk_error *err);
/* root or the default, made absolute. Caller frees. */
char *rt_state_root(const struct runtime_ctx *ctx);
/* The default: RUNTIME_DEFAULT_ROOT for root, $XDG_RUNTIME_DIR/
 * RUNTIME_USER_ROOT for an ordinary user (/tmp/skiff-run-UID/runtime
 * without XDG_RUNTIME_DIR). Caller frees. */
char *rt_state_default_root(void);
/* mkdir <root>/<id> (exclusive), open it, lock it. */
int rt_state_create_dir(const char *root, const char *id, char **ret_dir, int *ret_fd,
                        struct sk_error *err);
/* Open an existing container's directory; with lock, take its flock. */
int rt_state_open_dir(const char *root, const char *id, bool lock, char **ret_dir, int *ret_fd,
                      struct sk_error *err);
/* dir/state.json; NULL with err when missing or broken. */
json_t *rt_state_load(const char *dir, struct sk_error *err);
int rt_state_save(const char *dir, const json_t *state, struct sk_error *err);
/* The status now (state NULL: still being created). */
enum runtime_status rt_state_status(const char *dir, const json_t *state);
/* The OCI state document for a stored state. */
json_t *rt_state_public(const char *dir, const char *id, const json_t *state,
                        enum runtime_status status);
/* start.sock's path through the directory fd: short, whatever --root is. */
void rt_state_sock_path(int dirfd, char *buf, size_t len);
#define RT_STATE_SOCK "start.sock"
#define RT_STATE_CONFIG "config.json"
#define RT_STATE_FILE "state.json"

/* ---- tty.c: terminals ------------------------------------------------------ */

/* Process side, in the container's root: a pty from the container's
 * /dev/ptmx, the slave as controlling terminal and stdio, the master sent
 * to the runtime (an RT_SYNC_CONSOLE message, then one with the fd). */
int rt_tty_setup(int sync_fd, struct sk_error *err);
/* Runtime side, after the first RT_SYNC_CONSOLE message: the master. */
int rt_tty_recv_master(int sync_fd, int *ret_fd, struct sk_error *err);
/* Pass the master to a --console-socket listener (runc's protocol). */
int rt_tty_send_console(const char *path, int master, struct sk_error *err);
/* Relay between the master and our stdio (stdin raw when a terminal, the
 * window size kept in step) until the terminal closes or pid exits;
 * returns 1 when it reaped pid (status in *ret_wait_status), else 0. */
int rt_tty_relay(int master, pid_t pid, int *ret_wait_status);

/* ---- init.c: the container side of create -------------------------------- */

struct rt_init_args {
    const struct rt_spec *spec;
    const struct rt_cgroup *cgroup;
    bool in_cgroup_v2; /* born in the cgroup2 directory (rt_cgroup_fork) */
    bool unprivileged; /* the runtime is not root (not even of a user namespace) */
    int sync_fd;   /* to P */
    int listen_fd; /* start.sock */
};
void rt_init_stage1(const struct rt_init_args *a) __attribute__((noreturn));

/* ---- container.c ---------------------------------------------------------- */

/* Kill what is left, remove the cgroups, run the poststop hooks (failures
 * are warnings), remove the state directory. */
int rt_container_destroy(const struct runtime_ctx *ctx, const char *dir, const json_t *state,
                         struct sk_error *err);
/* Pass warnings to ctx->warn. */
void rt_ctx_warn(const struct runtime_ctx *ctx, char *const *warnings);

#endif
