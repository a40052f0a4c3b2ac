/* Unit tests for registry/regconf.c: registries.conf parsing, merging,
 * prefix matching, rewriting and the file search order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"
#include "registry/regconf.h"

#define TMPDIR_TEMPLATE "/tmp/skiff-test-regconf-XXXXXX"
static char tmpdir[sizeof(TMPDIR_TEMPLATE)];

static void load_ok(struct registry_conf *conf, const char *text)
{
    struct sk_error err = {0};
    if (registry_conf_load_text(conf, text, "test.conf", &err) < 0)
        fail_msg("load failed: %s\n--- input:\n%s", err.msg, text);
}

/* Loading text fails with a message starting with want. */
static void expect_error(const char *text, const char *want)
{
    struct sk_error err = {0};
    struct registry_conf conf = {0};
    if (registry_conf_load_text(&conf, text, "test.conf", &err) == 0)
        fail_msg("loaded but should not have:\n%s", text);
    if (!sk_str_has_prefix(err.msg, want))
        fail_msg("got \"%s\"\nwant prefix \"%s\"", err.msg, want);
    assert_int_equal(conf.nentries, 0);
    assert_null(conf.search);
    registry_conf_clear(&conf);
}

static const struct registry_entry *entry(const struct registry_conf *conf, const char *prefix)
{
    for (size_t i = 0; i < conf->nentries; i++)
        if (strcmp(conf->entries[i].prefix, prefix) == 0)
            return &conf->entries[i];
    fail_msg("no entry with prefix %s", prefix);
    return NULL;
}

static void test_parse(void **state)
{
    struct registry_conf conf = {0};
    load_ok(&conf, "unqualified-search-registries = [\"registry.fedoraproject.org\", "
                   "\"docker.io\"]\n"
                   "short-name-mode = \"enforcing\"\n"
                   "credential-helpers = [\"containers-auth.json\"]\n"
                   "[[registry]]\n"
                   "prefix = \"example.com/foo\"\n"
                   "location = \"internal.example.net/bar/\"\n"
                   "insecure = false\nblocked = false\nmirror-by-digest-only = false\n"
                   "[[registry.mirror]]\nlocation = \"mirror-0.local/foo\"\n"
                   "[[registry.mirror]]\nlocation = \"mirror-1.local/foo\"\ninsecure = true\n"
                   "pull-from-mirror = \"all\"\n"
                   "[[registry]]\nlocation = \"localhost:5000\"\ninsecure = true\n"
                   "[[registry]]\nprefix = \"blocked.example.com\"\nblocked = true\n"
                   "[[registry]]\nprefix = \"*.wild.example.com\"\n"
                   "mirror = [{location = \"wild-mirror.local\"}]\n"
                   "[aliases]\n\"fedora\" = \"registry.fedoraproject.org/fedora\"\n");
    assert_int_equal(sk_strv_len(conf.search), 2);
    assert_string_equal(conf.search[0], "registry.fedoraproject.org");
    assert_string_equal(conf.search[1], "docker.io");
    assert_int_equal(conf.nentries, 4);

    const struct registry_entry *e = entry(&conf, "example.com/foo");
    assert_string_equal(e->location, "internal.example.net/bar");
    assert_false(e->insecure);
    assert_false(e->blocked);
    assert_int_equal(e->nmirrors, 2);
    assert_string_equal(e->mirrors[0].location, "mirror-0.local/foo");
    assert_false(e->mirrors[0].insecure);
    assert_string_equal(e->mirrors[1].location, "mirror-1.local/foo");
    assert_true(e->mirrors[1].insecure);

    e = entry(&conf, "localhost:5000"); /* prefix defaults to location */
    assert_string_equal(e->location, "localhost:5000");
    assert_true(e->insecure);
    assert_int_equal(e->nmirrors, 0);

    e = entry(&conf, "blocked.example.com"); /* location defaults to prefix */
    assert_string_equal(e->location, "blocked.example.com");
    assert_true(e->blocked);

    e = entry(&conf, "*.wild.example.com"); /* a wildcard without location keeps names */
    assert_null(e->location);
    assert_int_equal(e->nmirrors, 1);
    assert_string_equal(e->mirrors[0].location, "wild-mirror.local");
    registry_conf_clear(&conf);
    registry_conf_clear(&conf);
}

