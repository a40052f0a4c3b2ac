/* podman's container filters (see filters.h). */
#include "engine/filters.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "common/util.h"
#include "storage/container.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

static const char *const KEYS[] = {"id",    "name",   "status", "ancestor", "label", "label!",
                                   "exited", "before", "since",  "until",    NULL};

/* podman's container states; "stopped" is shown as exited. */
static const char *const STATES[] = {"created", "initialized", "running", "stopped", "paused",
                                     "exited",  "unknown",     "removing", "stopping", NULL};

struct engine_ctr_filter {
    struct engine *e;
    json_t *values;    /* {key: [value, ...]} */
    json_t *ancestors; /* image IDs the ancestor values resolved to */
    regex_t *names;    /* compiled name= values (NULL entries: invalid, never match) */
    bool *names_ok;
    size_t nnames;
    long long before_ns, since_ns, until_ns;
    json_t *image_labels; /* cache: image ID -> its config's Labels */
};

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static long long created_ns(json_t *rec)
{
    struct sk_time t;
    const char *c = sk_json_str(rec, "created");
    return c && sk_time_parse_rfc3339(c, &t) == 0 ? t.ns : 0;
}

static const char *hex_id(const char *id)
{
    return sk_str_has_prefix(id, "sha256:") ? id + strlen("sha256:") : id;
}

/* before= / since=: the earliest creation time of the containers named. */
static int container_times(struct engine *e, json_t *values, long long *ret,
                           struct sk_error *err)
{
    size_t i;
    json_t *v;
    *ret = LLONG_MAX;
    json_array_foreach(values, i, v) {
        _cleanup_json_ json_t *rec = NULL;
        if (storage_container_lookup(e->st, json_string_value(v), &rec, err) < 0)
            return -1;
        long long t = created_ns(rec);
        if (t < *ret)
            *ret = t;
    }
    return 0;
}

/* Checks and lookups of the values of one key. */
static int prepare_key(struct engine_ctr_filter *f, const char *key, json_t *values,
                       struct sk_error *err)
{
    size_t i;
    json_t *v;
    if (strcmp(key, "status") == 0) {
        json_array_foreach(values, i, v) {
            if (!in_list(STATES, json_string_value(v)))
                return sk_error_set(err, EINVAL, "unknown container state: %s",
                                    json_string_value(v));
        }
    } else if (strcmp(key, "exited") == 0) {
        json_array_foreach(values, i, v) {
            const char *s = json_string_value(v);
            char *end = NULL;
            errno = 0;
            long code = strtol(s, &end, 10);
            if (errno || !*s || *end || code < INT_MIN || code > INT_MAX)
                return sk_error_set(err, EINVAL, "exited code out of range \"%s\"", s);
        }
    } else if (strcmp(key, "ancestor") == 0) {
        f->ancestors = json_array();
        json_array_foreach(values, i, v) {
            _cleanup_json_ json_t *img = NULL;
            if (engine_image_lookup(f->e, json_string_value(v), &img, NULL) == 0)
                json_array_append_new(f->ancestors, json_string(sk_json_str(img, "id")));
        }
    } else if (strcmp(key, "name") == 0) {
        f->nnames = json_array_size(values);
        f->names = sk_calloc(f->nnames, sizeof(regex_t));
        f->names_ok = sk_calloc(f->nnames, sizeof(bool));
        json_array_foreach(values, i, v) {
            /* podman drops slashes (docker's "/name") */
            _cleanup_free_ char *re = sk_strdup(json_string_value(v));
            char *w = re;
            for (const char *r = re; *r; r++)
                if (*r != '/')
                    *w++ = *r;
            *w = '\0';
            f->names_ok[i] = regcomp(&f->names[i], re, REG_EXTENDED | REG_NOSUB) == 0;
        }
    } else if (strcmp(key, "before") == 0) {
        return container_times(f->e, values, &f->before_ns, err);
    } else if (strcmp(key, "since") == 0) {
        return container_times(f->e, values, &f->since_ns, err);
    } else if (strcmp(key, "until") == 0) {
        if (json_array_size(values) != 1)
            return sk_error_set(err, EINVAL, "specify exactly one timestamp for until");
        /* docker's rule: a duration is that long ago */
        if (sk_time_parse_input(json_string_value(json_array_get(values, 0)), true, sk_now_ns(),
                                &f->until_ns, err) < 0)
            return -1;
    }
    return 0;
}

int engine_ctr_filter_new(struct engine *e, char *const *specs, size_t n,
                          const char *const *allowed, struct engine_ctr_filter **ret,
                          struct sk_error *err)
{
    struct engine_ctr_filter *f = sk_calloc(1, sizeof(*f));
    f->e = e;
    f->values = json_object();
    f->image_labels = json_object();
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(specs[i], '=');
        if (!eq) {
            engine_ctr_filter_free(f);
            return sk_error_set(err, EINVAL, "invalid filter \"%s\"", specs[i]);
        }
        _cleanup_free_ char *key = sk_strndup(specs[i], (size_t)(eq - specs[i]));
        if (!in_list(allowed ? allowed : KEYS, key) || !in_list(KEYS, key)) {
            engine_ctr_filter_free(f);
            return sk_error_set(err, EINVAL, "%s is an invalid filter", key);
        }
        json_t *vals = json_object_get(f->values, key);
        if (!vals)
            json_object_set_new(f->values, key, vals = json_array());
        json_array_append_new(vals, json_string(eq + 1));
    }
    const char *key;
    json_t *vals;
    json_object_foreach(f->values, key, vals) {
        if (prepare_key(f, key, vals, err) < 0) {
            engine_ctr_filter_free(f);
            return -1;
        }
    }
    *ret = f;
    return 0;
}

