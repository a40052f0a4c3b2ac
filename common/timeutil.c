/* Times and durations in podman's formats (see timeutil.h). */
#include "common/timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long long sk_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * SK_NSEC_PER_SEC + ts.tv_nsec;
}

/* Exactly n digits at *p into *ret; moves *p on. */
static bool digits(const char **p, int n, int *ret)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *ret = v;
    return true;
}

/* "2006-01-02" into tm. */
static bool parse_date(const char **p, struct tm *tm)
{
    int y, mo, d;
    if (!digits(p, 4, &y) || *(*p)++ != '-' || !digits(p, 2, &mo) || *(*p)++ != '-' ||
        !digits(p, 2, &d))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31)
        return false;
    tm->tm_year = y - 1900;
    tm->tm_mon = mo - 1;
    tm->tm_mday = d;
    return true;
}

/* "15:04:05[.fraction]" into tm and *nsec. */
static bool parse_clock(const char **p, struct tm *tm, long *nsec)
{
    int h, mi, s;
    if (!digits(p, 2, &h) || *(*p)++ != ':' || !digits(p, 2, &mi) || *(*p)++ != ':' ||
        !digits(p, 2, &s))
        return false;
    if (h > 23 || mi > 59 || s > 60)
        return false;
    tm->tm_hour = h;
    tm->tm_min = mi;
    tm->tm_sec = s;
    *nsec = 0;
    if (**p == '.' || **p == ',') {
        (*p)++;
        if (!isdigit((unsigned char)**p))
            return false;
        long scale = 100000000;
        for (; isdigit((unsigned char)**p); (*p)++) {
            *nsec += (**p - '0') * scale;
            scale /= 10;
        }
    }
    return true;
}

/* "Z" or "+07:00" / "-07:00" into *offset; false when neither. */
static bool parse_zone(const char **p, int *offset)
{
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        *offset = 0;
        return true;
    }
    if (**p != '+' && **p != '-')
        return false;
    int sign = **p == '-' ? -1 : 1, h, m;
    (*p)++;
    if (!digits(p, 2, &h) || *(*p)++ != ':' || !digits(p, 2, &m) || h > 23 || m > 59)
        return false;
    *offset = sign * (h * 3600 + m * 60);
    return true;
}

int sk_time_parse_rfc3339(const char *s, struct sk_time *ret)
{
    struct tm tm = {0};
    long nsec = 0;
    int offset = 0;
    const char *p = s;
    if (!parse_date(&p, &tm) || (*p != 'T' && *p != 't'))
        return -1;
    p++;
    if (!parse_clock(&p, &tm, &nsec) || !parse_zone(&p, &offset) || *p)
        return -1;
    long long sec = (long long)timegm(&tm) - offset;
    if (sec > LLONG_MAX / SK_NSEC_PER_SEC - 1 || sec < LLONG_MIN / SK_NSEC_PER_SEC + 1)
        return -1; /* not a time we can hold (Go's zero time, year 1, is one) */
    ret->ns = sec * SK_NSEC_PER_SEC + nsec;
    ret->offset_sec = offset;
    return 0;
}

/* The wall clock of t in its own offset, and the zone text. */
static void wall_clock(const struct sk_time *t, char *base, size_t blen, long *nsec, char zone[8])
{
    long long sec = t->ns / SK_NSEC_PER_SEC;
    long long frac = t->ns % SK_NSEC_PER_SEC;
    if (frac < 0) { /* before 1970 */
        frac += SK_NSEC_PER_SEC;
        sec--;
    }
    time_t local = (time_t)(sec + t->offset_sec);
    struct tm tm;
    gmtime_r(&local, &tm);
    strftime(base, blen, "%Y-%m-%dT%H:%M:%S", &tm);
    *nsec = (long)frac;
    int off = t->offset_sec < 0 ? -t->offset_sec : t->offset_sec;
    if (t->offset_sec == 0)
        snprintf(zone, 8, "Z");
    else
        snprintf(zone, 8, "%c%02d:%02d", t->offset_sec < 0 ? '-' : '+', (off / 3600) % 100,
                 (off / 60) % 60);
}

