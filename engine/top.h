/* `skiff top`: the processes of a running container, described with ps(1)'s
 * AIX format descriptors as podman's psgo does (user, pid, ppid, pcpu, etime,
 * tty, time, args by default).
 *
 * The processes are every host process in the pid namespace of the
 * container's init; pids are shown as the container sees them (the last
 * NSpid of /proc/PID/status), users and groups are named from the
 * container's own /etc/passwd and /etc/group. */
#ifndef SKIFF_ENGINE_TOP_H
#define SKIFF_ENGINE_TOP_H

#include <jansson.h>
#include <stddef.h>

#include "common/error.h"
#include "engine/engine.h"

/* Descriptors: names ("pid") or codes ("%p"); an entry may hold several,
 * comma-separated; none: the default set. *ret: an array of rows (arrays of
 * strings), the header first. EINVAL "'x': unknown descriptor"; ENOENT for
 * an unknown container; ESRCH when it does not run. */
int engine_container_top(struct engine *e, const char *what, char *const *descriptors, size_t n,
                         json_t **ret, struct sk_error *err);

#endif
