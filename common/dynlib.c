#include "common/dynlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

int sk_dynlib_load(const char *soname, const struct sk_dynlib_sym *syms, size_t nsyms,
                   void *table, struct sk_error *err)
{
    /* Never closed: the callers keep using it until the process exits. */
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        return sk_error_set(err, ELIBACC, "cannot load %s: %s", soname, dlerror());
    for (size_t i = 0; i < nsyms; i++) {
        /* A handle's lookup scope is the library and its dependencies. */
        void *sym = dlsym(lib, syms[i].name);
        if (!sym) {
            sk_error_set(err, ELIBBAD, "cannot use %s: it has no function %s", soname,
                         syms[i].name);
            dlclose(lib);
            return -1;
        }
        /* POSIX guarantees a function pointer round-trips through void *. */
        memcpy((char *)table + syms[i].offset, &sym, sizeof(sym));
    }
    return 0;
}
