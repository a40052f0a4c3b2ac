/* skiff init, mount, umount, rm, container (ps lives in ps.c) */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/container.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Run o->fn on every named container, printing what was given (or the ID). */
static int for_each(struct engine *e, char **names, int n, const struct cmd_each *o,
                    bool print_given)
{
    int status = 0;
    for (int i = 0; i < n; i++) {
        struct sk_error err = {0};
        char id[65];
        if (o->fn(e, names[i], o->data, id, &err) < 0) {
            if (o->ignore && err.code == ENOENT)
                continue;
            cmd_fail(&err);
            status = o->status ? o->status(status, &err) : EXIT_ENGINE;
            continue;
        }
        printf("%s\n", print_given ? names[i] : id);
    }
    return status;
}

/* The IDs -a / -l stand for: every container (newest first; only the running
 * ones with running_only), or the newest (none when there is no container). */
static char **target_ids(struct engine *e, bool latest, bool running_only, struct sk_error *err)
{
    char **ids = sk_calloc(1, sizeof(char *));
    if (latest) {
        char id[65];
        int r = engine_container_latest(e, id, err);
        if (r < 0) {
            sk_strv_free(ids);
            return NULL;
        }
        if (r > 0)
            sk_strv_push(&ids, id);
        return ids;
    }
    _cleanup_json_ json_t *list = NULL;
    if (engine_containers_list(e, &list, err) < 0) {
        sk_strv_free(ids);
        return NULL;
    }
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        if (!running_only || strcmp(sk_json_str(c, "status") ?: "", "running") == 0)
            sk_strv_push(&ids, sk_json_str(c, "id"));
    }
    return ids;
}

int cmd_latest(struct engine *e, const char *none, char id[65])
{
    struct sk_error err = {0};
    int r = engine_container_latest(e, id, &err);
    if (r < 0)
        return cmd_fail(&err);
    return r == 0 ? cmd_failf("%s", none) : 0;
}

static int init_one(struct engine *e, const char *what, void *data, char id[65],
                    struct sk_error *err)
{
    (void)data;
    return engine_container_init(e, what, id, err);
}

int cmd_init(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'}, {"latest", no_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    bool all = false, latest = false;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("init"), argc, argv, "alh", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        all = all || ch == 'a';
        latest = latest || ch == 'l';
    }
    struct cmd_each o = {.what = "init", .all = all, .latest = latest, .fn = init_one};
    return cmd_run_on_containers(g, &o, argc - optind, argv + optind);
}

int cmd_run_on_containers(const struct cmd_globals *g, const struct cmd_each *o, int n,
                          char **names)
{
    if (!o->all && !o->latest && n == 0)
        return cmd_failf("%s: requires at least one container name or ID (or --all)", o->what);
    if ((o->all || o->latest) && n > 0)
        return cmd_failf("%s: --all and --latest take no container names", o->what);
    _cleanup_engine_ struct engine *e = NULL;
    int rc = cmd_open_engine(g, &e);
    if (rc)
        return rc;
    if (!o->all && !o->latest)
        return for_each(e, names, n, o, o->print_given);
    struct sk_error err = {0};
    _cleanup_strv_ char **ids = target_ids(e, o->latest, o->running_only, &err);
    if (!ids)
        return cmd_fail(&err);
    return for_each(e, ids, (int)sk_strv_len(ids), o, false);
}

struct rm_opts {
    bool force;
    int timeout;
};

/* podman rm's exit codes: 1 once a container did not exist, else 2 when one
 * is running (or otherwise busy), else 125. */
static int rm_status(int status, const struct sk_error *err)
{
    if (status == 1 || err->code == ENOENT)
        return 1;
    if (err->code == EBUSY)
        return 2;
    return status ? status : EXIT_ENGINE;
}

static int rm_one(struct engine *e, const char *what, void *data, char id[65],
                  struct sk_error *err)
{
    const struct rm_opts *o = data;
    return engine_container_remove(e, what, o->force, o->timeout, id, err);
}

int cmd_rm(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},    {"force", no_argument, NULL, 'f'},
        {"ignore", no_argument, NULL, 'i'}, {"latest", no_argument, NULL, 'l'},
        {"volumes", no_argument, NULL, 'v'}, {"time", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},   {NULL, 0, NULL, 0},
    };
    bool timed = false;
    struct rm_opts o = {.timeout = -1};
    /* Every container is tried: a running one (without --force) or a missing
     * one is reported and the others are still removed. */
    struct cmd_each each = {.what = "rm", .print_given = true, .fn = rm_one, .data = &o,
                            .status = rm_status};
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("rm"), argc, argv, "afilvt:h", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        each.all = each.all || ch == 'a';
        o.force = o.force || ch == 'f';
        each.ignore = each.ignore || ch == 'i';
        each.latest = each.latest || ch == 'l';
        if (ch == 't') {
            if (cmd_parse_seconds("--time", optarg, &o.timeout) < 0)
                return EXIT_ENGINE;
            timed = true;
        }
    }
    if (timed && !o.force)
        return cmd_failf("rm: --force must be specified to use the --time option");
    return cmd_run_on_containers(g, &each, argc - optind, argv + optind);
}

