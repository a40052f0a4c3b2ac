/* Container records and directories (see container.h for the layout).
 *
 * Each container is one directory, overlay-containers/<id>/, holding its
 * record (container.json) beside its layers. The directory is built whole in
 * the process workspace and renamed into place in one step, so everything in
 * overlay-containers/ is a complete container; removal renames it back into
 * the workspace and deletes it after the store lock is released.
 *
 * Names are unique through names/<name>, a symlink whose target is the ID,
 * made and removed under the store lock. Nothing reads all records to create,
 * look up, update or remove one container: an operation costs the same with
 * 10 containers or 10000.
 *
 * A create or remove killed halfway can leave only a names/ link whose
 * container does not exist (the workspace goes with the process), and a
 * rename killed halfway a link to a container whose record has another name.
 * Neither owns its name: readers ignore such links, and the next create or
 * rename that wants the name replaces it. */
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
#define NAMES_DIR "names"
#define RECORD_FILE "container.json"
#define CONTAINER_LOCK_FILE "lock"
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

/* [a-zA-Z0-9][a-zA-Z0-9_.-]*: also safe as a file name under names/. */
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

static int not_found(struct sk_error *err, const char *what)
{
    return sk_error_set(err, ENOENT, "no container with name or ID \"%s\" found", what);
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

/* ---- paths ------------------------------------------------------------------- */

static char *containers_dir(struct storage *st)
{
    return sk_asprintf("%s/" CONTAINERS_DIR, st->root);
}

static char *name_link_path(struct storage *st, const char *name)
{
    return sk_asprintf("%s/" NAMES_DIR "/%s", st->root, name);
}

char *storage_container_dir(struct storage *st, const char *id)
{
    return sk_asprintf("%s/" CONTAINERS_DIR "/%s", st->root, id);
}

char *storage_container_userdata(struct storage *st, const char *id)
{
    return sk_asprintf("%s/" CONTAINERS_DIR "/%s/userdata", st->root, id);
}

static char *record_path(struct storage *st, const char *id)
{
    return sk_asprintf("%s/" CONTAINERS_DIR "/%s/" RECORD_FILE, st->root, id);
}

/* overlay-containers/ and names/, made by the first create. */
static int dirs_ensure(struct storage *st, struct sk_error *err)
{
    static const char *const dirs[] = {CONTAINERS_DIR, NAMES_DIR};
    for (size_t i = 0; i < SK_ARRAY_SIZE(dirs); i++) {
        _cleanup_free_ char *p = sk_asprintf("%s/%s", st->root, dirs[i]);
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
            return sk_error_errno(err, errno, "mkdir %s", p);
    }
    return 0;
}

/* ---- records ----------------------------------------------------------------- */

/* The record at path (relative to dirfd) of container id. ENOENT-coded when
 * the file is missing, EBADMSG when it is not that container's record. */
static int record_load_at(int dirfd, const char *path, const char *id, json_t **ret,
                          struct sk_error *err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    if (sk_read_file_at(dirfd, path, &buf, &len, err) < 0)
        return -1;
    json_t *rec = sk_json_parse(buf, len, path, err);
    if (!rec)
        return -1;
    if (!json_is_object(rec) || strcmp(rec_str(rec, "id"), id) != 0) {
        json_decref(rec);
        return sk_error_set(err, EBADMSG, "%s is not the record of container %s", path, id);
    }
    *ret = rec;
    return 0;
}

static int record_read(struct storage *st, const char *id, json_t **ret, struct sk_error *err)
{
    _cleanup_free_ char *p = record_path(st, id);
    return record_load_at(AT_FDCWD, p, id, ret, err);
}

/* Replace dir/container.json: readers see the old or the new record. */
static int record_write(const char *dir, const json_t *rec, struct sk_error *err)
{
    _cleanup_free_ char *p = sk_asprintf("%s/" RECORD_FILE, dir);
    return sk_json_replace_file(p, rec, err);
}

/* Every record that can be read; *ret_damaged tells whether some could not
 * (a container removed meanwhile does not count). */
static int records_scan(struct storage *st, json_t **ret, bool *ret_damaged, struct sk_error *err)
{
    *ret_damaged = false;
    _cleanup_free_ char *dir = containers_dir(st);
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) { /* no container was ever created */
            *ret = json_array();
            return 0;
        }
        return sk_error_errno(err, errno, "read container records: open %s", dir);
    }
    json_t *all = json_array();
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_container_id(de->d_name))
            continue; /* not a container: not ours */
        char rel[ID_HEX_LEN + sizeof("/" RECORD_FILE)];
        snprintf(rel, sizeof(rel), "%.*s/" RECORD_FILE, ID_HEX_LEN, de->d_name);
        json_t *rec = NULL;
        struct sk_error rerr = {0};
        if (record_load_at(dirfd(d), rel, de->d_name, &rec, &rerr) == 0)
            json_array_append_new(all, rec);
        else if (rerr.code != ENOENT && rerr.code != ENOTDIR)
            *ret_damaged = true;
    }
    *ret = all;
    return 0;
}

