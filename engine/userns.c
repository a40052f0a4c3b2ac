/* Rootless skiff: the user namespace it lives in.
 *
 * An ordinary user's skiff keeps its store under $XDG_DATA_HOME/skiff and its
 * run state under $XDG_RUNTIME_DIR/skiff (engine_default_paths). Image files
 * belong to many users, so skiff works inside a user namespace where the user
 * is root (uid 0) and the user's subordinate IDs (/etc/subuid, /etc/subgid)
 * are uids and gids 1..N: a file owned by uid 1000 in an image is owned by
 * subordinate ID base + 999 on disk, root's files by the user.
 *
 * One namespace per user, kept by a pause process, as podman does:
 *
 *  - The pause process holds a user namespace and a mount namespace owned by
 *    it. Its pid and start time (field 22 of /proc/PID/stat: a recycled pid
 *    does not pass) are in <runtime dir>/skiff/pause.pid, written under the
 *    flock of pause.lock beside it.
 *  - Every rootless command that touches the store enters both namespaces
 *    before it opens the store (cmd_open_engine; `skiff unshare` too; not
 *    --help, version, login). skiff is C and has one thread then, so it joins
 *    in place with setns(2), user namespace first, then mount namespace, and
 *    goes back to its working directory; podman (Go, many threads) re-executes
 *    itself for that. Joining marks the process with SK_ROOTLESS_ENV
 *    (common/rootless.h): inside, geteuid() is 0, yet paths and limits stay
 *    the user's, and skiff processes started inside (the monitor's worker,
 *    `skiff unshare skiff ...`) know they are in already.
 *  - Mounts made by one command (the overlay of `skiff mount`) live in the
 *    pause process's mount namespace, so the next command sees them. If the
 *    pause process dies, its namespaces go with it (with every mount in
 *    them); the next command makes a new one, and mount counts that outlived
 *    their mounts are recognised as stale (storage/overlay.c).
 *  - Making one: under the lock, skiff forks twice (the pause process must
 *    not be a child of a command that may wait for its children); the
 *    grandchild leaves the caller's session, drops every inherited fd (the
 *    lock's included), unshares CLONE_NEWUSER | CLONE_NEWNS and reports its
 *    pid. From outside, skiff maps it: newuidmap PID 0 UID 1 1 SUBUID COUNT
 *    (and newgidmap likewise; the setuid helpers check /etc/subuid), then
 *    lets it go on: it execs `skiff __userns-pause`, which sleeps until
 *    killed (comm "skiff-pause"). The mount namespace copies the host's;
 *    being owned by a less privileged user namespace, its shared mounts turn
 *    into slaves: host mounts appear inside, nothing propagates out.
 *  - Without newuidmap/newgidmap (package uidmap), or without lines for the
 *    user in /etc/subuid and /etc/subgid, skiff writes a single mapping itself
 *    (uid_map "0 UID 1", setgroups "deny", gid_map "0 GID 1") and warns on
 *    every command with the exact line to add. Files owned by anyone but root
 *    then cannot be made: a pull fails on the first such layer, saying which
 *    owner and what to add, as podman's "potentially insufficient UIDs or
 *    GIDs available in user namespace" does. Once the IDs are there, the next
 *    command replaces a single-mapped pause process by a full one.
 *  - Inside, skiff is root for its store: it can chown to mapped IDs, make
 *    fifos and the 0/0 character devices overlay uses as whiteouts (Linux
 *    5.8+ lets a user namespace make those), and mount overlay with
 *    "userxattr" (Linux 5.11+; opaque directories carry user.overlay.opaque,
 *    which fuse-overlayfs reads too). It cannot make other device nodes:
 *    layers' device nodes are skipped, as containers/storage does. */
#include "engine/userns.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/lock.h"
#include "common/proc.h"
#include "common/rootless.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define SUBUID_FILE "/etc/subuid"
#define SUBGID_FILE "/etc/subgid"
#define NEWUIDMAP "newuidmap"
#define NEWGIDMAP "newgidmap"
#define SUBID_DEFAULT_COUNT 65536UL
#define SUBID_MIN_START 100000UL /* useradd's SUB_UID_MIN */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define RUNTIME_FALLBACK_FMT "%s/skiff-run-%u"
#define PAUSE_READY_TIMEOUT_MS 5000

/* ---- subordinate ID files ------------------------------------------------- */

