/* Local image operations: lookup, inspect, tag, remove. */
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/engine.h"
#include "registry/reference.h"
#include "engine/container.h"
#include "storage/container.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

static bool is_hex(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s) && !(*s >= 'a' && *s <= 'f'))
            return false;
    return true;
}

static bool names_contain(json_t *img, const char *key, const char *s)
{
    return sk_json_strv_contains(json_object_get(img, key), s);
}

/* "domain/path:tag" -> does it end in "/want" where want is "path:tag" (short names)? */
static bool short_match(const char *full, const char *want)
{
    size_t a = strlen(full), b = strlen(want);
    if (a <= b || full[a - b - 1] != '/' || strcmp(full + a - b, want) != 0)
        return false;
    /* only the domain may precede: "docker.io/library/" also matches "busybox" */
    const char *slash = strchr(full, '/');
    size_t prefix = (size_t)(slash - full) + 1;
    if (prefix == a - b)
        return true;
    return strncmp(full + prefix, "library/", 8) == 0 && prefix + 8 == a - b;
}

static json_t *find_by_ref(json_t *images, const char *what)
{
    struct registry_ref ref;
    if (registry_ref_parse(what, &ref, NULL) < 0)
        return NULL;
    bool is_short = registry_ref_is_short(&ref);
    const char *key = ref.digest ? "repoDigests" : "names";
    _cleanup_free_ char *name = is_short ? sk_strdup(ref.path) : registry_ref_name(&ref);
    _cleanup_free_ char *want = ref.digest ? sk_asprintf("%s@%s", name, ref.digest)
                                           : sk_asprintf("%s:%s", name, ref.tag);
    registry_ref_clear(&ref);
    size_t i;
    json_t *img;
    json_array_foreach(images, i, img) {
        if (!is_short && names_contain(img, key, want))
            return img;
        if (is_short) {
            size_t k;
            json_t *n;
            json_array_foreach(json_object_get(img, key), k, n) {
                if (short_match(json_string_value(n) ?: "", want))
                    return img;
            }
        }
    }
    return NULL;
}

int engine_image_lookup(struct engine *e, const char *what, json_t **ret, struct sk_error *err)
{
    _cleanup_json_ json_t *images = NULL;
    if (storage_images_read(e->st, &images, err) < 0)
        return -1;
    const char *id = sk_str_has_prefix(what, "sha256:") ? what + 7 : what;
    size_t i;
    json_t *img, *found = NULL;
    json_array_foreach(images, i, img) {
        if (strcmp(sk_json_str(img, "id") ?: "", id) == 0) {
            *ret = json_incref(img);
            return 0;
        }
    }
    found = find_by_ref(images, what);
    if (!found && is_hex(id, 3, 64)) {
        int matches = 0;
        json_array_foreach(images, i, img) {
            if (sk_str_has_prefix(sk_json_str(img, "id") ?: "", id)) {
                found = img;
                matches++;
            }
        }
        if (matches > 1)
            return sk_error_set(err, EINVAL, "%s: image ID prefix is ambiguous", what);
    }
    if (!found)
        return sk_error_set(err, ENOENT, "%s: image not known", what);
    *ret = json_incref(found);
    return 0;
}

int engine_image_config(struct engine *e, json_t *record, json_t **ret, struct sk_error *err)
{
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    const char *digest = sk_json_str(record, "config");
    if (storage_blob_get(e->st, digest, &data, &len, err) < 0)
        return sk_error_prefix(err, "image config");
    *ret = sk_json_parse(data, len, "image config", err);
    return *ret ? 0 : -1;
}

static json_t *tags_of(json_t *rec)
{
    json_t *names = json_object_get(rec, "names");
    return names ? json_deep_copy(names) : json_array();
}

int engine_image_inspect(struct engine *e, const char *what, json_t **ret, struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL, *cfg = NULL;
    if (engine_image_lookup(e, what, &rec, err) < 0 || engine_image_config(e, rec, &cfg, err) < 0)
        return -1;
    json_t *c = json_object_get(cfg, "config");
    json_t *labels = json_object_get(c, "Labels");
    json_t *layers = json_object_get(rec, "layers");
    json_t *lower = json_array();
    for (size_t i = json_array_size(layers); i-- > 0;) {
        _cleanup_free_ char *p = storage_layer_path(e->st, json_string_value(json_array_get(layers, i)));
        json_array_append_new(lower, json_string(p));
    }
    _cleanup_free_ char *lowerdir = NULL;
    {
        size_t i;
        json_t *v;
        json_array_foreach(lower, i, v) {
            char *n = sk_asprintf("%s%s%s", lowerdir ? lowerdir : "", lowerdir ? ":" : "",
                                  json_string_value(v));
            free(lowerdir);
            lowerdir = n;
        }
    }
    json_decref(lower);
    const char *id = sk_json_str(rec, "id");
    json_t *doc = json_pack(
        "{s:s, s:s, s:o, s:o, s:s, s:s, s:s?, s:O?, s:s, s:s?, s:s, s:s?, s:I, s:I, s:{s:s, s:{s:s?}}, "
        "s:{s:s, s:O}, s:O?, s:O?, s:s, s:s, s:O?}",
        "Id", id, "Digest", sk_json_str(rec, "digest"), "RepoTags", tags_of(rec), "RepoDigests",
        json_deep_copy(json_object_get(rec, "repoDigests")), "Parent", "", "Comment",
        sk_json_str(cfg, "comment") ?: "", "Created", sk_json_str(cfg, "created"), "Config",
        c, "Version", sk_json_str(cfg, "docker_version") ?: "", "Author",
        sk_json_str(cfg, "author") ?: "", "Architecture", sk_json_str(cfg, "architecture") ?: "",
        "Variant", sk_json_str(cfg, "variant"), "Size", (json_int_t)sk_json_int(rec, "size", 0),
        "VirtualSize", (json_int_t)sk_json_int(rec, "size", 0), "GraphDriver", "Name", "overlay",
        "Data", "LowerDir", lowerdir, "RootFS", "Type", "layers", "Layers", layers, "Labels",
        labels, "Annotations", NULL, "ManifestType", sk_json_str(rec, "manifestType") ?: "",
        "User", sk_json_str(c, "User") ?: "", "History", json_object_get(cfg, "history"));
    if (!doc)
        return sk_error_set(err, ENOMEM, "build inspect document");
    json_object_set_new(doc, "Os", json_string(sk_json_str(cfg, "os") ?: ""));
    *ret = doc;
    return 0;
}

