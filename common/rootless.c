/* Who skiff acts for (see rootless.h). */
#include "common/rootless.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"

/* Walk /proc/self/{uid,gid}_map: the host ID that ID 0 maps to (-1 if none)
 * and the number of IDs mapped. The initial namespace maps all 2^32-1 IDs to
 * themselves. */
static int read_map(const char *file, long long *ret_zero, unsigned long long *ret_count)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/self/%s", file);
    if (sk_read_small(path, buf, sizeof(buf)) < 0)
        return -1;
    *ret_zero = -1;
    *ret_count = 0;
    for (char *line = buf; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        unsigned long long inside, outside, count;
        if (sscanf(line, "%llu %llu %llu", &inside, &outside, &count) == 3) {
            if (inside == 0)
                *ret_zero = (long long)outside;
            *ret_count += count;
        }
        line = next;
    }
    return 0;
}

/* Inside a user namespace other than the initial one? */
static bool in_child_userns(void)
{
    long long zero;
    unsigned long long count;
    if (read_map("uid_map", &zero, &count) < 0)
        return false;
    return !(zero == 0 && count == UINT32_MAX);
}

/* The marked uid when this process is inside the namespace skiff made for that
 * user; -1 otherwise. */
static long long marked_uid(void)
{
    const char *mark = getenv(SK_ROOTLESS_ENV);
    if (!mark || !*mark || geteuid() != 0)
        return -1;
    char *end;
    unsigned long long uid = strtoull(mark, &end, 10);
    if (*end || uid == 0 || uid >= UINT32_MAX || !in_child_userns())
        return -1;
    long long zero;
    unsigned long long count;
    if (read_map("uid_map", &zero, &count) < 0 || zero != (long long)uid)
        return -1;
    return (long long)uid;
}

bool sk_rootless(void)
{
    return geteuid() != 0 || marked_uid() > 0;
}

bool sk_rootless_in_userns(void)
{
    return marked_uid() > 0;
}

uid_t sk_rootless_uid(void)
{
    if (geteuid() != 0)
        return geteuid();
    long long uid = marked_uid();
    return uid > 0 ? (uid_t)uid : 0;
}

gid_t sk_rootless_gid(void)
{
    if (geteuid() != 0)
        return getegid();
    if (marked_uid() <= 0)
        return 0;
    long long zero;
    unsigned long long count;
    if (read_map("gid_map", &zero, &count) < 0 || zero < 0)
        return getegid();
    return (gid_t)zero;
}

unsigned long sk_userns_mapped_ids(void)
{
    long long zu, zg;
    unsigned long long cu, cg;
    if (read_map("uid_map", &zu, &cu) < 0 || read_map("gid_map", &zg, &cg) < 0)
        return UINT32_MAX;
    unsigned long long n = cu < cg ? cu : cg;
    return n > UINT32_MAX ? UINT32_MAX : (unsigned long)n;
}
