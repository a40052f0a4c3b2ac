#include "engine/engine.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/toml.h"
#include "common/rootless.h"
#include "engine/defaults.h"
#include "engine/userns.h"
#include "storage/container.h"

#include <errno.h>
#include <pwd.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The rootless store: $XDG_DATA_HOME/skiff, else ~/.local/share/skiff (HOME,
 * else the user's home in the password database). */
static int rootless_root(char **ret, struct sk_error *err)
{
    const char *data = getenv("XDG_DATA_HOME");
    if (data && *data == '/') {
        *ret = sk_asprintf("%s/skiff", data);
        return 0;
    }
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(sk_rootless_uid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home || !*home)
        return sk_error_set(err, ENOENT, "no home directory for the store: set HOME or XDG_DATA_HOME");
    *ret = sk_asprintf("%s/.local/share/skiff", home);
    return 0;
}

int engine_default_root(char **ret, struct sk_error *err)
{
    if (!sk_rootless()) {
        *ret = sk_strdup(SKIFF_DEFAULT_ROOT);
        return 0;
    }
    return rootless_root(ret, err);
}

int engine_default_runroot(char **ret, struct sk_error *err)
{
    if (!sk_rootless()) {
        *ret = sk_strdup(SKIFF_DEFAULT_RUNROOT);
        return 0;
    }
    _cleanup_free_ char *dir = NULL;
    if (engine_rootless_runtime_dir(&dir, err) < 0)
        return -1;
    *ret = sk_asprintf("%s/skiff", dir);
    return 0;
}

static char *storage_conf_path(void)
{
    const char *env = getenv("SKIFF_STORAGE_CONF");
    if (env && *env)
        return sk_strdup(env);
    if (sk_rootless()) {
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        _cleanup_free_ char *p = xdg && *xdg ? sk_asprintf("%s/skiff/storage.conf", xdg)
                                             : sk_asprintf("%s/.config/skiff/storage.conf",
                                                           home ? home : "/");
        if (sk_path_exists(p))
            return SK_STEAL(p);
    }
    return sk_strdup(SKIFF_STORAGE_CONF);
}

/* The driver named by storage.conf, or NULL when it names none. */
static int storage_conf_driver(char **ret, struct sk_error *err)
{
    *ret = NULL;
    _cleanup_free_ char *path = storage_conf_path(), *text = NULL;
    if (!sk_path_exists(path))
        return 0;
    if (sk_read_file(path, &text, NULL, err) < 0)
        return -1;
    _cleanup_json_ json_t *doc = sk_toml_parse(text, path, err);
    if (!doc)
        return -1;
    json_t *storage = json_object_get(doc, "storage");
    const char *driver = sk_json_str(storage, "driver");
    json_t *overlay = json_object_get(json_object_get(storage, "options"), "overlay");
    const char *program = sk_json_str(overlay, "mount_program");
    if (program && *program && (!driver || strcmp(driver, "overlay") == 0))
        driver = "fuse-overlayfs";
    if (driver && *driver)
        *ret = sk_strdup(driver);
    return 0;
}

int engine_open(const struct engine_opts *opts, struct engine **ret, struct sk_error *err)
{
    _cleanup_free_ char *root = NULL, *runroot = NULL;
    if ((!opts->root && engine_default_root(&root, err) < 0) ||
        (!opts->runroot && engine_default_runroot(&runroot, err) < 0))
        return -1;
    _cleanup_free_ char *driver = NULL;
    if (!opts->storage_driver && storage_conf_driver(&driver, err) < 0)
        return -1;
    struct engine *e = sk_calloc(1, sizeof(*e));
    /* NULL: the default, settled on first use (engine_storage_driver) */
    const char *chosen = opts->storage_driver ? opts->storage_driver : driver;
    e->storage_driver = chosen ? sk_strdup(chosen) : NULL;
    if (storage_open(opts->root ? opts->root : root, opts->runroot ? opts->runroot : runroot,
                     &e->st, err) < 0) {
        free(e->storage_driver);
        free(e);
        return -1;
    }
    *ret = e;
    return 0;
}

void engine_close(struct engine *e)
{
    if (!e)
        return;
    storage_close(e->st);
    registry_conf_clear(&e->regconf);
    free(e->storage_driver);
    free(e);
}

int engine_regconf(struct engine *e, const struct registry_conf **ret, struct sk_error *err)
{
    if (!e->regconf_loaded) {
        if (registry_conf_load_default(&e->regconf, err) < 0)
            return -1;
        e->regconf_loaded = true;
    }
    *ret = &e->regconf;
    return 0;
}

const char *engine_storage_driver(struct engine *e)
{
    /* Rootless with no driver chosen: the kernel's overlay where it mounts in
     * a user namespace (Linux 5.11+), else fuse-overlayfs. */
    if (!e->storage_driver)
        e->storage_driver =
            sk_strdup(sk_rootless() && !storage_overlay_native_ok(e->st) ? "fuse-overlayfs"
                                                                         : SKIFF_DEFAULT_DRIVER);
    return e->storage_driver;
}
