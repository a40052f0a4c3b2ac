/* skiff top: a running container's processes, described like ps(1) (see top.h).
 *
 * Each field is formatted as podman's psgo does, so scripts reading podman
 * top read ours: %CPU with three decimals, ELAPSED and TIME as Go durations,
 * COMMAND joined from /proc/PID/cmdline as psgo joins it, capability sets as
 * sorted names, "full" or "none". */
#include "engine/top.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/names.h"
#include "common/timeutil.h"
#include "common/util.h"
#include "engine/spec.h"
#include "engine/state.h"
#include "storage/container.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CAP_MASK_HEX 17 /* 16 hex digits + NUL */

/* What /proc tells about one process of the container. */
struct proc {
    long long hpid, hppid, hpgrp;  /* host pids */
    long long pid, ppid, pgid;     /* in the container's pid namespace; 0 outside it */
    char state[8];
    char comm[64];
    char name[64];
    long long uid[2], gid[2]; /* real, effective */
    char groups[512];         /* the Groups: line: gids, space-separated */
    long long utime, stime, starttime, nice, tty_nr;
    unsigned long long vsize;
    char vmrss[32];
    char cap[5][CAP_MASK_HEX]; /* CapInh, CapPrm, CapEff, CapBnd, CapAmb */
    char seccomp[8];
    char *cmdline; /* raw, NUL-separated */
    size_t cmdline_len;
    char *label;
};

enum { CAP_INH, CAP_PRM, CAP_EFF, CAP_BND, CAP_AMB };

struct top_ctx {
    char *passwd, *group; /* the container's /etc files (maybe empty) */
    long long boot_sec, ticks, now_ns;
    int cap_last;
    struct proc *procs;
    size_t nprocs;
};

typedef char *(*field_fn)(const struct top_ctx *t, const struct proc *p);

/* ---- reading /proc ----------------------------------------------------------- */

static char *read_proc_file(long long pid, const char *name, size_t *ret_len)
{
    _cleanup_free_ char *path = sk_asprintf("/proc/%lld/%s", pid, name);
    char *buf = NULL;
    size_t len = 0;
    if (sk_read_file(path, &buf, &len, NULL) < 0)
        return NULL;
    if (ret_len)
        *ret_len = len;
    return buf;
}

/* /proc/PID/stat: the fields after "(comm)". */
static bool parse_stat(struct proc *p, const char *stat)
{
    const char *open = strchr(stat, '('), *close = strrchr(stat, ')');
    if (!open || !close || close < open)
        return false;
    snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(close - open - 1), open + 1);
    /* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
     * utime stime cutime cstime priority nice num_threads itrealvalue
     * starttime vsize */
    long long f[20];
    char state;
    int n = sscanf(close + 2,
                   "%c %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld "
                   "%lld %lld %lld %lld %lld %llu",
                   &state, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9],
                   &f[10], &f[11], &f[12], &f[13], &f[14], &f[15], &f[16], &f[17], &f[18],
                   &p->vsize);
    if (n != 21)
        return false;
    p->hppid = f[0];
    p->hpgrp = f[1];
    p->tty_nr = f[3];
    p->utime = f[10];
    p->stime = f[11];
    p->nice = f[15];
    p->starttime = f[18];
    return true;
}

static void status_ids(const char *v, long long ids[2])
{
    sscanf(v, "%lld %lld", &ids[0], &ids[1]);
}

