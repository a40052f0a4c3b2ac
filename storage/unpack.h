/* Safe layer unpacking with libarchive.
 *
 * A layer blob (gzip, zstd or uncompressed tar) is unpacked into an empty
 * directory. Nothing may land outside it: every path is resolved beneath the
 * layer directory without following symlinks (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS for parents; the final component is never followed),
 * '..' and absolute names are rejected, hardlinks must point at files inside
 * the layer, device nodes only when allowed. Any such entry fails the whole
 * unpack with "hostile tar entry \"NAME\": <why>".
 *
 * Whiteouts become overlay whiteouts: ".wh.NAME" -> a 0/0 character device
 * NAME; ".wh..wh..opq" in a directory -> xattr trusted.overlay.opaque="y"
 * (user.overlay.opaque when opts->userxattr, for rootless overlay).
 *
 * The uncompressed stream is hashed while unpacking, so the caller can check
 * it against the image config's diff_id. */
#ifndef SKIFF_STORAGE_UNPACK_H
#define SKIFF_STORAGE_UNPACK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/digest.h"
#include "common/error.h"

/* Ownership handling lives in one place: the unpacker calls this for every
 * entry. Rootless skiff unpacks inside its user namespace (engine/userns.c),
 * where chown to the image's IDs lands on the subordinate IDs; an owner the
 * namespace does not map fails with EOVERFLOW. */
struct storage_idmap {
    bool chown; /* false: keep the unpacking user's ownership */
};

struct storage_unpack_opts {
    struct storage_idmap idmap;
    bool allow_devices;           /* create block/char devices other than whiteouts */
    bool skip_devices;            /* without allow_devices: leave them out (a user
                                     namespace cannot make them), not fail */
    bool userxattr;               /* opaque dirs as user.overlay.opaque */
    int nworkers;                 /* parallel file writers; 0 = default */
    enum sk_digest_algo diff_algo; /* algorithm for the uncompressed digest */
};

struct storage_unpack_result {
    char diff_id[SK_DIGEST_MAX]; /* digest of the uncompressed tar stream */
    int64_t size;                /* uncompressed bytes of file contents */
    int64_t nentries;
    int64_t nskipped_devices; /* left out with opts->skip_devices */
};

/* Unpack the layer read from blob_fd (any of gzip/zstd/none) into the empty
 * directory dest_dirfd. On failure the directory holds a partial layer which
 * the caller removes. */
int storage_unpack_layer(int blob_fd, int dest_dirfd, const struct storage_unpack_opts *opts,
                         struct storage_unpack_result *ret, struct sk_error *err);

#endif
