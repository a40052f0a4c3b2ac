/* skiff's built-in OCI runtime: turns a bundle (config.json + rootfs) into a
 * running process, with a runc-compatible life cycle (create, start, state,
 * kill, delete, plus run, exec and list). It knows nothing about images or
 * the store.
 *
 * ---- Design ---------------------------------------------------------------
 *
 * State. Every container has a directory <root>/<id> (root: --root, default
 * RUNTIME_DEFAULT_ROOT) holding state.json (ours: pid and its start time,
 * bundle, rootfs, created, annotations, cgroup directories), config.json (the
 * config as create read it; exec and delete use it) and, until the container
 * is started, start.sock. The status is never stored: it is derived live.
 * The init process gone (or its pid reused: the start time differs) ->
 * stopped; start.sock still there -> created (the init waits on it); else
 * running. Mutations (create, start, kill, delete) hold a flock on the
 * directory. <root>/.cache/seccomp/ keeps compiled seccomp filters
 * (seccomp.c); runtime_list skips it, as every name starting with a dot.
 *
 * Processes of `create` (runtime/create.c is the parent side, init.c the
 * container side):
 *
 *   P  skiff runtime create. Re-executes itself from a sealed memfd copy of
 *      its binary first (runtime_reexec_sealed, CVE-2019-5736), so no
 *      container process can ever reach skiff's binary through /proc/PID/exe.
 *   C1 forked by P (born in the container's cgroup2 directory when the kernel
 *      can). Joins the container's cgroups itself (rt_cgroup_join_self), then
 *      joins the namespaces given by path (all but user), enters the user
 *      namespace (joins it, or unshares it and asks P to write uid_map and
 *      gid_map, as root may), unshares the remaining new namespaces (a new
 *      network namespace gets its loopback up, as with runc) and forks
 *      C2, whose pid it reports before exiting. Two steps because a new pid
 *      namespace only applies to children.
 *   C2 the container's init (pid 1 in a new pid namespace). Sets hostname,
 *      prepares the root filesystem (mounts, devices, /dev symlinks) with
 *      every target resolved inside the rootfs (openat2 RESOLVE_IN_ROOT) and
 *      mounted through /proc/self/fd/N of an O_PATH fd, sets sysctls and
 *      oom_score_adj, lets P run the prestart and createRuntime hooks, runs the
 *      createContainer hooks, masks and write-protects paths, pivot_roots,
 *      then prepares the process: executable looked up, rlimits, umask, cwd
 *      (checked to be inside the new root, CVE-2024-21626), user, bounding /
 *      effective / permitted / inheritable / ambient capabilities (nothing
 *      inheritable or ambient unless asked, CVE-2022-29162),
 *      noNewPrivileges, seccomp filter built. It reports "created" to P, which
 *      writes state.json and the pid file and exits; C2 inherited its stdio.
 *
 * A config without a mount namespace gets none: the container lives in the
 * runtime's, as the spec says. C2 then builds the same root there, below a
 * private bind of the rootfs onto itself (nothing reaches the host's other
 * mounts), and chroots instead of pivot_root; exec chroots into the init's
 * root; delete detaches that bind and everything below it (rootfs.c).
 *
 * P and C1/C2 talk over a SOCK_SEQPACKET socketpair (runtime/sync.c); any
 * failure in a child travels back as an error message, and P kills what it
 * started, removes the cgroups and the state directory.
 *
 * `start` connects to start.sock (bound by P before forking, listening in
 * C2). C2 accepts, runs the startContainer hooks, marks every fd above stdio
 * close-on-exec, loads the seccomp filter (as late as possible: only execve
 * and, when the filter needed a temporary CAP_SYS_ADMIN, capset follow) and
 * execs the user process. The connection is close-on-exec, so `start` reads
 * EOF when the exec happened, or an error message when it failed; then it
 * removes start.sock and runs the poststart hooks.
 *
 * Terminals (tty.c). With process.terminal, C2 opens the container's own
 * /dev/ptmx after pivot_root, makes the slave (/dev/pts/N of the container's
 * devpts) its controlling terminal and stdio, and passes the master to P
 * over the sync socket. P sends it to --console-socket (a unix stream
 * socket, one SCM_RIGHTS message, as runc does) or, for a foreground run
 * without one, keeps it and relays it to its own stdio (stdin raw when it
 * is a terminal, window size copied at start and on SIGWINCH). exec --tty
 * does the same from X2.
 *
 * `run` is create + start in one process that is a child subreaper, so the
 * container process becomes its child: it forwards signals, waits, deletes
 * the container and returns the exit status (128 + signal when killed).
 *
 * `exec` forks X1, which joins the container's cgroups and every namespace of
 * its init that differs from ours (user last), and forks X2 into the pid
 * namespace, reports its pid and exits (X2 becomes ours: we are a child
 * subreaper). X2 waits for our go-ahead, then applies the process (the
 * config's, with the command line's overrides, or --process FILE) like C2
 * does and execs. When the executable cannot be found or run, X2's error
 * message carries 127 or 126, as a shell would exit: that is exec's status
 * (the init's error messages carry it the same way for create and start).
 *
 * `delete` refuses a created or running container unless forced; then it
 * SIGKILLs the init and everything left in the cgroup, removes the cgroups,
 * runs the poststop hooks and removes the state directory.
 *
 * Device rules (linux.resources.devices) go to the v1 devices controller
 * where there is one, else to the container's cgroup2 directory as an eBPF
 * program the runtime generates (cgroups_devices_bpf.c).
 *
 * Rootless (an ordinary user runs the runtime; idmap.c). The config needs
 * a user namespace (`skiff runtime spec --rootless` writes one). C1 joins
 * or creates it before anything else, so the other namespaces belong to it
 * (root joins the namespaces given by path first, those it may, see
 * namespaces.c; exec joins the same way). P writes the id maps: directly
 * for a single mapping of the user's own id (gid_map once setgroups is
 * denied), through newuidmap/newgidmap for anything else, after checking,
 * before anything exists, that /etc/subuid and /etc/subgid grant the ranges
 * (the error names the line to add). C1 is dumpable while P writes them (P
 * needs its /proc/PID as the same user); C2 opens the rootfs and bind
 * sources itself (P could not reach its /proc/PID/root) and is dumpable once
 * created, so that the user's exec can enter it. Devices are the host's,
 * bound (no mknod in a user namespace). Cgroups: a pure cgroup v2 host that
 * delegates the user's cgroup (cgroup.procs writable) gets skiff/<id> below
 * it, with the limits whose controllers reach it (a warning for the others);
 * any other host (cgroup v1, nothing delegated) gets no cgroups and one
 * warning, which adds that resource limits are ignored when the config has
 * some, as podman does. Device rules are left out either way: a user
 * namespace makes no device node, and a device program needs privilege;
 * kill --all then signals every process of the container's pid namespace.
 * A cgroup2 or sysfs mount the user namespace may not make becomes a bind
 * (of the container's cgroup, of the host's /sys), as with runc. The state
 * root is the user's: $XDG_RUNTIME_DIR/skiff/runtime. Root of a user
 * namespace other than the initial one (skiff's engine, rootless, runs the
 * runtime in the user's) is rootless too, for devices and cgroups, and
 * writes id maps as root does.
 *
 * Library code never prints: warnings (ignored apparmor/selinux settings,
 * settings cgroup v2 lacks, unknown capabilities) go to runtime_ctx.warn. */
