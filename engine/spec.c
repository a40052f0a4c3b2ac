/* The spec generator: image config, then engine defaults, then the normalized
 * flags (later wins) -> an OCI runtime config.json. The rules are in
 * docs/spec.md; the defaults are data in engine/spec_defaults.c. */
#include "engine/spec.h"
#include "runtime/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/names.h"
#include "common/rootless.h"
#include "common/util.h"
#include "engine/spec_defaults.h"

/* /etc/passwd or /etc/group larger than this is refused. */
#define ETC_FILE_MAX (8u << 20)
/* How deep --privileged looks for devices under /dev. */
#define DEV_WALK_DEPTH 4
/* runc and crun read rlimits as uint64, jansson writes int64: "unlimited" is
 * written as the largest int64, which the kernel treats as unlimited in effect. */
#define RLIMIT_JSON_UNLIMITED INT64_MAX

static bool flag_true(const json_t *flags, const char *key)
{
    return json_is_true(json_object_get(flags, key));
}

static bool flag_is(const json_t *flags, const char *key, const char *value)
{
    const char *v = sk_json_str(flags, key);
    return v && strcmp(v, value) == 0;
}

static json_t *strv_json(const char *const *v)
{
    json_t *a = json_array();
    for (; v && *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

/* The image's runtime config ("config" in the image config blob). */
static const json_t *image_runtime_config(const json_t *image_config)
{
    json_t *c = json_object_get(image_config, "config");
    return json_is_object(c) ? c : NULL;
}

/* ---- small shared helpers ---------------------------------------------------- */

int spec_stop_signal(const json_t *image_config, const json_t *flags)
{
    json_t *s = json_object_get(flags, "stop-signal");
    if (json_is_integer(s))
        return (int)json_integer_value(s);
    int sig = spec_signal_parse(sk_json_str(image_runtime_config(image_config), "StopSignal"));
    return sig > 0 ? sig : SIGTERM;
}

char *spec_hostname(const struct spec_context *ctx)
{
    const char *h = sk_json_str(ctx->flags, "hostname");
    if (h)
        return sk_strdup(h);
    if (flag_is(ctx->flags, "uts", "host") || flag_is(ctx->flags, "network", "host")) {
        char buf[HOST_NAME_MAX + 1] = "";
        if (gethostname(buf, sizeof(buf)) == 0 && buf[0])
            return sk_strdup(buf);
    }
    return sk_strndup(ctx->id ? ctx->id : "", SPEC_HOSTNAME_ID_CHARS);
}

/* ---- files inside the rootfs -------------------------------------------------- */

/* Open path (relative to the rootfs) with every symlink resolved as if the
 * rootfs were "/": an /etc/passwd linking to /x or ../../x stays inside. */
static int open_in_root(int rootfd, const char *path)
{
    struct open_how how = {
        .flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
    if (fd >= 0 || errno != ENOSYS)
        return fd;
    /* No openat2: walk without following any symlink (a link is ELOOP). */
    _cleanup_free_ char *copy = sk_strdup(path);
    _cleanup_close_ int cur = -1;
    char *save = NULL;
    char *comp = strtok_r(copy, "/", &save);
    while (comp) {
        char *next = strtok_r(NULL, "/", &save);
        if (strcmp(comp, "..") == 0) {
            errno = EXDEV;
            return -1;
        }
        int flags = next ? O_PATH | O_DIRECTORY : (int)how.flags;
        int nfd = openat(cur >= 0 ? cur : rootfd, comp, flags | O_NOFOLLOW | O_CLOEXEC);
        if (nfd < 0)
            return -1;
        if (cur >= 0)
            close(cur);
        cur = nfd;
        comp = next;
    }
    return SK_STEAL_FD(cur);
}

int spec_read_rootfs_file(const char *rootfs, const char *path, char **ret, struct sk_error *err)
{
    _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return sk_error_errno(err, errno, "open rootfs %s", rootfs);
    _cleanup_close_ int fd = open_in_root(rootfd, path);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            *ret = sk_strdup("");
            return 0;
        }
        return sk_error_errno(err, errno, "open /%s in the container", path);
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        return sk_error_errno(err, errno, "stat /%s in the container", path);
    if (!S_ISREG(st.st_mode) || st.st_size > ETC_FILE_MAX)
        return sk_error_set(err, EINVAL,
                            "/%s in the container is not a regular file of at "
                            "most %u bytes",
                            path, ETC_FILE_MAX);
    char *buf = sk_malloc((size_t)st.st_size + 1);
    size_t len = 0;
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            return sk_error_errno(err, e, "read /%s in the container", path);
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    *ret = buf;
    return 0;
}

/* ---- users and groups ------------------------------------------------------------ */

struct exec_user {
    uint32_t uid, gid;
    char *name; /* NULL when the user has no passwd entry */
    char *home;
    json_t *gids; /* supplementary groups */
};

static void exec_user_clear(struct exec_user *u)
{
    free(u->name);
    free(u->home);
    json_decref(u->gids);
}

static bool parse_id(const char *s, uint32_t *ret)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno || v > INT32_MAX)
        return false;
    *ret = (uint32_t)v;
    return true;
}

