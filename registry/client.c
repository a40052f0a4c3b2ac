#include "registry/client.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/rootless.h"
#include "common/util.h"
#include "registry/auth.h"
#include "registry/manifest.h"

#include "registry/curl_loader.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Defaults, in one place. */
#define CLIENT_RETRIES 5              /* attempts per request on transient errors */
#define CLIENT_BACKOFF_MS 200         /* first backoff, doubled each attempt */
#define CLIENT_CONNECT_TIMEOUT 30     /* seconds */
#define CLIENT_STALL_SECONDS 60       /* abort a transfer that moves no byte this long */
#define CLIENT_ERROR_BODY_MAX 65536   /* error bodies kept for their message */
#define CLIENT_CONFIG_MAX (64 << 20)  /* image configs read into memory */
#define CLIENT_USER_AGENT "skiff/" SKIFF_VERSION
static const char *const CERTS_D_DIRS[] = {"/etc/containers/certs.d", "/etc/docker/certs.d"};

struct token {
    char *scope;
    char *value;
    time_t expires;
};

struct registry_client {
    char *host;     /* as the user named it */
    char *api_host; /* where requests go */
    const char *scheme;
    bool allow_insecure;
    int retries;
    char *user, *pass;
    X509 **cas; /* extra CAs from certs.d */
    size_t ncas;
    char *client_cert, *client_key;
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

    pthread_mutex_t mu; /* guards everything below */
    bool pinged;
    struct registry_challenge chal;
    struct token *tokens;
    size_t ntokens;
};

/* ---- libcurl plumbing ---------------------------------------------------- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ctx)
{
    struct registry_client *c = ctx;
    pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ctx)
{
    struct registry_client *c = ctx;
    pthread_mutex_unlock(&c->share_locks[data]);
}

static CURLcode ssl_ctx_add_cas(CURL *h, void *sslctx, void *ctx)
{
    struct registry_client *c = ctx;
    X509_STORE *store = libcurl.SSL_CTX_get_cert_store((SSL_CTX *)sslctx);
    for (size_t i = 0; i < c->ncas; i++)
        libcurl.X509_STORE_add_cert(store, c->cas[i]);
    return CURLE_OK;
}

/* What one HTTP exchange produced. The body goes to memory or to a file. */
struct exchange {
    long status;
    char content_type[256];
    char docker_digest[SK_DIGEST_MAX];
    char content_range[128];
    char www_auth[1024];
    /* memory sink */
    char *body;
    size_t len, max;
    bool too_large;
    /* file sink (blobs) */
    int fd;
    struct sk_hasher *hasher;
    int64_t written, size;
    int64_t skip; /* bytes at the start of this response we already have */
    bool oversize, write_failed;
    int write_errno;
    registry_progress_fn progress;
    void *progress_ctx;
    /* error bodies when the sink is a file */
    char *errbody;
    size_t errlen;
};

static void header_copy(char *dst, size_t n, const char *v, size_t vlen)
{
    while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
        vlen--;
    while (vlen && *v == ' ') {
        v++;
        vlen--;
    }
    if (vlen >= n)
        vlen = n - 1;
    memcpy(dst, v, vlen);
    dst[vlen] = '\0';
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *ctx)
{
    struct exchange *x = ctx;
    size_t n = size * nitems;
    if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0) { /* a new response (redirects) */
        x->content_type[0] = x->docker_digest[0] = x->content_range[0] = x->www_auth[0] = '\0';
        return n;
    }
    const char *colon = memchr(buf, ':', n);
    if (!colon)
        return n;
    size_t klen = (size_t)(colon - buf);
    const char *v = colon + 1;
    size_t vlen = n - klen - 1;
    if (klen == 12 && strncasecmp(buf, "Content-Type", 12) == 0)
        header_copy(x->content_type, sizeof(x->content_type), v, vlen);
    else if (klen == 21 && strncasecmp(buf, "Docker-Content-Digest", 21) == 0)
        header_copy(x->docker_digest, sizeof(x->docker_digest), v, vlen);
    else if (klen == 13 && strncasecmp(buf, "Content-Range", 13) == 0)
        header_copy(x->content_range, sizeof(x->content_range), v, vlen);
    else if (klen == 16 && strncasecmp(buf, "WWW-Authenticate", 16) == 0)
        header_copy(x->www_auth, sizeof(x->www_auth), v, vlen);
    return n;
}

