/* Containers: create, init, mount, unmount, remove, list, inspect.
 *
 * create = image (pulled per --pull) + validated flags + a record and its
 * storage; init = mount the rootfs and write config.json with the spec
 * generator, as podman does at `init`/`start`. */
#include "engine/container.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/monitor.h"
#include "engine/spec.h"
#include "engine/spec_defaults.h"
#include "engine/state.h"
#include "engine/userns.h"
#include "storage/container.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int engine_pull_policy_parse(const char *s, enum engine_pull_policy *ret, struct sk_error *err)
{
    static const struct {
        const char *name;
        enum engine_pull_policy policy;
    } names[] = {{"missing", PULL_MISSING}, {"always", PULL_ALWAYS}, {"never", PULL_NEVER},
                 {"newer", PULL_NEWER},     {"true", PULL_ALWAYS},   {"false", PULL_NEVER}};
    for (size_t i = 0; i < SK_ARRAY_SIZE(names); i++)
        if (strcasecmp(s, names[i].name) == 0) {
            *ret = names[i].policy;
            return 0;
        }
    return sk_error_set(err, EINVAL,
                        "invalid argument \"%s\" for \"--pull\": want missing, always, never or "
                        "newer",
                        s);
}

/* The image to run, pulled according to the policy. *ret: its record. */
static int resolve_image(struct engine *e, const struct engine_create_opts *o, json_t **ret,
                         struct sk_error *err)
{
    struct sk_error lookup_err = {0};
    bool have = engine_image_lookup(e, o->image, ret, &lookup_err) == 0;
    if (have && o->pull != PULL_ALWAYS && o->pull != PULL_NEWER)
        return 0;
    if (!have && o->pull == PULL_NEVER) {
        if (err)
            *err = lookup_err;
        return -1;
    }
    if (have) {
        json_decref(*ret);
        *ret = NULL;
    }
    char id[65];
    struct engine_pull_opts po = o->pull_opts ? *o->pull_opts : (struct engine_pull_opts){
                                                                    .tls_verify = -1};
    if (engine_pull(e, o->image, &po, id, err) < 0) {
        /* "newer": a registry we cannot reach is not an error when we have the image */
        if (have && o->pull == PULL_NEWER)
            return engine_image_lookup(e, o->image, ret, err);
        return -1;
    }
    return engine_image_lookup(e, id, ret, err);
}

static const char *default_driver(struct engine *e, const char *asked)
{
    return asked ? asked : engine_storage_driver(e);
}

int engine_container_create(struct engine *e, const struct engine_create_opts *o,
                            char ret_id[65], struct sk_error *err)
{
    _cleanup_json_ json_t *flags = NULL, *image = NULL, *image_cfg = NULL, *rec = NULL;
    enum storage_driver driver;
    if (storage_driver_parse(default_driver(e, o->driver), &driver, err) < 0)
        return -1;
    /* Flags first: a bad value fails before anything is pulled or written. */
    if (spec_flags_normalize(o->flags, &flags, err) < 0)
        return -1;
    /* Ports with --network host or none (spec_flags_normalize refused them
     * with the default network): discarded, as podman does. */
    if (json_object_get(flags, "publish") || json_object_get(flags, "publish-all")) {
        if (o->warn)
            o->warn("port mappings are discarded: --network host and none publish no ports");
        json_object_del(flags, "publish");
        json_object_del(flags, "publish-all");
    }
    if (resolve_image(e, o, &image, err) < 0 || engine_image_config(e, image, &image_cfg, err) < 0)
        return -1;
    json_t *names = json_object_get(image, "names");
    const char *image_name = json_string_value(json_array_get(names, 0));
    json_t *config = json_pack("{s:O, s:o, s:s}", "flags", flags, "command",
                               spec_process_args(image_cfg, flags), "imageName",
                               image_name ? image_name : o->image);
    struct storage_container_new in = {
        .name = sk_json_str(flags, "name"),
        .image_id = sk_json_str(image, "id"),
        .layers = json_object_get(image, "layers"),
        .config = config,
        .driver = driver,
        .volatile_upper = json_is_true(json_object_get(flags, "rm")),
    };
    int r = storage_container_create(e->st, &in, &rec, err);
    json_decref(config);
    if (r < 0)
        return -1;
    snprintf(ret_id, 65, "%s", sk_json_str(rec, "id"));
    return 0;
}

static int lookup(struct engine *e, const char *what, json_t **ret, struct sk_error *err)
{
    return storage_container_lookup(e->st, what, ret, err);
}