/* /proc/PID/status; false without an NSpid line (kernel < 4.1: no pids to show). */
static bool parse_status(struct proc *p, char *status)
{
    bool have_nspid = false;
    char *save = NULL;
    for (char *line = strtok_r(status, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        static const char *const caps[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
        if (strcmp(line, "Name") == 0)
            snprintf(p->name, sizeof(p->name), "%s", v);
        else if (strcmp(line, "State") == 0)
            snprintf(p->state, sizeof(p->state), "%.1s", v);
        else if (strcmp(line, "Uid") == 0)
            status_ids(v, p->uid);
        else if (strcmp(line, "Gid") == 0)
            status_ids(v, p->gid);
        else if (strcmp(line, "Groups") == 0)
            snprintf(p->groups, sizeof(p->groups), "%s", v);
        else if (strcmp(line, "VmRSS") == 0)
            sscanf(v, "%31s", p->vmrss);
        else if (strcmp(line, "Seccomp") == 0)
            snprintf(p->seccomp, sizeof(p->seccomp), "%s", v);
        else if (strcmp(line, "NSpid") == 0) {
            const char *last = strrchr(v, '\t');
            p->pid = atoll(last ? last + 1 : v);
            have_nspid = true;
        } else {
            for (size_t i = 0; i < SK_ARRAY_SIZE(caps); i++)
                if (strcmp(line, caps[i]) == 0)
                    snprintf(p->cap[i], CAP_MASK_HEX, "%s", v);
        }
    }
    return have_nspid;
}

static bool read_proc(long long hpid, struct proc *p)
{
    memset(p, 0, sizeof(*p));
    p->hpid = hpid;
    _cleanup_free_ char *stat = read_proc_file(hpid, "stat", NULL);
    _cleanup_free_ char *status = read_proc_file(hpid, "status", NULL);
    if (!stat || !status || !parse_stat(p, stat) || !parse_status(p, status))
        return false;
    p->cmdline = read_proc_file(hpid, "cmdline", &p->cmdline_len);
    p->label = read_proc_file(hpid, "attr/current", NULL);
    return true;
}

static void proc_clear(struct proc *p)
{
    free(p->cmdline);
    free(p->label);
}

static int by_pid(const void *a, const void *b)
{
    const struct proc *x = a, *y = b;
    return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Every process in the pid namespace of init, sorted by its pid in there. */
static int list_procs(long long init, struct top_ctx *t, struct sk_error *err)
{
    char want[64], got[64];
    _cleanup_free_ char *ns = sk_asprintf("/proc/%lld/ns/pid", init);
    ssize_t n = readlink(ns, want, sizeof(want) - 1);
    if (n < 0)
        return sk_error_errno(err, errno, "read the pid namespace of %lld", init);
    want[n] = '\0';
    _cleanup_closedir_ DIR *d = opendir("/proc");
    if (!d)
        return sk_error_errno(err, errno, "open /proc");
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        char link[300];
        snprintf(link, sizeof(link), "/proc/%s/ns/pid", de->d_name);
        n = readlink(link, got, sizeof(got) - 1);
        if (n < 0)
            continue; /* gone, or a kernel thread */
        got[n] = '\0';
        if (strcmp(got, want) != 0)
            continue;
        struct proc p;
        if (!read_proc(atoll(de->d_name), &p)) {
            proc_clear(&p);
            continue; /* exited meanwhile */
        }
        t->procs = sk_realloc(t->procs, (t->nprocs + 1) * sizeof(*t->procs));
        t->procs[t->nprocs++] = p;
    }
    qsort(t->procs, t->nprocs, sizeof(*t->procs), by_pid);
    /* Parents and process groups as the container sees them. */
    for (size_t i = 0; i < t->nprocs; i++)
        for (size_t j = 0; j < t->nprocs; j++) {
            if (t->procs[j].hpid == t->procs[i].hppid)
                t->procs[i].ppid = t->procs[j].pid;
            if (t->procs[j].hpid == t->procs[i].hpgrp)
                t->procs[i].pgid = t->procs[j].pid;
        }
    return 0;
}

static long long boot_time(void)
{
    _cleanup_free_ char *stat = NULL;
    size_t len;
    if (sk_read_file("/proc/stat", &stat, &len, NULL) < 0)
        return 0;
    const char *b = strstr(stat, "\nbtime ");
    return b ? atoll(b + strlen("\nbtime ")) : 0;
}

/* ---- names -------------------------------------------------------------------- */

/* The name of id in passwd/group-style text, or the number. */
static char *name_of(const char *db, long long id)
{
    _cleanup_free_ char *copy = sk_strdup(db);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[3] = {line, NULL, NULL};
        for (int i = 1; i < 3; i++) {
            char *c = f[i - 1] ? strchr(f[i - 1], ':') : NULL;
            if (c) {
                *c = '\0';
                f[i] = c + 1;
            }
        }
        if (!f[2])
            continue;
        char *colon = strchr(f[2], ':');
        if (colon)
            *colon = '\0';
        char *end = NULL;
        long long v = strtoll(f[2], &end, 10);
        if (end != f[2] && *end == '\0' && v == id && f[0][0])
            return sk_strdup(f[0]);
    }
    return sk_asprintf("%lld", id);
}

static char *host_user(long long uid)
{
    char buf[4096];
    struct passwd pw, *res = NULL;
    if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res)
        return sk_strdup(res->pw_name);
    return sk_asprintf("%lld", uid);
}

