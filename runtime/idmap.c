/* Who runs the runtime (root of the host, or an unprivileged user), and the
 * id maps of a new user namespace, written by the runtime (P) for C1.
 *
 * Root writes /proc/PID/uid_map and gid_map itself. An unprivileged user may
 * write them itself only for a single mapping of its own id (the kernel's
 * rule; for gid_map once setgroups is denied, so the container cannot drop
 * or add supplementary groups). Any other mapping goes through the
 * distribution's setuid helpers newuidmap and newgidmap (the uidmap package),
 * which allow the ranges /etc/subuid and /etc/subgid grant the user. So each
 * file is written directly when it maps only the caller's own id, through
 * the helper otherwise; runc does much the same (it tries the direct write
 * first and falls back to the helpers). Every condition is checked before
 * anything is created (rt_idmap_check), so that a mapping the user may not
 * have fails with a message saying which line /etc/subuid lacks. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

bool rt_in_initial_userns(void)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/uid_map", "re");
    unsigned long long inside, outside, count;
    if (!f || fscanf(f, "%llu %llu %llu", &inside, &outside, &count) != 3)
        return true; /* no user namespaces in this kernel */
    return inside == 0 && outside == 0 && count == 4294967295ULL;
}

bool rt_rootless(void)
{
    return geteuid() != 0 || !rt_in_initial_userns();
}

uid_t rt_host_euid(void)
{
    uid_t euid = geteuid();
    _cleanup_fclose_ FILE *f = fopen("/proc/self/uid_map", "re");
    unsigned long long inside, outside, count;
    while (f && fscanf(f, "%llu %llu %llu", &inside, &outside, &count) == 3)
        if (euid >= inside && euid - inside < count)
            return (uid_t)(outside + (euid - inside));
    return euid;
}

/* The kinds of map: uid_map with newuidmap and /etc/subuid, or gid. */
struct map_kind {
    const char *file;   /* uid_map */
    const char *field;  /* linux.uidMappings */
    const char *helper; /* newuidmap */
    const char *subid;  /* /etc/subuid */
    const char *what;   /* uids */
};

static const struct map_kind uid_kind = {"uid_map", "linux.uidMappings", "newuidmap", "/etc/subuid",
                                         "uids"};
static const struct map_kind gid_kind = {"gid_map", "linux.gidMappings", "newgidmap", "/etc/subgid",
                                         "gids"};

bool rt_idmap_is_own(const struct rt_idmap *maps, size_t n, uint32_t own)
{
    return n == 1 && maps[0].host_id == own && maps[0].size == 1;
}

/* Does an /etc/subuid line "owner:start:count" name this user? */
static bool owner_matches(const char *owner, const char *user, uid_t uid)
{
    if (user && strcmp(owner, user) == 0)
        return true;
    char *end;
    errno = 0;
    unsigned long v = strtoul(owner, &end, 10);
    return *owner && !*end && !errno && v == uid;
}

bool rt_subid_allows(const char *file, const char *user, uid_t uid, uint32_t start, uint32_t count)
{
    _cleanup_fclose_ FILE *f = fopen(file, "re");
    if (!f)
        return false;
    struct range {
        uint64_t start, end;
    } *ranges = NULL;
    size_t n = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char owner[256];
        unsigned long long s, c;
        if (line[0] == '#' || sscanf(line, "%255[^:]:%llu:%llu", owner, &s, &c) != 3)
            continue;
        if (!owner_matches(owner, user, uid) || c == 0)
            continue;
        ranges = sk_realloc(ranges, (n + 1) * sizeof(*ranges));
        ranges[n++] = (struct range){s, s + c};
    }
    free(line);
    /* The wanted range may span adjacent granted ranges, as shadow's
     * helpers allow. */
    uint64_t at = start, end = (uint64_t)start + count;
    bool progress = true;
    while (at < end && progress) {
        progress = false;
        for (size_t i = 0; i < n; i++) {
            if (ranges[i].start <= at && at < ranges[i].end) {
                at = ranges[i].end;
                progress = true;
            }
        }
    }
    free(ranges);
    return at >= end;
}

/* A program on PATH (or the usual place), as execvp would find it. */
static char *find_helper(const char *name)
{
    const char *path = getenv("PATH");
    _cleanup_free_ char *dirs = sk_strdup(path && *path ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        _cleanup_free_ char *cand = sk_asprintf("%s/%s", d, name);
        if (access(cand, X_OK) == 0)
            return SK_STEAL(cand);
    }
    _cleanup_free_ char *usual = sk_asprintf("/usr/bin/%s", name);
    return access(usual, X_OK) == 0 ? SK_STEAL(usual) : NULL;
}

static int check_maps(const struct map_kind *k, const struct rt_idmap *maps, size_t n, uint32_t own,
                      struct sk_error *err)
{
    if (rt_idmap_is_own(maps, n, own))
        return 0;
    _cleanup_free_ char *helper = find_helper(k->helper);
    if (!helper)
        return sk_error_set(err, ENOENT,
                            "%s: mapping more than your own id (%u) needs %s, which is not "
                            "installed (the uidmap package)",
                            k->field, own, k->helper);
    struct passwd *pw = getpwuid(getuid());
    const char *user = pw ? pw->pw_name : NULL;
    _cleanup_free_ char *uidstr = sk_asprintf("%u", (unsigned)getuid());
    const char *name = user ? user : uidstr;
    for (size_t i = 0; i < n; i++) {
        const struct rt_idmap *m = &maps[i];
        if (m->size == 1 && m->host_id == own)
            continue; /* one's own id needs no grant */
        if (rt_subid_allows(k->subid, user, getuid(), m->host_id, m->size))
            continue;
        return sk_error_set(
            err, EPERM, "%s: host %s %u-%u are not granted to user %s: add '%s:%u:%u' to %s",
            k->field, k->what, m->host_id, (unsigned)((uint64_t)m->host_id + m->size - 1), name,
            name, m->host_id, m->size, k->subid);
    }
    return 0;
}

