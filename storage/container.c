/* Container records and directories (see container.h for the layout).
 *
 * containers.json holds one small record per container and is rewritten
 * atomically under the store lock; readers take no lock. A container's
 * directory is built in the process workspace and renamed into
 * overlay-containers/ under the lock, just before its record is written.
 * Removal writes the records first and then renames the directory into the
 * workspace, where it is deleted after the lock is released.
 *
 * A process killed between those two steps leaves a directory without a
 * record. Both steps run with the marker file containers.pending present, so
 * the next storage_open() sees it and reaps; create and remove also compare
 * the link count of overlay-containers/ with the number of records (a stat)
 * and reap when they differ. */
#include "storage/container.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CONTAINERS_DIR "overlay-containers"
#define PENDING_MARKER "containers.pending"
#define ID_BYTES 32
#define ID_HEX_LEN (ID_BYTES * 2)
#define NAME_TRIES 200

/* Generated names are ADJECTIVE_NOUN, as docker and podman make them. */
static const char *const NAME_ADJECTIVES[] = {
    "agile",   "amber",    "ancient",  "azure",    "bold",      "brave",  "breezy",   "bright",
    "brisk",   "calm",     "candid",   "cheerful", "clever",    "cosmic", "crisp",    "curious",
    "dapper",  "daring",   "dazzling", "eager",    "earnest",   "elated", "electric", "epic",
    "fancy",   "fearless", "fervent",  "festive",  "fluent",    "fond",   "friendly", "gallant",
    "gentle",  "gifted",   "glad",     "golden",   "graceful",  "happy",  "hardy",    "hearty",
    "humble",  "jolly",    "jovial",   "keen",     "kind",      "lively", "loyal",    "lucid",
    "lucky",   "mellow",   "merry",    "mighty",   "modest",    "nifty",  "nimble",   "noble",
    "patient", "peaceful", "plucky",   "polite",   "proud",     "quick",  "quiet",    "radiant",
    "rapid",   "relaxed",  "rustic",   "serene",   "sharp",     "shiny",  "silent",   "silver",
    "sleek",   "smart",    "snappy",   "solid",    "spry",      "stoic",  "sturdy",   "sunny",
    "swift",   "tender",   "thrifty",  "tidy",     "tranquil",  "trusty", "upbeat",   "valiant",
    "vibrant", "vivid",    "warm",     "wary",     "whimsical", "wise",   "witty",    "zealous",
    "zesty",   "steady",   "frosty",   "misty",
};
static const char *const NAME_NOUNS[] = {
    "albatross", "anchor",     "anemone", "atoll",   "barge",    "bay",      "beacon",
    "brook",     "buoy",       "canoe",   "cape",    "captain",  "clipper",  "compass",
    "coral",     "cormorant",  "cove",    "current", "cutter",   "delta",    "dinghy",
    "dolphin",   "dory",       "drift",   "dune",    "estuary",  "ferry",    "fjord",
    "galleon",   "gannet",     "gull",    "harbor",  "harpoon",  "heron",    "inlet",
    "island",    "jetty",      "kayak",   "keel",    "kelp",     "ketch",    "lagoon",
    "lantern",   "lighthouse", "manatee", "mariner", "marlin",   "mast",     "mooring",
    "narwhal",   "navigator",  "oar",     "orca",    "osprey",   "otter",    "paddle",
    "pearl",     "pelican",    "pier",    "pilot",   "porpoise", "puffin",   "quay",
    "raft",      "reef",       "rudder",  "sail",    "sailor",   "schooner", "seahorse",
    "seal",      "shell",      "shoal",   "skiff",   "sloop",    "sound",    "spray",
    "squid",     "starfish",   "storm",   "strait",  "surf",     "swell",    "tern",
    "tide",      "tiller",     "trawler", "tugboat", "turtle",   "urchin",   "voyager",
    "wake",      "walrus",     "wave",    "whale",   "wharf",    "windlass", "yacht",
    "yawl",      "zephyr",
};

/* ---- small helpers --------------------------------------------------------- */

static void random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            abort(); /* no entropy source at all: nothing sensible to do */
        }
        p += n;
        len -= (size_t)n;
    }
}

/* 64 lowercase hex digits. Like docker, avoid IDs whose 12-character short form
 * is all digits, so a short ID never reads as a number. */
