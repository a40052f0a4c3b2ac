/* Unit tests for storage/unpack.c: tar streams are built in memory with
 * libarchive's writer and unpacked into temporary directories on the root
 * disk. Runs as root (ownership, whiteout devices, trusted.* xattrs). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/util.h"
#include "storage/unpack.h"

#define BASE_TEMPLATE "/var/tmp/skiff-test-unpack-XXXXXX"

/* ---- building tar streams ---- */

struct buf {
    char *data;
    size_t len, cap;
};

static la_ssize_t buf_write(struct archive *a, void *opaque, const void *data, size_t len)
{
    struct buf *b = opaque;
    if (b->len + len > b->cap) {
        b->cap = (b->len + len) * 2;
        b->data = sk_realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return (la_ssize_t)len;
}

struct ent {
    const char *name;
    unsigned type; /* AE_IF*; 0 = regular */
    unsigned mode;
    const char *data;
    size_t size; /* data length when data has NULs or is large; 0 = strlen */
    const char *symlink;
    const char *hardlink;
    int uid, gid;
    long long mtime;
    long mtime_nsec;
    const char *xattr, *xvalue;
    unsigned rmajor, rminor;
};

struct tb {
    struct archive *a;
    struct buf out;
};

static void tb_init(struct tb *t)
{
    memset(t, 0, sizeof(*t));
    t->a = archive_write_new();
    assert_int_equal(archive_write_set_format_pax(t->a), ARCHIVE_OK);
    assert_int_equal(archive_write_open(t->a, &t->out, NULL, buf_write, NULL), ARCHIVE_OK);
}

static void tb_add(struct tb *t, struct ent e)
{
    struct archive_entry *ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.name);
    size_t size = e.data ? (e.size ? e.size : strlen(e.data)) : 0;
    if (e.hardlink) {
        archive_entry_set_hardlink(ae, e.hardlink);
        size = 0;
    }
    archive_entry_set_filetype(ae, e.type ? e.type : AE_IFREG);
    archive_entry_set_perm(ae, e.mode ? e.mode : 0644);
    archive_entry_set_uid(ae, e.uid);
    archive_entry_set_gid(ae, e.gid);
    archive_entry_set_mtime(ae, e.mtime ? e.mtime : 1600000000, e.mtime_nsec);
    if (e.symlink)
        archive_entry_set_symlink(ae, e.symlink);
    if (e.xattr)
        archive_entry_xattr_add_entry(ae, e.xattr, e.xvalue, strlen(e.xvalue));
    if (e.type == AE_IFCHR || e.type == AE_IFBLK) {
        archive_entry_set_rdevmajor(ae, e.rmajor);
        archive_entry_set_rdevminor(ae, e.rminor);
    }
    archive_entry_set_size(ae, (la_int64_t)size);
    assert_true(archive_write_header(t->a, ae) >= ARCHIVE_WARN);
    if (size)
        assert_int_equal(archive_write_data(t->a, e.data, size), (la_ssize_t)size);
    archive_entry_free(ae);
}

/* Finish the tar; returns the uncompressed bytes (caller frees). */
static struct buf tb_finish(struct tb *t)
{
    assert_int_equal(archive_write_close(t->a), ARCHIVE_OK);
    archive_write_free(t->a);
    return t->out;
}

/* Compress bytes with a libarchive filter ("gzip", "zstd") via the raw format. */
static struct buf compress(const struct buf *in, const char *filter)
{
    struct buf out = {0};
    struct archive *a = archive_write_new();
    assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
    /* by function, not by name: skiff links libarchive statically and only
     * the gzip and zstd filters (and their libraries) come in */
    int r = strcmp(filter, "gzip") == 0   ? archive_write_add_filter_gzip(a)
            : strcmp(filter, "zstd") == 0 ? archive_write_add_filter_zstd(a)
                                          : ARCHIVE_FATAL;
    assert_int_equal(r, ARCHIVE_OK);
    archive_write_set_bytes_in_last_block(a, 1); /* no zero padding after the frame */
    assert_int_equal(archive_write_open(a, &out, NULL, buf_write, NULL), ARCHIVE_OK);
    struct archive_entry *ae = archive_entry_new();
    archive_entry_set_pathname(ae, "layer");
    archive_entry_set_filetype(ae, AE_IFREG);
    archive_entry_set_size(ae, (la_int64_t)in->len);
    assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
    assert_int_equal(archive_write_data(a, in->data, in->len), (la_ssize_t)in->len);
    archive_entry_free(ae);
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    return out;
}

