/* Pruning stopped containers and unused images (see prune.h). */
#include "engine/prune.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/container.h"
#include "storage/container.h"
#include "storage/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TREE_DEPTH_MAX 256

/* Bytes of the regular files under at/name, without following links or
 * leaving its file system. */
static long long tree_size(int at, const char *name, dev_t dev, int depth)
{
    struct stat st;
    if (depth > TREE_DEPTH_MAX || fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
        st.st_dev != dev)
        return 0;
    if (S_ISREG(st.st_mode))
        return (long long)st.st_size;
    if (!S_ISDIR(st.st_mode))
        return 0;
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return 0;
    _cleanup_closedir_ DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return 0;
    }
    long long total = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            total += tree_size(dirfd(d), de->d_name, dev, depth + 1);
    return total;
}

/* The container's writable layer, as podman counts what a prune reclaims. */
static long long rw_size(struct engine *e, const char *id)
{
    _cleanup_free_ char *dir = storage_container_dir(e->st, id);
    _cleanup_free_ char *diff = sk_asprintf("%s/diff", dir);
    struct stat st;
    if (stat(diff, &st) < 0)
        return 0;
    return tree_size(AT_FDCWD, diff, st.st_dev, 0);
}

static void failed(const struct engine_prune_report *report, const struct sk_error *err)
{
    if (report && report->failed)
        report->failed(report->ctx, err);
}

int engine_containers_prune(struct engine *e, struct engine_ctr_filter *f,
                            const struct engine_prune_report *report, struct sk_error *err)
{
    _cleanup_json_ json_t *list = NULL;
    if (engine_containers_list(e, &list, err) < 0)
        return -1;
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        const char *status = sk_json_str(c, "status") ?: "";
        if (strcmp(status, "running") == 0 || strcmp(status, "paused") == 0 ||
            !engine_ctr_filter_match(f, c))
            continue;
        const char *id = sk_json_str(c, "id");
        long long bytes = rw_size(e, id);
        char removed[65];
        struct sk_error rerr = {0};
        /* Not forced: one that started meanwhile stays. */
        if (engine_container_remove(e, id, false, -1, removed, &rerr) < 0) {
            if (rerr.code != ENOENT && rerr.code != EBUSY)
                failed(report, &rerr);
            continue;
        }
        if (report && report->removed)
            report->removed(report->ctx, removed, bytes);
    }
    return 0;
}

int engine_images_prune(struct engine *e, bool all, const struct engine_prune_report *report,
                        struct sk_error *err)
{
    _cleanup_json_ json_t *images = NULL;
    if (storage_images_read(e->st, &images, err) < 0)
        return -1;
    size_t i;
    json_t *img;
    json_array_foreach(images, i, img) {
        if (!all && json_array_size(json_object_get(img, "names")) > 0)
            continue; /* not dangling */
        const char *id = sk_json_str(img, "id");
        struct sk_error rerr = {0};
        if (engine_image_remove_unused(e, id, NULL, &rerr) < 0) {
            if (rerr.code != ENOENT && rerr.code != EBUSY) /* in use: not ours to prune */
                failed(report, &rerr);
            continue;
        }
        if (report && report->removed)
            report->removed(report->ctx, id, sk_json_int(img, "size", 0));
    }
    return 0;
}
