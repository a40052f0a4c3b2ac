/* linux.resources on cgroup v2: one directory, controllers enabled from the
 * root down. Device rules are an eBPF program (cgroups_devices_bpf.c), which
 * rt_cgroup_create attaches. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Controllers skiff enables for its containers, when the kernel offers them. */
static const char *const wanted_controllers[] = {"cpu",  "cpuset", "memory",
                                                 "pids", "io",     "hugetlb"};

uint64_t rt_cgroup_v2_weight_from_shares(uint64_t shares)
{
    if (shares == 0)
        return 0;
    if (shares < 2)
        shares = 2;
    if (shares > 262144)
        shares = 262144;
    return 1 + ((shares - 2) * 9999) / 262142;
}

static bool word_in(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

bool rt_cgroup_v2_offers(const struct rt_cgroup_dir *d, const char *controller)
{
    _cleanup_free_ char *path = sk_asprintf("%s/cgroup.controllers", d->mount);
    _cleanup_free_ char *avail = NULL;
    return sk_read_file(path, &avail, NULL, NULL) == 0 && word_in(avail, controller);
}

int rt_cgroup_v2_enable_controllers(const struct rt_cgroup_dir *d, const char *only,
                                    struct sk_error *err)
{
    size_t mlen = strlen(d->mount);
    _cleanup_free_ char *p = sk_strdup(d->path);
    /* Every ancestor from the mount (the root) to d's parent. */
    for (size_t i = mlen; i < strlen(d->path); i++) {
        if (i != mlen && p[i] != '/')
            continue;
        char saved = p[i];
        p[i] = '\0';
        const char *level = i == mlen ? d->mount : p;
        _cleanup_free_ char *cpath = sk_asprintf("%s/cgroup.controllers", level);
        _cleanup_free_ char *avail = NULL;
        if (sk_read_file(cpath, &avail, NULL, err) < 0)
            return -1;
        _cleanup_free_ char *spath = sk_asprintf("%s/cgroup.subtree_control", level);
        _cleanup_free_ char *enabled = NULL;
        if (sk_read_file(spath, &enabled, NULL, err) < 0)
            return -1;
        for (size_t k = 0; k < SK_ARRAY_SIZE(wanted_controllers); k++) {
            const char *c = wanted_controllers[k];
            if ((only && strcmp(c, only) != 0) || !word_in(avail, c) || word_in(enabled, c))
                continue;
            char buf[32];
            snprintf(buf, sizeof(buf), "+%s", c);
            /* A controller that cannot be enabled here (say, cpu with
             * realtime processes around) only loses its limits. */
            rt_cgroup_write(level, "cgroup.subtree_control", buf, NULL);
        }
        p[i] = saved;
    }
    return 0;
}

void rt_cgroup_v2_drop_missing(const struct rt_cgroup_dir *d, struct rt_resources *r,
                               char ***warnings)
{
    _cleanup_free_ char *path = sk_asprintf("%s/cgroup.controllers", d->path);
    _cleanup_free_ char *avail = NULL;
    if (sk_read_file(path, &avail, NULL, NULL) < 0)
        avail = sk_strdup("");
    char missing[128] = "";
#define DROP_IF_MISSING(ctrl, wanted, clear)                                                       \
    do {                                                                                           \
        if ((wanted) && !word_in(avail, ctrl)) {                                                   \
            clear;                                                                                 \
            snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",         \
                     missing[0] ? ", " : "", ctrl);                                                \
        }                                                                                          \
    } while (0)
    struct rt_i64 unset = {0};
    DROP_IF_MISSING(
        "memory",
        r->memory_limit.set || r->memory_swap.set || r->memory_reservation.set ||
            r->memory_swappiness.set || r->disable_oom_killer,
        (r->memory_limit = r->memory_swap = r->memory_reservation = r->memory_swappiness = unset,
         r->disable_oom_killer = false));
    DROP_IF_MISSING("cpu",
                    r->cpu_shares.set || r->cpu_quota.set || r->cpu_period.set ||
                        r->cpu_rt_runtime.set || r->cpu_rt_period.set,
                    (r->cpu_shares = r->cpu_quota = r->cpu_period = r->cpu_rt_runtime =
                         r->cpu_rt_period = unset));
    DROP_IF_MISSING("cpuset", r->cpuset_cpus || r->cpuset_mems,
                    (r->cpuset_cpus = r->cpuset_mems = NULL));
    DROP_IF_MISSING("pids", r->pids_limit.set, r->pids_limit = unset);
    DROP_IF_MISSING("hugetlb", r->nhugepages, r->nhugepages = 0);
#undef DROP_IF_MISSING
    if (missing[0])
        rt_warnf(warnings,
                 "cgroup %s lacks controllers (%s: not delegated, or its parent holds "
                 "processes): their limits are ignored",
                 d->path, missing);
}

/* Write a controller's file; a missing file means the controller is not
 * enabled for the cgroup, which deserves a clearer message than ENOENT. */
static int write_ctl(const char *dir, const char *file, const char *value, struct sk_error *err)
{
    if (rt_cgroup_write(dir, file, value, err) == 0)
        return 0;
    if (err && err->code == ENOENT) {
        size_t n = strcspn(file, ".");
        return sk_error_set(err, ENOTSUP,
                            "%s: the %.*s controller is not available to this cgroup (see "
                            "cgroup.controllers of its parent)",
                            file, (int)n, file);
    }
    return -1;
}

static int write_i64(const char *dir, const char *file, int64_t v, struct sk_error *err)
{
    char buf[32];
    if (v < 0)
        strcpy(buf, "max");
    else
        snprintf(buf, sizeof(buf), "%lld", (long long)v);
    return write_ctl(dir, file, buf, err);
}

int rt_cgroup_v2_apply_hugetlb(const struct rt_cgroup_dir *d, const struct rt_resources *r,
                               struct sk_error *err)
{
    for (size_t i = 0; i < r->nhugepages; i++) {
        const struct rt_hugepage_limit *h = &r->hugepages[i];
        _cleanup_free_ char *file = sk_asprintf("hugetlb.%s.max", h->page_size);
        _cleanup_free_ char *rsvd = sk_asprintf("hugetlb.%s.rsvd.max", h->page_size);
        _cleanup_free_ char *rsvd_path = sk_asprintf("%s/%s", d->path, rsvd);
        if (write_i64(d->path, file, (int64_t)h->limit, err) < 0 ||
            (access(rsvd_path, F_OK) == 0 && write_i64(d->path, rsvd, (int64_t)h->limit, err) < 0))
            return -1;
    }
    return 0;
}

int rt_cgroup_v2_apply(const struct rt_cgroup_dir *d, const struct rt_resources *r,
                       char ***warnings, struct sk_error *err)
{
    const char *dir = d->path;
    if (r->memory_reservation.set &&
        write_i64(dir, "memory.low", r->memory_reservation.v > 0 ? r->memory_reservation.v : 0,
                  err) < 0)
        return -1;
    if (r->memory_limit.set &&
        write_i64(dir, "memory.max", r->memory_limit.v > 0 ? r->memory_limit.v : -1, err) < 0)
        return -1;
    if (r->memory_swap.set) {
        /* OCI's swap is memory + swap; v2 limits swap alone. */
        int64_t swap = -1;
        if (r->memory_swap.v > 0 && r->memory_limit.set && r->memory_limit.v > 0)
            swap = r->memory_swap.v - r->memory_limit.v;
        else if (r->memory_swap.v > 0)
            return sk_error_set(err, EINVAL, "memory.swap needs memory.limit on cgroup v2");
        if (write_i64(dir, "memory.swap.max", swap, err) < 0)
            return -1;
    }
    if (r->memory_swappiness.set && r->memory_swappiness.v >= 0)
        rt_warnf(warnings, "linux.resources.memory.swappiness has no cgroup v2 equivalent: "
                           "ignored");
    if (r->disable_oom_killer)
        rt_warnf(warnings, "linux.resources.memory.disableOOMKiller is not possible on cgroup "
                           "v2: ignored");
    if (r->cpu_shares.set && r->cpu_shares.v > 0) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%llu",
                 (unsigned long long)rt_cgroup_v2_weight_from_shares((uint64_t)r->cpu_shares.v));
        if (write_ctl(dir, "cpu.weight", buf, err) < 0)
            return -1;
    }
    if (r->cpu_quota.set || r->cpu_period.set) {
        char buf[64], quota[24];
        int64_t period = r->cpu_period.set && r->cpu_period.v > 0 ? r->cpu_period.v : 100000;
        if (r->cpu_quota.set && r->cpu_quota.v > 0)
            snprintf(quota, sizeof(quota), "%lld", (long long)r->cpu_quota.v);
        else
            strcpy(quota, "max");
        snprintf(buf, sizeof(buf), "%s %lld", quota, (long long)period);
        if (write_ctl(dir, "cpu.max", buf, err) < 0)
            return -1;
    }
    if (r->cpu_rt_runtime.set || r->cpu_rt_period.set)
        rt_warnf(warnings, "realtime cpu limits are not available on cgroup v2: ignored");
    if (r->cpuset_cpus && write_ctl(dir, "cpuset.cpus", r->cpuset_cpus, err) < 0)
        return -1;
    if (r->cpuset_mems && write_ctl(dir, "cpuset.mems", r->cpuset_mems, err) < 0)
        return -1;
    if (r->pids_limit.set &&
        write_i64(dir, "pids.max", r->pids_limit.v > 0 ? r->pids_limit.v : -1, err) < 0)
        return -1;
    return rt_cgroup_v2_apply_hugetlb(d, r, err);
}