int rt_idmap_check(const struct rt_spec *s, struct sk_error *err)
{
    if (geteuid() == 0 || !s->ns[RT_NS_USER].enabled || s->ns[RT_NS_USER].path)
        return 0;
    if (check_maps(&uid_kind, s->uid_maps, s->n_uid_maps, (uint32_t)geteuid(), err) < 0 ||
        check_maps(&gid_kind, s->gid_maps, s->n_gid_maps, (uint32_t)getegid(), err) < 0)
        return -1;
    return 0;
}

/* "C H N\n" per mapping. */
static int format_map(const struct map_kind *k, const struct rt_idmap *maps, size_t n, char *buf,
                      size_t len, struct sk_error *err)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + used, len - used, "%u %u %u\n", maps[i].container_id,
                         maps[i].host_id, maps[i].size);
        if (w < 0 || (size_t)w >= len - used)
            return sk_error_set(err, E2BIG, "%s: too many mappings", k->field);
        used += (size_t)w;
    }
    return 0;
}

static int write_direct(pid_t pid, const struct map_kind *k, const struct rt_idmap *maps, size_t n,
                        struct sk_error *err)
{
    char buf[4096], path[64];
    if (format_map(k, maps, n, buf, sizeof(buf), err) < 0)
        return -1;
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, k->file);
    if (rt_write_file(path, buf, err) < 0)
        return sk_error_prefix(err, "write the user namespace's %s", k->file);
    return 0;
}

/* Run newuidmap/newgidmap PID C H N...; its own message is the error. */
static int write_helper(pid_t pid, const struct map_kind *k, const struct rt_idmap *maps, size_t n,
                        struct sk_error *err)
{
    _cleanup_free_ char *helper = find_helper(k->helper);
    if (!helper)
        return sk_error_set(err, ENOENT, "%s: %s is not installed (the uidmap package)", k->field,
                            k->helper);
    char **argv = sk_calloc(3 * n + 3, sizeof(char *));
    size_t a = 0;
    argv[a++] = sk_strdup(k->helper);
    argv[a++] = sk_asprintf("%d", (int)pid);
    for (size_t i = 0; i < n; i++) {
        argv[a++] = sk_asprintf("%u", maps[i].container_id);
        argv[a++] = sk_asprintf("%u", maps[i].host_id);
        argv[a++] = sk_asprintf("%u", maps[i].size);
    }
    int rc = -1;
    int out[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) < 0) {
        sk_error_errno(err, errno, "pipe");
        goto done;
    }
    pid_t child = fork();
    if (child < 0) {
        sk_error_errno(err, errno, "fork %s", k->helper);
        goto done;
    }
    if (child == 0) {
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0)
            dup2(null, 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        execv(helper, argv);
        dprintf(2, "%s: %s", helper, strerror(errno));
        _exit(127);
    }
    close(out[1]);
    out[1] = -1;
    char msg[1024];
    size_t len = 0;
    ssize_t r;
    while ((r = read(out[0], msg + len, sizeof(msg) - 1 - len)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        len += (size_t)r;
        if (len == sizeof(msg) - 1)
            break;
    }
    msg[len] = '\0';
    int st = 0;
    rt_waitpid(child, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        rc = 0;
        goto done;
    }
    /* Its first line, already prefixed with its name. */
    msg[strcspn(msg, "\n")] = '\0';
    if (msg[0])
        sk_error_set(err, EPERM, "%s: %s", k->field, msg);
    else
        sk_error_set(err, EPERM, "%s: %s failed (status %d)", k->field, k->helper,
                     rt_exit_code(st));
done:
    if (out[0] >= 0)
        close(out[0]);
    if (out[1] >= 0)
        close(out[1]);
    sk_strv_free(argv);
    return rc;
}

int rt_ns_write_idmaps(pid_t pid, const struct rt_spec *s, struct sk_error *err)
{
    if (geteuid() == 0) /* root of the host, or of the user namespace we run in */
        return write_direct(pid, &uid_kind, s->uid_maps, s->n_uid_maps, err) < 0 ||
                       write_direct(pid, &gid_kind, s->gid_maps, s->n_gid_maps, err) < 0
                   ? -1
                   : 0;
    int r = rt_idmap_is_own(s->uid_maps, s->n_uid_maps, (uint32_t)geteuid())
                ? write_direct(pid, &uid_kind, s->uid_maps, s->n_uid_maps, err)
                : write_helper(pid, &uid_kind, s->uid_maps, s->n_uid_maps, err);
    if (r < 0)
        return -1;
    if (!rt_idmap_is_own(s->gid_maps, s->n_gid_maps, (uint32_t)getegid()))
        return write_helper(pid, &gid_kind, s->gid_maps, s->n_gid_maps, err);
    /* The kernel lets a user map its own gid only once setgroups is denied
     * (else it could drop a group that denies it access). */
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
    if (rt_write_file(path, "deny", err) < 0)
        return sk_error_prefix(err, "deny setgroups in the user namespace");
    return write_direct(pid, &gid_kind, s->gid_maps, s->n_gid_maps, err);
}
