/* jansson helpers: cleanup attribute, typed getters that never crash on
 * malformed input, and atomic load/save. */
#ifndef SKIFF_COMMON_JSON_H
#define SKIFF_COMMON_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

static inline void sk_json_decrefp(json_t **j)
{
    if (*j)
        json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(sk_json_decrefp)))

/* Member as string, or NULL when missing or not a string. */
const char *sk_json_str(const json_t *obj, const char *key);
/* Member as integer, or def when missing or not an integer. */
long long sk_json_int(const json_t *obj, const char *key, long long def);

/* Does the array hold the string s? (false for a non-array) */
bool sk_json_strv_contains(const json_t *arr, const char *s);

/* Parse a buffer; what names the document in error messages. */
json_t *sk_json_parse(const char *data, size_t len, const char *what, struct sk_error *err);
json_t *sk_json_load_file(const char *path, struct sk_error *err);
/* Serialize (compact unless pretty) and write atomically. */
int sk_json_save_file(const char *path, const json_t *j, bool pretty, struct sk_error *err);
/* The same with sk_write_file_replace (no fsync). */
int sk_json_replace_file(const char *path, const json_t *j, struct sk_error *err);

#endif
