/* The command line: parse flags, call the engine, print. The only place that
 * prints an error, once, as "skiff: error: <msg>". Exit codes as podman's:
 * 125 engine error, 126 cannot invoke, 127 not found, else the container's. */
#ifndef SKIFF_CMD_CMD_H
#define SKIFF_CMD_CMD_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"
#include "engine/engine.h"

#define EXIT_ENGINE 125

struct cmd_globals {
    const char *root;
    const char *runroot;
    const char *storage_driver;
    const char *prog; /* "skiff" */
};

struct cmd {
    const char *name;
    int (*run)(const struct cmd_globals *g, int argc, char **argv);
    const char *summary;
    const char *usage; /* full --help text after the "Usage:" line */
};

/* Print "skiff: error: <msg>" and return EXIT_ENGINE. */
int cmd_fail(const struct sk_error *err);
int cmd_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "skiff: warning: <msg>" (cmd_warn_cb: as a callback with a data pointer). */
void cmd_warn(const char *msg);
void cmd_warn_cb(void *data, const char *msg);
/* Rootless: enter skiff's user namespace (engine/userns.h), printing its
 * warning if any; then open the engine. 0, or the exit code after an error. */
int cmd_enter_userns(void);
int cmd_open_engine(const struct cmd_globals *g, struct engine **ret);

/* getopt_long wrapper: handles --help (prints usage, *ret_exit = 0) and
 * unknown flags or missing values (one error line, *ret_exit = 125).
 * Returns the option character, -1 at the end, or -2 when the caller must
 * return *ret_exit. Options are permuted (flags may follow arguments) unless
 * shortopts starts with '+'. */
int cmd_getopt(const struct cmd *c, int argc, char **argv, const char *shortopts,
               const struct option *longopts, int *ret_exit);
/* A global string flag at argv[*i] before the command: "--flag VALUE" (moves
 * *i on) or "--flag=VALUE". 1 when it matched, 0 when not, -1 when the value
 * is missing. */
int cmd_flag_value(int argc, char **argv, int *i, const char *flag, const char **ret);
/* Parse a boolean flag value ("true"/"false"; NULL = true). -1 on error. */
int cmd_parse_bool(const char *flag, const char *value);
/* Seconds for -t/--time: 0..1000000, -1 meaning forever. -1 on error (printed). */
int cmd_parse_seconds(const char *flag, const char *value, int *ret);

void cmd_print_usage(const struct cmd *c, FILE *f);

/* Print a JSON value indented like podman (4 spaces), with a newline. */
void cmd_print_json(json_t *j);
/* Render a Go-template-like --format ("{{.ID}}\t{{.Repository}}", "table ...")
 * for one row of fields; returns a malloc'd line without the newline. */
char *cmd_format_row(const char *format, json_t *fields);
bool cmd_format_is_table(const char *format);

/* A simple column printer: rows of cells, widths computed at the end; two
 * spaces between columns. min_width: a column is at least that wide, spaces
 * included (podman's tables: CMD_TABLE_PODMAN_MIN_WIDTH). */
#define CMD_TABLE_PODMAN_MIN_WIDTH 12
struct cmd_table {
    char ***rows;
    size_t nrows, ncols;
    size_t min_width;
};
void cmd_table_add(struct cmd_table *t, ...); /* NULL-terminated cells */
/* A row of malloc'd cells (NULL-terminated array), which the table takes. */
void cmd_table_add_row(struct cmd_table *t, char **cells);
void cmd_table_print(struct cmd_table *t, FILE *f);

/* Pull progress for the engine's events (bars on a TTY, lines otherwise). */
struct cmd_progress;
struct cmd_progress *cmd_progress_new(bool quiet);
const struct engine_events *cmd_progress_events(struct cmd_progress *p);
void cmd_progress_free(struct cmd_progress *p);

/* create's flags, shared with run. */
struct cmd_create_args {
    json_t *flags;     /* raw container flags + "command" */
    const char *image;
    const char *pull;  /* --pull */
    struct engine_pull_opts pull_opts;
    bool quiet;
    int exit;          /* when parsing returns -1: the exit code */
};
int cmd_create_parse(const struct cmd *c, int argc, char **argv, struct cmd_create_args *out);
void cmd_create_args_clear(struct cmd_create_args *a);
int cmd_create_container(struct engine *e, struct cmd_create_args *a, char id[65]);