void engine_ctr_filter_free(struct engine_ctr_filter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nnames; i++)
        if (f->names_ok[i])
            regfree(&f->names[i]);
    free(f->names);
    free(f->names_ok);
    json_decref(f->values);
    json_decref(f->ancestors);
    json_decref(f->image_labels);
    free(f);
}

bool engine_ctr_filter_has(const struct engine_ctr_filter *f, const char *key)
{
    return f && json_object_get(f->values, key);
}

/* The container's labels: its image's, then its own (as inspect shows them). */
json_t *engine_ctr_filter_labels(struct engine_ctr_filter *f, json_t *rec)
{
    const char *image = sk_json_str(rec, "image") ?: "";
    json_t *img_labels = json_object_get(f->image_labels, image);
    if (!img_labels) {
        _cleanup_json_ json_t *img = NULL, *cfg = NULL;
        if (engine_image_lookup(f->e, image, &img, NULL) == 0)
            engine_image_config(f->e, img, &cfg, NULL);
        json_t *l = json_object_get(json_object_get(cfg, "config"), "Labels");
        img_labels = json_is_object(l) ? json_deep_copy(l) : json_object();
        json_object_set_new(f->image_labels, image, img_labels);
    }
    json_t *labels = json_deep_copy(img_labels);
    json_t *own = json_object_get(json_object_get(json_object_get(rec, "config"), "flags"),
                                  "labels");
    if (json_is_object(own))
        json_object_update(labels, own);
    return labels;
}

/* One label=KEY[=VALUE] value against the labels (KEY may be a glob). */
static bool label_matches(json_t *labels, const char *spec)
{
    const char *eq = strchr(spec, '=');
    _cleanup_free_ char *key = eq ? sk_strndup(spec, (size_t)(eq - spec)) : sk_strdup(spec);
    const char *k;
    json_t *v;
    json_object_foreach(labels, k, v) {
        if (eq && strcmp(json_string_value(v) ?: "", eq + 1) != 0)
            continue;
        if (strcmp(k, key) == 0 || fnmatch(key, k, 0) == 0)
            return true;
    }
    return false;
}

static bool match_key(struct engine_ctr_filter *f, const char *key, json_t *values, json_t *rec)
{
    const char *id = sk_json_str(rec, "id") ?: "";
    const char *status = sk_json_str(rec, "status") ?: "created";
    size_t i;
    json_t *v;
    if (strcmp(key, "label") == 0 || strcmp(key, "label!") == 0) {
        _cleanup_json_ json_t *labels = engine_ctr_filter_labels(f, rec);
        bool negated = key[5] == '!';
        json_array_foreach(values, i, v) {
            bool m = label_matches(labels, json_string_value(v));
            if (negated ? m : !m)
                return false; /* label: all must match; label!: none may */
        }
        return true;
    }
    if (strcmp(key, "before") == 0)
        return created_ns(rec) < f->before_ns;
    if (strcmp(key, "since") == 0)
        return created_ns(rec) > f->since_ns;
    if (strcmp(key, "until") == 0)
        return created_ns(rec) < f->until_ns;
    if (strcmp(key, "name") == 0) {
        for (i = 0; i < f->nnames; i++)
            if (f->names_ok[i] && regexec(&f->names[i], sk_json_str(rec, "name") ?: "", 0, NULL,
                                          0) == 0)
                return true;
        return false;
    }
    if (strcmp(key, "ancestor") == 0) {
        const char *image = hex_id(sk_json_str(rec, "image") ?: "");
        json_array_foreach(f->ancestors, i, v) {
            if (strcmp(hex_id(json_string_value(v)), image) == 0)
                return true;
        }
        json_array_foreach(values, i, v) {
            const char *want = hex_id(json_string_value(v));
            if (*want && strstr(image, want))
                return true;
        }
        return false;
    }
    json_array_foreach(values, i, v) {
        const char *want = json_string_value(v);
        if (strcmp(key, "id") == 0 && sk_str_has_prefix(id, want))
            return true;
        if (strcmp(key, "status") == 0 &&
            strcmp(strcmp(status, "stopped") == 0 ? "exited" : status,
                   strcmp(want, "stopped") == 0 ? "exited" : want) == 0)
            return true;
        if (strcmp(key, "exited") == 0 && strcmp(status, "exited") == 0 &&
            sk_json_int(json_object_get(rec, "state"), "exitCode", 0) == atoll(want))
            return true;
    }
    return false;
}

bool engine_ctr_filter_match(struct engine_ctr_filter *f, json_t *rec)
{
    if (!f)
        return true;
    const char *key;
    json_t *values;
    json_object_foreach(f->values, key, values) {
        if (!match_key(f, key, values, rec))
            return false;
    }
    return true;
}
