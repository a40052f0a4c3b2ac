#include "common/digest.h"
#include "common/util.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

struct sk_hasher {
    enum sk_digest_algo algo;
    EVP_MD_CTX *ctx;
};

static const EVP_MD *md_of(enum sk_digest_algo algo)
{
    return algo == SK_DIGEST_SHA512 ? EVP_sha512() : EVP_sha256();
}

static const char *name_of(enum sk_digest_algo algo)
{
    return algo == SK_DIGEST_SHA512 ? "sha512" : "sha256";
}

int sk_digest_parse(const char *digest, enum sk_digest_algo *ret_algo, struct sk_error *err)
{
    enum sk_digest_algo algo;
    size_t want;
    const char *hex;
    if (!digest)
        return sk_error_set(err, EINVAL, "missing digest");
    if (strncmp(digest, "sha256:", 7) == 0) {
        algo = SK_DIGEST_SHA256;
        want = 64;
        hex = digest + 7;
    } else if (strncmp(digest, "sha512:", 7) == 0) {
        algo = SK_DIGEST_SHA512;
        want = 128;
        hex = digest + 7;
    } else {
        return sk_error_set(err, EINVAL, "invalid digest \"%.80s\": unsupported algorithm", digest);
    }
    if (strlen(hex) != want)
        return sk_error_set(err, EINVAL, "invalid digest \"%.80s\": wrong length", digest);
    for (const char *p = hex; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return sk_error_set(err, EINVAL, "invalid digest \"%.80s\": not lowercase hex",
                                digest);
    if (ret_algo)
        *ret_algo = algo;
    return 0;
}

bool sk_digest_valid(const char *digest) { return sk_digest_parse(digest, NULL, NULL) == 0; }

const char *sk_digest_hex(const char *digest)
{
    const char *c = strchr(digest, ':');
    return c ? c + 1 : digest;
}

struct sk_hasher *sk_hasher_new(enum sk_digest_algo algo)
{
    struct sk_hasher *h = sk_calloc(1, sizeof(*h));
    h->algo = algo;
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx) {
        free(h);
        return NULL;
    }
    EVP_DigestInit_ex(h->ctx, md_of(algo), NULL);
    return h;
}

void sk_hasher_update(struct sk_hasher *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h->ctx, data, len);
}

void sk_hasher_final(struct sk_hasher *h, char out[SK_DIGEST_MAX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(h->ctx, md, &n);
    int off = snprintf(out, SK_DIGEST_MAX, "%s:", name_of(h->algo));
    for (unsigned int i = 0; i < n; i++)
        off += snprintf(out + off, (size_t)(SK_DIGEST_MAX - off), "%02x", md[i]);
}

void sk_hasher_reset(struct sk_hasher *h) { EVP_DigestInit_ex(h->ctx, md_of(h->algo), NULL); }

void sk_hasher_free(struct sk_hasher *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

void sk_digest_buffer(enum sk_digest_algo algo, const void *data, size_t len,
                      char out[SK_DIGEST_MAX])
{
    struct sk_hasher *h = sk_hasher_new(algo);
    sk_hasher_update(h, data, len);
    sk_hasher_final(h, out);
    sk_hasher_free(h);
}
