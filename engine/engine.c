#include "engine/engine.h"
#include "common/cleanup.h"
#include "common/util.h"
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

int engine_open(const struct engine_opts *opts, struct engine **ret, struct sk_error *err)
{
    _cleanup_free_ char *root = NULL, *runroot = NULL;
    engine_default_paths(&root, &runroot);
    struct engine *e = sk_calloc(1, sizeof(*e));
    if (storage_open(opts->root ? opts->root : root, opts->runroot ? opts->runroot : runroot,
                     &e->st, err) < 0) {
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
