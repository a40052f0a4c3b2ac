/* skiff logs: a container's output from its log, as podman prints it. */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "common/util.h"
#include "engine/container.h"
#include "engine/logs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct printer {
    bool multi;      /* several containers: each line says whose */
    bool names;      /* ... by name rather than short ID */
    bool timestamps;
    bool follow;     /* show lines as they come: flush each */
    FILE *last;      /* where the previous chunk went */
};

/* stdout records to stdout, stderr records to stderr; switching streams
 * flushes the other, so 2>&1 keeps the order they were written in. */
static void print_chunk(void *ctx, const struct engine_log_chunk *c)
{
    struct printer *p = ctx;
    FILE *out = c->stream == ENGINE_LOG_STDERR ? stderr : stdout;
    if (p->last && p->last != out)
        fflush(p->last);
    p->last = out;
    if (c->line_start && p->multi) {
        if (p->names)
            fprintf(out, "%s ", c->name);
        else
            fprintf(out, "%.12s ", c->id);
    }
    if (c->line_start && p->timestamps) {
        char when[64];
        sk_time_format_log(&c->time, when, sizeof(when));
        fprintf(out, "%s ", when);
    }
    fwrite(c->data, 1, c->len, out);
    if (c->line_end)
        fputc('\n', out);
    if (p->follow || out == stderr)
        fflush(out);
}

static int parse_time_flag(const char *flag, const char *value, bool since, long long *ret)
{
    struct sk_error err = {0};
    if (sk_time_parse_input(value, since, sk_now_ns(), ret, &err) < 0)
        return cmd_failf("parsing --%s \"%s\": %s", flag, value, err.msg);
    return 0;
}

int cmd_logs(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"follow", no_argument, NULL, 'f'},     {"latest", no_argument, NULL, 'l'},
        {"names", no_argument, NULL, 'n'},      {"since", required_argument, NULL, 'S'},
        {"until", required_argument, NULL, 'U'}, {"tail", required_argument, NULL, 'T'},
        {"timestamps", no_argument, NULL, 't'}, {"color", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    struct engine_logs_opts o = {.tail = -1};
    struct printer p = {0};
    bool latest = false;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("logs"), argc, argv, "flnth", longopts, &rc)) != -1) {
        switch (ch) {
        case -2:
            return rc;
        case 'f':
            o.follow = true;
            break;
        case 'l':
            latest = true;
            break;
        case 'n':
            p.names = true;
            break;
        case 't':
            p.timestamps = true;
            break;
        case 'S':
            if (parse_time_flag("since", optarg, true, &o.since_ns))
                return EXIT_ENGINE;
            o.has_since = true;
            break;
        case 'U':
            if (parse_time_flag("until", optarg, false, &o.until_ns))
                return EXIT_ENGINE;
            o.has_until = true;
            break;
        case 'T': {
            char *end = NULL;
            errno = 0;
            long long n = strtoll(optarg, &end, 10);
            if (errno || !*optarg || *end)
                return cmd_failf("invalid argument \"%s\" for \"--tail\" flag: must be an "
                                 "integer",
                                 optarg);
            o.tail = n < 0 ? -1 : n;
            break;
        }
        }
    }
    int n = argc - optind;
    if (latest && n > 0)
        return cmd_failf("--latest and containers cannot be used together");
    if (!latest && n == 0)
        return cmd_failf("specify at least one container name or ID to log");
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    struct sk_error err = {0};
    _cleanup_strv_ char **targets = NULL;
    if (latest) {
        char id[65];
        if ((rc = cmd_latest(e, "no containers to show the logs of", id)))
            return rc;
        sk_strv_push(&targets, id);
    } else {
        for (int i = optind; i < argc; i++)
            sk_strv_push(&targets, argv[i]);
    }
    p.multi = sk_strv_len(targets) > 1;
    p.follow = o.follow;
    o.fn = print_chunk;
    o.ctx = &p;
    if (engine_containers_logs(e, targets, sk_strv_len(targets), &o, &err) < 0)
        return cmd_fail(&err);
    fflush(stdout);
    return 0;
}