static size_t on_body(char *buf, size_t size, size_t nitems, void *ctx)
{
    struct exchange *x = ctx;
    size_t n = size * nitems;
    bool ok_status = x->status == 200 || x->status == 206;
    if (x->fd >= 0 && ok_status) {
        size_t total = n;
        if (x->skip > 0) {
            size_t drop = (int64_t)n < x->skip ? n : (size_t)x->skip;
            x->skip -= (int64_t)drop;
            buf += drop;
            n -= drop;
        }
        if (x->written + (int64_t)n > x->size) {
            x->oversize = true;
            return 0;
        }
        if (sk_write_all(x->fd, buf, n) < 0) {
            x->write_failed = true;
            x->write_errno = errno;
            return 0;
        }
        sk_hasher_update(x->hasher, buf, n);
        x->written += (int64_t)n;
        if (x->progress)
            x->progress(x->progress_ctx, x->written, x->size);
        return total;
    }
    char **dst = x->fd >= 0 ? &x->errbody : &x->body;
    size_t *len = x->fd >= 0 ? &x->errlen : &x->len;
    size_t max = x->fd >= 0 || !ok_status ? CLIENT_ERROR_BODY_MAX : x->max;
    if (*len + n > max) {
        if (!ok_status) /* keep the start of an error body, drop the rest */
            return n;
        x->too_large = true;
        return 0;
    }
    *dst = sk_realloc(*dst, *len + n + 1);
    memcpy(*dst + *len, buf, n);
    *len += n;
    (*dst)[*len] = '\0';
    return n;
}

static size_t on_header_status(char *buf, size_t size, size_t nitems, void *ctx)
{
    struct exchange *x = ctx;
    size_t n = on_header(buf, size, nitems, ctx);
    /* Remember the status of the response being received, for on_body. */
    if (size * nitems >= 12 && strncmp(buf, "HTTP/", 5) == 0) {
        const char *sp = memchr(buf, ' ', size * nitems);
        if (sp)
            x->status = strtol(sp + 1, NULL, 10);
        /* A whole blob (200) where we asked for the rest of one: the bytes we
         * have already come again first; drop them as they arrive. */
        x->skip = x->fd >= 0 && x->status == 200 ? x->written : 0;
    }
    return n;
}

static void exchange_free(struct exchange *x)
{
    free(x->body);
    free(x->errbody);
}

static CURL *easy_new(struct registry_client *c, struct exchange *x, const char *url,
                      struct curl_slist *headers)
{
    CURL *h = libcurl.easy_init();
    if (!h)
        return NULL;
    libcurl.easy_setopt(h, CURLOPT_URL, url);
    libcurl.easy_setopt(h, CURLOPT_SHARE, c->share);
    libcurl.easy_setopt(h, CURLOPT_USERAGENT, CLIENT_USER_AGENT);
    libcurl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    libcurl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    libcurl.easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    libcurl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    libcurl.easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, c->allow_insecure ? "http,https" : "https");
    libcurl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)CLIENT_CONNECT_TIMEOUT);
    libcurl.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    libcurl.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)CLIENT_STALL_SECONDS);
    libcurl.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    libcurl.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header_status);
    libcurl.easy_setopt(h, CURLOPT_HEADERDATA, x);
    libcurl.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    libcurl.easy_setopt(h, CURLOPT_WRITEDATA, x);
    if (c->allow_insecure) {
        libcurl.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        libcurl.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (c->ncas > 0) {
        libcurl.easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_add_cas);
        libcurl.easy_setopt(h, CURLOPT_SSL_CTX_DATA, c);
    }
    if (c->client_cert) {
        libcurl.easy_setopt(h, CURLOPT_SSLCERT, c->client_cert);
        libcurl.easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
    }
    return h;
}

