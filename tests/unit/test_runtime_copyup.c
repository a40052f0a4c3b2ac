/* Unit tests for runtime/copyup.c (tmpcopyup): a tree copied between two
 * plain directories (the runtime copies into a tmpfs it just mounted; the
 * copy itself needs no mount): content, owners, modes, times, symlinks
 * never followed, holes, extended attributes, and trees too deep. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"
#include "runtime/internal.h"

struct fixture {
    char base[64];
    char *src, *dst;
};

static int setup(void **state)
{
    struct fixture *f = sk_calloc(1, sizeof(*f));
    /* A tmpfs when there is one at hand: it is what the runtime copies into. */
    snprintf(f->base, sizeof(f->base), "%s/skiff-copyup-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(f->base))
        return -1;
    f->src = sk_asprintf("%s/src", f->base);
    f->dst = sk_asprintf("%s/dst", f->base);
    if (mkdir(f->src, 0) < 0 || mkdir(f->dst, 0) < 0 || chmod(f->src, 0750) < 0 ||
        chmod(f->dst, 01777) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sk_rm_rf(f->base, NULL);
    free(f->src);
    free(f->dst);
    free(f);
    return 0;
}

static void put(const char *dir, const char *name, const char *data, mode_t mode)
{
    _cleanup_free_ char *path = sk_asprintf("%s/%s", dir, name);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    assert_int_equal(sk_write_all(fd, data, strlen(data)), 0);
    assert_int_equal(fchmod(fd, mode), 0);
}

static struct stat lstat_at(const char *dir, const char *name)
{
    _cleanup_free_ char *path = sk_asprintf("%s/%s", dir, name);
    struct stat st;
    if (lstat(path, &st) < 0)
        fail_msg("%s: %s", path, strerror(errno));
    return st;
}

static char *read_at(const char *dir, const char *name)
{
    _cleanup_free_ char *path = sk_asprintf("%s/%s", dir, name);
    char *data = NULL;
    assert_int_equal(sk_read_file(path, &data, NULL, NULL), 0);
    return data;
}

static int copy(struct fixture *f, bool root_attrs, struct sk_error *err)
{
    _cleanup_close_ int src = open(f->src, O_PATH | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int dst = open(f->dst, O_PATH | O_DIRECTORY | O_CLOEXEC);
    assert_true(src >= 0 && dst >= 0);
    return rt_copyup(src, dst, "/run", root_attrs, err);
}

static void test_tree(void **state)
{
    struct fixture *f = *state;
    put(f->src, "file", "hello\n", 0640);
    put(f->src, "suid", "#!/bin/sh\n", 04755);
    _cleanup_free_ char *file = sk_asprintf("%s/file", f->src);
    assert_int_equal(chown(file, 1000, 1001), 0);
    struct timespec old[2] = {{978307200, 0}, {978307200, 123456789}}; /* 2001-01-01 */
    assert_int_equal(utimensat(AT_FDCWD, file, old, 0), 0);
    _cleanup_free_ char *sub = sk_asprintf("%s/a/b", f->src);
    assert_int_equal(sk_mkdir_p(sub, 0700, NULL), 0);
    put(sub, "deep", "deep\n", 0600);
    /* Symlinks are copied as they are: an absolute one leading out of the
     * rootfs is not followed (its target's content must not appear). */
    _cleanup_free_ char *l1 = sk_asprintf("%s/passwd", f->src);
    assert_int_equal(symlink("/etc/passwd", l1), 0);
    _cleanup_free_ char *l2 = sk_asprintf("%s/loop", f->src);
    assert_int_equal(symlink(".", l2), 0);
    _cleanup_free_ char *fifo = sk_asprintf("%s/fifo", f->src);
    assert_int_equal(mkfifo(fifo, 0), 0);
    assert_int_equal(chmod(fifo, 0620), 0);
    /* A socket's file is left out. */
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", f->src);
    _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_int_equal(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
    /* A sparse file stays sparse. */
    _cleanup_free_ char *sparse = sk_asprintf("%s/sparse", f->src);
    {
        _cleanup_close_ int fd = open(sparse, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, "x", 1, 64 << 20), 1);
    }
    bool xattrs = setxattr(file, "user.skiff", "v1", 2, 0) == 0;

    struct sk_error err = {0};
    if (copy(f, true, &err) < 0)
        fail_msg("%s", err.msg);

    _cleanup_free_ char *data = read_at(f->dst, "file");
    assert_string_equal(data, "hello\n");
    struct stat st = lstat_at(f->dst, "file");
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(st.st_uid, 1000);
    assert_int_equal(st.st_gid, 1001);
    assert_int_equal(st.st_mtim.tv_sec, 978307200);
    assert_int_equal(st.st_mtim.tv_nsec, 123456789);
    assert_int_equal(lstat_at(f->dst, "suid").st_mode & 07777, 04755);
    _cleanup_free_ char *dsub = sk_asprintf("%s/a/b", f->dst);
    _cleanup_free_ char *deep = read_at(dsub, "deep");
    assert_string_equal(deep, "deep\n");
    assert_int_equal(lstat_at(dsub, ".").st_mode & 07777, 0700);
    st = lstat_at(f->dst, "passwd");
    assert_true(S_ISLNK(st.st_mode));
    char target[64] = "";
    _cleanup_free_ char *dl = sk_asprintf("%s/passwd", f->dst);
    assert_int_equal(readlink(dl, target, sizeof(target) - 1), 11);
    assert_string_equal(target, "/etc/passwd");
    assert_true(S_ISLNK(lstat_at(f->dst, "loop").st_mode));
    st = lstat_at(f->dst, "fifo");
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0620);
    _cleanup_free_ char *dsock = sk_asprintf("%s/sock", f->dst);
    assert_int_equal(access(dsock, F_OK), -1);
    st = lstat_at(f->dst, "sparse");
    assert_int_equal(st.st_size, (64 << 20) + 1);
    assert_true(st.st_blocks < 1024); /* not 64 MiB of zeros */
    if (xattrs) {
        char v[8] = "";
        _cleanup_free_ char *dfile = sk_asprintf("%s/file", f->dst);
        ssize_t n = getxattr(dfile, "user.skiff", v, sizeof(v));
        if (n >= 0 || errno != ENOTSUP) /* the copy's filesystem may lack user.* */
            assert_string_equal(v, "v1");
    }
    /* root_attrs: the directory itself. */
    assert_int_equal(lstat_at(f->dst, ".").st_mode & 07777, 0750);
}

static void test_root_attrs_kept_when_asked(void **state)
{
    struct fixture *f = *state;
    put(f->src, "f", "x", 0644);
    struct sk_error err = {0};
    assert_int_equal(copy(f, false, &err), 0);
    assert_int_equal(lstat_at(f->dst, ".").st_mode & 07777, 01777);
    /* The copy goes into an empty directory: a name taken there fails. */
    assert_int_equal(copy(f, false, &err), -1);
    assert_non_null(strstr(err.msg, "tmpcopyup"));
    assert_non_null(strstr(err.msg, "/run/f"));
}

static void test_too_deep(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *p = sk_strdup(f->src);
    for (int i = 0; i < 130; i++) {
        char *q = sk_asprintf("%s/d", p);
        free(p);
        p = q;
        assert_int_equal(mkdir(p, 0755), 0);
    }
    struct sk_error err = {0};
    assert_int_equal(copy(f, true, &err), -1);
    assert_int_equal(err.code, ELOOP);
    assert_non_null(strstr(err.msg, "levels of directories"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_root_attrs_kept_when_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_deep, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
