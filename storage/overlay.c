/* The container rootfs: an overlay of the image layers (read-only, top first)
 * under the container's diff/ (writable), mounted on merged/.
 *
 * Two drivers, fixed per container at create:
 *  - overlay: the kernel's overlayfs through mount(2). The mount options must
 *    fit in one page, so lowerdirs are the short links <root>/l/<SHORT> given
 *    relative to <root>: the process chdirs into <root> for the mount(2) call
 *    and fchdirs back. The working directory is process-wide, so mounting must
 *    not run while other threads use relative paths (skiff mounts from a
 *    single thread).
 *  - fuse-overlayfs: the userspace implementation, run as a program; it
 *    daemonizes once the mount is in place and exits when it is unmounted.
 *
 * Users are counted in <runroot>/mounts/<id> under the flock of
 * <runroot>/mounts/<id>.lock. The mount table is the truth: a count whose
 * mount is gone (unmounted by hand, or run state that outlived the mounts)
 * counts as 0, and the mount is made again. Lock order: the store lock, then
 * a container's record lock (container.c), then a mount lock; never the other
 * way round. */
#include "storage/container.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/rootless.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SHORT_LINK_LEN 26
#define SHORT_LINK_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define LINKS_DIR "l"
#define EMPTY_LAYER_DIR "empty-layer"
#define FUSE_OVERLAYFS "fuse-overlayfs"
#define FUSERMOUNT "fusermount3"
#define FUSE_MOUNT_WAIT_MS 5000

int storage_driver_parse(const char *name, enum storage_driver *ret, struct sk_error *err)
{
    if (strcmp(name, "overlay") == 0 || strcmp(name, "overlay2") == 0) {
        *ret = STORAGE_DRIVER_OVERLAY;
        return 0;
    }
    if (strcmp(name, "fuse-overlayfs") == 0 || strcmp(name, "fuse-overlay") == 0) {
        *ret = STORAGE_DRIVER_FUSE_OVERLAYFS;
        return 0;
    }
    return sk_error_set(err, EINVAL,
                        "unknown storage driver \"%s\" (known: overlay, fuse-overlayfs)", name);
}

const char *storage_driver_name(enum storage_driver d)
{
    return d == STORAGE_DRIVER_FUSE_OVERLAYFS ? "fuse-overlayfs" : "overlay";
}

/* ---- the mount table ------------------------------------------------------- */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void mountinfo_unescape(char *s)
{
    char *out = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            *out++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 3;
        } else {
            *out++ = *p;
        }
    }
    *out = '\0';
}

/* Whether path is a mount point, from the mount table (absolute, canonical). */
static bool mountinfo_has(const char *path)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return false;
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... */
        char *p = line;
        for (int field = 0; field < 4 && p; field++) {
            p = strchr(p, ' ');
            if (p)
                p++;
        }
        char *end = p ? strchr(p, ' ') : NULL;
        if (!end)
            continue;
        *end = '\0';
        mountinfo_unescape(p);
        if (strcmp(p, path) == 0)
            return true;
    }
    return false;
}

/* Whether something is mounted on path. statx's STATX_ATTR_MOUNT_ROOT answers
 * in O(1); reading the mount table instead costs O(mounts), and with 1000
 * containers mounted that was most of a `skiff mount`. */
static bool path_is_mounted(const char *path)
{
    struct statx stx;
    /* No attributes wanted, from the cache: a hung FUSE daemon cannot block us. */
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC, 0,
              &stx) < 0)
        return errno == ENOTCONN; /* a FUSE mount whose daemon died */
    if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
        return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
    return mountinfo_has(path); /* kernels before 5.8 */
}

/* <canonical root>/overlay-containers/<id>/merged: the form the mount table uses.
 * The directory itself is not resolved: a dead FUSE mount cannot be stat'ed. */
static char *merged_path(struct storage *st, const char *id)
{
    _cleanup_free_ char *dir = storage_container_dir(st, id);
    _cleanup_free_ char *real = realpath(dir, NULL);
    return real ? sk_asprintf("%s/merged", real) : NULL;
}

/* ---- mount counts ----------------------------------------------------------- */

static char *count_path(struct storage *st, const char *id)
{
    return sk_asprintf("%s/mounts/%s", st->runroot, id);
}

