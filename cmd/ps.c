/* skiff ps: list containers as podman does (columns, STATUS wording, filters,
 * templates and JSON). */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "common/util.h"
#include "engine/container.h"
#include "engine/filters.h"
#include "engine/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Go's time.Time{}.Unix(): podman's "never" in ps JSON. */
#define GO_ZERO_UNIX (-62135596800LL)
/* podman truncates COMMAND to this many characters, then "...". */
#define COMMAND_WIDTH 17

static bool time_of(json_t *obj, const char *key, long long *ret_ns)
{
    struct sk_time t;
    const char *s = sk_json_str(obj, key);
    if (!s || sk_time_parse_rfc3339(s, &t) < 0)
        return false;
    *ret_ns = t.ns;
    return true;
}

static long long unix_or_zero(json_t *obj, const char *key)
{
    long long ns;
    return time_of(obj, key, &ns) ? ns / SK_NSEC_PER_SEC : GO_ZERO_UNIX;
}

/* "N ago" of a record time (0 when missing: a long time ago). */
static void human_ago(json_t *obj, const char *key, long long now, char *buf, size_t len)
{
    long long ns = 0;
    time_of(obj, key, &ns);
    char d[48];
    sk_human_duration(now - ns, d, sizeof(d));
    snprintf(buf, len, "%s ago", d);
}

/* podman's STATUS: "Created", "Up 3 seconds", "Exited (0) 2 seconds ago". */
static char *status_text(json_t *c, long long now)
{
    const char *s = sk_json_str(c, "status") ?: "created";
    json_t *state = json_object_get(c, "state");
    char d[48];
    if (strcmp(s, "running") == 0) {
        long long started = 0;
        time_of(state, "startedAt", &started);
        sk_human_duration(now - started, d, sizeof(d));
        return sk_asprintf("Up %s", d);
    }
    if (strcmp(s, "exited") == 0 || strcmp(s, "stopped") == 0) {
        char ago[64];
        human_ago(state, "finishedAt", now, ago, sizeof(ago));
        return sk_asprintf("Exited (%lld) %s", sk_json_int(state, "exitCode", 0), ago);
    }
    char *r = sk_strdup(s);
    r[0] = (char)(r[0] >= 'a' && r[0] <= 'z' ? r[0] - 'a' + 'A' : r[0]);
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
    if (!no_trunc && strlen(s) > COMMAND_WIDTH) {
        char *n = sk_asprintf("%.*s...", COMMAND_WIDTH, s);
        free(s);
        s = n;
    }
    return s;
}

/* The fields of one container, named as podman's ps template fields. */
static json_t *ps_row(struct engine *e, struct engine_ctr_filter *f, json_t *c, bool no_trunc,
                      bool want_labels, long long now)
{
    const char *id = sk_json_str(c, "id") ?: "";
    const char *image_id = sk_json_str(c, "image") ?: "";
    json_t *state = json_object_get(c, "state");
    json_t *config = json_object_get(c, "config");
    const char *status = sk_json_str(c, "status") ?: "created";
    long long created = 0;
    time_of(c, "created", &created);
    char ago[64], created_go[96];
    human_ago(c, "created", now, ago, sizeof(ago));
    sk_time_format_go(created, created_go, sizeof(created_go));
    _cleanup_free_ char *status_str = status_text(c, now);
    _cleanup_free_ char *command = command_text(c, no_trunc);
    bool exited = strcmp(status, "exited") == 0;
    json_t *args = json_object_get(config, "command");
    json_t *row = json_pack(
        "{s:s%, s:s, s:s, s:s%, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b,"
        " s:I, s:I, s:I, s:I, s:o, s:b}",
        "ID", id, no_trunc ? strlen(id) : (size_t)(strlen(id) < 12 ? strlen(id) : 12), "Id", id,
        "Image", sk_json_str(config, "imageName") ?: "", "ImageID", image_id,
        no_trunc ? strlen(image_id) : (size_t)(strlen(image_id) < 12 ? strlen(image_id) : 12),
        "FullImageID", image_id, "Command", command, "CreatedHuman", ago, "RunningFor", ago,
        "CreatedAt", created_go, "Created", created_go, "Status", status_str, "State", status,
        "Ports", "", "Names", sk_json_str(c, "name") ?: "", "ExitCode",
        (json_int_t)(exited ? sk_json_int(state, "exitCode", 0) : 0), "Exited", exited,
        "ExitedAt", (json_int_t)(exited ? unix_or_zero(state, "finishedAt") : GO_ZERO_UNIX),
        "StartedAt", (json_int_t)unix_or_zero(state, "startedAt"), "Pid",
        (json_int_t)engine_container_pid(e, c), "CreatedUnix",
        (json_int_t)(created / SK_NSEC_PER_SEC), "CommandArgs",
        args ? json_incref(args) : json_array(), "AutoRemove",
        json_is_true(json_object_get(json_object_get(config, "flags"), "rm")));
    if (want_labels)
        json_object_set_new(row, "Labels", engine_ctr_filter_labels(f, c));
    return row;
}

