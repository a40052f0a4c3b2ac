/* Image references as the distribution spec and podman define them:
 *   [domain/]path[:tag][@digest]
 * domain: first component if it contains '.' or ':' or is "localhost".
 * No domain: a short name, resolved later through registries.conf's
 * unqualified-search-registries (docker.io adds "library/" to one-part paths).
 * No tag and no digest: tag "latest". */
#ifndef SKIFF_REGISTRY_REFERENCE_H
#define SKIFF_REGISTRY_REFERENCE_H

#include <stdbool.h>

#include "common/error.h"

struct registry_ref {
    char *domain; /* "docker.io", "localhost:5000"; NULL for a short name */
    char *path;   /* "library/busybox", "busybox" for a short name */
    char *tag;    /* NULL when only a digest was given */
    char *digest; /* NULL unless @digest was given */
};

/* Parse and validate (lowercase path components with . _ __ - separators,
 * tag [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, digest as sk_digest_parse, total name
 * <= 255 chars). A full name with domain docker.io gets "library/" for
 * one-part paths. Errors read: invalid reference "X": <why>. */
int registry_ref_parse(const char *s, struct registry_ref *ret, struct sk_error *err);
/* Copy with domain set (for short names): docker.io adds "library/". */
void registry_ref_qualify(const struct registry_ref *short_ref, const char *domain,
                          struct registry_ref *ret);
bool registry_ref_is_short(const struct registry_ref *r);
/* "domain/path" */
char *registry_ref_name(const struct registry_ref *r);
/* "domain/path:tag", "domain/path@digest" or "domain/path:tag@digest". */
char *registry_ref_string(const struct registry_ref *r);
void registry_ref_clear(struct registry_ref *r);

#endif