static void test_empty(void **state)
{
    struct registry_conf conf = {0};
    load_ok(&conf, "");
    load_ok(&conf, "# only comments\n");
    load_ok(&conf, "unqualified-search-registries = []\n");
    assert_null(conf.search);
    assert_int_equal(conf.nentries, 0);
    registry_conf_clear(&conf);
}

static void test_errors(void **state)
{
    expect_error("[registries.search]\nregistries = ['docker.io']\n",
                 "test.conf: v1 format not supported");
    expect_error("foo = 1\n", "test.conf: unknown key \"foo\"");
    expect_error("[[registry]]\nlocation = \"a.io\"\nbogus = true\n",
                 "test.conf: [[registry]] 1: unknown key \"bogus\"");
    expect_error("[[registry]]\nlocation = \"a.io\"\n[[registry]]\ninsecure = true\n",
                 "test.conf: [[registry]] 2: both prefix and location are unset");
    expect_error("[[registry]]\nlocation = \"a.io\"\ninsecure = \"yes\"\n",
                 "test.conf: [[registry]] 1: insecure must be true or false");
    expect_error("[[registry]]\nlocation = 5\n",
                 "test.conf: [[registry]] 1: location must be a string");
    expect_error(
        "[[registry]]\nlocation = \"https://a.io\"\n",
        "test.conf: [[registry]] 1: location \"https://a.io\": URI schemes are not supported");
    expect_error(
        "[[registry]]\nprefix = \"a.io\"\nlocation = \"*.b.io\"\n",
        "test.conf: [[registry]] 1: location \"*.b.io\": wildcards are only allowed in prefix");
    expect_error("[[registry]]\nprefix = \"*.a.io/foo\"\n",
                 "test.conf: [[registry]] 1: prefix \"*.a.io/foo\": a wildcard must have the form");
    expect_error("[[registry]]\nprefix = \"a.*.io\"\n",
                 "test.conf: [[registry]] 1: prefix \"a.*.io\"");
    expect_error("[[registry]]\nprefix = \"/\"\n",
                 "test.conf: [[registry]] 1: prefix \"/\" is empty");
    expect_error("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\ninsecure = true\n",
                 "test.conf: [[registry]] 1: mirror 1: mirror location is unset");
    expect_error("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\nlocation = \"m.io\"\n"
                 "[[registry.mirror]]\nlocation = \"m2.io\"\nextra = 1\n",
                 "test.conf: [[registry]] 1: mirror 2: unknown key \"extra\" in mirror");
    expect_error("[[registry]]\nlocation = \"a.io\"\nmirror = \"m.io\"\n",
                 "test.conf: [[registry]] 1: mirror must be an array of tables");
    expect_error("[registry]\nlocation = \"a.io\"\n",
                 "test.conf: registry must be an array of tables");
    expect_error("[[registry]]\nlocation = \"a.io\"\n[[registry]]\nprefix = \"a.io\"\n",
                 "test.conf: [[registry]] 2: prefix \"a.io\" defined twice");
    expect_error("unqualified-search-registries = \"docker.io\"\n",
                 "test.conf: unqualified-search-registries must be an array of strings");
    expect_error("unqualified-search-registries = [\"docker.io\", 1]\n",
                 "test.conf: unqualified-search-registries must be an array of strings");
    expect_error(
        "unqualified-search-registries = [\"docker.io/library\"]\n",
        "test.conf: unqualified-search-registries: \"docker.io/library\" is not a host[:port]");
    expect_error("short-name-mode = 1\n", "test.conf: short-name-mode must be a string");
    expect_error("aliases = 1\n", "test.conf: aliases must be a table");
    expect_error("credential-helpers = \"x\"\n", "test.conf: credential-helpers must be an array");
    /* TOML errors carry source and line. */
    expect_error("\n[[registry]]\nlocation = \"a.io\"\nlocation = \"b.io\"\n",
                 "test.conf:4: duplicate key \"location\"");
    expect_error("unqualified-search-registries = [\"docker.io\"",
                 "test.conf:1: unterminated array");
}