static int mount_lock(struct storage *st, const char *id, struct sk_lock *lock,
                      struct sk_error *err)
{
    _cleanup_free_ char *dir = sk_asprintf("%s/mounts", st->runroot);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST && sk_mkdir_p(dir, 0700, err) < 0)
        return -1;
    _cleanup_free_ char *p = sk_asprintf("%s/%s.lock", dir, id);
    return sk_lock_acquire(lock, p, false, err);
}

static int count_read(struct storage *st, const char *id)
{
    _cleanup_free_ char *p = count_path(st, id);
    _cleanup_free_ char *data = NULL;
    if (sk_read_file(p, &data, NULL, NULL) < 0)
        return 0;
    long n = strtol(data, NULL, 10);
    return n > 0 && n < 1000000 ? (int)n : 0;
}

static int count_write(struct storage *st, const char *id, int n, struct sk_error *err)
{
    _cleanup_free_ char *p = count_path(st, id);
    if (n <= 0) {
        if (unlink(p) < 0 && errno != ENOENT)
            return sk_error_errno(err, errno, "remove %s", p);
        return 0;
    }
    char buf[32];
    int len = snprintf(buf, sizeof(buf), "%d\n", n);
    return sk_write_file_replace(p, buf, (size_t)len, 0600, err); /* run state: no fsync */
}

/* The number of users given the file and the mount table: an unknown user of
 * a mount we have no count for still counts as one. */
static int count_effective(int counted, bool mounted)
{
    if (!mounted)
        return 0;
    return counted > 0 ? counted : 1;
}

/* ---- short links ------------------------------------------------------------------ */

static bool short_name_valid(const char *s)
{
    if (strlen(s) != SHORT_LINK_LEN)
        return false;
    return strspn(s, SHORT_LINK_CHARS) == SHORT_LINK_LEN;
}

static char *link_file(struct storage *st, const char *hex)
{
    return sk_asprintf("%s/layers/%s/link", st->root, hex);
}

/* The layer's recorded short name, if <root>/l/<name> points at its diff. */
static char *short_link_get(struct storage *st, const char *hex)
{
    _cleanup_free_ char *p = link_file(st, hex);
    _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char name[SHORT_LINK_LEN + 2];
    ssize_t n = read(fd, name, sizeof(name) - 1);
    if (n < SHORT_LINK_LEN)
        return NULL;
    name[n] = '\0';
    name[strcspn(name, "\n")] = '\0';
    if (!short_name_valid(name))
        return NULL;
    _cleanup_free_ char *link = sk_asprintf("%s/" LINKS_DIR "/%s", st->root, name);
    _cleanup_free_ char *want = sk_asprintf("../layers/%s/diff", hex);
    char target[256];
    ssize_t tn = readlink(link, target, sizeof(target) - 1);
    if (tn < 0)
        return NULL;
    target[tn] = '\0';
    return strcmp(target, want) == 0 ? sk_strdup(name) : NULL;
}

/* Make <root>/l/<new name> -> ../layers/<hex>/diff and record the name in
 * layers/<hex>/link. Called with the store lock held. The link file need not
 * be durable: a lost or torn one is simply made again. */
static char *short_link_create(struct storage *st, const char *hex, struct sk_error *err)
{
    _cleanup_free_ char *dir = sk_asprintf("%s/" LINKS_DIR, st->root);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        sk_error_errno(err, errno, "mkdir %s", dir);
        return NULL;
    }
    _cleanup_free_ char *target = sk_asprintf("../layers/%s/diff", hex);
    char name[SHORT_LINK_LEN + 1];
    _cleanup_free_ char *link = NULL;
    for (;;) {
        unsigned char raw[SHORT_LINK_LEN];
        if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
            sk_error_errno(err, errno ?: EIO, "getrandom");
            return NULL;
        }
        for (size_t i = 0; i < SHORT_LINK_LEN; i++)
            name[i] = SHORT_LINK_CHARS[raw[i] % (sizeof(SHORT_LINK_CHARS) - 1)];
        name[SHORT_LINK_LEN] = '\0';
        free(link);
        link = sk_asprintf("%s/%s", dir, name);
        if (symlink(target, link) == 0)
            break;
        if (errno != EEXIST) {
            sk_error_errno(err, errno, "symlink %s", link);
            return NULL;
        }
    }
    _cleanup_free_ char *p = link_file(st, hex);
    _cleanup_free_ char *tmp = sk_asprintf("%s.tmp", p);
    _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, name, SHORT_LINK_LEN) != SHORT_LINK_LEN || rename(tmp, p) < 0) {
        sk_error_errno(err, errno, "write %s", p);
        unlink(tmp);
        unlink(link);
        return NULL;
    }
    return sk_strdup(name);
}

