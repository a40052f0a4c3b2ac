/* Container logs: parse the k8s-file log and follow it (see logs.h).
 *
 * Following: every file is read to its end, then we wait for the kernel to
 * report a change in the containers' userdata directories (inotify; a short
 * sleep without it) and look at each container's state now and then. A
 * container that no longer runs is read to the end one last time. */
#include "engine/logs.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"
#include "engine/container.h"
#include "storage/container.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define READ_CHUNK (64 * 1024)
#define FOLLOW_WAIT_MS 250       /* between state checks while following */

char *engine_container_log_path(struct engine *e, const char *id)
{
    _cleanup_free_ char *userdata = storage_container_userdata(e->st, id);
    return sk_asprintf("%s/" ENGINE_LOG_FILE, userdata);
}

/* ---- parsing ----------------------------------------------------------------- */

struct stream_state {
    bool in_line;    /* a P record left its line open */
    bool selected;   /* the open line passes --tail/--since/--until */
    bool continuing; /* part of the open line was handed out already */
    struct sk_time time;
    char *line; /* the open line's content so far */
    size_t len, cap;
};

struct engine_log_reader {
    const struct engine_logs_opts *o;
    long long skip;  /* lines to skip before showing any */
    long long lines; /* lines begun */
    bool counting;
    const char *id, *name;
    struct stream_state streams[2];
    char *buf; /* an incomplete record line */
    size_t len, cap;
    bool dropping; /* inside a record line too long to keep */
};

struct engine_log_reader *engine_log_reader_new(const struct engine_logs_opts *o,
                                                long long skip_lines, bool counting)
{
    struct engine_log_reader *r = sk_calloc(1, sizeof(*r));
    r->o = o;
    r->skip = skip_lines;
    r->counting = counting;
    return r;
}

void engine_log_reader_set_container(struct engine_log_reader *r, const char *id,
                                     const char *name)
{
    r->id = id;
    r->name = name;
}

long long engine_log_reader_lines(const struct engine_log_reader *r) { return r->lines; }

void engine_log_reader_free(struct engine_log_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    for (size_t i = 0; i < SK_ARRAY_SIZE(r->streams); i++)
        free(r->streams[i].line);
    free(r);
}

/* Hand out what the stream's open line holds; ends: the line is complete. */
static void emit(struct engine_log_reader *r, enum engine_log_stream stream, bool ends)
{
    struct stream_state *st = &r->streams[stream - 1];
    if (!ends && st->len == 0)
        return;
    struct engine_log_chunk c = {
        .id = r->id,
        .name = r->name,
        .stream = stream,
        .data = st->line ? st->line : "",
        .len = st->len,
        .line_start = !st->continuing,
        .line_end = ends,
        .time = st->time,
    };
    r->o->fn(r->o->ctx, &c);
    st->len = 0;
    st->continuing = !ends;
}

static void append(struct stream_state *st, const char *data, size_t len)
{
    if (len == 0)
        return;
    if (st->len + len > st->cap) {
        st->cap = (st->len + len) * 2;
        st->line = sk_realloc(st->line, st->cap);
    }
    memcpy(st->line + st->len, data, len);
    st->len += len;
}

/* The next space-separated field of [*p, end); false when there is none. */
static bool next_field(const char **p, const char *end, const char **ret, size_t *ret_len)
{
    const char *s = *p, *sp = memchr(s, ' ', (size_t)(end - s));
    if (!sp)
        return false;
    *ret = s;
    *ret_len = (size_t)(sp - s);
    *p = sp + 1;
    return *ret_len > 0;
}

static bool wanted(const struct engine_logs_opts *o, const struct sk_time *t)
{
    if (o->has_since && t->ns <= o->since_ns)
        return false;
    return !(o->has_until && t->ns > o->until_ns);
}

