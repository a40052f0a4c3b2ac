/* A strict TOML 1.0 subset parser (see toml.h). Recursive descent over a
 * NUL-terminated buffer; every error carries "source:line". TOML forbids
 * reopening tables and extending inline tables, which a plain JSON tree cannot
 * express, so the parser keeps a side list of how each table came to be. */
#include "common/toml.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Arrays and inline tables nest by recursion, and jansson frees trees
 * recursively: cap both so hostile input cannot exhaust the stack. */
#define TOML_MAX_DEPTH 32
#define TOML_MAX_KEY_PARTS 32

/* How a table or array came to be. Plain tables created on the way to a
 * deeper [a.b.c] header have no flags and may still be defined later. */
enum {
    TOML_DEFINED = 1 << 0, /* by a [header], or an element of an [[array]] */
    TOML_DOTTED = 1 << 1,  /* by a dotted key: a.b = 1 */
    TOML_INLINE = 1 << 2,  /* an inline table: closed once written */
    TOML_AOT = 1 << 3,     /* an array made by [[header]]; other arrays are static */
};

struct toml_mark {
    const json_t *node;
    unsigned flags;
};

struct toml_parser {
    const char *p;
    const char *source;
    int line;
    int depth;
    struct sk_error *err;
    struct toml_mark *marks;
    size_t nmarks;
    size_t capmarks;
};

struct toml_buf {
    char *data;
    size_t len;
    size_t cap;
};

static int toml_parse_value(struct toml_parser *ps, json_t **ret);
static int toml_parse_keyval(struct toml_parser *ps, json_t *table);

