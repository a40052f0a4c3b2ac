/* skiff exec: a new process in a running container. */
#ifndef SKIFF_ENGINE_EXEC_H
#define SKIFF_ENGINE_EXEC_H

#include <stdbool.h>

#include "common/error.h"
#include "engine/engine.h"

struct engine_exec_opts {
    char *const *command;   /* NULL-terminated, at least one word */
    char *const *env;       /* -e: KEY=VALUE, or KEY / PREFIX* from skiff's environment */
    char *const *env_files; /* --env-file: one KEY=VALUE (or KEY) a line */
    const char *user;       /* -u USER[:GROUP], names resolved in the container; NULL: its own */
    const char *workdir;    /* -w, absolute; NULL: the container's */
    bool privileged;        /* every capability of skiff's bounding set (seccomp stays) */
    bool tty;               /* a pty, relayed to our stdio */
    bool interactive;       /* our stdin reaches the process; else it reads /dev/null */
    bool detach;            /* return once it runs; its stdio is then /dev/null */
    /* The runtime's warnings (unsupported settings); NULL drops them. */
    void (*warn)(void *data, const char *msg);
    void *warn_data;
};

/* Run o->command in the running container what (name, ID or ID prefix; NULL:
 * the newest container), as the container's process runs: in its namespaces
 * and cgroups, with its seccomp filter, capabilities, environment, user and
 * working directory (config.json's process), changed by o. It does not matter
 * who started the container; several execs may run at once.
 * *ret_status: the process's exit code (128 + N when signal N killed it; 0
 * once a detached process runs), or podman's codes when it never ran: 125
 * skiff failed (no such container, not running, bad flag), 126 the command
 * cannot be invoked, 127 it was not found. *ret_pid (may be NULL): its pid. */
int engine_container_exec(struct engine *e, const char *what, const struct engine_exec_opts *o,
                          int *ret_status, int *ret_pid, struct sk_error *err);

#endif
