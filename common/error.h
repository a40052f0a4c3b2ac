/* One error convention for all of skiff.
 *
 * A fallible function returns int: 0 (or a positive count) on success, -1 on
 * failure, and fills a struct sk_error with an errno-like code and a message.
 * Callers add context with sk_error_prefix() while passing the failure up.
 * Only cmd/ prints it, once, as "skiff: error: <msg>". */
#ifndef SKIFF_COMMON_ERROR_H
#define SKIFF_COMMON_ERROR_H

#include <stdarg.h>

#define SK_ERROR_MSG_MAX 2048

struct sk_error {
    int code;                   /* errno-like, e.g. ENOENT, EPROTO; 0 = unset */
    char msg[SK_ERROR_MSG_MAX]; /* human readable, no trailing newline */
};

/* Set err (if not NULL) to code and a formatted message; returns -1. */
int sk_error_set(struct sk_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like sk_error_set, with ": strerror(code)" appended. */
int sk_error_errno(struct sk_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepend "<context>: " to the message; returns -1. */
int sk_error_prefix(struct sk_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sk_error_clear(struct sk_error *err);

#endif