void sk_time_format_rfc3339_nano(const struct sk_time *t, char *buf, size_t len)
{
    char base[64], zone[8], frac[16] = "";
    long nsec;
    wall_clock(t, base, sizeof(base), &nsec, zone);
    if (nsec) {
        snprintf(frac, sizeof(frac), ".%09ld", nsec);
        for (size_t n = strlen(frac); n > 1 && frac[n - 1] == '0'; n--)
            frac[n - 1] = '\0';
    }
    snprintf(buf, len, "%s%s%s", base, frac, zone);
}

void sk_time_format_log(const struct sk_time *t, char *buf, size_t len)
{
    char base[64], zone[8];
    long nsec;
    wall_clock(t, base, sizeof(base), &nsec, zone);
    snprintf(buf, len, "%s.%09ld%s", base, nsec, zone);
}

void sk_time_format_go(long long ns, char *buf, size_t len)
{
    time_t sec = (time_t)(ns / SK_NSEC_PER_SEC);
    long nsec = (long)(ns % SK_NSEC_PER_SEC);
    if (nsec < 0) {
        nsec += SK_NSEC_PER_SEC;
        sec--;
    }
    struct tm tm;
    localtime_r(&sec, &tm);
    char base[64], zone[64], frac[16] = "";
    strftime(base, sizeof(base), "%Y-%m-%d %H:%M:%S", &tm);
    strftime(zone, sizeof(zone), "%z %Z", &tm);
    if (nsec) {
        snprintf(frac, sizeof(frac), ".%09ld", nsec);
        for (size_t n = strlen(frac); n > 1 && frac[n - 1] == '0'; n--)
            frac[n - 1] = '\0';
    }
    snprintf(buf, len, "%s%s %s", base, frac, zone);
}

/* ---- Go durations --------------------------------------------------------- */

static const struct {
    const char *name;
    long long ns;
} DURATION_UNITS[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000}, /* U+03BC Greek mu */
    {"ms", 1000000},
    {"s", SK_NSEC_PER_SEC},
    {"m", 60 * SK_NSEC_PER_SEC},
    {"h", 3600 * SK_NSEC_PER_SEC},
};

int sk_duration_parse(const char *s, long long *ret_ns)
{
    const char *p = s;
    bool neg = false;
    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    if (strcmp(p, "0") == 0) {
        *ret_ns = 0;
        return 0;
    }
    if (!*p)
        return -1;
    long double total = 0;
    while (*p) {
        if (!isdigit((unsigned char)*p) && *p != '.')
            return -1;
        long double value = 0;
        bool any = false;
        for (; isdigit((unsigned char)*p); p++, any = true)
            value = value * 10 + (*p - '0');
        if (*p == '.') {
            long double scale = 0.1L;
            for (p++; isdigit((unsigned char)*p); p++, any = true, scale /= 10)
                value += (*p - '0') * scale;
        }
        if (!any)
            return -1;
        size_t ulen = 0;
        while (p[ulen] && !isdigit((unsigned char)p[ulen]) && p[ulen] != '.')
            ulen++;
        long long unit = 0;
        for (size_t i = 0; i < sizeof(DURATION_UNITS) / sizeof(DURATION_UNITS[0]); i++)
            if (strlen(DURATION_UNITS[i].name) == ulen &&
                strncmp(p, DURATION_UNITS[i].name, ulen) == 0)
                unit = DURATION_UNITS[i].ns;
        if (!unit)
            return -1; /* missing or unknown unit */
        total += value * unit;
        if (total > (long double)LLONG_MAX)
            return -1;
        p += ulen;
    }
    *ret_ns = (long long)(neg ? -total : total);
    return 0;
}

/* ".5" style fraction of v / 10^prec without trailing zeros (empty when 0). */
static void fraction(unsigned long long v, int prec, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!v)
        return;
    snprintf(buf, len, ".%0*llu", prec, v);
    for (size_t n = strlen(buf); n > 1 && buf[n - 1] == '0'; n--)
        buf[n - 1] = '\0';
}

