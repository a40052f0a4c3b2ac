/* Unit tests for storage/container.c and storage/overlay.c: container records,
 * names, removal, and the rootfs mount with both drivers against the real
 * kernel. Runs as root. Layers are made by hand under <root>/layers/<hex>/ in
 * the overlay format the unpacker produces (whiteouts are 0/0 character
 * devices, opaque directories carry trusted.overlay.opaque=y).
 *
 * test_bench_1000 prints how long 1000 creates and reading 1000 records take. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "storage/container.h"
#include "storage/store.h"

#define BASE_TEMPLATE "/var/tmp/skiff-test-container-XXXXXX"

struct fixture {
    char base[64];
    char *root, *runroot;
    struct storage *st;
};

static int setup(void **state)
{
    struct fixture *f = sk_calloc(1, sizeof(*f));
    strcpy(f->base, BASE_TEMPLATE);
    if (!mkdtemp(f->base))
        return -1;
    f->root = sk_asprintf("%s/root", f->base);
    f->runroot = sk_asprintf("%s/run", f->base);
    *state = f;
    return storage_open(f->root, f->runroot, &f->st, NULL);
}

/* Whatever a failed test left mounted under base goes before the rm -rf. */
static void unmount_all_under(const char *base)
{
    for (int round = 0; round < 10; round++) {
        _cleanup_fclose_ FILE *mi = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        bool any = false;
        while (mi && getline(&line, &cap, mi) > 0) {
            char mp[4096];
            if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && sk_str_has_prefix(mp, base)) {
                umount2(mp, MNT_DETACH);
                any = true;
            }
        }
        if (!any)
            return;
    }
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    storage_close(f->st);
    unmount_all_under(f->base);
    sk_rm_rf(f->base, NULL);
    free(f->root);
    free(f->runroot);
    free(f);
    return 0;
}

/* ---- helpers ---------------------------------------------------------------- */

static void write_text(const char *dir, const char *rel, const char *text)
{
    _cleanup_free_ char *p = sk_asprintf("%s/%s", dir, rel);
    _cleanup_free_ char *parent = sk_strdup(p);
    *strrchr(parent, '/') = '\0';
    assert_int_equal(sk_mkdir_p(parent, 0755, NULL), 0);
    assert_int_equal(sk_write_file_atomic(p, text, strlen(text), 0644, NULL), 0);
}

static char *read_text(const char *dir, const char *rel)
{
    _cleanup_free_ char *p = sk_asprintf("%s/%s", dir, rel);
    char *data = NULL;
    if (sk_read_file(p, &data, NULL, NULL) < 0)
        return NULL;
    return data;
}

static bool exists_in(const char *dir, const char *rel)
{
    _cleanup_free_ char *p = sk_asprintf("%s/%s", dir, rel);
    return sk_path_exists(p);
}

static void assert_text(const char *dir, const char *rel, const char *want)
{
    _cleanup_free_ char *got = read_text(dir, rel);
    if (!got)
        fail_msg("%s/%s is missing", dir, rel);
    assert_string_equal(got, want);
}

/* Sorted names in a directory, joined with spaces. */
static char *list_dir(const char *dir, const char *rel)
{
    _cleanup_free_ char *p = sk_asprintf("%s/%s", dir, rel);
    struct dirent **ents = NULL;
    int n = scandir(p, &ents, NULL, alphasort);
    assert_true(n >= 0);
    char *out = sk_strdup("");
    for (int i = 0; i < n; i++) {
        if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
            char *next = sk_asprintf("%s%s%s", out, *out ? " " : "", ents[i]->d_name);
            free(out);
            out = next;
        }
        free(ents[i]);
    }
    free(ents);
    return out;
}

/* A layer in the store, as storage_layer_commit leaves it; returns its diff_id. */
static char *layer_new(struct fixture *f, const char *seed, char **ret_diff)
{
    char digest[SK_DIGEST_MAX];
    sk_digest_buffer(SK_DIGEST_SHA256, seed, strlen(seed), digest);
    _cleanup_free_ char *dir = sk_asprintf("%s/layers/%s", f->root, sk_digest_hex(digest));
    char *diff = sk_asprintf("%s/diff", dir);
    assert_int_equal(sk_mkdir_p(diff, 0755, NULL), 0);
    _cleanup_free_ char *meta = sk_asprintf("{\"diffID\":\"%s\",\"size\":0}", digest);
    write_text(dir, "layer.json", meta);
    if (ret_diff)
        *ret_diff = diff;
    else
        free(diff);
    return sk_strdup(digest);
}

static json_t *create_ok(struct fixture *f, const char *name, json_t *layers,
                         enum storage_driver driver)
{
    struct sk_error err = {0};
    struct storage_container_new in = {
        .name = name,
        .image_id = "1111111111111111111111111111111111111111111111111111111111111111",
        .layers = layers,
        .config = NULL,
        .driver = driver,
    };
    json_t *rec = NULL;
    if (storage_container_create(f->st, &in, &rec, &err) < 0)
        fail_msg("create %s: %s", name ?: "(generated name)", err.msg);
    return rec;
}

static const char *id_of(json_t *rec)
{
    return sk_json_str(rec, "id");
}

static char *container_path(struct fixture *f, json_t *rec, const char *sub)
{
    return sk_asprintf("%s/overlay-containers/%s/%s", f->root, id_of(rec), sub);
}