/* Split one passwd/group line into at most n colon-separated fields. */
static int split_fields(char *line, char **f, int n)
{
    int i = 0;
    f[i++] = line;
    for (char *p = line; *p && i < n; p++)
        if (*p == ':') {
            *p = '\0';
            f[i++] = p + 1;
        }
    return i;
}

/* Find the passwd entry by name, or by uid when name is NULL. */
static bool passwd_find(const char *passwd, const char *name, uint32_t uid, struct exec_user *u)
{
    _cleanup_free_ char *copy = sk_strdup(passwd);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[7];
        if (line[0] == '#' || split_fields(line, f, 7) < 4)
            continue;
        uint32_t puid, pgid;
        if (!parse_id(f[2], &puid) || !parse_id(f[3], &pgid))
            continue;
        if (name ? strcmp(f[0], name) != 0 : puid != uid)
            continue;
        u->uid = puid;
        u->gid = pgid;
        u->name = sk_strdup(f[0]);
        free(u->home);
        u->home = sk_strdup(f[5] && *f[5] ? f[5] : "/");
        return true;
    }
    return false;
}

static bool group_find(const char *group, const char *name, uint32_t *ret_gid)
{
    _cleanup_free_ char *copy = sk_strdup(group);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[4];
        uint32_t gid;
        if (line[0] != '#' && split_fields(line, f, 4) >= 3 && strcmp(f[0], name) == 0 &&
            parse_id(f[2], &gid)) {
            *ret_gid = gid;
            return true;
        }
    }
    return false;
}

/* The groups whose member list names user, except its primary group. */
/* A supplementary group, once. */
static void add_gid(struct exec_user *u, uint32_t gid)
{
    size_t i;
    json_t *g;
    json_array_foreach(u->gids, i, g)
    {
        if (json_integer_value(g) == gid)
            return;
    }
    json_array_append_new(u->gids, json_integer(gid));
}

static void group_memberships(const char *group, struct exec_user *u)
{
    _cleanup_free_ char *copy = sk_strdup(group);
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[4];
        uint32_t gid;
        if (line[0] == '#' || split_fields(line, f, 4) < 4 || !parse_id(f[2], &gid) ||
            gid == u->gid)
            continue;
        char *msave = NULL;
        for (char *m = strtok_r(f[3], ",", &msave); m; m = strtok_r(NULL, ",", &msave)) {
            if (strcmp(m, u->name) != 0)
                continue;
            add_gid(u, gid);
            break;
        }
    }
}

/* -u / image User: NAME or UID, optionally :GROUP or :GID, resolved against the
 * rootfs' /etc/passwd and /etc/group like runc does. */
static int resolve_user(const char *rootfs, const char *spec, struct exec_user *u,
                        struct sk_error *err)
{
    memset(u, 0, sizeof(*u));
    u->gids = json_array();
    u->home = sk_strdup("/");
    _cleanup_free_ char *copy = sk_strdup(spec && *spec ? spec : "0");
    char *group = strchr(copy, ':');
    if (group)
        *group++ = '\0';
    _cleanup_free_ char *passwd = NULL, *groups = NULL;
    if (spec_read_rootfs_file(rootfs, "etc/passwd", &passwd, err) < 0 ||
        spec_read_rootfs_file(rootfs, "etc/group", &groups, err) < 0)
        return -1;
    uint32_t id;
    if (parse_id(copy, &id)) {
        if (!passwd_find(passwd, NULL, id, u)) {
            u->uid = id;
            u->gid = 0;
        }
    } else if (!passwd_find(passwd, copy, 0, u)) {
        return sk_error_set(err, ENOENT,
                            "unable to find user %s: no matching entries in the "
                            "container's /etc/passwd",
                            copy);
    }
    if (group) {
        if (parse_id(group, &id))
            u->gid = id;
        else if (!group_find(groups, group, &u->gid))
            return sk_error_set(err, ENOENT,
                                "unable to find group %s: no matching entries in "
                                "the container's /etc/group",
                                group);
    } else if (u->name) {
        group_memberships(groups, u);
    }
    return 0;
}

/* --group-add: more supplementary groups, names resolved in the rootfs'
 * /etc/group. */
