/* The container process, from "we are in the container's root and
 * namespaces" to execve: executable lookup, environment, rlimits, umask,
 * cwd, noNewPrivileges, user and groups, capabilities, seccomp. Shared by
 * the init (init.c) and exec (exec.c).
 *
 * Seccomp goes last, right before execve. Installing a filter needs
 * no_new_privs or CAP_SYS_ADMIN; when the process gets neither, CAP_SYS_ADMIN
 * stays in its effective and permitted sets until the filter is loaded and is
 * dropped by one capset after it (the profile must then allow capset, as
 * any profile that lets a container start does). */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Used when process.env has no PATH (the same default as runc's). */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_UMASK 0022

static const char *env_get(char *const *env, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], key, n) == 0 && env[i][n] == '=')
            return env[i] + n + 1;
    return NULL;
}

/* The home directory of uid in the container's /etc/passwd, or "/". */
static char *home_of(uid_t uid)
{
    _cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
    char *line = NULL;
    size_t cap = 0;
    char *home = NULL;
    while (f && !home && getline(&line, &cap, f) > 0) {
        char *fields[7] = {0};
        char *p = line;
        for (int i = 0; i < 7 && p; i++) {
            fields[i] = p;
            p = strchr(p, ':');
            if (p)
                *p++ = '\0';
        }
        if (!fields[5] || !fields[2])
            continue;
        char *end;
        unsigned long v = strtoul(fields[2], &end, 10);
        if (end != fields[2] && *end == '\0' && v == uid && fields[5][0])
            home = sk_strdup(fields[5]);
    }
    free(line);
    return home ? home : sk_strdup("/");
}

/* Look name up as execve will run it: a path as is (execve tells what it
 * makes of it), a bare name in PATH. A PATH entry holding something by that
 * name that is no executable file (a file without x bits, a directory) is
 * remembered: when nothing later in PATH is executable, the error is EACCES
 * for it, as a shell's and crun's ("permission denied", 126), not ENOENT. */
static int find_executable(const char *name, char *const *env, char **ret, struct sk_error *err)
{
    struct stat st;
    if (strchr(name, '/')) {
        if (stat(name, &st) < 0)
            return sk_error_errno(err, errno, "exec: \"%s\": stat %s", name, name);
        *ret = sk_strdup(name);
        return 0;
    }
    const char *path = env_get(env, "PATH");
    _cleanup_free_ char *dirs = sk_strdup(path ? path : DEFAULT_PATH);
    _cleanup_free_ char *denied = NULL;
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        _cleanup_free_ char *cand = sk_asprintf("%s/%s", d[0] ? d : ".", name);
        if (stat(cand, &st) < 0)
            continue;
        if (S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
            *ret = SK_STEAL(cand);
            return 0;
        }
        if (!denied)
            denied = SK_STEAL(cand);
    }
    if (denied)
        return sk_error_set(err, EACCES, "exec: \"%s\": %s is not an executable file: %s", name,
                            denied, strerror(EACCES));
    return sk_error_set(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

/* A shell's exit status for an executable that failed to run with errno e. */
static int invoke_status_for(int e)
{
    return e == ENOENT || e == ENOTDIR ? RUNTIME_EXIT_NOT_FOUND : RUNTIME_EXIT_CANNOT_INVOKE;
}

static int set_rlimits(const struct rt_process *p, struct sk_error *err)
{
    for (size_t i = 0; i < p->nrlimits; i++) {
        const struct rt_rlimit *r = &p->rlimits[i];
        struct rlimit cur = {0}, want = {r->soft, r->hard};
        getrlimit(r->resource, &cur);
        if (setrlimit(r->resource, &want) == 0)
            continue;
        int e = errno;
        if (e == EPERM && want.rlim_max > cur.rlim_max)
            return sk_error_set(err, EPERM,
                                "rlimit %s: hard limit %llu is above the runtime's own (%llu), "
                                "and raising it needs CAP_SYS_RESOURCE",
                                r->type, (unsigned long long)want.rlim_max,
                                (unsigned long long)cur.rlim_max);
        return sk_error_errno(err, e, "rlimit %s (soft %llu, hard %llu)", r->type,
                              (unsigned long long)want.rlim_cur, (unsigned long long)want.rlim_max);
    }
    return 0;
}

/* chdir, then make sure the directory is inside our root: a cwd reached
 * through a leaked fd (/proc/self/fd/N) would be outside it, and getcwd
 * says so (CVE-2024-21626). */
static int enter_cwd(const char *cwd, struct sk_error *err)
{
    if (chdir(cwd) < 0)
        return sk_error_errno(err, errno, "process.cwd %s", cwd);
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof(buf))) {
        if (errno == ENOENT)
            return sk_error_set(err, EPERM, "process.cwd %s is outside the container's root", cwd);
        return sk_error_errno(err, errno, "process.cwd %s: getcwd", cwd);
    }
    if (buf[0] != '/')
        return sk_error_set(err, EPERM, "process.cwd %s is outside the container's root", cwd);
    return 0;
}