static void now_rfc3339(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sk_format_rfc3339(ts.tv_sec, ts.tv_nsec, buf, len);
}

/* The U option of -v / --mount: the source, recursively, comes to belong to
 * the container's user (spec's process.user) before it starts, as podman
 * does. Rootless, skiff runs inside its user namespace, so the IDs land on
 * the host as that namespace maps them, as the container sees them. Done at
 * every init; entries already owned so are left alone. */
static int chown_volumes(json_t *flags, json_t *spec, struct sk_error *err)
{
    json_t *user = json_object_get(json_object_get(spec, "process"), "user");
    uid_t uid = (uid_t)sk_json_int(user, "uid", 0);
    gid_t gid = (gid_t)sk_json_int(user, "gid", 0);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(flags, "mounts"), i, m)
    {
        if (!json_is_true(json_object_get(m, "chown")))
            continue;
        const char *src = sk_json_str(m, "source");
        /* What the bind mounts is where the source's own symlinks lead; the
         * walk then follows none. */
        _cleanup_free_ char *real = realpath(src, NULL);
        if (!real)
            return sk_error_errno(err, errno, "volume %s", src);
        for (const char *const *p = spec_chown_refused_paths; *p; p++)
            if (strcmp(real, *p) == 0)
                return sk_error_set(err, EPERM,
                                    "volume %s: U (chown) of the host's %s is not allowed", src,
                                    real);
        if (sk_chown_tree(real, uid, gid, err) < 0)
            return sk_error_prefix(err, "volume %s: U (chown to %lu:%lu)", src,
                                   (unsigned long)uid, (unsigned long)gid);
    }
    return 0;
}

int engine_container_init(struct engine *e, const char *what, char ret_id[65],
                          struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL, *image = NULL, *image_cfg = NULL, *spec = NULL;
    if (lookup(e, what, &rec, err) < 0)
        return -1;
    const char *id = sk_json_str(rec, "id");
    const char *status = sk_json_str(json_object_get(rec, "state"), "status");
    if (status && strcmp(status, "running") == 0)
        return sk_error_set(err, EBUSY, "container %s is running: cannot init it", id);
    json_t *config = json_object_get(rec, "config");
    if (engine_image_lookup(e, sk_json_str(rec, "image"), &image, err) < 0 ||
        engine_image_config(e, image, &image_cfg, err) < 0)
        return sk_error_prefix(err, "container %.12s", id);
    bool was_initialized = status && strcmp(status, "initialized") == 0;
    _cleanup_free_ char *merged = NULL;
    if (storage_container_mount(e->st, id, &merged, err) < 0)
        return -1;
    if (was_initialized) /* init holds one mount; do not take a second */
        storage_container_unmount(e->st, id, false, NULL);
    _cleanup_free_ char *userdata = storage_container_userdata(e->st, id);
    struct spec_context ctx = {
        .id = id,
        .name = sk_json_str(rec, "name"),
        .rootfs = merged,
        .userdata = userdata,
        .image_config = image_cfg,
        .image_name = sk_json_str(config, "imageName"),
        .flags = json_object_get(config, "flags"),
    };
    int r = spec_generate(&ctx, &spec, err);
    /* Rootless: a user the image names that skiff's user namespace lacks
     * fails here, in words, not in the runtime. */
    if (r == 0 && engine_userns_check_user(
                      json_object_get(json_object_get(spec, "process"), "user"), err) < 0) {
        const char *user = sk_json_str(ctx.flags, "user");
        if (!user)
            user = sk_json_str(json_object_get(image_cfg, "config"), "User");
        r = sk_error_prefix(err, "user \"%s\"", user ? user : "root");
    }
    if (r == 0)
        r = chown_volumes(ctx.flags, spec, err);
    if (r == 0)
        r = spec_write_etc_files(&ctx, err);
    _cleanup_free_ char *path = sk_asprintf("%s/config.json", userdata);
    /* Regenerated at every init: replaced atomically, without an fsync (a
     * few milliseconds each on a disk, on every start). */
    _cleanup_free_ char *text = r == 0 ? json_dumps(spec, JSON_INDENT(2)) : NULL;
    if (r == 0 && !text)
        r = sk_error_set(err, ENOMEM, "serialize %s", path);
    if (r == 0)
        r = sk_write_file_replace(path, text, strlen(text), 0644, err);
    if (r == 0) {
        char now[64];
        now_rfc3339(now, sizeof(now));
        _cleanup_json_ json_t *changes =
            json_pack("{s:{s:s, s:s}}", "state", "status", "initialized", "initializedAt", now);
        r = storage_container_update(e->st, id, changes, err);
    }
    if (r < 0) { /* a failed init holds no mount of its own */
        if (!was_initialized)
            storage_container_unmount(e->st, id, false, NULL);
        return sk_error_prefix(err, "init container %.12s", id);
    }
    snprintf(ret_id, 65, "%s", id);
    return 0;
}

