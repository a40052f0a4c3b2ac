/* skiff images, image, inspect, rmi, tag */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "common/util.h"
#include "engine/container.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "docker.io/library/busybox:latest" -> repository, tag */
static void split_name(const char *name, char **repo, char **tag)
{
    const char *slash = strrchr(name, '/');
    const char *colon = strrchr(slash ? slash : name, ':');
    *repo = colon ? sk_strndup(name, (size_t)(colon - name)) : sk_strdup(name);
    *tag = sk_strdup(colon ? colon + 1 : "<none>");
}

static long long created_ns(json_t *rec)
{
    struct sk_time t;
    const char *c = sk_json_str(rec, "created");
    if (!c || sk_time_parse_rfc3339(c, &t) < 0)
        return 0;
    return t.ns;
}

static long long created_unix(json_t *rec) { return created_ns(rec) / SK_NSEC_PER_SEC; }

static int by_created_desc(const void *a, const void *b)
{
    long long x = created_ns(*(json_t *const *)a), y = created_ns(*(json_t *const *)b);
    return x < y ? 1 : x > y ? -1 : 0;
}

/* One output row per name (or one <none> row). */
static json_t *image_rows(json_t *rec, bool no_trunc)
{
    json_t *rows = json_array();
    const char *id = sk_json_str(rec, "id");
    long long created = created_unix(rec);
    char since[64], size[32], created_at[64];
    sk_format_ago((long long)time(NULL) - created, since, sizeof(since));
    sk_format_size((double)sk_json_int(rec, "size", 0), size, sizeof(size));
    sk_format_rfc3339(created, 0, created_at, sizeof(created_at));
    json_t *names = json_object_get(rec, "names");
    size_t n = json_array_size(names);
    for (size_t i = 0; i < (n ? n : 1); i++) {
        _cleanup_free_ char *repo = NULL, *tag = NULL;
        if (n) {
            split_name(json_string_value(json_array_get(names, i)), &repo, &tag);
        } else {
            /* untagged (pulled by digest, or its tag moved on): name the repository */
            const char *rd = json_string_value(json_array_get(json_object_get(rec, "repoDigests"), 0));
            const char *at = rd ? strchr(rd, '@') : NULL;
            if (at)
                repo = sk_strndup(rd, (size_t)(at - rd));
        }
        _cleanup_free_ char *full_id = sk_asprintf("sha256:%s", id);
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "Repository",
                            repo ? repo : "<none>", "Tag", tag ? tag : "<none>", "ID",
                            no_trunc ? full_id : id, "Digest", sk_json_str(rec, "digest") ?: "",
                            "CreatedSince", since, "CreatedAt", created_at, "Size", size,
                            "Created", (json_int_t)created));
        json_t *row = json_array_get(rows, json_array_size(rows) - 1);
        if (!no_trunc)
            json_object_set_new(row, "ID", json_sprintf("%.12s", id));
    }
    return rows;
}

static json_t *image_json(struct engine *e, json_t *rec)
{
    _cleanup_json_ json_t *cfg = NULL;
    engine_image_config(e, rec, &cfg, NULL);
    json_t *labels = json_object_get(json_object_get(cfg, "config"), "Labels");
    json_t *names = json_object_get(rec, "names");
    return json_pack("{s:s, s:s, s:O, s:O, s:I, s:I, s:I, s:O, s:i, s:O, s:s, s:I, s:s}", "Id",
                     sk_json_str(rec, "id"), "ParentId", "", "RepoTags", names, "RepoDigests",
                     json_object_get(rec, "repoDigests"), "Size",
                     (json_int_t)sk_json_int(rec, "size", 0), "SharedSize", (json_int_t)0,
                     "VirtualSize", (json_int_t)sk_json_int(rec, "size", 0), "Labels",
                     labels ? labels : json_null(), "Containers", 0, "Names", names, "Digest",
                     sk_json_str(rec, "digest") ?: "", "Created",
                     (json_int_t)created_unix(rec), "CreatedAt", sk_json_str(rec, "created") ?: "");
}