/* A user namespace whose gid map an unprivileged user wrote itself has
 * setgroups denied for good (see idmap.c). */
static bool setgroups_denied(void)
{
    char buf[16] = "";
    _cleanup_fclose_ FILE *f = fopen("/proc/self/setgroups", "re");
    return f && fgets(buf, sizeof(buf), f) && strncmp(buf, "deny", 4) == 0;
}

static int switch_user(const struct rt_process *p, struct sk_error *err)
{
    if (p->keep_groups) {
        /* the runtime's own supplementary groups stay */
    } else if (!setgroups_denied()) {
        if (setgroups(p->ngroups, p->groups) < 0)
            return sk_error_errno(err, errno, "setgroups");
    } else if (p->ngroups) {
        return sk_error_set(err, EPERM,
                            "process.user.additionalGids: setgroups is denied in this user "
                            "namespace (its gid map is a single gid written without newgidmap)");
    }
    if (setresgid(p->gid, p->gid, p->gid) < 0) {
        if (errno == EINVAL)
            return sk_error_set(err, EINVAL,
                                "process.user.gid %u is not mapped in the container's user "
                                "namespace (see linux.gidMappings)",
                                (unsigned)p->gid);
        return sk_error_errno(err, errno, "setgid %u", (unsigned)p->gid);
    }
    /* Keep the permitted set across the uid change; capset trims it next. */
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return sk_error_errno(err, errno, "prctl(PR_SET_KEEPCAPS)");
    if (setresuid(p->uid, p->uid, p->uid) < 0) {
        if (errno == EINVAL)
            return sk_error_set(err, EINVAL,
                                "process.user.uid %u is not mapped in the container's user "
                                "namespace (see linux.uidMappings)",
                                (unsigned)p->uid);
        return sk_error_errno(err, errno, "setuid %u", (unsigned)p->uid);
    }
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return sk_error_errno(err, errno, "prctl(PR_SET_KEEPCAPS)");
    return 0;
}

int rt_process_prepare(const struct rt_process *p, const struct rt_seccomp *sc,
                       struct rt_exec_plan *plan, struct sk_error *err)
{
    memset(plan, 0, sizeof(*plan));
    plan->proc = p;
    umask(p->has_umask ? p->umask : DEFAULT_UMASK);
    if (set_rlimits(p, err) < 0)
        return -1;
    if (enter_cwd(p->cwd, err) < 0)
        return -1;
    size_t n = 0;
    while (p->env && p->env[n])
        n++;
    plan->envp = sk_calloc(n + 2, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        plan->envp[i] = sk_strdup(p->env[i]);
    if (!env_get(plan->envp, "HOME")) {
        _cleanup_free_ char *home = home_of(p->uid);
        plan->envp[n] = sk_asprintf("HOME=%s", home);
    }
    if (find_executable(p->args[0], plan->envp, &plan->path, err) < 0) {
        plan->invoke_status = invoke_status_for(err->code);
        return -1;
    }
    if (sc && rt_seccomp_build(sc, &plan->seccomp, err) < 0)
        return -1;
    if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return sk_error_errno(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
    struct rt_caps none = {0};
    const struct rt_caps *caps = p->has_caps ? &p->caps : &none;
    if (rt_caps_drop_bounding(caps->bounding, err) < 0)
        return -1;
    if (switch_user(p, err) < 0)
        return -1;
    uint64_t sysadmin = 1ULL << CAP_SYS_ADMIN;
    plan->temp_sysadmin = plan->seccomp && !p->no_new_privileges && !(caps->effective & sysadmin);
    if (rt_caps_apply(caps, plan->temp_sysadmin ? sysadmin : 0, err) < 0)
        return -1;
    if (rt_caps_set_ambient(caps->ambient, err) < 0)
        return -1;
    return 0;
}

int rt_process_exec(struct rt_exec_plan *plan, struct sk_error *err)
{
    const struct rt_process *p = plan->proc;
    /* Nothing of the runtime's reaches the process (CVE-2024-21626 and
     * friends): every fd above stdio closes at exec. */
    if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        return sk_error_errno(err, errno, "close_range");
    if (plan->seccomp && rt_seccomp_load(plan->seccomp, err) < 0)
        return -1;
    if (plan->temp_sysadmin) {
        struct rt_caps none = {0};
        if (rt_caps_apply(p->has_caps ? &p->caps : &none, 0, err) < 0)
            return sk_error_prefix(err, "drop CAP_SYS_ADMIN after loading seccomp");
    }
    execve(plan->path, (char *const *)p->args, plan->envp);
    int e = errno;
    plan->invoke_status = invoke_status_for(e);
    return sk_error_errno(err, e, "exec %s", plan->path);
}

void rt_exec_plan_free(struct rt_exec_plan *plan)
{
    free(plan->path);
    sk_strv_free(plan->envp);
    rt_seccomp_release(plan->seccomp);
    memset(plan, 0, sizeof(*plan));
}
