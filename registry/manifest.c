#include "registry/manifest.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

static void descriptor_clear(struct registry_descriptor *d)
{
    free(d->media_type);
    registry_platform_clear(&d->platform);
    memset(d, 0, sizeof(*d));
}

void registry_manifest_clear(struct registry_manifest *m)
{
    if (!m)
        return;
    descriptor_clear(&m->config);
    for (size_t i = 0; i < m->nlayers; i++)
        descriptor_clear(&m->layers[i]);
    for (size_t i = 0; i < m->nmanifests; i++)
        descriptor_clear(&m->manifests[i]);
    free(m->layers);
    free(m->manifests);
    free(m->media_type);
    memset(m, 0, sizeof(*m));
}

void registry_platform_clear(struct registry_platform *p)
{
    free(p->os);
    free(p->architecture);
    free(p->variant);
    memset(p, 0, sizeof(*p));
}

static int descriptor_parse(const json_t *j, const char *what, struct registry_descriptor *d,
                            struct sk_error *err)
{
    if (!json_is_object(j))
        return sk_error_set(err, EBADMSG, "%s: not an object", what);
    const char *mt = sk_json_str(j, "mediaType");
    const char *digest = sk_json_str(j, "digest");
    json_t *size = json_object_get(j, "size");
    if (!mt)
        return sk_error_set(err, EBADMSG, "%s: missing mediaType", what);
    if (sk_digest_parse(digest, NULL, err) < 0)
        return sk_error_prefix(err, "%s", what);
    if (!json_is_integer(size) || json_integer_value(size) < 0)
        return sk_error_set(err, EBADMSG, "%s: missing or negative size", what);
    d->media_type = sk_strdup(mt);
    snprintf(d->digest, sizeof(d->digest), "%s", digest);
    d->size = json_integer_value(size);
    json_t *plat = json_object_get(j, "platform");
    if (json_is_object(plat)) {
        const char *os = sk_json_str(plat, "os"), *arch = sk_json_str(plat, "architecture");
        const char *variant = sk_json_str(plat, "variant");
        d->platform.os = os ? sk_strdup(os) : NULL;
        d->platform.architecture = arch ? sk_strdup(arch) : NULL;
        d->platform.variant = variant ? sk_strdup(variant) : NULL;
    }
    return 0;
}

static int descriptors_parse(const json_t *arr, const char *what, struct registry_descriptor **ret,
                             size_t *ret_n, struct sk_error *err)
{
    if (!json_is_array(arr))
        return sk_error_set(err, EBADMSG, "manifest: missing \"%s\" array", what);
    size_t n = json_array_size(arr);
    *ret = sk_calloc(n, sizeof(**ret));
    *ret_n = n;
    for (size_t i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof(name), "%s[%zu]", what, i);
        if (descriptor_parse(json_array_get(arr, i), name, &(*ret)[i], err) < 0)
            return -1;
    }
    return 0;
}

static bool is_schema1(const char *mt)
{
    return mt && (strcmp(mt, MT_DOCKER_SCHEMA1) == 0 || strcmp(mt, MT_DOCKER_SCHEMA1_SIGNED) == 0);
}

int registry_layer_compression(const char *mt)
{
    if (strcmp(mt, MT_OCI_LAYER) == 0 || strcmp(mt, "application/vnd.docker.image.rootfs.diff.tar") == 0)
        return 0;
    if (strcmp(mt, MT_OCI_LAYER_GZIP) == 0 || strcmp(mt, MT_DOCKER_LAYER_GZIP) == 0)
        return 1;
    if (strcmp(mt, MT_OCI_LAYER_ZSTD) == 0)
        return 2;
    return -1;
}

static int check_image(struct registry_manifest *m, struct sk_error *err)
{
    const char *ct = m->config.media_type;
    if (strcmp(ct, MT_OCI_CONFIG) != 0 && strcmp(ct, MT_DOCKER_CONFIG) != 0)
        return sk_error_set(err, ENOTSUP,
                            "unsupported config media type \"%s\" (not a container image)", ct);
    for (size_t i = 0; i < m->nlayers; i++)
        if (registry_layer_compression(m->layers[i].media_type) < 0)
            return sk_error_set(err, ENOTSUP, "unsupported layer media type \"%s\"",
                                m->layers[i].media_type);
    return 0;
}

