/* registries.conf (v2) as containers-registries.conf(5) describes it: files,
 * drop-ins, validation, prefix matching and location rewriting. */
#include "registry/regconf.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/toml.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REGCONF_ENV "CONTAINERS_REGISTRIES_CONF"
#define REGCONF_SYSTEM_FILE "/etc/containers/registries.conf"
#define REGCONF_USER_FILE "containers/registries.conf" /* under $XDG_CONFIG_HOME or ~/.config */
#define REGCONF_DROPIN_DIR "registries.conf.d"         /* beside the chosen file */
#define REGCONF_DROPIN_SUFFIX ".conf"

/* Top-level keys containers-registries.conf(5) documents. Only the search list
 * and [[registry]] mean anything to skiff; the rest are type-checked and ignored. */
static const char *const regconf_ignored_keys[] = {"short-name-mode", "aliases",
                                                   "credential-helpers"};

static void regconf_entry_clear(struct registry_entry *e)
{
    free(e->prefix);
    free(e->location);
    for (size_t i = 0; i < e->nmirrors; i++)
        free(e->mirrors[i].location);
    free(e->mirrors);
    *e = (struct registry_entry){0};
}

void registry_conf_clear(struct registry_conf *conf)
{
    if (!conf)
        return;
    sk_strv_free(conf->search);
    for (size_t i = 0; i < conf->nentries; i++)
        regconf_entry_clear(&conf->entries[i]);
    free(conf->entries);
    *conf = (struct registry_conf){0};
}

static bool regconf_is_wildcard(const char *prefix)
{
    return sk_str_has_prefix(prefix, "*.");
}

/* Validate a prefix or location and drop trailing slashes. A wildcard is only
 * valid as a whole prefix of the form "*.example.com". */
static int regconf_location(const char *what, const char *value, bool wildcard_ok, char **ret,
                            struct sk_error *err)
{
    if (strstr(value, "://"))
        return sk_error_set(err, EINVAL, "%s \"%s\": URI schemes are not supported", what, value);
    bool wildcard = regconf_is_wildcard(value);
    if (wildcard && !wildcard_ok)
        return sk_error_set(err, EINVAL, "%s \"%s\": wildcards are only allowed in prefix", what,
                            value);
    if (strchr(value + (wildcard ? 1 : 0), '*') ||
        (wildcard && (strpbrk(value, "/:@") || !value[2])))
        return sk_error_set(err, EINVAL, "%s \"%s\": a wildcard must have the form *.example.com",
                            what, value);
    size_t len = strlen(value);
    while (len > 0 && value[len - 1] == '/')
        len--;
    if (len == 0)
        return sk_error_set(err, EINVAL, "%s \"%s\" is empty", what, value);
    *ret = sk_strndup(value, len);
    return 0;
}

static int regconf_bool(json_t *v, const char *key, bool *ret, struct sk_error *err)
{
    if (!json_is_boolean(v))
        return sk_error_set(err, EINVAL, "%s must be true or false", key);
    *ret = json_is_true(v);
    return 0;
}

/* Optional string member: NULL when missing or empty, as c/image treats "". */
static int regconf_string(json_t *obj, const char *key, const char **ret, struct sk_error *err)
{
    json_t *v = json_object_get(obj, key);
    *ret = NULL;
    if (!v)
        return 0;
    if (!json_is_string(v))
        return sk_error_set(err, EINVAL, "%s must be a string", key);
    if (*json_string_value(v))
        *ret = json_string_value(v);
    return 0;
}

static int regconf_strings(json_t *v, const char *key, struct sk_error *err)
{
    if (!json_is_array(v))
        return sk_error_set(err, EINVAL, "%s must be an array of strings", key);
    for (size_t i = 0; i < json_array_size(v); i++)
        if (!json_is_string(json_array_get(v, i)))
            return sk_error_set(err, EINVAL, "%s must be an array of strings", key);
    return 0;
}

