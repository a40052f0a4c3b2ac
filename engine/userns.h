/* Rootless skiff: the user namespace it lives in, kept by a pause process per
 * user. The design is at the top of engine/userns.c. */
#ifndef SKIFF_ENGINE_USERNS_H
#define SKIFF_ENGINE_USERNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* The hidden command the pause process runs as (`skiff __userns-pause`). */
#define USERNS_PAUSE_COMMAND "__userns-pause"
/* Its name in ps (comm). */
#define USERNS_PAUSE_NAME "skiff-pause"
/* Files under <runtime dir>/skiff: "PID STARTTIME\n", and the lock around
 * making the process. */
#define USERNS_PAUSE_PIDFILE "pause.pid"
#define USERNS_PAUSE_LOCK "pause.lock"

/* Enter the user namespace (then the mount namespace) of this user's pause
 * process, making the process first when it is missing or dead. Nothing to
 * do for root or inside the namespace already. The process must have a
 * single thread. *ret_warning: a line for the user when the namespace maps
 * the user's own ID alone (no subordinate IDs, or no newuidmap), or NULL. */
int engine_userns_enter(char **ret_warning, struct sk_error *err);

/* The ID mappings of the namespace skiff runs in (file: "uid_map" or
 * "gid_map"): inside is the ID in the namespace (the container's view),
 * outside the host's. At most max; the initial namespace has one, of
 * 4294967295 IDs. */
struct userns_mapping {
    unsigned long inside, outside, count;
};
size_t engine_userns_mappings(const char *file, struct userns_mapping *out, size_t max);

/* PATH, a path in skiff's mount namespace, as the caller's own mount
 * namespace reaches it: /proc/PAUSE/root/REALPATH (PATH with its symlinks
 * resolved, which /proc/PAUSE/root would not keep inside) when this process
 * joined the namespaces itself (the pause process's root, open to the user who owns
 * it), NULL when it did not (root, or already inside: PATH itself). */
char *engine_userns_caller_path(const char *path);
/* Whether this process joined skiff's namespaces itself (run from the
 * user's shell, not inside `skiff unshare`). */
bool engine_userns_joined_here(void);

/* The pause process: closes ready_fd (when > 2) once in place, then sleeps
 * until killed. */
int engine_userns_pause_main(int ready_fd);

/* A rootless user's runtime directory: $XDG_RUNTIME_DIR; without it
 * /run/user/UID when it is the user's; else ${TMPDIR:-/tmp}/skiff-run-UID,
 * made 0700 and refused when someone else owns it or others may enter it. */
int engine_rootless_runtime_dir(char **ret, struct sk_error *err);

/* Advice for a layer whose owner the namespace does not map ("add
 * \"user:START:65536\" to /etc/subuid and /etc/subgid ..."), or NULL when
 * not rootless. */
char *engine_userns_id_hint(void);

/* Rootless: fail (EOVERFLOW) unless skiff's user namespace maps id, a
 * "uid" or "gid" (kind names it in the error, with that advice); 0 for
 * root. The container's IDs are skiff's: the runtime could not switch to
 * an unmapped one. */
int engine_userns_check_id(const char *kind, unsigned long long id, struct sk_error *err);
/* The same for an OCI process.user: uid, gid and additionalGids. */
int engine_userns_check_user(const json_t *user, struct sk_error *err);

/* ---- subordinate ID files (subuid(5)), exposed for the unit tests ---------- */

struct userns_range {
    unsigned long start, count;
};
#define USERNS_MAX_RANGES 64
/* The ranges of user (by name, or by uid written as a number) in the text of
 * /etc/subuid or /etc/subgid ("name:start:count" per line). */
size_t userns_subid_ranges(const char *text, const char *user, unsigned long id,
                           struct userns_range *out, size_t max);
/* A start for a new 65536-ID range that overlaps none in either text: at
 * least 100000, past the end of every range. */
unsigned long userns_subid_free_start(const char *subuid_text, const char *subgid_text);

#endif
