#include "common/digest.h"
#include "common/cleanup.h"
#include "common/dynlib.h"
#include "common/util.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OpenSSL's libcrypto does the hashing (with the CPU's SHA extensions where
 * there are some). It is opened on first use, not linked: relocating it cost
 * about 1.5 ms at every start of skiff, and only commands that pull or store
 * blobs hash anything (common/dynlib.h). */
#define STR_(x) #x
#define STR(x) STR_(x)
#define LIBCRYPTO_SONAME "libcrypto.so." STR(OPENSSL_SHLIB_VERSION)

struct evp_fns {
    EVP_MD_CTX *(*MD_CTX_new)(void);
    void (*MD_CTX_free)(EVP_MD_CTX *ctx);
    int (*DigestInit_ex)(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl);
    int (*DigestUpdate)(EVP_MD_CTX *ctx, const void *d, size_t cnt);
    int (*DigestFinal_ex)(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s);
    const EVP_MD *(*sha256)(void);
    const EVP_MD *(*sha512)(void);
};
static struct evp_fns evp;

#define SYM(field, name) SK_DYNLIB_SYM(struct evp_fns, field, name)
static const struct sk_dynlib_sym evp_symbols[] = {
    SYM(MD_CTX_new, "EVP_MD_CTX_new"),
    SYM(MD_CTX_free, "EVP_MD_CTX_free"),
    SYM(DigestInit_ex, "EVP_DigestInit_ex"),
    SYM(DigestUpdate, "EVP_DigestUpdate"),
    SYM(DigestFinal_ex, "EVP_DigestFinal_ex"),
    SYM(sha256, "EVP_sha256"),
    SYM(sha512, "EVP_sha512"),
};

static pthread_once_t evp_once = PTHREAD_ONCE_INIT;

/* libcrypto is a dependency of skiff's package like libc: without it skiff
 * cannot verify anything, and stops as it does when out of memory. */
static void evp_load(void)
{
    struct sk_error err = {0};
    struct evp_fns fns;
    if (sk_dynlib_load(LIBCRYPTO_SONAME, evp_symbols, SK_ARRAY_SIZE(evp_symbols), &fns, &err) <
        0) {
        fprintf(stderr, "skiff: error: hashing needs OpenSSL's libcrypto: %s\n", err.msg);
        abort();
    }
    evp = fns;
}

struct sk_hasher {
    enum sk_digest_algo algo;
    EVP_MD_CTX *ctx;
};

static const EVP_MD *md_of(enum sk_digest_algo algo)
{
    return algo == SK_DIGEST_SHA512 ? evp.sha512() : evp.sha256();
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
    pthread_once(&evp_once, evp_load);
    struct sk_hasher *h = sk_calloc(1, sizeof(*h));
    h->algo = algo;
    h->ctx = evp.MD_CTX_new();
    if (!h->ctx) {
        free(h);
        return NULL;
    }
    evp.DigestInit_ex(h->ctx, md_of(algo), NULL);
    return h;
}

void sk_hasher_update(struct sk_hasher *h, const void *data, size_t len)
{
    evp.DigestUpdate(h->ctx, data, len);
}

void sk_hasher_final(struct sk_hasher *h, char out[SK_DIGEST_MAX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    evp.DigestFinal_ex(h->ctx, md, &n);
    int off = snprintf(out, SK_DIGEST_MAX, "%s:", name_of(h->algo));
    for (unsigned int i = 0; i < n; i++)
        off += snprintf(out + off, (size_t)(SK_DIGEST_MAX - off), "%02x", md[i]);
}

void sk_hasher_reset(struct sk_hasher *h) { evp.DigestInit_ex(h->ctx, md_of(h->algo), NULL); }

void sk_hasher_free(struct sk_hasher *h)
{
    if (!h)
        return;
    evp.MD_CTX_free(h->ctx);
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