/* ---- unpacking into temporary directories ---- */

struct fixture {
    char base[sizeof(BASE_TEMPLATE)]; /* holds dest/ and things "outside" the layer */
    char *dest;
    int destfd;
};

static int setup(void **state)
{
    struct fixture *f = sk_calloc(1, sizeof(*f));
    strcpy(f->base, BASE_TEMPLATE);
    if (!mkdtemp(f->base))
        return -1;
    f->dest = sk_asprintf("%s/dest", f->base);
    if (mkdir(f->dest, 0755) < 0)
        return -1;
    f->destfd = open(f->dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    *state = f;
    return f->destfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    close(f->destfd);
    sk_rm_rf(f->base, NULL);
    free(f->dest);
    free(f);
    return 0;
}

static int unpack_buf(struct fixture *f, const struct buf *b, const struct storage_unpack_opts *o,
                      struct storage_unpack_result *res, struct sk_error *err)
{
    _cleanup_close_ int fd = memfd_create("layer", MFD_CLOEXEC);
    assert_true(fd >= 0);
    if (b->len)
        assert_int_equal(write(fd, b->data, b->len), (ssize_t)b->len);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return storage_unpack_layer(fd, f->destfd, o, res, err);
}

static const struct storage_unpack_opts default_opts = {.idmap = {.chown = true}};

static void unpack_ok(struct fixture *f, const struct buf *b, const struct storage_unpack_opts *o,
                      struct storage_unpack_result *res)
{
    struct sk_error err = {0};
    int r = unpack_buf(f, b, o ? o : &default_opts, res, &err);
    if (r < 0)
        fail_msg("unpack failed: %s", err.msg);
}

static struct stat lstat_in(struct fixture *f, const char *rel)
{
    struct stat st;
    if (fstatat(f->destfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
        fail_msg("lstat %s: %s", rel, strerror(errno));
    return st;
}

static bool exists_in(struct fixture *f, const char *rel)
{
    struct stat st;
    return fstatat(f->destfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static char *read_in(struct fixture *f, const char *rel)
{
    _cleanup_free_ char *path = sk_asprintf("%s/%s", f->dest, rel);
    char *data;
    size_t len;
    struct sk_error err = {0};
    if (sk_read_file(path, &data, &len, &err) < 0)
        fail_msg("%s", err.msg);
    return data;
}

/* ---- a normal tree ---- */

static void test_tree(void **state)
{
    struct fixture *f = *state;
    struct tb t;
    tb_init(&t);
    tb_add(&t, (struct ent){.name = "./", .type = AE_IFDIR, .mode = 0755});
    tb_add(&t, (struct ent){.name = "./bin/", .type = AE_IFDIR, .mode = 0711, .mtime = 1111111111});
    tb_add(&t, (struct ent){.name = "./bin/su", .mode = 04755, .uid = 0, .data = "su binary"});
    tb_add(&t, (struct ent){.name = "./bin/su2", .hardlink = "./bin/su"});
    tb_add(&t,
           (struct ent){
               .name = "bin/sh", .type = AE_IFLNK, .symlink = "/bin/busybox", .mtime = 1222222222});
    tb_add(&t, (struct ent){.name = "bin/rel", .type = AE_IFLNK, .symlink = "../etc/passwd"});
    tb_add(&t, (struct ent){.name = "etc/passwd",
                            .mode = 0640,
                            .uid = 1000,
                            .gid = 2000,
                            .data = "root:x:0:0\n",
                            .mtime = 1234567890,
                            .mtime_nsec = 500000000,
                            .xattr = "user.note",
                            .xvalue = "hello"});
    tb_add(&t, (struct ent){
                   .name = "usr/bin/sudo", .mode = 06755, .uid = 0, .gid = 42, .data = "sudo"});
    tb_add(&t, (struct ent){.name = "tmp/", .type = AE_IFDIR, .mode = 01777});
    tb_add(&t, (struct ent){.name = "run/fifo", .type = AE_IFIFO, .mode = 0620, .uid = 7});
    tb_add(&t, (struct ent){.name = "ro/", .type = AE_IFDIR, .mode = 0555, .mtime = 1333333333});
    tb_add(&t, (struct ent){.name = "ro/file", .mode = 0444, .data = ""});
    tb_add(&t, (struct ent){.name = "caf\xc3\xa9", .data = "utf-8 name"});
    tb_add(&t, (struct ent){.name = "dup", .data = "first"});
    tb_add(&t, (struct ent){.name = "dup", .data = "second"});
    struct buf tar = tb_finish(&t);

    struct storage_unpack_result res = {0};
    unpack_ok(f, &tar, NULL, &res);
    assert_int_equal(res.nentries, 15);
    assert_int_equal(res.size, 9 + 11 + 4 + 10 + 5 + 6);

    struct stat st = lstat_in(f, "bin/su");
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 04755);
    struct stat st2 = lstat_in(f, "bin/su2");
    assert_int_equal(st.st_ino, st2.st_ino);
    assert_int_equal(st.st_nlink, 2);

    st = lstat_in(f, "bin");
    assert_int_equal(st.st_mode & 07777, 0711);
    assert_int_equal(st.st_mtime, 1111111111);

    st = lstat_in(f, "bin/sh");
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(st.st_mtime, 1222222222);
    char target[64] = {0};
    assert_int_equal(readlinkat(f->destfd, "bin/sh", target, sizeof(target) - 1), 12);
    assert_string_equal(target, "/bin/busybox");

    st = lstat_in(f, "etc/passwd");
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(st.st_uid, 1000);
    assert_int_equal(st.st_gid, 2000);
    assert_int_equal(st.st_mtim.tv_sec, 1234567890);
    assert_int_equal(st.st_mtim.tv_nsec, 500000000);
    _cleanup_free_ char *passwd = read_in(f, "etc/passwd");
    assert_string_equal(passwd, "root:x:0:0\n");
    _cleanup_free_ char *path = sk_asprintf("%s/etc/passwd", f->dest);
    char xv[16] = {0};
    assert_int_equal(lgetxattr(path, "user.note", xv, sizeof(xv)), 5);
    assert_string_equal(xv, "hello");

    st = lstat_in(f, "usr/bin/sudo"); /* setuid survives the chown */
    assert_int_equal(st.st_mode & 07777, 06755);
    assert_int_equal(st.st_gid, 42);
    st = lstat_in(f, "usr"); /* implicit parent */
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0755);

    assert_int_equal(lstat_in(f, "tmp").st_mode & 07777, 01777);
    st = lstat_in(f, "run/fifo");
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0620);
    assert_int_equal(st.st_uid, 7);
    st = lstat_in(f, "ro");
    assert_int_equal(st.st_mode & 07777, 0555);
    assert_int_equal(st.st_mtime, 1333333333); /* set after its child was created */
    assert_int_equal(lstat_in(f, "ro/file").st_size, 0);
    _cleanup_free_ char *cafe = read_in(f, "caf\xc3\xa9");
    assert_string_equal(cafe, "utf-8 name");
    _cleanup_free_ char *dup = read_in(f, "dup");
    assert_string_equal(dup, "second");
    free(tar.data);
}

/* A later entry replaces an earlier one without following it. */
static void test_replace_does_not_follow(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *victim = sk_asprintf("%s/victim", f->base);
    assert_int_equal(sk_write_file_atomic(victim, "safe", 4, 0644, NULL), 0);
    struct tb t;
    tb_init(&t);
    tb_add(&t, (struct ent){.name = "x", .type = AE_IFLNK, .symlink = victim});
    tb_add(&t, (struct ent){.name = "x", .data = "pwned"});
    tb_add(&t, (struct ent){.name = "d/", .type = AE_IFDIR});
    tb_add(&t, (struct ent){.name = "d/f", .data = "in d"});
    tb_add(&t, (struct ent){.name = "d", .type = AE_IFLNK, .symlink = "/"});
    tb_add(&t, (struct ent){.name = "e", .data = "file"});
    tb_add(&t, (struct ent){.name = "e/", .type = AE_IFDIR, .mode = 0700});
    struct buf tar = tb_finish(&t);
    struct storage_unpack_result res;
    unpack_ok(f, &tar, NULL, &res);
    _cleanup_free_ char *v = read_in(f, "../victim");
    assert_string_equal(v, "safe");
    _cleanup_free_ char *x = read_in(f, "x");
    assert_string_equal(x, "pwned");
    assert_true(S_ISLNK(lstat_in(f, "d").st_mode));
    assert_true(S_ISDIR(lstat_in(f, "e").st_mode));
    assert_int_equal(lstat_in(f, "e").st_mode & 07777, 0700);
    free(tar.data);
}

/* ---- whiteouts ---- */

static void check_whiteout(struct fixture *f, const char *rel)
{
    struct stat st = lstat_in(f, rel);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(major(st.st_rdev), 0);
    assert_int_equal(minor(st.st_rdev), 0);
}

static void check_opaque(struct fixture *f, const char *rel, const char *xattr)
{
    _cleanup_free_ char *path = sk_asprintf("%s/%s", f->dest, rel);
    char v[4] = {0};
    assert_int_equal(lgetxattr(path, xattr, v, sizeof(v)), 1);
    assert_string_equal(v, "y");
}

static struct buf whiteout_tar(void)
{
    struct tb t;
    tb_init(&t);
    tb_add(&t, (struct ent){.name = "a/", .type = AE_IFDIR});
    tb_add(&t, (struct ent){.name = "a/.wh..wh..opq"});
    tb_add(&t, (struct ent){.name = "a/.wh.gone"});
    tb_add(&t, (struct ent){.name = "b/c/.wh..wh..opq"}); /* b/c does not exist yet */
    tb_add(&t, (struct ent){.name = ".wh..wh.plnk/", .type = AE_IFDIR});
    tb_add(&t, (struct ent){.name = ".wh..wh.plnk/123.456", .data = "aufs"});
    tb_add(&t, (struct ent){.name = "c", .data = "replaced by a whiteout"});
    tb_add(&t, (struct ent){.name = ".wh.c"});
    tb_add(&t, (struct ent){.name = "d/", .type = AE_IFDIR});
    tb_add(&t, (struct ent){.name = "d/x", .data = "x"});
    tb_add(&t, (struct ent){.name = ".wh.d"});
    tb_add(&t, (struct ent){.name = "e/", .type = AE_IFDIR});
    tb_add(&t, (struct ent){.name = "e/.wh..wh..opq",
                            .xattr = "trusted.overlay.redirect",
                            .xvalue = "/etc"});
    tb_add(&t, (struct ent){
                   .name = "f", .data = "x", .xattr = "trusted.overlay.opaque", .xvalue = "y"});
    return tb_finish(&t);
}

static void test_whiteouts(void **state)
{
    struct fixture *f = *state;
    struct buf tar = whiteout_tar();
    struct storage_unpack_result res;
    unpack_ok(f, &tar, NULL, &res);
    check_opaque(f, "a", "trusted.overlay.opaque");
    check_opaque(f, "b/c", "trusted.overlay.opaque");
    check_opaque(f, "e", "trusted.overlay.opaque");
    check_whiteout(f, "a/gone");
    check_whiteout(f, "c");
    check_whiteout(f, "d");
    assert_false(exists_in(f, "a/.wh..wh..opq"));
    assert_false(exists_in(f, "a/.wh.gone"));
    assert_false(exists_in(f, ".wh..wh.plnk"));
    /* overlay metadata from the image itself is dropped */
    _cleanup_free_ char *fpath = sk_asprintf("%s/f", f->dest);
    assert_true(lgetxattr(fpath, "trusted.overlay.opaque", NULL, 0) < 0);
    free(tar.data);
}

static void test_whiteouts_userxattr(void **state)
{
    struct fixture *f = *state;
    struct buf tar = whiteout_tar();
    struct storage_unpack_opts o = {.userxattr = true};
    struct storage_unpack_result res;
    unpack_ok(f, &tar, &o, &res);
    check_opaque(f, "a", "user.overlay.opaque");
    check_opaque(f, "b/c", "user.overlay.opaque");
    _cleanup_free_ char *a = sk_asprintf("%s/a", f->dest);
    assert_true(lgetxattr(a, "trusted.overlay.opaque", NULL, 0) < 0);
    check_whiteout(f, "a/gone");
    free(tar.data);
}

/* ---- diff_id ---- */

static struct buf sample_tar(size_t big)
{
    struct tb t;
    tb_init(&t);
    tb_add(&t, (struct ent){.name = "hello", .data = "hello world\n"});
    _cleanup_free_ char *data = sk_malloc(big);
    for (size_t i = 0; i < big; i++)
        data[i] = (char)(i * 7 + i / 4096);
    tb_add(&t, (struct ent){.name = "big/blob", .data = data, .size = big, .mode = 0600});
    tb_add(&t, (struct ent){.name = "empty", .data = ""});
    return tb_finish(&t);
}

static void check_diff_id(struct fixture *f, const char *filter, enum sk_digest_algo algo)
{
    size_t big = 3 * 1024 * 1024 + 17; /* streamed by the main thread */
    struct buf tar = sample_tar(big);
    struct buf blob = filter ? compress(&tar, filter) : tar;
    char want[SK_DIGEST_MAX];
    sk_digest_buffer(algo, tar.data, tar.len, want);
    struct storage_unpack_opts o = {.diff_algo = algo};
    struct storage_unpack_result res = {0};
    unpack_ok(f, &blob, &o, &res);
    assert_string_equal(res.diff_id, want);
    assert_int_equal(res.nentries, 3);
    assert_int_equal(res.size, 12 + (int64_t)big);
    struct stat st = lstat_in(f, "big/blob");
    assert_int_equal(st.st_size, (off_t)big);
    assert_int_equal(st.st_mode & 07777, 0600);
    _cleanup_free_ char *data = read_in(f, "big/blob");
    for (size_t i = 0; i < big; i += 4093)
        assert_int_equal(data[i], (char)(i * 7 + i / 4096));
    if (filter)
        free(blob.data);
    free(tar.data);
}

static void test_diff_id_plain(void **state)
{
    check_diff_id(*state, NULL, SK_DIGEST_SHA256);
}
static void test_diff_id_gzip(void **state)
{
    check_diff_id(*state, "gzip", SK_DIGEST_SHA256);
}
static void test_diff_id_zstd(void **state)
{
    check_diff_id(*state, "zstd", SK_DIGEST_SHA256);
}
static void test_diff_id_sha512(void **state)
{
    check_diff_id(*state, "gzip", SK_DIGEST_SHA512);
}

/* Trailing zero blocks beyond the end-of-archive marker are hashed too. */
static void test_diff_id_padding(void **state)
{
    struct fixture *f = *state;
    struct buf tar = sample_tar(10);
    tar.data = sk_realloc(tar.data, tar.len + 10240);
    memset(tar.data + tar.len, 0, 10240);
    tar.len += 10240;
    char want[SK_DIGEST_MAX];
    sk_digest_buffer(SK_DIGEST_SHA256, tar.data, tar.len, want);
    struct storage_unpack_result res = {0};
    unpack_ok(f, &tar, NULL, &res);
    assert_string_equal(res.diff_id, want);
    free(tar.data);
}

/* ---- hostile and broken input ---- */

#define ESCAPE_NAME "skiff-test-unpack-escaped"

/* Remove what an unpack left in dest/ (callers remove partial layers). */
static void clear_dest(struct fixture *f)
{
    _cleanup_closedir_ DIR *d = opendir(f->dest);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            assert_int_equal(sk_rm_rf_at(f->destfd, de->d_name, NULL), 0);
}

/* Nothing may appear beside dest/ (or in /tmp), whatever the layer did;
 * "outside" is a file tests put there as bait. */
static void assert_nothing_outside(struct fixture *f)
{
    _cleanup_closedir_ DIR *d = opendir(f->base);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "dest") &&
            strcmp(de->d_name, "outside"))
            fail_msg("unpack left %s/%s", f->base, de->d_name);
    struct stat st;
    assert_true(lstat("/tmp/" ESCAPE_NAME, &st) < 0);
}