size_t userns_subid_ranges(const char *text, const char *user, unsigned long id,
                           struct userns_range *out, size_t max)
{
    char idbuf[32];
    snprintf(idbuf, sizeof(idbuf), "%lu", id);
    size_t n = 0;
    for (const char *line = text; line && *line && n < max;) {
        const char *end = strchrnul(line, '\n');
        const char *c1 = memchr(line, ':', (size_t)(end - line));
        if (c1 && *line != '#') {
            size_t nlen = (size_t)(c1 - line);
            bool match = (user && strlen(user) == nlen && memcmp(line, user, nlen) == 0) ||
                         (strlen(idbuf) == nlen && memcmp(line, idbuf, nlen) == 0);
            char *e1, *e2;
            unsigned long start = strtoul(c1 + 1, &e1, 10);
            unsigned long count = *e1 == ':' ? strtoul(e1 + 1, &e2, 10) : 0;
            if (match && e1 != c1 + 1 && *e1 == ':' && count > 0 && e2 <= end &&
                (e2 == end || *e2 == '\r' || *e2 == ' '))
                out[n++] = (struct userns_range){start, count};
        }
        line = *end ? end + 1 : NULL;
    }
    return n;
}

static unsigned long subid_end_max(const char *text)
{
    unsigned long max = 0;
    for (const char *line = text; line && *line;) {
        const char *end = strchrnul(line, '\n');
        const char *c1 = memchr(line, ':', (size_t)(end - line));
        if (c1 && *line != '#') {
            char *e1;
            unsigned long start = strtoul(c1 + 1, &e1, 10);
            unsigned long count = *e1 == ':' ? strtoul(e1 + 1, NULL, 10) : 0;
            if (start + count > max)
                max = start + count;
        }
        line = *end ? end + 1 : NULL;
    }
    return max;
}

unsigned long userns_subid_free_start(const char *subuid_text, const char *subgid_text)
{
    unsigned long a = subid_end_max(subuid_text), b = subid_end_max(subgid_text);
    unsigned long start = a > b ? a : b;
    return start > SUBID_MIN_START ? start : SUBID_MIN_START;
}

/* ---- what mapping this user can have ------------------------------------- */

struct plan {
    uid_t uid;
    gid_t gid;
    char *user; /* login name, or the uid as a number */
    struct userns_range uids[USERNS_MAX_RANGES], gids[USERNS_MAX_RANGES];
    size_t nuids, ngids;
    bool full;    /* subordinate IDs through newuidmap/newgidmap */
    char *reason; /* when not full: why */
    char *fix;    /* and what to do */
};

static void plan_clear(struct plan *p)
{
    free(p->user);
    free(p->reason);
    free(p->fix);
}

static bool program_in_path(const char *name)
{
    const char *path = getenv("PATH");
    _cleanup_free_ char *copy = sk_strdup(path && *path ? path : DEFAULT_PATH);
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        _cleanup_free_ char *p = sk_asprintf("%s/%s", dir, name);
        if (access(p, X_OK) == 0)
            return true;
    }
    return false;
}