static char *new_container_id(void)
{
    char *id = sk_malloc(ID_HEX_LEN + 1);
    for (;;) {
        unsigned char raw[ID_BYTES];
        random_bytes(raw, sizeof(raw));
        for (size_t i = 0; i < ID_BYTES; i++)
            snprintf(id + 2 * i, 3, "%02x", raw[i]);
        for (size_t i = 0; i < 12; i++)
            if (!isdigit((unsigned char)id[i]))
                return id;
    }
}

static bool is_hex(const char *s)
{
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static bool is_container_id(const char *s)
{
    return strlen(s) == ID_HEX_LEN && is_hex(s);
}

/* [a-zA-Z0-9][a-zA-Z0-9_.-]* */
static bool name_valid(const char *name)
{
    if (!isalnum((unsigned char)name[0]))
        return false;
    for (const char *p = name + 1; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return false;
    return true;
}

static int name_check_syntax(const char *name, struct sk_error *err)
{
    if (!name_valid(name))
        return sk_error_set(err, EINVAL,
                            "invalid container name \"%s\": names must match "
                            "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
                            name);
    return 0;
}

static const char *rec_str(const json_t *rec, const char *key)
{
    return sk_json_str(rec, key) ?: "";
}

/* The record using name, other than the one with ID except_id; NULL if none. */
static json_t *record_with_name(json_t *records, const char *name, const char *except_id)
{
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec) {
        if (strcmp(rec_str(rec, "name"), name) == 0 &&
            (!except_id || strcmp(rec_str(rec, "id"), except_id) != 0))
            return rec;
    }
    return NULL;
}

static int name_check_free(json_t *records, const char *name, const char *except_id,
                           struct sk_error *err)
{
    json_t *other = record_with_name(records, name, except_id);
    if (other)
        return sk_error_set(err, EEXIST,
                            "the container name \"%s\" is already in use by %s. You have to "
                            "remove that container to be able to reuse that name",
                            name, rec_str(other, "id"));
    return 0;
}

static char *name_generate(json_t *records)
{
    for (int attempt = 0;; attempt++) {
        uint32_t r[3];
        random_bytes(r, sizeof(r));
        const char *adj = NAME_ADJECTIVES[r[0] % SK_ARRAY_SIZE(NAME_ADJECTIVES)];
        const char *noun = NAME_NOUNS[r[1] % SK_ARRAY_SIZE(NAME_NOUNS)];
        /* Past NAME_TRIES collisions the word pairs are running out: add a number. */
        char *name = attempt < NAME_TRIES ? sk_asprintf("%s_%s", adj, noun)
                                          : sk_asprintf("%s_%s_%u", adj, noun, r[2] % 100000);
        if (!record_with_name(records, name, NULL))
            return name;
        free(name);
    }
}

/* Remove a half-built directory when the scope ends, unless stolen (set to NULL). */
static void rm_rf_freep(char **path)
{
    if (*path) {
        sk_rm_rf(*path, NULL);
        free(*path);
    }
}
#define _cleanup_rm_rf_ _cleanup_(rm_rf_freep)

/* ---- records ----------------------------------------------------------------- */

static char *records_path(struct storage *st)
{
    return sk_asprintf("%s/containers.json", st->root);
}

static char *containers_dir(struct storage *st)
{
    return sk_asprintf("%s/" CONTAINERS_DIR, st->root);
}

static char *pending_path(struct storage *st)
{
    return sk_asprintf("%s/" PENDING_MARKER, st->root);
}

char *storage_container_dir(struct storage *st, const char *id)
{
    return sk_asprintf("%s/" CONTAINERS_DIR "/%s", st->root, id);
}

char *storage_container_userdata(struct storage *st, const char *id)
{
    return sk_asprintf("%s/" CONTAINERS_DIR "/%s/userdata", st->root, id);
}

int storage_containers_read(struct storage *st, json_t **ret, struct sk_error *err)
{
    _cleanup_free_ char *p = records_path(st);
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    struct sk_error rerr = {0};
    if (sk_read_file(p, &data, &len, &rerr) < 0) {
        if (rerr.code == ENOENT) {
            *ret = json_array();
            return 0;
        }
        if (err)
            *err = rerr;
        return sk_error_prefix(err, "read container records");
    }
    _cleanup_json_ json_t *doc = sk_json_parse(data, len, p, err);
    if (!doc)
        return sk_error_prefix(err, "read container records");
    json_t *arr = json_object_get(doc, "containers");
    if (!json_is_array(arr))
        return sk_error_set(err, EBADMSG, "read container records %s: no \"containers\" array", p);
    *ret = json_incref(arr);
    return 0;
}

static int records_write(struct storage *st, json_t *records, struct sk_error *err)
{
    _cleanup_free_ char *p = records_path(st);
    _cleanup_json_ json_t *doc = json_pack("{s:i, s:O}", "version", 1, "containers", records);
    if (sk_json_save_file(p, doc, false, err) < 0)
        return sk_error_prefix(err, "write container records");
    return 0;
}

/* Full ID, then exact name, then unique ID prefix (as podman resolves). */
static int record_find(json_t *records, const char *what, size_t *ret_index, struct sk_error *err)
{
    size_t i;
    json_t *rec;
    if (*what) {
        json_array_foreach(records, i, rec) {
            if (strcmp(rec_str(rec, "id"), what) == 0) {
                *ret_index = i;
                return 0;
            }
        }
        json_array_foreach(records, i, rec) {
            if (strcmp(rec_str(rec, "name"), what) == 0) {
                *ret_index = i;
                return 0;
            }
        }
    }
    if (*what && strlen(what) < ID_HEX_LEN && is_hex(what)) {
        size_t found = 0, index = 0;
        json_array_foreach(records, i, rec) {
            if (sk_str_has_prefix(rec_str(rec, "id"), what)) {
                found++;
                index = i;
            }
        }
        if (found == 1) {
            *ret_index = index;
            return 0;
        }
        if (found > 1)
            return sk_error_set(err, EINVAL,
                                "more than one container matches ID prefix \"%s\": use more "
                                "characters or the name",
                                what);
    }
    return sk_error_set(err, ENOENT, "no container with name or ID \"%s\" found", what);
}

int storage_container_lookup(struct storage *st, const char *what, json_t **ret,
                             struct sk_error *err)
{
    _cleanup_json_ json_t *records = NULL;
    if (storage_containers_read(st, &records, err) < 0)
        return -1;
    size_t i;
    if (record_find(records, what, &i, err) < 0)
        return -1;
    *ret = json_incref(json_array_get(records, i));
    return 0;
}

bool storage_image_in_use(struct storage *st, const char *image_id)
{
    if (sk_str_has_prefix(image_id, "sha256:"))
        image_id += strlen("sha256:");
    _cleanup_json_ json_t *records = NULL;
    if (storage_containers_read(st, &records, NULL) < 0)
        return true; /* cannot tell: keep the image */
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec) {
        const char *img = rec_str(rec, "image");
        if (sk_str_has_prefix(img, "sha256:"))
            img += strlen("sha256:");
        if (strcmp(img, image_id) == 0)
            return true;
    }
    return false;
}