static bool curl_transient(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static bool status_transient(long status)
{
    return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
           status == 504;
}

static void backoff(int attempt)
{
    long ms = CLIENT_BACKOFF_MS << (attempt < 6 ? attempt : 6);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- registry error bodies ------------------------------------------------ */

/* {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]} -> "manifest unknown" */
static void registry_error_text(const char *body, size_t len, long status, char *out, size_t n)
{
    _cleanup_json_ json_t *j = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
    const char *code = sk_json_str(e0, "code");
    const char *msg = sk_json_str(e0, "message");
    if (code && msg) {
        _cleanup_free_ char *lc = sk_strdup(code);
        for (char *p = lc; *p; p++)
            *p = *p == '_' ? ' ' : (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        if (strcmp(lc, msg) == 0)
            snprintf(out, n, "%s", msg);
        else
            snprintf(out, n, "%s: %s", lc, msg);
        return;
    }
    switch (status) {
    case 401:
        snprintf(out, n, "unauthorized: authentication required");
        break;
    case 403:
        snprintf(out, n, "denied: requested access to the resource is denied");
        break;
    case 404:
        snprintf(out, n, "not found");
        break;
    default:
        snprintf(out, n, "unexpected HTTP status %ld", status);
    }
}

static int status_errno(long status)
{
    switch (status) {
    case 401:
        return EACCES;
    case 403:
        return EPERM;
    case 404:
        return ENOENT;
    case 429:
        return EBUSY;
    default:
        return EPROTO;
    }
}

/* ---- construction --------------------------------------------------------- */

static int load_ca_file(struct registry_client *c, const char *path, struct sk_error *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return sk_error_errno(err, errno, "open CA %s", path);
    int n = 0;
    X509 *x;
    while ((x = libcurl.PEM_read_X509(f, NULL, NULL, NULL))) {
        c->cas = sk_realloc(c->cas, (c->ncas + 1) * sizeof(*c->cas));
        c->cas[c->ncas++] = x;
        n++;
    }
    fclose(f);
    if (n == 0)
        return sk_error_set(err, EINVAL, "%s: no PEM certificate in file", path);
    return 0;
}

/* A certs.d directory: *.crt are CAs, NAME.cert + NAME.key a client certificate. */
static int load_cert_dir(struct registry_client *c, const char *dir, bool must_exist,
                         struct sk_error *err)
{
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT && !must_exist)
            return 0;
        return sk_error_errno(err, errno, "open certificate directory %s", dir);
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *name = de->d_name;
        _cleanup_free_ char *path = sk_asprintf("%s/%s", dir, name);
        if (sk_str_has_suffix(name, ".crt")) {
            if (load_ca_file(c, path, err) < 0)
                return -1;
        } else if (sk_str_has_suffix(name, ".cert")) {
            _cleanup_free_ char *key = sk_asprintf("%.*s.key", (int)(strlen(path) - 5), path);
            if (access(key, R_OK) < 0)
                return sk_error_set(err, ENOENT, "missing key %s for client certificate %s", key,
                                    path);
            free(c->client_cert);
            free(c->client_key);
            c->client_cert = SK_STEAL(path);
            c->client_key = SK_STEAL(key);
        }
    }
    return 0;
}

static int load_tls(struct registry_client *c, const char *cert_dir, struct sk_error *err)
{
    if (cert_dir)
        return load_cert_dir(c, cert_dir, true, err);
    for (size_t i = 0; i < SK_ARRAY_SIZE(CERTS_D_DIRS); i++) {
        _cleanup_free_ char *dir = sk_asprintf("%s/%s", CERTS_D_DIRS[i], c->host);
        if (load_cert_dir(c, dir, false, err) < 0)
            return -1;
    }
    const char *home = getenv("HOME");
    if (sk_rootless() && home) {
        _cleanup_free_ char *dir = sk_asprintf("%s/.config/containers/certs.d/%s", home, c->host);
        if (load_cert_dir(c, dir, false, err) < 0)
            return -1;
    }
    return 0;
}

int registry_client_new(const char *host, const struct registry_client_opts *opts,
                        struct registry_client **ret, struct sk_error *err)
{
    if (registry_libcurl_load(err) < 0)
        return -1;
    struct registry_client *c = sk_calloc(1, sizeof(*c));
    c->host = sk_strdup(host);
    c->api_host = sk_strdup(strcmp(host, "docker.io") == 0 ? "registry-1.docker.io" : host);
    c->scheme = "https";
    c->allow_insecure = opts->insecure || !opts->tls_verify;
    c->retries = opts->retries > 0 ? opts->retries : CLIENT_RETRIES;
    pthread_mutex_init(&c->mu, NULL);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->share_locks[i], NULL);
    c->share = libcurl.share_init();
    libcurl.share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
    libcurl.share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    libcurl.share_setopt(c->share, CURLSHOPT_USERDATA, c);
    libcurl.share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    libcurl.share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    libcurl.share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);

    int r = 0;
    if (opts->creds)
        r = registry_creds_parse(opts->creds, &c->user, &c->pass, err);
    else
        r = registry_auth_lookup(opts->authfile, host, NULL, &c->user, &c->pass, err);
    if (r == 0 && c->user && !c->pass)
        r = sk_error_set(err, EINVAL, "--creds: missing password for user \"%s\"", c->user);
    if (r == 0)
        r = load_tls(c, opts->cert_dir, err);
    if (r < 0) {
        registry_client_free(c);
        return -1;
    }
    *ret = c;
    return 0;
}