/* The mapping the user can have now (read from the host's files). */
static void plan_make(struct plan *p)
{
    *p = (struct plan){.uid = sk_rootless_uid(), .gid = sk_rootless_gid()};
    struct passwd *pw = getpwuid(p->uid);
    p->user = pw ? sk_strdup(pw->pw_name) : sk_asprintf("%u", (unsigned)p->uid);
    _cleanup_free_ char *subuid = NULL, *subgid = NULL;
    if (sk_read_file(SUBUID_FILE, &subuid, NULL, NULL) < 0)
        subuid = sk_strdup("");
    if (sk_read_file(SUBGID_FILE, &subgid, NULL, NULL) < 0)
        subgid = sk_strdup("");
    p->nuids = userns_subid_ranges(subuid, p->user, p->uid, p->uids, USERNS_MAX_RANGES);
    p->ngids = userns_subid_ranges(subgid, p->user, p->uid, p->gids, USERNS_MAX_RANGES);
    bool tools = program_in_path(NEWUIDMAP) && program_in_path(NEWGIDMAP);
    p->full = tools && p->nuids > 0 && p->ngids > 0;
    if (p->full)
        return;
    if (p->nuids > 0 && p->ngids > 0) {
        p->reason = sk_strdup(NEWUIDMAP " and " NEWGIDMAP " were not found");
        p->fix = sk_strdup("install them (package uidmap)");
        return;
    }
    unsigned long start = userns_subid_free_start(subuid, subgid);
    unsigned long last = start + SUBID_DEFAULT_COUNT - 1;
    const char *files = p->nuids == 0 && p->ngids == 0 ? SUBUID_FILE " and " SUBGID_FILE
                        : p->nuids == 0                ? SUBUID_FILE
                                                       : SUBGID_FILE;
    _cleanup_free_ char *uids =
        p->nuids == 0 ? sk_asprintf(" --add-subuids %lu-%lu", start, last) : sk_strdup("");
    _cleanup_free_ char *gids =
        p->ngids == 0 ? sk_asprintf(" --add-subgids %lu-%lu", start, last) : sk_strdup("");
    p->reason = sk_asprintf("no subordinate IDs for %s in %s", p->user, files);
    p->fix =
        sk_asprintf("as root, add \"%s:%lu:%lu\" to %s (usermod%s%s %s)%s", p->user, start,
                    SUBID_DEFAULT_COUNT, files, uids, gids, p->user,
                    tools ? "" : ", and install " NEWUIDMAP " and " NEWGIDMAP " (package uidmap)");
}

/* The warning of a single-ID namespace. */
static char *plan_warning(const struct plan *p)
{
    return sk_asprintf("%s, so skiff maps only your own ID (to root) in its user namespace and "
                       "cannot pull images with files of other owners; %s",
                       p->reason, p->fix);
}

/* ---- the runtime directory ------------------------------------------------- */

/* A directory that only its owner, the user, may enter. */
static int check_private_dir(const char *dir, struct sk_error *err)
{
    struct stat st;
    if (lstat(dir, &st) < 0)
        return sk_error_errno(err, errno, "%s", dir);
    if (!S_ISDIR(st.st_mode))
        return sk_error_set(err, ENOTDIR,
                            "%s is not a directory: remove it, or set XDG_RUNTIME_DIR", dir);
    if (st.st_uid != geteuid())
        return sk_error_set(err, EPERM,
                            "%s belongs to another user (uid %u): remove it, or set "
                            "XDG_RUNTIME_DIR",
                            dir, (unsigned)st.st_uid);
    if (st.st_mode & 077)
        return sk_error_set(err, EPERM,
                            "%s is open to other users (mode %04o): make it 0700, or set "
                            "XDG_RUNTIME_DIR",
                            dir, (unsigned)(st.st_mode & 07777));
    return 0;
}

int engine_rootless_runtime_dir(char **ret, struct sk_error *err)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && *xdg) {
        *ret = sk_strdup(xdg);
        return 0;
    }
    unsigned uid = (unsigned)sk_rootless_uid();
    /* systemd-logind's, when this user has a session */
    _cleanup_free_ char *run = sk_asprintf("/run/user/%u", uid);
    if (check_private_dir(run, NULL) == 0 && access(run, W_OK) == 0) {
        *ret = SK_STEAL(run);
        return 0;
    }
    const char *tmp = getenv("TMPDIR");
    _cleanup_free_ char *dir = sk_asprintf(RUNTIME_FALLBACK_FMT, tmp && *tmp ? tmp : "/tmp", uid);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return sk_error_errno(err, errno, "XDG_RUNTIME_DIR is unset: mkdir %s", dir);
    if (check_private_dir(dir, err) < 0)
        return sk_error_prefix(err, "XDG_RUNTIME_DIR is unset");
    *ret = SK_STEAL(dir);
    return 0;
}

/* ---- the pause process ----------------------------------------------------- */

int engine_userns_pause_main(int ready_fd)
{
    prctl(PR_SET_NAME, USERNS_PAUSE_NAME, 0, 0, 0);
    if (ready_fd > 2)
        close(ready_fd); /* its maker reads EOF: we are in place */
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (;;)
        pause();
}

