/* Unit tests for engine/userns.c (subordinate ID files, the runtime
 * directory) and common/rootless.c. The namespaces themselves are tested in
 * tests/integration/rootless.bats, as a real user. */
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
#include "common/rootless.h"
#include "common/util.h"
#include "engine/userns.h"

static const char SUBUID[] = "alice:100000:65536\n"
                             "bob:165536:65536\n"
                             "# a comment:1:2\n"
                             "1005:231072:1000\n"
                             "alice:400000:10\n"
                             "broken line\n"
                             "carol:x:5\n"
                             "dave:500000:0\n"
                             "alicia:600000:65536";

static void test_subid_ranges(void **state)
{
    struct userns_range r[USERNS_MAX_RANGES];
    size_t n = userns_subid_ranges(SUBUID, "alice", 1000, r, USERNS_MAX_RANGES);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].start, 100000);
    assert_int_equal(r[0].count, 65536);
    assert_int_equal(r[1].start, 400000);
    assert_int_equal(r[1].count, 10);
    /* by uid, written as a number */
    n = userns_subid_ranges(SUBUID, "erin", 1005, r, USERNS_MAX_RANGES);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].start, 231072);
    assert_int_equal(r[0].count, 1000);
    /* a name is matched whole; bad and empty ranges are skipped */
    assert_int_equal(userns_subid_ranges(SUBUID, "ali", 7, r, USERNS_MAX_RANGES), 0);
    assert_int_equal(userns_subid_ranges(SUBUID, "carol", 7, r, USERNS_MAX_RANGES), 0);
    assert_int_equal(userns_subid_ranges(SUBUID, "dave", 7, r, USERNS_MAX_RANGES), 0);
    assert_int_equal(userns_subid_ranges(SUBUID, "alicia", 7, r, USERNS_MAX_RANGES), 1);
    assert_int_equal(userns_subid_ranges(SUBUID, "alice", 1000, r, 1), 1);
    assert_int_equal(userns_subid_ranges("", "alice", 1000, r, USERNS_MAX_RANGES), 0);
    /* CRLF files */
    assert_int_equal(userns_subid_ranges("alice:5:6\r\n", "alice", 1, r, 4), 1);
    assert_int_equal(r[0].count, 6);
}

static void test_subid_free_start(void **state)
{
    assert_int_equal(userns_subid_free_start("", ""), 100000);
    assert_int_equal(userns_subid_free_start("a:100000:65536\n", ""), 165536);
    assert_int_equal(userns_subid_free_start("a:100000:65536\n", "b:300000:65536\n"), 365536);
    assert_int_equal(userns_subid_free_start(SUBUID, ""), 665536);
    assert_int_equal(userns_subid_free_start("a:10:5\n", ""), 100000);
}

/* As root outside any user namespace, the mark alone makes nobody rootless. */
static void test_rootless_mark(void **state)
{
    if (geteuid() != 0)
        skip();
    assert_false(sk_rootless());
    assert_int_equal(setenv(SK_ROOTLESS_ENV, "1000", 1), 0);
    assert_false(sk_rootless());
    assert_false(sk_rootless_in_userns());
    assert_int_equal(sk_rootless_uid(), 0);
    assert_int_equal(sk_rootless_gid(), 0);
    unsetenv(SK_ROOTLESS_ENV);
    assert_true(sk_userns_mapped_ids() > 65536);
}

/* Without XDG_RUNTIME_DIR (and no /run/user/UID): $TMPDIR/skiff-run-UID,
 * made 0700, refused when others may enter it or it is not ours. */
static void test_runtime_dir(void **state)
{
    char base[] = "/tmp/skiff-test-userns-XXXXXX";
    assert_non_null(mkdtemp(base));
    _cleanup_free_ char *old_xdg =
        getenv("XDG_RUNTIME_DIR") ? sk_strdup(getenv("XDG_RUNTIME_DIR")) : NULL;
    _cleanup_free_ char *old_tmp = getenv("TMPDIR") ? sk_strdup(getenv("TMPDIR")) : NULL;

    setenv("XDG_RUNTIME_DIR", "/some/where", 1);
    char *dir = NULL;
    struct sk_error err = {0};
    assert_int_equal(engine_rootless_runtime_dir(&dir, &err), 0);
    assert_string_equal(dir, "/some/where");
    free(dir);

    unsetenv("XDG_RUNTIME_DIR");
    setenv("TMPDIR", base, 1);
    _cleanup_free_ char *runuser = sk_asprintf("/run/user/%u", (unsigned)geteuid());
    if (sk_path_exists(runuser)) {
        assert_int_equal(engine_rootless_runtime_dir(&dir, &err), 0);
        assert_string_equal(dir, runuser);
        free(dir);
    } else {
        _cleanup_free_ char *want = sk_asprintf("%s/skiff-run-%u", base, (unsigned)geteuid());
        assert_int_equal(engine_rootless_runtime_dir(&dir, &err), 0);
        assert_string_equal(dir, want);
        free(dir);
        struct stat st;
        assert_int_equal(lstat(want, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        assert_int_equal(chmod(want, 0755), 0);
        assert_int_equal(engine_rootless_runtime_dir(&dir, &err), -1);
        assert_non_null(strstr(err.msg, "open to other users (mode 0755)"));
        assert_int_equal(rmdir(want), 0);
        assert_int_equal(symlink("/tmp", want), 0);
        assert_int_equal(engine_rootless_runtime_dir(&dir, &err), -1);
        assert_non_null(strstr(err.msg, "is not a directory"));
    }
    if (old_xdg)
        setenv("XDG_RUNTIME_DIR", old_xdg, 1);
    if (old_tmp)
        setenv("TMPDIR", old_tmp, 1);
    else
        unsetenv("TMPDIR");
    assert_int_equal(sk_rm_rf(base, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subid_ranges),
        cmocka_unit_test(test_subid_free_start),
        cmocka_unit_test(test_rootless_mark),
        cmocka_unit_test(test_runtime_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