static void test_merge(void **state)
{
    struct registry_conf conf = {0};
    struct sk_error err = {0};
    load_ok(&conf, "unqualified-search-registries = [\"a.io\", \"b.io\"]\n"
                   "[[registry]]\nprefix = \"x.io\"\nlocation = \"x1.io\"\n"
                   "[[registry.mirror]]\nlocation = \"m.io\"\n"
                   "[[registry]]\nlocation = \"y.io\"\nblocked = true\n");
    /* Same prefix replaces the whole entry; new prefixes append; no search list keeps it. */
    load_ok(&conf, "[[registry]]\nprefix = \"x.io\"\nlocation = \"x2.io\"\n"
                   "[[registry]]\nlocation = \"z.io\"\n");
    assert_int_equal(sk_strv_len(conf.search), 2);
    assert_int_equal(conf.nentries, 3);
    const struct registry_entry *x = entry(&conf, "x.io");
    assert_string_equal(x->location, "x2.io");
    assert_int_equal(x->nmirrors, 0);
    assert_true(entry(&conf, "y.io")->blocked);
    entry(&conf, "z.io");

    /* A later search list replaces, even an empty one. */
    load_ok(&conf, "unqualified-search-registries = [\"c.io\"]\n");
    assert_int_equal(sk_strv_len(conf.search), 1);
    assert_string_equal(conf.search[0], "c.io");

    /* An invalid text changes nothing. */
    assert_int_equal(
        registry_conf_load_text(&conf,
                                "unqualified-search-registries = [\"d.io\"]\n"
                                "[[registry]]\nprefix = \"x.io\"\nlocation = \"x3.io\"\n"
                                "[[registry]]\nbogus = 1\n",
                                "bad.conf", &err),
        -1);
    assert_string_equal(conf.search[0], "c.io");
    assert_string_equal(entry(&conf, "x.io")->location, "x2.io");
    assert_int_equal(conf.nentries, 3);

    load_ok(&conf, "unqualified-search-registries = []\n");
    assert_null(conf.search);
    registry_conf_clear(&conf);
}

static void expect_match(const struct registry_conf *conf, const char *name, const char *prefix)
{
    const struct registry_entry *e = registry_conf_match(conf, name);
    if (!prefix) {
        if (e)
            fail_msg("%s matched %s, expected no match", name, e->prefix);
        return;
    }
    if (!e)
        fail_msg("%s matched nothing, expected %s", name, prefix);
    if (strcmp(e->prefix, prefix) != 0)
        fail_msg("%s matched %s, expected %s", name, e->prefix, prefix);
}

static void test_match(void **state)
{
    struct registry_conf conf = {0};
    load_ok(&conf, "[[registry]]\nprefix = \"example.com\"\n"
                   "[[registry]]\nprefix = \"example.com/foo\"\nlocation = \"int.net/bar\"\n"
                   "[[registry]]\nprefix = \"example.com/foo/special\"\nlocation = \"s.net\"\n"
                   "[[registry]]\nprefix = \"*.example.org\"\n"
                   "[[registry]]\nprefix = \"*.b.example.org\"\n"
                   "[[registry]]\nprefix = \"localhost:5000\"\n"
                   "[[registry]]\nprefix = \"docker.io/library/alpine\"\n");
    expect_match(&conf, "example.com", "example.com");
    expect_match(&conf, "example.com/other", "example.com");
    expect_match(&conf, "example.com/foo", "example.com/foo");
    expect_match(&conf, "example.com/foo/img", "example.com/foo");
    expect_match(&conf, "example.com/foo:tag", "example.com/foo");
    expect_match(&conf, "example.com/foo@sha256:abc", "example.com/foo");
    expect_match(&conf, "example.com/foobar", "example.com");
    expect_match(&conf, "example.com/foo/special/x", "example.com/foo/special");
    expect_match(&conf, "example.com/foo/specialist", "example.com/foo");
    expect_match(&conf, "example.com:5000/x", "example.com");
    expect_match(&conf, "example.company/x", NULL);
    expect_match(&conf, "sub.example.com/x", NULL);
    expect_match(&conf, "a.example.org/x", "*.example.org");
    expect_match(&conf, "a.b.c.example.org:443/x", "*.example.org");
    expect_match(&conf, "x.b.example.org/y", "*.b.example.org");
    expect_match(&conf, "example.org/x", NULL);
    expect_match(&conf, "a.example.orgx/x", NULL);
    expect_match(&conf, "evil.com/a.example.org/x", NULL);
    expect_match(&conf, "localhost:5000/img", "localhost:5000");
    expect_match(&conf, "localhost:50001/img", NULL);
    expect_match(&conf, "localhost/img", NULL);
    expect_match(&conf, "docker.io/library/alpine:3", "docker.io/library/alpine");
    expect_match(&conf, "docker.io/library/alpine-x", NULL);
    registry_conf_clear(&conf);
}

