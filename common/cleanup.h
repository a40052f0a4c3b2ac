/* Cleanup attributes: resources are released when the variable leaves scope,
 * so error paths need no goto ladders. Every destructor accepts NULL / -1.
 * To hand a resource to the caller, steal it: `*ret = SK_STEAL(p);`. */
#ifndef SKIFF_COMMON_CLEANUP_H
#define SKIFF_COMMON_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void sk_freep(void *p) { free(*(void **)p); }
static inline void sk_closep(int *fd)
{
    if (*fd >= 0)
        close(*fd);
}
static inline void sk_fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}
static inline void sk_closedirp(DIR **d)
{
    if (*d)
        closedir(*d);
}
/* Free a NULL-terminated array of strings and the array. */
void sk_strv_free(char **v);
static inline void sk_strv_freep(char ***v) { sk_strv_free(*v); }

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(sk_freep)
#define _cleanup_close_ _cleanup_(sk_closep)
#define _cleanup_fclose_ _cleanup_(sk_fclosep)
#define _cleanup_closedir_ _cleanup_(sk_closedirp)
#define _cleanup_strv_ _cleanup_(sk_strv_freep)

/* json_t* and CURL* cleanups live beside their users: common/json.h, registry/http.h. */

#define SK_STEAL(p)                                                                                \
    ({                                                                                             \
        __typeof__(p) _tmp = (p);                                                                  \
        (p) = NULL;                                                                                \
        _tmp;                                                                                      \
    })
#define SK_STEAL_FD(fd)                                                                            \
    ({                                                                                             \
        int _tmp = (fd);                                                                           \
        (fd) = -1;                                                                                 \
        _tmp;                                                                                      \
    })

#define SK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
