/* The monitor: one small process per running container, forked from the
 * skiff command that starts it and detached from that command's session. It
 * is the container's parent (a child subreaper), so it alone can reap it and
 * learn its exit code; it writes the container's output to userdata/ctr.log
 * (k8s-file), relays it to attached clients, records the exit in the
 * container's record, releases the runtime state and the rootfs mount, and
 * removes --rm containers. See engine/monitor.c for the process layout.
 *
 * Run state, <runroot>/monitor/<id>/:
 *   lock     flock held by the monitor for its whole life: a record that says
 *            "running" while nobody holds it is stale (monitor killed, reboot)
 *   attach   SOCK_SEQPACKET socket for `skiff attach` (protocol below)
 *   console  where the runtime sends a -t container's pty master, during start
 *
 * Attach protocol: every message starts with a type byte.
 *   monitor -> client: ATTACH_STDOUT/ATTACH_STDERR + data, ATTACH_EXIT + int32
 *                      exit code (last message; the container is recorded exited
 *                      and, with --rm, removed by then)
 *   client -> monitor: ATTACH_STDIN + data, ATTACH_STDIN_EOF, ATTACH_WINSIZE +
 *                      struct winsize */
#ifndef SKIFF_ENGINE_MONITOR_H
#define SKIFF_ENGINE_MONITOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/lock.h"
#include "engine/engine.h"

enum {
    ATTACH_STDOUT = 'o',
    ATTACH_STDERR = 'e',
    ATTACH_EXIT = 'x',
    ATTACH_STDIN = 'i',
    ATTACH_STDIN_EOF = 'c',
    ATTACH_WINSIZE = 'w',
};
#define ATTACH_MSG_MAX 32768

struct monitor_opts {
    bool tty;         /* the config has process.terminal */
    bool interactive; /* keep the container's stdin open (-i) */
    bool autoremove;  /* --rm */
    int client_fd;    /* a connected attach client (run, start -a), or -1 */
};

/* Start the container (initialized: config.json written, rootfs mounted)
 * under a new monitor; the caller holds the monitor lock (lock_fd), which the
 * monitor inherits. Returns once the container runs (*ret_pid: its init)
 * or failed; then *ret_code is podman's 125/126/127 (126 and 127 when the
 * runtime says the process could not be run or found) and the container is
 * back to "created" (or removed, with --rm). The runtime's warnings go to
 * warn. */
int engine_monitor_start(struct engine *e, const char *id, const struct monitor_opts *o,
                         int lock_fd, void (*warn)(const char *msg), pid_t *ret_pid,
                         int *ret_code, struct sk_error *err);

/* The hidden command the monitor's worker runs (argv: ID tty|notty REPORT_FD
 * DIR_FD): creates and starts the container, reports to REPORT_FD. Returns
 * the worker's exit status. */
#define MONITOR_WORKER_COMMAND "__monitor-worker"
int engine_monitor_worker(struct engine *e, const char *id, bool tty, int report_fd, int dir_fd);

/* The monitor lock of a container: 0 taken (no monitor alive) into *lock;
 * with wait false, 1 when a monitor holds it; with wait true blocks until its
 * monitor is gone. */
int engine_monitor_lock(struct engine *e, const char *id, bool wait, struct sk_lock *lock,
                        struct sk_error *err);
/* Path of a monitor socket; NULL-safe free. */
char *engine_monitor_path(struct engine *e, const char *id, const char *name);

/* The runtime's state root for containers of this store. */
char *engine_runtime_root(struct engine *e);

#endif