static void expect_failure(struct fixture *f, const struct buf *b,
                           const struct storage_unpack_opts *o, const char *want)
{
    struct sk_error err = {0};
    struct storage_unpack_result res;
    if (unpack_buf(f, b, o ? o : &default_opts, &res, &err) == 0)
        fail_msg("unpack succeeded; expected \"%s\"", want);
    if (getenv("SKIFF_TEST_VERBOSE"))
        print_message("error: %s\n", err.msg);
    if (!strstr(err.msg, want))
        fail_msg("error \"%s\" does not contain \"%s\"", err.msg, want);
    assert_true(err.code != 0);
    assert_nothing_outside(f);
}

static void expect_hostile(struct fixture *f, const struct ent *ents, size_t n)
{
    struct tb t;
    tb_init(&t);
    for (size_t i = 0; i < n; i++)
        tb_add(&t, ents[i]);
    struct buf tar = tb_finish(&t);
    expect_failure(f, &tar, NULL, "hostile tar entry");
    free(tar.data);
    clear_dest(f);
}

#define HOSTILE(f, ...)                                                                            \
    do {                                                                                           \
        const struct ent ents_[] = {__VA_ARGS__};                                                  \
        expect_hostile(f, ents_, SK_ARRAY_SIZE(ents_));                                            \
    } while (0)