void registry_client_free(struct registry_client *c)
{
    if (!c)
        return;
    libcurl.share_cleanup(c->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&c->share_locks[i]);
    pthread_mutex_destroy(&c->mu);
    for (size_t i = 0; i < c->ntokens; i++) {
        free(c->tokens[i].scope);
        free(c->tokens[i].value);
    }
    free(c->tokens);
    registry_challenge_clear(&c->chal);
    for (size_t i = 0; i < c->ncas; i++)
        libcurl.X509_free(c->cas[i]);
    free(c->cas);
    free(c->client_cert);
    free(c->client_key);
    if (c->pass)
        memset(c->pass, 0, strlen(c->pass));
    free(c->user);
    free(c->pass);
    free(c->host);
    free(c->api_host);
    free(c);
}

/* ---- one request, with retries -------------------------------------------- */

struct request {
    const char *method; /* "GET" (default) or "HEAD" */
    const char *url;
    struct curl_slist *headers;
    bool basic_auth; /* send the client's credentials as HTTP basic */
    bool no_retry;   /* a probe with a fallback: fail fast */
};

/* Perform a request; transient failures are retried with backoff. Returns 0
 * when an HTTP response arrived (any status), -1 on transport failure.
 * before_retry lets blob downloads adjust the Range header between attempts. */
typedef void (*before_attempt_fn)(struct exchange *x, struct curl_slist **headers, void *ctx);

static int perform(struct registry_client *c, struct request *rq, struct exchange *x,
                   before_attempt_fn before, void *before_ctx, struct sk_error *err)
{
    char errbuf[CURL_ERROR_SIZE];
    for (int attempt = 0;; attempt++) {
        if (before)
            before(x, &rq->headers, before_ctx);
        if (x->fd < 0) { /* a memory sink starts over with every attempt */
            free(x->body);
            x->body = NULL;
            x->len = 0;
        }
        free(x->errbody);
        x->errbody = NULL;
        x->errlen = 0;
        x->status = 0;
        CURL *h = easy_new(c, x, rq->url, rq->headers);
        if (!h)
            return sk_error_set(err, ENOMEM, "cannot create HTTP handle");
        errbuf[0] = '\0';
        libcurl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        if (rq->method && strcmp(rq->method, "HEAD") == 0)
            libcurl.easy_setopt(h, CURLOPT_NOBODY, 1L);
        if (rq->basic_auth && c->user) {
            libcurl.easy_setopt(h, CURLOPT_USERNAME, c->user);
            libcurl.easy_setopt(h, CURLOPT_PASSWORD, c->pass);
        }
        CURLcode rc = libcurl.easy_perform(h);
        long status = 0;
        libcurl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        libcurl.easy_cleanup(h);
        if (rc == CURLE_OK)
            x->status = status;
        if (x->write_failed)
            return sk_error_errno(err, x->write_errno, "write blob");
        if (x->oversize)
            return sk_error_set(err, EFBIG, "size mismatch: registry sent more than the %lld "
                                            "bytes the descriptor declares",
                                (long long)x->size);
        if (x->too_large)
            return sk_error_set(err, EFBIG, "response larger than %zu bytes", x->max);
        bool again = rc != CURLE_OK ? curl_transient(rc) : status_transient(status);
        if (again && !rq->no_retry && attempt + 1 < c->retries) {
            backoff(attempt);
            continue;
        }
        if (rc == CURLE_SSL_CONNECT_ERROR && strstr(errbuf, "wrong version number"))
            return sk_error_set(err, EPROTO,
                                "%s %s: server gave an HTTP response to an HTTPS client (for a "
                                "plain-HTTP registry, mark it insecure in registries.conf or "
                                "use --tls-verify=false)",
                                rq->method ? rq->method : "GET", rq->url);
        if (rc != CURLE_OK)
            return sk_error_set(err, rc == CURLE_COULDNT_RESOLVE_HOST ? EHOSTUNREACH : EIO,
                                "%s %s: %s", rq->method ? rq->method : "GET", rq->url,
                                errbuf[0] ? errbuf : libcurl.easy_strerror(rc));
        return 0;
    }
}