void sk_duration_format(long long ns, char *buf, size_t len)
{
    const char *sign = ns < 0 ? "-" : "";
    unsigned long long u = ns < 0 ? -(unsigned long long)ns : (unsigned long long)ns;
    char frac[16];
    if (u == 0) {
        snprintf(buf, len, "0s");
    } else if (u < 1000) {
        snprintf(buf, len, "%s%lluns", sign, u);
    } else if (u < 1000000) {
        fraction(u % 1000, 3, frac, sizeof(frac));
        snprintf(buf, len, "%s%llu%s\xc2\xb5s", sign, u / 1000, frac);
    } else if (u < (unsigned long long)SK_NSEC_PER_SEC) {
        fraction(u % 1000000, 6, frac, sizeof(frac));
        snprintf(buf, len, "%s%llu%sms", sign, u / 1000000, frac);
    } else {
        fraction(u % SK_NSEC_PER_SEC, 9, frac, sizeof(frac));
        unsigned long long sec = u / SK_NSEC_PER_SEC;
        if (sec >= 3600)
            snprintf(buf, len, "%s%lluh%llum%llu%ss", sign, sec / 3600, sec / 60 % 60, sec % 60,
                     frac);
        else if (sec >= 60)
            snprintf(buf, len, "%s%llum%llu%ss", sign, sec / 60, sec % 60, frac);
        else
            snprintf(buf, len, "%s%llu%ss", sign, sec, frac);
    }
}

/* ---- podman's --since / --until ------------------------------------------- */

/* A date and time without a zone, in local time. */
static bool parse_local(const char *s, long long *ret_ns)
{
    struct tm tm = {0};
    long nsec = 0;
    const char *p = s;
    if (!parse_date(&p, &tm))
        return false;
    if (*p == 'T') {
        p++;
        if (!parse_clock(&p, &tm, &nsec))
            return false;
    }
    if (*p)
        return false;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    *ret_ns = (long long)t * SK_NSEC_PER_SEC + nsec;
    return true;
}

/* "2006-01-02Z07:00": midnight in that zone. */
static bool parse_date_zone(const char *s, long long *ret_ns)
{
    struct tm tm = {0};
    int offset;
    const char *p = s;
    if (!parse_date(&p, &tm) || !parse_zone(&p, &offset) || *p)
        return false;
    *ret_ns = ((long long)timegm(&tm) - offset) * SK_NSEC_PER_SEC;
    return true;
}

static bool parse_unix(const char *s, long long *ret_ns)
{
    if (!*s)
        return false;
    char *end = NULL;
    errno = 0;
    long double v = strtold(s, &end);
    if (errno || *end || !(isdigit((unsigned char)s[0]) || s[0] == '-' || s[0] == '.'))
        return false;
    *ret_ns = (long long)(v * SK_NSEC_PER_SEC);
    return true;
}

int sk_time_parse_input(const char *s, bool since, long long now_ns, long long *ret_ns,
                        struct sk_error *err)
{
    struct sk_time t;
    if (sk_time_parse_rfc3339(s, &t) == 0) {
        *ret_ns = t.ns;
        return 0;
    }
    if (parse_local(s, ret_ns) || parse_date_zone(s, ret_ns) || parse_unix(s, ret_ns))
        return 0;
    long long d;
    if (sk_duration_parse(s, &d) == 0) {
        *ret_ns = since ? now_ns - d : now_ns + d;
        return 0;
    }
    return sk_error_set(err, EINVAL, "unable to interpret time value");
}

/* ---- human durations -------------------------------------------------------- */

void sk_human_duration(long long ns, char *buf, size_t len)
{
    long long seconds = ns / SK_NSEC_PER_SEC;
    long long minutes = seconds / 60;
    long long hours = (long long)((double)ns / 3600e9 + 0.5);
    if (seconds < 1)
        snprintf(buf, len, "Less than a second");
    else if (seconds == 1)
        snprintf(buf, len, "1 second");
    else if (seconds < 60)
        snprintf(buf, len, "%lld seconds", seconds);
    else if (minutes == 1)
        snprintf(buf, len, "About a minute");
    else if (minutes < 60)
        snprintf(buf, len, "%lld minutes", minutes);
    else if (hours == 1)
        snprintf(buf, len, "About an hour");
    else if (hours < 48)
        snprintf(buf, len, "%lld hours", hours);
    else if (hours < 24 * 7 * 2)
        snprintf(buf, len, "%lld days", hours / 24);
    else if (hours < 24 * 30 * 2)
        snprintf(buf, len, "%lld weeks", hours / 24 / 7);
    else if (hours < 24 * 365 * 2)
        snprintf(buf, len, "%lld months", hours / 24 / 30);
    else
        snprintf(buf, len, "%lld years", (long long)((double)ns / 3600e9) / 24 / 365);
}
