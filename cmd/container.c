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

/* Run fn on every named container, printing what was given (or the ID);
 * exit missing_code when a container is not found (podman: 1 for rm, 125
 * for the others), 125 for other failures. */
static int for_each(struct engine *e, char **names, int n, void *data, bool ignore_missing,
                    per_container_fn fn, bool print_given, int missing_code)
{
    int status = 0;
    for (int i = 0; i < n; i++) {
        struct sk_error err = {0};
        char id[65];
        if (fn(e, names[i], data, id, &err) < 0) {
            if (ignore_missing && err.code == ENOENT)
                continue;
            cmd_fail(&err);
            if (status == 0 || status == 1)
                status = err.code == ENOENT ? missing_code : EXIT_ENGINE;
            continue;
        }
        printf("%s\n", print_given ? names[i] : id);
    }
    return status;
}

/* All container IDs, for -a. */
static char **all_ids(struct engine *e, struct sk_error *err)
{
    _cleanup_json_ json_t *list = NULL;
    if (engine_containers_list(e, &list, err) < 0)
        return NULL;
    char **ids = sk_calloc(1, sizeof(char *));
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) sk_strv_push(&ids, sk_json_str(c, "id"));
    return ids;
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
    return cmd_run_on_containers(g, "init", argc - optind, argv + optind, all, latest, NULL,
                                 false, init_one, false, EXIT_ENGINE);
}

int cmd_run_on_containers(const struct cmd_globals *g, const char *what, int n, char **names,
                          bool all, bool latest, void *data, bool ignore,
                          per_container_fn fn, bool print_given, int missing_code)
{
    if (!all && !latest && n == 0)
        return cmd_failf("%s: requires at least one container name or ID (or --all)", what);
    if ((all || latest) && n > 0)
        return cmd_failf("%s: --all and --latest take no container names", what);
    _cleanup_engine_ struct engine *e = NULL;
    int rc = cmd_open_engine(g, &e);
    if (rc)
        return rc;
    if (!all && !latest)
        return for_each(e, names, n, data, ignore, fn, print_given, missing_code);
    struct sk_error err = {0};
    _cleanup_strv_ char **ids = all_ids(e, &err);
    if (!ids)
        return cmd_fail(&err);
    int count = (int)sk_strv_len(ids);
    if (latest && count > 1)
        count = 1; /* newest first */
    return for_each(e, ids, count, data, ignore, fn, false, missing_code);
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

int cmd_rm(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},    {"force", no_argument, NULL, 'f'},
        {"ignore", no_argument, NULL, 'i'}, {"latest", no_argument, NULL, 'l'},
        {"volumes", no_argument, NULL, 'v'}, {"time", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},   {NULL, 0, NULL, 0},
    };
    bool all = false, ignore = false, latest = false, timed = false;
    struct rm_opts o = {.timeout = -1};
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("rm"), argc, argv, "afilvt:h", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        all = all || ch == 'a';
        o.force = o.force || ch == 'f';
        ignore = ignore || ch == 'i';
        latest = latest || ch == 'l';
        if (ch == 't') {
            if (cmd_parse_seconds("--time", optarg, &o.timeout) < 0)
                return EXIT_ENGINE;
            timed = true;
        }
    }
    if (timed && !o.force)
        return cmd_failf("rm: --force must be specified to use the --time option");
    int n = argc - optind;
    if (!all && !latest && n == 0)
        return cmd_failf("rm: requires at least one container name or ID (or --all)");
    if ((all || latest) && n > 0)
        return cmd_failf("rm: --all and --latest take no container names");
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    struct sk_error err = {0};
    _cleanup_strv_ char **targets = NULL;
    if (all || latest) {
        if (!(targets = all_ids(e, &err)))
            return cmd_fail(&err);
        if (latest && targets[0] && targets[1]) { /* newest first */
            free(targets[1]);
            targets[1] = NULL;
        }
    } else {
        for (int i = optind; i < argc; i++)
            sk_strv_push(&targets, argv[i]);
    }
    /* Every container is tried: a running one (without --force) or a missing
     * one is reported and the others are still removed. */
    int status = 0;
    for (size_t i = 0; targets && targets[i]; i++) {
        char id[65];
        sk_error_clear(&err);
        if (engine_container_remove(e, targets[i], o.force, o.timeout, id, &err) < 0) {
            if (ignore && err.code == ENOENT)
                continue;
            cmd_fail(&err);
            status = rm_status(status, &err);
            continue;
        }
        printf("%s\n", all || latest ? id : targets[i]);
    }
    return status;
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
    return cmd_run_on_containers(g, "umount", argc - optind, argv + optind, all, latest, &force,
                                 false, umount_one, true, EXIT_ENGINE);
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
        if (!(targets = all_ids(e, &err)))
            return cmd_fail(&err);
        if (latest && targets[0] && targets[1]) {
            free(targets[1]);
            targets[1] = NULL;
        }
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