static int regconf_parse_mirror(json_t *obj, struct registry_mirror *ret, struct sk_error *err)
{
    const char *location = NULL;
    if (!json_is_object(obj))
        return sk_error_set(err, EINVAL, "mirror must be a table");
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
        const char *key = json_object_iter_key(it);
        json_t *v = json_object_iter_value(it);
        if (strcmp(key, "location") == 0) {
            if (regconf_string(obj, key, &location, err) < 0)
                return -1;
        } else if (strcmp(key, "insecure") == 0) {
            if (regconf_bool(v, key, &ret->insecure, err) < 0)
                return -1;
        } else if (strcmp(key, "pull-from-mirror") == 0) {
            const char *use = json_string_value(v);
            if (use && strcmp(use, "all") == 0)
                ret->use = REGISTRY_MIRROR_ALL;
            else if (use && strcmp(use, "digest-only") == 0)
                ret->use = REGISTRY_MIRROR_DIGEST_ONLY;
            else if (use && strcmp(use, "tag-only") == 0)
                ret->use = REGISTRY_MIRROR_TAG_ONLY;
            else
                return sk_error_set(err, EINVAL,
                                    "pull-from-mirror must be \"all\", \"digest-only\" or "
                                    "\"tag-only\"");
        } else {
            return sk_error_set(err, EINVAL, "unknown key \"%s\" in mirror", key);
        }
    }
    if (!location)
        return sk_error_set(err, EINVAL, "mirror location is unset");
    return regconf_location("mirror location", location, false, &ret->location, err);
}

static int regconf_parse_mirrors(json_t *v, struct registry_entry *e, struct sk_error *err)
{
    if (!json_is_array(v))
        return sk_error_set(err, EINVAL, "mirror must be an array of tables ([[registry.mirror]])");
    e->mirrors = sk_calloc(json_array_size(v) + 1, sizeof(*e->mirrors));
    for (size_t i = 0; i < json_array_size(v); i++) {
        if (regconf_parse_mirror(json_array_get(v, i), &e->mirrors[i], err) < 0)
            return sk_error_prefix(err, "mirror %zu", i + 1);
        e->nmirrors++;
    }
    return 0;
}

static int regconf_parse_entry_key(const char *key, json_t *v, struct registry_entry *e,
                                   struct sk_error *err)
{
    if (strcmp(key, "prefix") == 0 || strcmp(key, "location") == 0)
        return 0; /* read by regconf_parse_entry, after the others */
    if (strcmp(key, "insecure") == 0)
        return regconf_bool(v, key, &e->insecure, err);
    if (strcmp(key, "blocked") == 0)
        return regconf_bool(v, key, &e->blocked, err);
    if (strcmp(key, "mirror-by-digest-only") == 0)
        return regconf_bool(v, key, &e->mirror_by_digest_only, err);
    if (strcmp(key, "mirror") == 0)
        return regconf_parse_mirrors(v, e, err);
    return sk_error_set(err, EINVAL, "unknown key \"%s\"", key);
}

static int regconf_parse_entry(json_t *obj, struct registry_entry *e, struct sk_error *err)
{
    const char *prefix, *location;
    if (!json_is_object(obj))
        return sk_error_set(err, EINVAL, "not a table");
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it))
        if (regconf_parse_entry_key(json_object_iter_key(it), json_object_iter_value(it), e, err) <
            0)
            return -1;
    if (regconf_string(obj, "prefix", &prefix, err) < 0 ||
        regconf_string(obj, "location", &location, err) < 0)
        return -1;
    if (!prefix && !location)
        return sk_error_set(err, EINVAL, "both prefix and location are unset");
    /* Either defaults to the other; messages name the field the user wrote. */
    if (regconf_location(prefix ? "prefix" : "location", prefix ? prefix : location, !!prefix,
                         &e->prefix, err) < 0)
        return -1;
    /* A wildcard prefix without location keeps names as they are (location NULL). */
    if (!location && regconf_is_wildcard(e->prefix))
        return 0;
    return regconf_location(location ? "location" : "prefix", location ? location : prefix, false,
                            &e->location, err);
}

