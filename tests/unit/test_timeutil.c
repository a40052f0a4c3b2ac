/* Unit tests for common/timeutil.c: podman's time and duration formats. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/timeutil.h"

#define SEC SK_NSEC_PER_SEC
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
#define WEEK (7 * DAY)
#define MONTH (30 * DAY)
#define YEAR (365 * DAY)

static void expect_human(long long ns, const char *want)
{
    char buf[64];
    sk_human_duration(ns, buf, sizeof(buf));
    if (strcmp(buf, want) != 0)
        fail_msg("human duration of %lld ns: got \"%s\", want \"%s\"", ns, buf, want);
}

/* docker/go-units' own table. */
static void test_human_duration(void **state)
{
    expect_human(450 * 1000000LL, "Less than a second");
    expect_human(1 * SEC, "1 second");
    expect_human(45 * SEC, "45 seconds");
    expect_human(59 * SEC, "59 seconds");
    expect_human(60 * SEC, "About a minute");
    expect_human(119 * SEC, "About a minute");
    expect_human(3 * MIN, "3 minutes");
    expect_human(35 * MIN + 40 * SEC, "35 minutes");
    expect_human(59 * MIN, "59 minutes");
    expect_human(1 * HOUR, "About an hour");
    expect_human(1 * HOUR + 29 * MIN, "About an hour");
    expect_human(1 * HOUR + 31 * MIN, "2 hours");
    expect_human(3 * HOUR + 29 * MIN, "3 hours");
    expect_human(3 * HOUR + 31 * MIN, "4 hours");
    expect_human(24 * HOUR, "24 hours");
    expect_human(1 * DAY + 12 * HOUR, "36 hours");
    expect_human(2 * DAY, "2 days");
    expect_human(13 * DAY + 5 * HOUR, "13 days");
    expect_human(2 * WEEK, "2 weeks");
    expect_human(2 * WEEK + 4 * DAY, "2 weeks");
    expect_human(1 * MONTH, "4 weeks");
    expect_human(1 * MONTH + 2 * WEEK, "6 weeks");
    expect_human(2 * MONTH, "2 months");
    expect_human(5 * MONTH + 2 * WEEK, "5 months");
    expect_human(24 * MONTH, "24 months");
    expect_human(24 * MONTH + 2 * WEEK, "2 years");
    expect_human(3 * YEAR + 2 * MONTH, "3 years");
}

static void expect_duration(const char *s, long long want)
{
    long long got = -42;
    if (sk_duration_parse(s, &got) != 0)
        fail_msg("\"%s\" did not parse", s);
    if (got != want)
        fail_msg("\"%s\": got %lld ns, want %lld", s, got, want);
}

