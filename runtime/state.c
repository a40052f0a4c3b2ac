/* The state directory of each container, <root>/<id>: state.json (written
 * once, atomically, when create finishes), config.json, start.sock. The
 * status is derived from the live system each time it is asked for. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* runc's rule: letters, digits, and _ + - . (not "." or ".."). */
#define ID_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-."
#define ID_MAX 1024

const char *runtime_status_name(enum runtime_status s)
{
    switch (s) {
    case RUNTIME_CREATING:
        return "creating";
    case RUNTIME_CREATED:
        return "created";
    case RUNTIME_RUNNING:
        return "running";
    case RUNTIME_STOPPED:
        return "stopped";
    }
    return "unknown";
}

int rt_state_check_id(const char *id, struct sk_error *err)
{
    if (!id || !id[0])
        return sk_error_set(err, EINVAL, "container ID cannot be empty");
    if (strlen(id) > ID_MAX || strspn(id, ID_CHARS) != strlen(id) || strcmp(id, ".") == 0 ||
        strcmp(id, "..") == 0)
        return sk_error_set(err, EINVAL, "invalid container ID \"%s\" (letters, digits, _ + - .)",
                            id);
    return 0;
}

char *rt_state_default_root(void)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    bool has_xdg = xdg && xdg[0] == '/';
    /* Root of a user namespace (not of the host) keeps the host's default
     * unless it has a runtime directory of its own, as runc decides. */
    if (geteuid() == 0 && (!has_xdg || rt_in_initial_userns()))
        return sk_strdup(RUNTIME_DEFAULT_ROOT);
    if (has_xdg)
        return sk_asprintf("%s/" RUNTIME_USER_ROOT, xdg);
    return sk_asprintf("/tmp/skiff-run-%d/runtime", (int)geteuid());
}

char *rt_state_root(const struct runtime_ctx *ctx)
{
    if (!ctx || !ctx->root || !ctx->root[0])
        return rt_state_default_root();
    const char *root = ctx->root;
    if (root[0] == '/')
        return sk_strdup(root);
    char cwd[4096];
    if (!getcwd(cwd, sizeof(cwd)))
        return sk_strdup(root);
    return sk_asprintf("%s/%s", cwd, root);
}

static int lock_dir(int fd, const char *id, struct sk_error *err)
{
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR)
            return sk_error_errno(err, errno, "lock container %s", id);
    return 0;
}

int rt_state_create_dir(const char *root, const char *id, char **ret_dir, int *ret_fd,
                        struct sk_error *err)
{
    if (sk_mkdir_p(root, 0700, err) < 0)
        return sk_error_prefix(err, "state root");
    /* An ordinary user's state in another user's directory (one planted as
     * /tmp/skiff-run-UID) would be that user's to tamper with. */
    struct stat st;
    if (stat(root, &st) < 0)
        return sk_error_errno(err, errno, "state root %s", root);
    if (geteuid() != 0 && st.st_uid != geteuid() && st.st_uid != 0)
        return sk_error_set(err, EPERM, "state root %s belongs to uid %u, not to you (%u)", root,
                            (unsigned)st.st_uid, (unsigned)geteuid());
    _cleanup_free_ char *dir = sk_asprintf("%s/%s", root, id);
    if (mkdir(dir, 0700) < 0) {
        if (errno == EEXIST)
            return sk_error_set(err, EEXIST, "container with id %s already exists", id);
        return sk_error_errno(err, errno, "create %s", dir);
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return sk_error_errno(err, errno, "open %s", dir);
    if (lock_dir(fd, id, err) < 0) {
        close(fd);
        return -1;
    }
    *ret_dir = SK_STEAL(dir);
    *ret_fd = fd;
    return 0;
}

int rt_state_open_dir(const char *root, const char *id, bool lock, char **ret_dir, int *ret_fd,
                      struct sk_error *err)
{
    if (rt_state_check_id(id, err) < 0)
        return -1;
    _cleanup_free_ char *dir = sk_asprintf("%s/%s", root, id);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return sk_error_set(err, ENOENT, "container %s does not exist", id);
        return sk_error_errno(err, errno, "open %s", dir);
    }
    if (lock && lock_dir(fd, id, err) < 0) {
        close(fd);
        return -1;
    }
    *ret_dir = SK_STEAL(dir);
    *ret_fd = fd;
    return 0;
}

json_t *rt_state_load(const char *dir, struct sk_error *err)
{
    _cleanup_free_ char *path = sk_asprintf("%s/" RT_STATE_FILE, dir);
    return sk_json_load_file(path, err);
}

int rt_state_save(const char *dir, const json_t *state, struct sk_error *err)
{
    _cleanup_free_ char *path = sk_asprintf("%s/" RT_STATE_FILE, dir);
    _cleanup_free_ char *s = json_dumps(state, JSON_INDENT(2));
    if (!s)
        return sk_error_set(err, ENOMEM, "serialize %s", path);
    return sk_write_file_replace(path, s, strlen(s), 0600, err);
}

enum runtime_status rt_state_status(const char *dir, const json_t *state)
{
    if (!state)
        return RUNTIME_CREATING;
    if (json_is_true(json_object_get(state, "creating"))) {
        /* Written before the cgroups are made, so a create that dies leaves
         * something delete can clean up: creating while its creator lives. */
        pid_t creator = (pid_t)sk_json_int(state, "creatorPid", 0);
        unsigned long long start = (unsigned long long)sk_json_int(state, "creatorStartTime", 0);
        return sk_pid_alive(creator, start) ? RUNTIME_CREATING : RUNTIME_STOPPED;
    }
    pid_t pid = (pid_t)sk_json_int(state, "pid", 0);
    unsigned long long start = (unsigned long long)sk_json_int(state, "pidStartTime", 0);
    if (!sk_pid_alive(pid, start))
        return RUNTIME_STOPPED;
    _cleanup_free_ char *sock = sk_asprintf("%s/" RT_STATE_SOCK, dir);
    return sk_path_exists(sock) ? RUNTIME_CREATED : RUNTIME_RUNNING;
}

json_t *rt_state_public(const char *dir, const char *id, const json_t *state,
                        enum runtime_status status)
{
    json_t *j = json_object();
    json_object_set_new(j, "ociVersion", json_string(RUNTIME_OCI_VERSION));
    json_object_set_new(j, "id", json_string(id));
    json_object_set_new(j, "pid",
                        json_integer(status == RUNTIME_CREATED || status == RUNTIME_RUNNING
                                         ? sk_json_int(state, "pid", 0)
                                         : 0));
    json_object_set_new(j, "status", json_string(runtime_status_name(status)));
    const char *bundle = sk_json_str(state, "bundle"), *rootfs = sk_json_str(state, "rootfs"),
               *created = sk_json_str(state, "created");
    json_object_set_new(j, "bundle", json_string(bundle ? bundle : ""));
    json_object_set_new(j, "rootfs", json_string(rootfs ? rootfs : ""));
    json_object_set_new(j, "created", json_string(created ? created : ""));
    struct stat st;
    const char *owner = "";
    if (stat(dir, &st) == 0) {
        struct passwd *pw = getpwuid(st.st_uid);
        if (pw)
            owner = pw->pw_name;
    }
    json_object_set_new(j, "owner", json_string(owner));
    json_t *ann = json_object_get(state, "annotations");
    if (json_is_object(ann) && json_object_size(ann))
        json_object_set(j, "annotations", ann);
    return j;
}

void rt_state_sock_path(int dirfd, char *buf, size_t len)
{
    snprintf(buf, len, "/proc/self/fd/%d/" RT_STATE_SOCK, dirfd);
}