int registry_manifest_parse(const char *body, size_t len, const char *content_type,
                            struct registry_manifest *ret, struct sk_error *err)
{
    memset(ret, 0, sizeof(*ret));
    _cleanup_json_ json_t *j = sk_json_parse(body, len, "manifest", err);
    if (!j)
        return -1;
    if (!json_is_object(j))
        return sk_error_set(err, EBADMSG, "manifest: not a JSON object");
    const char *mt = sk_json_str(j, "mediaType");
    long long schema = sk_json_int(j, "schemaVersion", -1);
    if (!mt && content_type && *content_type && strcmp(content_type, "application/json") != 0)
        mt = content_type;
    if (is_schema1(mt) || schema == 1)
        return sk_error_set(err, ENOTSUP,
                            "Docker schema1 manifests are not supported (re-push the image "
                            "with a current client)");
    if (schema != 2)
        return sk_error_set(err, EBADMSG, "manifest: unsupported schemaVersion %lld", schema);
    if (!mt) /* OCI allows omitting mediaType: tell by shape */
        mt = json_object_get(j, "manifests") ? MT_OCI_INDEX : MT_OCI_MANIFEST;

    int r;
    if (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0) {
        ret->kind = REGISTRY_MANIFEST_INDEX;
        r = descriptors_parse(json_object_get(j, "manifests"), "manifests", &ret->manifests,
                              &ret->nmanifests, err);
    } else if (strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0) {
        ret->kind = REGISTRY_MANIFEST_IMAGE;
        r = descriptor_parse(json_object_get(j, "config"), "config", &ret->config, err);
        if (r == 0)
            r = descriptors_parse(json_object_get(j, "layers"), "layers", &ret->layers,
                                  &ret->nlayers, err);
        if (r == 0)
            r = check_image(ret, err);
    } else {
        return sk_error_set(err, ENOTSUP, "unsupported manifest media type \"%s\"", mt);
    }
    ret->media_type = sk_strdup(mt);
    if (r < 0)
        registry_manifest_clear(ret);
    return r;
}

static const char *host_arch(char *variant, size_t vlen)
{
    struct utsname u;
    variant[0] = '\0';
    if (uname(&u) < 0)
        return "amd64";
    if (strcmp(u.machine, "x86_64") == 0)
        return "amd64";
    if (strcmp(u.machine, "aarch64") == 0)
        return "arm64";
    if (strncmp(u.machine, "armv7", 5) == 0) {
        snprintf(variant, vlen, "v7");
        return "arm";
    }
    if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0)
        return "386";
    if (strcmp(u.machine, "ppc64le") == 0 || strcmp(u.machine, "s390x") == 0 ||
        strcmp(u.machine, "riscv64") == 0)
        return u.machine[0] == 'p' ? "ppc64le" : u.machine[0] == 's' ? "s390x" : "riscv64";
    return "amd64";
}

int registry_platform_parse(const char *s, struct registry_platform *ret, struct sk_error *err)
{
    memset(ret, 0, sizeof(*ret));
    if (!s || !*s) {
        char variant[16];
        ret->os = sk_strdup("linux");
        ret->architecture = sk_strdup(host_arch(variant, sizeof(variant)));
        ret->variant = variant[0] ? sk_strdup(variant) : NULL;
        return 0;
    }
    _cleanup_free_ char *copy = sk_strdup(s);
    char *save = NULL;
    char *os = strtok_r(copy, "/", &save);
    char *arch = strtok_r(NULL, "/", &save);
    char *variant = strtok_r(NULL, "/", &save);
    if (!os || !arch || strtok_r(NULL, "/", &save) || s[strlen(s) - 1] == '/')
        return sk_error_set(err, EINVAL, "invalid platform \"%s\": want os/arch[/variant]", s);
    ret->os = sk_strdup(os);
    ret->architecture = sk_strdup(arch);
    ret->variant = variant ? sk_strdup(variant) : NULL;
    return 0;
}

char *registry_platform_string(const struct registry_platform *p)
{
    if (p->variant && *p->variant)
        return sk_asprintf("%s/%s/%s", p->os, p->architecture, p->variant);
    return sk_asprintf("%s/%s", p->os, p->architecture);
}

static bool str_eq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* arm64's only variant is v8, so a missing variant and "v8" are the same. */
static bool variant_matches(const struct registry_platform *want,
                            const struct registry_platform *have)
{
    const char *w = want->variant, *h = have->variant;
    if (!w || !*w)
        return true;
    if (h && strcmp(w, h) == 0)
        return true;
    return (!h || !*h) && str_eq(want->architecture, "arm64") && strcmp(w, "v8") == 0;
}

int registry_index_select(const struct registry_manifest *index,
                          const struct registry_platform *want,
                          const struct registry_descriptor **ret, struct sk_error *err)
{
    for (size_t i = 0; i < index->nmanifests; i++) {
        const struct registry_descriptor *d = &index->manifests[i];
        if (!str_eq(d->platform.os, want->os) ||
            !str_eq(d->platform.architecture, want->architecture) ||
            !variant_matches(want, &d->platform))
            continue;
        *ret = d;
        return 0;
    }
    _cleanup_free_ char *p = registry_platform_string(want);
    return sk_error_set(err, ENOENT, "no image found in manifest list for platform %s", p);
}