/* ---- ping and auth -------------------------------------------------------- */

static int ping_scheme(struct registry_client *c, const char *scheme, struct exchange *x,
                       struct sk_error *err)
{
    _cleanup_free_ char *url = sk_asprintf("%s://%s/v2/", scheme, c->api_host);
    /* An https probe that may fall back to http does not wait out retries. */
    struct request rq = {.url = url,
                         .no_retry = c->allow_insecure && strcmp(scheme, "https") == 0};
    memset(x, 0, sizeof(*x));
    x->fd = -1;
    x->max = CLIENT_ERROR_BODY_MAX;
    return perform(c, &rq, x, NULL, NULL, err);
}

static int ping_locked(struct registry_client *c, struct sk_error *err)
{
    if (c->pinged)
        return 0;
    struct exchange x;
    int r = ping_scheme(c, "https", &x, err);
    if (r < 0 && c->allow_insecure) {
        exchange_free(&x);
        struct sk_error err2 = {0};
        r = ping_scheme(c, "http", &x, &err2);
        if (r == 0)
            c->scheme = "http";
    }
    if (r < 0) {
        exchange_free(&x);
        return sk_error_prefix(err, "pinging container registry %s", c->host);
    }
    long status = x.status;
    if (status == 401 && x.www_auth[0]) {
        r = registry_challenge_parse(x.www_auth, &c->chal, err);
    } else if (status != 200 && status != 401) {
        r = sk_error_set(err, EPROTO,
                         "pinging container registry %s: unexpected HTTP status %ld (is this a "
                         "registry?)",
                         c->host, status);
    }
    exchange_free(&x);
    if (r < 0)
        return -1;
    c->pinged = true;
    return 0;
}

int registry_ping(struct registry_client *c, struct sk_error *err)
{
    pthread_mutex_lock(&c->mu);
    int r = ping_locked(c, err);
    pthread_mutex_unlock(&c->mu);
    return r;
}

static bool is_bearer(const struct registry_client *c)
{
    return c->chal.scheme && strcmp(c->chal.scheme, "bearer") == 0;
}

/* Ask the realm for a token. scope may be NULL (login check). */
static int fetch_token(struct registry_client *c, const char *scope, char **ret_token,
                       int *ret_expires_in, struct sk_error *err)
{
    CURL *esc = libcurl.easy_init();
    _cleanup_free_ char *q = sk_strdup("");
    if (c->chal.service) {
        char *s = libcurl.easy_escape(esc, c->chal.service, 0);
        char *nq = sk_asprintf("%s&service=%s", q, s);
        libcurl.free(s);
        free(q);
        q = nq;
    }
    if (scope) {
        char *s = libcurl.easy_escape(esc, scope, 0);
        char *nq = sk_asprintf("%s&scope=%s", q, s);
        libcurl.free(s);
        free(q);
        q = nq;
    }
    if (c->user) {
        char *s = libcurl.easy_escape(esc, c->user, 0);
        char *nq = sk_asprintf("%s&account=%s", q, s);
        libcurl.free(s);
        free(q);
        q = nq;
    }
    libcurl.easy_cleanup(esc);
    const char *realm = c->chal.realm;
    _cleanup_free_ char *url =
        sk_asprintf("%s%s%s", realm, strchr(realm, '?') ? "" : "?", q[0] ? q + 1 : "");
    if (!sk_str_has_prefix(realm, "https://") &&
        !(c->allow_insecure && sk_str_has_prefix(realm, "http://")))
        return sk_error_set(err, EPROTO, "refusing token realm \"%s\": not https", realm);
    struct request rq = {.url = url, .basic_auth = true};
    struct exchange x = {.fd = -1, .max = CLIENT_ERROR_BODY_MAX};
    int r = perform(c, &rq, &x, NULL, NULL, err);
    if (r == 0 && x.status != 200) {
        char text[512];
        registry_error_text(x.body, x.len, x.status, text, sizeof(text));
        if (x.status == 401 && c->user)
            r = sk_error_set(err, EACCES, "invalid username/password (token server said: %s)",
                             text);
        else
            r = sk_error_set(err, status_errno(x.status), "token server: %s", text);
    }
    if (r == 0) {
        _cleanup_json_ json_t *j = sk_json_parse(x.body, x.len, "token response", err);
        const char *tok = sk_json_str(j, "token");
        if (!tok)
            tok = sk_json_str(j, "access_token");
        if (!j)
            r = -1;
        else if (!tok || !*tok)
            r = sk_error_set(err, EBADMSG, "token response has no token");
        else {
            *ret_token = sk_strdup(tok);
            *ret_expires_in = (int)sk_json_int(j, "expires_in", 60);
        }
    }
    exchange_free(&x);
    return r < 0 ? sk_error_prefix(err, "authenticating to %s", c->host) : 0;
}

