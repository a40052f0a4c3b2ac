/* Container logs: the k8s-file log the monitor writes, read back for
 * `skiff logs`.
 *
 * <userdata>/ctr.log holds one record per line, as podman's conmon writes it:
 *   <time> <stream> <tag> <content>\n
 * time: RFC 3339 with nanoseconds and zone; stream: stdout | stderr; tag: F
 * (content is a whole line, its newline dropped) or P (a partial chunk: the
 * line goes on in the next record of that stream). Records of the two
 * streams interleave; lines are reassembled per stream and handed out whole
 * (a line still open when the reader stops, or while following has nothing
 * new, goes out as far as it got).
 *
 * The reader never trusts the file: a line that is not a record (bad time,
 * stream or tag) is skipped, a truncated last line is read as far as it
 * goes, and a record line longer than ENGINE_LOG_RECORD_MAX is dropped. */
#ifndef SKIFF_ENGINE_LOGS_H
#define SKIFF_ENGINE_LOGS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/timeutil.h"
#include "engine/engine.h"

#define ENGINE_LOG_FILE "ctr.log"
/* Longest record line kept; conmon-style writers split far below this. */
#define ENGINE_LOG_RECORD_MAX (4 * 1024 * 1024)
/* A line is handed out whole, or in pieces of this size when longer. */
#define ENGINE_LOG_LINE_MAX (1024 * 1024)

/* <userdata>/ctr.log of container id. */
char *engine_container_log_path(struct engine *e, const char *id);

enum engine_log_stream { ENGINE_LOG_STDOUT = 1, ENGINE_LOG_STDERR = 2 };

/* A line, or a piece of one, as the reader hands it out. Prefixes (name,
 * time) go before a line's first piece, a newline after its last. */
struct engine_log_chunk {
    const char *id, *name;      /* the container's */
    enum engine_log_stream stream;
    const char *data;
    size_t len;
    bool line_start;            /* the line's first chunk */
    bool line_end;              /* the line ends after this chunk */
    struct sk_time time;        /* the line's time (of its first record) */
};

typedef void (*engine_log_fn)(void *ctx, const struct engine_log_chunk *c);

struct engine_logs_opts {
    bool follow;          /* until the container no longer runs */
    long long tail;       /* only the last N lines; < 0: all */
    bool has_since, has_until;
    long long since_ns;   /* lines after this time */
    long long until_ns;   /* lines not after this time */
    engine_log_fn fn;
    void *ctx;
};

/* The logs of the containers whats[0..n): every container is looked up first
 * (an unknown one fails before any output). Without follow, one container
 * after the other; with it, interleaved as written, until none runs. A
 * container that never ran has no log: nothing to show. */
int engine_containers_logs(struct engine *e, char *const *whats, size_t n,
                           const struct engine_logs_opts *o, struct sk_error *err);

/* ---- the record parser, for tests ------------------------------------------ */

struct engine_log_reader;
/* A reader handing chunks to o->fn, skipping the first skip_lines lines
 * (--tail is "count, then skip"); counting: hand out nothing, count lines. */
struct engine_log_reader *engine_log_reader_new(const struct engine_logs_opts *o,
                                                long long skip_lines, bool counting);
/* Feed bytes of the file as they come; whole record lines are handled now,
 * a trailing piece waits for more. */
void engine_log_reader_feed(struct engine_log_reader *r, const char *buf, size_t len);
/* Hand out the open lines as far as they got (following, when nothing new
 * comes: a prompt without a newline shows). */
void engine_log_reader_flush(struct engine_log_reader *r);
/* No more bytes: handle a truncated last record line too, and flush. */
void engine_log_reader_finish(struct engine_log_reader *r);
/* Lines begun so far. */
long long engine_log_reader_lines(const struct engine_log_reader *r);
void engine_log_reader_set_container(struct engine_log_reader *r, const char *id,
                                     const char *name);
void engine_log_reader_free(struct engine_log_reader *r);

#endif