static char *host_group(long long gid)
{
    char buf[4096];
    struct group gr, *res = NULL;
    if (getgrgid_r((gid_t)gid, &gr, buf, sizeof(buf), &res) == 0 && res)
        return sk_strdup(res->gr_name);
    return sk_asprintf("%lld", gid);
}

/* ---- fields ------------------------------------------------------------------- */

static long long cpu_seconds(const struct top_ctx *t, const struct proc *p)
{
    return (p->utime + p->stime) / t->ticks; /* whole seconds, as psgo */
}

static long long start_ns(const struct top_ctx *t, const struct proc *p)
{
    return (t->boot_sec + p->starttime / t->ticks) * SK_NSEC_PER_SEC;
}

static char *f_pcpu(const struct top_ctx *t, const struct proc *p)
{
    double elapsed = (double)(t->now_ns - start_ns(t, p)) / 1e9;
    double pcpu = elapsed > 0 ? 100.0 * (double)cpu_seconds(t, p) / elapsed : 0;
    return sk_asprintf("%.3f", pcpu);
}

static char *f_etime(const struct top_ctx *t, const struct proc *p)
{
    char buf[64];
    sk_duration_format(t->now_ns - start_ns(t, p), buf, sizeof(buf));
    return sk_strdup(buf);
}

static char *f_time(const struct top_ctx *t, const struct proc *p)
{
    char buf[64];
    sk_duration_format(cpu_seconds(t, p) * SK_NSEC_PER_SEC, buf, sizeof(buf));
    return sk_strdup(buf);
}

static char *f_stime(const struct top_ctx *t, const struct proc *p)
{
    char buf[96];
    sk_time_format_go(start_ns(t, p), buf, sizeof(buf));
    return sk_strdup(buf);
}

static char *f_tty(const struct top_ctx *t, const struct proc *p)
{
    unsigned long long nr = (unsigned long long)p->tty_nr;
    unsigned major = (unsigned)((nr >> 8) & 0xfff);
    unsigned minor = (unsigned)((nr & 0xff) | ((nr >> 12) & 0xfff00));
    if (nr == 0)
        return sk_strdup("?");
    if (major >= 136 && major <= 143) /* UNIX98 ptys */
        return sk_asprintf("pts/%u", (major - 136) * 256 + minor);
    if (major == 4)
        return minor < 64 ? sk_asprintf("tty%u", minor) : sk_asprintf("ttyS%u", minor - 64);
    if (major == 5 && minor == 1)
        return sk_strdup("console");
    return sk_strdup("?");
}

/* psgo joins the cmdline split at NULs, the empty piece after the last NUL
 * included (so "sleep 1000 "); an empty cmdline shows as [name]. */
static char *f_args(const struct top_ctx *t, const struct proc *p)
{
    if (!p->cmdline || p->cmdline_len == 0 || p->cmdline[0] == '\0')
        return sk_asprintf("[%s]", p->name);
    char *s = sk_malloc(p->cmdline_len + 1);
    for (size_t i = 0; i < p->cmdline_len; i++)
        s[i] = p->cmdline[i] ? p->cmdline[i] : ' ';
    s[p->cmdline_len] = '\0';
    return s;
}