/* The filesystem type mounted on path ("overlay", "fuse.fuse-overlayfs"), or NULL. */
static char *mount_type(const char *path)
{
    _cleanup_free_ char *real = realpath(path, NULL);
    _cleanup_fclose_ FILE *mi = fopen("/proc/self/mountinfo", "re");
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    while (real && mi && getline(&line, &cap, mi) > 0) {
        char mp[4096], type[64];
        const char *sep = strstr(line, " - ");
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strcmp(mp, real) == 0 && sep &&
            sscanf(sep, " - %63s", type) == 1)
            return sk_strdup(type);
    }
    return NULL;
}

static bool is_mounted(const char *path)
{
    _cleanup_free_ char *type = mount_type(path);
    return type != NULL;
}

static size_t count_entries(const char *dir)
{
    _cleanup_closedir_ DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    return n;
}

/* The target of <root>/names/<name>, or NULL. */
static char *name_link(struct fixture *f, const char *name)
{
    _cleanup_free_ char *p = sk_asprintf("%s/names/%s", f->root, name);
    char target[256];
    ssize_t n = readlink(p, target, sizeof(target) - 1);
    if (n < 0)
        return NULL;
    target[n] = '\0';
    return sk_strdup(target);
}

static void assert_name_link(struct fixture *f, const char *name, const char *id)
{
    _cleanup_free_ char *target = name_link(f, name);
    if (!id) {
        if (target)
            fail_msg("names/%s -> %s is left", name, target);
        return;
    }
    if (!target)
        fail_msg("names/%s is missing", name);
    assert_string_equal(target, id);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- records, names, lookup --------------------------------------------------- */

static void test_create_lookup(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *l1 = layer_new(f, "base", NULL);
    _cleanup_json_ json_t *layers = json_pack("[s]", l1);
    _cleanup_json_ json_t *rec = create_ok(f, "web", layers, STORAGE_DRIVER_OVERLAY);

    const char *id = id_of(rec);
    assert_int_equal(strlen(id), 64);
    assert_int_equal(strspn(id, "0123456789abcdef"), 64);
    assert_string_equal(sk_json_str(rec, "name"), "web");
    assert_string_equal(sk_json_str(rec, "driver"), "overlay");
    assert_non_null(sk_json_str(rec, "created"));
    assert_true(json_equal(json_object_get(rec, "layers"), layers));
    assert_true(json_is_object(json_object_get(rec, "state")));
    assert_true(storage_image_in_use(
        f->st, "sha256:1111111111111111111111111111111111111111111111111111111111111111"));
    assert_false(storage_image_in_use(
        f->st, "2222222222222222222222222222222222222222222222222222222222222222"));

    /* the directory, with the modes the runtime and overlay expect */
    _cleanup_free_ char *dir = storage_container_dir(f->st, id);
    struct stat sb;
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0700);
    _cleanup_free_ char *diff = container_path(f, rec, "diff");
    assert_int_equal(stat(diff, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0755);
    _cleanup_free_ char *userdata = storage_container_userdata(f->st, id);
    assert_true(sk_path_exists(userdata));
    assert_true(exists_in(dir, "work") && exists_in(dir, "merged"));

    struct sk_error err = {0};
    const char *forms[] = {id, "web", NULL};
    char prefix[13];
    snprintf(prefix, sizeof(prefix), "%s", id);
    forms[2] = prefix;
    for (size_t i = 0; i < SK_ARRAY_SIZE(forms); i++) {
        _cleanup_json_ json_t *got = NULL;
        if (storage_container_lookup(f->st, forms[i], &got, &err) < 0)
            fail_msg("lookup %s: %s", forms[i], err.msg);
        assert_string_equal(id_of(got), id);
    }
    json_t *none = NULL;
    assert_int_equal(storage_container_lookup(f->st, "nope", &none, &err), -1);
    assert_int_equal(err.code, ENOENT);
    assert_string_equal(err.msg, "no container with name or ID \"nope\" found");
    assert_int_equal(storage_container_lookup(f->st, "", &none, &err), -1);
    assert_int_equal(err.code, ENOENT);

    /* 17 more containers: two of the 18 IDs share their first hex digit */
    _cleanup_json_ json_t *all = NULL;
    for (int i = 0; i < 17; i++)
        json_decref(create_ok(f, NULL, layers, STORAGE_DRIVER_OVERLAY));
    assert_int_equal(storage_containers_read(f->st, &all, NULL), 0);
    assert_int_equal(json_array_size(all), 18);
    int seen[16] = {0};
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r) {
        seen[strchr("0123456789abcdef", id_of(r)[0]) - "0123456789abcdef"]++;
    }
    for (int d = 0; d < 16; d++) {
        if (seen[d] < 2)
            continue;
        char one[2] = {"0123456789abcdef"[d], 0};
        assert_int_equal(storage_container_lookup(f->st, one, &none, &err), -1);
        assert_int_equal(err.code, EINVAL);
        assert_non_null(strstr(err.msg, "more than one container"));
        break;
    }
}