static int regconf_parse_entries(json_t *v, struct registry_conf *conf, struct sk_error *err)
{
    if (!v)
        return 0;
    if (!json_is_array(v))
        return sk_error_set(err, EINVAL, "registry must be an array of tables ([[registry]])");
    conf->entries = sk_calloc(json_array_size(v) + 1, sizeof(*conf->entries));
    for (size_t i = 0; i < json_array_size(v); i++) {
        struct registry_entry *e = &conf->entries[i];
        conf->nentries++;
        if (regconf_parse_entry(json_array_get(v, i), e, err) < 0)
            return sk_error_prefix(err, "[[registry]] %zu", i + 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(conf->entries[j].prefix, e->prefix) == 0)
                return sk_error_set(err, EINVAL, "[[registry]] %zu: prefix \"%s\" defined twice",
                                    i + 1, e->prefix);
    }
    return 0;
}

static int regconf_parse_search(json_t *v, char ***ret, struct sk_error *err)
{
    const char *key = "unqualified-search-registries";
    if (regconf_strings(v, key, err) < 0)
        return -1;
    for (size_t i = 0; i < json_array_size(v); i++) {
        const char *s = json_string_value(json_array_get(v, i));
        if (!*s || strchr(s, '/') || strchr(s, '*'))
            return sk_error_set(err, EINVAL, "%s: \"%s\" is not a host[:port]", key, s);
        sk_strv_push(ret, s);
    }
    return 0;
}

static int regconf_check_key(const char *key, json_t *v, struct sk_error *err)
{
    if (strcmp(key, "unqualified-search-registries") == 0 || strcmp(key, "registry") == 0)
        return 0;
    if (strcmp(key, "registries") == 0)
        return sk_error_set(err, EINVAL,
                            "v1 format not supported ([registries.*] tables); "
                            "use unqualified-search-registries and [[registry]] tables");
    if (strcmp(key, "short-name-mode") == 0 && !json_is_string(v))
        return sk_error_set(err, EINVAL, "short-name-mode must be a string");
    if (strcmp(key, "aliases") == 0 && !json_is_object(v))
        return sk_error_set(err, EINVAL, "aliases must be a table");
    if (strcmp(key, "credential-helpers") == 0)
        return regconf_strings(v, key, err);
    for (size_t i = 0; i < SK_ARRAY_SIZE(regconf_ignored_keys); i++)
        if (strcmp(key, regconf_ignored_keys[i]) == 0)
            return 0;
    return sk_error_set(err, EINVAL, "unknown key \"%s\"", key);
}

static struct registry_entry *regconf_find_prefix(struct registry_conf *conf, const char *prefix)
{
    for (size_t i = 0; i < conf->nentries; i++)
        if (strcmp(conf->entries[i].prefix, prefix) == 0)
            return &conf->entries[i];
    return NULL;
}

/* Move add's settings into conf: same prefix replaces, new prefixes append. */
static void regconf_merge(struct registry_conf *conf, struct registry_conf *add, bool has_search)
{
    if (has_search) {
        sk_strv_free(conf->search);
        conf->search = SK_STEAL(add->search);
    }
    for (size_t i = 0; i < add->nentries; i++) {
        struct registry_entry *e = regconf_find_prefix(conf, add->entries[i].prefix);
        if (e) {
            regconf_entry_clear(e);
        } else {
            conf->entries = sk_realloc(conf->entries, (conf->nentries + 1) * sizeof(*e));
            e = &conf->entries[conf->nentries++];
        }
        *e = add->entries[i];
        add->entries[i] = (struct registry_entry){0};
    }
}

int registry_conf_load_text(struct registry_conf *conf, const char *text, const char *source,
                            struct sk_error *err)
{
    _cleanup_(registry_conf_clear) struct registry_conf add = {0};
    _cleanup_json_ json_t *doc = sk_toml_parse(text, source, err);
    if (!doc)
        return -1;
    for (void *it = json_object_iter(doc); it; it = json_object_iter_next(doc, it))
        if (regconf_check_key(json_object_iter_key(it), json_object_iter_value(it), err) < 0)
            return sk_error_prefix(err, "%s", source);
    json_t *search = json_object_get(doc, "unqualified-search-registries");
    if ((search && regconf_parse_search(search, &add.search, err) < 0) ||
        regconf_parse_entries(json_object_get(doc, "registry"), &add, err) < 0)
        return sk_error_prefix(err, "%s", source);
    regconf_merge(conf, &add, search != NULL);
    return 0;
}