/* The short names of layers, in the same order. Missing links are made under
 * the store lock (rare: the first mount of an image's layer). */
static int short_links(struct storage *st, json_t *layers, char ***ret, struct sk_error *err)
{
    size_t n = json_array_size(layers);
    _cleanup_strv_ char **names = sk_calloc(n + 1, sizeof(char *));
    bool missing = false;
    for (size_t i = 0; i < n; i++) {
        const char *diff_id = json_string_value(json_array_get(layers, i));
        if (!diff_id || !sk_digest_valid(diff_id))
            return sk_error_set(err, EBADMSG, "bad layer ID in container record");
        names[i] = short_link_get(st, sk_digest_hex(diff_id));
        missing = missing || !names[i];
    }
    if (!missing) {
        *ret = SK_STEAL(names);
        return 0;
    }
    struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
    if (storage_lock(st, &lock, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (names[i])
            continue;
        const char *diff_id = json_string_value(json_array_get(layers, i));
        if (!storage_layer_exists(st, diff_id))
            return sk_error_set(err, ENOENT, "layer %s is missing from the store", diff_id);
        const char *hex = sk_digest_hex(diff_id);
        names[i] = short_link_get(st, hex); /* made meanwhile by another process? */
        if (!names[i] && !(names[i] = short_link_create(st, hex, err)))
            return sk_error_prefix(err, "short link for layer %s", diff_id);
    }
    *ret = SK_STEAL(names);
    return 0;
}

void storage_layer_drop_link(struct storage *st, const char *diff_id)
{
    if (!sk_digest_valid(diff_id))
        return;
    _cleanup_free_ char *name = short_link_get(st, sk_digest_hex(diff_id));
    if (!name)
        return;
    _cleanup_free_ char *link = sk_asprintf("%s/" LINKS_DIR "/%s", st->root, name);
    unlink(link);
}

/* overlay needs at least one lowerdir: an image without layers gets this one. */
static int empty_layer(struct storage *st, struct sk_error *err)
{
    _cleanup_free_ char *p = sk_asprintf("%s/" EMPTY_LAYER_DIR, st->root);
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
        return sk_error_errno(err, errno, "mkdir %s", p);
    return 0;
}

/* ---- kernel overlay ------------------------------------------------------------ */

/* lowerdir=l/TOP:...:l/BASE,upperdir=...,workdir=... relative to <root>. */
static char *overlay_options(const char *id, char **links, bool metacopy, bool vol)
{
    char *opts = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&opts, &len);
    if (!f)
        abort();
    fputs("lowerdir=", f);
    size_t n = sk_strv_len(links);
    if (n == 0)
        fputs(EMPTY_LAYER_DIR, f);
    for (size_t i = n; i-- > 0;)
        fprintf(f, LINKS_DIR "/%s%s", links[i], i > 0 ? ":" : "");
    fprintf(f, ",upperdir=overlay-containers/%s/diff,workdir=overlay-containers/%s/work,index=off",
            id, id);
    if (metacopy)
        fputs(",metacopy=off", f);
    /* In a user namespace (rootless) trusted.* xattrs are out of reach: the
     * layers' opaque dirs carry user.overlay.opaque (Linux 5.11+). */
    if (sk_rootless())
        fputs(",userxattr", f);
    if (vol)
        fputs(",volatile", f);
    fclose(f);
    return opts;
}

/* A volatile mount leaves work/incompat/volatile in the workdir, and overlay
 * refuses any later mount while it is there, since after a crash the upper
 * layer may have lost writes. A volatile container's upper layer is
 * disposable by definition, so the marker goes before each mount. */
static void clear_volatile_marker(int rootfd, const char *id)
{
    _cleanup_free_ char *marker = sk_asprintf("overlay-containers/%s/work/work/incompat", id);
    sk_rm_rf_at(rootfd, marker, NULL);
}

