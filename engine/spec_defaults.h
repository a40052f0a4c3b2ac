/* Container defaults, as data in one place: what a container gets when
 * neither the image nor a flag says otherwise. The values follow podman's
 * (containers-common) defaults; docs/spec.md lists them and explains where
 * skiff differs. The seccomp profile is the data in engine/seccomp_default.c. */
#ifndef SKIFF_ENGINE_SPEC_DEFAULTS_H
#define SKIFF_ENGINE_SPEC_DEFAULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

#define SPEC_OCI_VERSION "1.0.2-dev"
/* Set when the image has no PATH. */
#define SPEC_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* Set with --tty when the image has no TERM. */
#define SPEC_DEFAULT_TERM "TERM=xterm"
/* Like podman's container=podman: lets programs know they run in a container. */
#define SPEC_CONTAINER_ENV "container=skiff"
/* The default hostname is this many leading characters of the container ID. */
#define SPEC_HOSTNAME_ID_CHARS 12
/* The CFS period --cpus is expressed in (microseconds). */
#define SPEC_CPU_PERIOD 100000
/* The smallest --memory the kernel and runtimes cope with (podman's limit). */
#define SPEC_MIN_MEMORY (6LL * 1024 * 1024)
/* Default RLIMIT_NOFILE and RLIMIT_NPROC (podman's), clamped to what skiff itself may set. */
#define SPEC_DEFAULT_RLIMIT 1048576ULL
/* Where the container's generated /etc files are bind-mounted from (under userdata). */
#define SPEC_ETC_HOSTNAME "hostname"
#define SPEC_ETC_HOSTS "hosts"
#define SPEC_ETC_RESOLV "resolv.conf"
/* The host file resolv.conf is derived from. */
#define SPEC_HOST_RESOLV_CONF "/etc/resolv.conf"
/* The IP the container's own hostname resolves to in /etc/hosts. */
#define SPEC_HOSTS_SELF_IP "127.0.1.1"

/* ---- capabilities ------------------------------------------------------- */

/* All capability names the kernel knows, indexed by number (CAP_CHOWN = 0). */
/* podman's default set: bounding, effective, permitted (no inheritable, no ambient). */
extern const char *const spec_default_caps[];

/* Capability number of "CAP_X" (exact, upper case); -1 when unknown. */
int spec_cap_number(const char *name);
/* Whether skiff's own bounding set holds capability n: a runtime started by
 * skiff cannot grant more. */
bool spec_cap_in_bounding_set(int n);

/* ---- mounts, paths, devices ---------------------------------------------- */

struct spec_default_mount {
    const char *destination;
    const char *type;
    const char *source;
    const char *const *options; /* NULL-terminated */
};
/* /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue, /sys, /sys/fs/cgroup; NULL destination ends. */
extern const struct spec_default_mount spec_default_mounts[];
/* --read-only also mounts a tmpfs on these (podman's --read-only-tmpfs default),
 * with tmpcopyup: each starts with the image's files there. */
extern const struct spec_default_mount spec_read_only_tmpfs[];
/* Options of the /etc/hosts, /etc/hostname and /etc/resolv.conf bind mounts. */
extern const char *const spec_etc_mount_options[];
/* Host directories a volume's U option (chown to the container's user) refuses
 * to change, as podman does: the system's own, given exactly. */
extern const char *const spec_chown_refused_paths[];
/* -v defaults: "rbind" unless bind is given; propagation "rprivate" unless given. */
#define SPEC_VOLUME_PROPAGATION "rprivate"
/* --tmpfs and --mount type=tmpfs defaults, after the user's options (podman's):
 * tmpcopyup unless the user gave notmpcopyup (which the spec leaves out). */
extern const char *const spec_tmpfs_default_options[];

extern const char *const spec_default_masked_paths[];
/* Masked too when they exist on the host (globs, like podman's thermal_throttle). */
extern const char *const spec_default_masked_globs[];
extern const char *const spec_default_readonly_paths[];

struct spec_default_device {
    const char *path;
    char type; /* 'c' or 'b' */
    long major, minor;
    mode_t mode;
};
/* /dev/null, zero, full, random, urandom, tty; NULL path ends. */
extern const struct spec_default_device spec_default_devices[];

struct spec_device_rule {
    bool allow;
    char type;  /* 'a', 'c', 'b' */
    long major; /* -1 = any */
    long minor; /* -1 = any */
    const char *access;
};
/* linux.resources.devices: deny all, then allow the default devices, the pty
 * devices and mknod; type 0 ends. */
extern const struct spec_device_rule spec_default_device_rules[];
/* Host /dev entries --privileged does not pass (the runtime sets these up itself). */
extern const char *const spec_privileged_device_skip[];

/* ---- namespaces, rlimits, ulimits, sysctls -------------------------------- */

/* New namespaces a container gets unless --network/--ipc/--pid/--uts host drops one. */
extern const char *const spec_default_namespaces[];

struct spec_rlimit_name {
    const char *name; /* --ulimit name: "nofile" */
    const char *type; /* OCI type: "RLIMIT_NOFILE" */
    int resource;     /* RLIMIT_NOFILE */
};
extern const struct spec_rlimit_name spec_rlimit_names[]; /* NULL name ends */
const struct spec_rlimit_name *spec_rlimit_lookup(const char *name_or_type);
/* The highest hard limit skiff can hand to a container for resource: its own
 * hard limit, unless it holds CAP_SYS_RESOURCE (then unlimited). */
unsigned long long spec_rlimit_ceiling(int resource);
/* Resources that get SPEC_DEFAULT_RLIMIT (clamped) unless --ulimit sets them. */
extern const int spec_default_rlimits[]; /* -1 ends */

enum spec_sysctl_ns { SPEC_SYSCTL_NET, SPEC_SYSCTL_IPC, SPEC_SYSCTL_UTS };
/* The namespace a sysctl belongs to; -1 when it is not namespaced (not allowed). */
int spec_sysctl_namespace(const char *name);

/* ---- seccomp (engine/seccomp_default.c) ---------------------------------- */

/* The default profile in containers-common's seccomp.json format (names,
 * includes/excludes by caps and arches, archMap). A new reference. */
json_t *spec_seccomp_default_profile(void);
/* Check a user profile (containers-common or plain OCI format); what names it
 * in messages. */
int spec_seccomp_validate(const json_t *profile, const char *what, struct sk_error *err);
/* The OCI linux.seccomp object for the host architecture, keeping the rules
 * whose includes/excludes match the bounding capabilities (array of "CAP_X"). */
int spec_seccomp_to_oci(const json_t *profile, const json_t *bounding, json_t **ret,
                        struct sk_error *err);

#endif