/* Run a mapping helper: newuidmap PID 0 ID 1 [1 START COUNT]... */
static int run_idmap_helper(const char *prog, pid_t pid, unsigned long id,
                            const struct userns_range *r, size_t n, struct sk_error *err)
{
    _cleanup_strv_ char **argv = NULL;
    char buf[32];
    sk_strv_push(&argv, prog);
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    sk_strv_push(&argv, buf);
    unsigned long inside = 1;
    sk_strv_push(&argv, "0");
    snprintf(buf, sizeof(buf), "%lu", id);
    sk_strv_push(&argv, buf);
    sk_strv_push(&argv, "1");
    for (size_t i = 0; i < n; i++) {
        unsigned long v[3] = {inside, r[i].start, r[i].count};
        for (int k = 0; k < 3; k++) {
            snprintf(buf, sizeof(buf), "%lu", v[k]);
            sk_strv_push(&argv, buf);
        }
        inside += r[i].count;
    }
    int out[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        return sk_error_errno(err, errno, "pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    pid_t child;
    int r0 = posix_spawnp(&child, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    _cleanup_close_ int rd = out[0];
    if (r0 != 0)
        return sk_error_errno(err, r0, "run %s", prog);
    char text[1024];
    size_t len = 0;
    for (;;) {
        ssize_t k = read(rd, text + len, sizeof(text) - 1 - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        len += (size_t)k;
        if (len == sizeof(text) - 1) {
            char sink[256];
            while (read(rd, sink, sizeof(sink)) > 0)
                ;
            break;
        }
    }
    text[len] = '\0';
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = '\0';
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            return sk_error_errno(err, errno, "wait for %s", prog);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return sk_error_set(err, EPERM, "%s failed%s%s", prog, len ? ": " : "", text);
}

static int write_proc(pid_t pid, const char *file, const char *text, struct sk_error *err)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || sk_write_all(fd, text, strlen(text)) < 0)
        return sk_error_errno(err, errno, "write %s", path);
    return 0;
}

static int map_ids(const struct plan *p, pid_t pid, struct sk_error *err)
{
    if (p->full) {
        if (run_idmap_helper(NEWUIDMAP, pid, p->uid, p->uids, p->nuids, err) < 0 ||
            run_idmap_helper(NEWGIDMAP, pid, p->gid, p->gids, p->ngids, err) < 0)
            return sk_error_prefix(err,
                                   "map the subordinate IDs of %s (" SUBUID_FILE ", " SUBGID_FILE
                                   ") into skiff's user namespace",
                                   p->user);
        return 0;
    }
    char line[64];
    snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)p->uid);
    if (write_proc(pid, "uid_map", line, err) < 0)
        return -1;
    if (write_proc(pid, "setgroups", "deny", err) < 0)
        return -1;
    snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)p->gid);
    return write_proc(pid, "gid_map", line, err);
}

static ssize_t read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* What the grandchild reports once it unshared: its pid, or an errno. */
struct pause_report {
    int err;
    pid_t pid;
};

/* The grandchild: out of the caller's session and fds, into new namespaces,
 * mapped by the caller, then the pause program. Only async-signal-safe calls
 * (the caller may have threads). */
static _Noreturn void pause_child(int go_fd, int rep_fd, const char *exe)
{
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
    }
    int keep[] = {go_fd, rep_fd};
    sk_close_fds_except(keep, 2);
    setsid();
    if (chdir("/") < 0)
        _exit(1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct pause_report rep = {.pid = getpid()};
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
        rep.err = errno;
    if (write(rep_fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep) || rep.err)
        _exit(1);
    char go = 0;
    if (read_full(go_fd, &go, 1) != 1 || go != 'g')
        _exit(1);
    close(go_fd);
    char fd[16];
    snprintf(fd, sizeof(fd), "%d", rep_fd);
    char *argv[] = {"skiff", USERNS_PAUSE_COMMAND, fd, NULL};
    char *envp[] = {NULL};
    if (fcntl(rep_fd, F_SETFD, 0) == 0) /* closed by the pause process once in place */
        execve(exe, argv, envp);
    engine_userns_pause_main(rep_fd); /* without the program: this copy of it */
    _exit(1);
}

static const char *unshare_hint(int code)
{
    switch (code) {
    case EPERM:
    case EACCES:
        return " (unprivileged user namespaces are disabled: see sysctl "
               "kernel.unprivileged_userns_clone, or an AppArmor/SELinux policy)";
    case ENOSPC:
        return " (sysctl user.max_user_namespaces is too low)";
    default:
        return "";
    }
}

