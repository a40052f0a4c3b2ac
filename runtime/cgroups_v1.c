/* linux.resources on cgroup v1: one directory per controller. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool has_controller(const struct rt_cgroup_dir *d, const char *ctrl)
{
    size_t n = strlen(ctrl);
    for (const char *p = d->controllers; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, ctrl, n) == 0)
            return true;
        p += len + (end ? 1 : 0);
    }
    return false;
}

static int write_i64(const char *dir, const char *file, int64_t v, struct sk_error *err)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)v);
    return rt_cgroup_write(dir, file, buf, err);
}

static int apply_memory(const char *dir, const struct rt_resources *r, struct sk_error *err)
{
    if (r->memory_reservation.set &&
        write_i64(dir, "memory.soft_limit_in_bytes",
                  r->memory_reservation.v > 0 ? r->memory_reservation.v : -1, err) < 0)
        return -1;
    if (r->memory_limit.set && write_i64(dir, "memory.limit_in_bytes",
                                         r->memory_limit.v > 0 ? r->memory_limit.v : -1, err) < 0)
        return -1;
    if (r->memory_swap.set) {
        _cleanup_free_ char *path = sk_asprintf("%s/memory.memsw.limit_in_bytes", dir);
        if (access(path, F_OK) < 0)
            return sk_error_set(err, ENOTSUP,
                                "memory.swap: the kernel does not account swap "
                                "(memory.memsw.limit_in_bytes missing)");
        if (write_i64(dir, "memory.memsw.limit_in_bytes",
                      r->memory_swap.v > 0 ? r->memory_swap.v : -1, err) < 0)
            return -1;
    }
    if (r->memory_swappiness.set && r->memory_swappiness.v >= 0) {
        if (r->memory_swappiness.v > 100)
            return sk_error_set(err, EINVAL, "memory.swappiness: %lld is above 100",
                                (long long)r->memory_swappiness.v);
        if (write_i64(dir, "memory.swappiness", r->memory_swappiness.v, err) < 0)
            return -1;
    }
    if (r->disable_oom_killer && rt_cgroup_write(dir, "memory.oom_control", "1", err) < 0)
        return -1;
    return 0;
}

static int apply_cpu(const char *dir, const struct rt_resources *r, struct sk_error *err)
{
    if (r->cpu_shares.set && r->cpu_shares.v > 0 &&
        write_i64(dir, "cpu.shares", r->cpu_shares.v, err) < 0)
        return -1;
    /* The period first: a quota is checked against it. */
    if (r->cpu_period.set && r->cpu_period.v > 0 &&
        write_i64(dir, "cpu.cfs_period_us", r->cpu_period.v, err) < 0)
        return -1;
    if (r->cpu_quota.set &&
        write_i64(dir, "cpu.cfs_quota_us", r->cpu_quota.v > 0 ? r->cpu_quota.v : -1, err) < 0)
        return -1;
    if (r->cpu_rt_period.set && r->cpu_rt_period.v > 0 &&
        write_i64(dir, "cpu.rt_period_us", r->cpu_rt_period.v, err) < 0)
        return -1;
    if (r->cpu_rt_runtime.set && write_i64(dir, "cpu.rt_runtime_us", r->cpu_rt_runtime.v, err) < 0)
        return -1;
    return 0;
}

/* "c 1:3 rwm", '*' for any number; "a" alone for every device. */
static int apply_devices(const char *dir, const struct rt_resources *r, struct sk_error *err)
{
    for (size_t i = 0; i < r->ndevices; i++) {
        const struct rt_device_rule *d = &r->devices[i];
        char rule[64], major[24], minor[24];
        if (d->major < 0)
            strcpy(major, "*");
        else
            snprintf(major, sizeof(major), "%lld", (long long)d->major);
        if (d->minor < 0)
            strcpy(minor, "*");
        else
            snprintf(minor, sizeof(minor), "%lld", (long long)d->minor);
        if (d->type == 'a' && d->major < 0 && d->minor < 0)
            snprintf(rule, sizeof(rule), "a *:* %s", d->access);
        else
            snprintf(rule, sizeof(rule), "%c %s:%s %s", d->type, major, minor, d->access);
        if (rt_cgroup_write(dir, d->allow ? "devices.allow" : "devices.deny", rule, err) < 0)
            return -1;
    }
    return 0;
}

/* hugetlb.<size>.limit_in_bytes, and the reservation limit where the
 * kernel has one (the runtime spec prefers it; the page fault limit is what
 * older kernels and readers know). */
static int apply_hugetlb(const char *dir, const struct rt_resources *r, struct sk_error *err)
{
    for (size_t i = 0; i < r->nhugepages; i++) {
        const struct rt_hugepage_limit *h = &r->hugepages[i];
        _cleanup_free_ char *file = sk_asprintf("hugetlb.%s.limit_in_bytes", h->page_size);
        _cleanup_free_ char *rsvd = sk_asprintf("hugetlb.%s.rsvd.limit_in_bytes", h->page_size);
        _cleanup_free_ char *rsvd_path = sk_asprintf("%s/%s", dir, rsvd);
        if (write_i64(dir, file, (int64_t)h->limit, err) < 0 ||
            (access(rsvd_path, F_OK) == 0 && write_i64(dir, rsvd, (int64_t)h->limit, err) < 0))
            return -1;
    }
    return 0;
}

int rt_cgroup_v1_apply(const struct rt_cgroup_dir *d, const struct rt_resources *r,
                       struct sk_error *err)
{
    if (has_controller(d, "memory") && apply_memory(d->path, r, err) < 0)
        return -1;
    if (has_controller(d, "cpu") && apply_cpu(d->path, r, err) < 0)
        return -1;
    if (has_controller(d, "cpuset")) {
        if (r->cpuset_cpus && rt_cgroup_write(d->path, "cpuset.cpus", r->cpuset_cpus, err) < 0)
            return -1;
        if (r->cpuset_mems && rt_cgroup_write(d->path, "cpuset.mems", r->cpuset_mems, err) < 0)
            return -1;
    }
    if (has_controller(d, "pids") && r->pids_limit.set) {
        char buf[32];
        if (r->pids_limit.v > 0)
            snprintf(buf, sizeof(buf), "%lld", (long long)r->pids_limit.v);
        else
            strcpy(buf, "max");
        if (rt_cgroup_write(d->path, "pids.max", buf, err) < 0)
            return -1;
    }
    if (has_controller(d, "devices") && apply_devices(d->path, r, err) < 0)
        return -1;
    if (has_controller(d, "hugetlb") && apply_hugetlb(d->path, r, err) < 0)
        return -1;
    return 0;
}
