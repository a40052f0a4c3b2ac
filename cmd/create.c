/* skiff create (and the flag parsing `run` will share) */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/container.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum flag_kind { FLAG_STRING, FLAG_ARRAY, FLAG_BOOL };

/* The container flags: name, short letter, kind. Values go to the spec
 * generator as raw JSON under the long name (engine/spec.h). */
static const struct create_flag {
    const char *name;
    int short_opt;
    enum flag_kind kind;
} CREATE_FLAGS[] = {
    {"name", 0, FLAG_STRING},         {"env", 'e', FLAG_ARRAY},
    {"env-file", 0, FLAG_ARRAY},      {"entrypoint", 0, FLAG_STRING},
    {"workdir", 'w', FLAG_STRING},    {"user", 'u', FLAG_STRING},
    {"group-add", 0, FLAG_ARRAY},     {"hostname", 'h', FLAG_STRING},
    {"volume", 'v', FLAG_ARRAY},      {"mount", 0, FLAG_ARRAY},
    {"tmpfs", 0, FLAG_ARRAY},         {"read-only", 0, FLAG_BOOL},
    {"cap-add", 0, FLAG_ARRAY},       {"cap-drop", 0, FLAG_ARRAY},
    {"privileged", 0, FLAG_BOOL},     {"security-opt", 0, FLAG_ARRAY},
    {"memory", 'm', FLAG_STRING},     {"memory-swap", 0, FLAG_STRING},
    {"cpus", 0, FLAG_STRING},         {"cpu-shares", 'c', FLAG_STRING},
    {"cpuset-cpus", 0, FLAG_STRING},  {"pids-limit", 0, FLAG_STRING},
    {"ulimit", 0, FLAG_ARRAY},        {"sysctl", 0, FLAG_ARRAY},
    {"device", 0, FLAG_ARRAY},        {"label", 'l', FLAG_ARRAY},
    {"annotation", 0, FLAG_ARRAY},    {"network", 0, FLAG_STRING},
    {"publish", 'p', FLAG_ARRAY},     {"publish-all", 'P', FLAG_BOOL},
    {"ipc", 0, FLAG_STRING},          {"pid", 0, FLAG_STRING},
    {"uts", 0, FLAG_STRING},          {"tty", 't', FLAG_BOOL},
    {"interactive", 'i', FLAG_BOOL},  {"stop-signal", 0, FLAG_STRING},
    {"stop-timeout", 0, FLAG_STRING}, {"rm", 0, FLAG_BOOL},
    {"detach", 'd', FLAG_BOOL},
};

/* Flags about getting the image, not the container. */
enum { OPT_PULL = 1000, OPT_PLATFORM, OPT_TLS, OPT_CREDS, OPT_AUTHFILE, OPT_CERTDIR, OPT_HELP,
       OPT_QUIET, OPT_NET_ALIAS };

#define NFLAGS SK_ARRAY_SIZE(CREATE_FLAGS)

static void add_value(json_t *flags, const struct create_flag *f, const char *value)
{
    switch (f->kind) {
    case FLAG_STRING:
        json_object_set_new(flags, f->name, json_string(value));
        break;
    case FLAG_ARRAY: {
        json_t *arr = json_object_get(flags, f->name);
        if (!arr) {
            arr = json_array();
            json_object_set_new(flags, f->name, arr);
        }
        json_array_append_new(arr, json_string(value));
        break;
    }
    case FLAG_BOOL:
        /* the value was checked by cmd_parse_bool ("true"/"false"/"1"/"0") */
        json_object_set_new(flags, f->name,
                            json_boolean(!value || (strcmp(value, "false") != 0 &&
                                                    strcmp(value, "0") != 0)));
        break;
    }
}