/* One record line without its newline. Not a record: skipped. */
static void handle_record(struct engine_log_reader *r, const char *line, size_t len)
{
    const char *p = line, *end = line + len, *f;
    size_t flen;
    char when[64];
    struct sk_time t;
    if (!next_field(&p, end, &f, &flen) || flen >= sizeof(when))
        return;
    memcpy(when, f, flen);
    when[flen] = '\0';
    if (sk_time_parse_rfc3339(when, &t) < 0)
        return;
    enum engine_log_stream stream;
    if (!next_field(&p, end, &f, &flen))
        return;
    if (flen == 6 && memcmp(f, "stdout", 6) == 0)
        stream = ENGINE_LOG_STDOUT;
    else if (flen == 6 && memcmp(f, "stderr", 6) == 0)
        stream = ENGINE_LOG_STDERR;
    else
        return;
    /* The tag: "F" or "P", optionally followed by ":more-tags"; the content
     * may be empty, with or without the space before it. */
    const char *sp = memchr(p, ' ', (size_t)(end - p));
    const char *tag_end = sp ? sp : end;
    if (tag_end == p || (*p != 'F' && *p != 'P') || (tag_end - p > 1 && p[1] != ':'))
        return;
    bool partial = *p == 'P';
    const char *data = sp ? sp + 1 : end;

    struct stream_state *st = &r->streams[stream - 1];
    if (!st->in_line) {
        r->lines++;
        st->time = t;
        st->selected = r->lines > r->skip && wanted(r->o, &t);
        st->continuing = false;
        st->len = 0;
    }
    st->in_line = partial;
    if (r->counting || !st->selected || !r->o->fn)
        return;
    append(st, data, (size_t)(end - data));
    if (!partial)
        emit(r, stream, true);
    else if (st->len >= ENGINE_LOG_LINE_MAX)
        emit(r, stream, false); /* a huge line goes out in pieces */
}

void engine_log_reader_feed(struct engine_log_reader *r, const char *buf, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(buf, '\n', len);
        size_t n = nl ? (size_t)(nl - buf) : len;
        if (!r->dropping && r->len + n > ENGINE_LOG_RECORD_MAX) {
            r->dropping = true; /* not a record we can hold: skip to its end */
            r->len = 0;
        }
        if (!r->dropping) {
            if (nl && r->len == 0) {
                handle_record(r, buf, n); /* whole in the buffer: no copy */
            } else {
                if (r->len + n + 1 > r->cap) {
                    r->cap = (r->len + n + 1) * 2;
                    r->buf = sk_realloc(r->buf, r->cap);
                }
                memcpy(r->buf + r->len, buf, n);
                r->len += n;
                if (nl) {
                    handle_record(r, r->buf, r->len);
                    r->len = 0;
                }
            }
        }
        if (!nl)
            return;
        r->dropping = false;
        buf += n + 1;
        len -= n + 1;
    }
}

void engine_log_reader_flush(struct engine_log_reader *r)
{
    for (size_t i = 0; i < SK_ARRAY_SIZE(r->streams); i++)
        if (r->streams[i].in_line && r->streams[i].selected && !r->counting && r->o->fn)
            emit(r, (enum engine_log_stream)(i + 1), false);
}

void engine_log_reader_finish(struct engine_log_reader *r)
{
    if (r->len > 0 && !r->dropping)
        handle_record(r, r->buf, r->len);
    r->len = 0;
    r->dropping = false;
    engine_log_reader_flush(r);
}

/* ---- reading and following ------------------------------------------------------ */

struct followed {
    char id[65];
    char *name;
    char *path;
    char *userdata;
    int fd;
    bool done;
    struct engine_log_reader *reader;
};

