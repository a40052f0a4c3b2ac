/* CVE-2019-5736: a container process that reaches the runtime's binary
 * through /proc/PID/exe (of a runtime process joining the container) could
 * overwrite it. skiff never lets it: before creating or entering a
 * container it re-executes itself from a sealed memfd copy, so what
 * /proc/PID/exe shows is a private, unwritable, in-memory file. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
/* Set across the re-exec so that a copy that somehow is not sealed fails
 * instead of re-executing forever. */
#define REEXEC_ENV "_SKIFF_SEALED_REEXEC"

extern char **environ;

static bool running_sealed(void)
{
    _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    int seals = fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & SEALS) == SEALS;
}

/* argv as the kernel saw it. */
static char **read_cmdline(void)
{
    _cleanup_close_ int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, len = 0;
    _cleanup_free_ char *buf = sk_malloc(cap);
    for (;;) {
        if (len == cap)
            buf = sk_realloc(buf, cap *= 2);
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    char **argv = NULL;
    for (size_t i = 0; i < len;) {
        size_t n = strnlen(buf + i, len - i);
        char *arg = sk_strndup(buf + i, n);
        sk_strv_push(&argv, arg);
        free(arg);
        i += n + 1;
    }
    return argv;
}

int runtime_exec_sealed(char *const argv[], struct sk_error *err)
{
    if (getenv(REEXEC_ENV) && !running_sealed())
        return sk_error_set(err, EPERM, "re-executed from a memfd, but it is not sealed");
    _cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (exe < 0)
        return sk_error_errno(err, errno, "open /proc/self/exe");
    struct stat st;
    if (fstat(exe, &st) < 0)
        return sk_error_errno(err, errno, "stat /proc/self/exe");
    _cleanup_close_ int mfd = memfd_create("skiff", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0)
        return sk_error_errno(err, errno, "memfd_create");
    for (off_t done = 0; done < st.st_size;) {
        ssize_t n = sendfile(mfd, exe, NULL, (size_t)(st.st_size - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return sk_error_errno(err, n < 0 ? errno : EIO, "copy skiff's binary to a memfd");
        done += n;
    }
    if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
        return sk_error_errno(err, errno, "seal the memfd");
    setenv(REEXEC_ENV, "1", 1);
    fexecve(mfd, argv, environ);
    int e = errno;
    unsetenv(REEXEC_ENV);
    return sk_error_errno(err, e, "re-execute from a sealed memfd");
}

int runtime_reexec_sealed(struct sk_error *err)
{
    if (running_sealed()) {
        unsetenv(REEXEC_ENV);
        return 0;
    }
    if (getenv(REEXEC_ENV))
        return sk_error_set(err, EPERM, "re-executed from a memfd, but it is not sealed");
    _cleanup_strv_ char **argv = read_cmdline();
    if (!argv)
        return sk_error_set(err, EIO, "read /proc/self/cmdline");
    return runtime_exec_sealed(argv, err);
}