/* Apply fn to named containers, or all (-a) / the newest (-l); data is
 * passed through (the command's options). */
typedef int (*per_container_fn)(struct engine *e, const char *what, void *data, char id[65],
                                struct sk_error *err);
struct cmd_each {
    const char *what; /* the command, for its errors */
    bool all, latest;
    bool ignore;       /* --ignore: a missing container is no error */
    bool running_only; /* with all: only the running containers (kill -a) */
    bool print_given;  /* print the names as given, else the IDs (always with -a / -l) */
    per_container_fn fn;
    void *data;
    /* The exit code once fn failed with err, from status, the one so far
     * (every container is still tried); NULL: 125. */
    int (*status)(int status, const struct sk_error *err);
};
int cmd_run_on_containers(const struct cmd_globals *g, const struct cmd_each *o, int n,
                          char **names);
/* The newest container's ID (--latest) in id: 0, or the exit code after
 * printing the error, none (the message) when there is no container. */
int cmd_latest(struct engine *e, const char *none, char id[65]);

/* Commands. */
int cmd_create(const struct cmd_globals *g, int argc, char **argv);
int cmd_start(const struct cmd_globals *g, int argc, char **argv);
int cmd_run(const struct cmd_globals *g, int argc, char **argv);
int cmd_stop(const struct cmd_globals *g, int argc, char **argv);
int cmd_kill(const struct cmd_globals *g, int argc, char **argv);
int cmd_wait(const struct cmd_globals *g, int argc, char **argv);
int cmd_restart(const struct cmd_globals *g, int argc, char **argv);
int cmd_attach(const struct cmd_globals *g, int argc, char **argv);
int cmd_monitor_worker(const struct cmd_globals *g, int argc, char **argv);
int cmd_unshare(const struct cmd_globals *g, int argc, char **argv);
int cmd_userns_pause(const struct cmd_globals *g, int argc, char **argv);
int cmd_exec(const struct cmd_globals *g, int argc, char **argv);
int cmd_init(const struct cmd_globals *g, int argc, char **argv);
int cmd_mount(const struct cmd_globals *g, int argc, char **argv);
int cmd_umount(const struct cmd_globals *g, int argc, char **argv);
int cmd_rm(const struct cmd_globals *g, int argc, char **argv);
int cmd_ps(const struct cmd_globals *g, int argc, char **argv);
int cmd_logs(const struct cmd_globals *g, int argc, char **argv);
int cmd_top(const struct cmd_globals *g, int argc, char **argv);
int cmd_system(const struct cmd_globals *g, int argc, char **argv);
int cmd_container_prune(const struct cmd_globals *g, int argc, char **argv);
int cmd_image_prune(const struct cmd_globals *g, int argc, char **argv);
int cmd_container(const struct cmd_globals *g, int argc, char **argv);
int cmd_container_inspect(const struct cmd_globals *g, int argc, char **argv);
int cmd_pull(const struct cmd_globals *g, int argc, char **argv);
int cmd_images(const struct cmd_globals *g, int argc, char **argv);
int cmd_image(const struct cmd_globals *g, int argc, char **argv);
int cmd_image_inspect(const struct cmd_globals *g, int argc, char **argv);
int cmd_inspect(const struct cmd_globals *g, int argc, char **argv);
int cmd_rmi(const struct cmd_globals *g, int argc, char **argv);
int cmd_tag(const struct cmd_globals *g, int argc, char **argv);
int cmd_login(const struct cmd_globals *g, int argc, char **argv);
int cmd_logout(const struct cmd_globals *g, int argc, char **argv);
int cmd_info(const struct cmd_globals *g, int argc, char **argv);
int cmd_version(const struct cmd_globals *g, int argc, char **argv);
int cmd_help(const struct cmd_globals *g, int argc, char **argv);

const struct cmd *cmd_find(const char *name);
extern const struct cmd cmd_table_of_commands[];

#endif
