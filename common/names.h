/* Names the kernel's numbers go by: capabilities and signals. Shared by the
 * spec generator (validating flags) and the runtime (applying them). */
#ifndef SKIFF_COMMON_NAMES_H
#define SKIFF_COMMON_NAMES_H

#include <stddef.h>

/* "CAP_CHOWN"... indexed by capability number, as in linux/capability.h. */
extern const char *const sk_cap_names[];
extern const size_t sk_cap_count;
/* "CAP_NET_ADMIN", "net_admin", "NET_ADMIN" -> number; -1 if unknown. */
int sk_cap_from_name(const char *name);

/* "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3" -> signal number; -1 if invalid. */
int sk_signal_parse(const char *s);
/* "SIGTERM" for 15, "SIGRTMIN+3", or the number as text. */
const char *sk_signal_name(int sig, char buf[24]);

#endif
