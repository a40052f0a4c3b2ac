#include "common/util.h"
#include "common/cleanup.h"
#include "common/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void oom(void)
{
    fputs("skiff: error: out of memory\n", stderr);
    abort();
}

void *sk_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *sk_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *sk_realloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *sk_strdup(const char *s)
{
    char *r = strdup(s ? s : "");
    if (!r)
        oom();
    return r;
}

char *sk_strndup(const char *s, size_t n)
{
    char *r = strndup(s, n);
    if (!r)
        oom();
    return r;
}

char *sk_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *r = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&r, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    return r;
}

bool sk_str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool sk_str_has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

void sk_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

size_t sk_strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

void sk_strv_push(char ***v, const char *s)
{
    size_t n = sk_strv_len(*v);
    *v = sk_realloc(*v, (n + 2) * sizeof(char *));
    (*v)[n] = sk_strdup(s);
    (*v)[n + 1] = NULL;
}

bool sk_strv_contains(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

void sk_format_size(double bytes, char *buf, size_t len)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    size_t u = 0;
    while (bytes >= 1000 && u + 1 < SK_ARRAY_SIZE(units)) {
        bytes /= 1000;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%.0f %s", bytes, units[u]);
    else
        snprintf(buf, len, "%.3g %s", bytes, units[u]);
}

void sk_format_ago(long long s, char *buf, size_t len)
{
    char d[48];
    sk_human_duration(s * SK_NSEC_PER_SEC, d, sizeof(d));
    snprintf(buf, len, "%s ago", d);
}

void sk_format_rfc3339(long long sec, long nsec, char *buf, size_t len)
{
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[64];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%09ldZ", base, nsec);
}
