/* Image references: the distribution spec grammar
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] path-component ["/" path-component]*
 *   domain    := host [":" port]
 * plus the normalization docker and podman apply (docker.io, library/, latest). */
#include "registry/reference.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define REF_DOCKER_DOMAIN "docker.io"
#define REF_DOCKER_LEGACY_DOMAIN "index.docker.io"
#define REF_OFFICIAL_NAMESPACE "library/"
#define REF_DEFAULT_TAG "latest"
#define REF_NAME_MAX 255
#define REF_TAG_MAX 128

__attribute__((format(printf, 3, 4))) static int ref_fail(struct sk_error *err, const char *ref,
                                                          const char *fmt, ...)
{
    char why[SK_ERROR_MSG_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return sk_error_set(err, EINVAL, "invalid reference \"%.300s\": %s", ref, why);
}

static bool ref_is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool ref_is_alnum(char c)
{
    return ref_is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := . | _ | __ | -+ */
static bool ref_valid_component(const char *c, size_t len)
{
    size_t i = 0;
    for (;;) {
        size_t start = i;
        while (i < len && ref_is_lower_alnum(c[i]))
            i++;
        if (i == start)
            return false;
        if (i == len)
            return true;
        if (c[i] == '.') {
            i++;
        } else if (c[i] == '_') {
            i += i + 1 < len && c[i + 1] == '_' ? 2 : 1;
        } else if (c[i] == '-') {
            while (i < len && c[i] == '-')
                i++;
        } else {
            return false;
        }
    }
}

static const char *ref_check_path(const char *path)
{
    if (!*path)
        return "missing repository name";
    for (const char *p = path; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            return "repository name must be lowercase";
    for (const char *p = path;;) {
        size_t len = strcspn(p, "/");
        if (!ref_valid_component(p, len))
            return "invalid repository name";
        if (!p[len])
            return NULL;
        p += len + 1;
    }
}

/* host := component ("." component)*, component := [A-Za-z0-9] |
 * [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9] */
static bool ref_valid_host(const char *h, size_t len)
{
    size_t i = 0;
    for (;;) {
        size_t start = i;
        while (i < len && (ref_is_alnum(h[i]) || h[i] == '-'))
            i++;
        if (i == start || h[start] == '-' || h[i - 1] == '-')
            return false;
        if (i == len)
            return true;
        if (h[i] != '.')
            return false;
        i++;
    }
}

static const char *ref_check_domain(const char *domain)
{
    if (domain[0] == '[')
        return "IPv6 addresses are not supported";
    const char *colon = strchr(domain, ':');
    size_t hostlen = colon ? (size_t)(colon - domain) : strlen(domain);
    if (!ref_valid_host(domain, hostlen))
        return "invalid domain";
    if (colon && (!colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1)))
        return "invalid port in domain";
    return NULL;
}

/* tag := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
static bool ref_valid_tag(const char *tag)
{
    size_t len = strlen(tag);
    if (len == 0 || len > REF_TAG_MAX || !(ref_is_alnum(tag[0]) || tag[0] == '_'))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!(ref_is_alnum(tag[i]) || tag[i] == '_' || tag[i] == '.' || tag[i] == '-'))
            return false;
    return true;
}

/* The first component names a registry if it looks like a host. */
static bool ref_is_domain(const char *s, size_t len)
{
    return memchr(s, '.', len) || memchr(s, ':', len) ||
           (len == strlen("localhost") && memcmp(s, "localhost", len) == 0);
}

static bool ref_is_hex64(const char *s)
{
    return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static bool ref_is_docker_hub(const char *domain)
{
    return strcmp(domain, REF_DOCKER_DOMAIN) == 0 || strcmp(domain, REF_DOCKER_LEGACY_DOMAIN) == 0;
}

/* docker.io (also spelled index.docker.io) keeps official images under library/. */
static void ref_normalize(const char *domain, const char *path, char **ret_domain, char **ret_path)
{
    bool hub = ref_is_docker_hub(domain);
    *ret_domain = sk_strdup(hub ? REF_DOCKER_DOMAIN : domain);
    *ret_path = hub && !strchr(path, '/') ? sk_asprintf(REF_OFFICIAL_NAMESPACE "%s", path)
                                          : sk_strdup(path);
}

/* Splits "name[:tag]" in place; the tag is after the last ':' that follows the last '/'. */
static int ref_split_tag(const char *ref, char *name, char **ret_tag, struct sk_error *err)
{
    char *colon = strrchr(name, ':');
    if (!colon || strchr(colon, '/'))
        return 0;
    if (!ref_valid_tag(colon + 1))
        return ref_fail(err, ref, "invalid tag \"%.200s\"", colon + 1);
    *ret_tag = sk_strdup(colon + 1);
    *colon = '\0';
    return 0;
}

static int ref_split_name(const char *ref, const char *name, char **ret_domain, char **ret_path,
                          struct sk_error *err)
{
    const char *slash = strchr(name, '/');
    _cleanup_free_ char *domain = NULL;
    const char *path = name, *why;
    if (slash && ref_is_domain(name, (size_t)(slash - name))) {
        domain = sk_strndup(name, (size_t)(slash - name));
        path = slash + 1;
        if ((why = ref_check_domain(domain)))
            return ref_fail(err, ref, "%s", why);
    }
    if ((why = ref_check_path(path)))
        return ref_fail(err, ref, "%s", why);
    if (!domain && ref_is_hex64(path))
        return ref_fail(err, ref, "cannot specify 64-byte hexadecimal strings");
    if (domain) {
        ref_normalize(domain, path, ret_domain, ret_path);
    } else {
        *ret_domain = NULL;
        *ret_path = sk_strdup(path);
    }
    return 0;
}

int registry_ref_parse(const char *s, struct registry_ref *ret, struct sk_error *err)
{
    if (!s || !*s)
        return ref_fail(err, "", "empty reference");
    _cleanup_free_ char *name = sk_strdup(s);
    _cleanup_free_ char *digest = NULL, *tag = NULL, *domain = NULL, *path = NULL;
    char *at = strchr(name, '@');
    if (at) {
        struct sk_error derr = {0};
        if (sk_digest_parse(at + 1, NULL, &derr) < 0)
            return ref_fail(err, s, "%s", derr.msg);
        digest = sk_strdup(at + 1);
        *at = '\0';
    }
    if (ref_split_tag(s, name, &tag, err) < 0 || ref_split_name(s, name, &domain, &path, err) < 0)
        return -1;
    size_t len = strlen(path) + (domain ? strlen(domain) + 1 : 0);
    if (len > REF_NAME_MAX)
        return ref_fail(err, s, "repository name must not be more than %d characters",
                        REF_NAME_MAX);
    if (!tag && !digest)
        tag = sk_strdup(REF_DEFAULT_TAG);
    *ret = (struct registry_ref){.domain = SK_STEAL(domain),
                                 .path = SK_STEAL(path),
                                 .tag = SK_STEAL(tag),
                                 .digest = SK_STEAL(digest)};
    return 0;
}

void registry_ref_qualify(const struct registry_ref *short_ref, const char *domain,
                          struct registry_ref *ret)
{
    ref_normalize(domain, short_ref->path, &ret->domain, &ret->path);
    ret->tag = short_ref->tag ? sk_strdup(short_ref->tag) : NULL;
    ret->digest = short_ref->digest ? sk_strdup(short_ref->digest) : NULL;
}

bool registry_ref_is_short(const struct registry_ref *r)
{
    return r->domain == NULL;
}

char *registry_ref_name(const struct registry_ref *r)
{
    if (!r->domain)
        return sk_strdup(r->path);
    return sk_asprintf("%s/%s", r->domain, r->path);
}

char *registry_ref_string(const struct registry_ref *r)
{
    _cleanup_free_ char *name = registry_ref_name(r);
    return sk_asprintf("%s%s%s%s%s", name, r->tag ? ":" : "", r->tag ? r->tag : "",
                       r->digest ? "@" : "", r->digest ? r->digest : "");
}

void registry_ref_clear(struct registry_ref *r)
{
    if (!r)
        return;
    free(r->domain);
    free(r->path);
    free(r->tag);
    free(r->digest);
    *r = (struct registry_ref){0};
}
