#include "common/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void vset(struct sk_error *err, int code, const char *fmt, va_list ap)
{
    err->code = code ? code : EIO;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int sk_error_set(struct sk_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

int sk_error_errno(struct sk_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    size_t len = strlen(err->msg);
    snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(code));
    return -1;
}

int sk_error_prefix(struct sk_error *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    char ctx[SK_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof(ctx), fmt, ap);
    va_end(ap);
    char old[SK_ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof(old));
    size_t n = strlen(ctx);
    if (n > sizeof(err->msg) - 3)
        n = sizeof(err->msg) - 3;
    memcpy(err->msg, ctx, n);
    memcpy(err->msg + n, ": ", 2);
    size_t rest = sizeof(err->msg) - n - 3;
    size_t olen = strnlen(old, rest);
    memcpy(err->msg + n + 2, old, olen);
    err->msg[n + 2 + olen] = '\0';
    if (!err->code)
        err->code = EIO;
    return -1;
}

void sk_error_clear(struct sk_error *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}
