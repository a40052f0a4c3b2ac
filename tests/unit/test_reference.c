/* Unit tests for registry/reference.c: parsing, normalization, formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "registry/reference.h"

#define D256 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define D512                                                                                       \
    "sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"                      \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void assert_str_or_null(const char *got, const char *want)
{
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
}

/* s parses into the given parts and prints back as full. */
static void expect_ref(const char *s, const char *domain, const char *path, const char *tag,
                       const char *digest, const char *full)
{
    struct sk_error err = {0};
    struct registry_ref r = {0};
    if (registry_ref_parse(s, &r, &err) < 0)
        fail_msg("\"%s\": %s", s, err.msg);
    assert_str_or_null(r.domain, domain);
    assert_string_equal(r.path, path);
    assert_str_or_null(r.tag, tag);
    assert_str_or_null(r.digest, digest);
    assert_int_equal(registry_ref_is_short(&r), domain == NULL);
    _cleanup_free_ char *str = registry_ref_string(&r);
    assert_string_equal(str, full);
    registry_ref_clear(&r);
}

static void expect_invalid(const char *s, const char *why)
{
    struct sk_error err = {0};
    struct registry_ref r = {0};
    if (registry_ref_parse(s, &r, &err) == 0)
        fail_msg("\"%s\" parsed but should not have", s);
    _cleanup_free_ char *want = sk_asprintf("invalid reference \"%s\": %s", s, why);
    if (!sk_str_has_prefix(err.msg, want))
        fail_msg("got \"%s\"\nwant prefix \"%s\"", err.msg, want);
    assert_null(r.path); /* nothing written on failure */
}

static void test_short_names(void **state)
{
    expect_ref("busybox", NULL, "busybox", "latest", NULL, "busybox:latest");
    expect_ref("busybox:1.36", NULL, "busybox", "1.36", NULL, "busybox:1.36");
    expect_ref("library/busybox", NULL, "library/busybox", "latest", NULL,
               "library/busybox:latest");
    expect_ref("user/repo/sub:v1", NULL, "user/repo/sub", "v1", NULL, "user/repo/sub:v1");
    expect_ref("alpine@" D256, NULL, "alpine", NULL, D256, "alpine@" D256);
    /* "docker.io" alone has no '/': a repository named docker.io. */
    expect_ref("docker.io", NULL, "docker.io", "latest", NULL, "docker.io:latest");
    /* A port-looking suffix without '/' is a tag, as docker reads it. */
    expect_ref("localhost:5000", NULL, "localhost", "5000", NULL, "localhost:5000");
}

static void test_docker_hub(void **state)
{
    expect_ref("docker.io/busybox", "docker.io", "library/busybox", "latest", NULL,
               "docker.io/library/busybox:latest");
    expect_ref("docker.io/library/busybox", "docker.io", "library/busybox", "latest", NULL,
               "docker.io/library/busybox:latest");
    expect_ref("docker.io/library/busybox:1.36", "docker.io", "library/busybox", "1.36", NULL,
               "docker.io/library/busybox:1.36");
    expect_ref("index.docker.io/busybox", "docker.io", "library/busybox", "latest", NULL,
               "docker.io/library/busybox:latest");
    expect_ref("index.docker.io/user/app:v2", "docker.io", "user/app", "v2", NULL,
               "docker.io/user/app:v2");
    expect_ref("docker.io/user/app", "docker.io", "user/app", "latest", NULL,
               "docker.io/user/app:latest");
}

static void test_domains(void **state)
{
    expect_ref("quay.io/podman/stable", "quay.io", "podman/stable", "latest", NULL,
               "quay.io/podman/stable:latest");
    expect_ref("localhost/foo", "localhost", "foo", "latest", NULL, "localhost/foo:latest");
    expect_ref("localhost:5000/foo/bar:tag", "localhost:5000", "foo/bar", "tag", NULL,
               "localhost:5000/foo/bar:tag");
    expect_ref("127.0.0.1:5000/x", "127.0.0.1:5000", "x", "latest", NULL,
               "127.0.0.1:5000/x:latest");
    expect_ref("registry:5000/app", "registry:5000", "app", "latest", NULL,
               "registry:5000/app:latest");
    expect_ref("My-Registry.Example.COM/app", "My-Registry.Example.COM", "app", "latest", NULL,
               "My-Registry.Example.COM/app:latest");
    expect_ref("a.b-c.d/e", "a.b-c.d", "e", "latest", NULL, "a.b-c.d/e:latest");
    /* Without '.', ':' or "localhost" the first component is a namespace. */
    expect_ref("myregistry/app", NULL, "myregistry/app", "latest", NULL, "myregistry/app:latest");
}

static void test_tags_and_digests(void **state)
{
    expect_ref("quay.io/a/b@" D256, "quay.io", "a/b", NULL, D256, "quay.io/a/b@" D256);
    expect_ref("quay.io/a/b:v1@" D256, "quay.io", "a/b", "v1", D256, "quay.io/a/b:v1@" D256);
    expect_ref("localhost:5000/a@" D512, "localhost:5000", "a", NULL, D512,
               "localhost:5000/a@" D512);
    expect_ref("a:_under.score-Dash", NULL, "a", "_under.score-Dash", NULL, "a:_under.score-Dash");
    char tag[129];
    memset(tag, 'T', 128);
    tag[128] = '\0';
    _cleanup_free_ char *s = sk_asprintf("a:%s", tag);
    _cleanup_free_ char *full = sk_asprintf("a:%s", tag);
    expect_ref(s, NULL, "a", tag, NULL, full);
}

