/* The default seccomp profile, equal in effect to the one podman ships
 * (containers-common pkg/seccomp/seccomp.json, 2025 revision): unknown
 * syscalls fail with ENOSYS so libc falls back to older ones, a list of
 * obsolete or dangerous syscalls fails with EPERM, a large allow-list, and
 * rules that depend on arguments (personality, socket), on the architecture
 * and on the container's capabilities (CAP_SYS_ADMIN, CAP_SYS_PTRACE, ...).
 *
 * The profile is data: the tables below are turned into a profile document in
 * containers-common's format (spec_seccomp_default_profile), and that document,
 * like a user's --security-opt seccomp=FILE, is turned into the OCI
 * linux.seccomp object for one container by spec_seccomp_to_oci(). */
#include "engine/spec_defaults.h"

#include <errno.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"

/* Unknown syscalls: ENOSYS, so glibc falls back (clone3 -> clone, ...). */
#define DEFAULT_ACTION "SCMP_ACT_ERRNO"
#define DEFAULT_ERRNO ENOSYS

/* Failing with EPERM whatever the capabilities. */
/* clang-format off */
static const char *const denied_eperm[] = {
    "bdflush", "cachestat", "futex_requeue", "futex_wait", "futex_waitv", "futex_wake",
    "io_pgetevents", "io_pgetevents_time64", "kexec_file_load", "kexec_load", "map_shadow_stack",
    "migrate_pages", "move_pages", "nfsservctl", "nice", "oldfstat", "oldlstat", "oldolduname",
    "oldstat", "olduname", "pciconfig_iobase", "pciconfig_read", "pciconfig_write", "sgetmask",
    "ssetmask", "swapoff", "swapon", "syscall", "sysfs", "uselib", "userfaultfd", "ustat", "vm86",
    "vm86old", "vmsplice", NULL,
};

/* Allowed whatever the capabilities. */
static const char *const allowed[] = {
    "_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk",
    "capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
    "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
    "clock_nanosleep_time64", "clone", "clone3", "close", "close_range", "connect",
    "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1",
    "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old",
    "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2",
    "fadvise64", "fadvise64_64", "fallocate", "fanotify_init", "fanotify_mark", "fchdir", "fchmod",
    "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync",
    "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsconfig", "fsetxattr", "fsmount",
    "fsopen", "fspick", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync",
    "ftruncate", "ftruncate64", "futex", "futex_time64", "futimesat", "get_mempolicy",
    "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
    "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32",
    "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
    "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage",
    "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getuid32",
    "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
    "io_cancel", "io_destroy", "io_getevents", "io_setup", "io_submit", "ioctl", "ioprio_get",
    "ioprio_set", "ipc", "keyctl", "kill", "landlock_add_rule", "landlock_create_ruleset",
    "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen",
    "listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
    "mbind", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod",
    "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mount", "mount_setattr",
    "move_mount", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
    "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap",
    "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
    "name_to_handle_at", "nanosleep", "newfstatat", "open", "open_tree", "openat", "openat2",
    "pause", "pidfd_getfd", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pivot_root",
    "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
    "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "process_vm_readv",
    "process_vm_writev", "pselect6", "pselect6_time64", "ptrace", "pwrite64", "pwritev",
    "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "reboot", "recv",
    "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr",
    "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction",
    "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
    "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max",
    "sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
    "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
    "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
    "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
    "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "set_mempolicy", "set_robust_list",
    "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32",
    "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setns", "setpgid",
    "setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid",
    "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt", "setuid",
    "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack",
    "signal", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair",
    "splice", "stat", "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync",
    "sync_file_range", "syncfs", "sysinfo", "syslog", "tee", "tgkill", "time", "timer_create",
    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
    "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
    "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask",
    "umount", "umount2", "uname", "unlink", "unlinkat", "unshare", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "wait4", "waitid", "waitpid", "write", "writev", NULL,
};
/* clang-format on */

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

struct seccomp_arg {
    unsigned index;
    unsigned long long value;
    const char *op;
};