static void test_duration_parse(void **state)
{
    expect_duration("0", 0);
    expect_duration("10m", 10 * MIN);
    expect_duration("1h30m", HOUR + 30 * MIN);
    expect_duration("1.5s", 1500000000LL);
    expect_duration(".5s", 500000000LL);
    expect_duration("300ms", 300000000LL);
    expect_duration("2us", 2000);
    expect_duration("2\xc2\xb5s", 2000);
    expect_duration("-1h", -HOUR);
    expect_duration("+5s", 5 * SEC);
    expect_duration("1h2m3s4ms", HOUR + 2 * MIN + 3 * SEC + 4000000LL);
    long long v;
    const char *bad[] = {"", "10", "1x", "m", "1.5", ".s", "1h-2m", "s5", "-", "9999999999h"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (sk_duration_parse(bad[i], &v) == 0)
            fail_msg("\"%s\" parsed as %lld", bad[i], v);
}

static void expect_format(long long ns, const char *want)
{
    char buf[64];
    sk_duration_format(ns, buf, sizeof(buf));
    if (strcmp(buf, want) != 0)
        fail_msg("%lld ns: got \"%s\", want \"%s\"", ns, buf, want);
}

/* Go's Duration.String, which podman top prints for ELAPSED and TIME. */
static void test_duration_format(void **state)
{
    expect_format(0, "0s");
    expect_format(999, "999ns");
    expect_format(1500, "1.5\xc2\xb5s");
    expect_format(10000000LL, "10ms");
    expect_format(SEC, "1s");
    expect_format(10 * SEC + 301770568LL, "10.301770568s");
    expect_format(61 * SEC, "1m1s");
    expect_format(HOUR, "1h0m0s");
    expect_format(HOUR + 2 * MIN + 500000000LL, "1h2m0.5s");
    expect_format(-2 * SEC, "-2s");
}

static void test_rfc3339(void **state)
{
    struct sk_time t;
    char buf[64];
    assert_int_equal(sk_time_parse_rfc3339("2026-11-22T08:25:20.201376826+00:00", &t), 0);
    assert_int_equal(t.offset_sec, 0);
    sk_time_format_log(&t, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-22T08:25:20.201376826Z");
    sk_time_format_rfc3339_nano(&t, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-22T08:25:20.201376826Z");

    assert_int_equal(sk_time_parse_rfc3339("2026-11-22T10:00:00.5+01:30", &t), 0);
    assert_int_equal(t.offset_sec, 5400);
    struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 22, .tm_hour = 8, .tm_min = 30};
    assert_true(t.ns == (long long)timegm(&tm) * SEC + 500000000LL);
    sk_time_format_log(&t, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-22T10:00:00.500000000+01:30");
    sk_time_format_rfc3339_nano(&t, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-22T10:00:00.5+01:30");

    assert_int_equal(sk_time_parse_rfc3339("2026-11-22T10:00:00Z", &t), 0);
    sk_time_format_rfc3339_nano(&t, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-22T10:00:00Z");
    assert_int_equal(sk_time_parse_rfc3339("2026-11-22T10:00:00-05:00", &t), 0);
    assert_int_equal(t.offset_sec, -5 * 3600);

    const char *bad[] = {"",
                         "2026-11-22",
                         "2026-11-22T10:00:00",
                         "2026-11-22T10:00:00.Z",
                         "2026-11-22T10:00:00Zx",
                         "2026-13-22T10:00:00Z",
                         "2026-11-22T10:0:00Z",
                         "2026-11-22T10:00:00+0100",
                         "2026-11-22T10:00",
                         "0001-01-01T00:00:00Z"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (sk_time_parse_rfc3339(bad[i], &t) == 0)
            fail_msg("\"%s\" parsed", bad[i]);
}

static void test_input_time(void **state)
{
    setenv("TZ", "UTC", 1);
    tzset();
    struct sk_error err = {0};
    long long now = 2000000000LL * SEC, v;
    struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 22, .tm_hour = 8};
    long long at8 = (long long)timegm(&tm) * SEC;
    assert_int_equal(sk_time_parse_input("2026-11-22T08:00:00Z", true, now, &v, &err), 0);
    assert_true(v == at8);
    assert_int_equal(sk_time_parse_input("2026-11-22T08:00:00.25", true, now, &v, &err), 0);
    assert_true(v == at8 + 250000000LL);
    assert_int_equal(sk_time_parse_input("2026-11-22", true, now, &v, &err), 0);
    assert_true(v == at8 - 8 * HOUR);
    assert_int_equal(sk_time_parse_input("2026-11-22+01:00", true, now, &v, &err), 0);
    assert_true(v == at8 - 9 * HOUR);
    assert_int_equal(sk_time_parse_input("1700000000.5", true, now, &v, &err), 0);
    assert_true(v == 1700000000LL * SEC + 500000000LL);
    assert_int_equal(sk_time_parse_input("10m", true, now, &v, &err), 0);
    assert_true(v == now - 10 * MIN);
    assert_int_equal(sk_time_parse_input("1h30m", false, now, &v, &err), 0);
    assert_true(v == now + HOUR + 30 * MIN);
    assert_int_equal(sk_time_parse_input("bogus", true, now, &v, &err), -1);
    assert_string_equal(err.msg, "unable to interpret time value");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_human_duration), cmocka_unit_test(test_duration_parse),
        cmocka_unit_test(test_duration_format), cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_input_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