/* "Authorization: Bearer ..." for scope, from the cache or the realm. */
static int bearer_header(struct registry_client *c, const char *scope, bool refresh,
                         char **ret_header, struct sk_error *err)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->ntokens; i++) {
        struct token *t = &c->tokens[i];
        if (strcmp(t->scope, scope) == 0 && !refresh && t->expires > now + 5) {
            *ret_header = sk_asprintf("Authorization: Bearer %s", t->value);
            pthread_mutex_unlock(&c->mu);
            return 0;
        }
    }
    char *tok = NULL;
    int expires_in = 60;
    int r = fetch_token(c, scope, &tok, &expires_in, err);
    if (r == 0) {
        size_t i;
        for (i = 0; i < c->ntokens && strcmp(c->tokens[i].scope, scope) != 0; i++)
            ;
        if (i == c->ntokens) {
            c->tokens = sk_realloc(c->tokens, (c->ntokens + 1) * sizeof(*c->tokens));
            c->tokens[c->ntokens++] = (struct token){.scope = sk_strdup(scope)};
        }
        free(c->tokens[i].value);
        c->tokens[i].value = tok;
        c->tokens[i].expires = now + (expires_in > 0 ? expires_in : 60);
        *ret_header = sk_asprintf("Authorization: Bearer %s", tok);
    }
    pthread_mutex_unlock(&c->mu);
    return r;
}

int registry_check_login(struct registry_client *c, struct sk_error *err)
{
    if (registry_ping(c, err) < 0)
        return -1;
    if (is_bearer(c)) {
        _cleanup_free_ char *tok = NULL;
        int expires = 0;
        pthread_mutex_lock(&c->mu);
        int r = fetch_token(c, NULL, &tok, &expires, err);
        pthread_mutex_unlock(&c->mu);
        return r;
    }
    _cleanup_free_ char *url = sk_asprintf("%s://%s/v2/", c->scheme, c->api_host);
    struct request rq = {.url = url, .basic_auth = true};
    struct exchange x = {.fd = -1, .max = CLIENT_ERROR_BODY_MAX};
    int r = perform(c, &rq, &x, NULL, NULL, err);
    if (r == 0 && x.status == 401)
        r = sk_error_set(err, EACCES, "invalid username/password");
    else if (r == 0 && x.status != 200)
        r = sk_error_set(err, EPROTO, "unexpected HTTP status %ld", x.status);
    exchange_free(&x);
    return r < 0 ? sk_error_prefix(err, "logging in to %s", c->host) : 0;
}

/* ---- API GET with authentication ----------------------------------------- */

struct api_get {
    const char *repo;
    const char *path; /* after /v2/<repo>/ */
    const char *accept;
    before_attempt_fn before;
    void *before_ctx;
};

