/* registries.conf (v2 format) as podman users already have it:
 *   unqualified-search-registries = ["docker.io", ...]
 *   [[registry]] prefix, location, insecure, blocked, [[registry.mirror]] location, insecure
 * Files, as containers-registries.conf(5): $CONTAINERS_REGISTRIES_CONF if set;
 * else the per-user $XDG_CONFIG_HOME/containers/registries.conf (~/.config/...)
 * if it exists, else /etc/containers/registries.conf; then drop-ins from the
 * matching registries.conf.d/ (*.conf, lexical order) override and extend. */
#ifndef SKIFF_REGISTRY_REGCONF_H
#define SKIFF_REGISTRY_REGCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

enum registry_mirror_use { REGISTRY_MIRROR_ALL, REGISTRY_MIRROR_DIGEST_ONLY, REGISTRY_MIRROR_TAG_ONLY };

struct registry_mirror {
    char *location;
    bool insecure;
    enum registry_mirror_use use; /* pull-from-mirror */
};

struct registry_entry {
    char *prefix;   /* "example.com/foo", "*.example.com"; defaults to location */
    char *location; /* where to pull from instead; defaults to prefix. NULL for a
                     * wildcard prefix without location: names are used as they are */
    bool insecure;  /* plain HTTP or unverified TLS allowed */
    bool blocked;
    bool mirror_by_digest_only; /* mirrors only for pulls by digest */
    struct registry_mirror *mirrors;
    size_t nmirrors;
};

struct registry_conf {
    char **search; /* unqualified-search-registries, NULL-terminated (may be NULL) */
    struct registry_entry *entries;
    size_t nentries;
};

/* Load from the default files above (a missing file is fine; a malformed one is an error).
 * Initializes conf; on failure it is left empty. */
int registry_conf_load_default(struct registry_conf *conf, struct sk_error *err);
/* Parse one file's text and merge it in (later files win per prefix; a later
 * unqualified-search-registries replaces the earlier one). conf starts zeroed.
 * Nothing is merged when the text is invalid. */
int registry_conf_load_text(struct registry_conf *conf, const char *text, const char *source,
                            struct sk_error *err);
int registry_conf_load_file(struct registry_conf *conf, const char *path, struct sk_error *err);
/* Entry whose prefix matches "domain/path" best (longest; wildcard "*.x" matches subdomains), or NULL. */
const struct registry_entry *registry_conf_match(const struct registry_conf *conf,
                                                 const char *name);
/* "domain/path" with the entry's prefix replaced by location (a copy); name
 * unchanged when e does not match it or location is NULL. */
char *registry_entry_rewrite(const struct registry_entry *e, const char *name, const char *location);
void registry_conf_clear(struct registry_conf *conf);

#endif