static void test_hostile_names(void **state)
{
    struct fixture *f = *state;
    HOSTILE(f, {.name = "../" ESCAPE_NAME, .data = "x"});
    HOSTILE(f, {.name = "/" ESCAPE_NAME, .data = "x"});
    HOSTILE(f, {.name = "/tmp/" ESCAPE_NAME, .data = "x"});
    HOSTILE(f, {.name = "a/../../" ESCAPE_NAME, .data = "x"});
    HOSTILE(f, {.name = "a/..", .type = AE_IFDIR});
    HOSTILE(f, {.name = ".wh...", .data = ""});
    HOSTILE(f, {.name = ".", .type = AE_IFLNK, .symlink = "/"});
}

static void test_hostile_symlink_parents(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *base = sk_strdup(f->base);
    HOSTILE(f, {.name = "sym", .type = AE_IFLNK, .symlink = "/tmp"},
            {.name = "sym/" ESCAPE_NAME, .data = "x"});
    HOSTILE(f, {.name = "sym", .type = AE_IFLNK, .symlink = ".."},
            {.name = "sym/" ESCAPE_NAME, .data = "x"});
    HOSTILE(f, {.name = "sym", .type = AE_IFLNK, .symlink = base},
            {.name = "sym/" ESCAPE_NAME, .type = AE_IFDIR});
    HOSTILE(f, {.name = "sym", .type = AE_IFLNK, .symlink = ".."},
            {.name = "sym/a/b/c", .data = "x"});
    HOSTILE(f, {.name = "d/", .type = AE_IFDIR},
            {.name = "d/sym", .type = AE_IFLNK, .symlink = "../.."},
            {.name = "d/sym/.wh." ESCAPE_NAME});
    HOSTILE(f, {.name = "sym", .type = AE_IFLNK, .symlink = base}, {.name = "sym/.wh..wh..opq"});
    HOSTILE(f, {.name = "sym", .type = AE_IFLNK, .symlink = ".."},
            {.name = "sym/" ESCAPE_NAME, .type = AE_IFLNK, .symlink = "/etc"});
}

