/* Capabilities: names, and the five sets applied with capset(2),
 * PR_CAPBSET_DROP and PR_CAP_AMBIENT (no libcap). */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/names.h"
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int rt_cap_from_name(const char *name) { return sk_cap_from_name(name); }

const char *rt_cap_name(int cap)
{
    if (cap >= 0 && (size_t)cap < sk_cap_count)
        return sk_cap_names[cap];
    static __thread char buf[24];
    snprintf(buf, sizeof(buf), "CAP_%d", cap);
    return buf;
}

int rt_cap_last(void)
{
    static int last = -1;
    if (last >= 0)
        return last;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    int v = -1;
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = -1;
        fclose(f);
    }
    if (v < 0 || v > 63)
        v = (int)sk_cap_count - 1;
    last = v;
    return last;
}

int rt_caps_parse_set(const json_t *arr, const char *what, uint64_t *ret, char ***warnings,
                      struct sk_error *err)
{
    uint64_t set = 0;
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (!json_is_string(e))
            return sk_error_set(err, EINVAL, "%s[%zu]: want a capability name", what, i);
        const char *name = json_string_value(e);
        int c = rt_cap_from_name(name);
        if (c < 0) {
            rt_warnf(warnings, "%s: unknown capability \"%s\" ignored", what, name);
            continue;
        }
        if (c > rt_cap_last()) {
            rt_warnf(warnings, "%s: %s is unknown to this kernel: ignored", what, name);
            continue;
        }
        set |= 1ULL << c;
    }
    *ret = set;
    return 0;
}

uint64_t rt_caps_own_bounding(void)
{
    uint64_t set = 0;
    for (int c = 0; c <= rt_cap_last(); c++)
        if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
            set |= 1ULL << c;
    return set;
}

int rt_caps_drop_bounding(uint64_t keep, struct sk_error *err)
{
    for (int c = 0; c <= rt_cap_last(); c++) {
        if (keep & (1ULL << c))
            continue;
        if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1)
            continue;
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
            return sk_error_errno(err, errno, "drop %s from the bounding set", rt_cap_name(c));
    }
    return 0;
}

int rt_caps_apply(const struct rt_caps *c, uint64_t extra, struct sk_error *err)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    uint64_t eff = c->effective | extra, perm = c->permitted | extra, inh = c->inheritable;
    data[0].effective = (uint32_t)eff;
    data[1].effective = (uint32_t)(eff >> 32);
    data[0].permitted = (uint32_t)perm;
    data[1].permitted = (uint32_t)(perm >> 32);
    data[0].inheritable = (uint32_t)inh;
    data[1].inheritable = (uint32_t)(inh >> 32);
    if (syscall(SYS_capset, &hdr, data) < 0)
        return sk_error_errno(err, errno, "capset");
    return 0;
}

int rt_caps_set_ambient(uint64_t ambient, struct sk_error *err)
{
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return sk_error_errno(err, errno, "clear the ambient capabilities");
    for (int c = 0; c <= rt_cap_last(); c++)
        if ((ambient & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
            return sk_error_errno(err, errno, "raise ambient %s", rt_cap_name(c));
    return 0;
}
