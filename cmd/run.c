/* skiff start, skiff run (in the foreground; detached containers come with
 * the monitor) */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/container.h"

#include <stdio.h>
#include <string.h>

int cmd_start(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"attach", no_argument, NULL, 'a'},
        {"interactive", no_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool attach = false;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("start"), argc, argv, "aih", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        attach = attach || ch == 'a';
    }
    if (argc - optind != 1)
        return cmd_failf("start: requires exactly one container");
    if (!attach)
        return cmd_failf("start: detached containers need the monitor, which is not there "
                         "yet: use --attach (-a)");
    struct sk_error err = {0};
    if (engine_runtime_prepare(&err) < 0)
        return cmd_fail(&err);
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    int status = 0;
    if (engine_container_start_attached(e, argv[optind], &status, &err) < 0)
        cmd_fail(&err);
    return status;
}

int cmd_run(const struct cmd_globals *g, int argc, char **argv)
{
    struct sk_error err = {0};
    /* First: this restarts the command from a sealed copy of the binary. */
    if (engine_runtime_prepare(&err) < 0)
        return cmd_fail(&err);
    struct cmd_create_args a = {0};
    if (cmd_create_parse(cmd_find("run"), argc, argv, &a) < 0) {
        cmd_create_args_clear(&a);
        return a.exit;
    }
    if (json_is_true(json_object_get(a.flags, "detach"))) {
        cmd_create_args_clear(&a);
        return cmd_failf("run: --detach needs the monitor, which is not there yet");
    }
    json_object_del(a.flags, "detach");
    bool remove = json_is_true(json_object_get(a.flags, "rm"));
    _cleanup_engine_ struct engine *e = NULL;
    int rc = cmd_open_engine(g, &e);
    char id[65];
    if (rc == 0)
        rc = cmd_create_container(e, &a, id);
    cmd_create_args_clear(&a);
    if (rc)
        return rc;
    int status = 0;
    if (engine_container_start_attached(e, id, &status, &err) < 0)
        cmd_fail(&err);
    if (remove) {
        char removed[65];
        struct sk_error rm_err = {0};
        if (engine_container_remove(e, id, true, removed, &rm_err) < 0)
            cmd_fail(&rm_err);
    }
    return status;
}