static int overlay_mount(struct storage *st, const char *id, char **links, bool vol,
                         struct sk_error *err)
{
    if (!links[0] && empty_layer(st, err) < 0)
        return -1;
    _cleanup_free_ char *opts = overlay_options(id, links, true, vol);
    if (strlen(opts) >= (size_t)sysconf(_SC_PAGESIZE))
        return sk_error_set(err, E2BIG,
                            "%zu layers are too many for one overlay mount (options are %zu "
                            "bytes, the limit is a page)",
                            sk_strv_len(links), strlen(opts));
    _cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cwd < 0)
        return sk_error_errno(err, errno, "open the working directory");
    _cleanup_close_ int rootfd = open(st->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return sk_error_errno(err, errno, "open %s", st->root);
    if (fchdir(rootfd) < 0)
        return sk_error_errno(err, errno, "chdir %s", st->root);
    _cleanup_free_ char *target = sk_asprintf("overlay-containers/%s/merged", id);
    if (vol)
        clear_volatile_marker(rootfd, id);
    int r = mount("overlay", target, "overlay", 0, opts);
    if (r < 0 && errno == EINVAL) { /* kernels before 4.19 have no metacopy option */
        free(opts);
        opts = overlay_options(id, links, false, vol);
        r = mount("overlay", target, "overlay", 0, opts);
    }
    if (r < 0 && errno == EINVAL && vol) { /* nor before 5.10 a volatile one */
        free(opts);
        opts = overlay_options(id, links, false, false);
        r = mount("overlay", target, "overlay", 0, opts);
    }
    int saved = errno;
    if (fchdir(cwd) < 0)
        abort(); /* running on in the wrong directory would misplace every relative path */
    if (r < 0)
        return sk_error_errno(err, saved, "mount overlay on %s/%s", st->root, target);
    return 0;
}

/* ---- can the kernel's overlay be used here? ---------------------------------- */

#define PROBE_RESULT "overlay-probe.result"

bool storage_overlay_native_ok(struct storage *st)
{
    struct utsname u;
    if (uname(&u) < 0)
        return true;
    _cleanup_free_ char *result = sk_asprintf("%s/" PROBE_RESULT, st->root), *text = NULL;
    char release[sizeof(u.release)], answer[8];
    if (sk_read_file(result, &text, NULL, NULL) == 0 &&
        sscanf(text, "%64s %7s", release, answer) == 2 && strcmp(release, u.release) == 0)
        return strcmp(answer, "yes") == 0;
    _cleanup_free_ char *dir = sk_asprintf("%s/overlay-probe.XXXXXX", st->root);
    if (!mkdtemp(dir))
        return true; /* cannot tell: the mount itself will say what is wrong */
    _cleanup_free_ char *lower = sk_asprintf("%s/l", dir), *upper = sk_asprintf("%s/u", dir),
                        *work = sk_asprintf("%s/w", dir), *merged = sk_asprintf("%s/m", dir);
    bool ok = false;
    if (mkdir(lower, 0755) == 0 && mkdir(upper, 0755) == 0 && mkdir(work, 0755) == 0 &&
        mkdir(merged, 0755) == 0) {
        _cleanup_free_ char *opts = sk_asprintf("lowerdir=%s,upperdir=%s,workdir=%s%s", lower,
                                                upper, work, sk_rootless() ? ",userxattr" : "");
        ok = mount("overlay", merged, "overlay", 0, opts) == 0;
        if (ok)
            umount2(merged, MNT_DETACH);
    }
    sk_rm_rf(dir, NULL);
    _cleanup_free_ char *line = sk_asprintf("%s %s\n", u.release, ok ? "yes" : "no");
    sk_write_file_replace(result, line, strlen(line), 0644, NULL);
    return ok;
}

/* ---- fuse-overlayfs ------------------------------------------------------------ */

/* Run argv (a program found in PATH) with stdin from /dev/null and its output
 * into a workspace file; *ret_status is its wait status, *ret_output what it
 * printed. */
static int run_program(struct storage *st, char *const argv[], int *ret_status, char **ret_output,
                       struct sk_error *err)
{
    _cleanup_free_ char *out = NULL;
    if (storage_tmp_path(st, "output", &out, err) < 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (r != 0) {
        unlink(out);
        return sk_error_errno(err, r, "run %s", argv[0]);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            unlink(out);
            return sk_error_errno(err, errno, "wait for %s", argv[0]);
        }
    }
    _cleanup_free_ char *text = NULL;
    if (sk_read_file(out, &text, NULL, NULL) < 0)
        text = sk_strdup("");
    unlink(out);
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        text[--len] = '\0';
    *ret_status = status;
    *ret_output = SK_STEAL(text);
    return 0;
}

