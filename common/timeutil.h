/* Times and durations as podman reads and prints them: RFC 3339 with
 * nanoseconds and a zone, Go duration strings ("1h30m", "10.5s"), podman's
 * --since/--until forms, and docker/go-units' human durations
 * ("About a minute"). Pure functions; times are nanoseconds since the epoch. */
#ifndef SKIFF_COMMON_TIMEUTIL_H
#define SKIFF_COMMON_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define SK_NSEC_PER_SEC 1000000000LL

/* A point in time with the zone offset it was written in. */
struct sk_time {
    long long ns;   /* since the epoch, UTC */
    int offset_sec; /* east of UTC, as written ("+01:00" = 3600, "Z" = 0) */
};

/* The current time (CLOCK_REALTIME) in nanoseconds. */
long long sk_now_ns(void);

/* "2006-01-02T15:04:05[.fraction](Z|+07:00)" -> *ret. -1 when malformed
 * (nothing may follow the zone) or outside the years 1678-2262 that fit in
 * nanoseconds (Go's zero time "0001-01-01T00:00:00Z" is -1: "never"). */
int sk_time_parse_rfc3339(const char *s, struct sk_time *ret);
/* Go's RFC3339Nano: in the time's own offset, "Z" for UTC, the fraction
 * without trailing zeros ("2026-11-22T10:00:00.5Z"), as podman's inspect. */
void sk_time_format_rfc3339_nano(const struct sk_time *t, char *buf, size_t len);
/* podman's log time: always 9 fraction digits ("2026-11-22T10:00:00.500000000Z"). */
void sk_time_format_log(const struct sk_time *t, char *buf, size_t len);

/* Go's time.Time.String in local time ("2026-11-22 08:25:51.873555274 +0000 UTC"),
 * as podman's templates print times. */
void sk_time_format_go(long long ns, char *buf, size_t len);

/* Go's time.ParseDuration ("300ms", "-1.5h", "2h45m", "0"). -1 when malformed
 * or out of range. */
int sk_duration_parse(const char *s, long long *ret_ns);
/* Go's Duration.String ("0s", "1.5s", "2h3m0.5s", "10ms"). */
void sk_duration_format(long long ns, char *buf, size_t len);

/* podman's --since / --until value: RFC 3339 (with or without fraction),
 * "2006-01-02T15:04:05[.fraction]" and "2006-01-02" in local time,
 * "2006-01-02Z07:00", a Unix timestamp ("1700000000.5"), or a Go duration
 * relative to now_ns (before it for since, after it for until, as podman).
 * Fails with podman's "unable to interpret time value". */
int sk_time_parse_input(const char *s, bool since, long long now_ns, long long *ret_ns,
                        struct sk_error *err);

/* docker/go-units' HumanDuration, as podman shows ages: "Less than a second",
 * "1 second", "N seconds", "About a minute", "N minutes", "About an hour",
 * "N hours", "N days", "N weeks", "N months", "N years". */
void sk_human_duration(long long ns, char *buf, size_t len);

#endif
