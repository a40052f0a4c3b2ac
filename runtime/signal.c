/* Signal names as kill(1) and runc accept them. */
#include "runtime/runtime.h"
#include "common/util.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    int sig;
} signals[] = {
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

static int parse_number(const char *s)
{
    if (!*s)
        return -1;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 0 || v > 1000)
        return -1;
    return (int)v;
}

int runtime_signal_parse(const char *s)
{
    if (!s || !*s)
        return -1;
    if (isdigit((unsigned char)s[0])) {
        int n = parse_number(s);
        return n > 0 && n <= SIGRTMAX ? n : -1;
    }
    const char *n = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
    for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
        if (strcasecmp(signals[i].name, n) == 0)
            return signals[i].sig;
    if (strncasecmp(n, "RTMIN", 5) == 0) {
        int off = n[5] ? (n[5] == '+' ? parse_number(n + 6) : -1) : 0;
        return off >= 0 && SIGRTMIN + off <= SIGRTMAX ? SIGRTMIN + off : -1;
    }
    if (strncasecmp(n, "RTMAX", 5) == 0) {
        int off = n[5] ? (n[5] == '-' ? parse_number(n + 6) : -1) : 0;
        return off >= 0 && SIGRTMAX - off >= SIGRTMIN ? SIGRTMAX - off : -1;
    }
    return -1;
}
