/* Unit tests for the k8s-file log reader in engine/logs.c: reassembly of
 * partial records per stream, damaged input, --tail/--since/--until. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "engine/logs.h"

/* What the reader handed out, as text: "1:" or "2:" before each line's first
 * piece, "|" after each piece, "$" for a line end. */
struct capture {
    char out[4096];
};

static void capture_chunk(void *ctx, const struct engine_log_chunk *c)
{
    struct capture *cap = ctx;
    size_t n = strlen(cap->out);
    snprintf(cap->out + n, sizeof(cap->out) - n, "%s%.*s|%s",
             c->line_start ? (c->stream == ENGINE_LOG_STDOUT ? "1:" : "2:") : "", (int)c->len,
             c->data, c->line_end ? "$" : "");
}

/* Feed text in pieces of step bytes (0: at once), finish, return what came out. */
static void run_reader(const char *text, size_t step, struct engine_logs_opts *o, long long skip,
                       struct capture *cap)
{
    memset(cap, 0, sizeof(*cap));
    o->fn = capture_chunk;
    o->ctx = cap;
    struct engine_log_reader *r = engine_log_reader_new(o, skip, false);
    size_t len = strlen(text);
    if (!step)
        step = len ? len : 1;
    for (size_t off = 0; off < len; off += step)
        engine_log_reader_feed(r, text + off, off + step > len ? len - off : step);
    engine_log_reader_finish(r);
    engine_log_reader_free(r);
}

static const char *LOG =
    "2026-11-22T08:25:20.100000000+00:00 stdout F out1\n"
    "2026-11-22T08:25:20.200000000+00:00 stdout P par\n"
    "2026-11-22T08:25:20.300000000+00:00 stderr F err1\n"
    "2026-11-22T08:25:20.400000000+00:00 stdout P ti\n"
    "2026-11-22T08:25:21.000000000+00:00 stdout F al\n"
    "2026-11-22T08:25:22.000000000+00:00 stdout F \n"
    "2026-11-22T08:25:23.000000000+00:00 stderr F two  spaces \n";

static void test_reassembly(void **state)
{
    struct engine_logs_opts o = {.tail = -1};
    struct capture cap;
    const char *want = "1:out1|$2:err1|$1:partial|$1:|$2:two  spaces |$";
    /* The same whatever the read sizes. */
    size_t steps[] = {0, 1, 2, 7, 50};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        run_reader(LOG, steps[i], &o, 0, &cap);
        if (strcmp(cap.out, want) != 0)
            fail_msg("step %zu: got %s", steps[i], cap.out);
    }
}

static void test_damaged(void **state)
{
    struct engine_logs_opts o = {.tail = -1};
    struct capture cap;
    run_reader("garbage\n"
               "\n"
               "2026-11-22T08:25:20Z stdout F ok\n"
               "not-a-time stdout F no\n"
               "2026-11-22T08:25:20Z stdin F no\n"
               "2026-11-22T08:25:20Z stdout X no\n"
               "2026-11-22T08:25:20Z stdout FF no\n"
               "2026-11-22T08:25:20Z stdout F:x tagged\n"
               "2026-11-22T08:25:20Z stdout F\n"
               "2026-11-22T08:25:20Z stdout\n"
               "2026-11-22T08:25:20Z stdout F trunc",
               3, &o, 0, &cap);
    assert_string_equal(cap.out, "1:ok|$1:tagged|$1:|$1:trunc|$");
    /* A last record cut inside its time: dropped. */
    run_reader("2026-11-22T08:25:20Z stdout F a\n2026-11-22T08:2", 0, &o, 0, &cap);
    assert_string_equal(cap.out, "1:a|$");
    /* A line left open at the end goes out as far as it got, without its end. */
    run_reader("2026-11-22T08:25:20Z stdout P prompt: \n", 0, &o, 0, &cap);
    assert_string_equal(cap.out, "1:prompt: |");
}

static void test_tail_and_times(void **state)
{
    struct engine_logs_opts o = {.tail = -1};
    struct capture cap;
    struct engine_logs_opts count = {.tail = -1};
    struct engine_log_reader *r = engine_log_reader_new(&count, 0, true);
    engine_log_reader_feed(r, LOG, strlen(LOG));
    engine_log_reader_finish(r);
    assert_int_equal(engine_log_reader_lines(r), 5);
    engine_log_reader_free(r);

    run_reader(LOG, 0, &o, 5 - 2, &cap); /* --tail 2 */
    assert_string_equal(cap.out, "1:|$2:two  spaces |$");
    run_reader(LOG, 0, &o, 5 - 4, &cap); /* --tail 4: the partial line counts once */
    assert_string_equal(cap.out, "2:err1|$1:partial|$1:|$2:two  spaces |$");

    struct sk_time t;
    assert_int_equal(sk_time_parse_rfc3339("2026-11-22T08:25:20.200000000Z", &t), 0);
    o.has_since = true; /* lines after: a line's time is its first record's */
    o.since_ns = t.ns;
    run_reader(LOG, 0, &o, 0, &cap);
    assert_string_equal(cap.out, "2:err1|$1:|$2:two  spaces |$");
    o.has_since = false;
    o.has_until = true;
    o.until_ns = t.ns;
    run_reader(LOG, 0, &o, 0, &cap);
    assert_string_equal(cap.out, "1:out1|$1:partial|$");
}

struct counter {
    size_t starts, ends, bytes, chunks;
};

static void count_chunk(void *ctx, const struct engine_log_chunk *c)
{
    struct counter *k = ctx;
    k->starts += c->line_start;
    k->ends += c->line_end;
    k->bytes += c->len;
    k->chunks++;
}

/* A line longer than ENGINE_LOG_LINE_MAX goes out in pieces, prefixed once. */
static void test_long_line(void **state)
{
    size_t piece = 64 * 1024, pieces = ENGINE_LOG_LINE_MAX / piece + 3;
    char *data = sk_malloc(piece + 1);
    memset(data, 'x', piece);
    data[piece] = '\0';
    struct engine_logs_opts o = {.tail = -1};
    struct counter cnt = {0};
    o.fn = count_chunk;
    o.ctx = &cnt;
    struct engine_log_reader *r = engine_log_reader_new(&o, 0, false);
    for (size_t i = 0; i < pieces; i++) {
        char *rec = sk_asprintf("2026-11-22T08:25:20Z stdout %s %s\n", i + 1 < pieces ? "P" : "F",
                                data);
        engine_log_reader_feed(r, rec, strlen(rec));
        free(rec);
    }
    engine_log_reader_finish(r);
    engine_log_reader_free(r);
    free(data);
    assert_int_equal(cnt.starts, 1);
    assert_int_equal(cnt.ends, 1);
    assert_int_equal(cnt.bytes, pieces * piece);
    assert_true(cnt.chunks >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reassembly),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_tail_and_times),
        cmocka_unit_test(test_long_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
