/* Processes: identity across pid reuse (pid + start time), waiting for a
 * process that is not our child, fd hygiene before exec. */
#ifndef SKIFF_COMMON_PROC_H
#define SKIFF_COMMON_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Field 22 of /proc/PID/stat (clock ticks after boot); 0 if the process is gone. */
unsigned long long sk_pid_start_time(pid_t pid);
/* Alive (not a zombie) and, unless start_time is 0, the same process. */
bool sk_pid_alive(pid_t pid, unsigned long long start_time);
/* Wait up to timeout_ms (-1: forever) for the process to be gone: 0, or -1 on timeout. */
int sk_pid_wait_gone(pid_t pid, unsigned long long start_time, int timeout_ms);
/* Close every fd above stderr but those in keep (at most
 * SK_CLOSE_FDS_KEEP_MAX of them). Safe between fork and exec. */
#define SK_CLOSE_FDS_KEEP_MAX 64
void sk_close_fds_except(const int *keep, size_t n);

#endif