char *engine_mount_caller_path(const char *driver, const char *merged, char **ret_note)
{
    *ret_note = NULL;
    _cleanup_free_ char *outside = engine_userns_caller_path(merged);
    if (!outside)
        return sk_strdup(merged);
    if (driver && strcmp(driver, "fuse-overlayfs") == 0) {
        /* FUSE lets in no process outside the user namespace that mounted
         * it with allow_other (which the container's users need). */
        *ret_note = sk_asprintf("rootless: %s is reachable inside `skiff unshare` only (a "
                                "fuse-overlayfs mount admits no process outside skiff's user "
                                "namespace; the overlay driver's mounts are reachable from your "
                                "shell)",
                                merged);
        return sk_strdup(merged);
    }
    return SK_STEAL(outside);
}

int engine_container_mount(struct engine *e, const char *what, char **ret_path, char **ret_note,
                           struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    *ret_note = NULL;
    if (lookup(e, what, &rec, err) < 0)
        return -1;
    const char *driver = sk_json_str(rec, "driver");
    /* As podman's rootless mount outside `podman unshare`: refused rather
     * than a path that is an empty directory in the caller's namespace. */
    if (driver && strcmp(driver, "fuse-overlayfs") == 0 && engine_userns_joined_here())
        return sk_error_set(err, EPERM,
                            "container %.12s uses fuse-overlayfs, whose mount admits no process "
                            "outside skiff's user namespace: run `skiff unshare skiff mount %s` "
                            "and use the path inside (the overlay driver's mounts are reachable "
                            "from your shell)",
                            sk_json_str(rec, "id"), what);
    _cleanup_free_ char *merged = NULL;
    if (storage_container_mount(e->st, sk_json_str(rec, "id"), &merged, err) < 0)
        return -1;
    *ret_path = engine_mount_caller_path(driver, merged, ret_note);
    return 0;
}

int engine_container_unmount(struct engine *e, const char *what, bool force, char ret_id[65],
                             struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    if (lookup(e, what, &rec, err) < 0)
        return -1;
    const char *id = sk_json_str(rec, "id");
    const char *status = sk_json_str(json_object_get(rec, "state"), "status");
    /* An initialized container holds one mount for its runtime; keep it. */
    if (!force && status && strcmp(status, "initialized") == 0 &&
        storage_container_mount_count(e->st, id) <= 1)
        return sk_error_set(err, EBUSY,
                            "container %.12s is initialized: its rootfs stays mounted until it "
                            "is removed (use --force to unmount anyway)",
                            id);
    if (storage_container_unmount(e->st, id, force, err) < 0)
        return -1;
    snprintf(ret_id, 65, "%s", id);
    return 0;
}

int engine_container_remove(struct engine *e, const char *what, bool force, int stop_timeout,
                            char ret_id[65], struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    if (lookup(e, what, &rec, err) < 0)
        return -1;
    char id[65];
    snprintf(id, sizeof(id), "%s", sk_json_str(rec, "id"));
    /* Like podman: a container that is not running is removed with its
     * mounts (the runtime's from init and any `skiff mount`); a running one
     * only with force, stopped first. */
    const char *status = engine_container_live_status(e, rec);
    if (strcmp(status, "running") == 0) {
        if (!force)
            return sk_error_set(err, EBUSY,
                                "cannot remove container %.12s as it is running - stop it first "
                                "or use --force",
                                id);
        char stopped[65];
        if (engine_container_stop(e, id, stop_timeout, stopped, err) < 0)
            return -1;
        json_decref(rec);
        rec = NULL;
        if (lookup(e, id, &rec, NULL) < 0) { /* a --rm container's monitor removed it */
            snprintf(ret_id, 65, "%s", id);
            return 0;
        }
    }
    engine_container_runtime_forget(e, id);
    if (storage_container_remove(e->st, id, true, err) < 0)
        return -1;
    _cleanup_free_ char *rundir = engine_monitor_path(e, id, NULL);
    sk_rm_rf(rundir, NULL);
    snprintf(ret_id, 65, "%s", id);
    return 0;
}