/* Everything the file has now goes to the reader. */
static void read_available(struct followed *f)
{
    if (f->fd < 0) {
        f->fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (f->fd < 0)
            return; /* not written yet (or never: the container never ran) */
    }
    _cleanup_free_ char *buf = sk_malloc(READ_CHUNK);
    for (;;) {
        ssize_t n = read(f->fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        engine_log_reader_feed(f->reader, buf, (size_t)n);
    }
}

/* Lines in the log now, for --tail. */
static long long count_lines(const char *path, const struct engine_logs_opts *o)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    struct engine_log_reader *r = engine_log_reader_new(o, 0, true);
    _cleanup_free_ char *buf = sk_malloc(READ_CHUNK);
    ssize_t n;
    while ((n = read(fd, buf, READ_CHUNK)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            engine_log_reader_feed(r, buf, (size_t)n);
    engine_log_reader_finish(r);
    long long lines = engine_log_reader_lines(r);
    engine_log_reader_free(r);
    return lines;
}

/* Is there more to come? The monitor records the exit only after it wrote
 * everything the container left in its pipes, so a container that no longer
 * runs has its whole log on disk. */
static bool more_to_come(struct engine *e, struct followed *f)
{
    _cleanup_json_ json_t *rec = NULL;
    if (storage_container_lookup(e->st, f->id, &rec, NULL) < 0)
        return false; /* removed */
    return strcmp(engine_container_live_status(e, rec), "running") == 0;
}

static void followed_clear(struct followed *f)
{
    free(f->name);
    free(f->path);
    free(f->userdata);
    if (f->fd >= 0)
        close(f->fd);
    engine_log_reader_free(f->reader);
}

/* Wait until a log may have grown, or FOLLOW_WAIT_MS; false when nothing
 * was written meanwhile. */
static bool wait_for_writes(int inotify_fd)
{
    if (inotify_fd < 0) {
        usleep(FOLLOW_WAIT_MS * 1000 / 5);
        return true; /* cannot tell */
    }
    struct pollfd p = {.fd = inotify_fd, .events = POLLIN};
    if (poll(&p, 1, FOLLOW_WAIT_MS) <= 0)
        return false;
    char buf[4096];
    while (read(inotify_fd, buf, sizeof(buf)) > 0)
        ; /* which file does not matter: all are read */
    return true;
}

static int follow_all(struct engine *e, struct followed *fs, size_t n)
{
    _cleanup_close_ int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    for (size_t i = 0; ifd >= 0 && i < n; i++)
        inotify_add_watch(ifd, fs[i].userdata, IN_MODIFY | IN_CREATE | IN_MOVED_TO);
    long long last_check = 0;
    for (;;) {
        size_t left = 0;
        long long now = sk_now_ns();
        bool check = now - last_check >= FOLLOW_WAIT_MS * 1000000LL;
        if (check)
            last_check = now;
        for (size_t i = 0; i < n; i++) {
            struct followed *f = &fs[i];
            if (f->done)
                continue;
            /* The state first: what was written before it stopped is read below. */
            bool more = !check || more_to_come(e, f);
            read_available(f);
            if (more) {
                left++;
                continue;
            }
            engine_log_reader_finish(f->reader);
            f->done = true;
        }
        if (!left)
            return 0;
        if (!wait_for_writes(ifd))
            for (size_t i = 0; i < n; i++)
                if (!fs[i].done)
                    engine_log_reader_flush(fs[i].reader);
    }
}

int engine_containers_logs(struct engine *e, char *const *whats, size_t n,
                           const struct engine_logs_opts *o, struct sk_error *err)
{
    struct followed *fs = sk_calloc(n ? n : 1, sizeof(*fs));
    for (size_t i = 0; i < n; i++)
        fs[i].fd = -1;
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        _cleanup_json_ json_t *rec = NULL;
        if (storage_container_lookup(e->st, whats[i], &rec, err) < 0) {
            r = -1;
            break;
        }
        snprintf(fs[i].id, sizeof(fs[i].id), "%s", sk_json_str(rec, "id"));
        fs[i].name = sk_strdup(sk_json_str(rec, "name"));
        fs[i].userdata = storage_container_userdata(e->st, fs[i].id);
        fs[i].path = engine_container_log_path(e, fs[i].id);
    }
    for (size_t i = 0; i < n && r == 0; i++) {
        long long skip = o->tail >= 0 ? count_lines(fs[i].path, o) - o->tail : 0;
        fs[i].reader = engine_log_reader_new(o, skip > 0 ? skip : 0, false);
        engine_log_reader_set_container(fs[i].reader, fs[i].id, fs[i].name);
        if (!o->follow) {
            read_available(&fs[i]);
            engine_log_reader_finish(fs[i].reader);
        }
    }
    if (r == 0 && o->follow)
        r = follow_all(e, fs, n);
    for (size_t i = 0; i < n; i++)
        followed_clear(&fs[i]);
    free(fs);
    return r;
}
