/* Unit tests for registry/auth.c: challenges, --creds, base64, auth.json. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "registry/auth.h"

#define TMPDIR_TEMPLATE "/tmp/skiff-test-auth-XXXXXX"
static char tmpdir[sizeof(TMPDIR_TEMPLATE)];

static void write_text(const char *rel, const char *text)
{
    _cleanup_free_ char *path = sk_asprintf("%s/%s", tmpdir, rel);
    _cleanup_free_ char *dir = sk_strdup(path);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(sk_mkdir_p(dir, 0755, NULL), 0);
    assert_int_equal(sk_write_file_atomic(path, text, strlen(text), 0600, NULL), 0);
}

/* {"auths": {key: {"auth": base64(creds)}}} */
static char *auth_entry(const char *key, const char *creds)
{
    _cleanup_free_ char *b64 = registry_base64_encode(creds, strlen(creds));
    return sk_asprintf("\"%s\": {\"auth\": \"%s\"}", key, b64);
}

static void expect_creds(const char *authfile, const char *host, const char *repo, const char *user,
                         const char *pass)
{
    struct sk_error err = {0};
    _cleanup_free_ char *u = NULL, *p = NULL;
    assert_int_equal(registry_auth_lookup(authfile, host, repo, &u, &p, &err), 0);
    if (!user) {
        assert_null(u);
        assert_null(p);
        return;
    }
    assert_non_null(u);
    assert_string_equal(u, user);
    assert_string_equal(p, pass);
}

static int setup(void **state)
{
    memcpy(tmpdir, TMPDIR_TEMPLATE, sizeof(TMPDIR_TEMPLATE));
    assert_non_null(mkdtemp(tmpdir));
    _cleanup_free_ char *run = sk_asprintf("%s/run", tmpdir);
    _cleanup_free_ char *config = sk_asprintf("%s/config", tmpdir);
    _cleanup_free_ char *home = sk_asprintf("%s/home", tmpdir);
    unsetenv("REGISTRY_AUTH_FILE");
    unsetenv("DOCKER_CONFIG");
    setenv("XDG_RUNTIME_DIR", run, 1);
    setenv("XDG_CONFIG_HOME", config, 1);
    setenv("HOME", home, 1);
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(sk_rm_rf(tmpdir, NULL), 0);
    return 0;
}

static void test_challenge_bearer(void **state)
{
    struct registry_challenge c = {0};
    assert_int_equal(registry_challenge_parse(
                         "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker."
                         "io\",scope=\"repository:library/busybox:pull\"",
                         &c, NULL),
                     0);
    assert_string_equal(c.scheme, "bearer");
    assert_string_equal(c.realm, "https://auth.docker.io/token");
    assert_string_equal(c.service, "registry.docker.io");
    assert_string_equal(c.scope, "repository:library/busybox:pull");
    registry_challenge_clear(&c);

    assert_int_equal(registry_challenge_parse("Basic realm=\"Registry Realm\"", &c, NULL), 0);
    assert_string_equal(c.scheme, "basic");
    assert_string_equal(c.realm, "Registry Realm");
    assert_null(c.service);
    assert_null(c.scope);
    registry_challenge_clear(&c);

    /* Case, whitespace, order, escapes, bare tokens, commas inside quotes. */
    assert_int_equal(registry_challenge_parse(
                         "  bEaReR   SCOPE = \"repository:a/b:pull,push\" , x-extra=\"q\\\"q\", "
                         "Service=reg.example:5000,ReAlM=\"https://t/a\\\\b\\\"c\"  ",
                         &c, NULL),
                     0);
    assert_string_equal(c.scheme, "bearer");
    assert_string_equal(c.realm, "https://t/a\\b\"c");
    assert_string_equal(c.service, "reg.example:5000");
    assert_string_equal(c.scope, "repository:a/b:pull,push");
    registry_challenge_clear(&c);

    /* Several challenges: the first Bearer wins, else the first. */
    assert_int_equal(registry_challenge_parse(
                         "Basic realm=\"b\", Bearer realm=\"https://t\",service=s", &c, NULL),
                     0);
    assert_string_equal(c.scheme, "bearer");
    assert_string_equal(c.realm, "https://t");
    assert_string_equal(c.service, "s");
    registry_challenge_clear(&c);
    assert_int_equal(registry_challenge_parse("Basic realm=\"r\", Negotiate abc==", &c, NULL), 0);
    assert_string_equal(c.scheme, "basic");
    assert_string_equal(c.realm, "r");
    registry_challenge_clear(&c);
    assert_int_equal(registry_challenge_parse("Negotiate a/b+c=, Bearer realm=r", &c, NULL), 0);
    assert_string_equal(c.scheme, "bearer");
    assert_string_equal(c.realm, "r");
    registry_challenge_clear(&c);
    assert_int_equal(registry_challenge_parse("Basic", &c, NULL), 0);
    assert_string_equal(c.scheme, "basic");
    assert_string_equal(c.realm, "");
    registry_challenge_clear(&c);
    registry_challenge_clear(NULL);
}

