/* Pull progress: per-layer bars with bytes and speed on a terminal, like
 * podman's; one plain line per blob otherwise; nothing with -q. Engine events
 * arrive from several threads. */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_MAX_LAYERS 256
#define PROGRESS_REDRAW_MS 150
#define PROGRESS_BAR_WIDTH 30

struct bar {
    char digest[80];
    int64_t done, total;
    bool finished, skipped, used;
};

struct cmd_progress {
    struct engine_events ev, quiet_ev;
    char **warnings; /* printed once the bars are done */
    bool quiet, tty, said_signatures;
    pthread_mutex_t mu;
    struct bar bars[PROGRESS_MAX_LAYERS];
    int nbars, drawn;
    double start, last_draw;
};

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *short_digest(const char *d)
{
    const char *c = strchr(d, ':');
    return c ? c + 1 : d;
}

static void fmt_bytes(double b, char *out, size_t n)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB"};
    int i = 0;
    while (b >= 1024 && i < 3) {
        b /= 1024;
        i++;
    }
    snprintf(out, n, i ? "%.1f%s" : "%.0f%s", b, u[i]);
}

static void draw_locked(struct cmd_progress *p, bool force)
{
    double t = now_sec();
    if (!force && t - p->last_draw < PROGRESS_REDRAW_MS / 1000.0)
        return;
    p->last_draw = t;
    if (p->drawn)
        fprintf(stderr, "\033[%dA", p->drawn);
    double elapsed = t - p->start > 0.001 ? t - p->start : 0.001;
    for (int i = 0; i < p->nbars; i++) {
        struct bar *b = &p->bars[i];
        fprintf(stderr, "\r\033[KCopying blob %.12s ", short_digest(b->digest));
        if (b->skipped) {
            fputs("skipped: already exists\n", stderr);
            continue;
        }
        if (b->finished) {
            fputs("done   |\n", stderr);
            continue;
        }
        int fill = b->total > 0 ? (int)(PROGRESS_BAR_WIDTH * b->done / b->total) : 0;
        char bar[PROGRESS_BAR_WIDTH + 1], done[32], total[32], speed[32];
        for (int k = 0; k < PROGRESS_BAR_WIDTH; k++)
            bar[k] = k < fill ? '=' : k == fill ? '>' : '-';
        bar[PROGRESS_BAR_WIDTH] = '\0';
        fmt_bytes((double)b->done, done, sizeof(done));
        fmt_bytes((double)b->total, total, sizeof(total));
        fmt_bytes((double)b->done / elapsed, speed, sizeof(speed));
        fprintf(stderr, "[%s] %s / %s | %s/s\n", bar, done, total, speed);
    }
    p->drawn = p->nbars;
    fflush(stderr);
}

/* Draw the bars one last time and leave them on screen. */
static void finish_bars_locked(struct cmd_progress *p)
{
    if (p->tty && p->nbars)
        draw_locked(p, true);
    p->nbars = p->drawn = 0;
}

static void ev_trying(void *ctx, const char *name)
{
    struct cmd_progress *p = ctx;
    fprintf(stderr, "Trying to pull %s...\n", name);
    pthread_mutex_lock(&p->mu);
    p->nbars = p->drawn = 0;
    p->said_signatures = false;
    pthread_mutex_unlock(&p->mu);
}

static void ev_blob_start(void *ctx, int index, const char *digest, int64_t size, bool have)
{
    struct cmd_progress *p = ctx;
    if (index < 0 || index >= PROGRESS_MAX_LAYERS)
        return;
    pthread_mutex_lock(&p->mu);
    if (!p->said_signatures)
        fputs("Getting image source signatures\n", stderr);
    p->said_signatures = true;
    struct bar *b = &p->bars[index];
    memset(b, 0, sizeof(*b));
    snprintf(b->digest, sizeof(b->digest), "%s", digest);
    b->total = size;
    b->skipped = have;
    b->used = true;
    if (index + 1 > p->nbars)
        p->nbars = index + 1;
    if (!p->tty && have)
        fprintf(stderr, "Copying blob %s skipped: already exists\n", digest);
    if (p->tty)
        draw_locked(p, true);
    pthread_mutex_unlock(&p->mu);
}

static void ev_blob_progress(void *ctx, int index, int64_t done, int64_t total)
{
    struct cmd_progress *p = ctx;
    if (!p->tty || index < 0 || index >= PROGRESS_MAX_LAYERS)
        return;
    pthread_mutex_lock(&p->mu);
    p->bars[index].done = done;
    p->bars[index].total = total;
    draw_locked(p, false);
    pthread_mutex_unlock(&p->mu);
}

static void ev_blob_done(void *ctx, int index)
{
    struct cmd_progress *p = ctx;
    if (index < 0 || index >= PROGRESS_MAX_LAYERS)
        return;
    pthread_mutex_lock(&p->mu);
    struct bar *b = &p->bars[index];
    if (!b->skipped) {
        b->finished = true;
        b->done = b->total;
        if (!p->tty)
            fprintf(stderr, "Copying blob %s done\n", b->digest);
    }
    if (p->tty)
        draw_locked(p, true);
    pthread_mutex_unlock(&p->mu);
}

static void ev_config(void *ctx, const char *digest)
{
    struct cmd_progress *p = ctx;
    pthread_mutex_lock(&p->mu);
    if (!p->said_signatures)
        fputs("Getting image source signatures\n", stderr);
    p->said_signatures = true;
    finish_bars_locked(p);
    if (p->tty)
        fprintf(stderr, "Copying config %.12s done   |\n", short_digest(digest));
    else
        fprintf(stderr, "Copying config %s done\n", digest);
    pthread_mutex_unlock(&p->mu);
}

static void ev_warning(void *ctx, const char *msg)
{
    struct cmd_progress *p = ctx;
    pthread_mutex_lock(&p->mu);
    sk_strv_push(&p->warnings, msg);
    pthread_mutex_unlock(&p->mu);
}

static void flush_warnings_locked(struct cmd_progress *p)
{
    for (size_t i = 0; p->warnings && p->warnings[i]; i++)
        cmd_warn(p->warnings[i]);
    sk_strv_free(p->warnings);
    p->warnings = NULL;
}

static void ev_writing(void *ctx)
{
    struct cmd_progress *p = ctx;
    pthread_mutex_lock(&p->mu);
    finish_bars_locked(p);
    fputs("Writing manifest to image destination\n", stderr);
    flush_warnings_locked(p);
    pthread_mutex_unlock(&p->mu);
}

struct cmd_progress *cmd_progress_new(bool quiet)
{
    struct cmd_progress *p = sk_calloc(1, sizeof(*p));
    p->quiet = quiet;
    p->tty = isatty(STDERR_FILENO);
    p->start = now_sec();
    pthread_mutex_init(&p->mu, NULL);
    p->ev = (struct engine_events){
        .ctx = p,
        .trying = ev_trying,
        .blob_start = ev_blob_start,
        .blob_progress = ev_blob_progress,
        .blob_done = ev_blob_done,
        .config = ev_config,
        .writing_manifest = ev_writing,
        .warning = ev_warning,
    };
    p->quiet_ev = (struct engine_events){.ctx = p, .warning = ev_warning};
    return p;
}

const struct engine_events *cmd_progress_events(struct cmd_progress *p)
{
    return p->quiet ? &p->quiet_ev : &p->ev;
}

void cmd_progress_free(struct cmd_progress *p)
{
    if (!p)
        return;
    flush_warnings_locked(p);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