static int add_groups(const char *rootfs, const json_t *names, struct exec_user *u,
                      struct sk_error *err)
{
    if (!json_array_size(names))
        return 0;
    _cleanup_free_ char *groups = NULL;
    if (spec_read_rootfs_file(rootfs, "etc/group", &groups, err) < 0)
        return -1;
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n)
    {
        const char *name = json_string_value(n);
        uint32_t gid;
        if (strcmp(name, "keep-groups") == 0) /* an annotation (build_annotations) */
            continue;
        if (!parse_id(name, &gid) && !group_find(groups, name, &gid))
            return sk_error_set(err, ENOENT,
                                "--group-add %s: unable to find group %s: no matching entries "
                                "in the container's /etc/group",
                                name, name);
        add_gid(u, gid);
    }
    return 0;
}

/* The OCI process.user object: uid, gid and the supplementary groups. */
static json_t *user_json(const struct exec_user *u)
{
    json_t *juser = json_pack("{s:I, s:I}", "uid", (json_int_t)u->uid, "gid", (json_int_t)u->gid);
    if (json_array_size(u->gids) > 0)
        json_object_set(juser, "additionalGids", u->gids);
    return juser;
}

int spec_resolve_user(const char *rootfs, const char *user, json_t **ret, struct sk_error *err)
{
    struct exec_user u;
    int r = resolve_user(rootfs, user, &u, err);
    if (r == 0)
        *ret = user_json(&u);
    exec_user_clear(&u);
    return r;
}

json_t *spec_all_capabilities(void)
{
    json_t *caps = json_array();
    for (size_t n = 0; n < sk_cap_count; n++)
        if (spec_cap_in_bounding_set((int)n))
            json_array_append_new(caps, json_string(sk_cap_names[n]));
    return caps;
}

/* ---- process -------------------------------------------------------------------- */

static void env_set(json_t *env, const char *kv, bool replace)
{
    size_t klen = strcspn(kv, "=");
    size_t i;
    json_t *v;
    json_array_foreach(env, i, v)
    {
        const char *s = json_string_value(v);
        if (strncmp(s, kv, klen) == 0 && (s[klen] == '=' || s[klen] == '\0')) {
            if (replace)
                json_array_set_new(env, i, json_string(kv));
            return;
        }
    }
    json_array_append_new(env, json_string(kv));
}

static json_t *build_env(const struct spec_context *ctx, const char *hostname,
                         const struct exec_user *u)
{
    json_t *env = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(image_runtime_config(ctx->image_config), "Env"), i, v)
    {
        if (json_is_string(v) && json_string_value(v)[0] && json_string_value(v)[0] != '=')
            env_set(env, json_string_value(v), true);
    }
    env_set(env, SPEC_DEFAULT_PATH, false);
    if (flag_true(ctx->flags, "tty"))
        env_set(env, SPEC_DEFAULT_TERM, false);
    env_set(env, SPEC_CONTAINER_ENV, true);
    _cleanup_free_ char *h = sk_asprintf("HOSTNAME=%s", hostname);
    env_set(env, h, true);
    json_array_foreach(json_object_get(ctx->flags, "env"), i, v)
    {
        env_set(env, json_string_value(v), true);
    }
    _cleanup_free_ char *home = sk_asprintf("HOME=%s", u->home);
    env_set(env, home, false);
    return env;
}

json_t *spec_process_args(const json_t *image_config, const json_t *flags)
{
    const json_t *img = image_runtime_config(image_config);
    json_t *ep = json_object_get(flags, "entrypoint");
    json_t *cmd = json_object_get(flags, "command");
    if (!ep)
        ep = json_object_get(img, "Entrypoint");
    if (json_array_size(cmd) == 0)
        cmd = json_object_get(flags, "entrypoint") ? NULL : json_object_get(img, "Cmd");
    json_t *args = json_array();
    size_t i;
    json_t *v;
    json_t *parts[] = {ep, cmd};
    for (size_t p = 0; p < 2; p++) {
        json_array_foreach(parts[p], i, v)
        {
            if (json_is_string(v))
                json_array_append(args, v);
        }
    }
    return args;
}

static int build_args(const struct spec_context *ctx, json_t **ret, struct sk_error *err)
{
    json_t *args = spec_process_args(ctx->image_config, ctx->flags);
    if (json_array_size(args) == 0) {
        json_decref(args);
        return sk_error_set(err, EINVAL,
                            "no command or entrypoint provided, and no CMD or "
                            "ENTRYPOINT from the image");
    }
    *ret = args;
    return 0;
}