static void test_names(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *first = create_ok(f, "db", NULL, STORAGE_DRIVER_OVERLAY);
    assert_name_link(f, "db", id_of(first));
    struct sk_error err = {0};
    struct storage_container_new in = {.name = "db", .image_id = "ab"};
    json_t *rec = NULL;
    assert_int_equal(storage_container_create(f->st, &in, &rec, &err), -1);
    assert_int_equal(err.code, EEXIST);
    _cleanup_free_ char *want =
        sk_asprintf("the container name \"db\" is already in use by %s. You have to remove that "
                    "container to be able to reuse that name",
                    id_of(first));
    assert_string_equal(err.msg, want);

    const char *bad[] = {"", "-x", "_x", ".x", "a b", "a/b", "a:b", "ü"};
    for (size_t i = 0; i < SK_ARRAY_SIZE(bad); i++) {
        in.name = bad[i];
        assert_int_equal(storage_container_create(f->st, &in, &rec, &err), -1);
        assert_int_equal(err.code, EINVAL);
    }
    in.name = "A.b-c_9";
    assert_int_equal(storage_container_create(f->st, &in, &rec, &err), 0);
    json_decref(rec);

    /* generated names: adjective_noun, all different */
    _cleanup_json_ json_t *names = json_object();
    for (int i = 0; i < 150; i++) {
        _cleanup_json_ json_t *g = create_ok(f, NULL, NULL, STORAGE_DRIVER_OVERLAY);
        const char *name = sk_json_str(g, "name");
        const char *us = strchr(name, '_');
        assert_non_null(us);
        assert_true(us > name && us[1] != '\0');
        assert_null(json_object_get(names, name));
        json_object_set_new(names, name, json_true());
        assert_name_link(f, name, id_of(g));
    }
    /* nothing left behind in the workspace or elsewhere */
    _cleanup_free_ char *oc = sk_asprintf("%s/overlay-containers", f->root);
    assert_int_equal(count_entries(oc), 152);
    _cleanup_free_ char *nd = sk_asprintf("%s/names", f->root);
    assert_int_equal(count_entries(nd), 152);
    assert_non_null(f->st->tmpdir);
    assert_int_equal(count_entries(f->st->tmpdir), 0);
}

static void test_update(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *a = create_ok(f, "xa", NULL, STORAGE_DRIVER_OVERLAY);
    _cleanup_json_ json_t *b = create_ok(f, "xb", NULL, STORAGE_DRIVER_OVERLAY);
    struct sk_error err = {0};
    _cleanup_json_ json_t *ch1 =
        json_pack("{s:{s:s, s:i}}", "state", "status", "running", "pid", 42);
    assert_int_equal(storage_container_update(f->st, id_of(a), ch1, &err), 0);
    _cleanup_json_ json_t *ch2 = json_pack("{s:s}", "extra", "x");
    assert_int_equal(storage_container_update(f->st, id_of(a), ch2, &err), 0);
    _cleanup_json_ json_t *got = NULL;
    assert_int_equal(storage_container_lookup(f->st, "xa", &got, &err), 0);
    assert_string_equal(sk_json_str(json_object_get(got, "state"), "status"), "running");
    assert_string_equal(sk_json_str(got, "extra"), "x");
    assert_string_equal(sk_json_str(got, "image"), sk_json_str(a, "image"));
    /* the other record is untouched */
    _cleanup_json_ json_t *gb = NULL;
    assert_int_equal(storage_container_lookup(f->st, "xb", &gb, &err), 0);
    assert_true(json_equal(gb, b));

    _cleanup_json_ json_t *taken = json_pack("{s:s}", "name", "xb");
    assert_int_equal(storage_container_update(f->st, id_of(a), taken, &err), -1);
    assert_int_equal(err.code, EEXIST);
    _cleanup_json_ json_t *newid = json_pack("{s:s}", "id", id_of(b));
    assert_int_equal(storage_container_update(f->st, id_of(a), newid, &err), -1);
    _cleanup_json_ json_t *rename = json_pack("{s:s}", "name", "xc");
    assert_int_equal(storage_container_update(f->st, id_of(a), rename, &err), 0);
    _cleanup_json_ json_t *gc = NULL;
    assert_int_equal(storage_container_lookup(f->st, "xc", &gc, &err), 0);
    assert_string_equal(id_of(gc), id_of(a));
    assert_name_link(f, "xc", id_of(a));
    assert_name_link(f, "xa", NULL);
    json_t *none = NULL;
    assert_int_equal(storage_container_lookup(f->st, "xa", &none, &err), -1);
    assert_int_equal(err.code, ENOENT);
    /* the old name is free, the unchanged one still works (names that are not
     * hex, so they can never match as ID prefixes) */
    json_decref(create_ok(f, "xa", NULL, STORAGE_DRIVER_OVERLAY));
    _cleanup_json_ json_t *same = json_pack("{s:s, s:s}", "name", "xc", "extra", "y");
    assert_int_equal(storage_container_update(f->st, "xc", same, &err), 0);
    assert_name_link(f, "xc", id_of(a));
    assert_int_equal(storage_container_update(f->st, "nope", ch2, &err), -1);
    assert_int_equal(err.code, ENOENT);
}

static void test_remove(void **state)
{
    struct fixture *f = *state;
    char *ldiff = NULL;
    _cleanup_free_ char *l1 = layer_new(f, "base", &ldiff);
    _cleanup_free_ char *ldiff_owned = ldiff;
    write_text(ldiff, "etc/os-release", "layer");
    _cleanup_json_ json_t *layers = json_pack("[s]", l1);
    _cleanup_json_ json_t *a = create_ok(f, "xa", layers, STORAGE_DRIVER_OVERLAY);
    _cleanup_json_ json_t *b = create_ok(f, "xb", layers, STORAGE_DRIVER_OVERLAY);
    _cleanup_free_ char *adiff = container_path(f, a, "diff");
    _cleanup_free_ char *bdiff = container_path(f, b, "diff");
    _cleanup_free_ char *budata = container_path(f, b, "userdata");
    write_text(adiff, "tmp/a", "a");
    write_text(bdiff, "tmp/b", "b");
    write_text(budata, "hostname", "b\n");

    struct sk_error err = {0};
    if (storage_container_remove(f->st, "xa", false, &err) < 0)
        fail_msg("remove: %s", err.msg);
    _cleanup_free_ char *adir = storage_container_dir(f->st, id_of(a));
    assert_false(sk_path_exists(adir));
    assert_name_link(f, "xa", NULL);
    assert_name_link(f, "xb", id_of(b));
    json_t *none = NULL;
    assert_int_equal(storage_container_lookup(f->st, id_of(a), &none, &err), -1);
    assert_int_equal(err.code, ENOENT);
    assert_text(bdiff, "tmp/b", "b");
    assert_text(budata, "hostname", "b\n");
    assert_text(ldiff, "etc/os-release", "layer");
    _cleanup_json_ json_t *all = NULL;
    assert_int_equal(storage_containers_read(f->st, &all, NULL), 0);
    assert_int_equal(json_array_size(all), 1);
    assert_int_equal(storage_container_remove(f->st, "xa", false, &err), -1);
    assert_int_equal(err.code, ENOENT);
    /* the name is free again (names are not hex: never an ID prefix) */
    json_decref(create_ok(f, "xa", layers, STORAGE_DRIVER_OVERLAY));
}

