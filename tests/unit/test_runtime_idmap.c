/* Unit tests for runtime/idmap.c (which id maps an unprivileged user may
 * write itself, what /etc/subuid grants) and the default state root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/util.h"
#include "runtime/internal.h"

static char *write_subid(const char *text)
{
    char *path = sk_strdup("/tmp/skiff-test-subid.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_is_own(void **state)
{
    struct rt_idmap own = {0, 1000, 1}, wide = {0, 1000, 2}, other = {0, 1001, 1};
    struct rt_idmap two[] = {{0, 1000, 1}, {1, 100000, 65536}};
    assert_true(rt_idmap_is_own(&own, 1, 1000));
    assert_true(rt_idmap_is_own(&(struct rt_idmap){5, 1000, 1}, 1, 1000));
    assert_false(rt_idmap_is_own(&wide, 1, 1000));
    assert_false(rt_idmap_is_own(&other, 1, 1000));
    assert_false(rt_idmap_is_own(two, 2, 1000));
    assert_false(rt_idmap_is_own(NULL, 0, 1000));
}

static void test_subid_allows(void **state)
{
    _cleanup_free_ char *path = write_subid("# comment\n"
                                            "bob:200000:65536\n"
                                            "alice:100000:65536\n"
                                            "alice:165536:1000\n"
                                            "1234:300000:10\n"
                                            "broken line\n");
    /* Inside one range, to its end. */
    assert_true(rt_subid_allows(path, "alice", 1000, 100000, 65536));
    assert_true(rt_subid_allows(path, "alice", 1000, 100001, 10));
    /* Across two adjacent ranges, and past them. */
    assert_true(rt_subid_allows(path, "alice", 1000, 100000, 66536));
    assert_false(rt_subid_allows(path, "alice", 1000, 100000, 66537));
    /* Someone else's range, or before ours. */
    assert_false(rt_subid_allows(path, "alice", 1000, 200000, 1));
    assert_false(rt_subid_allows(path, "alice", 1000, 99999, 2));
    /* A line naming the user by uid. */
    assert_true(rt_subid_allows(path, "carol", 1234, 300000, 10));
    assert_true(rt_subid_allows(path, NULL, 1234, 300005, 5));
    assert_false(rt_subid_allows(path, NULL, 1234, 300005, 6));
    /* No file: nothing granted. */
    assert_false(rt_subid_allows("/nonexistent/subuid", "alice", 1000, 100000, 1));
    unlink(path);
}

static void test_default_root(void **state)
{
    if (geteuid() != 0 || !rt_in_initial_userns())
        skip();
    /* Root of the host: the system's, whatever XDG_RUNTIME_DIR says. */
    setenv("XDG_RUNTIME_DIR", "/run/user/0", 1);
    _cleanup_free_ char *root = rt_state_default_root();
    assert_string_equal(root, RUNTIME_DEFAULT_ROOT);
    _cleanup_free_ char *given = rt_state_root(&(struct runtime_ctx){.root = "rel/dir"});
    assert_true(given[0] == '/' && sk_str_has_suffix(given, "/rel/dir"));
    /* An ordinary user: its runtime directory, else /tmp. */
    assert_int_equal(seteuid(65534), 0);
    _cleanup_free_ char *user = rt_state_default_root();
    unsetenv("XDG_RUNTIME_DIR");
    _cleanup_free_ char *fallback = rt_state_default_root();
    assert_int_equal(seteuid(0), 0);
    assert_string_equal(user, "/run/user/0/" RUNTIME_USER_ROOT);
    assert_string_equal(fallback, "/tmp/skiff-run-65534/runtime");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_own),
        cmocka_unit_test(test_subid_allows),
        cmocka_unit_test(test_default_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