static json_t *build_capabilities(const json_t *flags, bool root_user)
{
    json_t *add = json_object_get(flags, "cap-add"), *drop = json_object_get(flags, "cap-drop");
    json_t *caps;
    size_t i;
    json_t *c;
    if (flag_true(flags, "privileged") || sk_json_strv_contains(add, "ALL")) {
        caps = spec_all_capabilities();
    } else {
        caps = json_array();
        for (const char *const *d = spec_default_caps; *d && !sk_json_strv_contains(drop, "ALL");
             d++)
            if (spec_cap_in_bounding_set(spec_cap_number(*d)))
                json_array_append_new(caps, json_string(*d));
    }
    json_array_foreach(add, i, c)
    {
        if (!sk_json_strv_contains(caps, json_string_value(c)) && strcmp(json_string_value(c), "ALL"))
            json_array_append(caps, c);
    }
    for (i = 0; i < json_array_size(caps);) {
        const char *name = json_string_value(json_array_get(caps, i));
        if (sk_json_strv_contains(drop, name) && !sk_json_strv_contains(add, name))
            json_array_remove(caps, i);
        else
            i++;
    }
    /* A non-root process keeps only what --cap-add names explicitly (ambient,
     * so it survives execve); root gets the whole set. */
    json_t *eff = json_array();
    json_array_foreach(caps, i, c)
    {
        if (root_user || sk_json_strv_contains(add, json_string_value(c)) || sk_json_strv_contains(add, "ALL"))
            json_array_append(eff, c);
    }
    json_t *out =
        json_pack("{s:o, s:O, s:O}", "bounding", caps, "effective", eff, "permitted", eff);
    if (!root_user && json_array_size(eff) > 0) {
        json_object_set(out, "inheritable", eff);
        json_object_set(out, "ambient", eff);
    }
    json_decref(eff);
    return out;
}

static json_t *rlimit_json(const char *type, long long soft, long long hard)
{
    return json_pack("{s:s, s:I, s:I}", "type", type, "soft",
                     (json_int_t)(soft < 0 ? RLIMIT_JSON_UNLIMITED : soft), "hard",
                     (json_int_t)(hard < 0 ? RLIMIT_JSON_UNLIMITED : hard));
}

static json_t *build_rlimits(const json_t *flags)
{
    json_t *out = json_array();
    json_t *user = json_object_get(flags, "ulimits");
    for (const int *r = spec_default_rlimits; *r >= 0; r++) {
        const char *type = NULL;
        for (const struct spec_rlimit_name *n = spec_rlimit_names; n->name; n++)
            if (n->resource == *r)
                type = n->type;
        bool set = false;
        size_t i;
        json_t *u;
        json_array_foreach(user, i, u)
        {
            set = set || strcmp(sk_json_str(u, "type"), type) == 0;
        }
        if (set)
            continue;
        unsigned long long v = SPEC_DEFAULT_RLIMIT, ceiling = spec_rlimit_ceiling(*r);
        if (v > ceiling)
            v = ceiling;
        json_array_append_new(out, rlimit_json(type, (long long)v, (long long)v));
    }
    size_t i;
    json_t *u;
    json_array_foreach(user, i, u)
    {
        json_array_append_new(out, rlimit_json(sk_json_str(u, "type"), sk_json_int(u, "soft", 0),
                                               sk_json_int(u, "hard", 0)));
    }
    return out;
}

static int build_process(const struct spec_context *ctx, const char *hostname, json_t **ret,
                         struct sk_error *err)
{
    const json_t *img = image_runtime_config(ctx->image_config);
    const char *user = sk_json_str(ctx->flags, "user");
    if (!user)
        user = sk_json_str(img, "User");
    struct exec_user u;
    if (resolve_user(ctx->rootfs, user, &u, err) < 0) {
        exec_user_clear(&u);
        return sk_error_prefix(err, "user \"%s\"", user ? user : "root");
    }
    if (add_groups(ctx->rootfs, json_object_get(ctx->flags, "group-add"), &u, err) < 0) {
        exec_user_clear(&u);
        return -1;
    }
    json_t *args = NULL;
    if (build_args(ctx, &args, err) < 0) {
        exec_user_clear(&u);
        return -1;
    }
    const char *cwd = sk_json_str(ctx->flags, "workdir");
    _cleanup_free_ char *img_cwd = NULL;
    if (!cwd && sk_json_str(img, "WorkingDir") && sk_json_str(img, "WorkingDir")[0]) {
        const char *w = sk_json_str(img, "WorkingDir");
        img_cwd = w[0] == '/' ? sk_strdup(w) : sk_asprintf("/%s", w);
        cwd = img_cwd;
    }
    json_t *juser = user_json(&u);
    json_t *p = json_pack(
        "{s:b, s:o, s:o, s:o, s:s, s:o, s:o, s:b}", "terminal", flag_true(ctx->flags, "tty"),
        "user", juser, "args", args, "env", build_env(ctx, hostname, &u), "cwd", cwd ? cwd : "/",
        "capabilities", build_capabilities(ctx->flags, u.uid == 0), "rlimits",
        build_rlimits(ctx->flags), "noNewPrivileges", flag_true(ctx->flags, "no-new-privileges"));
    exec_user_clear(&u);
    *ret = p;
    return 0;
}