static char *f_comm(const struct top_ctx *t, const struct proc *p) { return sk_strdup(p->comm); }
static char *f_pid(const struct top_ctx *t, const struct proc *p)
{
    return sk_asprintf("%lld", p->pid);
}
static char *f_ppid(const struct top_ctx *t, const struct proc *p)
{
    return sk_asprintf("%lld", p->ppid);
}
static char *f_pgid(const struct top_ctx *t, const struct proc *p)
{
    return sk_asprintf("%lld", p->pgid);
}
static char *f_nice(const struct top_ctx *t, const struct proc *p)
{
    return sk_asprintf("%lld", p->nice);
}
static char *f_user(const struct top_ctx *t, const struct proc *p)
{
    return name_of(t->passwd, p->uid[1]);
}
static char *f_ruser(const struct top_ctx *t, const struct proc *p)
{
    return name_of(t->passwd, p->uid[0]);
}
static char *f_uid(const struct top_ctx *t, const struct proc *p)
{
    return sk_asprintf("%lld", p->uid[1]);
}
static char *f_group(const struct top_ctx *t, const struct proc *p)
{
    return name_of(t->group, p->gid[1]);
}
static char *f_rgroup(const struct top_ctx *t, const struct proc *p)
{
    return name_of(t->group, p->gid[0]);
}

