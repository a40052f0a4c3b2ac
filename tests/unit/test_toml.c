/* Unit tests for common/toml.c: the TOML subset and its error messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/toml.h"
#include "common/util.h"

/* text must parse to the JSON document expected. */
static void expect_doc(const char *text, const char *expected)
{
    struct sk_error err = {0};
    _cleanup_json_ json_t *got = sk_toml_parse(text, "t.toml", &err);
    if (!got)
        fail_msg("parse failed: %s\n--- input:\n%s", err.msg, text);
    _cleanup_json_ json_t *want = json_loads(expected, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(want);
    if (!json_equal(got, want)) {
        _cleanup_free_ char *s = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("got %s\nwant %s\n--- input:\n%s", s, expected, text);
    }
}

/* text must fail with "t.toml:LINE: <why...>" where why starts with the given text. */
static void expect_error(const char *text, int line, const char *why)
{
    struct sk_error err = {0};
    _cleanup_json_ json_t *got = sk_toml_parse(text, "t.toml", &err);
    if (got)
        fail_msg("parsed but should not have:\n%s", text);
    _cleanup_free_ char *want = sk_asprintf("t.toml:%d: %s", line, why);
    if (!sk_str_has_prefix(err.msg, want))
        fail_msg("got error \"%s\"\nwant prefix \"%s\"", err.msg, want);
    assert_int_not_equal(err.code, 0);
}

static void test_empty_and_comments(void **state)
{
    expect_doc("", "{}");
    expect_doc("\n\n  \t\n", "{}");
    expect_doc("# just a comment\n  # another\n", "{}");
    expect_doc("a = 1 # trailing comment\n", "{\"a\": 1}");
    expect_doc("a = \"# not a comment\"", "{\"a\": \"# not a comment\"}");
    expect_doc("\xef\xbb\xbf"
               "a = 1\r\nb = 2\r\n",
               "{\"a\": 1, \"b\": 2}");
}

static void test_keys(void **state)
{
    expect_doc("bare_key-1 = 1\n\"quoted key\" = 2\n'lit.key' = 3\n\"\" = 4",
               "{\"bare_key-1\": 1, \"quoted key\": 2, \"lit.key\": 3, \"\": 4}");
    expect_doc("a.b.c = 1\na.b.d = 2\na . \"x y\" . z = 3",
               "{\"a\": {\"b\": {\"c\": 1, \"d\": 2}, \"x y\": {\"z\": 3}}}");
    expect_doc("1234 = \"numeric bare key\"", "{\"1234\": \"numeric bare key\"}");
    expect_doc("\"\\u00e9t\\u00e9\" = 1", "{\"\xc3\xa9t\xc3\xa9\": 1}");
}

static void test_tables(void **state)
{
    expect_doc("top = 1\n[a]\nx = 1\n[b . c]\ny = 2\n[ 'd' ]\n",
               "{\"top\": 1, \"a\": {\"x\": 1}, \"b\": {\"c\": {\"y\": 2}}, \"d\": {}}");
    /* A table implied by [x.y.z] may be defined once, later. */
    expect_doc("[x.y.z]\nv = 1\n[x]\nw = 2", "{\"x\": {\"y\": {\"z\": {\"v\": 1}}, \"w\": 2}}");
    /* Sub-tables of dotted-key tables may get headers. */
    expect_doc("[fruit]\napple.color = \"red\"\n[fruit.apple.texture]\nsmooth = true",
               "{\"fruit\": {\"apple\": {\"color\": \"red\", \"texture\": {\"smooth\": true}}}}");
    expect_doc("[a]   # comment\n[b]\n", "{\"a\": {}, \"b\": {}}");
}

static void test_array_of_tables(void **state)
{
    expect_doc("[[registry]]\nprefix = \"a\"\n[[registry.mirror]]\nlocation = \"m1\"\n"
               "[[registry.mirror]]\nlocation = \"m2\"\n"
               "[[registry]]\nprefix = \"b\"\n[[registry.mirror]]\nlocation = \"m3\"\n",
               "{\"registry\": [{\"prefix\": \"a\", \"mirror\": [{\"location\": \"m1\"},"
               " {\"location\": \"m2\"}]}, {\"prefix\": \"b\", \"mirror\": [{\"location\": "
               "\"m3\"}]}]}");
    expect_doc("[[a.b]]\nx = 1\n[a.b.c]\ny = 2\n[[a.b]]\n",
               "{\"a\": {\"b\": [{\"x\": 1, \"c\": {\"y\": 2}}, {}]}}");
    expect_doc("[[ t ]]\n[[t]]", "{\"t\": [{}, {}]}");
}

static void test_strings(void **state)
{
    expect_doc("s = \"tab\\there \\\"q\\\" back\\\\slash\\nnl \\b\\f\\r\"",
               "{\"s\": \"tab\\there \\\"q\\\" back\\\\slash\\nnl \\b\\f\\r\"}");
    expect_doc("s = \"\\u00e9 \\U0001F600 \\u20AC\"",
               "{\"s\": \"\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac\"}");
    expect_doc("s = 'C:\\Users\\no\\escapes \"here\"'",
               "{\"s\": \"C:\\\\Users\\\\no\\\\escapes \\\"here\\\"\"}");
    expect_doc("s = \"\"\ne = ''", "{\"s\": \"\", \"e\": \"\"}");
    expect_doc("s = \"utf-8 \xc3\xa9\xe2\x82\xac\"", "{\"s\": \"utf-8 \xc3\xa9\xe2\x82\xac\"}");
}

static void test_multiline_strings(void **state)
{
    expect_doc("s = \"\"\"\nline1\nline2\"\"\"", "{\"s\": \"line1\\nline2\"}");
    expect_doc("s = \"\"\"one \\\n    two \\\n\n   three\"\"\"", "{\"s\": \"one two three\"}");
    expect_doc("s = \"\"\"trailing ws \\   \n  x\"\"\"", "{\"s\": \"trailing ws x\"}");
    expect_doc("s = \"\"\"has \"quotes\" and \"\"two\"\"\"\"\"",
               "{\"s\": \"has \\\"quotes\\\" and \\\"\\\"two\\\"\\\"\"}");
    expect_doc("s = '''\nraw \\n 'single' ''\n'''", "{\"s\": \"raw \\\\n 'single' ''\\n\"}");
    expect_doc("s = '''x''''", "{\"s\": \"x'\"}");
    expect_doc("s = \"\"\"a\r\nb\"\"\"\nn = 1", "{\"s\": \"a\\nb\", \"n\": 1}");
    expect_doc("s = \"\"\"\"\"\"", "{\"s\": \"\"}");
}

static void test_integers(void **state)
{
    expect_doc("a = 0\nb = +17\nc = -42\nd = 1_000_000\ne = -0\nf = +0",
               "{\"a\": 0, \"b\": 17, \"c\": -42, \"d\": 1000000, \"e\": 0, \"f\": 0}");
    expect_doc("h = 0xDEAD_beef\no = 0o755\nb = 0b1101",
               "{\"h\": 3735928559, \"o\": 493, \"b\": 13}");
    expect_doc("max = 9223372036854775807\nmin = -9223372036854775808",
               "{\"max\": 9223372036854775807, \"min\": -9223372036854775808}");
    expect_doc("t = true\nf = false", "{\"t\": true, \"f\": false}");
}

static void test_arrays(void **state)
{
    expect_doc("a = []\nb = [1, 2, 3]\nc = [ \"x\", 'y', ]", "{\"a\": [], \"b\": [1, 2, 3], "
                                                             "\"c\": [\"x\", \"y\"]}");
    expect_doc("a = [\n  \"docker.io\", # first\n  # own line\n  \"quay.io\",\n\n]\nb = 1",
               "{\"a\": [\"docker.io\", \"quay.io\"], \"b\": 1}");
    expect_doc("m = [1, \"two\", [3, [4]], {five = 5}, true]",
               "{\"m\": [1, \"two\", [3, [4]], {\"five\": 5}, true]}");
}

static void test_inline_tables(void **state)
{
    expect_doc("t = {}\nu = { a = 1, b.c = \"x\", 'd' = [1] }",
               "{\"t\": {}, \"u\": {\"a\": 1, \"b\": {\"c\": \"x\"}, \"d\": [1]}}");
    expect_doc("[[r]]\nm = [ { location = \"x\" }, {location=\"y\",insecure=true} ]",
               "{\"r\": [{\"m\": [{\"location\": \"x\"}, {\"location\": \"y\", \"insecure\": "
               "true}]}]}");
    expect_doc("n = { a = { b = { c = 1 } } }", "{\"n\": {\"a\": {\"b\": {\"c\": 1}}}}");
}

static void test_registries_conf(void **state)
{
    expect_doc("# registries.conf\n"
               "unqualified-search-registries = [\"registry.fedoraproject.org\", \"docker.io\"]\n"
               "short-name-mode = \"enforcing\"\n\n"
               "[aliases]\n  \"fedora\" = \"registry.fedoraproject.org/fedora\"\n"
               "  # comment\n  \"opensuse/leap\" = \"registry.opensuse.org/opensuse/leap\"\n\n"
               "[[registry]]\nprefix = \"example.com/foo\"\ninsecure = false\nblocked = false\n"
               "location = \"internal.example.net/bar\"\n\n"
               "[[registry.mirror]]\nlocation = \"mirror-0.local/foo\"\n"
               "[[registry.mirror]]\nlocation = \"mirror-1.local/foo\"\ninsecure = true\n",
               "{\"unqualified-search-registries\": [\"registry.fedoraproject.org\", "
               "\"docker.io\"], \"short-name-mode\": \"enforcing\", \"aliases\": {\"fedora\": "
               "\"registry.fedoraproject.org/fedora\", \"opensuse/leap\": "
               "\"registry.opensuse.org/opensuse/leap\"}, \"registry\": [{\"prefix\": "
               "\"example.com/foo\", \"insecure\": false, \"blocked\": false, \"location\": "
               "\"internal.example.net/bar\", \"mirror\": [{\"location\": \"mirror-0.local/foo\"}, "
               "{\"location\": \"mirror-1.local/foo\", \"insecure\": true}]}]}");
}

static void test_duplicates(void **state)
{
    expect_error("a = 1\na = 2", 2, "duplicate key \"a\"");
    expect_error("a = 1\n\"a\" = 2", 2, "duplicate key \"a\"");
    expect_error("x.y = 1\nx.y = 2", 2, "duplicate key \"x.y\"");
    expect_error("t = {a = 1, a = 2}", 1, "duplicate key \"a\"");
    expect_error("[a]\nb = 1\n[a]\nc = 2", 3, "table \"a\" is already defined");
    expect_error("[a.b]\n[a]\n[a.b]", 3, "table \"a.b\" is already defined");
    expect_error("a = 1\n[a]", 2, "table \"a\" is already defined");
    expect_error("a.b = 1\n[a]", 2, "table \"a\" is already defined");
    expect_error("[fruit]\napple.color = 'red'\n[fruit.apple]", 3,
                 "table \"fruit.apple\" is already defined");
    expect_error("a = 1\na.b = 2", 2, "cannot add keys to \"a\"");
    expect_error("[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, "cannot add keys to \"b\"");
    expect_error("[a]\nb = {c = 1}\n[a.b.d]", 3, "cannot extend inline table \"a.b\"");
    expect_error("t = {a = 1}\nt.b = 2", 2, "cannot add keys to \"t\"");
    expect_error("t = {a = {b = 1}, a.c = 2}", 1, "cannot add keys to \"a\"");
    expect_error("a = [1]\n[[a]]", 2, "cannot append to \"a\": not an array of tables");
    expect_error("[a]\n[[a]]", 2, "cannot append to \"a\"");
    expect_error("[[a]]\n[a]", 2, "table \"a\" is already defined");
    expect_error("[[a]]\n[a.b]\n[a.b]", 3, "table \"a.b\" is already defined");
    expect_error("a = 1\n[a.b]", 2, "\"a\" is not a table");
    expect_error("[[a.b]]\n[a]\nb.y = 2", 3, "cannot add keys to \"b\"");
}

static void test_bad_strings(void **state)
{
    expect_error("s = \"abc", 1, "unterminated string");
    expect_error("s = \"abc\nd = 1", 1, "unterminated string");
    expect_error("s = 'abc", 1, "unterminated string");
    expect_error("a = 1\ns = \"\"\"abc\n\n", 2, "unterminated string");
    expect_error("s = '''abc''", 1, "unterminated string");
    expect_error("s = \"bad \\q\"", 1, "invalid escape sequence \"\\q\"");
    expect_error("s = \"bad \\ x\"", 1, "invalid escape sequence");
    expect_error("s = \"\\u12\"", 1, "invalid \\u escape");
    expect_error("s = \"\\U0000123\"", 1, "invalid \\U escape");
    expect_error("s = \"\\uD800\"", 1, "\\uD800 is not a Unicode scalar value");
    expect_error("s = \"\\U00110000\"", 1, "\\U00110000 is not a Unicode scalar value");
    expect_error("s = \"\\u0000\"", 1, "NUL characters");
    expect_error("s = \"ctl \x01\"", 1, "control character in string");
    expect_error("s = \"\"\"x\"\"\"\"\"\"", 1, "too many quotes");
    expect_error("a = 1\ns = \"\xff\"", 2, "invalid UTF-8");
    expect_error("s = \"\xc0\xaf\"", 1, "invalid UTF-8");
    expect_error("s = \"\xed\xa0\x80\"", 1, "invalid UTF-8");
    expect_error("# ctl \x01 in comment", 1, "control character in comment");
    expect_error("s = \"\"\"a\rb\"\"\"", 1, "carriage return");
}

static void test_bad_values(void **state)
{
    expect_error("a = 1 2", 1, "unexpected text after value: \"2\"");
    expect_error("a = \"x\" y", 1, "unexpected text after value");
    expect_error("a = [1] ]", 1, "unexpected text after value");
    expect_error("a = true,", 1, "unexpected text after value");
    expect_error("[a] x = 1", 1, "unexpected text after table header");
    expect_error("a =", 1, "expected a value");
    expect_error("a = \n1", 1, "expected a value");
    expect_error("a = yes", 1, "invalid value \"yes\"");
    expect_error("a = True", 1, "invalid value \"True\"");
    expect_error("a = 3.14", 1, "floating-point values are not supported");
    expect_error("a = 1e6", 1, "floating-point values are not supported");
    expect_error("a = -inf", 1, "floating-point values are not supported");
    expect_error("a = nan", 1, "floating-point values are not supported");
    expect_error("a = 1979-05-27", 1, "dates and times are not supported");
    expect_error("a = 07:32:00", 1, "dates and times are not supported");
    expect_error("a = 012", 1, "leading zeros not allowed");
    expect_error("a = 1__0", 1, "misplaced underscore");
    expect_error("a = 1_", 1, "misplaced underscore");
    expect_error("a = _1", 1, "invalid value");
    expect_error("a = 0x", 1, "invalid integer");
    expect_error("a = 0xg1", 1, "invalid integer");
    expect_error("a = 0b102", 1, "invalid integer");
    expect_error("a = +0x10", 1, "sign not allowed");
    expect_error("a = 9223372036854775808", 1, "integer \"9223372036854775808\" out of range");
    expect_error("a = -9223372036854775809", 1, "integer \"-9223372036854775809\" out of range");
    expect_error("a = 0xffffffffffffffff", 1, "integer \"0xffffffffffffffff\" out of range");
}

static void test_bad_syntax(void **state)
{
    expect_error("= 1", 1, "expected a key, found '='");
    expect_error("a b = 1", 1, "expected '=' after key \"a\"");
    expect_error("a", 1, "expected '=' after key \"a\"");
    expect_error("a. = 1", 1, "expected a key, found '='");
    expect_error("x = 1\n[a", 2, "expected ']' after table name");
    expect_error("[]", 1, "expected a key, found ']'");
    expect_error("[[a]", 1, "expected ']]' after array of tables name");
    expect_error("[[a] ]", 1, "expected ']]'");
    expect_error("a = [1, 2", 1, "unterminated array");
    expect_error("a = [1 2]", 1, "expected ',' or ']' in array");
    expect_error("a = [,]", 1, "expected a value");
    expect_error("a = [1,,2]", 1, "expected a value");
    expect_error("t = {a = 1", 1, "unterminated inline table");
    expect_error("t = {a = 1,}", 1, "trailing comma in inline table");
    expect_error("t = {a = 1\n}", 1, "newline in inline table");
    expect_error("t = {a = 1 b = 2}", 1, "expected ',' or '}' in inline table");
    expect_error("t = {a}", 1, "expected '=' after key \"a\"");
    expect_error("a = 1\r", 1, "unexpected text after value");
}

static void test_depth_limit(void **state)
{
    struct sk_error err = {0};
    char text[256] = "a = ";
    for (int i = 0; i < 100; i++)
        strcat(text, "[");
    _cleanup_json_ json_t *j = sk_toml_parse(text, "deep.toml", &err);
    assert_null(j);
    assert_non_null(strstr(err.msg, "deep.toml:1: arrays and inline tables nested deeper"));

    /* 32 levels are fine. */
    char ok[256] = "a = ";
    for (int i = 0; i < 32; i++)
        strcat(ok, "[");
    for (int i = 0; i < 32; i++)
        strcat(ok, "]");
    _cleanup_json_ json_t *j2 = sk_toml_parse(ok, "deep.toml", &err);
    assert_non_null(j2);

    _cleanup_free_ char *longkey = sk_strdup("k");
    for (int i = 0; i < 40; i++) {
        char *next = sk_asprintf("%s.k", longkey);
        free(longkey);
        longkey = next;
    }
    _cleanup_free_ char *kv = sk_asprintf("%s = 1", longkey);
    _cleanup_json_ json_t *j3 = sk_toml_parse(kv, "deep.toml", &err);
    assert_null(j3);
    assert_non_null(strstr(err.msg, "key has more than"));
}

static void test_error_source(void **state)
{
    struct sk_error err = {0};
    _cleanup_json_ json_t *j =
        sk_toml_parse("\n\n\na = @", "/etc/containers/registries.conf", &err);
    assert_null(j);
    assert_string_equal(err.msg, "/etc/containers/registries.conf:4: expected a value");
    assert_null(sk_toml_parse(NULL, "x", &err));
    assert_null(sk_toml_parse("a = [", "x", NULL)); /* err may be NULL */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_comments),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_array_of_tables),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_multiline_strings),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_inline_tables),
        cmocka_unit_test(test_registries_conf),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_bad_strings),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_bad_syntax),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_error_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