int cmd_images(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},         {"digests", no_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'}, {"no-trunc", no_argument, NULL, 'T'},
        {"noheading", no_argument, NULL, 'n'},   {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const struct cmd *c = cmd_find("images");
    bool digests = false, no_trunc = false, noheading = false, quiet = false;
    const char *format = NULL;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(c, argc, argv, "anqh", longopts, &rc)) != -1) {
        switch (ch) {
        case -2:
            return rc;
        case 'd':
            digests = true;
            break;
        case 'f':
            format = optarg;
            break;
        case 'T':
            no_trunc = true;
            break;
        case 'n':
            noheading = true;
            break;
        case 'q':
            quiet = true;
            break;
        }
    }
    if (argc - optind > 1)
        return cmd_failf("images: at most one image name filter");
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    struct sk_error err = {0};
    _cleanup_json_ json_t *all = NULL, *only = NULL;
    if (storage_images_read(e->st, &all, &err) < 0)
        return cmd_fail(&err);
    if (optind < argc) {
        if (engine_image_lookup(e, argv[optind], &only, &err) < 0) {
            if (err.code != ENOENT)
                return cmd_fail(&err);
            json_array_clear(all);
        } else {
            json_array_clear(all);
            json_array_append(all, only);
        }
    }
    size_t n = json_array_size(all);
    json_t **recs = sk_calloc(n ? n : 1, sizeof(json_t *));
    for (size_t i = 0; i < n; i++)
        recs[i] = json_array_get(all, i);
    qsort(recs, n, sizeof(json_t *), by_created_desc);

    if (format && strcmp(format, "json") == 0) {
        _cleanup_json_ json_t *out = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(out, image_json(e, recs[i]));
        cmd_print_json(out);
        free(recs);
        return 0;
    }
    struct cmd_table t = {.min_width = CMD_TABLE_PODMAN_MIN_WIDTH};
    if (!quiet && !noheading && (!format || cmd_format_is_table(format)) && !format)
        digests ? cmd_table_add(&t, "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE",
                                NULL)
                : cmd_table_add(&t, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", NULL);
    _cleanup_json_ json_t *seen = json_object();
    for (size_t i = 0; i < n; i++) {
        _cleanup_json_ json_t *rows = image_rows(recs[i], no_trunc);
        size_t k;
        json_t *row;
        json_array_foreach(rows, k, row) {
            const char *id = sk_json_str(row, "ID");
            if (quiet) {
                if (!json_object_get(seen, id)) /* one line per image */
                    printf("%s\n", id);
                json_object_set_new(seen, id, json_true());
            } else if (format) {
                _cleanup_free_ char *line = cmd_format_row(format, row);
                printf("%s\n", line);
            } else if (digests) {
                cmd_table_add(&t, sk_json_str(row, "Repository"), sk_json_str(row, "Tag"),
                              sk_json_str(row, "Digest"), id, sk_json_str(row, "CreatedSince"),
                              sk_json_str(row, "Size"), NULL);
            } else {
                cmd_table_add(&t, sk_json_str(row, "Repository"), sk_json_str(row, "Tag"), id,
                              sk_json_str(row, "CreatedSince"), sk_json_str(row, "Size"), NULL);
            }
        }
    }
    cmd_table_print(&t, stdout);
    free(recs);
    return 0;
}

enum inspect_type { INSPECT_ALL, INSPECT_IMAGE, INSPECT_CONTAINER };

static int inspect_any(const struct cmd_globals *g, const struct cmd *c, int argc, char **argv,
                       enum inspect_type type)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"type", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *format = NULL;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(c, argc, argv, "f:t:h", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        if (ch == 'f')
            format = optarg;
        if (ch == 't') {
            if (strcmp(optarg, "image") == 0)
                type = INSPECT_IMAGE;
            else if (strcmp(optarg, "container") == 0)
                type = INSPECT_CONTAINER;
            else if (strcmp(optarg, "all") == 0)
                type = INSPECT_ALL;
            else
                return cmd_failf("invalid type \"%s\": must be container, image or all",
                                 optarg);
        }
    }
    if (optind >= argc)
        return cmd_failf("%s: requires at least one name", c->name);
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    _cleanup_json_ json_t *out = json_array();
    int status = 0;
    for (int i = optind; i < argc; i++) {
        struct sk_error err = {0};
        json_t *doc = NULL;
        int r = -1;
        if (type != INSPECT_IMAGE)
            r = engine_container_inspect(e, argv[i], &doc, &err);
        if (r < 0 && type != INSPECT_CONTAINER &&
            (type == INSPECT_IMAGE || err.code == ENOENT)) {
            sk_error_clear(&err);
            r = engine_image_inspect(e, argv[i], &doc, &err);
            if (r < 0 && type == INSPECT_ALL && err.code == ENOENT)
                sk_error_set(&err, ENOENT, "no such object: \"%s\"", argv[i]);
        }
        if (r < 0) {
            status = cmd_fail(&err);
            continue;
        }
        json_array_append_new(out, doc);
    }
    if (format && strcmp(format, "json") != 0) {
        size_t i;
        json_t *doc;
        json_array_foreach(out, i, doc) {
            _cleanup_free_ char *line = cmd_format_row(format, doc);
            printf("%s\n", line);
        }
    } else {
        cmd_print_json(out);
    }
    return status;
}

