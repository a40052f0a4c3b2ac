/* Shared command-line helpers: errors, flags, JSON and table output. */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "engine/userns.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_fail(const struct sk_error *err)
{
    fprintf(stderr, "skiff: error: %s\n", err && err->msg[0] ? err->msg : "unknown error");
    return EXIT_ENGINE;
}

int cmd_failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("skiff: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_ENGINE;
}

void cmd_warn(const char *msg) { fprintf(stderr, "skiff: warning: %s\n", msg); }

void cmd_warn_cb(void *data, const char *msg)
{
    (void)data;
    cmd_warn(msg);
}

int cmd_enter_userns(void)
{
    struct sk_error err = {0};
    _cleanup_free_ char *warning = NULL;
    if (engine_userns_enter(&warning, &err) < 0)
        return cmd_fail(&err);
    if (warning)
        cmd_warn(warning);
    return 0;
}

int cmd_open_engine(const struct cmd_globals *g, struct engine **ret)
{
    int rc = cmd_enter_userns();
    if (rc)
        return rc;
    struct sk_error err = {0};
    struct engine_opts o = {.root = g->root, .runroot = g->runroot,
                            .storage_driver = g->storage_driver};
    if (engine_open(&o, ret, &err) < 0)
        return cmd_fail(&err);
    return 0;
}

void cmd_print_usage(const struct cmd *c, FILE *f)
{
    fprintf(f, "%s\n\nUsage: %s", c->summary, c->usage);
}

int cmd_getopt(const struct cmd *c, int argc, char **argv, const char *shortopts,
               const struct option *longopts, int *ret_exit)
{
    char opts[128];
    bool posix = shortopts[0] == '+';
    snprintf(opts, sizeof(opts), "%s:%s", posix ? "+" : "", shortopts + posix);
    opterr = 0;
    int longidx = -1;
    int ch = getopt_long(argc, argv, opts, longopts, &longidx);
    const char *h = strchr(shortopts, 'h');
    bool h_is_help = !h || h[1] != ':'; /* create/run: -h is --hostname */
    if (ch == 'h' && h_is_help) {
        cmd_print_usage(c, stdout);
        *ret_exit = 0;
        return -2;
    }
    if (ch == '?') {
        const char *bad = argv[optind - 1];
        if (optopt && (bad[0] != '-' || bad[1] == '-' || strlen(bad) > 2))
            *ret_exit = cmd_failf("unknown shorthand flag: '%c' in %s (see 'skiff %s --help')",
                                  optopt, bad, c->name);
        else if (optopt)
            *ret_exit = cmd_failf("unknown shorthand flag: '%c' in -%c (see 'skiff %s --help')",
                                  optopt, optopt, c->name);
        else
            *ret_exit = cmd_failf("unknown flag: %s (see 'skiff %s --help')", bad, c->name);
        return -2;
    }
    if (ch == ':') {
        *ret_exit = cmd_failf("flag needs an argument: %s", argv[optind - 1]);
        return -2;
    }
    return ch;
}

int cmd_flag_value(int argc, char **argv, int *i, const char *flag, const char **ret)
{
    size_t n = strlen(flag);
    if (strncmp(argv[*i], flag, n) != 0)
        return 0;
    if (argv[*i][n] == '=') {
        *ret = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *ret = argv[++*i];
    return 1;
}

int cmd_parse_bool(const char *flag, const char *value)
{
    if (!value || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
        return 1;
    if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
        return 0;
    cmd_failf("invalid argument \"%s\" for \"--%s\" flag: want true or false", value, flag);
    return -1;
}

int cmd_parse_seconds(const char *flag, const char *value, int *ret)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < -1 || v > 1000000) {
        cmd_failf("invalid argument \"%s\" for \"%s\" flag: want seconds", value, flag);
        return -1;
    }
    *ret = v == -1 ? 1000000 : (int)v; /* -1: as good as forever */
    return 0;
}

