/* Small string and memory helpers. Allocation failure aborts: skiff is a
 * short-lived CLI and cannot do anything useful without memory. */
#ifndef SKIFF_COMMON_UTIL_H
#define SKIFF_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>

void *sk_malloc(size_t n);
void *sk_calloc(size_t n, size_t size);
void *sk_realloc(void *p, size_t n);
char *sk_strdup(const char *s);
char *sk_strndup(const char *s, size_t n);
char *sk_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

bool sk_str_has_prefix(const char *s, const char *prefix);
bool sk_str_has_suffix(const char *s, const char *suffix);

/* NULL-terminated string vectors. */
size_t sk_strv_len(char *const *v);
/* Append a copy of s; *v may be NULL. */
void sk_strv_push(char ***v, const char *s);
bool sk_strv_contains(char *const *v, const char *s);

/* Human-readable sizes like podman's ("5.2 MB", "837 kB", decimal units). */
void sk_format_size(double bytes, char *buf, size_t len);
/* podman's CREATED: sk_human_duration + " ago" ("About an hour ago", "3 days ago"). */
void sk_format_ago(long long seconds_ago, char *buf, size_t len);

/* Unix time in seconds as RFC 3339 UTC with nanoseconds ("2026-11-22T05:50:11.123456789Z"). */
void sk_format_rfc3339(long long sec, long nsec, char *buf, size_t len);
/* (parsing: sk_time_parse_rfc3339 in common/timeutil.h) */

#endif
