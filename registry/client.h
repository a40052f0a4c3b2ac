/* A client for one registry host, speaking the OCI distribution API over
 * libcurl: ping and auth (anonymous or credentialed bearer tokens, basic
 * auth), TLS with system CAs plus certs.d directories, plain HTTP only for
 * insecure registries. Blob downloads are verified against their digest and
 * size while they stream, retried with backoff on transient errors, and
 * resumed with Range requests. Safe to use from several threads at once. */
#ifndef SKIFF_REGISTRY_CLIENT_H
#define SKIFF_REGISTRY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"

struct registry_client_opts {
    const char *creds;    /* "user:pass" from --creds, or NULL */
    const char *authfile; /* --authfile, or NULL for the default search */
    const char *cert_dir; /* --cert-dir, or NULL for certs.d lookup */
    bool tls_verify;      /* false: skip TLS verification, allow plain HTTP */
    bool insecure;        /* registries.conf insecure=true: same as !tls_verify */
    int retries;          /* attempts per request on transient errors; 0 = default */
};

struct registry_client;

/* host: "registry.example.com", "127.0.0.1:5000"; "docker.io" talks to registry-1.docker.io. */
int registry_client_new(const char *host, const struct registry_client_opts *opts,
                        struct registry_client **ret, struct sk_error *err);
void registry_client_free(struct registry_client *c);
static inline void registry_client_freep(struct registry_client **c) { registry_client_free(*c); }
#define _cleanup_client_ __attribute__((cleanup(registry_client_freep)))

/* GET /v2/ and remember how the registry wants to be authenticated.
 * Fails on unknown host, refused connection, TLS errors. */
int registry_ping(struct registry_client *c, struct sk_error *err);

/* GET a manifest by tag or digest. When ref is a digest, the body is verified
 * against it. *ret_digest is the digest of the body (sha256 unless ref says otherwise). */
int registry_get_manifest(struct registry_client *c, const char *repo, const char *ref,
                          char **ret_body, size_t *ret_len, char **ret_content_type,
                          char ret_digest[SK_DIGEST_MAX], struct sk_error *err);

/* Progress: called with bytes so far (including resumed ones) and total. */
typedef void (*registry_progress_fn)(void *ctx, int64_t done, int64_t total);

/* Stream a blob into fd (a file or a pipe), written sequentially. After a
 * dropped connection the rest is asked for with Range; a registry that answers
 * with the whole blob again has its first bytes skipped. Success means exactly
 * size bytes went to fd and they match digest; on failure some bytes may have
 * been written, and the reader must discard what it made of them. */
int registry_get_blob(struct registry_client *c, const char *repo, const char *digest,
                      int64_t size, int fd, registry_progress_fn progress, void *progress_ctx,
                      struct sk_error *err);

/* Download a small blob (config) into memory, verified; at most max bytes. */
int registry_get_blob_mem(struct registry_client *c, const char *repo, const char *digest,
                          int64_t size, char **ret_body, size_t *ret_len, struct sk_error *err);

/* Check credentials against the registry (for login): 0 when accepted. */
int registry_check_login(struct registry_client *c, struct sk_error *err);

#endif
