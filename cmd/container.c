/* skiff init, mount, umount, rm, ps, container inspect */
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
    if (all && argc == optind) { /* rm -a with nothing to remove is fine */
        _cleanup_engine_ struct engine *e = NULL;
        if ((rc = cmd_open_engine(g, &e)))
            return rc;
    }
    return cmd_run_on_containers(g, "rm", argc - optind, argv + optind, all, latest, &o, ignore,
                                 rm_one, true, 1);
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
            if (merged)
                json_array_append_new(out, json_pack("{s:s, s:[s], s:s}", "id", targets[i],
                                                     "names", sk_json_str(insp, "Name"),
                                                     "mountpoint", merged));
            continue;
        }
        _cleanup_free_ char *merged = NULL;
        sk_error_clear(&err);
        if (engine_container_mount(e, targets[i], &merged, &err) < 0) {
            status = EXIT_ENGINE;
            cmd_fail(&err);
            continue;
        }
        if (all || latest)
            printf("%.*s %s\n", notrunc ? 64 : 12, targets[i], merged);
        else
            printf("%s\n", merged);
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

/* ---- ps ------------------------------------------------------------------- */

static long long since_epoch(const char *rfc3339)
{
    long long t = 0;
    if (!rfc3339 || sk_parse_rfc3339(rfc3339, &t) < 0)
        return 0;
    return t;
}

static char *status_text(json_t *c)
{
    const char *s = sk_json_str(c, "status");
    if (!s || strcmp(s, "created") == 0)
        return sk_strdup("Created");
    if (strcmp(s, "initialized") == 0)
        return sk_strdup("Initialized");
    json_t *state = json_object_get(c, "state");
    if (strcmp(s, "exited") == 0) {
        char ago[64];
        long long fin = since_epoch(sk_json_str(state, "finishedAt"));
        sk_format_ago((long long)time(NULL) - fin, ago, sizeof(ago));
        return sk_asprintf("Exited (%lld) %s", sk_json_int(state, "exitCode", 0), ago);
    }
    if (strcmp(s, "running") == 0) {
        char ago[64];
        long long st = since_epoch(sk_json_str(state, "startedAt"));
        sk_format_ago((long long)time(NULL) - st, ago, sizeof(ago));
        return sk_asprintf("Up %.*s", (int)(strlen(ago) > 4 ? strlen(ago) - 4 : strlen(ago)), ago);
    }
    char *r = sk_strdup(s);
    r[0] = (char)(r[0] >= 'a' && r[0] <= 'z' ? r[0] - 32 : r[0]);
    return r;
}

static char *command_text(json_t *c, bool no_trunc)
{
    json_t *cmd = json_object_get(json_object_get(c, "config"), "command");
    char *s = sk_strdup("");
    size_t i;
    json_t *a;
    json_array_foreach(cmd, i, a) {
        char *n = sk_asprintf("%s%s%s", s, i ? " " : "", json_string_value(a) ?: "");
        free(s);
        s = n;
    }
    if (!no_trunc && strlen(s) > 20) {
        s[17] = s[18] = s[19] = '.';
        s[20] = '\0';
    }
    return s;
}

static json_t *ps_row(json_t *c, bool no_trunc)
{
    const char *id = sk_json_str(c, "id");
    long long created = since_epoch(sk_json_str(c, "created"));
    char ago[64];
    sk_format_ago((long long)time(NULL) - created, ago, sizeof(ago));
    _cleanup_free_ char *status = status_text(c);
    _cleanup_free_ char *command = command_text(c, no_trunc);
    json_t *config = json_object_get(c, "config");
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "ID",
                     no_trunc ? id : "", "Image", sk_json_str(config, "imageName") ?: "",
                     "Command", command, "CreatedHuman", ago, "Status", status, "Ports", "",
                     "Names", sk_json_str(c, "name") ?: "", "State", sk_json_str(c, "status"),
                     "Created", (json_int_t)created, "ImageID", sk_json_str(c, "image") ?: "");
}