/* The Groups: gids, each through lookup, comma-separated. */
static char *join_groups(const struct top_ctx *t, const struct proc *p, bool host)
{
    char *out = sk_strdup("");
    _cleanup_free_ char *copy = sk_strdup(p->groups);
    char *save = NULL;
    for (char *g = strtok_r(copy, " \t", &save); g; g = strtok_r(NULL, " \t", &save)) {
        _cleanup_free_ char *name = host ? sk_strdup(g) : name_of(t->group, atoll(g));
        char *n = sk_asprintf("%s%s%s", out, *out ? "," : "", name);
        free(out);
        out = n;
    }
    return out;
}
static char *f_groups(const struct top_ctx *t, const struct proc *p)
{
    return join_groups(t, p, false);
}
static char *f_hgroups(const struct top_ctx *t, const struct proc *p)
{
    return join_groups(t, p, true);
}
static char *f_vsz(const struct top_ctx *t, const struct proc *p)
{
    return sk_asprintf("%llu", p->vsize / 1024);
}
static char *f_rss(const struct top_ctx *t, const struct proc *p)
{
    return sk_strdup(p->vmrss[0] ? p->vmrss : "0");
}
static char *f_state(const struct top_ctx *t, const struct proc *p)
{
    return sk_strdup(p->state);
}
static char *f_hpid(const struct top_ctx *t, const struct proc *p)
{
    return sk_asprintf("%lld", p->hpid);
}
static char *f_huser(const struct top_ctx *t, const struct proc *p)
{
    return host_user(p->uid[1]);
}
static char *f_huid(const struct top_ctx *t, const struct proc *p)
{
    return sk_asprintf("%lld", p->uid[1]);
}
static char *f_hgroup(const struct top_ctx *t, const struct proc *p)
{
    return host_group(p->gid[1]);
}
static char *f_seccomp(const struct top_ctx *t, const struct proc *p)
{
    static const char *const modes[] = {"disabled", "strict", "filter"};
    int m = p->seccomp[0] >= '0' && p->seccomp[0] <= '2' && !p->seccomp[1] ? p->seccomp[0] - '0'
                                                                          : -1;
    return sk_strdup(m >= 0 ? modes[m] : "?");
}
static char *f_label(const struct top_ctx *t, const struct proc *p)
{
    if (!p->label || !p->label[0])
        return sk_strdup("?");
    char *s = sk_strdup(p->label);
    s[strcspn(s, "\n")] = '\0'; /* the kernel may end it with a newline */
    return s;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A capability set: "full", "none", or its names sorted ("CHOWN,KILL"). */
static char *caps(const struct top_ctx *t, const char *hex)
{
    unsigned long long mask = strtoull(hex, NULL, 16);
    unsigned long long full =
        t->cap_last >= 63 ? ~0ULL : (1ULL << (t->cap_last + 1)) - 1;
    if (mask == full)
        return sk_strdup("full");
    if (mask == 0)
        return sk_strdup("none");
    const char *names[64];
    size_t n = 0;
    for (int i = 0; i < 64; i++)
        if (mask & (1ULL << i))
            names[n++] = (size_t)i < sk_cap_count && sk_cap_names[i] ? sk_cap_names[i] + 4 : "?";
    qsort(names, n, sizeof(names[0]), by_name);
    char *out = sk_strdup("");
    for (size_t i = 0; i < n; i++) {
        char *s = sk_asprintf("%s%s%s", out, i ? "," : "", names[i]);
        free(out);
        out = s;
    }
    return out;
}
static char *f_capinh(const struct top_ctx *t, const struct proc *p)
{
    return caps(t, p->cap[CAP_INH]);
}
static char *f_capprm(const struct top_ctx *t, const struct proc *p)
{
    return caps(t, p->cap[CAP_PRM]);
}
static char *f_capeff(const struct top_ctx *t, const struct proc *p)
{
    return caps(t, p->cap[CAP_EFF]);
}
static char *f_capbnd(const struct top_ctx *t, const struct proc *p)
{
    return caps(t, p->cap[CAP_BND]);
}
static char *f_capamb(const struct top_ctx *t, const struct proc *p)
{
    return caps(t, p->cap[CAP_AMB]);
}

/* psgo's descriptors: code, name, header. */
static const struct descriptor {
    const char *code, *name, *header;
    field_fn fn;
} DESCRIPTORS[] = {
    {"%C", "pcpu", "%CPU", f_pcpu},
    {"%G", "group", "GROUP", f_group},
    {NULL, "groups", "GROUPS", f_groups},
    {"%P", "ppid", "PPID", f_ppid},
    {"%U", "user", "USER", f_user},
    {NULL, "uid", "UID", f_uid},
    {"%a", "args", "COMMAND", f_args},
    {"%c", "comm", "COMMAND", f_comm},
    {"%g", "rgroup", "RGROUP", f_rgroup},
    {"%n", "nice", "NI", f_nice},
    {"%p", "pid", "PID", f_pid},
    {"%r", "pgid", "PGID", f_pgid},
    {"%t", "etime", "ELAPSED", f_etime},
    {"%u", "ruser", "RUSER", f_ruser},
    {"%x", "time", "TIME", f_time},
    {"%y", "tty", "TTY", f_tty},
    {"%z", "vsz", "VSZ", f_vsz},
    {NULL, "capamb", "AMBIENT CAPS", f_capamb},
    {NULL, "capinh", "INHERITED CAPS", f_capinh},
    {NULL, "capprm", "PERMITTED CAPS", f_capprm},
    {NULL, "capeff", "EFFECTIVE CAPS", f_capeff},
    {NULL, "capbnd", "BOUNDING CAPS", f_capbnd},
    {NULL, "seccomp", "SECCOMP", f_seccomp},
    {NULL, "label", "LABEL", f_label},
    {NULL, "hpid", "HPID", f_hpid},
    {NULL, "huser", "HUSER", f_huser},
    {NULL, "huid", "HUID", f_huid},
    {NULL, "hgroup", "HGROUP", f_hgroup},
    {NULL, "hgroups", "HGROUPS", f_hgroups},
    {NULL, "rss", "RSS", f_rss},
    {NULL, "state", "STATE", f_state},
    {NULL, "stime", "STIME", f_stime},
};

static const char *const DEFAULT_DESCRIPTORS[] = {"user", "pid",  "ppid", "pcpu",
                                                  "etime", "tty", "time", "args"};

static const struct descriptor *find_descriptor(const char *s)
{
    for (size_t i = 0; i < SK_ARRAY_SIZE(DESCRIPTORS); i++)
        if (strcmp(s, DESCRIPTORS[i].name) == 0 ||
            (DESCRIPTORS[i].code && strcmp(s, DESCRIPTORS[i].code) == 0))
            return &DESCRIPTORS[i];
    return NULL;
}

/* The descriptors asked for, split at commas and spaces. */
static int parse_descriptors(char *const *in, size_t n, const struct descriptor ***ret,
                             size_t *ret_n, struct sk_error *err)
{
    const struct descriptor **out = NULL;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *copy = sk_strdup(in[i]);
        char *save = NULL;
        for (char *d = strtok_r(copy, ", \t", &save); d; d = strtok_r(NULL, ", \t", &save)) {
            const struct descriptor *desc = find_descriptor(d);
            if (!desc) {
                free(out);
                return sk_error_set(err, EINVAL, "'%s': unknown descriptor", d);
            }
            out = sk_realloc(out, (count + 1) * sizeof(*out));
            out[count++] = desc;
        }
    }
    if (count == 0) {
        for (size_t i = 0; i < SK_ARRAY_SIZE(DEFAULT_DESCRIPTORS); i++) {
            out = sk_realloc(out, (count + 1) * sizeof(*out));
            out[count++] = find_descriptor(DEFAULT_DESCRIPTORS[i]);
        }
    }
    *ret = out;
    *ret_n = count;
    return 0;
}