/* Start a pause process mapped as p says; *ret_pid, *ret_start identify it. */
static int pause_spawn(const struct plan *p, pid_t *ret_pid, unsigned long long *ret_start,
                       struct sk_error *err)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0 || (size_t)n >= sizeof(exe) - 1)
        snprintf(exe, sizeof(exe), "/proc/self/exe");
    else
        exe[n] = '\0';
    if (!sk_str_has_prefix(exe, "/") || sk_str_has_suffix(exe, " (deleted)"))
        snprintf(exe, sizeof(exe), "/proc/self/exe");
    int go[2], rep[2];
    if (pipe2(go, O_CLOEXEC) < 0)
        return sk_error_errno(err, errno, "pipe");
    if (pipe2(rep, O_CLOEXEC) < 0) {
        close(go[0]);
        close(go[1]);
        return sk_error_errno(err, errno, "pipe");
    }
    pid_t mid = fork();
    if (mid == 0) {
        close(go[1]);
        close(rep[0]);
        pid_t pid = fork();
        if (pid == 0)
            pause_child(go[0], rep[1], exe);
        _exit(pid < 0 ? 1 : 0);
    }
    int saved = errno;
    close(go[0]);
    close(rep[1]);
    _cleanup_close_ int go_w = go[1], rep_r = rep[0];
    if (mid < 0)
        return sk_error_errno(err, saved, "fork");
    int status;
    while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
        ;
    struct pause_report r = {0};
    if (read_full(rep_r, &r, sizeof(r)) != (ssize_t)sizeof(r))
        return sk_error_set(err, ECHILD, "the pause process died before it started");
    if (r.err)
        return sk_error_errno(err, r.err, "create a user namespace%s", unshare_hint(r.err));
    if (map_ids(p, r.pid, err) < 0) {
        kill(r.pid, SIGKILL);
        return -1;
    }
    unsigned long long start = sk_pid_start_time(r.pid);
    if (write(go_w, "g", 1) != 1 || start == 0) {
        kill(r.pid, SIGKILL);
        return sk_error_set(err, ECHILD, "the pause process died before it started");
    }
    /* EOF once it runs as the pause program (or died: the caller checks). */
    struct pollfd pfd = {.fd = rep_r, .events = POLLIN};
    while (poll(&pfd, 1, PAUSE_READY_TIMEOUT_MS) < 0 && errno == EINTR)
        ;
    *ret_pid = r.pid;
    *ret_start = start;
    return 0;
}

/* ---- joining ---------------------------------------------------------------- */

struct pause_ns {
    pid_t pid;
    int user, mnt;
    unsigned long mapped; /* IDs its namespace maps */
};

static void pause_ns_clear(struct pause_ns *ns)
{
    if (ns->user >= 0)
        close(ns->user);
    if (ns->mnt >= 0)
        close(ns->mnt);
    ns->user = ns->mnt = -1;
}

static int read_pidfile(const char *path, pid_t *ret_pid, unsigned long long *ret_start)
{
    _cleanup_free_ char *text = NULL;
    if (sk_read_file(path, &text, NULL, NULL) < 0)
        return 0;
    long pid;
    unsigned long long start;
    if (sscanf(text, "%ld %llu", &pid, &start) != 2 || pid <= 0 || pid > INT_MAX)
        return 0;
    *ret_pid = (pid_t)pid;
    *ret_start = start;
    return 1;
}

static unsigned long map_count(pid_t pid, const char *file)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    _cleanup_free_ char *text = NULL;
    if (sk_read_file(path, &text, NULL, NULL) < 0)
        return 0;
    unsigned long total = 0;
    for (char *line = text; line && *line;) {
        unsigned long a, b, c;
        if (sscanf(line, "%lu %lu %lu", &a, &b, &c) == 3)
            total += c;
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return total;
}

/* Open the namespaces of the pause process the pid file names: 1, or 0 when
 * there is none to join (no file, gone, recycled pid, not ours). */
