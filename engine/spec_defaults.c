/* Container defaults as data. Sources: containers-common pkg/config/default.go
 * (capabilities, masked and read-only paths), the OCI runtime-tools defaults
 * podman starts from (mounts, devices), podman's rlimits. */
#include "engine/spec_defaults.h"

#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/names.h"
#include "common/rootless.h"
#include "common/util.h"

/* ---- capabilities ------------------------------------------------------- */

const char *const spec_default_caps[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",     "CAP_FSETID",
    "CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",    "CAP_SETGID",
    "CAP_SETPCAP", "CAP_SETUID",           "CAP_SYS_CHROOT", NULL,
};

int spec_cap_number(const char *name) { return sk_cap_from_name(name); }

bool spec_cap_in_bounding_set(int n)
{
    return n >= 0 && prctl(PR_CAPBSET_READ, (unsigned long)n, 0, 0, 0) == 1;
}

/* ---- mounts, paths, devices ---------------------------------------------- */

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})

const struct spec_default_mount spec_default_mounts[] = {
    {"/proc", "proc", "proc", OPTS("nosuid", "noexec", "nodev")},
    {"/dev", "tmpfs", "tmpfs", OPTS("nosuid", "strictatime", "mode=755", "size=65536k")},
    {"/dev/pts", "devpts", "devpts",
     OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")},
    {"/dev/shm", "tmpfs", "shm", OPTS("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")},
    {"/dev/mqueue", "mqueue", "mqueue", OPTS("nosuid", "noexec", "nodev")},
    {"/sys", "sysfs", "sysfs", OPTS("nosuid", "noexec", "nodev", "ro")},
    {"/sys/fs/cgroup", "cgroup", "cgroup",
     OPTS("rprivate", "nosuid", "noexec", "nodev", "relatime", "ro")},
    {NULL, NULL, NULL, NULL},
};

const struct spec_default_mount spec_read_only_tmpfs[] = {
    {"/tmp", "tmpfs", "tmpfs", OPTS("rw", "rprivate", "nosuid", "nodev", "tmpcopyup")},
    {"/var/tmp", "tmpfs", "tmpfs", OPTS("rw", "rprivate", "nosuid", "nodev", "tmpcopyup")},
    {"/run", "tmpfs", "tmpfs", OPTS("rw", "rprivate", "nosuid", "nodev", "tmpcopyup")},
    {NULL, NULL, NULL, NULL},
};

const char *const spec_etc_mount_options[] = {"bind", "rprivate", NULL};
const char *const spec_chown_refused_paths[] = {
    "/",     "/bin",  "/boot", "/dev", "/etc", "/home", "/lib", "/lib32",   "/lib64",   "/media",
    "/mnt",  "/opt",  "/proc", "/root", "/run", "/sbin", "/srv", "/sys",    "/tmp",     "/usr",
    "/var",  "/var/lib", "/var/log", "/var/tmp", NULL,
};
const char *const spec_tmpfs_default_options[] = {"rw",    "noexec",    "nosuid",
                                                  "nodev", "tmpcopyup", NULL};

const char *const spec_default_masked_paths[] = {
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/interrupts",
    "/sys/firmware",
    "/sys/fs/selinux",
    "/sys/dev/block",
    "/sys/devices/virtual/powercap",
    NULL,
};
const char *const spec_default_masked_globs[] = {
    "/sys/devices/system/cpu/cpu*/thermal_throttle",
    NULL,
};
const char *const spec_default_readonly_paths[] = {
    "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

const struct spec_default_device spec_default_devices[] = {
    {"/dev/null", 'c', 1, 3, 0666},
    {"/dev/zero", 'c', 1, 5, 0666},
    {"/dev/full", 'c', 1, 7, 0666},
    {"/dev/random", 'c', 1, 8, 0666},
    {"/dev/urandom", 'c', 1, 9, 0666},
    {"/dev/tty", 'c', 5, 0, 0666},
    {NULL, 0, 0, 0, 0},
};

const struct spec_device_rule spec_default_device_rules[] = {
    {false, 'a', -1, -1, "rwm"}, /* deny everything, then allow: */
    {true, 'c', -1, -1, "m"},    /* mknod of any device (opening it stays denied) */
    {true, 'b', -1, -1, "m"},    {true, 'c', 1, 3, "rwm"}, /* null */
    {true, 'c', 1, 5, "rwm"},                              /* zero */
    {true, 'c', 1, 7, "rwm"},                              /* full */
    {true, 'c', 1, 8, "rwm"},                              /* random */
    {true, 'c', 1, 9, "rwm"},                              /* urandom */
    {true, 'c', 5, 0, "rwm"},                              /* tty */
    {true, 'c', 5, 1, "rwm"},                              /* console */
    {true, 'c', 5, 2, "rwm"},                              /* ptmx */
    {true, 'c', 136, -1, "rwm"},                           /* pts */
    {false, 0, 0, 0, NULL},
};

const char *const spec_privileged_device_skip[] = {
    "/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/console", "/dev/ptmx", NULL,
};

/* ---- namespaces, rlimits, sysctls ---------------------------------------- */

const char *const spec_default_namespaces[] = {"pid", "network", "ipc", "uts", "mount", NULL};

const struct spec_rlimit_name spec_rlimit_names[] = {
    {"as", "RLIMIT_AS", RLIMIT_AS},
    {"core", "RLIMIT_CORE", RLIMIT_CORE},
    {"cpu", "RLIMIT_CPU", RLIMIT_CPU},
    {"data", "RLIMIT_DATA", RLIMIT_DATA},
    {"fsize", "RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"locks", "RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"memlock", "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"msgqueue", "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"nice", "RLIMIT_NICE", RLIMIT_NICE},
    {"nofile", "RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"nproc", "RLIMIT_NPROC", RLIMIT_NPROC},
    {"rss", "RLIMIT_RSS", RLIMIT_RSS},
    {"rtprio", "RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"rttime", "RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"sigpending", "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"stack", "RLIMIT_STACK", RLIMIT_STACK},
    {NULL, NULL, 0},
};

const int spec_default_rlimits[] = {RLIMIT_NOFILE, RLIMIT_NPROC, -1};

const struct spec_rlimit_name *spec_rlimit_lookup(const char *name)
{
    for (const struct spec_rlimit_name *r = spec_rlimit_names; r->name; r++)
        if (strcasecmp(r->name, name) == 0 || strcasecmp(r->type, name) == 0)
            return r;
    return NULL;
}

static bool have_effective_cap(int cap)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &hdr, data) < 0)
        return false;
    return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

unsigned long long spec_rlimit_ceiling(int resource)
{
    /* Raising a hard limit takes CAP_SYS_RESOURCE in the host's user
     * namespace: rootless, the capability skiff has inside its own does not count. */
    if (!sk_rootless() && have_effective_cap(CAP_SYS_RESOURCE))
        return (unsigned long long)RLIM_INFINITY;
    struct rlimit rl;
    if (getrlimit(resource, &rl) < 0)
        return 0;
    return (unsigned long long)rl.rlim_max;
}

static const struct {
    const char *name;
    bool prefix;
    enum spec_sysctl_ns ns;
} namespaced_sysctls[] = {
    {"net.", true, SPEC_SYSCTL_NET},
    {"kernel.shm", true, SPEC_SYSCTL_IPC}, /* shmall shmmax shmmni shm_rmid_forced */
    {"kernel.msg", true, SPEC_SYSCTL_IPC}, /* msgmax msgmnb msgmni */
    {"kernel.sem", false, SPEC_SYSCTL_IPC},
    {"fs.mqueue.", true, SPEC_SYSCTL_IPC},
    {"kernel.domainname", false, SPEC_SYSCTL_UTS},
    {"kernel.hostname", false, SPEC_SYSCTL_UTS},
};

int spec_sysctl_namespace(const char *name)
{
    for (size_t i = 0; i < sizeof(namespaced_sysctls) / sizeof(namespaced_sysctls[0]); i++) {
        const char *n = namespaced_sysctls[i].name;
        if (namespaced_sysctls[i].prefix ? sk_str_has_prefix(name, n) && name[strlen(n)]
                                         : strcmp(name, n) == 0)
            return (int)namespaced_sysctls[i].ns;
    }
    return -1;
}
