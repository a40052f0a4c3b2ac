/* Cgroups, whatever the host mounts: pure cgroup v2 (/sys/fs/cgroup is
 * cgroup2), v1, or hybrid (v1 controllers plus a cgroup2 mount holding what
 * is left). The container gets a directory in every hierarchy this process
 * belongs to (/proc/self/cgroup), found through /proc/self/mountinfo; the
 * resources are written by cgroups_v1.c or cgroups_v2.c. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/single_threaded.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define CGROUP_ROOT "/sys/fs/cgroup"
#define HUGEPAGES_DIR "/sys/kernel/mm/hugepages"
/* How long delete waits for killed processes to leave the cgroup. */
#define CGROUP_DRAIN_MS 5000

bool rt_cgroup_is_unified(void)
{
    struct statfs sf;
    return statfs(CGROUP_ROOT, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

struct cg_mount {
    char *point, *root, *opts;
    bool v2;
};

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
            r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

static void cg_mounts_free(struct cg_mount *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].point);
        free(m[i].root);
        free(m[i].opts);
    }
    free(m);
}

static int read_cg_mounts(struct cg_mount **ret, size_t *ret_n, struct sk_error *err)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return sk_error_errno(err, errno, "open /proc/self/mountinfo");
    /* It can be large: read it in big pieces. */
    setvbuf(f, NULL, _IOFBF, 64 * 1024);
    struct cg_mount *m = NULL;
    size_t n = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        /* id parent major:minor root point opts [optional...] - fstype source superopts */
        char *sep = strstr(line, " - ");
        if (!sep)
            continue;
        char fstype[32], source[256], superopts[512];
        if (sscanf(sep + 3, "%31s %255s %511s", fstype, source, superopts) != 3)
            continue;
        bool v2 = strcmp(fstype, "cgroup2") == 0;
        if (!v2 && strcmp(fstype, "cgroup") != 0)
            continue;
        char root[4096], point[4096];
        unsigned major, minor;
        if (sscanf(line, "%*s %*s %u:%u %4095s %4095s", &major, &minor, root, point) != 4)
            continue;
        unescape(root);
        unescape(point);
        /* Only a mount we can reach: one mounted over (a hierarchy mounted
         * twice, or hidden below a later mount) is not where paths lead. */
        struct stat st;
        if (stat(point, &st) < 0 || st.st_dev != makedev(major, minor))
            continue;
        m = sk_realloc(m, (n + 1) * sizeof(*m));
        m[n++] = (struct cg_mount){sk_strdup(point), sk_strdup(root), sk_strdup(superopts), v2};
    }
    free(line);
    *ret = m;
    *ret_n = n;
    return 0;
}

/* Every comma-separated token of want is in have. */
static bool has_all_tokens(const char *have, const char *want)
{
    _cleanup_free_ char *w = sk_strdup(want);
    char *save = NULL;
    for (char *t = strtok_r(w, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t n = strlen(t);
        bool found = false;
        for (const char *p = have; *p && !found;) {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (len == n && strncmp(p, t, n) == 0)
                found = true;
            p += len + (end ? 1 : 0);
        }
        if (!found)
            return false;
    }
    return true;
}

static const struct cg_mount *find_mount(const struct cg_mount *m, size_t n, const char *ctrls,
                                         bool v2)
{
    const struct cg_mount *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (m[i].v2 != v2)
            continue;
        if (!v2 && !has_all_tokens(m[i].opts, ctrls))
            continue;
        if (!best || (strcmp(m[i].root, "/") == 0 && strcmp(best->root, "/") != 0))
            best = &m[i];
    }
    return best;
}

static char *join_path(const char *a, const char *b)
{
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/')
        la--;
    while (*b == '/')
        b++;
    if (!*b)
        return sk_strndup(a, la);
    return sk_asprintf("%.*s/%s", (int)la, a, b);
}

struct cg_line {
    char *ctrls, *own;
    bool v2;
};