struct seccomp_rule {
    const char *const *names;
    const char *action;
    int errno_ret; /* 0: none */
    struct seccomp_arg args[2];
    size_t nargs;
    const char *const *includes_caps;   /* all of them in the bounding set */
    const char *const *excludes_caps;   /* none of them in the bounding set */
    const char *const *includes_arches; /* Go names: amd64, x86, x32, arm64, arm */
};

#define ALLOW "SCMP_ACT_ALLOW"
#define DENY "SCMP_ACT_ERRNO"
#define ARG(i, v, o)                                                                               \
    {                                                                                              \
        .index = (i), .value = (v), .op = (o)                                                      \
    }
/* personality(2) personas that stay allowed: PER_LINUX, PER_LINUX32,
 * UNAME26, UNAME26|PER_LINUX32 and the query 0xffffffff. */
#define PERSONALITY(v)                                                                             \
    {                                                                                              \
        .names = NAMES("personality"), .action = ALLOW, .args = {ARG(0, v, "SCMP_CMP_EQ")},        \
        .nargs = 1                                                                                 \
    }
/* A syscall allowed with capability cap and EPERM without it. */
#define WITH_CAP(cap, ...)                                                                         \
    {.names = NAMES(__VA_ARGS__), .action = ALLOW, .includes_caps = NAMES(cap)},                   \
    {                                                                                              \
        .names = NAMES(__VA_ARGS__), .action = DENY, .errno_ret = EPERM,                           \
        .excludes_caps = NAMES(cap)                                                                \
    }

static const struct seccomp_rule rules[] = {
    {.names = denied_eperm, .action = DENY, .errno_ret = EPERM},
    {.names = allowed, .action = ALLOW},
    PERSONALITY(0x0),
    PERSONALITY(0x8),
    PERSONALITY(0x20000),
    PERSONALITY(0x20008),
    PERSONALITY(0xffffffff),
    {.names = NAMES("sync_file_range2", "swapcontext"),
     .action = ALLOW,
     .includes_arches = NAMES("ppc64le")},
    {.names = NAMES("arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush",
                    "set_tls", "sync_file_range2"),
     .action = ALLOW,
     .includes_arches = NAMES("arm", "arm64")},
    {.names = NAMES("arch_prctl"), .action = ALLOW, .includes_arches = NAMES("amd64", "x32")},
    {.names = NAMES("modify_ldt"),
     .action = ALLOW,
     .includes_arches = NAMES("amd64", "x32", "x86")},
    {.names = NAMES("s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"),
     .action = ALLOW,
     .includes_arches = NAMES("s390", "s390x")},
    {.names = NAMES("riscv_flush_icache"), .action = ALLOW, .includes_arches = NAMES("riscv64")},
    WITH_CAP("CAP_DAC_READ_SEARCH", "open_by_handle_at"),
    {.names = NAMES("bpf", "lookup_dcookie", "quotactl", "quotactl_fd", "setdomainname",
                    "sethostname", "setns"),
     .action = ALLOW,
     .includes_caps = NAMES("CAP_SYS_ADMIN")},
    {.names = NAMES("lookup_dcookie", "perf_event_open", "quotactl", "quotactl_fd", "setdomainname",
                    "sethostname", "setns"),
     .action = DENY,
     .errno_ret = EPERM,
     .excludes_caps = NAMES("CAP_SYS_ADMIN")},
    WITH_CAP("CAP_SYS_CHROOT", "chroot"),
    WITH_CAP("CAP_SYS_MODULE", "delete_module", "finit_module", "init_module", "query_module"),
    WITH_CAP("CAP_SYS_PACCT", "acct"),
    WITH_CAP("CAP_SYS_PTRACE", "kcmp", "process_madvise"),
    WITH_CAP("CAP_SYS_RAWIO", "ioperm", "iopl"),
    WITH_CAP("CAP_SYS_TIME", "clock_settime", "clock_settime64", "settimeofday", "stime"),
    WITH_CAP("CAP_SYS_TTY_CONFIG", "vhangup"),
    /* Audit netlink sockets need CAP_AUDIT_WRITE: EINVAL without it, so
     * programs like sudo carry on without auditing. */
    {.names = NAMES("socket"),
     .action = DENY,
     .errno_ret = EINVAL,
     .args = {ARG(0, AF_NETLINK, "SCMP_CMP_EQ"), ARG(2, NETLINK_AUDIT, "SCMP_CMP_EQ")},
     .nargs = 2,
     .excludes_caps = NAMES("CAP_AUDIT_WRITE")},
    {.names = NAMES("socket"),
     .action = ALLOW,
     .args = {ARG(2, NETLINK_AUDIT, "SCMP_CMP_NE")},
     .nargs = 1,
     .excludes_caps = NAMES("CAP_AUDIT_WRITE")},
    {.names = NAMES("socket"),
     .action = ALLOW,
     .args = {ARG(0, AF_NETLINK, "SCMP_CMP_NE")},
     .nargs = 1,
     .excludes_caps = NAMES("CAP_AUDIT_WRITE")},
    {.names = NAMES("socket"), .action = ALLOW, .includes_caps = NAMES("CAP_AUDIT_WRITE")},
    {.names = NAMES("bpf"),
     .action = DENY,
     .errno_ret = EPERM,
     .excludes_caps = NAMES("CAP_SYS_ADMIN", "CAP_BPF")},
    {.names = NAMES("bpf"), .action = ALLOW, .includes_caps = NAMES("CAP_BPF")},
    {.names = NAMES("perf_event_open"),
     .action = DENY,
     .errno_ret = EPERM,
     .excludes_caps = NAMES("CAP_SYS_ADMIN", "CAP_BPF")},
    {.names = NAMES("perf_event_open"), .action = ALLOW, .includes_caps = NAMES("CAP_PERFMON")},
};