static int read_int_file(const char *path, int def)
{
    _cleanup_free_ char *buf = NULL;
    size_t len;
    return sk_read_file(path, &buf, &len, NULL) == 0 ? atoi(buf) : def;
}

int engine_container_top(struct engine *e, const char *what, char *const *descriptors, size_t n,
                         json_t **ret, struct sk_error *err)
{
    _cleanup_free_ const struct descriptor **descs = NULL;
    size_t ndescs = 0;
    if (parse_descriptors(descriptors, n, &descs, &ndescs, err) < 0)
        return -1;
    _cleanup_json_ json_t *rec = NULL;
    if (storage_container_lookup(e->st, what, &rec, err) < 0)
        return sk_error_prefix(err, "unable to look up requested container");
    long long init = engine_container_pid(e, rec);
    if (init <= 0)
        return sk_error_set(err, ESRCH, "top can only be used on running containers");
    struct top_ctx t = {
        .boot_sec = boot_time(),
        .ticks = sysconf(_SC_CLK_TCK) > 0 ? sysconf(_SC_CLK_TCK) : 100,
        .cap_last = read_int_file("/proc/sys/kernel/cap_last_cap", 40),
    };
    /* The container's own users and groups, through its live root. */
    _cleanup_free_ char *root = sk_asprintf("/proc/%lld/root", init);
    if (spec_read_rootfs_file(root, "etc/passwd", &t.passwd, NULL) < 0)
        t.passwd = sk_strdup("");
    if (spec_read_rootfs_file(root, "etc/group", &t.group, NULL) < 0)
        t.group = sk_strdup("");
    int r = list_procs(init, &t, err);
    t.now_ns = sk_now_ns();
    json_t *rows = json_array();
    json_t *header = json_array();
    for (size_t i = 0; i < ndescs; i++)
        json_array_append_new(header, json_string(descs[i]->header));
    json_array_append_new(rows, header);
    for (size_t p = 0; r == 0 && p < t.nprocs; p++) {
        json_t *row = json_array();
        for (size_t i = 0; i < ndescs; i++) {
            char *v = descs[i]->fn(&t, &t.procs[p]);
            json_array_append_new(row, json_string_nocheck(v)); /* /proc is not UTF-8 */
            free(v);
        }
        json_array_append_new(rows, row);
    }
    for (size_t p = 0; p < t.nprocs; p++)
        proc_clear(&t.procs[p]);
    free(t.procs);
    free(t.passwd);
    free(t.group);
    if (r < 0) {
        json_decref(rows);
        return -1;
    }
    *ret = rows;
    return 0;
}