static int by_created_desc(const void *a, const void *b)
{
    const char *x = sk_json_str(*(json_t *const *)a, "created") ?: "";
    const char *y = sk_json_str(*(json_t *const *)b, "created") ?: "";
    return -strcmp(x, y);
}

int engine_containers_list(struct engine *e, json_t **ret, struct sk_error *err)
{
    _cleanup_json_ json_t *all = NULL;
    if (storage_containers_read(e->st, &all, err) < 0)
        return -1;
    size_t n = json_array_size(all);
    json_t **v = sk_calloc(n ? n : 1, sizeof(json_t *));
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(all, i);
    qsort(v, n, sizeof(json_t *), by_created_desc);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        json_object_set_new(v[i], "status", json_string(engine_container_live_status(e, v[i])));
        json_array_append(out, v[i]);
    }
    free(v);
    *ret = out;
    return 0;
}

int engine_container_latest(struct engine *e, char ret_id[65], struct sk_error *err)
{
    _cleanup_json_ json_t *all = NULL;
    if (storage_containers_read(e->st, &all, err) < 0)
        return -1;
    const char *newest = NULL, *when = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c) { /* the first of equals, as the stable sort of the list */
        const char *created = sk_json_str(c, "created") ?: "";
        if (sk_json_str(c, "id") && (!when || strcmp(created, when) > 0)) {
            newest = sk_json_str(c, "id");
            when = created;
        }
    }
    ret_id[0] = '\0';
    if (!newest)
        return 0;
    snprintf(ret_id, 65, "%s", newest);
    return 1;
}

int engine_image_users(struct engine *e, const char *image_id, json_t **ret,
                       struct sk_error *err)
{
    _cleanup_json_ json_t *all = NULL;
    if (storage_containers_read(e->st, &all, err) < 0)
        return -1;
    json_t *out = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(all, i, c) {
        if (strcmp(sk_json_str(c, "image") ?: "", image_id) == 0)
            json_array_append_new(out, json_string(sk_json_str(c, "id")));
    }
    *ret = out;
    return 0;
}

static json_t *lowerdirs(struct engine *e, json_t *layers)
{
    char *s = NULL;
    for (size_t i = json_array_size(layers); i-- > 0;) {
        _cleanup_free_ char *p =
            storage_layer_path(e->st, json_string_value(json_array_get(layers, i)));
        char *n = sk_asprintf("%s%s%s", s ? s : "", s ? ":" : "", p);
        free(s);
        s = n;
    }
    json_t *r = json_string(s ? s : "");
    free(s);
    return r;
}

/* Mounts as inspect shows them, from the user's -v, --mount and --tmpfs. */
static json_t *inspect_mounts(json_t *flags)
{
    json_t *out = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(flags, "mounts"), i, m) {
        json_t *opts = json_object_get(m, "options");
        bool ro = false;
        const char *propagation = "rprivate";
        size_t k;
        json_t *o;
        json_array_foreach(opts, k, o) {
            const char *v = json_string_value(o) ?: "";
            ro = ro || strcmp(v, "ro") == 0;
            if (strstr(v, "shared") || strstr(v, "slave") || strstr(v, "private"))
                propagation = v;
        }
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s, s:O?, s:b, s:s}", "Type",
                                             sk_json_str(m, "type") ?: "bind", "Source",
                                             sk_json_str(m, "source") ?: "", "Destination",
                                             sk_json_str(m, "destination") ?: "", "Driver", "",
                                             "Options", opts, "RW", !ro, "Propagation",
                                             propagation));
    }
    return out;
}