static char *status_text(int status)
{
    if (WIFEXITED(status))
        return sk_asprintf("exited with status %d", WEXITSTATUS(status));
    return sk_asprintf("was killed by signal %d", WTERMSIG(status));
}

static int fuse_mount(struct storage *st, const char *id, json_t *layers, const char *merged,
                      struct sk_error *err)
{
    _cleanup_free_ char *root = realpath(st->root, NULL);
    if (!root)
        return sk_error_errno(err, errno, "resolve %s", st->root);
    if (strpbrk(root, ",:"))
        return sk_error_set(err, EINVAL,
                            "fuse-overlayfs cannot use a store path with ',' or ':' (%s)", root);
    char *opts = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&opts, &len);
    if (!f)
        abort();
    fputs("lowerdir=", f);
    size_t n = json_array_size(layers);
    for (size_t i = 0; i < n; i++) {
        if (!sk_digest_valid(json_string_value(json_array_get(layers, i)) ?: "")) {
            fclose(f);
            free(opts);
            return sk_error_set(err, EBADMSG, "bad layer ID in container record");
        }
    }
    if (n == 0) {
        if (empty_layer(st, err) < 0) {
            fclose(f);
            free(opts);
            return -1;
        }
        fprintf(f, "%s/" EMPTY_LAYER_DIR, root);
    }
    for (size_t i = n; i-- > 0;) /* top layer first */
        fprintf(f, "%s/layers/%s/diff%s", root,
                sk_digest_hex(json_string_value(json_array_get(layers, i))), i > 0 ? ":" : "");
    fprintf(f, ",upperdir=%s/overlay-containers/%s/diff,workdir=%s/overlay-containers/%s/work",
            root, id, root, id);
    fclose(f);
    _cleanup_free_ char *options = opts;

    char *argv[] = {FUSE_OVERLAYFS, "-o", options, (char *)merged, NULL};
    int status;
    _cleanup_free_ char *output = NULL;
    if (run_program(st, argv, &status, &output, err) < 0) {
        if (err && err->code == ENOENT)
            sk_error_prefix(err, "fuse-overlayfs is not installed");
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        _cleanup_free_ char *how = status_text(status);
        return sk_error_set(err, EIO, "fuse-overlayfs %s%s%s", how, *output ? ": " : "", output);
    }
    /* It returns once its daemon serves the mount; wait a little in case it is slower. */
    for (int waited = 0; !path_is_mounted(merged); waited += 10) {
        if (waited >= FUSE_MOUNT_WAIT_MS)
            return sk_error_set(err, ETIMEDOUT, "fuse-overlayfs did not mount %s", merged);
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* ---- mount, unmount -------------------------------------------------------------- */

/* umount2; if busy, detach. Not mounted is fine. Without root a FUSE mount
 * is released through fusermount3. */
static int rootfs_unmount(struct storage *st, const char *merged, struct sk_error *err)
{
    if (umount2(merged, UMOUNT_NOFOLLOW) == 0)
        return 0;
    if (errno == EBUSY && umount2(merged, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
        return 0;
    int e = errno;
    if (!path_is_mounted(merged))
        return 0;
    if (e == EPERM && geteuid() != 0) { /* outside the user namespace */
        char *argv[] = {FUSERMOUNT, "-u", "-z", (char *)merged, NULL};
        int status;
        _cleanup_free_ char *output = NULL;
        if (run_program(st, argv, &status, &output, err) < 0)
            return -1;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            return 0;
        _cleanup_free_ char *how = status_text(status);
        return sk_error_set(err, EIO, FUSERMOUNT " -u %s %s: %s", merged, how, output);
    }
    return sk_error_errno(err, e, "unmount %s", merged);
}

/* After taking the mount lock: was the container removed meanwhile? Then its
 * lock file, just made again by our open, is dropped. */
static bool container_gone(struct storage *st, const char *id)
{
    _cleanup_free_ char *dir = storage_container_dir(st, id);
    if (sk_path_exists(dir))
        return false;
    _cleanup_free_ char *lock = sk_asprintf("%s/mounts/%s.lock", st->runroot, id);
    unlink(lock);
    return true;
}

/* The record of what (the one record read of a mount or unmount), its driver
 * and canonical merged path. */
static int mount_target(struct storage *st, const char *what, json_t **ret_record,
                        enum storage_driver *ret_driver, char **ret_merged, struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    if (storage_container_lookup(st, what, &rec, err) < 0)
        return -1;
    const char *id = sk_json_str(rec, "id") ?: "";
    if (storage_driver_parse(sk_json_str(rec, "driver") ?: "overlay", ret_driver, err) < 0)
        return sk_error_prefix(err, "container %s", id);
    char *merged = merged_path(st, id);
    if (!merged)
        return sk_error_errno(err, errno, "container %s: directory %s/overlay-containers/%s", id,
                              st->root, id);
    *ret_merged = merged;
    *ret_record = SK_STEAL(rec);
    return 0;
}

int storage_container_mount(struct storage *st, const char *id, char **ret_merged,
                            struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    enum storage_driver driver;
    _cleanup_free_ char *merged = NULL;
    if (mount_target(st, id, &rec, &driver, &merged, err) < 0)
        return sk_error_prefix(err, "mount container");
    const char *full_id = sk_json_str(rec, "id");
    json_t *layers = json_object_get(rec, "layers");
    /* Before the mount lock: making links takes the store lock. */
    _cleanup_strv_ char **links = NULL;
    if (driver == STORAGE_DRIVER_OVERLAY && short_links(st, layers, &links, err) < 0)
        return sk_error_prefix(err, "mount container %s", full_id);

    struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
    if (mount_lock(st, full_id, &lock, err) < 0)
        return sk_error_prefix(err, "mount container %s", full_id);
    if (container_gone(st, full_id)) /* removed while we waited for the lock */
        return sk_error_set(err, ENOENT, "mount container %s: it was removed", full_id);
    bool mounted = path_is_mounted(merged);
    int count = count_effective(count_read(st, full_id), mounted);
    if (!mounted) {
        bool vol = json_is_true(json_object_get(rec, "volatile"));
        int r = driver == STORAGE_DRIVER_OVERLAY ? overlay_mount(st, full_id, links, vol, err)
                                                 : fuse_mount(st, full_id, layers, merged, err);
        if (r < 0)
            return sk_error_prefix(err, "mount container %s", full_id);
    }
    if (count_write(st, full_id, count + 1, err) < 0) {
        if (!mounted)
            rootfs_unmount(st, merged, NULL);
        return sk_error_prefix(err, "mount container %s", full_id);
    }
    *ret_merged = SK_STEAL(merged);
    return 0;
}

int storage_container_unmount(struct storage *st, const char *id, bool force, struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    enum storage_driver driver;
    _cleanup_free_ char *merged = NULL;
    if (mount_target(st, id, &rec, &driver, &merged, err) < 0)
        return sk_error_prefix(err, "unmount container");
    const char *full_id = sk_json_str(rec, "id");
    struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
    if (mount_lock(st, full_id, &lock, err) < 0)
        return sk_error_prefix(err, "unmount container %s", full_id);
    if (container_gone(st, full_id)) /* removed meanwhile: nothing is mounted */
        return 0;
    bool mounted = path_is_mounted(merged);
    int count = count_effective(count_read(st, full_id), mounted);
    count = force ? 0 : count - 1;
    if (mounted && count <= 0 && rootfs_unmount(st, merged, err) < 0)
        return sk_error_prefix(err, "unmount container %s", full_id);
    if (count_write(st, full_id, count, err) < 0)
        return sk_error_prefix(err, "unmount container %s", full_id);
    return 0;
}

int storage_container_mount_count(struct storage *st, const char *id)
{
    _cleanup_free_ char *merged = merged_path(st, id);
    if (!merged)
        return 0;
    return count_effective(count_read(st, id), path_is_mounted(merged));
}

int storage_container_unmount_for_remove(struct storage *st, const char *id, bool force,
                                         struct sk_lock *lock, struct sk_error *err)
{
    if (mount_lock(st, id, lock, err) < 0)
        return -1;
    _cleanup_free_ char *merged = merged_path(st, id);
    if (!merged || !path_is_mounted(merged))
        return 0;
    if (!force)
        return sk_error_set(
            err, EBUSY, "container %s is mounted and cannot be removed without using force", id);
    return rootfs_unmount(st, merged, err);
}

void storage_container_forget_mounts(struct storage *st, const char *id)
{
    _cleanup_free_ char *p = count_path(st, id);
    _cleanup_free_ char *lock = sk_asprintf("%s.lock", p);
    unlink(p);
    unlink(lock);
}