/* ---- orphan directories ---------------------------------------------------- */

/* Move directories of overlay-containers/ that have no record into the
 * workspace; their paths are added to *trash for deletion after the lock is
 * released. Called with the store lock held. Best effort. */
static void orphans_collect(struct storage *st, json_t *records, char ***trash)
{
    _cleanup_json_ json_t *known = json_object();
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec) {
        json_object_set_new(known, rec_str(rec, "id"), json_true());
    }
    _cleanup_free_ char *dir = containers_dir(st);
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        /* Only what create puts there; anything else is not ours to delete. */
        if (!is_container_id(de->d_name) || json_object_get(known, de->d_name))
            continue;
        _cleanup_free_ char *src = sk_asprintf("%s/%s", dir, de->d_name);
        _cleanup_free_ char *dst = NULL;
        /* An orphan cannot have users; a leftover mount would stop the rm -rf. */
        struct sk_lock mlock _cleanup_lock_ = SK_LOCK_INIT;
        if (storage_container_unmount_for_remove(st, de->d_name, true, &mlock, NULL) < 0)
            continue;
        if (storage_tmp_path(st, "orphan", &dst, NULL) < 0 || rename(src, dst) < 0)
            continue;
        storage_container_forget_mounts(st, de->d_name);
        sk_strv_push(trash, dst);
    }
}

/* Reap when an interrupted create/remove left its marker, or when the number
 * of subdirectories (the link count minus 2, on filesystems that keep it)
 * differs from the number of records. */
static void orphans_collect_if_needed(struct storage *st, json_t *records, char ***trash)
{
    _cleanup_free_ char *marker = pending_path(st);
    _cleanup_free_ char *dir = containers_dir(st);
    bool needed = access(marker, F_OK) == 0;
    struct stat sb;
    if (!needed && stat(dir, &sb) == 0)
        needed = sb.st_nlink < 2 || sb.st_nlink - 2 != json_array_size(records);
    if (!needed)
        return;
    orphans_collect(st, records, trash);
    unlink(marker);
}