int engine_container_inspect(struct engine *e, const char *what, json_t **ret,
                             struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL, *image_cfg = NULL, *image = NULL;
    if (lookup(e, what, &rec, err) < 0)
        return -1;
    const char *id = sk_json_str(rec, "id");
    json_t *config = json_object_get(rec, "config");
    json_t *flags = json_object_get(config, "flags");
    json_t *cmd = json_object_get(config, "command");
    if (engine_image_lookup(e, sk_json_str(rec, "image"), &image, NULL) == 0)
        engine_image_config(e, image, &image_cfg, NULL);
    json_t *icfg = json_object_get(image_cfg, "config");
    char signame[24];
    _cleanup_free_ char *dir = storage_container_dir(e->st, id);
    _cleanup_free_ char *userdata = storage_container_userdata(e->st, id);
    _cleanup_free_ char *upper = sk_asprintf("%s/diff", dir);
    _cleanup_free_ char *work = sk_asprintf("%s/work", dir);
    _cleanup_free_ char *merged = sk_asprintf("%s/merged", dir);
    bool mounted = storage_container_mount_count(e->st, id) > 0;
    char hostname[13];
    snprintf(hostname, sizeof(hostname), "%.12s", id);
    json_t *args = json_array();
    for (size_t i = 1; i < json_array_size(cmd); i++)
        json_array_append(args, json_array_get(cmd, i));
    json_t *env = json_deep_copy(json_object_get(icfg, "Env"));
    if (!env)
        env = json_array();
    if (json_is_array(json_object_get(flags, "env")))
        json_array_extend(env, json_object_get(flags, "env"));
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:o, s:o,"
        " s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:o, s:s, s:s,"
        " s:{s:s, s:{s:o, s:s, s:s, s:s?}}}",
        "Id", id, "Created", sk_json_str(rec, "created") ?: "", "Path",
        json_string_value(json_array_get(cmd, 0)) ?: "", "Args", args, "State",
        engine_container_state(e, rec), "Image", sk_json_str(rec, "image") ?: "", "ImageName",
        sk_json_str(config, "imageName") ?: "", "Rootfs", "", "Name", sk_json_str(rec, "name"),
        "RestartCount", 0, "Driver", sk_json_str(rec, "driver") ?: "overlay", "OCIConfigPath",
        "", "Mounts", inspect_mounts(flags),
        "StaticDir", userdata, "OCIRuntime", "skiff", "GraphDriver", "Name",
        sk_json_str(rec, "driver") ?: "overlay", "Data", "LowerDir",
        lowerdirs(e, json_object_get(rec, "layers")), "UpperDir", upper, "WorkDir", work,
        "MergedDir", mounted ? merged : NULL);
    if (!doc)
        return sk_error_set(err, ENOMEM, "build inspect document");
    _cleanup_free_ char *oci = sk_asprintf("%s/config.json", userdata);
    json_object_set_new(doc, "OCIConfigPath", json_string(oci));
    json_t *labels = json_deep_copy(json_object_get(icfg, "Labels"));
    if (json_object_get(flags, "labels")) {
        if (!labels)
            labels = json_object();
        json_object_update(labels, json_object_get(flags, "labels"));
    }
    json_t *cfg = json_pack(
        "{s:s, s:s, s:o, s:O?, s:s, s:s, s:O?, s:b, s:b, s:s}", "Hostname",
        sk_json_str(flags, "hostname") ?: hostname, "User",
        sk_json_str(flags, "user") ?: sk_json_str(icfg, "User") ?: "", "Env", env, "Cmd",
        json_array_size(json_object_get(flags, "command")) ? json_object_get(flags, "command")
                                                           : json_object_get(icfg, "Cmd"),
        "Image", sk_json_str(config, "imageName") ?: "", "WorkingDir",
        sk_json_str(flags, "workdir") ?: sk_json_str(icfg, "WorkingDir") ?: "/", "Entrypoint",
        json_object_get(flags, "entrypoint") ?: json_object_get(icfg, "Entrypoint"), "Tty",
        json_is_true(json_object_get(flags, "tty")), "OpenStdin",
        json_is_true(json_object_get(flags, "interactive")), "StopSignal",
        spec_signal_name(spec_stop_signal(image_cfg, flags), signame));
    json_object_set_new(cfg, "Labels", labels ? labels : json_object());
    json_t *annotations = json_object_get(flags, "annotations");
    json_object_set_new(cfg, "Annotations",
                        annotations ? json_incref(annotations) : json_object());
    json_object_set_new(doc, "Config", cfg);
    json_object_set_new(doc, "HostConfig", flags ? json_incref(flags) : json_object());
    *ret = doc;
    return 0;
}

int engine_image_remove_users(struct engine *e, const char *image_id, struct sk_error *err)
{
    _cleanup_json_ json_t *users = NULL;
    if (engine_image_users(e, image_id, &users, err) < 0)
        return -1;
    size_t i;
    json_t *id;
    json_array_foreach(users, i, id) {
        char removed[65];
        if (engine_container_remove(e, json_string_value(id), true, -1, removed, err) < 0)
            return -1;
    }
    return 0;
}