static void test_challenge_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "   ",
        "Bearer service=\"registry.docker.io\"",
        "Bearer realm=\"\"",
        "Bearer realm=\"https://auth/token",
        "Bearer realm=\"x\\",
        "realm=\"x\"",
        "Bearer realm=\"x\" service=\"y\"",
        "Bearer realm=",
        "\"Bearer\"",
        "Bearer realm=\"x\", =y",
        "Bearer realm=\"x\"garbage",
    };
    for (size_t i = 0; i < SK_ARRAY_SIZE(bad); i++) {
        struct registry_challenge c = {0};
        struct sk_error err = {0};
        if (registry_challenge_parse(bad[i], &c, &err) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(err.code, EINVAL);
        assert_null(c.scheme);
    }
}

static void test_creds(void **state)
{
    struct sk_error err = {0};
    _cleanup_free_ char *u = NULL, *p = NULL;
    assert_int_equal(registry_creds_parse("user:pa:ss", &u, &p, &err), 0);
    assert_string_equal(u, "user");
    assert_string_equal(p, "pa:ss");
    free(SK_STEAL(u));
    free(SK_STEAL(p));
    assert_int_equal(registry_creds_parse("user", &u, &p, &err), 0);
    assert_string_equal(u, "user");
    assert_null(p);
    free(SK_STEAL(u));
    assert_int_equal(registry_creds_parse("user:", &u, &p, &err), 0);
    assert_string_equal(p, "");
    free(SK_STEAL(u));
    free(SK_STEAL(p));
    assert_int_equal(registry_creds_parse("", &u, &p, &err), -1);
    assert_int_equal(registry_creds_parse(":pass", &u, &p, &err), -1);
    assert_int_equal(err.code, EINVAL);
    assert_null(u);
    assert_null(p);
}

static void test_base64(void **state)
{
    _cleanup_free_ char *e = registry_base64_encode("user:pass", 9);
    assert_string_equal(e, "dXNlcjpwYXNz");

    unsigned char bin[64];
    for (size_t i = 0; i < sizeof(bin); i++)
        bin[i] = (unsigned char)(i * 37 + 200);
    for (size_t len = 0; len <= sizeof(bin); len++) {
        _cleanup_free_ char *enc = registry_base64_encode(bin, len);
        assert_int_equal(strlen(enc), (len + 2) / 3 * 4);
        _cleanup_free_ char *dec = NULL;
        size_t dlen = 99;
        assert_int_equal(registry_base64_decode(enc, &dec, &dlen, NULL), 0);
        assert_int_equal(dlen, len);
        assert_memory_equal(dec, bin, len);
        assert_int_equal(dec[len], '\0');
    }

    static const struct {
        const char *in, *out;
    } good[] = {{"YQ==", "a"}, {"YWI=", "ab"}, {"YWJj", "abc"}, {"YQ", "a"}, {" YWI\n", "ab"}};
    for (size_t i = 0; i < SK_ARRAY_SIZE(good); i++) {
        _cleanup_free_ char *dec = NULL;
        size_t dlen = 0;
        assert_int_equal(registry_base64_decode(good[i].in, &dec, &dlen, NULL), 0);
        assert_int_equal(dlen, strlen(good[i].out));
        assert_string_equal(dec, good[i].out);
    }
    static const char *const bad[] = {"Y", "YQ=", "Y===", "YQ==YQ==", "a*bc", "YW Jj"};
    for (size_t i = 0; i < SK_ARRAY_SIZE(bad); i++) {
        char *dec = NULL;
        struct sk_error err = {0};
        assert_int_equal(registry_base64_decode(bad[i], &dec, NULL, &err), -1);
        assert_int_equal(err.code, EINVAL);
        assert_null(dec);
    }
}

static void test_default_path(void **state)
{
    _cleanup_free_ char *a = registry_auth_default_path("/x/auth.json");
    assert_string_equal(a, "/x/auth.json");
    _cleanup_free_ char *b = registry_auth_default_path(NULL);
    _cleanup_free_ char *want = sk_asprintf("%s/run/containers/auth.json", tmpdir);
    assert_string_equal(b, want);

    setenv("REGISTRY_AUTH_FILE", "/env/auth.json", 1);
    _cleanup_free_ char *c = registry_auth_default_path(NULL);
    assert_string_equal(c, "/env/auth.json");
    unsetenv("REGISTRY_AUTH_FILE");

    _cleanup_free_ char *saved = sk_strdup(getenv("XDG_RUNTIME_DIR"));
    unsetenv("XDG_RUNTIME_DIR");
    _cleanup_free_ char *d = registry_auth_default_path(NULL);
    _cleanup_free_ char *want_run = sk_asprintf("/run/containers/%u/auth.json", (unsigned)getuid());
    assert_string_equal(d, want_run);
    setenv("XDG_RUNTIME_DIR", saved, 1);
}

