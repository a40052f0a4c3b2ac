/* Registry credentials: WWW-Authenticate challenges, --creds, and auth.json
 * files in the format podman (containers-auth.json(5)) and docker share.
 *
 * Key matching follows containers/image: within one file the exact keys
 * "host/ns/repo", "host/ns", "host" are tried first, most specific first; then
 * any key that names the same registry once "http(s)://" and the URL path are
 * stripped (docker's legacy "https://index.docker.io/v1/" style). docker.io,
 * index.docker.io and registry-1.docker.io are one registry. The first file in
 * the search order that has credentials wins. */
#include "registry/auth.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/rootless.h"
#include "common/util.h"

/* Credentials are secrets: only the owner may read them. */
#define AUTH_DIR_MODE 0700
#define AUTH_FILE_MODE 0600

/* ---- WWW-Authenticate (RFC 7235) ---- */

static bool is_tchar(char c)
{
    return isalnum((unsigned char)c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token68_char(char c)
{
    return isalnum((unsigned char)c) || (c != '\0' && strchr("-._~+/", c));
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* A quoted-string with backslash escapes, or (leniently) a bare value up to
 * the next comma or whitespace. */
static int challenge_parse_value(const char **pp, char **ret, struct sk_error *err)
{
    const char *p = *pp;
    if (*p != '"') {
        size_t n = strcspn(p, ", \t");
        if (n == 0)
            return sk_error_set(err, EINVAL, "missing parameter value");
        *ret = sk_strndup(p, n);
        *pp = p + n;
        return 0;
    }
    _cleanup_free_ char *buf = sk_malloc(strlen(p));
    size_t len = 0;
    for (p++; *p != '"'; p++) {
        if (*p == '\\')
            p++;
        if (*p == '\0')
            return sk_error_set(err, EINVAL, "unterminated quoted string");
        buf[len++] = *p;
    }
    buf[len] = '\0';
    *ret = SK_STEAL(buf);
    *pp = p + 1;
    return 0;
}

struct challenge_list {
    struct registry_challenge *v;
    size_t n;
};

static void challenge_list_free(struct challenge_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        registry_challenge_clear(&l->v[i]);
    free(l->v);
}

static void challenge_set_param(struct registry_challenge *c, const char *name, char **value)
{
    char **slot = !strcasecmp(name, "realm")     ? &c->realm
                  : !strcasecmp(name, "service") ? &c->service
                  : !strcasecmp(name, "scope")   ? &c->scope
                                                 : NULL;
    if (slot && !*slot) /* unknown parameters are ignored; the first of a name wins */
        *slot = SK_STEAL(*value);
}

static int challenge_list_parse(const char *value, struct challenge_list *l, struct sk_error *err)
{
    const char *p = value;
    for (;;) {
        p = skip_ws(p);
        if (*p == ',') { /* empty list elements are allowed */
            p++;
            continue;
        }
        if (*p == '\0')
            return 0;
        const char *start = p;
        while (is_tchar(*p))
            p++;
        if (p == start)
            return sk_error_set(err, EINVAL, "unexpected character '%c'", *p);
        _cleanup_free_ char *name = sk_strndup(start, p - start);
        const char *q = skip_ws(p);

        if (*q == '=') { /* auth-param of the current challenge */
            if (l->n == 0)
                return sk_error_set(err, EINVAL, "parameter %s before any scheme", name);
            _cleanup_free_ char *v = NULL;
            p = skip_ws(q + 1);
            if (challenge_parse_value(&p, &v, err) < 0)
                return sk_error_prefix(err, "parameter %s", name);
            challenge_set_param(&l->v[l->n - 1], name, &v);
            p = skip_ws(p);
            if (*p != ',' && *p != '\0')
                return sk_error_set(err, EINVAL, "unexpected character '%c' after %s", *p, name);
            continue;
        }

        /* A new challenge: scheme, then a token68, parameters or nothing. */
        if (*p != '\0' && *p != ',' && q == p)
            return sk_error_set(err, EINVAL, "unexpected character '%c' after %s", *p, name);
        l->v = sk_realloc(l->v, (l->n + 1) * sizeof(*l->v));
        struct registry_challenge *c = &l->v[l->n++];
        *c = (struct registry_challenge){.scheme = SK_STEAL(name)};
        for (char *s = c->scheme; *s; s++)
            *s = tolower((unsigned char)*s);
        const char *r = q;
        while (is_token68_char(*r))
            r++;
        if (r > q) {
            while (*r == '=')
                r++;
            r = skip_ws(r);
            if (*r == ',' || *r == '\0')
                q = r; /* token68 (Negotiate, NTLM...): not used by registries */
        }
        p = q;
    }
}

int registry_challenge_parse(const char *value, struct registry_challenge *ret,
                             struct sk_error *err)
{
    _cleanup_(challenge_list_free) struct challenge_list l = {0};
    if (!value)
        return sk_error_set(err, EINVAL, "missing WWW-Authenticate header");
    if (challenge_list_parse(value, &l, err) < 0)
        return sk_error_prefix(err, "invalid WWW-Authenticate header \"%s\"", value);
    if (l.n == 0)
        return sk_error_set(err, EINVAL, "empty WWW-Authenticate header");

    struct registry_challenge *pick = &l.v[0];
    for (size_t i = 0; i < l.n; i++) {
        if (!strcmp(l.v[i].scheme, "bearer")) {
            pick = &l.v[i];
            break;
        }
    }
    if (!strcmp(pick->scheme, "bearer") && (!pick->realm || !*pick->realm))
        return sk_error_set(err, EINVAL, "WWW-Authenticate header \"%s\": Bearer without realm",
                            value);
    if (!pick->realm)
        pick->realm = sk_strdup("");
    *ret = *pick;
    *pick = (struct registry_challenge){0};
    return 0;
}

void registry_challenge_clear(struct registry_challenge *c)
{
    if (!c)
        return;
    free(c->scheme);
    free(c->realm);
    free(c->service);
    free(c->scope);
    *c = (struct registry_challenge){0};
}

/* ---- --creds ---- */

int registry_creds_parse(const char *creds, char **ret_user, char **ret_pass, struct sk_error *err)
{
    const char *colon = strchr(creds, ':');
    size_t ulen = colon ? (size_t)(colon - creds) : strlen(creds);
    if (ulen == 0)
        return sk_error_set(err, EINVAL, "credentials \"user:password\": the user name is empty");
    /* "user" alone: no password, the caller may prompt for it. */
    *ret_pass = colon ? sk_strdup(colon + 1) : NULL;
    *ret_user = sk_strndup(creds, ulen);
    return 0;
}

/* ---- base64 ---- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *registry_base64_encode(const void *data, size_t len)
{
    const unsigned char *in = data;
    char *out = sk_malloc((len + 2) / 3 * 4 + 1), *o = out;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        *o++ = B64[v >> 18];
        *o++ = B64[(v >> 12) & 63];
        *o++ = i + 1 < len ? B64[(v >> 6) & 63] : '=';
        *o++ = i + 2 < len ? B64[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

int registry_base64_decode(const char *s, char **ret, size_t *ret_len, struct sk_error *err)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    size_t data = strspn(s, B64);
    size_t pad = n - data;
    /* Padding is optional, but only whole quads may carry it. */
    if (pad > 2 || strspn(s + data, "=") < pad || data % 4 == 1 ||
        (pad > 0 && (data + pad) % 4 != 0))
        return sk_error_set(err, EINVAL, "invalid base64");
    char *out = sk_malloc(data / 4 * 3 + 3), *o = out;
    unsigned v = 0;
    for (size_t i = 0; i < data; i++) {
        v = v << 6 | (unsigned)(strchr(B64, s[i]) - B64);
        if (i % 4 == 3) {
            *o++ = (char)(v >> 16);
            *o++ = (char)(v >> 8);
            *o++ = (char)v;
            v = 0;
        }
    }
    if (data % 4 == 2) { /* 12 bits: one byte, 4 spare bits */
        *o++ = (char)(v >> 4);
    } else if (data % 4 == 3) { /* 18 bits: two bytes, 2 spare bits */
        *o++ = (char)(v >> 10);
        *o++ = (char)(v >> 2);
    }
    *o = '\0';
    if (ret_len)
        *ret_len = (size_t)(o - out);
    *ret = out;
    return 0;
}

/* ---- auth.json ---- */

static bool is_docker_hub(const char *host)
{
    return !strcmp(host, "docker.io") || !strcmp(host, "index.docker.io") ||
           !strcmp(host, "registry-1.docker.io");
}

/* Does an auth.json key name this whole registry, once normalized? */
static bool auth_key_matches_host(const char *key, const char *host)
{
    const char *s = key;
    bool had_scheme = false;
    if (sk_str_has_prefix(s, "https://") || sk_str_has_prefix(s, "http://")) {
        s = strstr(s, "://") + 3;
        had_scheme = true;
    }
    _cleanup_free_ char *k = sk_strndup(s, had_scheme ? strcspn(s, "/") : strlen(s));
    if (is_docker_hub(k) && is_docker_hub(host))
        return true;
    return !strcmp(k, host);
}

/* 1 and the credentials when the entry has some, 0 when it has none. */
static int auth_entry_decode(const char *path, const char *key, const json_t *entry,
                             char **ret_user, char **ret_pass, struct sk_error *err)
{
    if (!json_is_object(entry))
        return sk_error_set(err, EBADMSG, "%s: entry \"%s\" is not an object", path, key);
    const char *auth = sk_json_str(entry, "auth");
    if (auth && *auth) {
        _cleanup_free_ char *plain = NULL;
        size_t len = 0;
        if (registry_base64_decode(auth, &plain, &len, err) < 0)
            return sk_error_prefix(err, "%s: entry \"%s\"", path, key);
        char *colon = strchr(plain, ':');
        if (!colon || strlen(plain) != len)
            return sk_error_set(err, EBADMSG, "%s: entry \"%s\": auth is not user:password", path,
                                key);
        if (colon == plain)
            return 0;
        *ret_pass = sk_strdup(colon + 1);
        *ret_user = sk_strndup(plain, colon - plain);
        return 1;
    }
    const char *user = sk_json_str(entry, "username"), *pass = sk_json_str(entry, "password");
    if (!user || !*user || !pass)
        return 0;
    *ret_user = sk_strdup(user);
    *ret_pass = sk_strdup(pass);
    return 1;
}

/* Load an auth file. A missing file gives *ret_root = NULL and 0. */
static int auth_file_load(const char *path, json_t **ret_root, json_t **ret_auths,
                          struct sk_error *err)
{
    struct sk_error lerr = {0};
    _cleanup_json_ json_t *root = sk_json_load_file(path, &lerr);
    if (!root && (lerr.code == ENOENT || lerr.code == ENOTDIR)) {
        *ret_root = *ret_auths = NULL;
        return 0;
    }
    if (!root) {
        if (err)
            *err = lerr;
        return -1;
    }
    json_t *auths = json_object_get(root, "auths");
    if (!json_is_object(root) || (auths && !json_is_object(auths)))
        return sk_error_set(err, EBADMSG, "%s: not an auth file: \"auths\" must be an object",
                            path);
    *ret_auths = auths;
    *ret_root = SK_STEAL(root);
    return 0;
}

/* 1 and the credentials when this file has some for host/repo, else 0. */
static int auth_file_lookup(const char *path, const char *host, const char *repo, char **ret_user,
                            char **ret_pass, struct sk_error *err)
{
    _cleanup_json_ json_t *root = NULL;
    json_t *auths = NULL;
    if (auth_file_load(path, &root, &auths, err) < 0)
        return -1;
    if (!auths)
        return 0;

    _cleanup_free_ char *key = repo && *repo ? sk_asprintf("%s/%s", host, repo) : sk_strdup(host);
    for (;;) {
        json_t *entry = json_object_get(auths, key);
        int r = entry ? auth_entry_decode(path, key, entry, ret_user, ret_pass, err) : 0;
        if (r != 0)
            return r;
        char *slash = strrchr(key, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
    const char *k;
    json_t *entry;
    json_object_foreach(auths, k, entry)
    {
        if (!auth_key_matches_host(k, host))
            continue;
        int r = auth_entry_decode(path, k, entry, ret_user, ret_pass, err);
        if (r != 0)
            return r;
    }
    return 0;
}

static const char *home_dir(void)
{
    const char *home = getenv("HOME");
    if (home && *home)
        return home;
    struct passwd *pw = getpwuid(sk_rootless_uid());
    return pw ? pw->pw_dir : NULL;
}

/* The files to search, in podman's order. An explicit file is the only one. */
static char **auth_search_paths(const char *authfile)
{
    char **v = NULL;
    _cleanup_free_ char *first = registry_auth_default_path(authfile);
    sk_strv_push(&v, first);
    const char *env = getenv("REGISTRY_AUTH_FILE");
    if ((authfile && *authfile) || (env && *env))
        return v;

    const char *home = home_dir(), *xdg = getenv("XDG_CONFIG_HOME");
    _cleanup_free_ char *config = NULL, *docker = NULL;
    if (xdg && *xdg)
        config = sk_asprintf("%s/containers/auth.json", xdg);
    else if (home)
        config = sk_asprintf("%s/.config/containers/auth.json", home);
    const char *docker_config = getenv("DOCKER_CONFIG");
    if (docker_config && *docker_config)
        docker = sk_asprintf("%s/config.json", docker_config);
    else if (home)
        docker = sk_asprintf("%s/.docker/config.json", home);
    if (config)
        sk_strv_push(&v, config);
    if (docker)
        sk_strv_push(&v, docker);
    return v;
}

int registry_auth_lookup(const char *authfile, const char *host, const char *repo, char **ret_user,
                         char **ret_pass, struct sk_error *err)
{
    if (!host || !*host)
        return sk_error_set(err, EINVAL, "credentials lookup: empty registry host");
    /* Keys for docker.io images are written "docker.io/ns/repo". */
    const char *key_host = is_docker_hub(host) ? "docker.io" : host;
    _cleanup_strv_ char **paths = auth_search_paths(authfile);
    for (size_t i = 0; paths[i]; i++) {
        _cleanup_free_ char *user = NULL, *pass = NULL;
        int r = auth_file_lookup(paths[i], key_host, repo, &user, &pass, err);
        if (r < 0)
            return -1;
        if (r > 0) {
            *ret_user = SK_STEAL(user);
            *ret_pass = SK_STEAL(pass);
            return 0;
        }
    }
    *ret_user = *ret_pass = NULL;
    return 0;
}

char *registry_auth_default_path(const char *authfile)
{
    if (authfile && *authfile)
        return sk_strdup(authfile);
    const char *env = getenv("REGISTRY_AUTH_FILE");
    if (env && *env)
        return sk_strdup(env);
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    if (runtime && *runtime)
        return sk_asprintf("%s/containers/auth.json", runtime);
    return sk_asprintf("/run/containers/%u/auth.json", (unsigned)sk_rootless_uid());
}

static int auth_file_save(const char *path, const json_t *root, struct sk_error *err)
{
    _cleanup_free_ char *dir = sk_strdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (sk_mkdir_p(dir, AUTH_DIR_MODE, err) < 0)
            return -1;
    }
    _cleanup_free_ char *json = json_dumps(root, JSON_INDENT(2));
    if (!json)
        return sk_error_set(err, ENOMEM, "serialize %s", path);
    _cleanup_free_ char *text = sk_asprintf("%s\n", json);
    return sk_write_file_atomic(path, text, strlen(text), AUTH_FILE_MODE, err);
}

/* Load for an update: a missing file or "auths" member is created empty. */
static json_t *auth_file_load_for_update(const char *path, json_t **ret_auths, bool *ret_missing,
                                         struct sk_error *err)
{
    json_t *root = NULL, *auths = NULL;
    if (auth_file_load(path, &root, &auths, err) < 0)
        return NULL;
    *ret_missing = !root;
    if (!root)
        root = json_object();
    if (!auths) {
        auths = json_object();
        json_object_set_new(root, "auths", auths);
    }
    *ret_auths = auths;
    return root;
}

int registry_auth_store(const char *authfile, const char *key, const char *user, const char *pass,
                        struct sk_error *err)
{
    if (!key || !*key || !user || !*user || !pass)
        return sk_error_set(err, EINVAL, "store credentials: empty registry, user or password");
    _cleanup_free_ char *path = registry_auth_default_path(authfile);
    json_t *auths = NULL;
    bool missing = false;
    _cleanup_json_ json_t *root = auth_file_load_for_update(path, &auths, &missing, err);
    if (!root)
        return -1;
    _cleanup_free_ char *plain = sk_asprintf("%s:%s", user, pass);
    _cleanup_free_ char *b64 = registry_base64_encode(plain, strlen(plain));
    explicit_bzero(plain, strlen(plain));
    json_object_set_new(auths, key, json_pack("{s:s}", "auth", b64));
    return auth_file_save(path, root, err);
}

int registry_auth_remove(const char *authfile, const char *key, bool all, struct sk_error *err)
{
    _cleanup_free_ char *path = registry_auth_default_path(authfile);
    json_t *auths = NULL;
    bool missing = false;
    _cleanup_json_ json_t *root = auth_file_load_for_update(path, &auths, &missing, err);
    if (!root)
        return -1;
    if (all) {
        if (missing)
            return 0;
        json_object_clear(auths);
        return auth_file_save(path, root, err);
    }

    _cleanup_free_ char *found = NULL;
    if (json_object_get(auths, key)) {
        found = sk_strdup(key);
    } else if (!strchr(key, '/')) { /* a registry may be stored under a legacy URL key */
        const char *k;
        json_t *entry;
        json_object_foreach(auths, k, entry)
        {
            if (auth_key_matches_host(k, key)) {
                found = sk_strdup(k);
                break;
            }
        }
    }
    if (!found)
        return sk_error_set(err, ENOENT, "not logged into %s", key);
    json_object_del(auths, found);
    return auth_file_save(path, root, err);
}