static int api_get(struct registry_client *c, const struct api_get *g, struct exchange *x,
                   struct sk_error *err)
{
    if (registry_ping(c, err) < 0)
        return -1;
    _cleanup_free_ char *url =
        sk_asprintf("%s://%s/v2/%s/%s", c->scheme, c->api_host, g->repo, g->path);
    _cleanup_free_ char *scope = sk_asprintf("repository:%s:pull", g->repo);
    _cleanup_free_ char *accept = g->accept ? sk_asprintf("Accept: %s", g->accept) : NULL;
    for (int auth_try = 0; auth_try < 2; auth_try++) {
        _cleanup_free_ char *authz = NULL;
        if (is_bearer(c) && bearer_header(c, scope, auth_try > 0, &authz, err) < 0)
            return -1;
        struct curl_slist *headers = NULL;
        if (accept)
            headers = libcurl.slist_append(headers, accept);
        if (authz)
            headers = libcurl.slist_append(headers, authz);
        struct request rq = {.url = url, .headers = headers, .basic_auth = !is_bearer(c)};
        int r = perform(c, &rq, x, g->before, g->before_ctx, err);
        libcurl.slist_free_all(rq.headers);
        if (r < 0)
            return -1;
        if (x->status != 401 || !is_bearer(c))
            return 0;
        /* A 401 with a bearer token: it may have expired; fetch a fresh one once. */
    }
    return 0;
}

static int http_failure(struct registry_client *c, const struct exchange *x, const char *what,
                        struct sk_error *err)
{
    char text[512];
    const char *body = x->fd >= 0 ? x->errbody : x->body;
    size_t len = x->fd >= 0 ? x->errlen : x->len;
    registry_error_text(body, len, x->status, text, sizeof(text));
    if (x->status == 401 && c->user && !is_bearer(c))
        return sk_error_set(err, EACCES, "%s: invalid username/password (%s)", what, text);
    return sk_error_set(err, status_errno(x->status), "%s: %s", what, text);
}

int registry_get_manifest(struct registry_client *c, const char *repo, const char *ref,
                          char **ret_body, size_t *ret_len, char **ret_content_type,
                          char ret_digest[SK_DIGEST_MAX], struct sk_error *err)
{
    _cleanup_free_ char *path = sk_asprintf("manifests/%s", ref);
    _cleanup_free_ char *what = sk_asprintf("reading manifest %s in %s/%s", ref, c->host, repo);
    struct api_get g = {.repo = repo, .path = path, .accept = REGISTRY_MANIFEST_ACCEPT};
    struct exchange x = {.fd = -1, .max = REGISTRY_MANIFEST_MAX};
    int r = api_get(c, &g, &x, err);
    if (r == 0 && x.status != 200)
        r = http_failure(c, &x, what, err);
    else if (r < 0)
        sk_error_prefix(err, "%s", what);
    if (r < 0) {
        exchange_free(&x);
        return -1;
    }
    enum sk_digest_algo algo = SK_DIGEST_SHA256;
    bool by_digest = strchr(ref, ':') && sk_digest_parse(ref, &algo, NULL) == 0;
    sk_digest_buffer(algo, x.body ? x.body : "", x.len, ret_digest);
    if (by_digest && strcmp(ret_digest, ref) != 0) {
        exchange_free(&x);
        return sk_error_set(err, EBADMSG, "%s: manifest digest mismatch: expected %s, got %s",
                            what, ref, ret_digest);
    }
    *ret_body = x.body ? x.body : sk_strdup("");
    *ret_len = x.len;
    *ret_content_type = sk_strdup(x.content_type);
    free(x.errbody);
    return 0;
}