/* archMap: the native architecture and the 32-bit ABIs it runs. */
static const struct {
    const char *arch;
    const char *const *sub;
} arch_map[] = {
    {"SCMP_ARCH_X86_64", NAMES("SCMP_ARCH_X86", "SCMP_ARCH_X32")},
    {"SCMP_ARCH_AARCH64", NAMES("SCMP_ARCH_ARM")},
};

/* This build's architecture, as a seccomp name and as the Go name profiles
 * use in includes/excludes "arches". */
#if defined(__x86_64__)
#define NATIVE_SCMP_ARCH "SCMP_ARCH_X86_64"
#define NATIVE_GO_ARCH "amd64"
#elif defined(__aarch64__)
#define NATIVE_SCMP_ARCH "SCMP_ARCH_AARCH64"
#define NATIVE_GO_ARCH "arm64"
#elif defined(__i386__)
#define NATIVE_SCMP_ARCH "SCMP_ARCH_X86"
#define NATIVE_GO_ARCH "386"
#elif defined(__arm__)
#define NATIVE_SCMP_ARCH "SCMP_ARCH_ARM"
#define NATIVE_GO_ARCH "arm"
#else
#define NATIVE_SCMP_ARCH ""
#define NATIVE_GO_ARCH ""
#endif

static json_t *strv_json(const char *const *v)
{
    json_t *a = json_array();
    for (; v && *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

json_t *spec_seccomp_default_profile(void)
{
    json_t *p = json_object();
    json_object_set_new(p, "defaultAction", json_string(DEFAULT_ACTION));
    json_object_set_new(p, "defaultErrnoRet", json_integer(DEFAULT_ERRNO));
    json_t *map = json_array();
    for (size_t i = 0; i < SK_ARRAY_SIZE(arch_map); i++)
        json_array_append_new(map, json_pack("{s:s, s:o}", "architecture", arch_map[i].arch,
                                             "subArchitectures", strv_json(arch_map[i].sub)));
    json_object_set_new(p, "archMap", map);
    json_t *calls = json_array();
    for (size_t i = 0; i < SK_ARRAY_SIZE(rules); i++) {
        const struct seccomp_rule *r = &rules[i];
        json_t *c = json_pack("{s:o, s:s}", "names", strv_json(r->names), "action", r->action);
        json_t *args = json_array();
        for (size_t j = 0; j < r->nargs; j++)
            json_array_append_new(args, json_pack("{s:I, s:I, s:I, s:s}", "index",
                                                  (json_int_t)r->args[j].index, "value",
                                                  (json_int_t)r->args[j].value, "valueTwo",
                                                  (json_int_t)0, "op", r->args[j].op));
        json_object_set_new(c, "args", args);
        json_t *inc = json_object(), *exc = json_object();
        if (r->includes_caps)
            json_object_set_new(inc, "caps", strv_json(r->includes_caps));
        if (r->includes_arches)
            json_object_set_new(inc, "arches", strv_json(r->includes_arches));
        if (r->excludes_caps)
            json_object_set_new(exc, "caps", strv_json(r->excludes_caps));
        json_object_set_new(c, "includes", inc);
        json_object_set_new(c, "excludes", exc);
        if (r->errno_ret)
            json_object_set_new(c, "errnoRet", json_integer(r->errno_ret));
        json_array_append_new(calls, c);
    }
    json_object_set_new(p, "syscalls", calls);
    return p;
}

/* ---- validation ------------------------------------------------------------ */

static const char *const actions[] = {
    "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",      NULL,
};
static const char *const operators[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

static bool in_list(const char *const *list, const char *s)
{
    for (; s && *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static int check_strings(const json_t *a, const char *what, const char *key, struct sk_error *err)
{
    if (!json_is_array(a))
        return sk_error_set(err, EINVAL, "%s: \"%s\" must be an array of strings", what, key);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v))
            return sk_error_set(err, EINVAL, "%s: \"%s\" must be an array of strings", what, key);
    }
    return 0;
}

static int check_filter(const json_t *f, const char *what, size_t n, const char *key,
                        struct sk_error *err)
{
    if (!f)
        return 0;
    if (!json_is_object(f))
        return sk_error_set(err, EINVAL, "%s: syscalls[%zu].%s must be an object", what, n, key);
    json_t *caps = json_object_get(f, "caps");
    if (caps) {
        if (check_strings(caps, what, "caps", err) < 0)
            return -1;
        size_t i;
        json_t *c;
        json_array_foreach(caps, i, c)
        {
            if (spec_cap_number(json_string_value(c)) < 0)
                return sk_error_set(err, EINVAL, "%s: syscalls[%zu].%s: unknown capability %s",
                                    what, n, key, json_string_value(c));
        }
    }
    json_t *arches = json_object_get(f, "arches");
    if (arches && check_strings(arches, what, "arches", err) < 0)
        return -1;
    json_t *mk = json_object_get(f, "minKernel");
    if (mk && !json_is_string(mk))
        return sk_error_set(err, EINVAL, "%s: syscalls[%zu].%s.minKernel must be a string", what, n,
                            key);
    return 0;
}

static int check_syscall(const json_t *c, const char *what, size_t n, struct sk_error *err)
{
    if (!json_is_object(c))
        return sk_error_set(err, EINVAL, "%s: syscalls[%zu] must be an object", what, n);
    json_t *names = json_object_get(c, "names");
    const char *name = sk_json_str(c, "name");
    if (names) {
        if (check_strings(names, what, "names", err) < 0)
            return -1;
        if (name)
            return sk_error_set(err, EINVAL, "%s: syscalls[%zu] has both \"name\" and \"names\"",
                                what, n);
    } else if (!name) {
        return sk_error_set(err, EINVAL, "%s: syscalls[%zu] names no syscall", what, n);
    }
    const char *action = sk_json_str(c, "action");
    if (!in_list(actions, action))
        return sk_error_set(err, EINVAL, "%s: syscalls[%zu]: invalid action \"%s\"", what, n,
                            action ? action : "");
    json_t *e = json_object_get(c, "errnoRet");
    if (e && (!json_is_integer(e) || json_integer_value(e) < 0))
        return sk_error_set(err, EINVAL, "%s: syscalls[%zu].errnoRet must be a number", what, n);
    if (json_object_get(c, "errno"))
        return sk_error_set(err, EINVAL,
                            "%s: syscalls[%zu]: use \"errnoRet\" (a number), not "
                            "\"errno\"",
                            what, n);
    json_t *args = json_object_get(c, "args");
    if (args && !json_is_null(args)) {
        if (!json_is_array(args) || json_array_size(args) > 6)
            return sk_error_set(err, EINVAL,
                                "%s: syscalls[%zu].args must be an array of at "
                                "most 6 conditions",
                                what, n);
        size_t i;
        json_t *a;
        json_array_foreach(args, i, a)
        {
            json_t *idx = json_object_get(a, "index"), *val = json_object_get(a, "value");
            json_t *two = json_object_get(a, "valueTwo");
            if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
                json_integer_value(idx) > 5 || !json_is_integer(val) ||
                (two && !json_is_integer(two)) || !in_list(operators, sk_json_str(a, "op")))
                return sk_error_set(err, EINVAL,
                                    "%s: syscalls[%zu].args[%zu]: want index "
                                    "0-5, a numeric value and a SCMP_CMP_* op",
                                    what, n, i);
        }
    }
    if (check_filter(json_object_get(c, "includes"), what, n, "includes", err) < 0 ||
        check_filter(json_object_get(c, "excludes"), what, n, "excludes", err) < 0)
        return -1;
    return 0;
}

int spec_seccomp_validate(const json_t *p, const char *what, struct sk_error *err)
{
    if (!json_is_object(p))
        return sk_error_set(err, EINVAL, "%s: a seccomp profile must be a JSON object", what);
    const char *def = sk_json_str(p, "defaultAction");
    if (!in_list(actions, def))
        return sk_error_set(err, EINVAL, "%s: invalid or missing defaultAction \"%s\"", what,
                            def ? def : "");
    json_t *e = json_object_get(p, "defaultErrnoRet");
    if (e && (!json_is_integer(e) || json_integer_value(e) < 0))
        return sk_error_set(err, EINVAL, "%s: defaultErrnoRet must be a number", what);
    json_t *arches = json_object_get(p, "architectures");
    if (arches && !json_is_null(arches) && check_strings(arches, what, "architectures", err) < 0)
        return -1;
    json_t *map = json_object_get(p, "archMap");
    if (map && !json_is_null(map)) {
        if (!json_is_array(map))
            return sk_error_set(err, EINVAL, "%s: archMap must be an array", what);
        size_t i;
        json_t *m;
        json_array_foreach(map, i, m)
        {
            json_t *sub = json_object_get(m, "subArchitectures");
            if (!sk_json_str(m, "architecture") ||
                (sub && !json_is_null(sub) &&
                 check_strings(sub, what, "subArchitectures", err) < 0))
                return sk_error_set(err, EINVAL, "%s: archMap[%zu] needs an architecture", what, i);
        }
    }
    json_t *calls = json_object_get(p, "syscalls");
    if (calls && !json_is_null(calls)) {
        if (!json_is_array(calls))
            return sk_error_set(err, EINVAL, "%s: syscalls must be an array", what);
        size_t i;
        json_t *c;
        json_array_foreach(calls, i, c)
        {
            if (check_syscall(c, what, i, err) < 0)
                return -1;
        }
    }
    return 0;
}

/* ---- conversion to the OCI form -------------------------------------------- */

/* "5.10.0-rc1" >= "5.8"? Missing parts count as 0. */
static bool kernel_at_least(const char *want)
{
    struct utsname u;
    if (uname(&u) < 0)
        return true;
    unsigned have[3] = {0, 0, 0}, need[3] = {0, 0, 0};
    sscanf(u.release, "%u.%u.%u", &have[0], &have[1], &have[2]);
    sscanf(want, "%u.%u.%u", &need[0], &need[1], &need[2]);
    for (int i = 0; i < 3; i++)
        if (have[i] != need[i])
            return have[i] > need[i];
    return true;
}

/* containers-common semantics: excludes drop the rule when any listed cap or
 * arch matches; includes keep it only when every listed cap is present, the
 * arch is listed and the kernel is new enough. */
static bool rule_applies(const json_t *c, const json_t *bounding)
{
    json_t *exc = json_object_get(c, "excludes"), *inc = json_object_get(c, "includes");
    json_t *a, *v;
    size_t i;
    if ((a = json_object_get(exc, "arches")) && sk_json_strv_contains(a, NATIVE_GO_ARCH))
        return false;
    if ((a = json_object_get(exc, "caps")))
        json_array_foreach(a, i, v)
        {
            if (sk_json_strv_contains(bounding, json_string_value(v)))
                return false;
        }
    if ((a = json_object_get(inc, "arches")) && json_array_size(a) > 0 &&
        !sk_json_strv_contains(a, NATIVE_GO_ARCH))
        return false;
    if ((a = json_object_get(inc, "caps")))
        json_array_foreach(a, i, v)
        {
            if (!sk_json_strv_contains(bounding, json_string_value(v)))
                return false;
        }
    const char *mk = sk_json_str(inc, "minKernel");
    if (mk && !kernel_at_least(mk))
        return false;
    return true;
}

static json_t *oci_architectures(const json_t *p)
{
    json_t *arches = json_object_get(p, "architectures");
    if (json_is_array(arches) && json_array_size(arches) > 0)
        return json_deep_copy(arches);
    json_t *out = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(p, "archMap"), i, m)
    {
        if (strcmp(sk_json_str(m, "architecture"), NATIVE_SCMP_ARCH) != 0)
            continue;
        json_array_append_new(out, json_string(NATIVE_SCMP_ARCH));
        json_t *sub = json_object_get(m, "subArchitectures");
        size_t j;
        json_t *s;
        json_array_foreach(sub, j, s)
        {
            json_array_append(out, s);
        }
        break;
    }
    return out;
}