static void expect_rewrite(const struct registry_entry *e, const char *name, const char *location,
                           const char *want)
{
    _cleanup_free_ char *got = registry_entry_rewrite(e, name, location);
    assert_string_equal(got, want);
}

static void test_rewrite(void **state)
{
    struct registry_conf conf = {0};
    load_ok(&conf, "[[registry]]\nprefix = \"example.com/foo\"\n"
                   "location = \"internal-registry-for-example.net/bar\"\n"
                   "[[registry.mirror]]\nlocation = \"example-mirror-0.local/mirror-for-foo\"\n"
                   "[[registry]]\nprefix = \"*.example.org\"\n"
                   "[[registry]]\nprefix = \"*.example.net\"\nlocation = \"proxy.local\"\n"
                   "[[registry]]\nlocation = \"quay.io\"\n");
    const struct registry_entry *e = registry_conf_match(&conf, "example.com/foo/myimage:latest");
    assert_non_null(e);
    expect_rewrite(e, "example.com/foo/myimage:latest", e->location,
                   "internal-registry-for-example.net/bar/myimage:latest");
    expect_rewrite(e, "example.com/foo/myimage:latest", e->mirrors[0].location,
                   "example-mirror-0.local/mirror-for-foo/myimage:latest");
    expect_rewrite(e, "example.com/foo@sha256:abc", e->location,
                   "internal-registry-for-example.net/bar@sha256:abc");
    expect_rewrite(e, "other.io/x", e->location, "other.io/x"); /* no match: unchanged */

    e = registry_conf_match(&conf, "a.example.org/x/y:1");
    assert_non_null(e);
    expect_rewrite(e, "a.example.org/x/y:1", e->location, "a.example.org/x/y:1");

    e = registry_conf_match(&conf, "a.b.example.net/x/y:1");
    assert_non_null(e);
    expect_rewrite(e, "a.b.example.net/x/y:1", e->location, "proxy.local/x/y:1");

    e = registry_conf_match(&conf, "quay.io/podman/stable");
    assert_non_null(e);
    expect_rewrite(e, "quay.io/podman/stable", e->location, "quay.io/podman/stable");
    registry_conf_clear(&conf);
}

static void write_text(const char *rel, const char *text)
{
    _cleanup_free_ char *path = sk_asprintf("%s/%s", tmpdir, rel);
    _cleanup_free_ char *dir = sk_strdup(path);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(sk_mkdir_p(dir, 0755, NULL), 0);
    assert_int_equal(sk_write_file_atomic(path, text, strlen(text), 0644, NULL), 0);
}

static int setup(void **state)
{
    memcpy(tmpdir, TMPDIR_TEMPLATE, sizeof(TMPDIR_TEMPLATE));
    assert_non_null(mkdtemp(tmpdir));
    unsetenv("CONTAINERS_REGISTRIES_CONF");
    unsetenv("XDG_CONFIG_HOME");
    _cleanup_free_ char *home = sk_asprintf("%s/home", tmpdir);
    setenv("HOME", home, 1);
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(sk_rm_rf(tmpdir, NULL), 0);
    return 0;
}