/* podman: a short name tagged locally lives under localhost/. */
static char *normalize_new_name(const char *s, struct sk_error *err)
{
    struct registry_ref ref;
    if (registry_ref_parse(s, &ref, err) < 0)
        return NULL;
    if (ref.digest) {
        registry_ref_clear(&ref);
        sk_error_set(err, EINVAL, "%s: cannot tag with a digest", s);
        return NULL;
    }
    if (registry_ref_is_short(&ref)) {
        struct registry_ref q;
        registry_ref_qualify(&ref, "localhost", &q);
        registry_ref_clear(&ref);
        ref = q;
    }
    char *r = registry_ref_string(&ref);
    registry_ref_clear(&ref);
    return r;
}

int engine_image_tag(struct engine *e, const char *what, const char *new_name,
                     struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    if (engine_image_lookup(e, what, &rec, err) < 0)
        return -1;
    _cleanup_free_ char *name = normalize_new_name(new_name, err);
    if (!name)
        return -1;
    _cleanup_json_ json_t *names = tags_of(rec);
    if (!names_contain(rec, "names", name))
        json_array_append_new(names, json_string(name));
    return storage_image_set_names(e->st, sk_json_str(rec, "id"), names, err);
}

/* The exact stored name that `what` refers to, if it names (not IDs) the image. */
static const char *matched_name(json_t *rec, const char *what)
{
    _cleanup_json_ json_t *one = json_array();
    json_array_append(one, rec);
    if (!find_by_ref(one, what))
        return NULL;
    struct registry_ref ref;
    if (registry_ref_parse(what, &ref, NULL) < 0)
        return NULL;
    _cleanup_free_ char *name = registry_ref_is_short(&ref) ? sk_strdup(ref.path)
                                                             : registry_ref_name(&ref);
    _cleanup_free_ char *want = ref.tag ? sk_asprintf("%s:%s", name, ref.tag) : NULL;
    bool is_short = registry_ref_is_short(&ref);
    registry_ref_clear(&ref);
    if (!want)
        return NULL;
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(rec, "names"), i, n) {
        const char *s = json_string_value(n) ?: "";
        if (strcmp(s, want) == 0 || (is_short && short_match(s, want)))
            return s;
    }
    return NULL;
}

static int in_use(struct sk_error *err, const char *id)
{
    return sk_error_set(err, EBUSY,
                        "image used by a container: image %.12s is in use (remove the "
                        "container first, or use --force to remove it too)",
                        id);
}

/* Untag every name, then delete the image. */
static int remove_whole(struct engine *e, json_t *rec, const struct engine_rmi_report *report,
                        struct sk_error *err)
{
    const char *id = sk_json_str(rec, "id");
    size_t i;
    json_t *n;
    if (report && report->untagged)
        json_array_foreach(json_object_get(rec, "names"), i, n)
            report->untagged(report->ctx, json_string_value(n));
    if (storage_image_remove(e->st, id, err) < 0)
        return -1;
    if (report && report->deleted)
        report->deleted(report->ctx, id);
    return 0;
}

int engine_image_remove_unused(struct engine *e, const char *what,
                               const struct engine_rmi_report *report, struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    if (engine_image_lookup(e, what, &rec, err) < 0)
        return -1;
    if (storage_image_in_use(e->st, sk_json_str(rec, "id")))
        return in_use(err, sk_json_str(rec, "id"));
    return remove_whole(e, rec, report, err);
}

int engine_image_remove(struct engine *e, const char *what, bool force,
                        const struct engine_rmi_report *report, struct sk_error *err)
{
    _cleanup_json_ json_t *rec = NULL;
    if (engine_image_lookup(e, what, &rec, err) < 0)
        return -1;
    const char *id = sk_json_str(rec, "id");
    size_t nnames = json_array_size(json_object_get(rec, "names"));
    const char *name = matched_name(rec, what);
    bool untag_only = name && nnames > 1;
    if (!untag_only && storage_image_in_use(e->st, id)) {
        if (!force)
            return in_use(err, id);
        if (engine_image_remove_users(e, id, err) < 0)
            return -1;
    }
    if (name && nnames > 1) { /* other names remain: just untag */
        _cleanup_json_ json_t *names = tags_of(rec);
        for (size_t i = json_array_size(names); i-- > 0;)
            if (strcmp(json_string_value(json_array_get(names, i)), name) == 0)
                json_array_remove(names, i);
        _cleanup_free_ char *untagged = sk_strdup(name);
        if (storage_image_set_names(e->st, id, names, err) < 0)
            return -1;
        if (report && report->untagged)
            report->untagged(report->ctx, untagged);
        return 0;
    }
    if (!name && nnames > 1 && !force) /* EBUSY is for "in use" (rmi exits 2) */
        return sk_error_set(err, EINVAL,
                            "unable to delete image \"%s\" by ID with more than one tag (%zu): "
                            "please force removal",
                            id, nnames);
    return remove_whole(e, rec, report, err);
}
