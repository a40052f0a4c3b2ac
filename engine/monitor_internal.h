/* Shared by the monitor's two files: monitor.c (starting: S, M0, M's set-up,
 * W, the exit) and monitor_io.c (M's steady state: relaying and logging). */
#ifndef SKIFF_ENGINE_MONITOR_INTERNAL_H
#define SKIFF_ENGINE_MONITOR_INTERNAL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "engine/monitor.h"

#define MON_MAX_CLIENTS 16
#define MON_EARLY_EXITS 16

struct mon_client {
    int fd;
    bool owner; /* run / start -a: its stdin EOF closes the container's stdin */
};

struct mon {
    struct engine *e;
    char id[65];
    bool tty, interactive, autoremove;
    int report_fd;      /* to S; -1 once the report is done */
    int dir_fd;         /* <runroot>/monitor/<id> */
    int log_fd;
    long tz_offset;     /* seconds east of UTC, for the log's timestamps */
    int out_fd, err_fd; /* the container's stdout/stderr (out_fd: the pty master with -t) */
    int in_fd;          /* the container's stdin (a pipe, or the master), or -1 */
    size_t in_len;      /* input not yet written to in_fd */
    char in_buf[ATTACH_MSG_MAX];
    int listen_fd, console_fd, worker_fd, sig_fd;
    pid_t worker, pid;
    bool exited;
    int wait_status;
    struct mon_client clients[MON_MAX_CLIENTS];
    size_t nclients;
    struct {
        pid_t pid;
        int status;
    } early[MON_EARLY_EXITS]; /* children reaped before W told us the init's pid */
    size_t nearly;
};

/* ---- monitor_io.c: the steady state, on direct system calls --------------- */

/* Before the steady state: local time zone for the log, heap and code pages
 * given back (see monitor_io.c). */
void mon_settle_in(struct mon *m);
void mon_close(int *fd);
int mon_poll(struct pollfd *p, size_t n, int timeout_ms); /* -errno on failure */
long long mon_now_ms(void);                               /* CLOCK_MONOTONIC */
/* Relay what the stream has to the log and the clients; false at its end. */
bool mon_pump_output(struct mon *m, int fd, bool is_err);
void mon_broadcast(struct mon *m, char type, const void *data, size_t n);
void mon_client_add(struct mon *m, int fd, bool owner);
void mon_accept(struct mon *m);
void mon_client_input(struct mon *m, size_t i);
void mon_stdin_flush(struct mon *m);
/* Reap children; the init's status lands in m->exited / m->wait_status. */
void mon_reap(struct mon *m);

#endif
