/* skiff top: the processes of a running container, as podman top prints them. */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/container.h"
#include "engine/top.h"

#include <stdio.h>
#include <string.h>

int cmd_top(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"latest", no_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool latest = false;
    int ch, rc = 0;
    optind = 1;
    /* '+': descriptors after the container are not flags */
    while ((ch = cmd_getopt(cmd_find("top"), argc, argv, "+lh", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        latest = latest || ch == 'l';
    }
    if (!latest && optind >= argc)
        return cmd_failf("you must provide the name or id of a running container");
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    struct sk_error err = {0};
    _cleanup_free_ char *target = NULL;
    if (latest) {
        char id[65];
        if ((rc = cmd_latest(e, "no containers to list the processes of", id)))
            return rc;
        target = sk_strdup(id);
    } else {
        target = sk_strdup(argv[optind++]);
    }
    _cleanup_json_ json_t *rows = NULL;
    if (engine_container_top(e, target, argv + optind, (size_t)(argc - optind), &rows, &err) < 0)
        return cmd_fail(&err);
    struct cmd_table t = {.min_width = CMD_TABLE_PODMAN_MIN_WIDTH};
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        size_t n = json_array_size(row);
        char **cells = sk_calloc(n + 1, sizeof(char *));
        for (size_t c = 0; c < n; c++)
            cells[c] = sk_strdup(json_string_value(json_array_get(row, c)));
        cmd_table_add_row(&t, cells);
    }
    cmd_table_print(&t, stdout);
    return 0;
}