/* A record that cannot be read is not listed; a lookup by its ID says what is
 * wrong, and remove deletes it all the same. */
int storage_containers_read(struct storage *st, json_t **ret, struct sk_error *err)
{
    bool damaged;
    return records_scan(st, ret, &damaged, err);
}

bool storage_image_in_use(struct storage *st, const char *image_id)
{
    if (sk_str_has_prefix(image_id, "sha256:"))
        image_id += strlen("sha256:");
    _cleanup_json_ json_t *records = NULL;
    bool damaged;
    if (records_scan(st, &records, &damaged, NULL) < 0 || damaged)
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

/* ---- names ------------------------------------------------------------------- */

/* The container that owns name: names/<name> points at it, it exists and its
 * record still has that name. *ret_rec (if asked for) gets its record, or
 * NULL when the record cannot be read; such a container keeps the name, as
 * nothing is taken from a container we cannot read. */
static bool name_owner(struct storage *st, const char *name, char ret_id[ID_HEX_LEN + 1],
                       json_t **ret_rec)
{
    _cleanup_free_ char *link = name_link_path(st, name);
    char target[ID_HEX_LEN + 2];
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n != ID_HEX_LEN)
        return false;
    target[n] = '\0';
    if (!is_hex(target))
        return false;
    json_t *rec = NULL;
    struct sk_error rerr = {0};
    if (record_read(st, target, &rec, &rerr) < 0) {
        if (rerr.code == ENOENT || rerr.code == ENOTDIR)
            return false; /* a create or remove killed halfway left the link */
    } else if (strcmp(rec_str(rec, "name"), name) != 0) {
        json_decref(rec); /* a rename killed halfway left the link */
        return false;
    }
    memcpy(ret_id, target, ID_HEX_LEN + 1);
    if (ret_rec)
        *ret_rec = rec;
    else
        json_decref(rec);
    return true;
}

/* With the store lock held: point names/<name> at id. EEXIST when another
 * container owns the name; a link nobody owns (see name_owner) is replaced. */
static int name_claim(struct storage *st, const char *name, const char *id, struct sk_error *err)
{
    _cleanup_free_ char *link = name_link_path(st, name);
    if (symlink(id, link) == 0)
        return 0;
    if (errno != EEXIST)
        return sk_error_errno(err, errno, "claim the name \"%s\": symlink %s", name, link);
    char owner[ID_HEX_LEN + 1];
    if (name_owner(st, name, owner, NULL)) {
        if (strcmp(owner, id) == 0)
            return 0;
        return sk_error_set(err, EEXIST,
                            "the container name \"%s\" is already in use by %s. You have to "
                            "remove that container to be able to reuse that name",
                            name, owner);
    }
    if ((unlink(link) < 0 && errno != ENOENT) || symlink(id, link) < 0)
        return sk_error_errno(err, errno, "claim the name \"%s\": replace %s", name, link);
    return 0;
}