int registry_get_blob_mem(struct registry_client *c, const char *repo, const char *digest,
                          int64_t size, char **ret_body, size_t *ret_len, struct sk_error *err)
{
    enum sk_digest_algo algo;
    if (sk_digest_parse(digest, &algo, err) < 0)
        return -1;
    if (size > CLIENT_CONFIG_MAX)
        return sk_error_set(err, EFBIG, "blob %s: %lld bytes is too large", digest,
                            (long long)size);
    _cleanup_free_ char *path = sk_asprintf("blobs/%s", digest);
    _cleanup_free_ char *what = sk_asprintf("fetching blob %s from %s/%s", digest, c->host, repo);
    struct api_get g = {.repo = repo, .path = path};
    struct exchange x = {.fd = -1, .max = (size_t)size};
    int r = api_get(c, &g, &x, err);
    if (r == 0 && x.status != 200)
        r = http_failure(c, &x, what, err);
    else if (r < 0) {
        if (err && err->code == EFBIG)
            sk_error_set(err, EFBIG, "size mismatch: more than %lld bytes", (long long)size);
        sk_error_prefix(err, "%s", what);
    }
    char got[SK_DIGEST_MAX];
    if (r == 0) {
        sk_digest_buffer(algo, x.body ? x.body : "", x.len, got);
        if ((int64_t)x.len != size)
            r = sk_error_set(err, EBADMSG, "%s: size mismatch: expected %lld bytes, got %zu",
                             what, (long long)size, x.len);
        else if (strcmp(got, digest) != 0)
            r = sk_error_set(err, EBADMSG, "%s: digest mismatch: got %s", what, got);
    }
    if (r < 0) {
        exchange_free(&x);
        return -1;
    }
    *ret_body = x.body ? x.body : sk_strdup("");
    *ret_len = x.len;
    free(x.errbody);
    return 0;
}

/* Before each attempt of a blob download: ask for the bytes we do not have yet. */
static void blob_range(struct exchange *x, struct curl_slist **headers, void *ctx)
{
    struct curl_slist *h = NULL;
    for (struct curl_slist *p = *headers; p; p = p->next)
        if (strncasecmp(p->data, "Range:", 6) != 0)
            h = libcurl.slist_append(h, p->data);
    if (x->written > 0) {
        char range[64];
        snprintf(range, sizeof(range), "Range: bytes=%lld-", (long long)x->written);
        h = libcurl.slist_append(h, range);
    }
    libcurl.slist_free_all(*headers);
    *headers = h;
    free(x->errbody);
    x->errbody = NULL;
    x->errlen = 0;
}

static int blob_attempt(struct registry_client *c, const char *repo, const char *digest,
                        struct exchange *x, struct sk_error *err)
{
    _cleanup_free_ char *path = sk_asprintf("blobs/%s", digest);
    for (int round = 0; round < c->retries; round++) {
        int64_t before = x->written;
        struct api_get g = {.repo = repo, .path = path, .before = blob_range};
        if (api_get(c, &g, x, err) < 0) {
            /* A dropped connection mid-body: resume from what we have. */
            if (x->written > before && round + 1 < c->retries)
                continue;
            return -1;
        }
        if (x->status != 200 && x->status != 206)
            return http_failure(c, x, "fetching blob", err);
        if (x->status == 206 && before > 0) {
            long long start = -1;
            if (sscanf(x->content_range, "bytes %lld-", &start) != 1 || start != before)
                return sk_error_set(err, EPROTO, "registry answered a Range request with "
                                                 "the wrong range \"%s\"",
                                    x->content_range);
        }
        if (x->written < x->size && x->status == 206)
            continue; /* short again, ask for the rest */
        return 0;
    }
    return sk_error_set(err, EIO, "gave up after %d attempts", c->retries);
}

int registry_get_blob(struct registry_client *c, const char *repo, const char *digest,
                      int64_t size, int fd, registry_progress_fn progress, void *progress_ctx,
                      struct sk_error *err)
{
    enum sk_digest_algo algo;
    if (sk_digest_parse(digest, &algo, err) < 0)
        return -1;
    _cleanup_hasher_ struct sk_hasher *hasher = sk_hasher_new(algo);
    struct exchange x = {.fd = fd, .hasher = hasher, .size = size,
                         .progress = progress, .progress_ctx = progress_ctx};
    int r = blob_attempt(c, repo, digest, &x, err);
    if (r == 0) {
        char got[SK_DIGEST_MAX];
        sk_hasher_final(hasher, got);
        if (x.written != size)
            r = sk_error_set(err, EBADMSG, "size mismatch: expected %lld bytes, got %lld",
                             (long long)size, (long long)x.written);
        else if (strcmp(got, digest) != 0)
            r = sk_error_set(err, EBADMSG, "digest mismatch: got %s", got);
    }
    exchange_free(&x);
    if (r < 0)
        return sk_error_prefix(err, "fetching blob %s from %s/%s", digest, c->host, repo);
    return 0;
}