/* ---- mounts -------------------------------------------------------------------- */

static json_t *mount_json(const char *dst, const char *type, const char *src,
                          const char *const *opts)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type, "source", src,
                     "options", strv_json(opts));
}

/* Add m, replacing (in place) a mount with the same destination. Steals m. */
static void mounts_put(json_t *mounts, json_t *m)
{
    const char *dst = sk_json_str(m, "destination");
    size_t i;
    json_t *o;
    json_array_foreach(mounts, i, o)
    {
        if (strcmp(sk_json_str(o, "destination"), dst) == 0) {
            json_array_set_new(mounts, i, m);
            return;
        }
    }
    json_array_append_new(mounts, m);
}

static json_t *build_mounts(const struct spec_context *ctx)
{
    const json_t *flags = ctx->flags;
    bool privileged = flag_true(flags, "privileged");
    json_t *mounts = json_array();
    for (const struct spec_default_mount *d = spec_default_mounts; d->destination; d++) {
        json_t *m = mount_json(d->destination, d->type, d->source, d->options);
        /* --privileged: /sys and the cgroup tree are writable. */
        if (privileged && (strcmp(d->type, "sysfs") == 0 || strcmp(d->type, "cgroup") == 0)) {
            json_t *opts = json_object_get(m, "options");
            for (size_t i = 0; i < json_array_size(opts);)
                if (strcmp(json_string_value(json_array_get(opts, i)), "ro") == 0)
                    json_array_remove(opts, i);
                else
                    i++;
            json_array_append_new(opts, json_string("rw"));
        }
        json_array_append_new(mounts, m);
    }
    /* --ipc host shares the host's /dev/shm; /dev/mqueue stays a new mqueue
     * mount, which shows the queues of the (host's) IPC namespace anyway
     * (rootless, where a user namespace may not mount it, the runtime binds
     * the host's). */
    struct stat st;
    if (flag_is(flags, "ipc", "host") && stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)) {
        const char *const opts[] = {"rbind", "rprivate", "nosuid", "noexec", "nodev", NULL};
        mounts_put(mounts, mount_json("/dev/shm", "bind", "/dev/shm", opts));
    }
    static const struct {
        const char *dst, *file;
    } etc[] = {{"/etc/hostname", SPEC_ETC_HOSTNAME},
               {"/etc/hosts", SPEC_ETC_HOSTS},
               {"/etc/resolv.conf", SPEC_ETC_RESOLV}};
    for (size_t i = 0; ctx->userdata && i < SK_ARRAY_SIZE(etc); i++) {
        _cleanup_free_ char *src = sk_asprintf("%s/%s", ctx->userdata, etc[i].file);
        mounts_put(mounts, mount_json(etc[i].dst, "bind", src, spec_etc_mount_options));
    }
    if (flag_true(flags, "read-only"))
        for (const struct spec_default_mount *d = spec_read_only_tmpfs; d->destination; d++)
            mounts_put(mounts, mount_json(d->destination, d->type, d->source, d->options));
    /* Rootless, --device is a bind of the host's node (a user namespace
     * makes none), from its host path, so it may have another name inside
     * (HOST:CONTAINER), as podman does. */
    size_t k;
    json_t *d;
    json_array_foreach(sk_rootless() ? json_object_get(flags, "devices") : NULL, k, d)
    {
        const char *perms = sk_json_str(d, "permissions");
        const char *const opts[] = {"bind", "nosuid", "noexec",
                                    perms && strchr(perms, 'w') ? "rw" : "ro", NULL};
        mounts_put(mounts,
                   mount_json(sk_json_str(d, "path"), "bind", sk_json_str(d, "host"), opts));
    }
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(flags, "mounts"), i, m)
    {
        json_t *copy = json_deep_copy(m);
        json_object_del(copy, "chown"); /* the :U volume option is the engine's business */
        mounts_put(mounts, copy);
    }
    return mounts;
}

/* ---- devices -------------------------------------------------------------------- */

static json_t *device_json(const char *path, const struct stat *st)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "path", path, "type",
                     S_ISBLK(st->st_mode) ? "b" : "c", "major", (json_int_t)major(st->st_rdev),
                     "minor", (json_int_t)minor(st->st_rdev), "fileMode",
                     (json_int_t)(st->st_mode & 07777), "uid", (json_int_t)st->st_uid, "gid",
                     (json_int_t)st->st_gid);
}