/* What a killed create, remove or rename leaves: a names/ link that nobody
 * owns. Lookups ignore it and the next create of that name replaces it. */
static void test_dangling_names(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *keep = create_ok(f, "keep", NULL, STORAGE_DRIVER_OVERLAY);
    struct sk_error err = {0};
    json_t *none = NULL;

    /* a create killed after its symlink: the link points at an ID that never arrived */
    const char *missing = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
    _cleanup_free_ char *ghost = sk_asprintf("%s/names/ghost", f->root);
    assert_int_equal(symlink(missing, ghost), 0);
    assert_int_equal(storage_container_lookup(f->st, "ghost", &none, &err), -1);
    assert_int_equal(err.code, ENOENT);
    assert_string_equal(err.msg, "no container with name or ID \"ghost\" found");
    _cleanup_json_ json_t *g = create_ok(f, "ghost", NULL, STORAGE_DRIVER_OVERLAY);
    assert_name_link(f, "ghost", id_of(g));
    _cleanup_json_ json_t *got = NULL;
    assert_int_equal(storage_container_lookup(f->st, "ghost", &got, &err), 0);
    assert_string_equal(id_of(got), id_of(g));

    /* a rename killed between its two links: "stale" points at a container
     * whose record has another name; it is not that container's name */
    _cleanup_free_ char *stale = sk_asprintf("%s/names/stale", f->root);
    assert_int_equal(symlink(id_of(keep), stale), 0);
    assert_int_equal(storage_container_lookup(f->st, "stale", &none, &err), -1);
    assert_int_equal(err.code, ENOENT);
    _cleanup_json_ json_t *s2 = create_ok(f, "stale", NULL, STORAGE_DRIVER_OVERLAY);
    assert_name_link(f, "stale", id_of(s2));
    _cleanup_json_ json_t *k = NULL;
    assert_int_equal(storage_container_lookup(f->st, "keep", &k, &err), 0);
    assert_string_equal(id_of(k), id_of(keep));

    /* a link that is no ID at all; a rename onto a dangling name works too */
    _cleanup_free_ char *junk = sk_asprintf("%s/names/junk", f->root);
    assert_int_equal(symlink("not-an-id", junk), 0);
    _cleanup_free_ char *later = sk_asprintf("%s/names/later", f->root);
    assert_int_equal(symlink(missing, later), 0);
    _cleanup_json_ json_t *to_later = json_pack("{s:s}", "name", "later");
    assert_int_equal(storage_container_update(f->st, "stale", to_later, &err), 0);
    assert_name_link(f, "later", id_of(s2));
    assert_name_link(f, "stale", NULL);
    json_decref(create_ok(f, "junk", NULL, STORAGE_DRIVER_OVERLAY));

    /* generated names step over dangling links like any taken name */
    for (int i = 0; i < 20; i++)
        json_decref(create_ok(f, NULL, NULL, STORAGE_DRIVER_OVERLAY));
    _cleanup_json_ json_t *all = NULL;
    assert_int_equal(storage_containers_read(f->st, &all, NULL), 0);
    assert_int_equal(json_array_size(all), 24);
}

/* overlay-containers/ holds containers only; anything else there is
 * ignored, and a damaged record does not stop the others or a remove. */
static void test_foreign_and_damaged(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *keep = create_ok(f, "keep", NULL, STORAGE_DRIVER_OVERLAY);
    _cleanup_json_ json_t *bad = create_ok(f, "bad", NULL, STORAGE_DRIVER_OVERLAY);
    const char *norecord = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    write_text(f->root, "overlay-containers/not-a-container", "");
    _cleanup_free_ char *nr = sk_asprintf("%s/overlay-containers/%s/diff", f->root, norecord);
    assert_int_equal(sk_mkdir_p(nr, 0700, NULL), 0);
    _cleanup_free_ char *bdir = storage_container_dir(f->st, id_of(bad));
    write_text(bdir, "container.json", "{\"id\": \"trunc");

    _cleanup_json_ json_t *all = NULL;
    assert_int_equal(storage_containers_read(f->st, &all, NULL), 0);
    assert_int_equal(json_array_size(all), 1);
    assert_string_equal(id_of(json_array_get(all, 0)), id_of(keep));
    struct sk_error err = {0};
    json_t *none = NULL;
    assert_int_equal(storage_container_lookup(f->st, norecord, &none, &err), -1);
    assert_int_equal(err.code, ENOENT);
    assert_int_equal(storage_container_lookup(f->st, "fedcba", &none, &err), -1);
    assert_int_equal(err.code, ENOENT);
    assert_int_equal(storage_container_lookup(f->st, "not-a-container", &none, &err), -1);
    assert_int_equal(err.code, ENOENT);
    assert_int_equal(storage_container_lookup(f->st, id_of(bad), &none, &err), -1);
    assert_int_equal(err.code, EBADMSG);
    assert_int_equal(storage_container_lookup(f->st, "bad", &none, &err), -1);
    assert_int_equal(err.code, EBADMSG); /* the name is still its own */

    /* removable all the same; its name link goes lazily (the record named it) */
    if (storage_container_remove(f->st, id_of(bad), false, &err) < 0)
        fail_msg("remove damaged: %s", err.msg);
    assert_false(sk_path_exists(bdir));
    json_decref(create_ok(f, "bad", NULL, STORAGE_DRIVER_OVERLAY));
    _cleanup_free_ char *foreign = sk_asprintf("%s/overlay-containers/not-a-container", f->root);
    assert_true(sk_path_exists(foreign)); /* not ours to delete */
    assert_true(sk_path_exists(nr));
}