/* podman ps --format json: Names and Command as arrays, times as numbers and text. */
static json_t *ps_json(json_t *row)
{
    return json_pack("{s:s, s:s, s:s, s:O, s:s, s:I, s:s, s:s, s:[s], s:[]}", "Id",
                     sk_json_str(row, "Id"), "Image", sk_json_str(row, "Image"), "ImageID",
                     sk_json_str(row, "ImageID"), "Command",
                     json_object_get(row, "CommandArgs"), "CreatedAt",
                     sk_json_str(row, "CreatedAt") ?: "", "Created",
                     (json_int_t)sk_json_int(row, "Created", 0), "State",
                     sk_json_str(row, "State") ?: "created", "Status", sk_json_str(row, "Status"),
                     "Names", sk_json_str(row, "Names"), "Ports");
}

int cmd_ps(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},       {"quiet", no_argument, NULL, 'q'},
        {"latest", no_argument, NULL, 'l'},    {"no-trunc", no_argument, NULL, 'T'},
        {"format", required_argument, NULL, 'f'}, {"noheading", no_argument, NULL, 'H'},
        {"last", required_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool all = false, quiet = false, latest = false, no_trunc = false, noheading = false;
    const char *format = NULL;
    long last = -1;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("ps"), argc, argv, "aqln:h", longopts, &rc)) != -1) {
        switch (ch) {
        case -2:
            return rc;
        case 'a':
            all = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'l':
            latest = true;
            break;
        case 'T':
            no_trunc = true;
            break;
        case 'f':
            format = optarg;
            break;
        case 'H':
            noheading = true;
            break;
        case 'n': {
            char *end;
            last = strtol(optarg, &end, 10);
            if (*end || last < 0)
                return cmd_failf("invalid argument \"%s\" for \"--last\"", optarg);
            break;
        }
        }
    }
    if (optind < argc)
        return cmd_failf("ps: takes no arguments");
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    struct sk_error err = {0};
    _cleanup_json_ json_t *list = NULL;
    if (engine_containers_list(e, &list, &err) < 0)
        return cmd_fail(&err);
    if (latest)
        last = 1;
    _cleanup_json_ json_t *rows = json_array();
    size_t i;
    json_t *c, *row;
    json_array_foreach(list, i, c) {
        const char *st = sk_json_str(c, "status");
        bool running = st && strcmp(st, "running") == 0;
        if (!all && !latest && last < 0 && !running)
            continue;
        if (last >= 0 && (long)json_array_size(rows) >= last)
            break;
        row = ps_row(c, no_trunc);
        char short_id[13];
        snprintf(short_id, sizeof(short_id), "%.12s", sk_json_str(c, "id"));
        json_object_set_new(row, "ID", json_string(no_trunc ? sk_json_str(c, "id") : short_id));
        json_object_set_new(row, "Id", json_string(sk_json_str(c, "id")));
        json_t *args = json_object_get(json_object_get(c, "config"), "command");
        json_object_set_new(row, "CommandArgs", args ? json_incref(args) : json_array());
        json_object_set_new(row, "CreatedAt", json_string(sk_json_str(c, "created") ?: ""));
        json_array_append_new(rows, row);
    }
    if (format && strcmp(format, "json") == 0) {
        _cleanup_json_ json_t *docs = json_array();
        json_array_foreach(rows, i, row) json_array_append_new(docs, ps_json(row));
        cmd_print_json(docs);
        return 0;
    }
    struct cmd_table t = {0};
    if (!quiet && !format && !noheading)
        cmd_table_add(&t, "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS",
                      "NAMES", NULL);
    json_array_foreach(rows, i, row) {
        if (quiet) {
            printf("%s\n", sk_json_str(row, "ID"));
        } else if (format) {
            _cleanup_free_ char *line = cmd_format_row(format, row);
            printf("%s\n", line);
        } else {
            cmd_table_add(&t, sk_json_str(row, "ID"), sk_json_str(row, "Image"),
                          sk_json_str(row, "Command"), sk_json_str(row, "CreatedHuman"),
                          sk_json_str(row, "Status"), "", sk_json_str(row, "Names"), NULL);
        }
    }
    cmd_table_print(&t, stdout);
    return 0;
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
        {"inspect", cmd_container_inspect},
        {"exec", cmd_exec},
    };
    for (size_t i = 0; i < SK_ARRAY_SIZE(subs); i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(g, argc - 1, argv + 1);
    return cmd_failf("unrecognized command `skiff container %s` (see 'skiff container --help')",
                     argv[1]);
}
