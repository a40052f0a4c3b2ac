/* Registry credentials and challenges.
 * - WWW-Authenticate parsing (RFC 7235 challenges, as registries send them).
 * - auth.json in the format podman and docker share:
 *   {"auths": {"host[:port][/path]": {"auth": base64("user:pass")}}}
 *   Lookup order, as podman: --authfile; $REGISTRY_AUTH_FILE; ${XDG_RUNTIME_DIR}/containers/auth.json
 *   (or /run/containers/<uid>/auth.json when XDG_RUNTIME_DIR is unset);
 *   $XDG_CONFIG_HOME/containers/auth.json; ~/.docker/config.json. The most
 *   specific key wins within a file ("host/ns/repo" before "host/ns" before "host").
 */
#ifndef SKIFF_REGISTRY_AUTH_H
#define SKIFF_REGISTRY_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct registry_challenge {
    char *scheme; /* "bearer" or "basic", lowercased */
    char *realm;
    char *service; /* may be NULL */
    char *scope;   /* may be NULL */
};

/* Parse one WWW-Authenticate header value (first challenge). */
int registry_challenge_parse(const char *value, struct registry_challenge *ret,
                             struct sk_error *err);
void registry_challenge_clear(struct registry_challenge *c);

/* "user:pass" (password may contain ':'; empty user is an error). */
int registry_creds_parse(const char *creds, char **ret_user, char **ret_pass,
                         struct sk_error *err);

/* Find credentials for host ("localhost:5000") and repo ("ns/img", may be NULL).
 * authfile: explicit --authfile or NULL for the default search order.
 * Returns 0 with *ret_user = *ret_pass = NULL when none are found. */
int registry_auth_lookup(const char *authfile, const char *host, const char *repo,
                         char **ret_user, char **ret_pass, struct sk_error *err);
/* The file login writes: authfile if given, else $REGISTRY_AUTH_FILE, else the
 * XDG_RUNTIME_DIR one (newly allocated). */
char *registry_auth_default_path(const char *authfile);
/* Add/replace an entry, keeping other entries and keys; file mode 0600,
 * parent directories created 0700. */
int registry_auth_store(const char *authfile, const char *key, const char *user, const char *pass,
                        struct sk_error *err);
/* Remove key (or every entry when all); ENOENT-coded error when key is absent. */
int registry_auth_remove(const char *authfile, const char *key, bool all, struct sk_error *err);

/* base64 helpers (standard alphabet, padded). */
char *registry_base64_encode(const void *data, size_t len);
int registry_base64_decode(const char *s, char **ret, size_t *ret_len, struct sk_error *err);

#endif