static void trash_empty(char **trash)
{
    for (size_t i = 0; trash && trash[i]; i++)
        sk_rm_rf(trash[i], NULL);
}

void storage_containers_recover(struct storage *st)
{
    _cleanup_free_ char *marker = pending_path(st);
    if (access(marker, F_OK) < 0)
        return;
    _cleanup_strv_ char **trash = NULL;
    {
        struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
        _cleanup_json_ json_t *records = NULL;
        if (storage_lock(st, &lock, NULL) < 0 || storage_containers_read(st, &records, NULL) < 0)
            return;
        if (access(marker, F_OK) < 0) /* another process reaped meanwhile */
            return;
        orphans_collect(st, records, &trash);
        unlink(marker);
    }
    trash_empty(trash);
}

/* The marker tells a later process that a change of overlay-containers/ and
 * containers.json was under way. Created and removed under the store lock. */
static void pending_begin(struct storage *st)
{
    _cleanup_free_ char *marker = pending_path(st);
    _cleanup_close_ int fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
}

static void pending_end(struct storage *st)
{
    _cleanup_free_ char *marker = pending_path(st);
    unlink(marker);
}

/* ---- create ------------------------------------------------------------------ */

/* The directory as it will be renamed into overlay-containers/<id>. */
static int container_dir_build(const char *path, struct sk_error *err)
{
    static const struct {
        const char *name;
        mode_t mode;
    } subdirs[] = {{"userdata", 0700}, {"diff", 0755}, {"work", 0700}, {"merged", 0755}};
    if (mkdir(path, 0700) < 0)
        return sk_error_errno(err, errno, "mkdir %s", path);
    for (size_t i = 0; i < SK_ARRAY_SIZE(subdirs); i++) {
        _cleanup_free_ char *p = sk_asprintf("%s/%s", path, subdirs[i].name);
        /* explicit chmod: the umask must not change what the container sees as / */
        if (mkdir(p, subdirs[i].mode) < 0 || chmod(p, subdirs[i].mode) < 0)
            return sk_error_errno(err, errno, "mkdir %s", p);
    }
    return 0;
}

static int layers_check(struct storage *st, json_t *layers, struct sk_error *err)
{
    if (layers && !json_is_array(layers))
        return sk_error_set(err, EINVAL, "layers must be an array of diff IDs");
    size_t i;
    json_t *l;
    json_array_foreach(layers, i, l) {
        const char *diff_id = json_string_value(l);
        if (!diff_id || !storage_layer_exists(st, diff_id))
            return sk_error_set(err, ENOENT, "layer %s is not in the store",
                                diff_id ?: "(not a string)");
    }
    return 0;
}

static json_t *record_new(const char *id, const char *name, const struct storage_container_new *in)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char created[64];
    sk_format_rfc3339(now.tv_sec, now.tv_nsec, created, sizeof(created));
    json_t *layers = in->layers ? json_deep_copy(in->layers) : json_array();
    json_t *config = in->config ? json_incref(in->config) : json_object();
    return json_pack("{s:s, s:s, s:s?, s:o, s:s, s:s, s:o, s:{}}", "id", id, "name", name, "image",
                     in->image_id, "layers", layers, "driver", storage_driver_name(in->driver),
                     "created", created, "config", config, "state");
}

