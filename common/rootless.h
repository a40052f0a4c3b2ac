/* Who skiff acts for.
 *
 * Run by an ordinary user, skiff lives in a user namespace where that user is
 * uid 0 (engine/userns.c). There geteuid() says 0, yet skiff is still
 * rootless: its store, run state, configuration and credentials are the
 * user's, and what only the real root may do stays out of reach. A process
 * that joined the namespace is marked with SK_ROOTLESS_ENV=<the user's uid>,
 * which its children (skiff re-executed, `skiff unshare CMD`) inherit; the
 * mark counts only inside a user namespace whose uid 0 is that very uid, so
 * root elsewhere cannot be talked into it by the environment alone. */
#ifndef SKIFF_COMMON_ROOTLESS_H
#define SKIFF_COMMON_ROOTLESS_H

#include <stdbool.h>
#include <sys/types.h>

#define SK_ROOTLESS_ENV "_SKIFF_ROOTLESS_UID"

/* An ordinary user's skiff, inside its user namespace or not yet. */
bool sk_rootless(void);
/* Rootless and already inside the user namespace (uid 0 there). */
bool sk_rootless_in_userns(void);
/* The user's uid and gid as the host sees them; 0 for root. */
uid_t sk_rootless_uid(void);
gid_t sk_rootless_gid(void);
/* How many IDs /proc/self/{uid,gid}_map maps, the smaller of the two (a
 * process outside any user namespace: UINT32_MAX). */
unsigned long sk_userns_mapped_ids(void);

#endif