/* With the store lock held: drop names/<name> if it points at id. */
static void name_release(struct storage *st, const char *name, const char *id)
{
    if (!name_valid(name))
        return;
    _cleanup_free_ char *link = name_link_path(st, name);
    char target[ID_HEX_LEN + 2];
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n == ID_HEX_LEN && memcmp(target, id, ID_HEX_LEN) == 0)
        unlink(link);
}

/* With the store lock held: claim a new ADJECTIVE_NOUN name for id. */
static char *name_generate(struct storage *st, const char *id, struct sk_error *err)
{
    for (int attempt = 0;; attempt++) {
        uint32_t r[3];
        random_bytes(r, sizeof(r));
        const char *adj = NAME_ADJECTIVES[r[0] % SK_ARRAY_SIZE(NAME_ADJECTIVES)];
        const char *noun = NAME_NOUNS[r[1] % SK_ARRAY_SIZE(NAME_NOUNS)];
        /* Past NAME_TRIES collisions the word pairs are running out: add a number. */
        char *name = attempt < NAME_TRIES ? sk_asprintf("%s_%s", adj, noun)
                                          : sk_asprintf("%s_%s_%u", adj, noun, r[2] % 100000);
        struct sk_error cerr = {0};
        if (name_claim(st, name, id, &cerr) == 0)
            return name;
        free(name);
        if (cerr.code != EEXIST) {
            if (err)
                *err = cerr;
            return NULL;
        }
    }
}

/* ---- lookup ------------------------------------------------------------------ */

/* 1 if container id exists (with ret_rec: and *ret_rec is its record), 0 if
 * it does not, -1 if its record cannot be read. */
static int container_get(struct storage *st, const char *id, json_t **ret_rec, struct sk_error *err)
{
    if (!ret_rec) {
        _cleanup_free_ char *dir = storage_container_dir(st, id);
        struct stat sb;
        return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
    }
    struct sk_error rerr = {0};
    if (record_read(st, id, ret_rec, &rerr) == 0)
        return 1;
    if (rerr.code == ENOENT || rerr.code == ENOTDIR)
        return 0;
    if (err)
        *err = rerr;
    return -1;
}

/* The ID of the one container whose ID starts with prefix: 1, or 0 if none. */
static int prefix_match(struct storage *st, const char *prefix, char ret_id[ID_HEX_LEN + 1],
                        struct sk_error *err)
{
    _cleanup_free_ char *dir = containers_dir(st);
    _cleanup_closedir_ DIR *d = opendir(dir);
    size_t len = strlen(prefix), found = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strncmp(de->d_name, prefix, len) != 0 || !is_container_id(de->d_name))
            continue;
        if (found++ == 0)
            memcpy(ret_id, de->d_name, ID_HEX_LEN + 1);
    }
    if (found > 1)
        return sk_error_set(err, EINVAL,
                            "more than one container matches ID prefix \"%s\": use more "
                            "characters or the name",
                            prefix);
    return found == 1;
}

/* Resolve what as podman does: full ID, then name, then unique ID prefix.
 * Only then is one record read (with ret_rec; without, a full ID costs a
 * stat and a damaged record does not stand in the way). */
static int container_find(struct storage *st, const char *what, char ret_id[ID_HEX_LEN + 1],
                          json_t **ret_rec, struct sk_error *err)
{
    if (is_container_id(what)) {
        int r = container_get(st, what, ret_rec, err);
        if (r != 0) {
            memcpy(ret_id, what, ID_HEX_LEN + 1);
            return r < 0 ? -1 : 0;
        }
    }
    json_t *rec = NULL;
    if (name_valid(what) && name_owner(st, what, ret_id, &rec)) {
        if (!ret_rec) {
            json_decref(rec);
            return 0;
        }
        if (rec) {
            *ret_rec = rec;
            return 0;
        }
        int r = container_get(st, ret_id, ret_rec, err); /* for the error */
        if (r != 0)
            return r < 0 ? -1 : 0;
    }
    size_t len = strlen(what);
    if (len > 0 && len < ID_HEX_LEN && is_hex(what)) {
        int r = prefix_match(st, what, ret_id, err);
        if (r > 0)
            r = container_get(st, ret_id, ret_rec, err);
        if (r != 0)
            return r < 0 ? -1 : 0;
    }
    return not_found(err, what);
}