static int umount_one(struct engine *e, const char *what, void *data, char id[65],
                      struct sk_error *err)
{
    return engine_container_unmount(e, what, *(bool *)data, id, err);
}

int cmd_umount(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'}, {"force", no_argument, NULL, 'f'},
        {"latest", no_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool all = false, force = false, latest = false;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("umount"), argc, argv, "aflh", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        all = all || ch == 'a';
        force = force || ch == 'f';
        latest = latest || ch == 'l';
    }
    struct cmd_each o = {.what = "umount", .all = all, .latest = latest, .print_given = true,
                         .fn = umount_one, .data = &force};
    return cmd_run_on_containers(g, &o, argc - optind, argv + optind);
}

int cmd_mount(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},       {"format", required_argument, NULL, 'f'},
        {"notruncate", no_argument, NULL, 'T'}, {"latest", no_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    bool all = false, notrunc = false, latest = false;
    const char *format = NULL;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("mount"), argc, argv, "alh", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        all = all || ch == 'a';
        latest = latest || ch == 'l';
        notrunc = notrunc || ch == 'T';
        if (ch == 'f')
            format = optarg;
    }
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    struct sk_error err = {0};
    _cleanup_strv_ char **targets = NULL;
    bool listing = optind == argc && !all && !latest;
    if (all || latest || listing) {
        if (!(targets = target_ids(e, latest, false, &err)))
            return cmd_fail(&err);
    } else {
        for (int i = optind; i < argc; i++)
            sk_strv_push(&targets, argv[i]);
    }
    _cleanup_json_ json_t *out = json_array();
    int status = 0;
    for (size_t i = 0; targets && targets[i]; i++) {
        _cleanup_json_ json_t *insp = NULL;
        if (listing) { /* only those already mounted */
            if (engine_container_inspect(e, targets[i], &insp, &err) < 0)
                continue;
            const char *merged =
                sk_json_str(json_object_get(json_object_get(insp, "GraphDriver"), "Data"),
                            "MergedDir");
            if (merged) {
                _cleanup_free_ char *note = NULL;
                _cleanup_free_ char *path =
                    engine_mount_caller_path(sk_json_str(insp, "Driver"), merged, &note);
                if (note)
                    cmd_warn(note);
                json_array_append_new(out, json_pack("{s:s, s:[s], s:s}", "id", targets[i],
                                                     "names", sk_json_str(insp, "Name"),
                                                     "mountpoint", path));
            }
            continue;
        }
        _cleanup_free_ char *path = NULL, *note = NULL;
        sk_error_clear(&err);
        if (engine_container_mount(e, targets[i], &path, &note, &err) < 0) {
            status = EXIT_ENGINE;
            cmd_fail(&err);
            continue;
        }
        if (note)
            cmd_warn(note);
        if (all || latest)
            printf("%.*s %s\n", notrunc ? 64 : 12, targets[i], path);
        else
            printf("%s\n", path);
    }
    if (listing) {
        if (format && strcmp(format, "json") == 0) {
            cmd_print_json(out);
        } else {
            size_t k;
            json_t *m;
            json_array_foreach(out, k, m) printf("%.*s %s\n", notrunc ? 64 : 12,
                                                 sk_json_str(m, "id"),
                                                 sk_json_str(m, "mountpoint"));
        }
    }
    return status;
}

/* ---- inspect --------------------------------------------------------------- */

int cmd_container(const struct cmd_globals *g, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_print_usage(cmd_find("container"), argc < 2 ? stderr : stdout);
        return argc < 2 ? cmd_failf("container: missing command") : 0;
    }
    static const struct {
        const char *name;
        int (*run)(const struct cmd_globals *, int, char **);
    } subs[] = {
        {"create", cmd_create}, {"init", cmd_init},   {"mount", cmd_mount},
        {"umount", cmd_umount}, {"unmount", cmd_umount}, {"rm", cmd_rm},
        {"ps", cmd_ps},         {"ls", cmd_ps},       {"list", cmd_ps},
        {"inspect", cmd_container_inspect}, {"exec", cmd_exec},
        {"prune", cmd_container_prune}, {"logs", cmd_logs}, {"top", cmd_top},
    };
    for (size_t i = 0; i < SK_ARRAY_SIZE(subs); i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(g, argc - 1, argv + 1);
    return cmd_failf("unrecognized command `skiff container %s` (see 'skiff container --help')",
                     argv[1]);
}