__attribute__((format(printf, 2, 3))) static int toml_fail(struct toml_parser *ps, const char *fmt,
                                                           ...)
{
    char why[SK_ERROR_MSG_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return sk_error_set(ps->err, EINVAL, "%s:%d: %s", ps->source, ps->line, why);
}

static void toml_parser_done(struct toml_parser *ps)
{
    free(ps->marks);
}

static unsigned toml_flags(const struct toml_parser *ps, const json_t *node)
{
    for (size_t i = ps->nmarks; i-- > 0;)
        if (ps->marks[i].node == node)
            return ps->marks[i].flags;
    return 0;
}

static void toml_mark(struct toml_parser *ps, const json_t *node, unsigned flags)
{
    for (size_t i = ps->nmarks; i-- > 0;) {
        if (ps->marks[i].node == node) {
            ps->marks[i].flags |= flags;
            return;
        }
    }
    if (ps->nmarks == ps->capmarks) {
        ps->capmarks = ps->capmarks ? ps->capmarks * 2 : 16;
        ps->marks = sk_realloc(ps->marks, ps->capmarks * sizeof(*ps->marks));
    }
    ps->marks[ps->nmarks++] = (struct toml_mark){node, flags};
}

static void toml_buf_done(struct toml_buf *b)
{
    free(b->data);
}

static void toml_buf_put(struct toml_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap)
            b->cap = b->cap ? b->cap * 2 : 64;
        b->data = sk_realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void toml_buf_putc(struct toml_buf *b, char c)
{
    toml_buf_put(b, &c, 1);
}

static void toml_buf_put_utf8(struct toml_buf *b, uint32_t cp)
{
    char out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        out[0] = (char)(0xf0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    toml_buf_put(b, out, n);
}

/* The finished string; an empty buffer yields "". */
static char *toml_buf_steal(struct toml_buf *b)
{
    if (!b->data)
        return sk_strdup("");
    return SK_STEAL(b->data);
}

static bool toml_unicode_scalar(uint32_t cp)
{
    return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

/* Length of the well-formed UTF-8 sequence at s, or 0. */
static size_t toml_utf8_len(const unsigned char *s)
{
    size_t n;
    uint32_t cp, min;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2, cp = s[0] & 0x1f, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3, cp = s[0] & 0x0f, min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4, cp = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    return cp >= min && toml_unicode_scalar(cp) ? n : 0;
}

static int toml_check_utf8(struct toml_parser *ps, const char *text)
{
    for (const unsigned char *s = (const unsigned char *)text; *s;) {
        size_t n = toml_utf8_len(s);
        if (n == 0)
            return toml_fail(ps, "invalid UTF-8");
        if (*s == '\n')
            ps->line++;
        s += n;
    }
    ps->line = 1;
    return 0;
}

static bool toml_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool toml_is_alnum(char c)
{
    return toml_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool toml_is_control(char c)
{
    return ((unsigned char)c < 0x20 && c != '\t') || c == 0x7f;
}

static int toml_hex_value(char c)
{
    if (toml_is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void toml_skip_ws(struct toml_parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t')
        ps->p++;
}

static bool toml_at_newline(const char *p)
{
    return p[0] == '\n' || (p[0] == '\r' && p[1] == '\n');
}

static bool toml_eat_newline(struct toml_parser *ps)
{
    if (!toml_at_newline(ps->p))
        return false;
    ps->p += ps->p[0] == '\r' ? 2 : 1;
    ps->line++;
    return true;
}

static int toml_skip_comment(struct toml_parser *ps)
{
    if (*ps->p != '#')
        return 0;
    for (ps->p++; *ps->p && !toml_at_newline(ps->p); ps->p++)
        if (toml_is_control(*ps->p))
            return toml_fail(ps, "control character in comment");
    return 0;
}

/* Whitespace, comments and newlines: what may separate array elements and lines. */
static int toml_skip_blank(struct toml_parser *ps)
{
    for (;;) {
        toml_skip_ws(ps);
        if (toml_skip_comment(ps) < 0)
            return -1;
        if (!toml_eat_newline(ps))
            return 0;
    }
}

/* After a key/value or a header only whitespace and a comment may follow. */
static int toml_end_line(struct toml_parser *ps, const char *what)
{
    toml_skip_ws(ps);
    if (toml_skip_comment(ps) < 0)
        return -1;
    if (*ps->p == '\0' || toml_eat_newline(ps))
        return 0;
    int n = (int)strcspn(ps->p, "\r\n");
    return toml_fail(ps, "unexpected text after %s: \"%.*s\"", what, n > 40 ? 40 : n, ps->p);
}

/* "a.b.c" from the first n key parts, for messages. */
static char *toml_key_name(char **key, size_t n)
{
    struct toml_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (i)
            toml_buf_putc(&b, '.');
        toml_buf_put(&b, key[i], strlen(key[i]));
    }
    return toml_buf_steal(&b);
}

/* \uXXXX or \UXXXXXXXX; p is at the backslash. */
static int toml_parse_unicode_escape(struct toml_parser *ps, struct toml_buf *b)
{
    char kind = ps->p[1];
    int ndigits = kind == 'u' ? 4 : 8;
    const char *hex = ps->p + 2;
    uint32_t cp = 0;
    for (int i = 0; i < ndigits; i++) {
        int v = toml_hex_value(hex[i]);
        if (v < 0)
            return toml_fail(ps, "invalid \\%c escape: expected %d hex digits", kind, ndigits);
        cp = (cp << 4) | (uint32_t)v;
    }
    if (cp == 0)
        return toml_fail(ps, "NUL characters (\\%c%.*s) are not supported", kind, ndigits, hex);
    if (!toml_unicode_scalar(cp))
        return toml_fail(ps, "\\%c%.*s is not a Unicode scalar value", kind, ndigits, hex);
    toml_buf_put_utf8(b, cp);
    ps->p = hex + ndigits;
    return 0;
}

/* In multi-line basic strings a backslash ending a line swallows the newline
 * and all whitespace up to the next visible character. */
static bool toml_skip_line_continuation(struct toml_parser *ps)
{
    const char *q = ps->p + 1;
    while (*q == ' ' || *q == '\t')
        q++;
    if (!toml_at_newline(q))
        return false;
    ps->p = q;
    for (;;) {
        if (*ps->p == ' ' || *ps->p == '\t')
            ps->p++;
        else if (!toml_eat_newline(ps))
            return true;
    }
}

/* p is at the backslash. */
static int toml_parse_escape(struct toml_parser *ps, bool multi, struct toml_buf *b)
{
    static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
    char c = ps->p[1];
    const char *hit = c ? strchr(from, c) : NULL;
    if (hit) {
        toml_buf_putc(b, to[hit - from]);
        ps->p += 2;
        return 0;
    }
    if (c == 'u' || c == 'U')
        return toml_parse_unicode_escape(ps, b);
    if (multi && toml_skip_line_continuation(ps))
        return 0;
    if (c > 0x20 && c < 0x7f)
        return toml_fail(ps, "invalid escape sequence \"\\%c\"", c);
    return toml_fail(ps, "invalid escape sequence");
}

/* At a quote inside a string: 1 when it closes the string, 0 when the quotes
 * are content (multi-line strings may hold up to two in a row), -1 on error. */
static int toml_string_close(struct toml_parser *ps, char quote, bool multi, struct toml_buf *b)
{
    if (!multi) {
        ps->p++;
        return 1;
    }
    size_t n = strspn(ps->p, quote == '"' ? "\"" : "'");
    if (n < 3) {
        toml_buf_put(b, ps->p, n);
        ps->p += n;
        return 0;
    }
    if (n > 5)
        return toml_fail(ps, "too many quotes at the end of a multi-line string");
    toml_buf_put(b, ps->p, n - 3);
    ps->p += n;
    return 1;
}

/* Basic ("...") or literal ('...') string, multi-line forms when allowed;
 * p is at the opening quote. */
static int toml_parse_string(struct toml_parser *ps, bool allow_multi, char **ret)
{
    _cleanup_(toml_buf_done) struct toml_buf b = {0};
    char quote = *ps->p;
    bool multi = allow_multi && ps->p[1] == quote && ps->p[2] == quote;
    int start_line = ps->line;
    ps->p += multi ? 3 : 1;
    if (multi)
        toml_eat_newline(ps); /* a newline right after the opening quotes is trimmed */
    for (;;) {
        char c = *ps->p;
        if (c == quote) {
            int r = toml_string_close(ps, quote, multi, &b);
            if (r < 0)
                return -1;
            if (r > 0)
                break;
        } else if (c == '\0' || (!multi && (c == '\n' || c == '\r'))) {
            ps->line = start_line;
            return toml_fail(ps, "unterminated string");
        } else if (c == '\n' || c == '\r') {
            if (!toml_eat_newline(ps))
                return toml_fail(ps, "carriage return without newline in string");
            toml_buf_putc(&b, '\n');
        } else if (c == '\\' && quote == '"') {
            if (toml_parse_escape(ps, multi, &b) < 0)
                return -1;
        } else if (toml_is_control(c)) {
            return toml_fail(ps, "control character in string");
        } else {
            toml_buf_putc(&b, c);
            ps->p++;
        }
    }
    *ret = toml_buf_steal(&b);
    return 0;
}

static bool toml_is_bare_key(char c)
{
    return toml_is_alnum(c) || c == '_' || c == '-';
}

static int toml_parse_simple_key(struct toml_parser *ps, char **ret)
{
    if (*ps->p == '"' || *ps->p == '\'')
        return toml_parse_string(ps, false, ret);
    const char *start = ps->p;
    while (toml_is_bare_key(*ps->p))
        ps->p++;
    if (ps->p == start) {
        if (*ps->p == '\0' || toml_at_newline(ps->p))
            return toml_fail(ps, "expected a key");
        return toml_fail(ps, "expected a key, found '%c'", *ps->p);
    }
    *ret = sk_strndup(start, (size_t)(ps->p - start));
    return 0;
}

/* key, "quoted key" or dotted.key; returns the parts. */
static int toml_parse_key(struct toml_parser *ps, char ***ret)
{
    _cleanup_strv_ char **parts = NULL;
    for (size_t n = 1;; n++) {
        _cleanup_free_ char *part = NULL;
        if (n > TOML_MAX_KEY_PARTS)
            return toml_fail(ps, "key has more than %d parts", TOML_MAX_KEY_PARTS);
        toml_skip_ws(ps);
        if (toml_parse_simple_key(ps, &part) < 0)
            return -1;
        sk_strv_push(&parts, part);
        toml_skip_ws(ps);
        if (*ps->p != '.')
            break;
        ps->p++;
    }
    *ret = SK_STEAL(parts);
    return 0;
}

static int toml_parse_integer(struct toml_parser *ps, const char *tok, json_t **ret)
{
    const char *s = tok;
    bool neg = *s == '-';
    int base = 10;
    if (*s == '+' || *s == '-')
        s++;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
        if (s != tok)
            return toml_fail(ps, "sign not allowed on \"%s\"", tok);
        base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
        s += 2;
    } else if (s[0] == '0' && s[1] != '\0') {
        return toml_fail(ps, "leading zeros not allowed in \"%s\"", tok);
    }
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    bool after_digit = false;
    for (; *s; s++) {
        int d = toml_hex_value(*s);
        if (*s == '_') {
            int next = toml_hex_value(s[1]);
            if (!after_digit || next < 0 || next >= base)
                return toml_fail(ps, "misplaced underscore in \"%s\"", tok);
            after_digit = false;
            continue;
        }
        if (d < 0 || d >= base)
            return toml_fail(ps, "invalid integer \"%s\"", tok);
        if (v > (limit - (uint64_t)d) / (uint64_t)base)
            return toml_fail(ps, "integer \"%s\" out of range", tok);
        v = v * (uint64_t)base + (uint64_t)d;
        after_digit = true;
    }
    if (!after_digit)
        return toml_fail(ps, "invalid integer \"%s\"", tok);
    *ret = json_integer(neg ? (json_int_t)(0 - v) : (json_int_t)v);
    return 0;
}

static bool toml_is_scalar_char(char c)
{
    return toml_is_alnum(c) || c == '_' || c == '+' || c == '-' || c == '.' || c == ':';
}

/* Booleans and integers; floats, dates and times are recognized only to
 * reject them clearly. */
static int toml_parse_scalar(struct toml_parser *ps, json_t **ret)
{
    const char *start = ps->p;
    while (toml_is_scalar_char(*ps->p))
        ps->p++;
    if (ps->p == start)
        return toml_fail(ps, "expected a value");
    _cleanup_free_ char *tok = sk_strndup(start, (size_t)(ps->p - start));
    if (strcmp(tok, "true") == 0 || strcmp(tok, "false") == 0) {
        *ret = json_boolean(tok[0] == 't');
        return 0;
    }
    const char *body = tok + (tok[0] == '+' || tok[0] == '-');
    bool prefixed = body[0] == '0' && body[1] && strchr("xob", body[1]);
    if (strcmp(body, "inf") == 0 || strcmp(body, "nan") == 0)
        return toml_fail(ps, "floating-point values are not supported: \"%s\"", tok);
    if (!toml_is_digit(body[0]))
        return toml_fail(ps, "invalid value \"%s\" (strings must be quoted)", tok);
    if (!prefixed && (strchr(body, ':') || strchr(body, '-')))
        return toml_fail(ps, "dates and times are not supported: \"%s\"", tok);
    if (!prefixed && strpbrk(body, ".eE"))
        return toml_fail(ps, "floating-point values are not supported: \"%s\"", tok);
    return toml_parse_integer(ps, tok, ret);
}

static int toml_enter(struct toml_parser *ps)
{
    if (++ps->depth > TOML_MAX_DEPTH)
        return toml_fail(ps, "arrays and inline tables nested deeper than %d", TOML_MAX_DEPTH);
    return 0;
}

static int toml_parse_array(struct toml_parser *ps, json_t **ret)
{
    _cleanup_json_ json_t *arr = json_array();
    if (toml_enter(ps) < 0)
        return -1;
    for (ps->p++;; ps->p++) {
        json_t *v = NULL;
        if (toml_skip_blank(ps) < 0)
            return -1;
        if (*ps->p == ']')
            break;
        if (toml_parse_value(ps, &v) < 0)
            return -1;
        json_array_append_new(arr, v);
        if (toml_skip_blank(ps) < 0)
            return -1;
        if (*ps->p == ']')
            break;
        if (*ps->p != ',')
            return toml_fail(ps, *ps->p ? "expected ',' or ']' in array" : "unterminated array");
    }
    ps->p++;
    ps->depth--;
    *ret = SK_STEAL(arr);
    return 0;
}

static int toml_parse_inline_table(struct toml_parser *ps, json_t **ret)
{
    _cleanup_json_ json_t *table = json_object();
    if (toml_enter(ps) < 0)
        return -1;
    ps->p++;
    toml_skip_ws(ps);
    while (*ps->p != '}') {
        if (toml_parse_keyval(ps, table) < 0)
            return -1;
        toml_skip_ws(ps);
        if (*ps->p == '}')
            break;
        if (*ps->p == '\0')
            return toml_fail(ps, "unterminated inline table");
        if (*ps->p == '\n' || *ps->p == '\r')
            return toml_fail(ps, "newline in inline table");
        if (*ps->p != ',')
            return toml_fail(ps, "expected ',' or '}' in inline table");
        ps->p++;
        toml_skip_ws(ps);
        if (*ps->p == '}')
            return toml_fail(ps, "trailing comma in inline table");
    }
    ps->p++;
    ps->depth--;
    toml_mark(ps, table, TOML_INLINE);
    *ret = SK_STEAL(table);
    return 0;
}

static int toml_parse_value(struct toml_parser *ps, json_t **ret)
{
    if (*ps->p == '"' || *ps->p == '\'') {
        _cleanup_free_ char *s = NULL;
        if (toml_parse_string(ps, true, &s) < 0)
            return -1;
        *ret = json_string(s);
        return *ret ? 0 : toml_fail(ps, "invalid string");
    }
    if (*ps->p == '[')
        return toml_parse_array(ps, ret);
    if (*ps->p == '{')
        return toml_parse_inline_table(ps, ret);
    return toml_parse_scalar(ps, ret);
}

static json_t *toml_add_table(json_t *parent, const char *key)
{
    json_t *t = json_object();
    json_object_set_new(parent, key, t);
    return t;
}

/* The table that the dotted key part key[i] names inside table, created if
 * missing. Only tables made by dotted keys may be extended this way. */
static json_t *toml_dotted_child(struct toml_parser *ps, json_t *table, char **key, size_t i)
{
    json_t *child = json_object_get(table, key[i]);
    if (!child) {
        child = toml_add_table(table, key[i]);
        toml_mark(ps, child, TOML_DOTTED);
        return child;
    }
    if (json_is_object(child) &&
        (toml_flags(ps, child) & (TOML_DOTTED | TOML_INLINE)) == TOML_DOTTED)
        return child;
    _cleanup_free_ char *name = toml_key_name(key, i + 1);
    toml_fail(ps, "cannot add keys to \"%s\": already defined", name);
    return NULL;
}

/* key = value, into table (the current [table] or an inline table). */
static int toml_parse_keyval(struct toml_parser *ps, json_t *table)
{
    _cleanup_strv_ char **key = NULL;
    if (toml_parse_key(ps, &key) < 0)
        return -1;
    size_t n = sk_strv_len(key);
    if (*ps->p != '=') {
        _cleanup_free_ char *name = toml_key_name(key, n);
        return toml_fail(ps, "expected '=' after key \"%s\"", name);
    }
    ps->p++;
    toml_skip_ws(ps);
    for (size_t i = 0; i + 1 < n; i++)
        if (!(table = toml_dotted_child(ps, table, key, i)))
            return -1;
    if (json_object_get(table, key[n - 1])) {
        _cleanup_free_ char *name = toml_key_name(key, n);
        return toml_fail(ps, "duplicate key \"%s\"", name);
    }
    json_t *v = NULL;
    if (toml_parse_value(ps, &v) < 0)
        return -1;
    json_object_set_new(table, key[n - 1], v);
    return 0;
}

/* An intermediate part of a [a.b.c] or [[a.b.c]] header: tables are entered
 * (an array of tables through its last element), anything else is an error. */
static json_t *toml_header_child(struct toml_parser *ps, json_t *table, char **key, size_t i)
{
    json_t *child = json_object_get(table, key[i]);
    if (!child)
        return toml_add_table(table, key[i]);
    unsigned flags = toml_flags(ps, child);
    if (json_is_object(child) && !(flags & TOML_INLINE))
        return child;
    if (json_is_array(child) && (flags & TOML_AOT))
        return json_array_get(child, json_array_size(child) - 1);
    _cleanup_free_ char *name = toml_key_name(key, i + 1);
    toml_fail(ps,
              json_is_object(child) ? "cannot extend inline table \"%s\"" : "\"%s\" is not a table",
              name);
    return NULL;
}

static json_t *toml_header_define(struct toml_parser *ps, json_t *table, char **key, size_t i)
{
    json_t *child = json_object_get(table, key[i]);
    if (!child)
        child = toml_add_table(table, key[i]);
    else if (!json_is_object(child) || toml_flags(ps, child) != 0)
        child = NULL;
    if (child) {
        toml_mark(ps, child, TOML_DEFINED);
        return child;
    }
    _cleanup_free_ char *name = toml_key_name(key, i + 1);
    toml_fail(ps, "table \"%s\" is already defined", name);
    return NULL;
}

static json_t *toml_header_append(struct toml_parser *ps, json_t *table, char **key, size_t i)
{
    json_t *arr = json_object_get(table, key[i]);
    if (!arr) {
        arr = json_array();
        json_object_set_new(table, key[i], arr);
        toml_mark(ps, arr, TOML_AOT);
    } else if (!json_is_array(arr) || !(toml_flags(ps, arr) & TOML_AOT)) {
        _cleanup_free_ char *name = toml_key_name(key, i + 1);
        toml_fail(ps, "cannot append to \"%s\": not an array of tables", name);
        return NULL;
    }
    json_t *t = json_object();
    json_array_append_new(arr, t);
    toml_mark(ps, t, TOML_DEFINED);
    return t;
}

/* [a.b] or [[a.b]]; on success *ret_table is where following keys go. */
static int toml_parse_header(struct toml_parser *ps, json_t *root, json_t **ret_table)
{
    _cleanup_strv_ char **key = NULL;
    bool aot = ps->p[1] == '[';
    ps->p += aot ? 2 : 1;
    if (toml_parse_key(ps, &key) < 0)
        return -1;
    if (ps->p[0] != ']' || (aot && ps->p[1] != ']'))
        return toml_fail(ps, aot ? "expected ']]' after array of tables name"
                                 : "expected ']' after table name");
    ps->p += aot ? 2 : 1;
    size_t n = sk_strv_len(key);
    json_t *t = root;
    for (size_t i = 0; t && i + 1 < n; i++)
        t = toml_header_child(ps, t, key, i);
    if (t)
        t = aot ? toml_header_append(ps, t, key, n - 1) : toml_header_define(ps, t, key, n - 1);
    if (!t)
        return -1;
    *ret_table = t;
    return toml_end_line(ps, "table header");
}

json_t *sk_toml_parse(const char *text, const char *source, struct sk_error *err)
{
    _cleanup_(toml_parser_done) struct toml_parser ps = {
        .p = text, .source = source ? source : "<toml>", .line = 1, .err = err};
    if (!text) {
        toml_fail(&ps, "no document");
        return NULL;
    }
    if (toml_check_utf8(&ps, text) < 0)
        return NULL;
    if (sk_str_has_prefix(ps.p, "\xef\xbb\xbf"))
        ps.p += 3;
    _cleanup_json_ json_t *root = json_object();
    json_t *table = root;
    for (;;) {
        if (toml_skip_blank(&ps) < 0)
            return NULL;
        if (*ps.p == '\0')
            break;
        if (*ps.p == '[') {
            if (toml_parse_header(&ps, root, &table) < 0)
                return NULL;
        } else if (toml_parse_keyval(&ps, table) < 0 || toml_end_line(&ps, "value") < 0) {
            return NULL;
        }
    }
    return SK_STEAL(root);
}