static void test_hostile_hardlinks(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *outside = sk_asprintf("%s/outside", f->base);
    assert_int_equal(sk_write_file_atomic(outside, "bait", 4, 0644, NULL), 0);
    HOSTILE(f, {.name = "h", .hardlink = "../outside"});
    HOSTILE(f, {.name = "h", .hardlink = "/etc/passwd"});
    HOSTILE(f, {.name = "h", .hardlink = "missing"});
    HOSTILE(f, {.name = "sym", .type = AE_IFLNK, .symlink = "/etc"},
            {.name = "h", .hardlink = "sym/passwd"});
    HOSTILE(f, {.name = "sym", .type = AE_IFLNK, .symlink = "/etc/passwd"},
            {.name = "h", .hardlink = "sym"});
    HOSTILE(f, {.name = "dir/", .type = AE_IFDIR}, {.name = "h", .hardlink = "dir"});
    HOSTILE(f, {.name = "h", .hardlink = "h"});
    struct stat st;
    assert_int_equal(lstat(outside, &st), 0);
    assert_int_equal(st.st_nlink, 1);
}

static void test_hostile_devices(void **state)
{
    struct fixture *f = *state;
    HOSTILE(f, {.name = "null", .type = AE_IFCHR, .rmajor = 1, .rminor = 3});
    HOSTILE(f, {.name = "sda", .type = AE_IFBLK, .rmajor = 8, .rminor = 0});

    struct tb t;
    tb_init(&t);
    tb_add(&t, (struct ent){
                   .name = "dev/null", .type = AE_IFCHR, .mode = 0666, .rmajor = 1, .rminor = 3});
    struct buf tar = tb_finish(&t);
    struct storage_unpack_opts o = {.allow_devices = true};
    struct storage_unpack_result res;
    unpack_ok(f, &tar, &o, &res);
    struct stat st = lstat_in(f, "dev/null");
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(st.st_rdev, makedev(1, 3));
    assert_int_equal(st.st_mode & 07777, 0666);
    free(tar.data);
}