int spec_seccomp_to_oci(const json_t *p, const json_t *bounding, json_t **ret, struct sk_error *err)
{
    if (spec_seccomp_validate(p, "seccomp profile", err) < 0)
        return -1;
    _cleanup_json_ json_t *out = json_object();
    json_object_set_new(out, "defaultAction", json_string(sk_json_str(p, "defaultAction")));
    json_t *e = json_object_get(p, "defaultErrnoRet");
    if (e)
        json_object_set(out, "defaultErrnoRet", e);
    json_t *arches = oci_architectures(p);
    if (json_array_size(arches) > 0)
        json_object_set_new(out, "architectures", arches);
    else
        json_decref(arches);
    json_t *flags = json_object_get(p, "flags");
    if (json_is_array(flags) && json_array_size(flags) > 0)
        json_object_set(out, "flags", flags);
    json_t *calls = json_array();
    json_object_set_new(out, "syscalls", calls);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(p, "syscalls"), i, c)
    {
        if (!rule_applies(c, bounding))
            continue;
        json_t *names = json_object_get(c, "names");
        json_t *o = json_object();
        json_object_set_new(
            o, "names", names ? json_deep_copy(names) : json_pack("[s]", sk_json_str(c, "name")));
        json_object_set_new(o, "action", json_string(sk_json_str(c, "action")));
        json_t *errno_ret = json_object_get(c, "errnoRet");
        if (errno_ret)
            json_object_set(o, "errnoRet", errno_ret);
        json_t *args = json_object_get(c, "args");
        if (json_array_size(args) > 0) {
            json_t *oargs = json_array();
            size_t j;
            json_t *a;
            json_array_foreach(args, j, a)
            {
                json_t *two = json_object_get(a, "valueTwo");
                json_array_append_new(
                    oargs, json_pack("{s:O, s:O, s:I, s:O}", "index", json_object_get(a, "index"),
                                     "value", json_object_get(a, "value"), "valueTwo",
                                     two ? json_integer_value(two) : (json_int_t)0, "op",
                                     json_object_get(a, "op")));
            }
            json_object_set_new(o, "args", oargs);
        }
        json_array_append_new(calls, o);
    }
    *ret = SK_STEAL(out);
    return 0;
}
