/* skiff info, skiff version */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/rootless.h"
#include "common/util.h"
#include "engine/userns.h"
#include "storage/container.h"

#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char *cgroup_version(void)
{
    struct statfs sf;
    if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
        return "v2";
    return "v1";
}

static int print_format(json_t *doc, const char *format)
{
    if (!format || strcmp(format, "json") == 0) {
        cmd_print_json(doc);
        return 0;
    }
    _cleanup_free_ char *line = cmd_format_row(format, doc);
    printf("%s\n", line);
    return 0;
}

/* Commands whose only flag is -f/--format. -1: return *ret_exit. */
static int parse_format_only(const struct cmd *c, int argc, char **argv, const char **format,
                             int *ret_exit)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    optind = 1;
    while ((ch = cmd_getopt(c, argc, argv, "f:h", longopts, ret_exit)) != -1) {
        if (ch == -2)
            return -1;
        *format = optarg;
    }
    if (optind < argc) {
        *ret_exit = cmd_failf("%s: takes no arguments", c->name);
        return -1;
    }
    return 0;
}

/* YAML-ish, like podman info's default output, for nested objects of scalars. */
static void print_yaml(json_t *j, int depth)
{
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        printf("%*s%s:", depth * 2, "", key);
        if (json_is_object(v)) {
            putchar('\n');
            print_yaml(v, depth + 1);
        } else if (json_is_array(v)) {
            putchar('\n');
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                if (!json_is_object(e)) {
                    printf("%*s- %s\n", depth * 2, "", json_string_value(e) ?: "");
                    continue;
                }
                /* "- k: v" then the other keys under it */
                const char *k2;
                json_t *v2;
                bool first = true;
                json_object_foreach(e, k2, v2) {
                    printf("%*s%s%s: ", depth * 2, "", first ? "- " : "  ", k2);
                    if (json_is_integer(v2))
                        printf("%lld\n", (long long)json_integer_value(v2));
                    else
                        printf("%s\n", json_string_value(v2) ?: "");
                    first = false;
                }
            }
        } else if (json_is_string(v)) {
            printf(" %s\n", json_string_value(v));
        } else if (json_is_integer(v)) {
            printf(" %lld\n", (long long)json_integer_value(v));
        } else {
            printf(" %s\n", json_is_true(v) ? "true" : "false");
        }
    }
}

static json_t *id_mappings(const char *file)
{
    struct userns_mapping m[USERNS_MAX_RANGES + 1];
    size_t n = engine_userns_mappings(file, m, sizeof(m) / sizeof(m[0]));
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:I, s:I, s:I}", "container_id",
                                           (json_int_t)m[i].inside, "host_id",
                                           (json_int_t)m[i].outside, "size",
                                           (json_int_t)m[i].count));
    return a;
}

int cmd_info(const struct cmd_globals *g, int argc, char **argv)
{
    const char *format = NULL;
    int rc = 0;
    if (parse_format_only(cmd_find("info"), argc, argv, &format, &rc) < 0)
        return rc;
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    struct sk_error err = {0};
    _cleanup_json_ json_t *images = NULL;
    if (storage_images_read(e->st, &images, &err) < 0)
        return cmd_fail(&err);
    const struct registry_conf *conf = NULL;
    json_t *search = json_array();
    if (engine_regconf(e, &conf, &err) == 0)
        for (size_t i = 0; conf->search && conf->search[i]; i++)
            json_array_append_new(search, json_string(conf->search[i]));
    struct utsname u;
    uname(&u);
    char hostname[256] = "";
    gethostname(hostname, sizeof(hostname) - 1);
    _cleanup_json_ json_t *containers = NULL;
    if (storage_containers_read(e->st, &containers, &err) < 0)
        return cmd_fail(&err);
    _cleanup_json_ json_t *doc = json_pack(
        "{s:{s:s, s:s, s:s, s:s, s:s, s:b}, s:{s:s, s:s, s:s, s:{s:I}}, s:{s:o}, s:{s:s}}",
        "host", "arch", u.machine, "os", "linux", "kernel", u.release, "hostname", hostname,
        "cgroupVersion", cgroup_version(), "rootless", sk_rootless(), "store", "graphRoot",
        e->st->root, "runRoot", e->st->runroot, "graphDriverName", "overlay", "imageStore",
        "number", (json_int_t)json_array_size(images), "registries", "search", search,
        "version", "Version", SKIFF_VERSION);
    json_t *host = json_object_get(doc, "host"), *store = json_object_get(doc, "store");
    json_object_set_new(store, "graphDriverName", json_string(engine_storage_driver(e)));
    json_object_set_new(store, "containerStore",
                        json_pack("{s:I}", "number", (json_int_t)json_array_size(containers)));
    json_object_set_new(host, "security", json_pack("{s:b}", "rootless", sk_rootless()));
    if (sk_rootless()) /* podman's host.idMappings: the container's IDs -> the host's */
        json_object_set_new(host, "idMappings",
                            json_pack("{s:o, s:o}", "uidmap", id_mappings("uid_map"), "gidmap",
                                      id_mappings("gid_map")));
    if (format)
        return print_format(doc, format);
    print_yaml(doc, 0);
    return 0;
}

int cmd_version(const struct cmd_globals *g, int argc, char **argv)
{
    const char *format = NULL;
    int rc = 0;
    if (parse_format_only(cmd_find("version"), argc, argv, &format, &rc) < 0)
        return rc;
    struct utsname u;
    uname(&u);
    _cleanup_json_ json_t *doc = json_pack("{s:{s:s, s:s, s:s}}", "Client", "Version",
                                           SKIFF_VERSION, "OsArch", "linux", "Built", __DATE__);
    json_object_set_new(json_object_get(doc, "Client"), "OsArch",
                        json_sprintf("linux/%s", strcmp(u.machine, "x86_64") == 0 ? "amd64"
                                                                                  : u.machine));
    if (format)
        return print_format(doc, format);
    json_t *cl = json_object_get(doc, "Client");
    printf("Version:      %s\nBuilt:        %s\nOS/Arch:      %s\n", SKIFF_VERSION,
           sk_json_str(cl, "Built"), sk_json_str(cl, "OsArch"));
    return 0;
}