/* Add d, replacing a device at the same path. Steals d. */
static void devices_put(json_t *devices, json_t *d)
{
    const char *path = sk_json_str(d, "path");
    size_t i;
    json_t *o;
    json_array_foreach(devices, i, o)
    {
        if (strcmp(sk_json_str(o, "path"), path) == 0) {
            json_array_set_new(devices, i, d);
            return;
        }
    }
    json_array_append_new(devices, d);
}

static bool privileged_skip(const char *path)
{
    for (const char *const *s = spec_privileged_device_skip; *s; s++)
        if (strcmp(path, *s) == 0)
            return true;
    return false;
}

/* --privileged: every device node under the host's /dev (symlinks skipped). */
static void add_host_devices(json_t *devices, const char *dir, int depth)
{
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (!d || depth > DEV_WALK_DEPTH)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        _cleanup_free_ char *path = sk_asprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (privileged_skip(path) || lstat(path, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode))
            add_host_devices(devices, path, depth + 1);
        else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
            devices_put(devices, device_json(path, &st));
    }
}

static json_t *device_rule(bool allow, char type, long long maj, long long min, const char *access)
{
    json_t *r =
        json_pack("{s:b, s:s%, s:s}", "allow", allow, "type", &type, (size_t)1, "access", access);
    if (maj >= 0)
        json_object_set_new(r, "major", json_integer(maj));
    if (min >= 0)
        json_object_set_new(r, "minor", json_integer(min));
    return r;
}

static int build_devices(const json_t *flags, json_t **ret_devices, json_t **ret_rules,
                         struct sk_error *err)
{
    _cleanup_json_ json_t *devices = json_array();
    _cleanup_json_ json_t *rules = json_array();
    for (const struct spec_default_device *d = spec_default_devices; d->path; d++)
        json_array_append_new(
            devices,
            json_pack("{s:s, s:s%, s:I, s:I, s:I, s:I, s:I}", "path", d->path, "type", &d->type,
                      (size_t)1, "major", (json_int_t)d->major, "minor", (json_int_t)d->minor,
                      "fileMode", (json_int_t)d->mode, "uid", (json_int_t)0, "gid", (json_int_t)0));
    for (const struct spec_device_rule *r = spec_default_device_rules; r->type; r++)
        json_array_append_new(rules, device_rule(r->allow, r->type, r->major, r->minor, r->access));
    if (flag_true(flags, "privileged")) {
        add_host_devices(devices, "/dev", 0);
        json_array_append_new(rules, device_rule(true, 'a', -1, -1, "rwm"));
    }
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(flags, "devices"), i, d)
    {
        const char *host = sk_json_str(d, "host");
        struct stat st;
        if (stat(host, &st) < 0)
            return sk_error_errno(err, errno, "device %s", host);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
            return sk_error_set(err, ENODEV, "device %s: not a device", host);
        if (sk_rootless())
            continue; /* a bind mount (build_mounts); device rules are moot */
        devices_put(devices, device_json(sk_json_str(d, "path"), &st));
        json_array_append_new(rules,
                              device_rule(true, S_ISBLK(st.st_mode) ? 'b' : 'c', major(st.st_rdev),
                                          minor(st.st_rdev), sk_json_str(d, "permissions")));
    }
    *ret_devices = SK_STEAL(devices);
    *ret_rules = SK_STEAL(rules);
    return 0;
}

/* ---- linux ------------------------------------------------------------------------ */

/* Whether the kernel accounts swap, so a swap limit can be set. */
static bool swap_accounting(void)
{
    return access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0 ||
           access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
}

static json_t *build_resources(const json_t *flags, json_t *device_rules)
{
    json_t *r = json_object();
    json_object_set_new(r, "devices", device_rules);
    json_t *mem = json_object_get(flags, "memory"), *swap = json_object_get(flags, "memory-swap");
    if (mem) {
        json_t *m = json_pack("{s:O}", "limit", mem);
        if (swap)
            json_object_set(m, "swap", swap);
        else if (swap_accounting()) /* like podman: as much swap as memory */
            json_object_set_new(m, "swap", json_integer(2 * json_integer_value(mem)));
        json_object_set_new(r, "memory", m);
    }
    json_t *cpu = json_object();
    static const struct {
        const char *flag, *key;
    } cpu_keys[] = {{"cpu-shares", "shares"},
                    {"cpu-quota", "quota"},
                    {"cpu-period", "period"},
                    {"cpuset-cpus", "cpus"}};
    for (size_t i = 0; i < SK_ARRAY_SIZE(cpu_keys); i++) {
        json_t *v = json_object_get(flags, cpu_keys[i].flag);
        if (v)
            json_object_set(cpu, cpu_keys[i].key, v);
    }
    if (json_object_size(cpu) > 0)
        json_object_set_new(r, "cpu", cpu);
    else
        json_decref(cpu);
    long long pids = sk_json_int(flags, "pids-limit", 0);
    if (pids > 0)
        json_object_set_new(r, "pids", json_pack("{s:I}", "limit", (json_int_t)pids));
    return r;
}

