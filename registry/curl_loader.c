/* Loading libcurl on first use: see curl_loader.h. */
#include "registry/curl_loader.h"
#include "common/cleanup.h"
#include "common/dynlib.h"

#include <errno.h>
#include <pthread.h>

struct registry_libcurl libcurl;

#define SYM(field, name) SK_DYNLIB_SYM(struct registry_libcurl, field, name)
static const struct sk_dynlib_sym symbols[] = {
    SYM(global_init, "curl_global_init"),
    SYM(easy_init, "curl_easy_init"),
    SYM(easy_setopt, "curl_easy_setopt"),
    SYM(easy_perform, "curl_easy_perform"),
    SYM(easy_getinfo, "curl_easy_getinfo"),
    SYM(easy_cleanup, "curl_easy_cleanup"),
    SYM(easy_strerror, "curl_easy_strerror"),
    SYM(easy_escape, "curl_easy_escape"),
    SYM(free, "curl_free"),
    SYM(share_init, "curl_share_init"),
    SYM(share_setopt, "curl_share_setopt"),
    SYM(share_cleanup, "curl_share_cleanup"),
    SYM(slist_append, "curl_slist_append"),
    SYM(slist_free_all, "curl_slist_free_all"),
    SYM(PEM_read_X509, "PEM_read_X509"),
    SYM(X509_free, "X509_free"),
    SYM(SSL_CTX_get_cert_store, "SSL_CTX_get_cert_store"),
    SYM(X509_STORE_add_cert, "X509_STORE_add_cert"),
};

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct sk_error load_err; /* the outcome, for every caller */

static void load(void)
{
    struct registry_libcurl fns;
    if (sk_dynlib_load(REGISTRY_LIBCURL_SONAME, symbols, SK_ARRAY_SIZE(symbols), &fns,
                       &load_err) < 0) {
        sk_error_prefix(&load_err, "talking to registries needs libcurl");
        return;
    }
    if (fns.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        sk_error_set(&load_err, ELIBBAD, "%s: curl_global_init failed", REGISTRY_LIBCURL_SONAME);
        return;
    }
    libcurl = fns;
}

int registry_libcurl_load(struct sk_error *err)
{
    pthread_once(&load_once, load);
    if (load_err.code) {
        if (err)
            *err = load_err;
        return -1;
    }
    return 0;
}