static int pause_open(const char *pidfile, struct pause_ns *ret)
{
    *ret = (struct pause_ns){.user = -1, .mnt = -1};
    pid_t pid;
    unsigned long long start;
    if (!read_pidfile(pidfile, &pid, &start))
        return 0;
    /* While we hold a pidfd the pid cannot be reused: what /proc/PID shows
     * below is that process, or nothing. */
    _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0 && errno != ENOSYS)
        return 0;
    if (!sk_pid_alive(pid, start))
        return 0;
    char path[64];
    struct stat st, self;
    snprintf(path, sizeof(path), "/proc/%d", (int)pid);
    if (stat(path, &st) < 0 || st.st_uid != geteuid())
        return 0;
    snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
    int user = open(path, O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
    int mnt = open(path, O_RDONLY | O_CLOEXEC);
    struct pause_ns ns = {
        .pid = pid, .user = user, .mnt = mnt, .mapped = map_count(pid, "uid_map")};
    unsigned long gids = map_count(pid, "gid_map");
    if (gids < ns.mapped)
        ns.mapped = gids;
    bool ok = user >= 0 && mnt >= 0 && fstat(user, &st) == 0 &&
              stat("/proc/self/ns/user", &self) == 0 && st.st_ino != self.st_ino && ns.mapped > 0 &&
              sk_pid_alive(pid, start);
    if (!ok) {
        pause_ns_clear(&ns);
        return 0;
    }
    *ret = ns;
    return 1;
}

static void pause_kill(const char *pidfile)
{
    pid_t pid;
    unsigned long long start;
    if (!read_pidfile(pidfile, &pid, &start))
        return;
    _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0 && sk_pid_alive(pid, start))
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    else if (pidfd < 0 && errno == ENOSYS && sk_pid_alive(pid, start))
        kill(pid, SIGKILL);
}

/* The pause process whose namespaces this process joined itself (not
 * inherited from a parent inside them), or 0. */
static pid_t joined_pause_pid;

/* setns into both, then back to the working directory (a mount namespace
 * change resets it to the namespace's root). */
static int pause_join(const struct pause_ns *ns, struct sk_error *err)
{
    _cleanup_free_ char *cwd = getcwd(NULL, 0);
    if (setns(ns->user, CLONE_NEWUSER) < 0) {
        int e = errno;
        if (e == EINVAL)
            return sk_error_set(err, e,
                                "join skiff's user namespace: the process has "
                                "several threads (a bug in skiff)");
        return sk_error_errno(err, e, "join skiff's user namespace");
    }
    if (setns(ns->mnt, CLONE_NEWNS) < 0)
        return sk_error_errno(err, errno, "join skiff's mount namespace");
    joined_pause_pid = ns->pid;
    if (cwd && chdir(cwd) < 0)
        return sk_error_errno(err, errno,
                              "enter the working directory %s in skiff's mount namespace", cwd);
    return 0;
}

/* Join the namespaces the pid file names, if they fit the plan: 1 joined, 0
 * nothing to join (or, under the lock, a single-mapped pause replaced by the
 * full one the user can have now: killed), -1 error. */
static int join_existing(const char *pidfile, bool locked, struct plan *p, bool *have_plan,
                         char **ret_warning, struct sk_error *err)
{
    struct pause_ns ns;
    if (!pause_open(pidfile, &ns))
        return 0;
    if (ns.mapped == 1) {
        if (!*have_plan) {
            plan_make(p);
            *have_plan = true;
        }
        if (p->full) {
            pause_ns_clear(&ns);
            if (locked)
                pause_kill(pidfile);
            return 0;
        }
        *ret_warning = plan_warning(p);
    }
    int r = pause_join(&ns, err);
    pause_ns_clear(&ns);
    return r < 0 ? -1 : 1;
}

static int mark_rootless(uid_t uid, struct sk_error *err)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%u", (unsigned)uid);
    if (setenv(SK_ROOTLESS_ENV, buf, 1) < 0)
        return sk_error_errno(err, errno, "setenv");
    return 0;
}