static json_t *build_namespaces(const json_t *flags)
{
    json_t *out = json_array();
    for (const char *const *ns = spec_default_namespaces; *ns; ns++) {
        /* the flags are named like the namespaces: network, ipc, pid, uts */
        if (flag_is(flags, *ns, "host"))
            continue;
        json_array_append_new(out, json_pack("{s:s}", "type", *ns));
    }
    return out;
}

/* Masked and read-only paths: defaults (plus host-dependent globs) and
 * mask=, minus unmask= (ALL clears both lists); none with --privileged. */
static void build_paths(const json_t *flags, json_t **ret_masked, json_t **ret_readonly)
{
    json_t *masked = json_array(), *ro = json_array();
    *ret_masked = masked;
    *ret_readonly = ro;
    if (flag_true(flags, "privileged"))
        return;
    json_t *unmask = json_object_get(flags, "unmask");
    bool all = sk_json_strv_contains(unmask, "ALL");
    for (const char *const *p = spec_default_masked_paths; *p && !all; p++)
        json_array_append_new(masked, json_string(*p));
    for (const char *const *g = spec_default_masked_globs; *g && !all; g++) {
        glob_t gl;
        if (glob(*g, GLOB_NOSORT, NULL, &gl) == 0)
            for (size_t i = 0; i < gl.gl_pathc; i++)
                json_array_append_new(masked, json_string(gl.gl_pathv[i]));
        globfree(&gl);
    }
    for (const char *const *p = spec_default_readonly_paths; *p && !all; p++)
        json_array_append_new(ro, json_string(*p));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(flags, "mask"), i, v)
    {
        if (!sk_json_strv_contains(masked, json_string_value(v)))
            json_array_append(masked, v);
    }
    json_t *lists[] = {masked, ro};
    for (size_t l = 0; l < 2; l++)
        for (i = 0; i < json_array_size(lists[l]);)
            if (sk_json_strv_contains(unmask, json_string_value(json_array_get(lists[l], i))))
                json_array_remove(lists[l], i);
            else
                i++;
}

static int build_seccomp(const json_t *flags, const json_t *bounding, json_t **ret,
                         struct sk_error *err)
{
    *ret = NULL;
    json_t *s = json_object_get(flags, "seccomp");
    if (json_is_string(s) || (!s && flag_true(flags, "privileged")))
        return 0; /* unconfined */
    if (s)
        return spec_seccomp_to_oci(s, bounding, ret, err);
    _cleanup_json_ json_t *def = spec_seccomp_default_profile();
    return spec_seccomp_to_oci(def, bounding, ret, err);
}

static int build_linux(const struct spec_context *ctx, const json_t *bounding, json_t **ret,
                       struct sk_error *err)
{
    json_t *devices = NULL, *rules = NULL, *seccomp = NULL, *masked, *ro;
    if (build_devices(ctx->flags, &devices, &rules, err) < 0)
        return -1;
    if (build_seccomp(ctx->flags, bounding, &seccomp, err) < 0) {
        json_decref(devices);
        json_decref(rules);
        return -1;
    }
    json_t *lnx = json_pack("{s:o, s:o, s:o}", "namespaces", build_namespaces(ctx->flags),
                            "devices", devices, "resources", build_resources(ctx->flags, rules));
    build_paths(ctx->flags, &masked, &ro);
    json_object_set_new(lnx, "maskedPaths", masked);
    json_object_set_new(lnx, "readonlyPaths", ro);
    json_t *sysctls = json_object_get(ctx->flags, "sysctls");
    if (json_object_size(sysctls) > 0)
        json_object_set(lnx, "sysctl", sysctls);
    if (seccomp)
        json_object_set_new(lnx, "seccomp", seccomp);
    *ret = lnx;
    return 0;
}

