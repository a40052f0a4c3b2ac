/* A small, strict TOML parser for the subset that containers' config files
 * (registries.conf, storage.conf) use: tables, arrays of tables, dotted keys,
 * basic/literal strings (single and multi-line), integers, booleans, arrays
 * and inline tables. Anything else is an error with the line number; nothing
 * is silently ignored. The result is a JSON object tree (jansson). */
#ifndef SKIFF_COMMON_TOML_H
#define SKIFF_COMMON_TOML_H

#include <jansson.h>

#include "common/error.h"

/* source names the document in error messages ("registries.conf:12: ..."). */
json_t *sk_toml_parse(const char *text, const char *source, struct sk_error *err);

#endif
