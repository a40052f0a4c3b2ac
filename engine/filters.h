/* podman's container filters, for ps --filter and prune --filter.
 *
 * A filter is "KEY=VALUE"; values of one key are ORed, different keys ANDed
 * (label: every value must match, as podman). Keys:
 *   id=PREFIX            name=REGEX (unanchored, '/' ignored)
 *   status=created|initialized|running|paused|exited|stopped|...
 *   ancestor=IMAGE       an image name or ID (prefix) the container was made from
 *   label=KEY[=VALUE]    label!=KEY[=VALUE]  (KEY may be a glob)
 *   exited=CODE          before=CONTAINER   since=CONTAINER
 *   until=TIME           created before TIME (see sk_time_parse_input) */
#ifndef SKIFF_ENGINE_FILTERS_H
#define SKIFF_ENGINE_FILTERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "engine/engine.h"

struct engine_ctr_filter;

/* Parse and check specs[0..n) (errors as podman's: `invalid filter "x"`,
 * "KEY is an invalid filter", "unknown container state: X"); images and
 * containers named by ancestor/before/since are looked up now. allowed:
 * NULL-terminated list of keys the command accepts (NULL: all). */
int engine_ctr_filter_new(struct engine *e, char *const *specs, size_t n,
                          const char *const *allowed, struct engine_ctr_filter **ret,
                          struct sk_error *err);
/* Does the record (with "status" set to its live status, as
 * engine_containers_list returns them) pass? NULL passes everything. */
bool engine_ctr_filter_match(struct engine_ctr_filter *f, json_t *rec);
/* Was a key given (ps: a status filter lists all containers, as -a)? */
bool engine_ctr_filter_has(const struct engine_ctr_filter *f, const char *key);
/* The container's labels (its image's, then its own), through the filter's
 * cache of image configs. A new reference. */
json_t *engine_ctr_filter_labels(struct engine_ctr_filter *f, json_t *rec);
void engine_ctr_filter_free(struct engine_ctr_filter *f);

#endif