static void cg_lines_free(struct cg_line *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(l[i].ctrls);
        free(l[i].own);
    }
    free(l);
}

/* /proc/self/cgroup: "N:controllers:path" per hierarchy ("0::path" is v2). */
static int read_own_cgroups(struct cg_line **ret, size_t *ret_n, struct sk_error *err)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f)
        return sk_error_errno(err, errno, "open /proc/self/cgroup");
    struct cg_line *v = NULL;
    size_t n = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n')
            line[len - 1] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = '\0';
        v = sk_realloc(v, (n + 1) * sizeof(*v));
        v[n++] = (struct cg_line){sk_strdup(c1 + 1), sk_strdup(c2 + 1),
                                  strcmp(line, "0") == 0 && !c1[1]};
    }
    free(line);
    *ret = v;
    *ret_n = n;
    return 0;
}

static void add_dir(struct rt_cgroup *cg, const struct cg_line *l, const char *mount,
                    const char *rel, const char *cgroups_path)
{
    for (size_t i = 0; i < cg->n; i++)
        if (strcmp(cg->dirs[i].mount, mount) == 0)
            return;
    _cleanup_free_ char *base = cgroups_path[0] == '/' ? sk_strdup(mount) : join_path(mount, rel);
    cg->dirs = sk_realloc(cg->dirs, (cg->n + 1) * sizeof(*cg->dirs));
    cg->dirs[cg->n++] = (struct rt_cgroup_dir){
        .controllers = sk_strdup(l->ctrls),
        .mount = sk_strdup(mount),
        .path = join_path(base, cgroups_path),
        .v2 = l->v2,
    };
}

/* The usual layout, without reading mountinfo (which can be megabytes on a
 * busy host): /sys/fs/cgroup itself (v2), or /sys/fs/cgroup/<controllers>,
 * /sys/fs/cgroup/<name> for named v1 hierarchies and /sys/fs/cgroup/unified
 * (hybrid). Each guess must be a cgroup filesystem showing our own cgroup;
 * false when the host does something else. */
static bool plan_usual_layout(const struct cg_line *lines, size_t n, const char *cgroups_path,
                              struct rt_cgroup *cg)
{
    for (size_t i = 0; i < n; i++) {
        const struct cg_line *l = &lines[i];
        if (cg->unified && !l->v2)
            continue;
        _cleanup_free_ char *mount =
            cg->unified ? sk_strdup(CGROUP_ROOT)
            : l->v2     ? sk_strdup(CGROUP_ROOT "/unified")
                        : sk_asprintf(CGROUP_ROOT "/%s",
                                  sk_str_has_prefix(l->ctrls, "name=") ? l->ctrls + 5 : l->ctrls);
        struct statfs sf;
        if (statfs(mount, &sf) < 0 ||
            sf.f_type != (l->v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC))
            return false;
        _cleanup_free_ char *own = join_path(mount, l->own);
        _cleanup_free_ char *procs = sk_asprintf("%s/cgroup.procs", own);
        if (access(procs, F_OK) < 0)
            return false;
        add_dir(cg, l, mount, l->own, cgroups_path);
    }
    return cg->n > 0;
}