/* A store from before names/: every record in <root>/containers.json. The
 * next storage_open moves them into their directories. */

/* ---- mounts ------------------------------------------------------------------- */

/* Two layers: the top one replaces a file, whites one out and makes a directory opaque. */
static json_t *whiteout_image(struct fixture *f)
{
    char *lower = NULL, *upper = NULL;
    _cleanup_free_ char *l1 = layer_new(f, "lower", &lower);
    _cleanup_free_ char *l2 = layer_new(f, "upper", &upper);
    write_text(lower, "a", "a1");
    write_text(lower, "b", "b1");
    write_text(lower, "dir/x", "x");
    write_text(lower, "dir/y", "y");
    write_text(lower, "keep", "keep");
    write_text(lower, "sub/deep/file", "deep");
    write_text(upper, "a", "a2");
    _cleanup_free_ char *wh = sk_asprintf("%s/b", upper);
    assert_int_equal(mknod(wh, S_IFCHR | 0000, makedev(0, 0)), 0);
    write_text(upper, "dir/z", "z");
    _cleanup_free_ char *opq = sk_asprintf("%s/dir", upper);
    assert_int_equal(setxattr(opq, "trusted.overlay.opaque", "y", 1, 0), 0);
    free(lower);
    free(upper);
    return json_pack("[s,s]", l1, l2); /* base first */
}

static void check_rootfs(struct fixture *f, json_t *rec, const char *merged)
{
    assert_text(merged, "a", "a2");
    assert_false(exists_in(merged, "b"));
    _cleanup_free_ char *dir = list_dir(merged, "dir");
    assert_string_equal(dir, "z");
    assert_text(merged, "keep", "keep");
    assert_text(merged, "sub/deep/file", "deep");

    /* writes land in diff/, never in the layers */
    _cleanup_free_ char *diff = container_path(f, rec, "diff");
    write_text(merged, "new", "new");
    assert_text(diff, "new", "new");
    write_text(merged, "sub/deep/file", "changed");
    assert_text(diff, "sub/deep/file", "changed");
    _cleanup_free_ char *keep = sk_asprintf("%s/keep", merged);
    assert_int_equal(unlink(keep), 0);
    assert_false(exists_in(merged, "keep"));
    _cleanup_free_ char *wh = sk_asprintf("%s/keep", diff);
    struct stat sb;
    bool whiteout = lstat(wh, &sb) == 0 && S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(0, 0);
    assert_true(whiteout || exists_in(diff, ".wh.keep"));
    char digest[SK_DIGEST_MAX];
    sk_digest_buffer(SK_DIGEST_SHA256, "lower", 5, digest);
    _cleanup_free_ char *lower = sk_asprintf("%s/layers/%s/diff", f->root, sk_digest_hex(digest));
    assert_text(lower, "keep", "keep");
    assert_text(lower, "sub/deep/file", "deep");
}

static bool fuse_available(void)
{
    if (access("/dev/fuse", R_OK | W_OK) < 0) {
        print_message("skipping fuse-overlayfs: /dev/fuse is not usable\n");
        return false;
    }
    if (system("command -v fuse-overlayfs >/dev/null 2>&1") != 0) {
        print_message("skipping fuse-overlayfs: the fuse-overlayfs program is not installed\n");
        return false;
    }
    return true;
}

/* fuse-overlayfs daemons serving something under base; they exit on unmount. */
static int fuse_daemons(const char *base)
{
    int n = 0;
    for (int tries = 0; tries < 200; tries++) {
        n = 0;
        _cleanup_closedir_ DIR *d = opendir("/proc");
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (!strspn(de->d_name, "0123456789"))
                continue;
            _cleanup_free_ char *p = sk_asprintf("/proc/%s/cmdline", de->d_name);
            _cleanup_free_ char *data = NULL;
            size_t len = 0;
            if (sk_read_file(p, &data, &len, NULL) < 0)
                continue;
            for (size_t i = 0; i + 1 < len; i++)
                if (data[i] == '\0')
                    data[i] = ' ';
            n += strstr(data, "fuse-overlayfs") && strstr(data, base);
        }
        if (n == 0)
            return 0;
        struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return n;
}