int storage_container_create(struct storage *st, const struct storage_container_new *in,
                             json_t **ret, struct sk_error *err)
{
    if (in->name && name_check_syntax(in->name, err) < 0)
        return -1;
    if (layers_check(st, in->layers, err) < 0)
        return sk_error_prefix(err, "create container");
    _cleanup_free_ char *id = new_container_id();
    _cleanup_rm_rf_ char *tmp = NULL;
    if (storage_tmp_path(st, "container", &tmp, err) < 0 || container_dir_build(tmp, err) < 0)
        return sk_error_prefix(err, "create container");

    _cleanup_strv_ char **trash = NULL;
    _cleanup_json_ json_t *record = NULL;
    {
        struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
        if (storage_lock(st, &lock, err) < 0)
            return -1;
        _cleanup_json_ json_t *records = NULL;
        if (storage_containers_read(st, &records, err) < 0)
            return -1;
        orphans_collect_if_needed(st, records, &trash);
        _cleanup_free_ char *name = NULL;
        if (in->name) {
            if (name_check_free(records, in->name, NULL, err) < 0)
                return -1;
            name = sk_strdup(in->name);
        } else {
            name = name_generate(records);
        }
        _cleanup_free_ char *cdir = containers_dir(st);
        if (mkdir(cdir, 0700) < 0 && errno != EEXIST)
            return sk_error_errno(err, errno, "create container: mkdir %s", cdir);
        _cleanup_free_ char *dir = storage_container_dir(st, id);
        record = record_new(id, name, in);
        json_array_append(records, record);

        pending_begin(st);
        if (rename(tmp, dir) < 0) {
            pending_end(st);
            return sk_error_errno(err, errno, "create container: rename into %s", dir);
        }
        sk_fsync_dir(cdir);
        if (records_write(st, records, err) < 0) {
            if (rename(dir, tmp) == 0) /* else the marker makes the next process reap it */
                pending_end(st);
            return sk_error_prefix(err, "create container %s", name);
        }
        pending_end(st);
        free(SK_STEAL(tmp));
    }
    trash_empty(trash);
    *ret = SK_STEAL(record);
    return 0;
}

/* ---- update, remove ------------------------------------------------------------ */

int storage_container_update(struct storage *st, const char *id, json_t *changes,
                             struct sk_error *err)
{
    if (!json_is_object(changes))
        return sk_error_set(err, EINVAL, "update container %s: changes must be an object", id);
    struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
    if (storage_lock(st, &lock, err) < 0)
        return -1;
    _cleanup_json_ json_t *records = NULL;
    if (storage_containers_read(st, &records, err) < 0)
        return -1;
    size_t i;
    if (record_find(records, id, &i, err) < 0)
        return -1;
    json_t *rec = json_array_get(records, i);
    const char *full_id = rec_str(rec, "id");
    json_t *new_id = json_object_get(changes, "id");
    if (new_id && !json_equal(new_id, json_object_get(rec, "id")))
        return sk_error_set(err, EINVAL, "update container %s: the ID cannot change", full_id);
    json_t *new_name = json_object_get(changes, "name");
    if (new_name) {
        const char *n = json_string_value(new_name);
        if (!n)
            return sk_error_set(err, EINVAL, "update container %s: name must be a string", full_id);
        if (name_check_syntax(n, err) < 0 || name_check_free(records, n, full_id, err) < 0)
            return -1;
    }
    json_object_update(rec, changes);
    return records_write(st, records, err);
}

int storage_container_remove(struct storage *st, const char *id, bool force, struct sk_error *err)
{
    _cleanup_strv_ char **trash = NULL;
    {
        struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
        if (storage_lock(st, &lock, err) < 0)
            return -1;
        _cleanup_json_ json_t *records = NULL;
        if (storage_containers_read(st, &records, err) < 0)
            return -1;
        size_t i;
        if (record_find(records, id, &i, err) < 0)
            return -1;
        _cleanup_free_ char *full_id = sk_strdup(rec_str(json_array_get(records, i), "id"));
        if (!is_container_id(full_id))
            return sk_error_set(err, EBADMSG, "container record with a bad ID \"%s\"", full_id);
        orphans_collect_if_needed(st, records, &trash);
        struct sk_lock mlock _cleanup_lock_ = SK_LOCK_INIT;
        if (storage_container_unmount_for_remove(st, full_id, force, &mlock, err) < 0)
            return sk_error_prefix(err, "remove container %s", full_id);
        json_array_remove(records, i);
        _cleanup_free_ char *dir = storage_container_dir(st, full_id);
        _cleanup_free_ char *dst = NULL;
        if (storage_tmp_path(st, "removed", &dst, err) < 0)
            return -1;
        pending_begin(st);
        if (records_write(st, records, err) < 0) {
            pending_end(st);
            return sk_error_prefix(err, "remove container %s", full_id);
        }
        if (rename(dir, dst) == 0)
            sk_strv_push(&trash, dst);
        else if (errno != ENOENT) /* the marker stays: a later process reaps it */
            return sk_error_errno(err, errno, "remove container %s: rename %s", full_id, dir);
        storage_container_forget_mounts(st, full_id);
        pending_end(st);
    }
    for (size_t i = 0; trash && trash[i]; i++) /* the slow part, outside the lock */
        if (sk_rm_rf(trash[i], err) < 0)
            return sk_error_prefix(err, "remove container directory");
    return 0;
}