static void test_load_env_file(void **state)
{
    struct registry_conf conf;
    struct sk_error err = {0};
    write_text("etc/registries.conf", "unqualified-search-registries = [\"main.io\"]\n"
                                      "[[registry]]\nlocation = \"a.io\"\n");
    /* Lexical order: 10 then 20; 20 replaces a.io and the search list. */
    write_text("etc/registries.conf.d/20-later.conf",
               "unqualified-search-registries = [\"dropin.io\"]\n"
               "[[registry]]\nprefix = \"a.io\"\nlocation = \"a2.io\"\n");
    write_text("etc/registries.conf.d/10-first.conf",
               "[[registry]]\nprefix = \"a.io\"\nlocation = \"a1.io\"\n"
               "[[registry]]\nlocation = \"b.io\"\ninsecure = true\n");
    write_text("etc/registries.conf.d/notes.txt", "this is not toml [");
    write_text("etc/registries.conf.d/dir.conf/x", "");
    _cleanup_free_ char *main_file = sk_asprintf("%s/etc/registries.conf", tmpdir);
    setenv("CONTAINERS_REGISTRIES_CONF", main_file, 1);

    assert_int_equal(registry_conf_load_default(&conf, &err), 0);
    assert_int_equal(sk_strv_len(conf.search), 1);
    assert_string_equal(conf.search[0], "dropin.io");
    assert_int_equal(conf.nentries, 2);
    assert_string_equal(entry(&conf, "a.io")->location, "a2.io");
    assert_true(entry(&conf, "b.io")->insecure);
    registry_conf_clear(&conf);

    /* A malformed drop-in is an error naming the file and line; conf is left empty. */
    write_text("etc/registries.conf.d/30-bad.conf", "\n[[registry]]\nlocation = oops\n");
    assert_int_equal(registry_conf_load_default(&conf, &err), -1);
    _cleanup_free_ char *want = sk_asprintf("%s/etc/registries.conf.d/30-bad.conf:3: ", tmpdir);
    assert_true(sk_str_has_prefix(err.msg, want));
    assert_int_equal(conf.nentries, 0);
    assert_null(conf.search);
}

static void test_load_missing(void **state)
{
    struct registry_conf conf;
    struct sk_error err = {0};
    _cleanup_free_ char *missing = sk_asprintf("%s/nowhere/registries.conf", tmpdir);
    setenv("CONTAINERS_REGISTRIES_CONF", missing, 1);
    assert_int_equal(registry_conf_load_default(&conf, &err), 0);
    assert_int_equal(conf.nentries, 0);
    assert_null(conf.search);
    registry_conf_clear(&conf);

    /* Drop-ins apply even without the main file. */
    write_text("nowhere/registries.conf.d/a.conf", "unqualified-search-registries = [\"x.io\"]\n");
    assert_int_equal(registry_conf_load_default(&conf, &err), 0);
    assert_string_equal(conf.search[0], "x.io");
    registry_conf_clear(&conf);

    /* Loading one named file that is missing is an error. */
    assert_int_equal(registry_conf_load_file(&conf, missing, &err), -1);
}

static void test_load_user_files(void **state)
{
    struct registry_conf conf;
    struct sk_error err = {0};
    write_text("home/.config/containers/registries.conf",
               "unqualified-search-registries = [\"home.io\"]\n");
    write_text("home/.config/containers/registries.conf.d/a.conf",
               "[[registry]]\nlocation = \"home-dropin.io\"\n");
    assert_int_equal(registry_conf_load_default(&conf, &err), 0);
    assert_string_equal(conf.search[0], "home.io");
    entry(&conf, "home-dropin.io");
    registry_conf_clear(&conf);

    write_text("xdg/containers/registries.conf", "unqualified-search-registries = [\"xdg.io\"]\n");
    _cleanup_free_ char *xdg = sk_asprintf("%s/xdg", tmpdir);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    assert_int_equal(registry_conf_load_default(&conf, &err), 0);
    assert_string_equal(conf.search[0], "xdg.io");
    assert_int_equal(conf.nentries, 0); /* the ~/.config drop-ins belong to the other file */
    registry_conf_clear(&conf);

    /* The environment variable wins over the user file. */
    write_text("env/registries.conf", "unqualified-search-registries = [\"env.io\"]\n");
    _cleanup_free_ char *env = sk_asprintf("%s/env/registries.conf", tmpdir);
    setenv("CONTAINERS_REGISTRIES_CONF", env, 1);
    assert_int_equal(registry_conf_load_default(&conf, &err), 0);
    assert_string_equal(conf.search[0], "env.io");
    registry_conf_clear(&conf);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("CONTAINERS_REGISTRIES_CONF");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_rewrite),
        cmocka_unit_test_setup_teardown(test_load_env_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_user_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
