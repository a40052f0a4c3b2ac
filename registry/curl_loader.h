/* libcurl, loaded when the first registry client is made instead of at every
 * start of skiff (common/dynlib.h). libcurl pulls in some 30 libraries (TLS,
 * HTTP/2, IDN, PSL, SSH, LDAP, Kerberos, ...); the dynamic loader mapping and
 * relocating them cost about 5 ms at each start, and every command but pull,
 * login and a run that pulls never talks to a registry. So skiff's binary does
 * not depend on libcurl: the few functions the registry client calls are
 * resolved into one table, `libcurl`, used as
 * libcurl.easy_setopt(h, CURLOPT_URL, url). Types and constants come from
 * <curl/curl.h> as usual; only the symbols are looked up at run time.
 *
 * The table also holds the OpenSSL functions that add certs.d CAs to
 * libcurl's TLS context (CURLOPT_SSL_CTX_FUNCTION hands us an SSL_CTX of the
 * OpenSSL libcurl is linked with); they are resolved from libcurl's own
 * dependencies, so they always match the library that made the context. */
#ifndef SKIFF_REGISTRY_CURL_LOADER_H
#define SKIFF_REGISTRY_CURL_LOADER_H

#include <curl/curl.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>

#include "common/error.h"

/* libcurl's ABI has been .so.4 since 2006 (7.16). */
#define REGISTRY_LIBCURL_SONAME "libcurl.so.4"

struct registry_libcurl {
    CURLcode (*global_init)(long flags); /* called by registry_libcurl_load() */
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *h, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *h);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *h);
    const char *(*easy_strerror)(CURLcode code);
    char *(*easy_escape)(CURL *h, const char *s, int len);
    void (*free)(void *p);
    CURLSH *(*share_init)(void);
    CURLSHcode (*share_setopt)(CURLSH *sh, CURLSHoption option, ...);
    CURLSHcode (*share_cleanup)(CURLSH *sh);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
    /* OpenSSL, as linked into libcurl */
    X509 *(*PEM_read_X509)(FILE *f, X509 **x, pem_password_cb *cb, void *u);
    void (*X509_free)(X509 *x);
    X509_STORE *(*SSL_CTX_get_cert_store)(const SSL_CTX *ctx);
    int (*X509_STORE_add_cert)(X509_STORE *store, X509 *x);
};

/* Filled by registry_libcurl_load(); use only after it succeeded. */
extern struct registry_libcurl libcurl;

/* Load libcurl and run curl_global_init(), once per process (thread-safe;
 * later calls return the first outcome). Fails with a message naming the
 * library when it is missing or lacks a function. */
int registry_libcurl_load(struct sk_error *err);

#endif
