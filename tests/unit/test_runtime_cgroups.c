/* Unit tests for runtime/cgroups*.c: where a container's cgroup goes (read
 * from this process's own /proc files; nothing is created), the state
 * round trip, and the v2 conversions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "runtime/internal.h"

static void test_plan_absolute(void **state)
{
    struct rt_cgroup cg;
    struct sk_error err = {0};
    if (rt_cgroup_plan("/skiff/unit-test", &cg, &err) < 0)
        skip(); /* no cgroup hierarchy mounted here */
    assert_true(cg.n >= 1);
    for (size_t i = 0; i < cg.n; i++) {
        _cleanup_free_ char *want = sk_asprintf("%s/skiff/unit-test", cg.dirs[i].mount);
        assert_string_equal(cg.dirs[i].path, want);
        if (cg.unified)
            assert_true(cg.dirs[i].v2);
    }
    /* Each hierarchy once. */
    for (size_t i = 0; i < cg.n; i++)
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(cg.dirs[i].mount, cg.dirs[k].mount);
    rt_cgroup_free(&cg);
}

static void test_plan_relative(void **state)
{
    struct rt_cgroup cg;
    struct sk_error err = {0};
    if (rt_cgroup_plan("child", &cg, &err) < 0)
        skip();
    for (size_t i = 0; i < cg.n; i++) {
        assert_true(sk_str_has_prefix(cg.dirs[i].path, cg.dirs[i].mount));
        assert_true(sk_str_has_suffix(cg.dirs[i].path, "/child"));
    }
    rt_cgroup_free(&cg);
}

static void test_json_round_trip(void **state)
{
    struct rt_cgroup cg;
    struct sk_error err = {0};
    if (rt_cgroup_plan("/skiff/rt", &cg, &err) < 0)
        skip();
    _cleanup_json_ json_t *j = rt_cgroup_to_json(&cg);
    struct rt_cgroup back;
    assert_int_equal(rt_cgroup_from_json(j, &back, &err), 0);
    assert_int_equal(back.n, cg.n);
    assert_int_equal(back.unified, cg.unified);
    for (size_t i = 0; i < cg.n; i++) {
        assert_string_equal(back.dirs[i].path, cg.dirs[i].path);
        assert_string_equal(back.dirs[i].controllers, cg.dirs[i].controllers);
        assert_int_equal(back.dirs[i].v2, cg.dirs[i].v2);
    }
    rt_cgroup_free(&back);
    rt_cgroup_free(&cg);
    _cleanup_json_ json_t *bad = json_pack("{s:[{s:s}]}", "dirs", "path", "/x");
    assert_int_equal(rt_cgroup_from_json(bad, &back, &err), -1);
}

static void test_v2_weight(void **state)
{
    /* The usual conversion: 2 -> 1, 1024 -> 39, 262144 -> 10000. */
    assert_int_equal(rt_cgroup_v2_weight_from_shares(0), 0);
    assert_int_equal(rt_cgroup_v2_weight_from_shares(2), 1);
    assert_int_equal(rt_cgroup_v2_weight_from_shares(1024), 39);
    assert_int_equal(rt_cgroup_v2_weight_from_shares(262144), 10000);
    assert_int_equal(rt_cgroup_v2_weight_from_shares(1000000), 10000);
}

/* Rootless: limits whose controller the directory lacks are dropped, with
 * one warning naming the controllers. */
static void test_v2_drop_missing(void **state)
{
    char dir[] = "/tmp/skiff-test-cg.XXXXXX";
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *file = sk_asprintf("%s/cgroup.controllers", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("cpuset pids hugetlb\n", f);
    fclose(f);
    struct rt_cgroup_dir d = {.path = dir};
    struct rt_resources r = {0};
    r.memory_limit = (struct rt_i64){true, 1 << 20};
    r.cpu_shares = (struct rt_i64){true, 512};
    r.pids_limit = (struct rt_i64){true, 10};
    r.cpuset_cpus = "0";
    _cleanup_strv_ char **warnings = NULL;
    rt_cgroup_v2_drop_missing(&d, &r, &warnings);
    assert_false(r.memory_limit.set);
    assert_false(r.cpu_shares.set);
    assert_true(r.pids_limit.set);
    assert_string_equal(r.cpuset_cpus, "0");
    assert_int_equal(sk_strv_len(warnings), 1);
    assert_non_null(strstr(warnings[0], "(memory, cpu: "));
    /* Nothing missing: no warning. */
    sk_strv_free(warnings);
    warnings = NULL;
    rt_cgroup_v2_drop_missing(&d, &r, &warnings);
    assert_null(warnings);
    unlink(file);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_absolute),
        cmocka_unit_test(test_plan_relative),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_v2_weight),
        cmocka_unit_test(test_v2_drop_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