void cmd_print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(4) | JSON_ENCODE_ANY);
    if (s) {
        puts(s);
        free(s);
    }
}

bool cmd_format_is_table(const char *format)
{
    return strncmp(format, "table", 5) == 0;
}

static void append(char **buf, size_t *len, const char *s, size_t n)
{
    *buf = sk_realloc(*buf, *len + n + 1);
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* {{.Field}} and {{ .Field }} from fields; \t and \n escapes; "{{json .X}}". */
char *cmd_format_row(const char *format, json_t *fields)
{
    if (cmd_format_is_table(format)) {
        format += 5;
        while (*format == ' ')
            format++;
    }
    char *out = sk_strdup("");
    size_t len = 0;
    for (const char *p = format; *p;) {
        if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
            append(&out, &len, p[1] == 't' ? "\t" : "\n", 1);
            p += 2;
            continue;
        }
        if (strncmp(p, "{{", 2) != 0) {
            append(&out, &len, p, 1);
            p++;
            continue;
        }
        const char *end = strstr(p, "}}");
        if (!end) {
            append(&out, &len, p, strlen(p));
            break;
        }
        _cleanup_free_ char *expr = sk_strndup(p + 2, (size_t)(end - p - 2));
        char *e = expr;
        while (*e == ' ')
            e++;
        bool as_json = strncmp(e, "json ", 5) == 0;
        if (as_json)
            e += 5;
        while (*e == ' ')
            e++;
        size_t el = strlen(e);
        while (el && e[el - 1] == ' ')
            e[--el] = '\0';
        json_t *v = fields;
        if (strcmp(e, ".") != 0) {
            char *save = NULL;
            for (char *tok = strtok_r(e, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save))
                v = json_object_get(v, tok);
        }
        if (v && (as_json || json_is_object(v) || json_is_array(v))) {
            _cleanup_free_ char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            append(&out, &len, s, strlen(s));
        } else if (json_is_string(v)) {
            append(&out, &len, json_string_value(v), strlen(json_string_value(v)));
        } else if (json_is_integer(v)) {
            char num[32];
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
            append(&out, &len, num, strlen(num));
        } else if (json_is_boolean(v)) {
            append(&out, &len, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
        } else {
            append(&out, &len, "<no value>", 10);
        }
        p = end + 2;
    }
    return out;
}

void cmd_table_add(struct cmd_table *t, ...)
{
    va_list ap;
    size_t n = 0;
    va_start(ap, t);
    while (va_arg(ap, const char *))
        n++;
    va_end(ap);
    char **row = sk_calloc(n + 1, sizeof(char *));
    va_start(ap, t);
    for (size_t i = 0; i < n; i++)
        row[i] = sk_strdup(va_arg(ap, const char *));
    va_end(ap);
    cmd_table_add_row(t, row);
}

void cmd_table_add_row(struct cmd_table *t, char **cells)
{
    size_t n = sk_strv_len(cells);
    if (n > t->ncols)
        t->ncols = n;
    t->rows = sk_realloc(t->rows, (t->nrows + 1) * sizeof(char **));
    t->rows[t->nrows++] = cells;
}

void cmd_table_print(struct cmd_table *t, FILE *f)
{
    size_t *w = sk_calloc(t->ncols ? t->ncols : 1, sizeof(size_t));
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; t->rows[r][c]; c++)
            if (strlen(t->rows[r][c]) > w[c])
                w[c] = strlen(t->rows[r][c]);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; t->rows[r][c]; c++) {
            if (t->rows[r][c + 1])
                fprintf(f, "%-*s", (int)(w[c] + 2 > t->min_width ? w[c] + 2 : t->min_width),
                        t->rows[r][c]);
            else
                fputs(t->rows[r][c], f);
        }
        fputc('\n', f);
        sk_strv_free(t->rows[r]);
    }
    free(t->rows);
    free(w);
    t->rows = NULL;
    t->nrows = t->ncols = 0;
}