#ifndef SKIFF_RUNTIME_RUNTIME_H
#define SKIFF_RUNTIME_RUNTIME_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

#define RUNTIME_DEFAULT_ROOT "/run/skiff/runtime"
/* An ordinary user's default, below $XDG_RUNTIME_DIR (runc's is
 * $XDG_RUNTIME_DIR/runc): where skiff's engine keeps that user's containers
 * (<runroot>/runtime, runroot $XDG_RUNTIME_DIR/skiff). */
#define RUNTIME_USER_ROOT "skiff/runtime"
/* The OCI runtime spec version skiff implements and writes in state. */
#define RUNTIME_OCI_VERSION "1.0.2"

struct runtime_ctx {
    /* State root; NULL = RUNTIME_DEFAULT_ROOT for root, for an ordinary
     * user $XDG_RUNTIME_DIR/RUNTIME_USER_ROOT (/tmp/skiff-run-UID/runtime
     * without XDG_RUNTIME_DIR). */
    const char *root;
    void (*warn)(void *data, const char *msg);
    void *warn_data;
};

struct runtime_create_opts {
    const char *bundle;   /* NULL = current directory */
    const char *pid_file; /* NULL = none */
    /* With process.terminal, where the pty master goes (runc's protocol).
     * NULL: a foreground runtime_run relays the terminal to its own stdio;
     * create and detached runs fail. */
    const char *console_socket;
};

/* The container's status as the OCI spec names it. */
enum runtime_status {
    RUNTIME_CREATING,
    RUNTIME_CREATED,
    RUNTIME_RUNNING,
    RUNTIME_STOPPED,
};
const char *runtime_status_name(enum runtime_status s);

/* Why a container's process, or an exec'd one, never ran: a shell's exit
 * statuses. The init (or exec's X2) finds the executable while it prepares
 * the process (create; exec) and execve's it at start: when either fails
 * because of the executable (missing: ENOENT, ENOTDIR; there but not
 * runnable: EACCES, ENOEXEC, ...), the status says so, whatever the
 * message; every other failure (a mount, the cwd, a hook, the runtime's
 * own) is RUNTIME_EXIT_FAILED. */