int storage_container_lookup(struct storage *st, const char *what, json_t **ret,
                             struct sk_error *err)
{
    char id[ID_HEX_LEN + 1];
    return container_find(st, what, id, ret, err);
}

/* The lock serializing changes of one container's record. ENOENT-coded once
 * the container is gone (removal moves the lock file away with it). */
static int container_lock(struct storage *st, const char *id, struct sk_lock *lock,
                          struct sk_error *err)
{
    _cleanup_free_ char *p =
        sk_asprintf("%s/" CONTAINERS_DIR "/%s/" CONTAINER_LOCK_FILE, st->root, id);
    struct sk_error lerr = {0};
    if (sk_lock_acquire(lock, p, false, &lerr) == 0)
        return 0;
    if (lerr.code == ENOENT)
        return not_found(err, id);
    if (err)
        *err = lerr;
    return -1;
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

/* The record with its name still empty: the name is claimed under the lock. */
static json_t *record_new(const char *id, const struct storage_container_new *in)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char created[64];
    sk_format_rfc3339(now.tv_sec, now.tv_nsec, created, sizeof(created));
    json_t *layers = in->layers ? json_deep_copy(in->layers) : json_array();
    json_t *config = in->config ? json_incref(in->config) : json_object();
    json_t *rec = json_pack("{s:s, s:s, s:s?, s:o, s:s, s:s, s:o, s:{}}", "id", id, "name", "",
                            "image", in->image_id, "layers", layers, "driver",
                            storage_driver_name(in->driver), "created", created, "config", config,
                            "state");
    if (rec && in->volatile_upper)
        json_object_set_new(rec, "volatile", json_true());
    return rec;
}

int storage_container_create(struct storage *st, const struct storage_container_new *in,
                             json_t **ret, struct sk_error *err)
{
    if (in->name && name_check_syntax(in->name, err) < 0)
        return -1;
    if (layers_check(st, in->layers, err) < 0 || dirs_ensure(st, err) < 0)
        return sk_error_prefix(err, "create container");
    _cleanup_free_ char *id = new_container_id();
    _cleanup_rm_rf_ char *tmp = NULL;
    if (storage_tmp_path(st, "container", &tmp, err) < 0 || container_dir_build(tmp, err) < 0)
        return sk_error_prefix(err, "create container");
    _cleanup_json_ json_t *record = record_new(id, in);
    _cleanup_free_ char *dir = storage_container_dir(st, id);

    struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
    if (storage_lock(st, &lock, err) < 0)
        return -1;
    /* Killed from here on, a create leaves at most a names/ link to a
     * container that does not exist, which nobody takes for an owner. */
    _cleanup_free_ char *name = NULL;
    if (in->name)
        name = name_claim(st, in->name, id, err) == 0 ? sk_strdup(in->name) : NULL;
    else
        name = name_generate(st, id, err);
    if (!name)
        return -1;
    json_object_set_new(record, "name", json_string(name));
    /* Durable once created: the record reaches the disk before its
     * directory is renamed into place, and the rename before we return.
     * Later updates replace it (a rename over the old record). A volatile
     * container (--rm) is gone at its end, a crash included: no syncs. */
    _cleanup_free_ char *rec_path = sk_asprintf("%s/" RECORD_FILE, tmp);
    if ((in->volatile_upper ? record_write(tmp, record, err)
                            : sk_json_save_file(rec_path, record, false, err)) < 0) {
        name_release(st, name, id);
        return sk_error_prefix(err, "create container %s", name);
    }
    if (rename(tmp, dir) < 0) {
        int e = errno;
        name_release(st, name, id);
        return sk_error_errno(err, e, "create container %s: rename into %s", name, dir);
    }
    free(SK_STEAL(tmp));
    if (!in->volatile_upper) {
        _cleanup_free_ char *parent = containers_dir(st);
        sk_fsync_dir(parent);
    }
    *ret = SK_STEAL(record);
    return 0;
}

