/* skiff system prune, container prune, image prune: podman's prompts and
 * reports. */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "engine/filters.h"
#include "engine/prune.h"

#include <stdio.h>
#include <string.h>

static const struct cmd CONTAINER_PRUNE = {
    "container prune", NULL, "Remove all containers that do not run",
    "skiff container prune [options]\n\n"
    "Options:\n"
    "  --filter KEY=VALUE     only matching containers: label=KEY[=VALUE], label!=..., until=TIME\n"
    "  -f, --force            do not ask for confirmation\n"};
static const struct cmd IMAGE_PRUNE = {
    "image prune", NULL, "Remove images no container uses",
    "skiff image prune [options]\n\n"
    "Options:\n"
    "  -a, --all              every image no container uses, not only those without a name\n"
    "  -f, --force            do not ask for confirmation\n"};
static const struct cmd SYSTEM_PRUNE = {
    "system prune", NULL, "Remove stopped containers and unused images",
    "skiff system prune [options]\n\n"
    "Removes every container that does not run, then the images without a name that no\n"
    "container uses (with --all: every image no container uses).\n\n"
    "Options:\n"
    "  -a, --all              every image no container uses, not only those without a name\n"
    "  --filter KEY=VALUE     containers to remove: label=KEY[=VALUE], label!=..., until=TIME\n"
    "  -f, --force            do not ask for confirmation\n"};

/* The filters container prune accepts, as podman's. */
static const char *const PRUNE_FILTERS[] = {"label", "label!", "until", NULL};

/* Ask on stdout, read the answer from stdin as podman does (a TTY or not);
 * 1 yes, 0 no, -1 no answer at all (end of input: an error, as podman's). */
static int confirm(const char *warning)
{
    printf("%sAre you sure you want to continue? [y/N] ", warning);
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof(line), stdin)) {
        putchar('\n');
        cmd_failf("no answer on standard input (use --force to prune without asking)");
        return -1;
    }
    return line[0] == 'y' || line[0] == 'Y';
}

/* go-units' HumanSize: 4 significant digits, decimal units, no space ("2.081MB"). */
static void human_size(long long bytes, char *buf, size_t len)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1000 && u + 1 < SK_ARRAY_SIZE(units)) {
        v /= 1000;
        u++;
    }
    snprintf(buf, len, "%.4g%s", v, units[u]);
}

struct pruned {
    const char *title; /* "Deleted Containers": printed before the first ID */
    bool titled;
    long long bytes;
    int status;
};

static void on_removed(void *ctx, const char *id, long long bytes)
{
    struct pruned *p = ctx;
    if (p->title && !p->titled) {
        printf("%s\n", p->title);
        p->titled = true;
    }
    printf("%s\n", id);
    p->bytes += bytes;
}

static void on_failed(void *ctx, const struct sk_error *err)
{
    struct pruned *p = ctx;
    p->status = cmd_fail(err);
}

struct prune_args {
    bool all, force;
    char **filters;
    int exit; /* when parsing returns -1 */
};

static int parse(const struct cmd *c, int argc, char **argv, bool with_all, bool with_filter,
                 struct prune_args *a)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},          {"force", no_argument, NULL, 'f'},
        {"filter", required_argument, NULL, 'F'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(c, argc, argv, with_all ? "afh" : "fh", longopts, &rc)) != -1) {
        if (ch == -2 || ((ch == 'a' && !with_all) || (ch == 'F' && !with_filter))) {
            a->exit = ch == -2 ? rc : cmd_failf("unknown flag: %s (see 'skiff %s --help')",
                                                argv[optind - 1], c->name);
            return -1;
        }
        a->all = a->all || ch == 'a';
        a->force = a->force || ch == 'f';
        if (ch == 'F')
            sk_strv_push(&a->filters, optarg);
    }
    if (optind < argc) {
        a->exit = cmd_failf("%s: takes no arguments", c->name);
        return -1;
    }
    return 0;
}

