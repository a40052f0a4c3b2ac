/* OCI hooks: each runs with the container's state document on stdin, with
 * exactly the args and env the config gives, and is killed when its timeout
 * passes. Where a hook runs (runtime or container namespace) is the caller's
 * business: create.c, init.c and container.c call this at the spec's
 * moments. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all_ignoring_epipe(int fd, const char *s)
{
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGPIPE, &ign, &old);
    sk_write_all(fd, s, strlen(s));
    sigaction(SIGPIPE, &old, NULL);
}

static int run_one(const struct rt_hook *h, const char *kind, const char *state_json,
                   struct sk_error *err)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return sk_error_errno(err, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return sk_error_errno(err, errno, "fork");
    }
    if (pid == 0) {
        if (dup2(pfd[0], 0) < 0)
            _exit(127);
        sk_close_fds_except(NULL, 0);
        const char *argv0[] = {h->path, NULL};
        const char *envp0[] = {NULL};
        execve(h->path, (char *const *)(h->args && h->args[0] ? h->args : argv0),
               (char *const *)(h->env ? h->env : envp0));
        _exit(127);
    }
    close(pfd[0]);
    write_all_ignoring_epipe(pfd[1], state_json);
    close(pfd[1]);
    int status = 0;
    if (h->timeout > 0) {
        long long deadline = now_ms() + (long long)h->timeout * 1000;
        for (;;) {
            pid_t r = rt_waitpid(pid, &status, WNOHANG);
            if (r == pid)
                break;
            if (r < 0)
                return sk_error_errno(err, errno, "wait for %s hook %s", kind, h->path);
            if (now_ms() >= deadline) {
                kill(pid, SIGKILL);
                rt_waitpid(pid, &status, 0);
                return sk_error_set(err, ETIMEDOUT, "%s hook %s timed out after %d seconds", kind,
                                    h->path, h->timeout);
            }
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    } else if (rt_waitpid(pid, &status, 0) < 0) {
        return sk_error_errno(err, errno, "wait for %s hook %s", kind, h->path);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return sk_error_set(err, ENOEXEC, "%s hook %s: could not be executed (exit status 127)",
                            kind, h->path);
    if (WIFEXITED(status))
        return sk_error_set(err, EIO, "%s hook %s: exit status %d", kind, h->path,
                            WEXITSTATUS(status));
    return sk_error_set(err, EIO, "%s hook %s: killed by signal %d", kind, h->path,
                        WTERMSIG(status));
}

int rt_hooks_run(const struct rt_hooks *h, enum rt_hook_kind kind, const char *state_json,
                 struct sk_error *err)
{
    for (size_t i = 0; i < h->n; i++)
        if (run_one(&h->list[i], rt_hook_names[kind], state_json, err) < 0)
            return -1;
    return 0;
}
