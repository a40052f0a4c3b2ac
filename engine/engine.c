#include "engine/engine.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/toml.h"
#include "engine/defaults.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void engine_default_paths(char **ret_root, char **ret_runroot)
{
    if (geteuid() == 0) {
        *ret_root = sk_strdup(SKIFF_DEFAULT_ROOT);
        *ret_runroot = sk_strdup(SKIFF_DEFAULT_RUNROOT);
        return;
    }
    const char *data = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    const char *run = getenv("XDG_RUNTIME_DIR");
    if (data && *data)
        *ret_root = sk_asprintf("%s/skiff", data);
    else
        *ret_root = sk_asprintf("%s/.local/share/skiff", home ? home : "/tmp");
    if (run && *run)
        *ret_runroot = sk_asprintf("%s/skiff", run);
    else
        *ret_runroot = sk_asprintf("/tmp/skiff-run-%d", (int)geteuid());
}

static char *storage_conf_path(void)
{
    const char *env = getenv("SKIFF_STORAGE_CONF");
    if (env && *env)
        return sk_strdup(env);
    if (geteuid() != 0) {
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
    engine_default_paths(&root, &runroot);
    _cleanup_free_ char *driver = NULL;
    if (!opts->storage_driver && storage_conf_driver(&driver, err) < 0)
        return -1;
    struct engine *e = sk_calloc(1, sizeof(*e));
    e->storage_driver = sk_strdup(opts->storage_driver ? opts->storage_driver
                                  : driver             ? driver
                                                       : SKIFF_DEFAULT_DRIVER);
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

const char *engine_storage_driver(struct engine *e) { return e->storage_driver; }