static void test_lookup_precedence(void **state)
{
    _cleanup_free_ char *run_ns = auth_entry("reg.example/ns", "run:1");
    _cleanup_free_ char *run_all = sk_asprintf("{\"auths\": {%s}}", run_ns);
    write_text("run/containers/auth.json", run_all);
    _cleanup_free_ char *cfg_reg = auth_entry("reg.example", "config:2");
    _cleanup_free_ char *cfg_hub = auth_entry("docker.io/library", "config:hub");
    _cleanup_free_ char *cfg_all = sk_asprintf("{\"auths\": {%s, %s}}", cfg_reg, cfg_hub);
    write_text("config/containers/auth.json", cfg_all);
    _cleanup_free_ char *dk_hub = auth_entry("https://index.docker.io/v1/", "hub:3");
    _cleanup_free_ char *dk_reg = auth_entry("reg.example", "docker:4");
    _cleanup_free_ char *dk_url = auth_entry("http://legacy.example:5000/v2/", "legacy:5");
    _cleanup_free_ char *dk_all = sk_asprintf(
        "{\"auths\": {%s, %s, %s, \"plain.example\": {\"username\": \"u\", \"password\": "
        "\"p:w\"}}, \"credsStore\": \"none\"}",
        dk_hub, dk_reg, dk_url);
    write_text("home/.docker/config.json", dk_all);

    expect_creds(NULL, "reg.example", "ns/img", "run", "1");
    expect_creds(NULL, "reg.example", "other/img", "config", "2");
    expect_creds(NULL, "reg.example", NULL, "config", "2");
    expect_creds(NULL, "docker.io", "library/busybox", "config", "hub");
    expect_creds(NULL, "docker.io", "someone/img", "hub", "3");
    expect_creds(NULL, "registry-1.docker.io", "someone/img", "hub", "3");
    expect_creds(NULL, "legacy.example:5000", "a/b", "legacy", "5");
    expect_creds(NULL, "legacy.example", "a/b", NULL, NULL);
    expect_creds(NULL, "plain.example", "a", "u", "p:w");
    expect_creds(NULL, "nothing.example", "a/b", NULL, NULL);

    /* An explicit file, or $REGISTRY_AUTH_FILE, is the only one searched. */
    _cleanup_free_ char *only = auth_entry("other.example", "only:6");
    _cleanup_free_ char *only_all = sk_asprintf("{\"auths\": {%s}}", only);
    write_text("only.json", only_all);
    _cleanup_free_ char *only_path = sk_asprintf("%s/only.json", tmpdir);
    expect_creds(only_path, "other.example", "x/y", "only", "6");
    expect_creds(only_path, "reg.example", "ns/img", NULL, NULL);
    setenv("REGISTRY_AUTH_FILE", only_path, 1);
    expect_creds(NULL, "other.example", NULL, "only", "6");
    expect_creds(NULL, "reg.example", "ns/img", NULL, NULL);
    _cleanup_free_ char *missing = sk_asprintf("%s/missing.json", tmpdir);
    expect_creds(missing, "other.example", NULL, NULL, NULL);
    unsetenv("REGISTRY_AUTH_FILE");

    /* A malformed file is an error naming it, not a silent skip. */
    write_text("config/containers/auth.json", "{\"auths\": {");
    struct sk_error err = {0};
    char *u = NULL, *p = NULL;
    assert_int_equal(registry_auth_lookup(NULL, "reg.example", "other/img", &u, &p, &err), -1);
    assert_non_null(strstr(err.msg, "config/containers/auth.json"));
    write_text("config/containers/auth.json", "{\"auths\": []}");
    assert_int_equal(registry_auth_lookup(NULL, "reg.example", "other/img", &u, &p, &err), -1);
    assert_non_null(strstr(err.msg, "config/containers/auth.json"));
    write_text("config/containers/auth.json", "{\"auths\": {\"reg.example\": {\"auth\": \"!\"}}}");
    assert_int_equal(registry_auth_lookup(NULL, "reg.example", "other/img", &u, &p, &err), -1);
    assert_non_null(strstr(err.msg, "config/containers/auth.json"));
    assert_null(u);
    assert_null(p);
}