static int prune_containers(struct engine *e, char **filters, struct pruned *p)
{
    struct sk_error err = {0};
    struct engine_ctr_filter *f = NULL;
    if (engine_ctr_filter_new(e, filters, sk_strv_len(filters), PRUNE_FILTERS, &f, &err) < 0)
        return cmd_fail(&err);
    struct engine_prune_report r = {p, on_removed, on_failed};
    int rc = engine_containers_prune(e, f, &r, &err);
    engine_ctr_filter_free(f);
    return rc < 0 ? cmd_fail(&err) : 0;
}

static int prune_images(struct engine *e, bool all, struct pruned *p)
{
    struct sk_error err = {0};
    struct engine_prune_report r = {p, on_removed, on_failed};
    return engine_images_prune(e, all, &r, &err) < 0 ? cmd_fail(&err) : 0;
}

/* Unless forced, the user's yes to warning; then the engine. *ret_engine stays
 * NULL when either says no: the return value is then the exit code. */
static int confirmed_engine(const struct cmd_globals *g, bool force, const char *warning,
                            struct engine **ret_engine)
{
    int ok = force ? 1 : confirm(warning);
    if (ok <= 0)
        return ok < 0 ? EXIT_ENGINE : 0;
    return cmd_open_engine(g, ret_engine);
}

int cmd_container_prune(const struct cmd_globals *g, int argc, char **argv)
{
    struct prune_args a = {0};
    if (parse(&CONTAINER_PRUNE, argc, argv, false, true, &a) < 0) {
        sk_strv_free(a.filters);
        return a.exit;
    }
    _cleanup_strv_ char **filters = a.filters;
    _cleanup_engine_ struct engine *e = NULL;
    int rc = confirmed_engine(g, a.force, "WARNING! This will remove all non running containers.\n",
                              &e);
    if (!e)
        return rc;
    struct pruned p = {0};
    rc = prune_containers(e, filters, &p);
    return rc ? rc : p.status;
}

int cmd_image_prune(const struct cmd_globals *g, int argc, char **argv)
{
    struct prune_args a = {0};
    if (parse(&IMAGE_PRUNE, argc, argv, true, false, &a) < 0) {
        sk_strv_free(a.filters);
        return a.exit;
    }
    _cleanup_engine_ struct engine *e = NULL;
    int rc = confirmed_engine(g, a.force,
                              a.all ? "WARNING! This command removes all images without at least "
                                      "one container associated with them.\n"
                                    : "WARNING! This command removes all dangling images.\n",
                              &e);
    if (!e)
        return rc;
    struct pruned p = {0};
    rc = prune_images(e, a.all, &p);
    return rc ? rc : p.status;
}

static int system_prune(const struct cmd_globals *g, int argc, char **argv)
{
    struct prune_args a = {0};
    if (parse(&SYSTEM_PRUNE, argc, argv, true, true, &a) < 0) {
        sk_strv_free(a.filters);
        return a.exit;
    }
    _cleanup_strv_ char **filters = a.filters;
    _cleanup_free_ char *warning = sk_asprintf(
        "WARNING! This command removes:\n"
        "\t- all stopped containers\n"
        "\t- %s\n\n",
        a.all ? "all images without at least one container associated with them"
              : "all dangling images");
    _cleanup_engine_ struct engine *e = NULL;
    int rc = confirmed_engine(g, a.force, warning, &e);
    if (!e)
        return rc;
    struct pruned containers = {.title = "Deleted Containers"};
    struct pruned images = {.title = "Deleted Images"};
    if ((rc = prune_containers(e, filters, &containers)) ||
        (rc = prune_images(e, a.all, &images)))
        return rc;
    char size[32];
    human_size(containers.bytes + images.bytes, size, sizeof(size));
    printf("Total reclaimed space: %s\n", size);
    return containers.status ? containers.status : images.status;
}

int cmd_system(const struct cmd_globals *g, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_print_usage(cmd_find("system"), argc < 2 ? stderr : stdout);
        return argc < 2 ? cmd_failf("system: missing command") : 0;
    }
    if (strcmp(argv[1], "prune") == 0)
        return system_prune(g, argc - 1, argv + 1);
    return cmd_failf("unrecognized command `skiff system %s` (see 'skiff system --help')",
                     argv[1]);
}