int cmd_create_parse(const struct cmd *c, int argc, char **argv, struct cmd_create_args *out)
{
    static struct option longopts[NFLAGS + 16];
    static char shortopts[64];
    size_t n = 0, sn = 0;
    shortopts[sn++] = '+'; /* stop at the image: what follows is the container's command */
    for (size_t i = 0; i < NFLAGS; i++) {
        const struct create_flag *f = &CREATE_FLAGS[i];
        int has_arg = f->kind == FLAG_BOOL ? optional_argument : required_argument;
        longopts[n++] = (struct option){f->name, has_arg, NULL, (int)(2000 + i)};
        if (f->short_opt) {
            shortopts[sn++] = (char)f->short_opt;
            if (f->kind != FLAG_BOOL)
                shortopts[sn++] = ':';
        }
    }
    longopts[n++] = (struct option){"pull", required_argument, NULL, OPT_PULL};
    longopts[n++] = (struct option){"platform", required_argument, NULL, OPT_PLATFORM};
    longopts[n++] = (struct option){"tls-verify", optional_argument, NULL, OPT_TLS};
    longopts[n++] = (struct option){"creds", required_argument, NULL, OPT_CREDS};
    longopts[n++] = (struct option){"authfile", required_argument, NULL, OPT_AUTHFILE};
    longopts[n++] = (struct option){"cert-dir", required_argument, NULL, OPT_CERTDIR};
    longopts[n++] = (struct option){"quiet", no_argument, NULL, 'q'};
    longopts[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
    longopts[n] = (struct option){NULL, 0, NULL, 0};
    shortopts[sn++] = 'q';
    shortopts[sn] = '\0';

    out->flags = json_object();
    out->pull_opts = (struct engine_pull_opts){.tls_verify = -1};
    out->pull = "missing";
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(c, argc, argv, shortopts, longopts, &rc)) != -1) {
        if (ch == -2) {
            out->exit = rc;
            return -1;
        }
        if (ch == OPT_HELP) {
            cmd_print_usage(c, stdout);
            out->exit = 0;
            return -1;
        }
        const struct create_flag *f = NULL;
        if (ch >= 2000 && ch < 2000 + (int)NFLAGS)
            f = &CREATE_FLAGS[ch - 2000];
        for (size_t i = 0; !f && i < NFLAGS; i++)
            if (CREATE_FLAGS[i].short_opt == ch)
                f = &CREATE_FLAGS[i];
        if (f) {
            if (f->kind == FLAG_BOOL && optarg && cmd_parse_bool(f->name, optarg) < 0) {
                out->exit = EXIT_ENGINE;
                return -1;
            }
            add_value(out->flags, f, optarg);
            continue;
        }
        switch (ch) {
        case OPT_PULL:
            out->pull = optarg;
            break;
        case OPT_PLATFORM:
            out->pull_opts.platform = optarg;
            break;
        case OPT_TLS:
            if ((out->pull_opts.tls_verify = cmd_parse_bool("tls-verify", optarg)) < 0) {
                out->exit = EXIT_ENGINE;
                return -1;
            }
            break;
        case OPT_CREDS:
            out->pull_opts.creds = optarg;
            break;
        case OPT_AUTHFILE:
            out->pull_opts.authfile = optarg;
            break;
        case OPT_CERTDIR:
            out->pull_opts.cert_dir = optarg;
            break;
        case 'q':
            out->quiet = true;
            break;
        }
    }
    if (optind >= argc) {
        out->exit = cmd_failf("%s: requires at least one argument: the image", c->name);
        return -1;
    }
    /* create -d (seed 000's `podman create -dt`): accepted; nothing starts. */
    if (strcmp(c->name, "create") == 0)
        json_object_del(out->flags, "detach");
    out->image = argv[optind];
    json_t *command = json_array();
    for (int i = optind + 1; i < argc; i++)
        json_array_append_new(command, json_string(argv[i]));
    json_object_set_new(out->flags, "command", command);
    return 0;
}

void cmd_create_args_clear(struct cmd_create_args *a)
{
    json_decref(a->flags);
    a->flags = NULL;
}

/* Create the container; pulls per --pull with progress unless quiet. */
int cmd_create_container(struct engine *e, struct cmd_create_args *a, char id[65])
{
    struct sk_error err = {0};
    struct engine_create_opts o = {
        .image = a->image, .flags = a->flags, .pull_opts = &a->pull_opts, .warn = cmd_warn};
    if (engine_pull_policy_parse(a->pull, &o.pull, &err) < 0)
        return cmd_fail(&err);
    struct cmd_progress *progress = cmd_progress_new(a->quiet);
    a->pull_opts.events = cmd_progress_events(progress);
    int r = engine_container_create(e, &o, id, &err);
    cmd_progress_free(progress);
    return r < 0 ? cmd_fail(&err) : 0;
}

int cmd_create(const struct cmd_globals *g, int argc, char **argv)
{
    struct cmd_create_args a = {0};
    if (cmd_create_parse(cmd_find("create"), argc, argv, &a) < 0) {
        cmd_create_args_clear(&a);
        return a.exit;
    }
    _cleanup_engine_ struct engine *e = NULL;
    int rc = cmd_open_engine(g, &e);
    char id[65];
    if (rc == 0)
        rc = cmd_create_container(e, &a, id);
    if (rc == 0)
        printf("%s\n", id);
    cmd_create_args_clear(&a);
    return rc;
}