static void test_path_components(void **state)
{
    expect_ref("ns/a.b_c__d-e---f/g0", NULL, "ns/a.b_c__d-e---f/g0", "latest", NULL,
               "ns/a.b_c__d-e---f/g0:latest");
    /* A '.' in the first component makes it a domain, and '_' is not valid there. */
    expect_invalid("a_b.c/d", "invalid domain");
    expect_ref("x.io/0/1/2", "x.io", "0/1/2", "latest", NULL, "x.io/0/1/2:latest");
}

static void test_invalid(void **state)
{
    expect_invalid("", "empty reference");
    expect_invalid("Busybox", "repository name must be lowercase");
    expect_invalid("quay.io/Podman/stable", "repository name must be lowercase");
    expect_invalid("docker.io/library/BusyBox:latest", "repository name must be lowercase");
    expect_invalid("docker.io/", "missing repository name");
    expect_invalid(":tag", "missing repository name");
    expect_invalid("@" D256, "missing repository name");
    expect_invalid("foo:", "invalid tag \"\"");
    expect_invalid("foo:-bad", "invalid tag \"-bad\"");
    expect_invalid("foo:.bad", "invalid tag");
    expect_invalid("foo:ba d", "invalid tag");
    expect_invalid("foo@sha256:abc", "invalid digest");
    expect_invalid("foo@md5:0123456789abcdef0123456789abcdef", "invalid digest");
    expect_invalid("foo@" D256 "@" D256, "invalid digest");
    expect_invalid("foo@", "invalid digest");
    expect_invalid("foo//bar", "invalid repository name");
    expect_invalid("foo/", "invalid repository name");
    expect_invalid("/foo", "invalid repository name");
    expect_invalid("foo/bar/", "invalid repository name");
    expect_invalid("-foo", "invalid repository name");
    expect_invalid("foo-", "invalid repository name");
    expect_invalid("foo..bar", "invalid repository name");
    expect_invalid("foo___bar", "invalid repository name");
    expect_invalid("foo._bar", "invalid repository name");
    expect_invalid("fo o", "invalid repository name");
    expect_invalid(" foo", "invalid repository name");
    expect_invalid("foo$bar", "invalid repository name");
    expect_invalid("-bad.io/foo", "invalid domain");
    expect_invalid("bad-.io/foo", "invalid domain");
    expect_invalid("bad..io/foo", "invalid domain");
    expect_invalid("bad_host.io/foo", "invalid domain");
    expect_invalid("host.io:/foo", "invalid port in domain");
    expect_invalid("host.io:50a0/foo", "invalid port in domain");
    expect_invalid("[::1]:5000/foo", "IPv6 addresses are not supported");
    expect_invalid("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                   "cannot specify 64-byte hexadecimal strings");

    char tag[2 + 129 + 1] = "a:";
    memset(tag + 2, 't', 129);
    tag[sizeof(tag) - 1] = '\0';
    expect_invalid(tag, "invalid tag");

    char longname[300] = "example.com/";
    size_t n = strlen(longname);
    memset(longname + n, 'a', 250);
    longname[n + 250] = '\0';
    expect_invalid(longname, "repository name must not be more than 255 characters");
}

static void test_qualify(void **state)
{
    struct sk_error err = {0};
    struct registry_ref s = {0}, q = {0};
    assert_int_equal(registry_ref_parse("busybox:1.36", &s, &err), 0);
    registry_ref_qualify(&s, "docker.io", &q);
    _cleanup_free_ char *a = registry_ref_string(&q);
    assert_string_equal(a, "docker.io/library/busybox:1.36");
    _cleanup_free_ char *an = registry_ref_name(&q);
    assert_string_equal(an, "docker.io/library/busybox");
    registry_ref_clear(&q);

    registry_ref_qualify(&s, "quay.io", &q);
    _cleanup_free_ char *b = registry_ref_string(&q);
    assert_string_equal(b, "quay.io/busybox:1.36");
    assert_false(registry_ref_is_short(&q));
    registry_ref_clear(&q);
    registry_ref_clear(&s);

    assert_int_equal(registry_ref_parse("user/app@" D256, &s, &err), 0);
    registry_ref_qualify(&s, "index.docker.io", &q);
    _cleanup_free_ char *c = registry_ref_string(&q);
    assert_string_equal(c, "docker.io/user/app@" D256);
    _cleanup_free_ char *sn = registry_ref_name(&s);
    assert_string_equal(sn, "user/app");
    registry_ref_clear(&q);
    registry_ref_clear(&s);
    registry_ref_clear(&s); /* clearing twice is fine */
    registry_ref_clear(NULL);
}

static void test_round_trip(void **state)
{
    const char *full[] = {
        "docker.io/library/busybox:latest",
        "quay.io/podman/stable:v4.9",
        "localhost:5000/a/b/c:t@" D256,
        "registry.example.com:443/ns/img@" D512,
    };
    for (size_t i = 0; i < SK_ARRAY_SIZE(full); i++) {
        struct registry_ref r = {0};
        assert_int_equal(registry_ref_parse(full[i], &r, NULL), 0);
        _cleanup_free_ char *s = registry_ref_string(&r);
        assert_string_equal(s, full[i]);
        registry_ref_clear(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_names),     cmocka_unit_test(test_docker_hub),
        cmocka_unit_test(test_domains),         cmocka_unit_test(test_tags_and_digests),
        cmocka_unit_test(test_path_components), cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_qualify),         cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