/* podman ps --format json: Names and Command as arrays, CreatedAt as the age. */
static json_t *ps_json(json_t *row)
{
    json_t *labels = json_object_get(row, "Labels");
    return json_pack(
        "{s:O, s:O, s:s, s:O, s:b, s:O, s:O, s:O, s:O, s:s, s:O, s:O, s:[], s:[O], s:[], s:O,"
        " s:n, s:O, s:O, s:O, s:O}",
        "AutoRemove", json_object_get(row, "AutoRemove"), "Command",
        json_object_get(row, "CommandArgs"), "CreatedAt", sk_json_str(row, "CreatedHuman"),
        "Exited", json_object_get(row, "Exited"), "IsInfra", 0, "ExitedAt",
        json_object_get(row, "ExitedAt"), "ExitCode", json_object_get(row, "ExitCode"), "Id",
        json_object_get(row, "Id"), "Image", json_object_get(row, "Image"), "ImageID",
        sk_json_str(row, "FullImageID"), "Labels", labels ? labels : json_null(), "Pid",
        json_object_get(row, "Pid"), "Mounts", "Names", json_object_get(row, "Names"),
        "Networks", "StartedAt", json_object_get(row, "StartedAt"), "Ports", "State",
        json_object_get(row, "State"), "Status", json_object_get(row, "Status"), "Created",
        json_object_get(row, "CreatedUnix"), "Size", json_null());
}

int cmd_ps(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},         {"quiet", no_argument, NULL, 'q'},
        {"latest", no_argument, NULL, 'l'},      {"no-trunc", no_argument, NULL, 'T'},
        {"format", required_argument, NULL, 'F'}, {"noheading", no_argument, NULL, 'H'},
        {"last", required_argument, NULL, 'n'},  {"filter", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    bool all = false, quiet = false, latest = false, no_trunc = false, noheading = false;
    const char *format = NULL;
    _cleanup_strv_ char **filters = NULL;
    long last = -1;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("ps"), argc, argv, "aqln:f:h", longopts, &rc)) != -1) {
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
        case 'F':
            format = optarg;
            break;
        case 'f':
            sk_strv_push(&filters, optarg);
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
    if (latest && last >= 0)
        return cmd_failf("last and latest are mutually exclusive");
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    struct sk_error err = {0};
    struct engine_ctr_filter *filter = NULL;
    if (engine_ctr_filter_new(e, filters, sk_strv_len(filters), NULL, &filter, &err) < 0)
        return cmd_fail(&err);
    _cleanup_json_ json_t *list = NULL;
    if (engine_containers_list(e, &list, &err) < 0) {
        engine_ctr_filter_free(filter);
        return cmd_fail(&err);
    }
    if (latest)
        last = 1;
    /* Like podman: a status filter, --last and --latest look at all containers. */
    all = all || last >= 0 || engine_ctr_filter_has(filter, "status");
    bool json = format && strcmp(format, "json") == 0;
    bool want_labels = json || (format && strstr(format, "Label"));
    long long now = sk_now_ns();
    _cleanup_json_ json_t *rows = json_array();
    size_t i;
    json_t *c, *row;
    json_array_foreach(list, i, c) {
        if (!all && strcmp(sk_json_str(c, "status") ?: "", "running") != 0)
            continue;
        if (!engine_ctr_filter_match(filter, c))
            continue;
        if (last >= 0 && (long)json_array_size(rows) >= last)
            break;
        json_array_append_new(rows, ps_row(e, filter, c, no_trunc, want_labels, now));
    }
    engine_ctr_filter_free(filter);
    if (json) {
        _cleanup_json_ json_t *docs = json_array();
        json_array_foreach(rows, i, row) json_array_append_new(docs, ps_json(row));
        cmd_print_json(docs);
        return 0;
    }
    struct cmd_table t = {.min_width = CMD_TABLE_PODMAN_MIN_WIDTH};
    if (!quiet && !format && !noheading)
        cmd_table_add(&t, "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS",
                      "NAMES", NULL);
    json_array_foreach(rows, i, row) {
        if (format) { /* a template wins over --quiet, as podman */
            _cleanup_free_ char *line = cmd_format_row(format, row);
            printf("%s\n", line);
        } else if (quiet) {
            printf("%s\n", sk_json_str(row, "ID"));
        } else {
            cmd_table_add(&t, sk_json_str(row, "ID"), sk_json_str(row, "Image"),
                          sk_json_str(row, "Command"), sk_json_str(row, "CreatedHuman"),
                          sk_json_str(row, "Status"), "", sk_json_str(row, "Names"), NULL);
        }
    }
    cmd_table_print(&t, stdout);
    return 0;
}