static void mount_and_check(struct fixture *f, enum storage_driver driver)
{
    _cleanup_json_ json_t *layers = whiteout_image(f);
    _cleanup_json_ json_t *rec = create_ok(f, "m", layers, driver);
    assert_string_equal(sk_json_str(rec, "driver"), storage_driver_name(driver));
    struct sk_error err = {0};
    _cleanup_free_ char *merged = NULL;
    if (storage_container_mount(f->st, "m", &merged, &err) < 0)
        fail_msg("mount: %s", err.msg);
    assert_true(merged[0] == '/');
    _cleanup_free_ char *type = mount_type(merged);
    assert_non_null(type);
    assert_string_equal(type, driver == STORAGE_DRIVER_OVERLAY ? "overlay" : "fuse.fuse-overlayfs");
    assert_int_equal(storage_container_mount_count(f->st, id_of(rec)), 1);
    check_rootfs(f, rec, merged);

    /* a second user shares the mount; the last one unmounts */
    _cleanup_free_ char *merged2 = NULL;
    assert_int_equal(storage_container_mount(f->st, id_of(rec), &merged2, &err), 0);
    assert_string_equal(merged, merged2);
    assert_int_equal(storage_container_mount_count(f->st, id_of(rec)), 2);
    assert_int_equal(storage_container_unmount(f->st, "m", false, &err), 0);
    assert_true(is_mounted(merged));
    assert_int_equal(storage_container_mount_count(f->st, id_of(rec)), 1);
    assert_text(merged, "new", "new");
    assert_int_equal(storage_container_unmount(f->st, "m", false, &err), 0);
    assert_false(is_mounted(merged));
    assert_int_equal(storage_container_mount_count(f->st, id_of(rec)), 0);
    /* not mounted: unmount is not an error */
    assert_int_equal(storage_container_unmount(f->st, "m", false, &err), 0);
    assert_int_equal(storage_container_unmount(f->st, "m", true, &err), 0);

    /* the changes survive a remount */
    _cleanup_free_ char *merged3 = NULL;
    assert_int_equal(storage_container_mount(f->st, "m", &merged3, &err), 0);
    assert_text(merged3, "new", "new");
    assert_false(exists_in(merged3, "keep"));
    assert_int_equal(storage_container_remove(f->st, "m", false, &err), -1);
    assert_int_equal(err.code, EBUSY);
    assert_true(is_mounted(merged3));
    if (storage_container_remove(f->st, "m", true, &err) < 0)
        fail_msg("remove --force: %s", err.msg);
    assert_false(is_mounted(merged3));
    _cleanup_free_ char *dir = storage_container_dir(f->st, id_of(rec));
    assert_false(sk_path_exists(dir));
    _cleanup_free_ char *count = sk_asprintf("%s/mounts/%s", f->runroot, id_of(rec));
    assert_false(sk_path_exists(count));
    assert_int_equal(fuse_daemons(f->base), 0);
}

static void test_mount_overlay(void **state)
{
    mount_and_check(*state, STORAGE_DRIVER_OVERLAY);
}

static void test_mount_fuse_overlayfs(void **state)
{
    if (!fuse_available())
        skip();
    mount_and_check(*state, STORAGE_DRIVER_FUSE_OVERLAYFS);
}