int registry_conf_load_file(struct registry_conf *conf, const char *path, struct sk_error *err)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    if (sk_read_file(path, &text, &len, err) < 0)
        return -1;
    if (strlen(text) != len)
        return sk_error_set(err, EINVAL, "%s: contains a NUL byte", path);
    return registry_conf_load_text(conf, text, path, err);
}

static int regconf_compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.conf in dir, in lexical order; a missing dir is fine. */
static int regconf_load_dropins(struct registry_conf *conf, const char *dir, struct sk_error *err)
{
    _cleanup_closedir_ DIR *d = opendir(dir);
    _cleanup_strv_ char **names = NULL;
    struct dirent *de;
    if (!d)
        return errno == ENOENT || errno == ENOTDIR ? 0 : sk_error_errno(err, errno, "open %s", dir);
    while ((de = readdir(d)))
        if (sk_str_has_suffix(de->d_name, REGCONF_DROPIN_SUFFIX))
            sk_strv_push(&names, de->d_name);
    if (names)
        qsort(names, sk_strv_len(names), sizeof(*names), regconf_compare);
    for (size_t i = 0; names && names[i]; i++) {
        _cleanup_free_ char *path = sk_asprintf("%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (registry_conf_load_file(conf, path, err) < 0)
            return -1;
    }
    return 0;
}

static char *regconf_user_file(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        return sk_asprintf("%s/%s", xdg, REGCONF_USER_FILE);
    if (home && home[0])
        return sk_asprintf("%s/.config/%s", home, REGCONF_USER_FILE);
    return NULL;
}

/* $CONTAINERS_REGISTRIES_CONF, else the user's file if it exists, else the system one. */
static char *regconf_main_file(void)
{
    const char *env = getenv(REGCONF_ENV);
    if (env && env[0])
        return sk_strdup(env);
    _cleanup_free_ char *user = regconf_user_file();
    if (user && sk_path_exists(user))
        return SK_STEAL(user);
    return sk_strdup(REGCONF_SYSTEM_FILE);
}

static int regconf_load_all(struct registry_conf *conf, struct sk_error *err)
{
    _cleanup_free_ char *file = regconf_main_file();
    const char *slash = strrchr(file, '/');
    _cleanup_free_ char *dropins =
        slash ? sk_asprintf("%.*s/%s", (int)(slash - file), file, REGCONF_DROPIN_DIR)
              : sk_strdup(REGCONF_DROPIN_DIR);
    if (sk_path_exists(file) && registry_conf_load_file(conf, file, err) < 0)
        return -1;
    return regconf_load_dropins(conf, dropins, err);
}

int registry_conf_load_default(struct registry_conf *conf, struct sk_error *err)
{
    *conf = (struct registry_conf){0};
    if (regconf_load_all(conf, err) < 0) {
        registry_conf_clear(conf);
        return -1;
    }
    return 0;
}

/* How much of name prefix matches: the whole prefix followed by the end or
 * one of '/', ':', '@'. "*.example.com" matches any subdomain of
 * example.com in the host part. 0 when it does not match. */
static size_t regconf_match_len(const char *prefix, const char *name)
{
    size_t end;
    if (regconf_is_wildcard(prefix)) {
        const char *hit = strstr(name, prefix + 1);
        if (!hit || hit == name || memchr(name, '/', (size_t)(hit - name)))
            return 0;
        end = (size_t)(hit - name) + strlen(prefix + 1);
    } else {
        end = strlen(prefix);
        if (strncmp(name, prefix, end) != 0)
            return 0;
    }
    return name[end] == '\0' || strchr("/:@", name[end]) ? end : 0;
}

const struct registry_entry *registry_conf_match(const struct registry_conf *conf, const char *name)
{
    const struct registry_entry *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < conf->nentries; i++) {
        const struct registry_entry *e = &conf->entries[i];
        size_t len = strlen(e->prefix);
        if (len > best_len && regconf_match_len(e->prefix, name) > 0) {
            best = e;
            best_len = len;
        }
    }
    return best;
}

char *registry_entry_rewrite(const struct registry_entry *e, const char *name, const char *location)
{
    size_t n = regconf_match_len(e->prefix, name);
    if (n == 0 || !location)
        return sk_strdup(name);
    return sk_asprintf("%s%s", location, name + n);
}