/* Anything else: find each hierarchy in /proc/self/mountinfo. */
static int plan_from_mountinfo(const struct cg_line *lines, size_t n, const char *cgroups_path,
                               struct rt_cgroup *cg, struct sk_error *err)
{
    struct cg_mount *mounts = NULL;
    size_t nmounts = 0;
    if (read_cg_mounts(&mounts, &nmounts, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const struct cg_line *l = &lines[i];
        if (cg->unified && !l->v2)
            continue;
        const struct cg_mount *m = find_mount(mounts, nmounts, l->ctrls, l->v2);
        if (!m)
            continue;
        /* Our own cgroup, as a path below the mount's root. */
        const char *rel = l->own;
        if (strcmp(m->root, "/") != 0 && sk_str_has_prefix(l->own, m->root))
            rel = l->own + strlen(m->root);
        add_dir(cg, l, m->point, rel, cgroups_path);
    }
    cg_mounts_free(mounts, nmounts);
    return 0;
}

int rt_cgroup_plan(const char *cgroups_path, struct rt_cgroup *ret, struct sk_error *err)
{
    memset(ret, 0, sizeof(*ret));
    ret->unified = rt_cgroup_is_unified();
    struct cg_line *lines = NULL;
    size_t n = 0;
    if (read_own_cgroups(&lines, &n, err) < 0)
        return -1;
    int r = 0;
    if (!plan_usual_layout(lines, n, cgroups_path, ret)) {
        bool unified = ret->unified;
        rt_cgroup_free(ret);
        ret->unified = unified;
        r = plan_from_mountinfo(lines, n, cgroups_path, ret, err);
    }
    cg_lines_free(lines, n);
    if (r < 0)
        return -1;
    if (ret->n == 0)
        return sk_error_set(err, ENOENT, "no cgroup hierarchy found (is /sys/fs/cgroup mounted?)");
    return 0;
}

/* The deepest common ancestor of two cgroup directories. */
static char *common_ancestor(const char *a, const char *b)
{
    size_t n = 0, last = 0;
    while (a[n] && a[n] == b[n]) {
        if (a[n] == '/')
            last = n;
        n++;
    }
    if ((a[n] == '\0' || a[n] == '/') && (b[n] == '\0' || b[n] == '/'))
        last = n;
    return sk_strndup(a, last ? last : 1);
}

/* dir, or its nearest ancestor that exists. */
static char *nearest_existing(const char *dir)
{
    char *p = sk_strdup(dir);
    while (access(p, F_OK) < 0 && strrchr(p, '/') && strrchr(p, '/') != p)
        *strrchr(p, '/') = '\0';
    return p;
}

int rt_cgroup_plan_rootless(const char *cgroups_path, struct rt_cgroup *ret, char **ret_skipped,
                            struct sk_error *err)
{
    memset(ret, 0, sizeof(*ret));
    *ret_skipped = NULL;
    if (!rt_cgroup_is_unified()) {
        ret->rootless = true;
        *ret_skipped = sk_strdup("the host's cgroup v1 hierarchies are not delegated to users");
        return 0;
    }
    if (rt_cgroup_plan(cgroups_path, ret, err) < 0)
        return -1;
    ret->rootless = true;
    struct cg_line *lines = NULL;
    size_t n = 0;
    if (read_own_cgroups(&lines, &n, err) < 0) {
        rt_cgroup_free(ret);
        return -1;
    }
    _cleanup_free_ char *own = NULL;
    for (size_t i = 0; i < n && !own; i++)
        if (lines[i].v2)
            own = join_path(CGROUP_ROOT, lines[i].own);
    cg_lines_free(lines, n);
    /* Moving a process between two cgroups takes write access to the
     * cgroup.procs of their common ancestor (cgroup v2's delegation rule);
     * creating the directory, to its nearest existing ancestor. */
    const char *dir = ret->dirs[0].path;
    _cleanup_free_ char *common = common_ancestor(own ? own : CGROUP_ROOT, dir);
    _cleanup_free_ char *procs = sk_asprintf("%s/cgroup.procs", common);
    _cleanup_free_ char *parent = nearest_existing(dir);
    if (faccessat(AT_FDCWD, procs, W_OK, AT_EACCESS) == 0 &&
        faccessat(AT_FDCWD, parent, W_OK | X_OK, AT_EACCESS) == 0)
        return 0;
    const char *rel = strlen(common) > strlen(CGROUP_ROOT) ? common + strlen(CGROUP_ROOT) : "/";
    *ret_skipped =
        sk_asprintf("cgroup %s is not delegated to uid %u", rel, (unsigned)rt_host_euid());
    rt_cgroup_free(ret);
    ret->unified = true;
    ret->rootless = true;
    return 0;
}

void rt_cgroup_free(struct rt_cgroup *cg)
{
    for (size_t i = 0; i < cg->n; i++) {
        free(cg->dirs[i].controllers);
        free(cg->dirs[i].mount);
        free(cg->dirs[i].path);
    }
    free(cg->dirs);
    memset(cg, 0, sizeof(*cg));
}

int rt_cgroup_write(const char *dir, const char *file, const char *value, struct sk_error *err)
{
    _cleanup_free_ char *path = sk_asprintf("%s/%s", dir, file);
    return rt_write_file(path, value, err);
}

static char *read_trimmed(const char *dir, const char *file)
{
    _cleanup_free_ char *path = sk_asprintf("%s/%s", dir, file);
    char *data = NULL;
    if (sk_read_file(path, &data, NULL, NULL) < 0)
        return NULL;
    size_t n = strlen(data);
    while (n && (data[n - 1] == '\n' || data[n - 1] == ' '))
        data[--n] = '\0';
    return data;
}

/* A new v1 cpuset cgroup has no cpus or mems, and takes no task until it
 * has: copy them down from the parent, level by level. */
static int cpuset_init_levels(const struct rt_cgroup_dir *d, struct sk_error *err)
{
    size_t mlen = strlen(d->mount);
    _cleanup_free_ char *p = sk_strdup(d->path);
    for (size_t i = mlen + 1; i <= strlen(d->path); i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char saved = p[i];
        p[i] = '\0';
        _cleanup_free_ char *parent = sk_strdup(p);
        char *slash = strrchr(parent, '/');
        if (slash)
            *slash = '\0';
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        for (size_t k = 0; k < SK_ARRAY_SIZE(files); k++) {
            _cleanup_free_ char *mine = read_trimmed(p, files[k]);
            if (mine && mine[0])
                continue;
            _cleanup_free_ char *theirs = read_trimmed(parent, files[k]);
            if (theirs && theirs[0] && rt_cgroup_write(p, files[k], theirs, err) < 0)
                return -1;
        }
        p[i] = saved;
    }
    return 0;
}

/* The huge page sizes the kernel has: /sys/kernel/mm/hugepages/hugepages-<kB>kB.
 * Checked first, so a size the kernel lacks reads as such, not as a cgroup
 * file that is missing. */
static int check_hugepage_sizes(const struct rt_resources *res, struct sk_error *err)
{
    static const char units[] = "KMGTP";
    for (size_t i = 0; i < res->nhugepages; i++) {
        const char *size = res->hugepages[i].page_size;
        char *end;
        unsigned long long kb = strtoull(size, &end, 10);
        const char *u = strchr(units, *end);
        for (int shift = u ? (int)(u - units) : 0; shift > 0 && kb; shift--)
            kb = kb > ULLONG_MAX / 1024 ? 0 : kb * 1024;
        _cleanup_free_ char *dir = sk_asprintf(HUGEPAGES_DIR "/hugepages-%llukB", kb);
        if (!u || !kb || access(dir, F_OK) < 0)
            return sk_error_set(err, EINVAL,
                                "linux.resources.hugepageLimits: the kernel has no %s huge pages "
                                "(see " HUGEPAGES_DIR ")",
                                size);
    }
    return 0;
}

/* Device rules go to the v1 devices controller when there is one (hybrid
 * hosts have it; rt_cgroup_v1_apply wrote them), else to the cgroup2
 * directory as an eBPF program: pure v2 hosts, and hybrid ones whose v1
 * hierarchies lack the devices controller. */
static int apply_device_rules(const struct rt_cgroup *cg, const struct rt_resources *res,
                              char ***warnings, struct sk_error *err)
{
    const struct rt_cgroup_dir *v2 = NULL;
    for (size_t i = 0; i < cg->n; i++) {
        if (!cg->dirs[i].v2 && has_all_tokens(cg->dirs[i].controllers, "devices"))
            return 0;
        if (cg->dirs[i].v2)
            v2 = &cg->dirs[i];
    }
    if (!v2) {
        rt_warnf(warnings, "no devices cgroup controller and no cgroup2 hierarchy here: "
                           "linux.resources.devices not enforced");
        return 0;
    }
    if (rt_devices_bpf_apply(v2->path, res->devices, res->ndevices, err) < 0)
        return sk_error_prefix(err, "linux.resources.devices");
    return 0;
}

int rt_cgroup_create(const struct rt_cgroup *cg, const struct rt_resources *res, char ***warnings,
                     struct sk_error *err)
{
    if (res && res->nhugepages && check_hugepage_sizes(res, err) < 0)
        return -1;
    /* hugetlb lives in one hierarchy: a v1 one, or the cgroup2 one (which on
     * a hybrid host holds the controllers no v1 hierarchy took). */
    bool hugetlb_done = false;
    const struct rt_cgroup_dir *hybrid_v2 = NULL;
    for (size_t i = 0; i < cg->n; i++) {
        const struct rt_cgroup_dir *d = &cg->dirs[i];
        /* A parent that another container's delete just removed (see
         * rt_cgroup_remove_parent) is simply made again. */
        int r, tries = 0;
        while ((r = sk_mkdir_p(d->path, 0755, err)) < 0 && err && err->code == ENOENT &&
               ++tries < 5)
            ;
        if (r < 0)
            return sk_error_prefix(err, "create cgroup");
        if (!d->v2 && has_all_tokens(d->controllers, "cpuset") && cpuset_init_levels(d, err) < 0)
            return sk_error_prefix(err, "cgroup %s", d->path);
        if (!res)
            continue;
        if (d->v2 && cg->unified) {
            struct rt_resources mine = *res;
            if (rt_cgroup_v2_enable_controllers(d, NULL, err) < 0)
                return sk_error_prefix(err, "cgroup %s", d->path);
            if (cg->rootless)
                rt_cgroup_v2_drop_missing(d, &mine, warnings);
            if (rt_cgroup_v2_apply(d, &mine, warnings, err) < 0)
                return sk_error_prefix(err, "cgroup %s", d->path);
            hugetlb_done = true;
        } else if (!d->v2) {
            if (rt_cgroup_v1_apply(d, res, err) < 0)
                return sk_error_prefix(err, "cgroup %s", d->path);
            hugetlb_done = hugetlb_done || has_all_tokens(d->controllers, "hugetlb");
        } else {
            hybrid_v2 = d;
        }
    }
    /* Rootless, device rules are moot and left out: a user namespace makes
     * no device node, it can only bind the host's, whose permissions hold
     * (and a device program needs privilege). */
    if (res && res->ndevices && !cg->rootless && apply_device_rules(cg, res, warnings, err) < 0)
        return -1;
    if (!res || !res->nhugepages || hugetlb_done)
        return 0;
    if (!hybrid_v2 || !rt_cgroup_v2_offers(hybrid_v2, "hugetlb"))
        return sk_error_set(err, ENOTSUP,
                            "linux.resources.hugepageLimits: no hugetlb cgroup controller is "
                            "mounted here");
    if (rt_cgroup_v2_enable_controllers(hybrid_v2, "hugetlb", err) < 0 ||
        rt_cgroup_v2_apply_hugetlb(hybrid_v2, res, err) < 0)
        return sk_error_prefix(err, "cgroup %s", hybrid_v2->path);
    return 0;
}

/* Moving a process into a cgroup by pid (cgroup.procs) takes the kernel's
 * global threadgroup lock for writing, which first waits for an RCU grace
 * period: 0 to 15 ms on an idle machine, on every container start. A thread
 * that moves itself ("0" to a v1 hierarchy's tasks) skips that lock; so does
 * a process born in its cgroup2 directory (clone3 with CLONE_INTO_CGROUP).
 * The container's first process (C1) and exec's X1 join that way. */

pid_t rt_cgroup_fork(const struct rt_cgroup *cg, bool *ret_in_v2)
{
    *ret_in_v2 = false;
    const char *v2 = NULL;
    for (size_t i = 0; i < cg->n; i++)
        if (cg->dirs[i].v2)
            v2 = cg->dirs[i].path;
    /* clone3 is a bare system call: glibc's fork() work is not done in the
     * child. What matters of it for a single-threaded process is the thread
     * id glibc keeps in its thread descriptor, which the kernel writes there
     * for us (CLONE_CHILD_SETTID) at the address glibc registered
     * (set_tid_address), as fork() has it do. */
    uint64_t tid_addr = 0;
    if (!v2 || !__libc_single_threaded || prctl(PR_GET_TID_ADDRESS, &tid_addr, 0, 0, 0) < 0 ||
        !tid_addr)
        return fork();
    int fd = open(v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fork();
    struct clone_args args = {
        .flags = CLONE_INTO_CGROUP | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID,
        .child_tid = tid_addr,
        .exit_signal = SIGCHLD,
        .cgroup = (uint64_t)fd,
    };
    long pid = syscall(SYS_clone3, &args, sizeof(args));
    close(fd);
    if (pid < 0) /* before Linux 5.7, under valgrind, a cgroup that refuses us: as always */
        return fork();
    *ret_in_v2 = true;
    return (pid_t)pid;
}

int rt_cgroup_join_self(const struct rt_cgroup *cg, bool in_v2, struct sk_error *err)
{
    /* "0" in tasks moves the calling thread only: the whole process when it
     * has no other. */
    bool alone = __libc_single_threaded;
    char pid[24];
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    for (size_t i = 0; i < cg->n; i++) {
        const struct rt_cgroup_dir *d = &cg->dirs[i];
        if (d->v2 && in_v2)
            continue;
        int r = d->v2 || !alone ? rt_cgroup_write(d->path, "cgroup.procs", pid, err)
                                : rt_cgroup_write(d->path, "tasks", "0", err);
        if (r < 0)
            return sk_error_prefix(err, "join cgroup");
    }
    return 0;
}

int rt_cgroup_add_pid(const struct rt_cgroup *cg, pid_t pid, struct sk_error *err)
{
    if (pid == getpid())
        return rt_cgroup_join_self(cg, false, err);
    char buf[24];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    for (size_t i = 0; i < cg->n; i++)
        if (rt_cgroup_write(cg->dirs[i].path, "cgroup.procs", buf, err) < 0)
            return sk_error_prefix(err, "join cgroup");
    return 0;
}

static void collect_pids(const char *dir, pid_t **v, size_t *n, int depth)
{
    _cleanup_free_ char *path = sk_asprintf("%s/cgroup.procs", dir);
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (f) {
        int pid;
        while (fscanf(f, "%d", &pid) == 1) {
            *v = sk_realloc(*v, (*n + 1) * sizeof(pid_t));
            (*v)[(*n)++] = pid;
        }
    }
    if (depth > 16)
        return;
    _cleanup_closedir_ DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *sub = sk_asprintf("%s/%s", dir, de->d_name);
        collect_pids(sub, v, n, depth + 1);
    }
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

int rt_cgroup_pids(const struct rt_cgroup *cg, pid_t **ret, size_t *ret_n, struct sk_error *err)
{
    pid_t *v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < cg->n; i++)
        collect_pids(cg->dirs[i].path, &v, &n, 0);
    if (n) {
        qsort(v, n, sizeof(pid_t), cmp_pid);
        size_t w = 1;
        for (size_t i = 1; i < n; i++)
            if (v[i] != v[w - 1])
                v[w++] = v[i];
        n = w;
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

int rt_cgroup_signal_all(const struct rt_cgroup *cg, int sig, struct sk_error *err)
{
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    if (rt_cgroup_pids(cg, &pids, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (kill(pids[i], sig) < 0 && errno != ESRCH)
            return sk_error_errno(err, errno, "kill %d", (int)pids[i]);
    return 0;
}

/* rmdir dir and whatever sub-cgroups the container made, deepest first. */
static int rmdir_tree(const char *dir, int depth)
{
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *de;
    while (depth < 16 && (de = readdir(d))) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *sub = sk_asprintf("%s/%s", dir, de->d_name);
        rmdir_tree(sub, depth + 1);
    }
    if (rmdir(dir) < 0 && errno != ENOENT)
        return -1;
    return 0;
}

int rt_cgroup_destroy(const struct rt_cgroup *cg, struct sk_error *err)
{
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int waited = 0;; waited += 10) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        rt_cgroup_pids(cg, &pids, &n, NULL);
        if (n == 0)
            break;
        if (waited >= CGROUP_DRAIN_MS)
            return sk_error_set(err, EBUSY, "cgroup %s: %zu processes survive SIGKILL",
                                cg->dirs[0].path, n);
        for (size_t i = 0; i < n; i++)
            kill(pids[i], SIGKILL);
        nanosleep(&tick, NULL);
    }
    for (size_t i = 0; i < cg->n; i++) {
        int tries = 0;
        while (rmdir_tree(cg->dirs[i].path, 0) < 0) {
            if (errno != EBUSY || ++tries > 100)
                return sk_error_errno(err, errno, "remove cgroup %s", cg->dirs[i].path);
            nanosleep(&tick, NULL);
        }
    }
    return 0;
}

void rt_cgroup_remove_parent(const struct rt_cgroup *cg)
{
    for (size_t i = 0; i < cg->n; i++) {
        _cleanup_free_ char *parent = sk_strdup(cg->dirs[i].path);
        char *slash = strrchr(parent, '/');
        if (!slash || strlen(parent) <= strlen(cg->dirs[i].mount))
            continue;
        *slash = '\0';
        if (strcmp(parent, cg->dirs[i].mount) != 0)
            rmdir(parent); /* fails, as it should, while other containers use it */
    }
}

json_t *rt_cgroup_to_json(const struct rt_cgroup *cg)
{
    json_t *dirs = json_array();
    for (size_t i = 0; i < cg->n; i++)
        json_array_append_new(dirs, json_pack("{s:s, s:s, s:s, s:b}", "controllers",
                                              cg->dirs[i].controllers, "mount", cg->dirs[i].mount,
                                              "path", cg->dirs[i].path, "v2", cg->dirs[i].v2));
    return json_pack("{s:b, s:o}", "unified", cg->unified, "dirs", dirs);
}

int rt_cgroup_from_json(const json_t *j, struct rt_cgroup *ret, struct sk_error *err)
{
    memset(ret, 0, sizeof(*ret));
    json_t *dirs = json_object_get(j, "dirs");
    if (!json_is_array(dirs))
        return sk_error_set(err, EINVAL, "state: cgroup directories missing");
    ret->unified = json_is_true(json_object_get(j, "unified"));
    size_t i;
    json_t *e;
    ret->dirs = sk_calloc(json_array_size(dirs) + 1, sizeof(*ret->dirs));
    json_array_foreach(dirs, i, e)
    {
        const char *c = sk_json_str(e, "controllers"), *m = sk_json_str(e, "mount"),
                   *p = sk_json_str(e, "path");
        if (!c || !m || !p) {
            rt_cgroup_free(ret);
            return sk_error_set(err, EINVAL, "state: bad cgroup directory");
        }
        ret->dirs[ret->n++] = (struct rt_cgroup_dir){sk_strdup(c), sk_strdup(m), sk_strdup(p),
                                                     json_is_true(json_object_get(e, "v2"))};
    }
    return 0;
}
