/* Content digests as the OCI image spec defines them: "algorithm:encoded",
 * sha256 (64 hex) and sha512 (128 hex). Hashing is incremental so blobs are
 * verified while they stream. */
#ifndef SKIFF_COMMON_DIGEST_H
#define SKIFF_COMMON_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

enum sk_digest_algo { SK_DIGEST_SHA256, SK_DIGEST_SHA512 };

#define SK_DIGEST_MAX 136 /* "sha512:" + 128 hex + NUL */

/* Validate a digest string; on success sets *ret_algo (may be NULL).
 * Unknown algorithms and malformed encodings are errors. */
int sk_digest_parse(const char *digest, enum sk_digest_algo *ret_algo, struct sk_error *err);
bool sk_digest_valid(const char *digest);
/* The hex part after the colon (pointer into digest). */
const char *sk_digest_hex(const char *digest);

struct sk_hasher;
struct sk_hasher *sk_hasher_new(enum sk_digest_algo algo);
void sk_hasher_update(struct sk_hasher *h, const void *data, size_t len);
/* Writes "algo:hex" into out (SK_DIGEST_MAX bytes). The hasher may be reused
 * for more updates only after sk_hasher_reset. */
void sk_hasher_final(struct sk_hasher *h, char out[SK_DIGEST_MAX]);
void sk_hasher_reset(struct sk_hasher *h);
void sk_hasher_free(struct sk_hasher *h);
static inline void sk_hasher_freep(struct sk_hasher **h) { sk_hasher_free(*h); }
#define _cleanup_hasher_ __attribute__((cleanup(sk_hasher_freep)))

/* One-shot digest of a buffer. */
void sk_digest_buffer(enum sk_digest_algo algo, const void *data, size_t len,
                      char out[SK_DIGEST_MAX]);

#endif
