/* Unit tests for common/proc.c: closing inherited fds before exec. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/proc.h"

#define NFDS 40

/* In a child: open NFDS fds, keep some (unsorted, duplicated, with 0-2 and
 * one that is not open), close the rest; exit 0 when exactly the kept ones
 * (and 0-2) are open. With enosys, close_range(2) fails with ENOSYS first,
 * as on kernels before 5.9. */
static int child(bool enosys)
{
    int fds[NFDS];
    for (int i = 0; i < NFDS; i++)
        if ((fds[i] = open("/dev/null", O_RDONLY)) < 0)
            return 10;
    int keep[] = {fds[30], fds[3], 1, fds[30], fds[7], 9999, fds[8], 0};
    if (enosys) {
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(close_range), 0) < 0 ||
            seccomp_load(ctx) < 0)
            return 11;
        if (syscall(SYS_close_range, 1000, 1000, 0) == 0 || errno != ENOSYS)
            return 12;
    }
    sk_close_fds_except(keep, sizeof(keep) / sizeof(keep[0]));
    for (int fd = 0; fd < fds[NFDS - 1] + 5; fd++) {
        bool want = fd <= 2 || fd == fds[30] || fd == fds[3] || fd == fds[7] || fd == fds[8];
        bool open_now = fcntl(fd, F_GETFD) >= 0;
        if (want != open_now)
            return 20 + (fd % 100);
    }
    return 0;
}

static void run_child(bool enosys)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child(enosys));
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_close_fds_except(void **state)
{
    (void)state;
    run_child(false);
}

static void test_close_fds_except_without_close_range(void **state)
{
    (void)state;
    run_child(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_close_fds_except),
        cmocka_unit_test(test_close_fds_except_without_close_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