int cmd_inspect(const struct cmd_globals *g, int argc, char **argv)
{
    return inspect_any(g, cmd_find("inspect"), argc, argv, INSPECT_ALL);
}

int cmd_container_inspect(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct cmd c = {"container inspect", NULL, "Display a container's configuration",
                                 "skiff container inspect [options] CONTAINER [CONTAINER...]\n\n"
                                 "Options:\n"
                                 "  -f, --format FORMAT    \"json\" or a Go template\n"};
    return inspect_any(g, &c, argc, argv, INSPECT_CONTAINER);
}

int cmd_image_inspect(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct cmd c = {"image inspect", NULL, "Display an image's configuration",
                                 "skiff image inspect [options] IMAGE [IMAGE...]\n\n"
                                 "Options:\n"
                                 "  -f, --format FORMAT    \"json\" or a Go template\n"};
    return inspect_any(g, &c, argc, argv, INSPECT_IMAGE);
}

static void report_untagged(void *ctx, const char *name) { printf("Untagged: %s\n", name); }
static void report_deleted(void *ctx, const char *id) { printf("Deleted: %s\n", id); }

int cmd_rmi(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},    {"force", no_argument, NULL, 'f'},
        {"ignore", no_argument, NULL, 'i'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const struct cmd *c = cmd_find("rmi");
    bool all = false, force = false, ignore = false;
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(c, argc, argv, "afih", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        all = all || ch == 'a';
        force = force || ch == 'f';
        ignore = ignore || ch == 'i';
    }
    if (all && optind < argc)
        return cmd_failf("rmi: when using the --all switch, you may not pass any images names "
                         "or IDs");
    if (!all && optind >= argc)
        return cmd_failf("rmi: image name or ID must be specified");
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    struct engine_rmi_report report = {NULL, report_untagged, report_deleted};
    _cleanup_strv_ char **targets = NULL;
    struct sk_error err = {0};
    if (all) {
        _cleanup_json_ json_t *images = NULL;
        if (storage_images_read(e->st, &images, &err) < 0)
            return cmd_fail(&err);
        size_t i;
        json_t *img;
        json_array_foreach(images, i, img) sk_strv_push(&targets, sk_json_str(img, "id"));
    } else {
        for (int i = optind; i < argc; i++)
            sk_strv_push(&targets, argv[i]);
    }
    /* podman's exit codes: 1 once an image did not exist, else 2 when one is
     * in use by a container, else 125. */
    int status = 0;
    for (size_t i = 0; targets && targets[i]; i++) {
        sk_error_clear(&err);
        /* -a removes every name of an image, but without --force leaves the
         * images containers use (and their containers) alone. */
        int r = all && !force ? engine_image_remove_unused(e, targets[i], &report, &err)
                              : engine_image_remove(e, targets[i], force, &report, &err);
        if (r == 0)
            continue;
        if (ignore && err.code == ENOENT)
            continue;
        cmd_fail(&err);
        if (status == 1 || err.code == ENOENT)
            status = 1;
        else if (err.code == EBUSY)
            status = 2;
        else if (!status)
            status = EXIT_ENGINE;
    }
    return status;
}

int cmd_tag(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const struct cmd *c = cmd_find("tag");
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(c, argc, argv, "h", longopts, &rc)) != -1)
        if (ch == -2)
            return rc;
    if (argc - optind < 2)
        return cmd_failf("tag: requires an image and at least one target name");
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    for (int i = optind + 1; i < argc; i++) {
        struct sk_error err = {0};
        if (engine_image_tag(e, argv[optind], argv[i], &err) < 0)
            return cmd_fail(&err);
    }
    return 0;
}

int cmd_image(const struct cmd_globals *g, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmd_print_usage(cmd_find("image"), argc < 2 ? stderr : stdout);
        return argc < 2 ? cmd_failf("image: missing command") : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
        return cmd_images(g, argc - 1, argv + 1);
    if (strcmp(sub, "inspect") == 0)
        return cmd_image_inspect(g, argc - 1, argv + 1);
    if (strcmp(sub, "rm") == 0)
        return cmd_rmi(g, argc - 1, argv + 1);
    if (strcmp(sub, "pull") == 0)
        return cmd_pull(g, argc - 1, argv + 1);
    if (strcmp(sub, "tag") == 0)
        return cmd_tag(g, argc - 1, argv + 1);
    if (strcmp(sub, "prune") == 0)
        return cmd_image_prune(g, argc - 1, argv + 1);
    return cmd_failf("unrecognized command `skiff image %s` (see 'skiff image --help')", sub);
}
