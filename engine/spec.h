/* The spec generator: image config + engine defaults + command-line flags
 * (later ones win) -> an OCI runtime config.json that runc and crun accept.
 * The merge rules are documented in docs/spec.md; defaults are data in
 * engine/spec_defaults.c and the seccomp profile in engine/seccomp_default.c.
 *
 * Flags travel as JSON: cmd/ collects raw values (strings, arrays of strings,
 * booleans) under the flag's long name ("env", "volume", "memory", "cap-add",
 * "security-opt", "tty", ...), spec_flags_normalize() validates them at create
 * time (a bad value is an error then, not at start) and returns the normalized
 * form that is stored in the container record and used at init. */
#ifndef SKIFF_ENGINE_SPEC_H
#define SKIFF_ENGINE_SPEC_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

/* raw: {"env": ["A=1"], "memory": "512m", "tty": true, ...}. Unknown keys are
 * an error. The result is self-contained (env files read, sizes in bytes,
 * signals as numbers, volumes split, capabilities as CAP_ names):
 *   name workdir user hostname cpuset-cpus network ipc pid uts   strings
 *   command entrypoint env                                   arrays of strings
 *   read-only privileged tty interactive rm no-new-privileges  booleans
 *   memory memory-swap cpu-quota cpu-period cpu-shares pids-limit
 *   stop-signal stop-timeout                                 integers (cpus: real)
 *   mounts       OCI mount objects from -v, --mount, --tmpfs (in that order)
 *   cap-add cap-drop  "CAP_X" or "ALL"      mask unmask  paths (unmask: or "ALL")
 *   seccomp      "unconfined" or the profile document from seccomp=FILE
 *   labels annotations sysctls  objects     ulimits [{type, soft, hard}] (-1 = unlimited)
 *   devices      [{path, host, permissions}]
 * docs/spec.md describes each flag. */
int spec_flags_normalize(json_t *raw, json_t **ret, struct sk_error *err);

struct spec_context {
    const char *id;         /* container ID (64 hex) */
    const char *name;       /* container name */
    const char *rootfs;     /* the mounted merged directory (absolute) */
    const char *userdata;   /* where hostname, hosts, resolv.conf are written */
    json_t *image_config;   /* the image's config blob (OCI image config JSON) */
    const char *image_name; /* for annotations */
    json_t *flags;          /* from spec_flags_normalize */
};

/* Build config.json. Reads the rootfs' /etc/passwd and /etc/group (confined to
 * the rootfs) to resolve -u NAME and supplementary groups. */
int spec_generate(const struct spec_context *ctx, json_t **ret, struct sk_error *err);
/* Write <userdata>/hostname, hosts and resolv.conf for the spec's bind mounts. */
int spec_write_etc_files(const struct spec_context *ctx, struct sk_error *err);

/* ---- helpers shared with the engine -------------------------------------- */

/* -u USER[:GROUP] (names or numbers; NULL = root) resolved against the
 * /etc/passwd and /etc/group of the root filesystem at rootfs (read confined
 * to it), as create does: the OCI process.user object {uid, gid,
 * additionalGids}. A name without an entry is an ENOENT error. */
int spec_resolve_user(const char *rootfs, const char *user, json_t **ret, struct sk_error *err);
/* Every capability of our bounding set by name ("CAP_CHOWN", ...): what
 * --privileged grants. A new array. */
json_t *spec_all_capabilities(void);

/* The container's resolv.conf from the host's (NULL: the host has none): as is
 * with --network host, else without loopback nameservers (127.x, ::1), which a
 * private network namespace cannot reach; a comment-only file when none remain. */
char *spec_resolv_conf(const char *host, bool host_network);

/* "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3" -> signal number; -1 if invalid. */
int spec_signal_parse(const char *s);
/* "SIGTERM" for 15, "SIGRTMIN+3", or the number as text; buf has 24 bytes. */
const char *spec_signal_name(int sig, char buf[24]);
/* The container's process.args, by podman's rules: --entrypoint replaces the
 * image's Entrypoint and drops its Cmd; a command on the command line replaces
 * Cmd. Empty when there is neither (the caller decides whether that fails).
 * The one source of the rule: the OCI spec and inspect's Path/Args, ps's COMMAND. */
json_t *spec_process_args(const json_t *image_config, const json_t *flags);
/* The signal `stop` sends: --stop-signal, else the image's StopSignal, else SIGTERM. */
int spec_stop_signal(const json_t *image_config, const json_t *flags);
/* The container's hostname: -h, the host's with --uts host / --network host,
 * else the first 12 characters of the ID. Caller frees. */
char *spec_hostname(const struct spec_context *ctx);

/* Read a file of the rootfs (path relative to it, e.g. "etc/passwd"), every
 * symlink resolved inside the rootfs; a missing file reads as empty. rootfs
 * may be a container's live root, "/proc/PID/root". */
int spec_read_rootfs_file(const char *rootfs, const char *path, char **ret, struct sk_error *err);

#endif
