/* skiff start, skiff run: containers under a monitor (engine/monitor.c),
 * detached or with our stdio attached. */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/container.h"
#include "engine/monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int start_one(struct engine *e, const char *what, void *data, char id[65],
                     struct sk_error *err)
{
    int code;
    return engine_container_start(e, what, data, id, &code, err);
}

int cmd_start(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"attach", no_argument, NULL, 'a'},
        {"interactive", no_argument, NULL, 'i'},
        {"all", no_argument, NULL, 'A'},
        {"sig-proxy", optional_argument, NULL, 'S'},
        {"latest", no_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct engine_start_opts o = {.sig_proxy = true, .warn = cmd_warn};
    bool all = false, latest = false;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("start"), argc, argv, "ailh", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        if (ch == 'a')
            o.attach = true;
        else if (ch == 'i')
            o.stdin = true;
        else if (ch == 'A')
            all = true;
        else if (ch == 'l')
            latest = true;
        else if (ch == 'S') {
            int b = cmd_parse_bool("sig-proxy", optarg);
            if (b < 0)
                return EXIT_ENGINE;
            o.sig_proxy = b;
        }
    }
    int n = argc - optind;
    if (o.attach && (n != 1 || all || latest))
        return cmd_failf("start: you cannot start and attach multiple containers at once");
    if (o.stdin && !o.attach)
        o.attach = n == 1; /* podman: -i alone attaches too */
    struct sk_error err = {0};
    if (!o.attach) {
        struct cmd_each each = {.what = "start", .all = all, .latest = latest,
                                .print_given = true, .fn = start_one, .data = &o};
        return cmd_run_on_containers(g, &each, n, argv + optind);
    }
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    char id[65];
    int code = 0;
    if (engine_container_start(e, argv[optind], &o, id, &code, &err) < 0)
        cmd_fail(&err);
    return code;
}

int cmd_run(const struct cmd_globals *g, int argc, char **argv)
{
    struct sk_error err = {0};
    struct cmd_create_args a = {0};
    if (cmd_create_parse(cmd_find("run"), argc, argv, &a) < 0) {
        cmd_create_args_clear(&a);
        return a.exit;
    }
    bool detach = json_is_true(json_object_get(a.flags, "detach"));
    json_object_del(a.flags, "detach");
    struct engine_start_opts o = {
        .attach = !detach,
        .stdin = json_is_true(json_object_get(a.flags, "interactive")),
        .sig_proxy = true,
        .warn = cmd_warn,
    };
    _cleanup_engine_ struct engine *e = NULL;
    int rc = cmd_open_engine(g, &e);
    char id[65];
    if (rc == 0)
        rc = cmd_create_container(e, &a, id);
    cmd_create_args_clear(&a);
    if (rc)
        return rc;
    int code = 0;
    char started[65];
    if (engine_container_start(e, id, &o, started, &code, &err) < 0)
        cmd_fail(&err);
    else if (detach)
        printf("%s\n", id);
    return code;
}

/* The monitor's worker, exec'd by the monitor from a sealed copy of skiff:
 * __monitor-worker ID tty|notty REPORT_FD DIR_FD. Its stdio belongs to the
 * container: errors go to the report fd, never to stderr. */
int cmd_monitor_worker(const struct cmd_globals *g, int argc, char **argv)
{
    if (argc != 5)
        return EXIT_ENGINE;
    int rep = atoi(argv[3]), dir_fd = atoi(argv[4]);
    struct sk_error err = {0};
    _cleanup_engine_ struct engine *e = NULL;
    struct engine_opts o = {.root = g->root, .runroot = g->runroot};
    if (engine_runtime_prepare(&err) < 0 || engine_open(&o, &e, &err) < 0) {
        dprintf(rep, "E 125 %s\n", err.msg);
        return EXIT_ENGINE;
    }
    return engine_monitor_worker(e, argv[1], strcmp(argv[2], "tty") == 0, rep, dir_fd);
}
