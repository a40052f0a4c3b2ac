/* Pruning, as podman's container prune, image prune and system prune. */
#ifndef SKIFF_ENGINE_PRUNE_H
#define SKIFF_ENGINE_PRUNE_H

#include <stdbool.h>

#include "common/error.h"
#include "engine/engine.h"
#include "engine/filters.h"

struct engine_prune_report {
    void *ctx;
    void (*removed)(void *ctx, const char *id, long long bytes);
    /* a container or image that could not be removed; pruning goes on */
    void (*failed)(void *ctx, const struct sk_error *err);
};

/* Remove every container that does not run (and passes the filter, which
 * may be NULL). Bytes: the size of its writable layer. */
int engine_containers_prune(struct engine *e, struct engine_ctr_filter *f,
                            const struct engine_prune_report *report, struct sk_error *err);
/* Remove the images no container uses: those without a name (dangling), or
 * with all, every one. Bytes: the image's size. */
int engine_images_prune(struct engine *e, bool all, const struct engine_prune_report *report,
                        struct sk_error *err);

#endif
