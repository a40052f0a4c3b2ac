/* Libraries opened on first use (dlopen) instead of linked. Every library a
 * binary links is mapped and relocated by the dynamic loader at each start,
 * whether the command uses it or not; for libcurl (with its ~30 dependencies)
 * and libcrypto that was most of skiff's start-up time, paid twice by every
 * container start (see runtime_reexec_sealed). Commands that need one load it
 * here, with the functions they call resolved into a table (a struct of
 * function pointers) once per process. */
#ifndef SKIFF_COMMON_DYNLIB_H
#define SKIFF_COMMON_DYNLIB_H

#include <stddef.h>

#include "common/error.h"

struct sk_dynlib_sym {
    const char *name;
    size_t offset; /* of the function pointer in the table */
};
#define SK_DYNLIB_SYM(table_type, field, name) {name, offsetof(table_type, field)}

/* Open soname and fill table from syms: each symbol is looked up in the
 * library and in the libraries it depends on. The library stays loaded. */
int sk_dynlib_load(const char *soname, const struct sk_dynlib_sym *syms, size_t nsyms,
                   void *table, struct sk_error *err);

#endif
