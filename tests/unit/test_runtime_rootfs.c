/* Unit tests for runtime/rootfs.c's path resolution: whatever symlinks a
 * rootfs holds, a mount target resolves (and is created) inside it. Needs
 * no privileges: nothing is mounted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"
#include "runtime/internal.h"

static char root[256];
static int rootfd = -1;

static int setup(void **state)
{
    snprintf(root, sizeof(root), "/tmp/skiff-test-rtrootfs-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    _cleanup_free_ char *rootfs = sk_asprintf("%s/rootfs", root);
    _cleanup_free_ char *outside = sk_asprintf("%s/outside", root);
    if (mkdir(rootfs, 0755) < 0 || mkdir(outside, 0755) < 0)
        return -1;
    rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return -1;
    /* escape -> /, up -> ../../.., host -> <root>/outside (absolute, on the
     * host), rel -> etc/conf (does not exist yet), loop -> loop. */
    _cleanup_free_ char *dir = sk_asprintf("%s/rootfs/etc", root);
    mkdir(dir, 0755);
    if (symlinkat("/", rootfd, "escape") < 0 || symlinkat("../../..", rootfd, "up") < 0 ||
        symlinkat(outside, rootfd, "host") < 0 || symlinkat("etc/conf", rootfd, "rel") < 0 ||
        symlinkat("loop", rootfd, "loop") < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    close(rootfd);
    return sk_rm_rf(root, NULL);
}

static bool exists_under(const char *sub)
{
    _cleanup_free_ char *p = sk_asprintf("%s/%s", root, sub);
    struct stat st;
    return lstat(p, &st) == 0;
}

/* path must open (creating it) and be the same inode as rootfs/want. */
static void expect_resolves_to(const char *path, bool as_file, const char *want)
{
    struct sk_error err = {0};
    int fd = rt_rootfs_open_in_root(rootfd, path, true, as_file, &err);
    if (fd < 0)
        fail_msg("%s: %s", path, err.msg);
    struct stat a, b;
    assert_int_equal(fstat(fd, &a), 0);
    close(fd);
    _cleanup_free_ char *p = sk_asprintf("%s/rootfs/%s", root, want);
    if (stat(p, &b) < 0)
        fail_msg("%s did not land on rootfs/%s", path, want);
    assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    assert_int_equal(S_ISREG(b.st_mode), as_file);
}

static void test_plain_create(void **state)
{
    expect_resolves_to("/a/b/c", false, "a/b/c");
    expect_resolves_to("/a/b/file", true, "a/b/file");
    /* Existing: just opened. */
    expect_resolves_to("/a/b", false, "a/b");
}

static void test_symlinks_stay_inside(void **state)
{
    expect_resolves_to("/escape/x1", false, "x1");
    expect_resolves_to("/up/x2", false, "x2");
    expect_resolves_to("/a/../../../x3", false, "x3");
    /* An absolute symlink to a host path is a path inside the rootfs. */
    _cleanup_free_ char *inside = sk_asprintf("%s/outside/y", root + 1);
    expect_resolves_to("/host/y", false, inside);
    assert_false(exists_under("outside/y"));
    /* A dangling relative symlink: its target is created, in the rootfs. */
    expect_resolves_to("/rel/z", false, "etc/conf/z");
    assert_false(exists_under("x1"));
    assert_false(exists_under("x3"));
}

static void test_errors(void **state)
{
    struct sk_error err = {0};
    assert_int_equal(rt_rootfs_open_in_root(rootfd, "/nope/nope", false, false, &err), -1);
    assert_non_null(strstr(err.msg, "/nope/nope"));
    assert_int_equal(rt_rootfs_open_in_root(rootfd, "/loop/x", true, false, &err), -1);
    assert_int_not_equal(err.code, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_create),
        cmocka_unit_test(test_symlinks_stay_inside),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