/* The mount table wins over the count: unmounted by hand means 0 users. */
static void test_stale_count_and_force(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *l1 = layer_new(f, "base", NULL);
    _cleanup_json_ json_t *layers = json_pack("[s]", l1);
    _cleanup_json_ json_t *rec = create_ok(f, "s", layers, STORAGE_DRIVER_OVERLAY);
    struct sk_error err = {0};
    _cleanup_free_ char *merged = NULL;
    assert_int_equal(storage_container_mount(f->st, "s", &merged, &err), 0);
    _cleanup_free_ char *m2 = NULL;
    assert_int_equal(storage_container_mount(f->st, "s", &m2, &err), 0);
    assert_int_equal(storage_container_mount_count(f->st, id_of(rec)), 2);
    assert_int_equal(umount2(merged, 0), 0);
    assert_int_equal(storage_container_mount_count(f->st, id_of(rec)), 0);
    _cleanup_free_ char *m3 = NULL;
    if (storage_container_mount(f->st, "s", &m3, &err) < 0)
        fail_msg("remount: %s", err.msg);
    assert_true(is_mounted(merged));
    assert_int_equal(storage_container_mount_count(f->st, id_of(rec)), 1);

    /* force: unmounted at once, even while busy, and the count is 0 */
    _cleanup_free_ char *m4 = NULL;
    assert_int_equal(storage_container_mount(f->st, "s", &m4, &err), 0);
    assert_int_equal(storage_container_mount_count(f->st, id_of(rec)), 2);
    write_text(merged, "busy", "busy");
    _cleanup_free_ char *busy = sk_asprintf("%s/busy", merged);
    int fd = open(busy, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    if (storage_container_unmount(f->st, "s", true, &err) < 0)
        fail_msg("force unmount: %s", err.msg);
    assert_false(is_mounted(merged));
    assert_int_equal(storage_container_mount_count(f->st, id_of(rec)), 0);
    close(fd);
    _cleanup_free_ char *count = sk_asprintf("%s/mounts/%s", f->runroot, id_of(rec));
    assert_false(sk_path_exists(count));
}

/* Short links keep the mount options of a 120-layer image within one page. */
static void test_many_layers(void **state)
{
    struct fixture *f = *state;
    enum { NLAYERS = 120 };
    _cleanup_json_ json_t *layers = json_array();
    for (int i = 0; i < NLAYERS; i++) {
        char seed[32], name[32], text[32];
        snprintf(seed, sizeof(seed), "layer-%d", i);
        snprintf(name, sizeof(name), "files/f%03d", i);
        snprintf(text, sizeof(text), "from %d", i);
        char *diff = NULL;
        _cleanup_free_ char *id = layer_new(f, seed, &diff);
        write_text(diff, name, text);
        write_text(diff, "shared", text);
        free(diff);
        json_array_append_new(layers, json_string(id));
    }
    _cleanup_json_ json_t *rec = create_ok(f, "tall", layers, STORAGE_DRIVER_OVERLAY);
    struct sk_error err = {0};
    _cleanup_free_ char *merged = NULL;
    double t0 = now_ms();
    if (storage_container_mount(f->st, "tall", &merged, &err) < 0)
        fail_msg("mount: %s", err.msg);
    double t1 = now_ms();
    _cleanup_free_ char *files = sk_asprintf("%s/files", merged);
    assert_int_equal(count_entries(files), NLAYERS);
    assert_text(merged, "files/f000", "from 0");
    assert_text(merged, "files/f119", "from 119");
    assert_text(merged, "shared", "from 119"); /* the top layer wins */
    _cleanup_free_ char *links = sk_asprintf("%s/l", f->root);
    assert_int_equal(count_entries(links), NLAYERS);
    assert_int_equal(storage_container_unmount(f->st, "tall", false, &err), 0);
    /* the second time the links exist already */
    double t2 = now_ms();
    _cleanup_free_ char *merged2 = NULL;
    assert_int_equal(storage_container_mount(f->st, "tall", &merged2, &err), 0);
    double t3 = now_ms();
    assert_int_equal(count_entries(links), NLAYERS);
    print_message("mount %d layers: %.1f ms making links, %.1f ms with links\n", NLAYERS, t1 - t0,
                  t3 - t2);
    assert_int_equal(storage_container_unmount(f->st, "tall", false, &err), 0);
    assert_false(is_mounted(merged));

    /* a layer's link goes away with the layer (image removal calls this) */
    storage_layer_drop_link(f->st, json_string_value(json_array_get(layers, 0)));
    assert_int_equal(count_entries(links), NLAYERS - 1);
}

static void test_no_layers(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *rec = create_ok(f, "scratch", NULL, STORAGE_DRIVER_OVERLAY);
    struct sk_error err = {0};
    _cleanup_free_ char *merged = NULL;
    if (storage_container_mount(f->st, "scratch", &merged, &err) < 0)
        fail_msg("mount: %s", err.msg);
    _cleanup_free_ char *empty = list_dir(merged, "");
    assert_string_equal(empty, "");
    write_text(merged, "hello", "hi");
    _cleanup_free_ char *diff = container_path(f, rec, "diff");
    assert_text(diff, "hello", "hi");
    assert_int_equal(storage_container_unmount(f->st, "scratch", false, &err), 0);
    assert_false(is_mounted(merged));
}

static void test_driver_names(void **state)
{
    enum storage_driver d;
    struct sk_error err = {0};
    assert_int_equal(storage_driver_parse("overlay", &d, &err), 0);
    assert_int_equal(d, STORAGE_DRIVER_OVERLAY);
    assert_int_equal(storage_driver_parse("fuse-overlay", &d, &err), 0);
    assert_int_equal(d, STORAGE_DRIVER_FUSE_OVERLAYFS);
    assert_int_equal(storage_driver_parse("fuse-overlayfs", &d, &err), 0);
    assert_string_equal(storage_driver_name(d), "fuse-overlayfs");
    assert_int_equal(storage_driver_parse("vfs", &d, &err), -1);
    assert_int_equal(err.code, EINVAL);
}

/* ---- concurrency ------------------------------------------------------------------ */

enum { WORKERS = 8, PER_WORKER = 20 };

static int worker(const char *root, const char *runroot)
{
    struct storage *st = NULL;
    if (storage_open(root, runroot, &st, NULL) < 0)
        return 1;
    char *ids[PER_WORKER] = {0};
    int rc = 0;
    for (int i = 0; i < PER_WORKER && rc == 0; i++) {
        struct storage_container_new in = {.image_id = "ab", .driver = STORAGE_DRIVER_OVERLAY};
        json_t *rec = NULL;
        struct sk_error err = {0};
        if (storage_container_create(st, &in, &rec, &err) < 0) {
            fprintf(stderr, "worker %d: %s\n", (int)getpid(), err.msg);
            rc = 1;
            break;
        }
        ids[i] = sk_strdup(sk_json_str(rec, "id"));
        json_decref(rec);
    }
    for (int i = 0; i < PER_WORKER && rc == 0; i += 2) {
        struct sk_error err = {0};
        if (storage_container_remove(st, ids[i], false, &err) < 0) {
            fprintf(stderr, "worker %d: %s\n", (int)getpid(), err.msg);
            rc = 1;
        }
    }
    for (int i = 0; i < PER_WORKER; i++)
        free(ids[i]);
    storage_close(st);
    return rc;
}

static void test_concurrent_creates(void **state)
{
    struct fixture *f = *state;
    pid_t pids[WORKERS];
    for (int w = 0; w < WORKERS; w++) {
        pids[w] = fork();
        if (pids[w] == 0)
            _exit(worker(f->root, f->runroot));
    }
    int failed = 0; /* reap every worker before asserting: none may outlive the test */
    for (int w = 0; w < WORKERS; w++) {
        int status;
        if (pids[w] < 0 || waitpid(pids[w], &status, 0) != pids[w] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            failed++;
    }
    assert_int_equal(failed, 0);
    _cleanup_json_ json_t *all = NULL;
    assert_int_equal(storage_containers_read(f->st, &all, NULL), 0);
    assert_int_equal(json_array_size(all), WORKERS * PER_WORKER / 2);
    _cleanup_json_ json_t *names = json_object();
    size_t i;
    json_t *rec;
    json_array_foreach(all, i, rec) {
        const char *name = sk_json_str(rec, "name");
        assert_null(json_object_get(names, name));
        json_object_set_new(names, name, json_true());
        _cleanup_free_ char *dir = storage_container_dir(f->st, id_of(rec));
        assert_true(sk_path_exists(dir));
    }
    _cleanup_free_ char *oc = sk_asprintf("%s/overlay-containers", f->root);
    assert_int_equal(count_entries(oc), WORKERS * PER_WORKER / 2);
    _cleanup_free_ char *tmp = sk_asprintf("%s/tmp", f->root);
    assert_int_equal(count_entries(tmp), 0); /* every workspace went with its process */
    /* one name link per container, none left by the removed ones */
    _cleanup_free_ char *nd = sk_asprintf("%s/names", f->root);
    assert_int_equal(count_entries(nd), WORKERS * PER_WORKER / 2);
    json_array_foreach(all, i, rec) {
        assert_name_link(f, sk_json_str(rec, "name"), id_of(rec));
    }
}

/* Updates of one container from many processes: none is lost (each
 * read-modify-write holds the container's lock). */
enum { UPDATERS = 4, UPDATES = 25 };

static int updater(const char *root, const char *runroot, const char *id, int w)
{
    struct storage *st = NULL;
    if (storage_open(root, runroot, &st, NULL) < 0)
        return 1;
    int rc = 0;
    for (int i = 0; i < UPDATES && rc == 0; i++) {
        char key[32];
        snprintf(key, sizeof(key), "k%d_%d", w, i);
        json_t *ch = json_pack("{s:i}", key, i);
        struct sk_error err = {0};
        if (storage_container_update(st, id, ch, &err) < 0) {
            fprintf(stderr, "updater %d: %s\n", w, err.msg);
            rc = 1;
        }
        json_decref(ch);
    }
    storage_close(st);
    return rc;
}

static void test_concurrent_updates(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *rec = create_ok(f, "u", NULL, STORAGE_DRIVER_OVERLAY);
    pid_t pids[UPDATERS];
    for (int w = 0; w < UPDATERS; w++) {
        pids[w] = fork();
        if (pids[w] == 0)
            _exit(updater(f->root, f->runroot, id_of(rec), w));
    }
    int failed = 0;
    for (int w = 0; w < UPDATERS; w++) {
        int status;
        if (pids[w] < 0 || waitpid(pids[w], &status, 0) != pids[w] || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            failed++;
    }
    assert_int_equal(failed, 0);
    _cleanup_json_ json_t *got = NULL;
    assert_int_equal(storage_container_lookup(f->st, "u", &got, NULL), 0);
    for (int w = 0; w < UPDATERS; w++)
        for (int i = 0; i < UPDATES; i++) {
            char key[32];
            snprintf(key, sizeof(key), "k%d_%d", w, i);
            if (sk_json_int(got, key, -1) != i)
                fail_msg("update %s was lost", key);
        }
    assert_string_equal(sk_json_str(got, "name"), "u");
}

/* ---- scale --------------------------------------------------------------------------- */

/* Timings, printed (not asserted): 1000 creates, the last ones with 900+
 * containers in the store, then reading all 1000 records and one lookup. */
static void test_bench_1000(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *l1 = layer_new(f, "l1", NULL);
    _cleanup_free_ char *l2 = layer_new(f, "l2", NULL);
    _cleanup_free_ char *l3 = layer_new(f, "l3", NULL);
    _cleanup_json_ json_t *layers = json_pack("[s,s,s]", l1, l2, l3);
    _cleanup_json_ json_t *config =
        json_pack("{s:[s,s], s:[s], s:s, s:{s:s}}", "cmd", "/bin/sh", "-c", "env",
                  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "image",
                  "docker.io/library/alpine:latest", "labels", "a", "b");
    enum { N = 1000, LAST = 100 };
    _cleanup_free_ char *last_id = NULL;
    double t0 = now_ms(), t_last = 0;
    for (int i = 0; i < N; i++) {
        if (i == N - LAST)
            t_last = now_ms();
        struct sk_error err = {0};
        struct storage_container_new in = {.image_id = "ab", .layers = layers, .config = config};
        json_t *rec = NULL;
        if (storage_container_create(f->st, &in, &rec, &err) < 0)
            fail_msg("create %d: %s", i, err.msg);
        if (i == N - 1)
            last_id = sk_strdup(id_of(rec));
        json_decref(rec);
    }
    double t1 = now_ms();
    _cleanup_json_ json_t *all = NULL;
    assert_int_equal(storage_containers_read(f->st, &all, NULL), 0);
    double t2 = now_ms();
    assert_int_equal(json_array_size(all), N);
    struct sk_error err = {0};
    _cleanup_json_ json_t *one = NULL;
    assert_int_equal(storage_container_lookup(f->st, last_id, &one, &err), 0);
    double t3 = now_ms();
    json_t *none = NULL;
    assert_int_equal(storage_container_lookup(f->st, "nonexistent", &none, &err), -1);
    double t4 = now_ms();
    long long bytes = 0;
    size_t i;
    json_t *rec;
    json_array_foreach(all, i, rec) {
        _cleanup_free_ char *p = container_path(f, rec, "container.json");
        struct stat sb;
        assert_int_equal(stat(p, &sb), 0);
        bytes += sb.st_size;
    }
    print_message("%d creates: %.0f ms (%.3f ms each; the last %d: %.3f ms each)\n", N, t1 - t0,
                  (t1 - t0) / N, LAST, (t1 - t_last) / LAST);
    print_message("read %d records (%lld bytes): %.2f ms; lookup by ID: %.3f ms; failed "
                  "lookup: %.3f ms\n",
                  N, bytes, t2 - t1, t3 - t2, t4 - t3);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_container needs root (mounts, whiteout devices)\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_lookup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dangling_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_and_damaged, setup, teardown),
        cmocka_unit_test(test_driver_names),
        cmocka_unit_test_setup_teardown(test_mount_overlay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mount_fuse_overlayfs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_count_and_force, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_layers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_layers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_creates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_updates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bench_1000, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
