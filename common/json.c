#include "common/json.h"
#include "common/cleanup.h"
#include "common/fs.h"

#include <errno.h>
#include <string.h>

const char *sk_json_str(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

long long sk_json_int(const json_t *obj, const char *key, long long def)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

bool sk_json_strv_contains(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

json_t *sk_json_parse(const char *data, size_t len, const char *what, struct sk_error *err)
{
    json_error_t jerr;
    json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        sk_error_set(err, EBADMSG, "%s: invalid JSON at line %d: %s", what, jerr.line, jerr.text);
    return j;
}

json_t *sk_json_load_file(const char *path, struct sk_error *err)
{
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    if (sk_read_file(path, &data, &len, err) < 0)
        return NULL;
    return sk_json_parse(data, len, path, err);
}

int sk_json_save_file(const char *path, const json_t *j, bool pretty, struct sk_error *err)
{
    _cleanup_free_ char *s = json_dumps(j, pretty ? JSON_INDENT(2) : JSON_COMPACT);
    if (!s)
        return sk_error_set(err, ENOMEM, "serialize %s", path);
    return sk_write_file_atomic(path, s, strlen(s), 0644, err);
}

int sk_json_replace_file(const char *path, const json_t *j, struct sk_error *err)
{
    _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
    if (!s)
        return sk_error_set(err, ENOMEM, "serialize %s", path);
    return sk_write_file_replace(path, s, strlen(s), 0644, err);
}
