#include "common/names.h"
#include "common/cleanup.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const sk_cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
const size_t sk_cap_count = SK_ARRAY_SIZE(sk_cap_names);

int sk_cap_from_name(const char *name)
{
    const char *n = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
    for (size_t i = 0; i < sk_cap_count; i++)
        if (strcasecmp(sk_cap_names[i] + 4, n) == 0)
            return (int)i;
    return -1;
}

static const struct {
    const char *name;
    int sig;
} signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},   {"IOT", SIGIOT},   {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL},   {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},   {"CLD", SIGCHLD},  {"CONT", SIGCONT},
    {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},
    {"URG", SIGURG},       {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},     {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"POLL", SIGPOLL},
    {"PWR", SIGPWR},       {"SYS", SIGSYS},
};
/* The kernel's real-time range (glibc reserves a few; containers see the kernel's). */
#define RTMIN 34
#define RTMAX 64

static int parse_number(const char *s, long long *ret)
{
    if (!*s || *s < '0' || *s > '9')
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno)
        return 0;
    *ret = v;
    return 1;
}

int sk_signal_parse(const char *s)
{
    if (!s || !*s)
        return -1;
    long long n;
    if (parse_number(s, &n))
        return n >= 1 && n <= RTMAX ? (int)n : -1;
    const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
    for (size_t i = 0; i < SK_ARRAY_SIZE(signals); i++)
        if (strcasecmp(name, signals[i].name) == 0)
            return signals[i].sig;
    const char *rest;
    int base, dir;
    if (strncasecmp(name, "RTMIN", 5) == 0) {
        base = RTMIN, dir = 1, rest = name + 5;
    } else if (strncasecmp(name, "RTMAX", 5) == 0) {
        base = RTMAX, dir = -1, rest = name + 5;
    } else {
        return -1;
    }
    if (!*rest)
        return base;
    if ((dir > 0 && *rest != '+') || (dir < 0 && *rest != '-') || !parse_number(rest + 1, &n) ||
        n < 0 || n > RTMAX - RTMIN)
        return -1;
    return base + dir * (int)n;
}

const char *sk_signal_name(int sig, char buf[24])
{
    for (size_t i = 0; i < SK_ARRAY_SIZE(signals); i++)
        if (signals[i].sig == sig) {
            snprintf(buf, 24, "SIG%s", signals[i].name);
            return buf;
        }
    if (sig == RTMIN)
        snprintf(buf, 24, "SIGRTMIN");
    else if (sig > RTMIN && sig <= RTMAX)
        snprintf(buf, 24, "SIGRTMIN+%d", sig - RTMIN);
    else
        snprintf(buf, 24, "%d", sig);
    return buf;
}
