/* Container storage: records, per-container directories, the overlay mount.
 *
 *   <root>/overlay-containers/<id>/container.json  the record, replaced atomically (no fsync)
 *   <root>/overlay-containers/<id>/lock        flock around a read-modify-write of the record
 *   <root>/overlay-containers/<id>/userdata/   config.json, hostname, hosts, resolv.conf
 *   <root>/overlay-containers/<id>/diff/       the writable layer (overlay upperdir)
 *   <root>/overlay-containers/<id>/work/       overlay workdir
 *   <root>/overlay-containers/<id>/merged/     the rootfs, while mounted
 *   <root>/names/<name>                    symlink -> <id>: names are unique
 *   <root>/l/<SHORT>                       symlink -> ../layers/<hex>/diff: short lowerdir
 *                                          names so many layers fit in one mount option page
 *   <runroot>/mounts/<id>                  mount count; run state, so after a reboot
 *                                          (runroot gone) the count is 0 as are the mounts
 *
 * A container's directory, record included, is prepared in the process
 * workspace and renamed into overlay-containers/ in one step, so every
 * directory there is a whole container. Create and remove (and a rename)
 * change names/ under the store lock; a process killed halfway leaves at most
 * a names/ link that nobody owns, replaced by the next create of that name.
 * Looking up one container reads one record, whatever the number of them. */
#ifndef SKIFF_STORAGE_CONTAINER_H
#define SKIFF_STORAGE_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"
#include "storage/store.h"

enum storage_driver { STORAGE_DRIVER_OVERLAY, STORAGE_DRIVER_FUSE_OVERLAYFS };

/* "overlay" or "fuse-overlayfs" (also "fuse-overlay"); -1 with an error otherwise. */
int storage_driver_parse(const char *name, enum storage_driver *ret, struct sk_error *err);
const char *storage_driver_name(enum storage_driver d);
/* Whether the kernel's overlay mounts here (rootless: in skiff's user
 * namespace, which needs Linux 5.11+). Tried once per kernel release with a
 * scratch overlay; the answer is kept in <root>/overlay-probe.result as
 * "RELEASE yes|no". */
bool storage_overlay_native_ok(struct storage *st);

struct storage_container_new {
    const char *name;     /* NULL: generate a unique adjective_noun name */
    const char *image_id; /* hex */
    json_t *layers;       /* the image's diff_ids, base first */
    json_t *config;       /* the engine's data for this container (opaque here) */
    enum storage_driver driver;
    /* The upper layer need not survive a crash (a container removed when it
     * exits): overlay mounts it "volatile", with no sync of the host's file
     * system at unmount, as podman does for --rm. Recorded as "volatile". */
    bool volatile_upper;
};

/* Record: {"id", "name", "image", "layers", "driver", "created" (rfc3339), "config",
 *          "state": {...} (engine-owned, merged by storage_container_update),
 *          "volatile": true (only when volatile_upper)}.
 * Fails with EEXIST when the name is taken. *ret is a new reference. */
int storage_container_create(struct storage *st, const struct storage_container_new *in,
                             json_t **ret, struct sk_error *err);
/* A new reference to the array of all records. */
int storage_containers_read(struct storage *st, json_t **ret, struct sk_error *err);
/* By full ID, unique ID prefix or name; ENOENT-coded error "no container with name or ID
 * \"X\" found" otherwise. */
int storage_container_lookup(struct storage *st, const char *what, json_t **ret,
                             struct sk_error *err);
/* Merge the members of changes into the record of id (json_object_update semantics).
 * A new "name" must be free (EEXIST otherwise); the ID cannot change. */
int storage_container_update(struct storage *st, const char *id, json_t *changes,
                             struct sk_error *err);
/* Remove the container's directory (record included) and its name. Refuses (EBUSY)
 * while mounted unless force, which unmounts first. Touches nothing else on disk but
 * its run state. */
int storage_container_remove(struct storage *st, const char *id, bool force,
                             struct sk_error *err);
/* IDs of images that containers use (for rmi). */
bool storage_image_in_use(struct storage *st, const char *image_id);

char *storage_container_dir(struct storage *st, const char *id);      /* overlay-containers/<id> */
char *storage_container_userdata(struct storage *st, const char *id); /* .../userdata */

/* Mount the rootfs (overlay: lowerdirs = image layers, top first, via short
 * links; fuse-overlayfs through the fuse-overlayfs program) unless already
 * mounted, and count the user. *ret_merged is the merged path. */
int storage_container_mount(struct storage *st, const char *id, char **ret_merged,
                            struct sk_error *err);
/* Drop one user; unmount when none remain (force: unmount now, count 0). */
int storage_container_unmount(struct storage *st, const char *id, bool force,
                              struct sk_error *err);
/* Current mount count (0 when not mounted; a stale count with no mount is 0). */
int storage_container_mount_count(struct storage *st, const char *id);

/* ---- used inside storage/ only ------------------------------------------- */

/* For remove, with the store lock held: take the container's mount lock into
 * *lock and make sure the rootfs is not mounted (EBUSY if it is, unless force:
 * then it is unmounted now). */
int storage_container_unmount_for_remove(struct storage *st, const char *id, bool force,
                                         struct sk_lock *lock, struct sk_error *err);
/* Drop the run state of a removed container (its mount lock is held). */
void storage_container_forget_mounts(struct storage *st, const char *id);
/* Remove the short link <root>/l/<SHORT> of a layer; call with the store lock
 * held before the layer directory goes away (image removal). */
void storage_layer_drop_link(struct storage *st, const char *diff_id);

#endif
