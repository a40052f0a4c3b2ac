/* skiff stop, kill, wait, restart, attach */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/names.h"
#include "engine/container.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* --all, --latest, --ignore and -t/--time, shared by stop and restart. */
struct stop_args {
    bool all, latest, ignore;
    int timeout; /* -1: the container's own */
};

static int parse_stop_args(const char *name, int argc, char **argv, struct stop_args *a)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},     {"latest", no_argument, NULL, 'l'},
        {"ignore", no_argument, NULL, 'i'},  {"time", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},    {NULL, 0, NULL, 0},
    };
    *a = (struct stop_args){.timeout = -1};
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find(name), argc, argv, "alit:h", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        a->all = a->all || ch == 'a';
        a->latest = a->latest || ch == 'l';
        a->ignore = a->ignore || ch == 'i';
        if (ch == 't' && cmd_parse_seconds("--time", optarg, &a->timeout) < 0)
            return EXIT_ENGINE;
    }
    return -1;
}

static int stop_one(struct engine *e, const char *what, void *data, char id[65],
                    struct sk_error *err)
{
    return engine_container_stop(e, what, *(int *)data, id, err);
}

int cmd_stop(const struct cmd_globals *g, int argc, char **argv)
{
    struct stop_args a;
    int rc = parse_stop_args("stop", argc, argv, &a);
    if (rc >= 0)
        return rc;
    struct cmd_each o = {.what = "stop", .all = a.all, .latest = a.latest, .ignore = a.ignore,
                         .print_given = true, .fn = stop_one, .data = &a.timeout};
    return cmd_run_on_containers(g, &o, argc - optind, argv + optind);
}

static int restart_one(struct engine *e, const char *what, void *data, char id[65],
                       struct sk_error *err)
{
    struct engine_start_opts o = {.warn = cmd_warn};
    return engine_container_restart(e, what, *(int *)data, &o, id, err);
}

int cmd_restart(const struct cmd_globals *g, int argc, char **argv)
{
    struct stop_args a;
    int rc = parse_stop_args("restart", argc, argv, &a);
    if (rc >= 0)
        return rc;
    struct cmd_each o = {.what = "restart", .all = a.all, .latest = a.latest, .ignore = a.ignore,
                         .print_given = true, .fn = restart_one, .data = &a.timeout};
    return cmd_run_on_containers(g, &o, argc - optind, argv + optind);
}

static int kill_one(struct engine *e, const char *what, void *data, char id[65],
                    struct sk_error *err)
{
    return engine_container_kill(e, what, *(int *)data, id, err);
}

int cmd_kill(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},          {"latest", no_argument, NULL, 'l'},
        {"signal", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool all = false, latest = false;
    int sig = SIGKILL, ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("kill"), argc, argv, "als:h", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        all = all || ch == 'a';
        latest = latest || ch == 'l';
        if (ch == 's' && (sig = sk_signal_parse(optarg)) <= 0)
            return cmd_failf("kill: invalid signal \"%s\"", optarg);
    }
    /* podman kill -a skips containers that do not run (and -a wins over -l) */
    struct cmd_each o = {.what = "kill", .all = all, .latest = latest && !all,
                         .running_only = true, .print_given = true, .fn = kill_one,
                         .data = &sig};
    return cmd_run_on_containers(g, &o, argc - optind, argv + optind);
}

int cmd_wait(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"condition", required_argument, NULL, 'c'}, {"interval", required_argument, NULL, 'i'},
        {"latest", no_argument, NULL, 'l'},          {"ignore", no_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    bool latest = false, ignore = false;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("wait"), argc, argv, "i:lh", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        latest = latest || ch == 'l';
        ignore = ignore || ch == 'I';
        if (ch == 'c' && strcmp(optarg, "stopped") != 0 && strcmp(optarg, "exited") != 0)
            return cmd_failf("wait: condition \"%s\" is not supported (stopped, exited)", optarg);
    }
    int n = argc - optind;
    if (n == 0 && !latest)
        return cmd_failf("wait: requires at least one container name or ID (or --latest)");
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    char **names = argv + optind;
    char newest[65];
    char *latest_names[] = {newest};
    if (latest) {
        if ((rc = cmd_latest(e, "wait: no containers", newest)))
            return rc;
        names = latest_names;
        n = 1;
    }
    for (int i = 0; i < n; i++) {
        struct sk_error err = {0};
        int code;
        if (engine_container_wait(e, names[i], &code, &err) < 0) {
            if (!(ignore && err.code == ENOENT))
                rc = cmd_fail(&err);
            continue;
        }
        printf("%d\n", code);
        fflush(stdout);
    }
    return rc;
}

int cmd_attach(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"no-stdin", no_argument, NULL, 'n'},
        {"sig-proxy", optional_argument, NULL, 'S'},
        {"latest", no_argument, NULL, 'l'},
        {"detach-keys", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct engine_attach_opts o = {.stdin = true, .sig_proxy = true};
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("attach"), argc, argv, "lh", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        if (ch == 'n')
            o.stdin = false;
        else if (ch == 'S') {
            int b = cmd_parse_bool("sig-proxy", optarg);
            if (b < 0)
                return EXIT_ENGINE;
            o.sig_proxy = b;
        }
    }
    if (argc - optind != 1)
        return cmd_failf("attach: requires exactly one container");
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    struct sk_error err = {0};
    int code = 0;
    if (engine_container_attach(e, argv[optind], &o, &code, &err) < 0)
        cmd_fail(&err);
    return code;
}