/* Rootless (a user namespace cannot make device nodes): left out, and what an
 * earlier entry had at that path goes, as containers/storage does. */
static void test_skip_devices(void **state)
{
    struct fixture *f = *state;
    struct tb t;
    tb_init(&t);
    tb_add(&t, (struct ent){.name = "dev/sda", .data = "earlier file"});
    tb_add(&t, (struct ent){.name = "dev/sda", .type = AE_IFBLK, .rmajor = 8, .rminor = 0});
    tb_add(&t, (struct ent){.name = "dev/null", .type = AE_IFCHR, .rmajor = 1, .rminor = 3});
    tb_add(&t, (struct ent){.name = "dev/fifo", .type = AE_IFIFO, .mode = 0600});
    tb_add(&t, (struct ent){.name = "dev/.wh.gone"});
    struct buf tar = tb_finish(&t);
    struct storage_unpack_opts o = {.skip_devices = true};
    struct storage_unpack_result res;
    unpack_ok(f, &tar, &o, &res);
    assert_int_equal(res.nskipped_devices, 2);
    struct stat st;
    assert_true(fstatat(f->destfd, "dev/sda", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
    assert_true(fstatat(f->destfd, "dev/null", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
    assert_true(S_ISFIFO(lstat_in(f, "dev/fifo").st_mode));
    st = lstat_in(f, "dev/gone"); /* whiteouts are not device nodes of the image */
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(st.st_rdev, makedev(0, 0));
    free(tar.data);
}

static void test_broken_streams(void **state)
{
    struct fixture *f = *state;
    struct buf empty = {0};
    expect_failure(f, &empty, NULL, "");

    struct buf text = {.data = "this is not a tar archive, just some text\n"};
    text.len = strlen(text.data);
    expect_failure(f, &text, NULL, "Unrecognized archive format");
    struct buf gz_text = compress(&text, "gzip");
    expect_failure(f, &gz_text, NULL, "Unrecognized archive format");
    struct buf gz_empty = compress(&empty, "gzip");
    expect_failure(f, &gz_empty, NULL, "empty layer");

    struct buf tar = sample_tar(200000);
    struct buf truncated = {.data = tar.data, .len = 512 * 8 + 1000}; /* inside big/blob */
    expect_failure(f, &truncated, NULL, "");
    clear_dest(f);

    /* a broken deflate stream: the first block has the reserved type 3 */
    struct buf gz = compress(&tar, "gzip");
    memset(gz.data + 10, 0xff, 16);
    expect_failure(f, &gz, NULL, "decompress layer");
    clear_dest(f);
    free(gz.data);
    /* Garbage in the middle may still inflate (libarchive does not check the
     * gzip CRC); then the diff_id no longer matches, which the caller checks. */
    gz = compress(&tar, "gzip");
    for (size_t i = gz.len / 3; i < gz.len / 3 + 64; i++)
        gz.data[i] ^= 0x5a;
    char want[SK_DIGEST_MAX];
    sk_digest_buffer(SK_DIGEST_SHA256, tar.data, tar.len, want);
    struct storage_unpack_result res = {0};
    struct sk_error err = {0};
    if (unpack_buf(f, &gz, &default_opts, &res, &err) == 0)
        assert_string_not_equal(res.diff_id, want);
    assert_nothing_outside(f);
    clear_dest(f);
    struct buf gz_cut = compress(&tar, "gzip");
    gz_cut.len /= 2;
    expect_failure(f, &gz_cut, NULL, "");
    free(gz_cut.data);
    free(gz.data);
    free(tar.data);
    free(gz_empty.data);
    free(gz_text.data);
}

/* A failure inside a worker fails the whole unpack, and nothing hangs. */
static void test_worker_error(void **state)
{
    struct fixture *f = *state;
    char xname[300] = "user.";
    memset(xname + 5, 'x', 280); /* longer than XATTR_NAME_MAX: ERANGE */
    struct tb t;
    tb_init(&t);
    for (int i = 0; i < 300; i++) {
        char name[32];
        snprintf(name, sizeof(name), "f%03d", i);
        tb_add(&t,
               (struct ent){
                   .name = name, .data = "data", .xattr = i == 150 ? xname : NULL, .xvalue = "v"});
    }
    struct buf tar = tb_finish(&t);
    expect_failure(f, &tar, NULL, "tar entry \"f150\": set xattr user.xxx");
    free(tar.data);
}

/* ---- many files through the worker pool ---- */

#define MANY_DIRS 20
#define MANY_PER_DIR 100

static struct buf many_tar(void)
{
    struct tb t;
    tb_init(&t);
    for (int d = 0; d < MANY_DIRS; d++) {
        char name[64];
        snprintf(name, sizeof(name), "d%02d/", d);
        tb_add(&t, (struct ent){.name = name, .type = AE_IFDIR, .mode = 0750});
        for (int i = 0; i < MANY_PER_DIR; i++) {
            char data[256];
            int n = snprintf(data, sizeof(data), "file %d in dir %d %*s", i, d, (i * 13) % 200, "");
            snprintf(name, sizeof(name), "d%02d/f%03d", d, i);
            tb_add(&t, (struct ent){.name = name,
                                    .data = data,
                                    .size = (size_t)n,
                                    .mode = 0600 + (unsigned)(i % 2) * 044,
                                    .uid = i,
                                    .mtime = 1500000000 + i});
        }
    }
    return tb_finish(&t);
}

static double unpack_many(struct fixture *f, const struct buf *tar, int nworkers)
{
    struct storage_unpack_opts o = {.idmap = {.chown = true}, .nworkers = nworkers};
    struct storage_unpack_result res = {0};
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    unpack_ok(f, tar, &o, &res);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_int_equal(res.nentries, MANY_DIRS * (MANY_PER_DIR + 1));
    for (int d = 0; d < MANY_DIRS; d++) {
        for (int i = 0; i < MANY_PER_DIR; i++) {
            char name[64], want[256];
            snprintf(name, sizeof(name), "d%02d/f%03d", d, i);
            snprintf(want, sizeof(want), "file %d in dir %d %*s", i, d, (i * 13) % 200, "");
            _cleanup_free_ char *got = read_in(f, name);
            assert_string_equal(got, want);
            struct stat st = lstat_in(f, name);
            assert_int_equal(st.st_mode & 07777, 0600 + (i % 2) * 044);
            assert_int_equal(st.st_uid, i);
            assert_int_equal(st.st_mtime, 1500000000 + i);
        }
    }
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

static void test_many_files(void **state)
{
    struct fixture *f = *state;
    struct buf tar = many_tar();
    double t1 = unpack_many(f, &tar, 1);
    /* a second, fresh directory: deleting the first tree would slow this one */
    struct fixture f4 = {.dest = sk_asprintf("%s/dest4", f->base)};
    assert_int_equal(mkdir(f4.dest, 0755), 0);
    f4.destfd = open(f4.dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(f4.destfd >= 0);
    double t4 = unpack_many(&f4, &tar, 4);
    print_message("unpack %d files: %.1f ms with 1 worker, %.1f ms with 4 workers\n",
                  MANY_DIRS * MANY_PER_DIR, t1 * 1e3, t4 * 1e3);
    close(f4.destfd);
    free(f4.dest);
    free(tar.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_does_not_follow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whiteouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whiteouts_userxattr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diff_id_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diff_id_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diff_id_zstd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diff_id_sha512, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diff_id_padding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_symlink_parents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_hardlinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_devices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_devices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_streams, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