/* ---- update, remove ------------------------------------------------------------ */

int storage_container_update(struct storage *st, const char *what, json_t *changes,
                             struct sk_error *err)
{
    if (!json_is_object(changes))
        return sk_error_set(err, EINVAL, "update container %s: changes must be an object", what);
    const char *new_name = NULL;
    if (json_object_get(changes, "name")) {
        new_name = sk_json_str(changes, "name");
        if (!new_name)
            return sk_error_set(err, EINVAL, "update container %s: name must be a string", what);
        if (name_check_syntax(new_name, err) < 0)
            return -1;
    }
    /* A rename changes names/, which belongs to the store lock (taken first,
     * as remove does). */
    struct sk_lock store_lock _cleanup_lock_ = SK_LOCK_INIT;
    if (new_name && storage_lock(st, &store_lock, err) < 0)
        return -1;
    char id[ID_HEX_LEN + 1];
    if (container_find(st, what, id, NULL, err) < 0)
        return -1;
    struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
    if (container_lock(st, id, &lock, err) < 0)
        return -1;
    _cleanup_json_ json_t *rec = NULL;
    struct sk_error rerr = {0};
    if (record_read(st, id, &rec, &rerr) < 0) {
        if (rerr.code == ENOENT) /* removed while we waited for the lock */
            return not_found(err, what);
        if (err)
            *err = rerr;
        return sk_error_prefix(err, "update container %s", id);
    }
    json_t *new_id = json_object_get(changes, "id");
    if (new_id && !json_equal(new_id, json_object_get(rec, "id")))
        return sk_error_set(err, EINVAL, "update container %s: the ID cannot change", id);
    _cleanup_free_ char *old_name = sk_strdup(rec_str(rec, "name"));
    bool renamed = new_name && strcmp(new_name, old_name) != 0;
    /* The new link first, the old one last: killed in between, the record
     * tells which of the two is the container's name. */
    if (renamed && name_claim(st, new_name, id, err) < 0)
        return -1;
    json_object_update(rec, changes);
    _cleanup_free_ char *dir = storage_container_dir(st, id);
    if (record_write(dir, rec, err) < 0) {
        if (renamed)
            name_release(st, new_name, id);
        return sk_error_prefix(err, "update container %s", id);
    }
    if (renamed)
        name_release(st, old_name, id);
    return 0;
}

int storage_container_remove(struct storage *st, const char *what, bool force,
                             struct sk_error *err)
{
    _cleanup_free_ char *trash = NULL;
    {
        struct sk_lock lock _cleanup_lock_ = SK_LOCK_INIT;
        if (storage_lock(st, &lock, err) < 0)
            return -1;
        char id[ID_HEX_LEN + 1];
        if (container_find(st, what, id, NULL, err) < 0)
            return -1;
        /* No update is under way once we hold this, and none starts after. */
        struct sk_lock clock _cleanup_lock_ = SK_LOCK_INIT;
        if (container_lock(st, id, &clock, err) < 0)
            return sk_error_prefix(err, "remove container %s", id);
        /* For its name; a damaged record does not stop the removal. */
        _cleanup_json_ json_t *rec = NULL;
        record_read(st, id, &rec, NULL);
        struct sk_lock mlock _cleanup_lock_ = SK_LOCK_INIT;
        if (storage_container_unmount_for_remove(st, id, force, &mlock, err) < 0)
            return sk_error_prefix(err, "remove container %s", id);
        _cleanup_free_ char *dir = storage_container_dir(st, id);
        if (storage_tmp_path(st, "removed", &trash, err) < 0)
            return sk_error_prefix(err, "remove container %s", id);
        if (rename(dir, trash) < 0)
            return sk_error_errno(err, errno, "remove container %s: rename %s", id, dir);
        /* Killed before this, the link is left pointing at nothing. */
        name_release(st, rec_str(rec, "name"), id);
        storage_container_forget_mounts(st, id);
    }
    if (sk_rm_rf(trash, err) < 0) /* the slow part, outside the lock */
        return sk_error_prefix(err, "remove container directory");
    return 0;
}