int engine_userns_enter(char **ret_warning, struct sk_error *err)
{
    *ret_warning = NULL;
    if (geteuid() == 0) /* root, or inside already */
        return 0;
    uid_t uid = geteuid();
    _cleanup_free_ char *rundir = NULL;
    if (engine_rootless_runtime_dir(&rundir, err) < 0)
        return -1;
    _cleanup_free_ char *dir = sk_asprintf("%s/skiff", rundir);
    if (sk_mkdir_p(dir, 0700, err) < 0)
        return -1;
    _cleanup_free_ char *pidfile = sk_asprintf("%s/" USERNS_PAUSE_PIDFILE, dir);
    _cleanup_(plan_clear) struct plan plan = {0};
    bool have_plan = false;
    int r = join_existing(pidfile, false, &plan, &have_plan, ret_warning, err);
    if (r == 0) {
        _cleanup_free_ char *lockpath = sk_asprintf("%s/" USERNS_PAUSE_LOCK, dir);
        struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
        if (sk_lock_acquire(&lock, lockpath, false, err) < 0)
            return -1;
        r = join_existing(pidfile, true, &plan, &have_plan, ret_warning, err);
        if (r == 0) {
            if (!have_plan) {
                plan_make(&plan);
                have_plan = true;
            }
            pid_t pid = 0;
            unsigned long long start = 0;
            if (pause_spawn(&plan, &pid, &start, err) < 0)
                return sk_error_prefix(err, "start skiff's pause process");
            char line[64];
            int len = snprintf(line, sizeof(line), "%d %llu\n", (int)pid, start);
            if (sk_write_file_replace(pidfile, line, (size_t)len, 0600, err) < 0) {
                kill(pid, SIGKILL);
                return -1;
            }
            free(*ret_warning);
            *ret_warning = NULL;
            r = join_existing(pidfile, true, &plan, &have_plan, ret_warning, err);
            if (r == 0)
                return sk_error_set(err, ECHILD, "skiff's pause process died at its start");
        }
    }
    if (r < 0) {
        free(*ret_warning);
        *ret_warning = NULL;
        return -1;
    }
    return mark_rootless(uid, err);
}

size_t engine_userns_mappings(const char *file, struct userns_mapping *out, size_t max)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/%s", file);
    _cleanup_free_ char *text = NULL;
    if (sk_read_file(path, &text, NULL, NULL) < 0)
        return 0;
    size_t n = 0;
    for (char *line = text; line && *line && n < max;) {
        struct userns_mapping m;
        if (sscanf(line, "%lu %lu %lu", &m.inside, &m.outside, &m.count) == 3)
            out[n++] = m;
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return n;
}

bool engine_userns_joined_here(void) { return joined_pause_pid > 0; }

char *engine_userns_caller_path(const char *path)
{
    if (joined_pause_pid <= 0)
        return NULL;
    /* Resolved here, in skiff's mount namespace: past /proc/PID/root an
     * absolute symlink on the way (a symlinked $HOME or XDG_DATA_HOME)
     * would resolve against the caller's root, landing on the empty
     * mountpoint; a relative path (--root DIR) would not resolve at all. */
    _cleanup_free_ char *real = realpath(path, NULL);
    return sk_asprintf("/proc/%d/root%s", (int)joined_pause_pid, real ? real : path);
}

/* ---- advice ------------------------------------------------------------------ */

char *engine_userns_id_hint(void)
{
    if (!sk_rootless())
        return NULL;
    unsigned long mapped = sk_userns_mapped_ids();
    _cleanup_(plan_clear) struct plan p;
    plan_make(&p);
    if (mapped <= 1 && p.reason)
        return sk_asprintf("skiff's user namespace maps only your own ID (%s): %s", p.reason,
                           p.fix);
    if (mapped <= 1)
        return sk_strdup("skiff's user namespace maps only your own ID; the next skiff command "
                         "maps the subordinate IDs now in " SUBUID_FILE " and " SUBGID_FILE);
    return sk_asprintf("skiff's user namespace maps IDs 0 to %lu only: give %s more subordinate "
                       "IDs in " SUBUID_FILE " and " SUBGID_FILE,
                       mapped - 1, p.user);
}

int engine_userns_check_id(const char *kind, unsigned long long id, struct sk_error *err)
{
    if (!sk_rootless() || id < sk_userns_mapped_ids())
        return 0;
    _cleanup_free_ char *hint = engine_userns_id_hint();
    return sk_error_set(err, EOVERFLOW, "%s %llu is not mapped%s%s", kind, id, hint ? ": " : "",
                        hint ? hint : "");
}

int engine_userns_check_user(const json_t *user, struct sk_error *err)
{
    if (engine_userns_check_id("uid", (unsigned long long)sk_json_int(user, "uid", 0), err) < 0 ||
        engine_userns_check_id("gid", (unsigned long long)sk_json_int(user, "gid", 0), err) < 0)
        return -1;
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(user, "additionalGids"), i, g)
    {
        if (engine_userns_check_id("supplementary gid", (unsigned long long)json_integer_value(g),
                                   err) < 0)
            return -1;
    }
    return 0;
}