static json_t *build_annotations(const struct spec_context *ctx)
{
    json_t *a = json_object();
    const json_t *img = image_runtime_config(ctx->image_config);
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(img, "Labels"), key, v)
    {
        if (json_is_string(v))
            json_object_set(a, key, v);
    }
    json_object_foreach(json_object_get(ctx->flags, "labels"), key, v)
    {
        json_object_set(a, key, v);
    }
    json_object_set_new(a, "io.container.manager", json_string("skiff"));
    if (ctx->image_name)
        json_object_set_new(a, "io.skiff.image.name", json_string(ctx->image_name));
    const char *stop = sk_json_str(img, "StopSignal");
    if (stop && *stop)
        json_object_set_new(a, "org.opencontainers.image.stopSignal", json_string(stop));
    json_t *groups = json_object_get(ctx->flags, "group-add");
    size_t i;
    json_array_foreach(groups, i, v)
    {
        if (strcmp(json_string_value(v) ?: "", "keep-groups") == 0)
            json_object_set_new(a, RUNTIME_ANNOTATION_KEEP_GROUPS, json_string("1"));
    }
    json_object_foreach(json_object_get(ctx->flags, "annotations"), key, v)
    {
        json_object_set(a, key, v);
    }
    return a;
}

int spec_generate(const struct spec_context *ctx, json_t **ret, struct sk_error *err)
{
    if (!ctx->rootfs || ctx->rootfs[0] != '/')
        return sk_error_set(err, EINVAL, "the rootfs path must be absolute");
    _cleanup_free_ char *hostname = spec_hostname(ctx);
    json_t *process = NULL, *lnx = NULL;
    if (build_process(ctx, hostname, &process, err) < 0)
        return -1;
    json_t *bounding = json_object_get(json_object_get(process, "capabilities"), "bounding");
    if (build_linux(ctx, bounding, &lnx, err) < 0) {
        json_decref(process);
        return -1;
    }
    json_t *spec = json_pack(
        "{s:s, s:o, s:{s:s, s:b}, s:o, s:o, s:o}", "ociVersion", SPEC_OCI_VERSION, "process",
        process, "root", "path", ctx->rootfs, "readonly", flag_true(ctx->flags, "read-only"),
        "mounts", build_mounts(ctx), "linux", lnx, "annotations", build_annotations(ctx));
    if (!flag_is(ctx->flags, "uts", "host"))
        json_object_set_new(spec, "hostname", json_string(hostname));
    *ret = spec;
    return 0;
}

/* ---- /etc files -------------------------------------------------------------------- */

char *spec_resolv_conf(const char *host, bool host_network)
{
    if (!host)
        return sk_strdup("# skiff: the host has no " SPEC_HOST_RESOLV_CONF
                         ", so the container has no nameservers\n");
    if (host_network)
        return sk_strdup(host);
    _cleanup_free_ char *data = sk_strdup(host);
    char *out = sk_calloc(1, strlen(data) + 2);
    size_t olen = 0;
    int nameservers = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char ns[64] = "";
        if (sscanf(line, " nameserver %63s", ns) == 1) {
            if (strncmp(ns, "127.", 4) == 0 || strcmp(ns, "::1") == 0)
                continue;
            nameservers++;
        }
        olen += (size_t)sprintf(out + olen, "%s\n", line);
    }
    if (nameservers == 0) {
        free(out);
        return sk_strdup("# skiff: the host's " SPEC_HOST_RESOLV_CONF " names only nameservers "
                         "on its loopback\n# (127.x, ::1), which the container's network "
                         "namespace cannot reach,\n# so the container has no nameservers.\n");
    }
    return out;
}

int spec_write_etc_files(const struct spec_context *ctx, struct sk_error *err)
{
    if (!ctx->userdata)
        return sk_error_set(err, EINVAL, "no userdata directory for the /etc files");
    _cleanup_free_ char *hostname = spec_hostname(ctx);
    _cleanup_free_ char *hostname_file = sk_asprintf("%s\n", hostname);
    bool alias = ctx->name && strcmp(ctx->name, hostname) != 0;
    _cleanup_free_ char *hosts =
        sk_asprintf("127.0.0.1\tlocalhost\n::1\tlocalhost\n" SPEC_HOSTS_SELF_IP "\t%s%s%s\n",
                    hostname, alias ? " " : "", alias ? ctx->name : "");
    _cleanup_free_ char *host_resolv = NULL;
    size_t len = 0;
    if (sk_read_file(SPEC_HOST_RESOLV_CONF, &host_resolv, &len, NULL) < 0)
        host_resolv = NULL;
    _cleanup_free_ char *resolv =
        spec_resolv_conf(host_resolv, flag_is(ctx->flags, "network", "host"));
    const struct {
        const char *file, *data;
    } files[] = {
        {SPEC_ETC_HOSTNAME, hostname_file}, {SPEC_ETC_HOSTS, hosts}, {SPEC_ETC_RESOLV, resolv}};
    for (size_t i = 0; i < SK_ARRAY_SIZE(files); i++) {
        _cleanup_free_ char *path = sk_asprintf("%s/%s", ctx->userdata, files[i].file);
        if (sk_write_file_replace(path, files[i].data, strlen(files[i].data), 0644, err) < 0)
            return -1;
    }
    return 0;
}