static void test_lookup_most_specific(void **state)
{
    _cleanup_free_ char *e1 = auth_entry("https://reg.example", "url:0");
    _cleanup_free_ char *e2 = auth_entry("reg.example", "host:1");
    _cleanup_free_ char *e3 = auth_entry("reg.example/ns", "ns:2");
    _cleanup_free_ char *e4 = auth_entry("reg.example/ns/img", "repo:3");
    _cleanup_free_ char *all = sk_asprintf("{\"auths\": {%s, %s, %s, %s}}", e1, e2, e3, e4);
    write_text("specific.json", all);
    _cleanup_free_ char *path = sk_asprintf("%s/specific.json", tmpdir);
    expect_creds(path, "reg.example", "ns/img", "repo", "3");
    expect_creds(path, "reg.example", "ns/other", "ns", "2");
    expect_creds(path, "reg.example", "ns/sub/img", "ns", "2");
    expect_creds(path, "reg.example", "nsx/img", "host", "1");
    expect_creds(path, "reg.example", NULL, "host", "1");
}

static void test_store_remove(void **state)
{
    struct sk_error err = {0};
    _cleanup_free_ char *path = sk_asprintf("%s/new/dir/auth.json", tmpdir);
    _cleanup_free_ char *dir = sk_asprintf("%s/new/dir", tmpdir);

    /* Removing everything from a missing file creates nothing. */
    assert_int_equal(registry_auth_remove(path, NULL, true, &err), 0);
    assert_false(sk_path_exists(path));
    assert_int_equal(registry_auth_remove(path, "reg.example", false, &err), -1);
    assert_int_equal(err.code, ENOENT);

    assert_int_equal(registry_auth_store(path, "reg.example", "alice", "s3:cret", &err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    expect_creds(path, "reg.example", "a/b", "alice", "s3:cret");

    /* Unrelated keys and top-level members survive store and remove. */
    _cleanup_free_ char *keep = auth_entry("keep.example", "keep:me");
    _cleanup_free_ char *hub = auth_entry("https://index.docker.io/v1/", "hub:x");
    _cleanup_free_ char *text = sk_asprintf(
        "{\"credHelpers\": {\"ecr.example\": \"ecr-login\"}, \"auths\": {%s, %s}}", keep, hub);
    write_text("new/dir/auth.json", text);
    assert_int_equal(registry_auth_store(path, "reg.example/ns", "bob", "pw1", &err), 0);
    assert_int_equal(registry_auth_store(path, "reg.example/ns", "bob", "pw2", &err), 0);
    expect_creds(path, "reg.example", "ns/img", "bob", "pw2");
    expect_creds(path, "keep.example", NULL, "keep", "me");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);

    assert_int_equal(registry_auth_remove(path, "reg.example/ns", false, &err), 0);
    expect_creds(path, "reg.example", "ns/img", NULL, NULL);
    assert_int_equal(registry_auth_remove(path, "reg.example/ns", false, &err), -1);
    assert_int_equal(err.code, ENOENT);
    /* A registry stored under docker's legacy URL key is removed by host name. */
    assert_int_equal(registry_auth_remove(path, "docker.io", false, &err), 0);
    expect_creds(path, "docker.io", "library/alpine", NULL, NULL);
    expect_creds(path, "keep.example", NULL, "keep", "me");

    _cleanup_json_ json_t *j = sk_json_load_file(path, &err);
    assert_non_null(j);
    assert_string_equal(sk_json_str(json_object_get(j, "credHelpers"), "ecr.example"), "ecr-login");
    assert_int_equal(json_object_size(json_object_get(j, "auths")), 1);

    assert_int_equal(registry_auth_remove(path, NULL, true, &err), 0);
    _cleanup_json_ json_t *k = sk_json_load_file(path, &err);
    assert_non_null(k);
    assert_true(json_is_object(json_object_get(k, "auths")));
    assert_int_equal(json_object_size(json_object_get(k, "auths")), 0);
    assert_non_null(json_object_get(k, "credHelpers"));
    expect_creds(path, "keep.example", NULL, NULL, NULL);

    /* Without an explicit file, login writes the XDG_RUNTIME_DIR one. */
    assert_int_equal(registry_auth_store(NULL, "default.example", "d", "e", &err), 0);
    _cleanup_free_ char *def = sk_asprintf("%s/run/containers/auth.json", tmpdir);
    expect_creds(def, "default.example", NULL, "d", "e");
    expect_creds(NULL, "default.example", NULL, "d", "e");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_challenge_bearer),
        cmocka_unit_test(test_challenge_malformed),
        cmocka_unit_test(test_creds),
        cmocka_unit_test(test_base64),
        cmocka_unit_test_setup_teardown(test_default_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_most_specific, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_remove, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