#define RUNTIME_EXIT_FAILED 125        /* the runtime failed */
#define RUNTIME_EXIT_CANNOT_INVOKE 126 /* the executable was found but could not run */
#define RUNTIME_EXIT_NOT_FOUND 127     /* no such executable */

/* create, start: on failure *ret_status (when not NULL) is one of the
 * RUNTIME_EXIT_ codes above, on success 0. */
int runtime_create(const struct runtime_ctx *ctx, const char *id,
                   const struct runtime_create_opts *o, int *ret_status, struct sk_error *err);
int runtime_start(const struct runtime_ctx *ctx, const char *id, int *ret_status,
                  struct sk_error *err);
/* create + start. Detached: returns after the start. Otherwise waits for the
 * container process, deletes the container and sets *ret_status to its exit
 * code (128 + signal number when a signal killed it). When create or start
 * fails, *ret_status is one of the RUNTIME_EXIT_ codes. */
int runtime_run(const struct runtime_ctx *ctx, const char *id, const struct runtime_create_opts *o,
                bool detach, int *ret_status, struct sk_error *err);

/* The OCI state document (ociVersion, id, status, pid, bundle, rootfs,
 * created, owner, annotations), status derived now. */
int runtime_state(const struct runtime_ctx *ctx, const char *id, json_t **ret,
                  struct sk_error *err);
/* An array of state documents, sorted by id. */
int runtime_list(const struct runtime_ctx *ctx, json_t **ret, struct sk_error *err);
/* Signal the init process, or with all every process in its cgroup. */
int runtime_kill(const struct runtime_ctx *ctx, const char *id, int sig, bool all,
                 struct sk_error *err);
int runtime_delete(const struct runtime_ctx *ctx, const char *id, bool force, struct sk_error *err);
/* Whether the OOM killer killed a process in the container's memory cgroup
 * (before delete; false when unknown). */
bool runtime_oom_killed(const struct runtime_ctx *ctx, const char *id);

struct runtime_exec_opts {
    const char *process_file; /* a process.json; args to no_new_privs are then ignored */
    const json_t *process;    /* the same, as a document (when no process_file) */
    char **args;              /* the command (NULL-terminated) */
    char **env;               /* KEY=VALUE to add or replace */
    char **caps;              /* capabilities to add ("CAP_X") */
    const char *cwd;
    const char *user; /* "uid[:gid]" */
    bool tty;
    bool detach;
    bool no_new_privs;
    const char *pid_file;
    const char *console_socket;
    /* The process's stdin, stdout and stderr (each above 2, or its own
     * number); NULL: ours. */
    const int *stdio;
    int *ret_pid; /* where to store the process's pid (ours), or NULL */
};
/* An annotation "1": the process keeps the runtime's supplementary groups
 * (no setgroups; process.user.additionalGids ignored), as crun's. */
#define RUNTIME_ANNOTATION_KEEP_GROUPS "run.oci.keep_original_groups"
/* How the runtime's warning that a rootless container gets no cgroups
 * begins; ": resource limits are ignored" ends it when the spec has some. */
#define RUNTIME_NOTE_CGROUPS_SKIPPED "rootless: cgroups skipped ("
#define RUNTIME_NOTE_LIMITS_IGNORED ": resource limits are ignored"
/* Run a process in a created or running container; the caller becomes a
 * child subreaper. Unless detached, waits for it and sets *ret_status like
 * runtime_run (its exit code, 128 + signal number when a signal killed it);
 * detached, *ret_status is 0 once it runs. On failure *ret_status is one of
 * the RUNTIME_EXIT_ codes above. */
int runtime_exec(const struct runtime_ctx *ctx, const char *id, const struct runtime_exec_opts *o,
                 int *ret_status, struct sk_error *err);

/* A default config.json like `runc spec` writes (args ["sh"], terminal true,
 * the usual capabilities, mounts, masked and read-only paths); rootless: a
 * user namespace mapping the caller to root, no network namespace, /sys bound
 * from the host, no cgroup device rules. A new reference. */
json_t *runtime_spec_default(bool rootless);

/* Unless the running binary already is a sealed memfd copy of itself,
 * re-execute from one (same argv and environment; does not return on
 * success). Callers run it before creating or entering a container. */
int runtime_reexec_sealed(struct sk_error *err);
/* Execute a sealed memfd copy of the running binary with argv (the
 * environment kept); returns only on failure. */
int runtime_exec_sealed(char *const argv[], struct sk_error *err);

#endif
