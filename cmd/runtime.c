/* skiff runtime (and skiff-runtime): runc's command line over runtime/. */
#include "cmd/runtime.h"
#include "common/names.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "runtime/runtime.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* runc exits 1 on every error. */
#define EXIT_RUNTIME_ERROR 1

struct rt_cmd {
    struct cmd cmd; /* name, run (unused), summary, usage */
    int (*run)(const struct runtime_ctx *ctx, const struct cmd *c, int argc, char **argv);
};

static int fail(const struct sk_error *err)
{
    cmd_fail(err);
    return EXIT_RUNTIME_ERROR;
}

#define failf(...) (cmd_failf(__VA_ARGS__), EXIT_RUNTIME_ERROR)

/* cmd_getopt's errors exit 125 like podman; the runtime exits 1 like runc. */
static int getopt_exit(int rc)
{
    return rc == EXIT_ENGINE ? EXIT_RUNTIME_ERROR : rc;
}

static int want_id(const struct cmd *c, int argc, char **argv, int extra_max)
{
    if (optind >= argc)
        return failf("%s: requires a container ID (see 'skiff %s --help')", c->name, c->name);
    if (argc - optind - 1 > extra_max)
        return failf("%s: too many arguments (see 'skiff %s --help')", c->name, c->name);
    return 0;
}

/* Before creating or entering a container: run from a sealed copy. */
static int sealed_or_fail(void)
{
    struct sk_error err = {0};
    if (runtime_reexec_sealed(&err) < 0)
        return fail(&err);
    return 0;
}

/* ---- spec ---------------------------------------------------------------- */

static int do_spec(const struct runtime_ctx *ctx, const struct cmd *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"rootless", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *bundle = ".";
    bool rootless = false;
    int ch, rc = 0;
    while ((ch = cmd_getopt(c, argc, argv, "b:h", longopts, &rc)) != -1) {
        if (ch == -2)
            return getopt_exit(rc);
        if (ch == 'b')
            bundle = optarg;
        else if (ch == 'r')
            rootless = true;
    }
    if (optind != argc)
        return failf("%s: takes no arguments", c->name);
    _cleanup_free_ char *path = sk_asprintf("%s/config.json", bundle);
    if (sk_path_exists(path))
        return failf("file %s exists: remove it first", path);
    _cleanup_json_ json_t *spec = runtime_spec_default(rootless);
    _cleanup_free_ char *text = json_dumps(spec, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    struct sk_error err = {0};
    size_t len = strlen(text);
    text = sk_realloc(text, len + 2);
    text[len] = '\n';
    text[len + 1] = '\0';
    if (sk_write_file_atomic(path, text, len + 1, 0644, &err) < 0)
        return fail(&err);
    return 0;
}

/* ---- create / run -------------------------------------------------------- */

enum {
    OPT_PID_FILE = 256,
    OPT_CONSOLE,
    OPT_NO_PIVOT,
    OPT_NO_KEYRING,
    OPT_PRESERVE_FDS,
    OPT_KEEP,
    OPT_CWD,
    OPT_NO_NEW_PRIVS
};

static int create_or_run(const struct runtime_ctx *ctx, const struct cmd *c, int argc, char **argv,
                         bool run)
{
    static const struct option longopts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"pid-file", required_argument, NULL, OPT_PID_FILE},
        {"console-socket", required_argument, NULL, OPT_CONSOLE},
        {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
        {"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
        {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
        {"detach", no_argument, NULL, 'd'},
        {"keep", no_argument, NULL, OPT_KEEP},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct runtime_create_opts o = {0};
    bool detach = false;
    int ch, rc = 0;
    while ((ch = cmd_getopt(c, argc, argv, run ? "b:dh" : "b:h", longopts, &rc)) != -1) {
        switch (ch) {
        case -2:
            return getopt_exit(rc);
        case 'b':
            o.bundle = optarg;
            break;
        case OPT_PID_FILE:
            o.pid_file = optarg;
            break;
        case OPT_CONSOLE:
            o.console_socket = optarg;
            break;
        case OPT_NO_PIVOT:
            return failf("--no-pivot is not supported: skiff always uses pivot_root");
        case OPT_NO_KEYRING:
            break; /* skiff does not create session keyrings */
        case OPT_PRESERVE_FDS:
            if (strcmp(optarg, "0") != 0)
                return failf("--preserve-fds is not supported yet");
            break;
        case 'd':
            if (!run)
                return failf("unknown flag: -d (see 'skiff %s --help')", c->name);
            detach = true;
            break;
        case OPT_KEEP:
            if (!run)
                return failf("unknown flag: --keep (see 'skiff %s --help')", c->name);
            return failf("--keep is not supported yet");
        }
    }
    if ((rc = want_id(c, argc, argv, 0)))
        return rc;
    if ((rc = sealed_or_fail()))
        return rc;
    struct sk_error err = {0};
    if (!run)
        return runtime_create(ctx, argv[optind], &o, NULL, &err) < 0 ? fail(&err) : 0;
    int status = 0;
    if (runtime_run(ctx, argv[optind], &o, detach, &status, &err) < 0)
        return fail(&err);
    return status;
}

static int do_create(const struct runtime_ctx *ctx, const struct cmd *c, int argc, char **argv)
{
    return create_or_run(ctx, c, argc, argv, false);
}

static int do_run(const struct runtime_ctx *ctx, const struct cmd *c, int argc, char **argv)
{
    return create_or_run(ctx, c, argc, argv, true);
}

/* ---- start / state / kill / delete --------------------------------------- */

static const struct option help_only[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int do_start(const struct runtime_ctx *ctx, const struct cmd *c, int argc, char **argv)
{
    int ch, rc = 0;
    while ((ch = cmd_getopt(c, argc, argv, "h", help_only, &rc)) != -1)
        if (ch == -2)
            return getopt_exit(rc);
    if ((rc = want_id(c, argc, argv, 0)))
        return rc;
    struct sk_error err = {0};
    return runtime_start(ctx, argv[optind], NULL, &err) < 0 ? fail(&err) : 0;
}

static int do_state(const struct runtime_ctx *ctx, const struct cmd *c, int argc, char **argv)
{
    int ch, rc = 0;
    while ((ch = cmd_getopt(c, argc, argv, "h", help_only, &rc)) != -1)
        if (ch == -2)
            return getopt_exit(rc);
    if ((rc = want_id(c, argc, argv, 0)))
        return rc;
    struct sk_error err = {0};
    _cleanup_json_ json_t *state = NULL;
    if (runtime_state(ctx, argv[optind], &state, &err) < 0)
        return fail(&err);
    _cleanup_free_ char *s = json_dumps(state, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    puts(s);
    return 0;
}

static int do_kill(const struct runtime_ctx *ctx, const struct cmd *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"all", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool all = false;
    int ch, rc = 0;
    while ((ch = cmd_getopt(c, argc, argv, "ah", longopts, &rc)) != -1) {
        if (ch == -2)
            return getopt_exit(rc);
        if (ch == 'a')
            all = true;
    }
    if ((rc = want_id(c, argc, argv, 1)))
        return rc;
    const char *name = optind + 1 < argc ? argv[optind + 1] : "SIGTERM";
    int sig = sk_signal_parse(name);
    if (sig < 0)
        return failf("invalid signal \"%s\"", name);
    struct sk_error err = {0};
    return runtime_kill(ctx, argv[optind], sig, all, &err) < 0 ? fail(&err) : 0;
}

static int do_delete(const struct runtime_ctx *ctx, const struct cmd *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool force = false;
    int ch, rc = 0;
    while ((ch = cmd_getopt(c, argc, argv, "fh", longopts, &rc)) != -1) {
        if (ch == -2)
            return getopt_exit(rc);
        if (ch == 'f')
            force = true;
    }
    if ((rc = want_id(c, argc, argv, 0)))
        return rc;
    struct sk_error err = {0};
    return runtime_delete(ctx, argv[optind], force, &err) < 0 ? fail(&err) : 0;
}

/* ---- list ---------------------------------------------------------------- */

static int do_list(const struct runtime_ctx *ctx, const struct cmd *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool quiet = false;
    const char *format = "table";
    int ch, rc = 0;
    while ((ch = cmd_getopt(c, argc, argv, "qf:h", longopts, &rc)) != -1) {
        if (ch == -2)
            return getopt_exit(rc);
        if (ch == 'q')
            quiet = true;
        else if (ch == 'f')
            format = optarg;
    }
    if (optind != argc)
        return failf("%s: takes no arguments", c->name);
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
        return failf("invalid format \"%s\": want table or json", format);
    struct sk_error err = {0};
    _cleanup_json_ json_t *list = NULL;
    if (runtime_list(ctx, &list, &err) < 0)
        return fail(&err);
    size_t i;
    json_t *e;
    if (quiet) {
        for (i = 0; i < json_array_size(list); i++)
            puts(sk_json_str(json_array_get(list, i), "id"));
        return 0;
    }
    if (strcmp(format, "json") == 0) {
        _cleanup_free_ char *s = json_dumps(list, JSON_COMPACT | JSON_PRESERVE_ORDER);
        puts(s);
        return 0;
    }
    struct cmd_table t = {0};
    cmd_table_add(&t, "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER", NULL);
    json_array_foreach(list, i, e)
    {
        char pid[24];
        snprintf(pid, sizeof(pid), "%lld", sk_json_int(e, "pid", 0));
        cmd_table_add(&t, sk_json_str(e, "id"), pid, sk_json_str(e, "status"),
                      sk_json_str(e, "bundle"), sk_json_str(e, "created"), sk_json_str(e, "owner"),
                      NULL);
    }
    cmd_table_print(&t, stdout);
    return 0;
}

/* ---- exec ---------------------------------------------------------------- */

static int do_exec(const struct runtime_ctx *ctx, const struct cmd *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"process", required_argument, NULL, 'p'},
        {"tty", no_argument, NULL, 't'},
        {"detach", no_argument, NULL, 'd'},
        {"pid-file", required_argument, NULL, OPT_PID_FILE},
        {"env", required_argument, NULL, 'e'},
        {"cwd", required_argument, NULL, OPT_CWD},
        {"user", required_argument, NULL, 'u'},
        {"cap", required_argument, NULL, 'c'},
        {"no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS},
        {"console-socket", required_argument, NULL, OPT_CONSOLE},
        {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct runtime_exec_opts o = {0};
    _cleanup_strv_ char **env = NULL;
    _cleanup_strv_ char **caps = NULL;
    int ch, rc = 0;
    /* '+': everything after the ID is the command, flags included. */
    while ((ch = cmd_getopt(c, argc, argv, "+p:tde:u:c:h", longopts, &rc)) != -1) {
        switch (ch) {
        case -2:
            return getopt_exit(rc);
        case 'p':
            o.process_file = optarg;
            break;
        case 't':
            o.tty = true;
            break;
        case 'd':
            o.detach = true;
            break;
        case OPT_PID_FILE:
            o.pid_file = optarg;
            break;
        case 'e':
            sk_strv_push(&env, optarg);
            break;
        case OPT_CWD:
            o.cwd = optarg;
            break;
        case 'u':
            o.user = optarg;
            break;
        case 'c':
            sk_strv_push(&caps, optarg);
            break;
        case OPT_NO_NEW_PRIVS:
            o.no_new_privs = true;
            break;
        case OPT_CONSOLE:
            o.console_socket = optarg;
            break;
        case OPT_PRESERVE_FDS:
            if (strcmp(optarg, "0") != 0)
                return failf("--preserve-fds is not supported yet");
            break;
        }
    }
    if (optind >= argc)
        return failf("%s: requires a container ID (see 'skiff %s --help')", c->name, c->name);
    const char *id = argv[optind];
    o.args = argv + optind + 1;
    if (!o.process_file && !o.args[0])
        return failf("%s: requires a command (or --process FILE)", c->name);
    o.env = env;
    o.caps = caps;
    if ((rc = sealed_or_fail()))
        return rc;
    struct sk_error err = {0};
    int status = 0;
    if (runtime_exec(ctx, id, &o, &status, &err) < 0)
        return fail(&err);
    return status;
}

/* ---- dispatch ------------------------------------------------------------ */

static const struct rt_cmd commands[] = {
    {{"runtime spec", NULL, "Write a default config.json",
      "skiff runtime spec [options]\n\n"
      "Options:\n"
      "  -b, --bundle DIR       where to write config.json (default: current directory)\n"
      "  --rootless             a config for an unprivileged user (user namespace)\n"},
     do_spec},
    {{"runtime create", NULL, "Create a container from a bundle",
      "skiff runtime create [options] ID\n\n"
      "The container's process is set up and waits for 'start'; it inherits\n"
      "create's standard input, output and error.\n\n"
      "Options:\n"
      "  -b, --bundle DIR       the bundle (default: current directory)\n"
      "  --pid-file FILE        write the container process's pid there\n"
      "  --console-socket PATH  with process.terminal: send the pty master there\n"
      "                         (a unix stream socket; SCM_RIGHTS, as runc does)\n"},
     do_create},
    {{"runtime start", NULL, "Start a created container", "skiff runtime start ID\n"}, do_start},
    {{"runtime run", NULL, "Create and start a container",
      "skiff runtime run [options] ID\n\n"
      "Waits for the process, deletes the container and exits with its status\n"
      "(128 + the signal number when a signal killed it).\n\n"
      "Options:\n"
      "  -b, --bundle DIR       the bundle (default: current directory)\n"
      "  -d, --detach           return once the process has started\n"
      "  --pid-file FILE        write the container process's pid there\n"
      "  --console-socket PATH  with process.terminal: send the pty master there;\n"
      "                         without it a foreground run relays the terminal to\n"
      "                         its own standard input and output\n"},
     do_run},
    {{"runtime state", NULL, "Print a container's state", "skiff runtime state ID\n"}, do_state},
    {{"runtime list", NULL, "List containers",
      "skiff runtime list [options]\n\n"
      "Options:\n"
      "  -f, --format FORMAT    table (default) or json\n"
      "  -q, --quiet            only the IDs\n"},
     do_list},
    {{"runtime kill", NULL, "Send a signal to a container",
      "skiff runtime kill [options] ID [SIGNAL]\n\n"
      "SIGNAL: a name with or without SIG (TERM, SIGKILL) or a number; default TERM.\n\n"
      "Options:\n"
      "  -a, --all              signal every process in the container\n"},
     do_kill},
    {{"runtime delete", NULL, "Delete a container",
      "skiff runtime delete [options] ID\n\n"
      "Options:\n"
      "  -f, --force            kill a created or running container first\n"},
     do_delete},
    {{"runtime exec", NULL, "Run a process in a running container",
      "skiff runtime exec [options] ID [COMMAND [ARG...]]\n\n"
      "Options (before the ID):\n"
      "  -p, --process FILE     the process as a JSON document (other options ignored)\n"
      "  -e, --env KEY=VALUE    set an environment variable (repeatable)\n"
      "  --cwd DIR              working directory in the container\n"
      "  -u, --user UID[:GID]   user and group (numbers)\n"
      "  -c, --cap CAP_X        add a capability (repeatable)\n"
      "  --no-new-privs         set no_new_privs\n"
      "  -d, --detach           return once the process has started\n"
      "  --pid-file FILE        write the process's pid there\n"
      "  -t, --tty              a terminal: its master goes to --console-socket, or\n"
      "                         is relayed to our stdio when not detached\n"
      "  --console-socket PATH  where to send the terminal's master\n"},
     do_exec},
};

static const struct rt_cmd *find_command(const char *name)
{
    for (size_t i = 0; i < SK_ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i].cmd.name + strlen("runtime "), name) == 0)
            return &commands[i];
    /* runc's aliases */
    if (strcmp(name, "ps") == 0 || strcmp(name, "ls") == 0)
        return find_command("list");
    if (strcmp(name, "rm") == 0)
        return find_command("delete");
    return NULL;
}

int cmd_runtime(const struct cmd_globals *g, int argc, char **argv)
{
    struct runtime_ctx ctx = {.warn = cmd_warn_cb};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i], *ignored = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("%s\n\nUsage: %s", CMD_RUNTIME_SUMMARY, CMD_RUNTIME_USAGE);
            return 0;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            /* runc's form: tools read the spec line */
            printf("skiff-runtime version %s\nspec: %s\n", SKIFF_VERSION, RUNTIME_OCI_VERSION);
            return 0;
        }
        if (strcmp(a, "--debug") == 0)
            continue;
        if (strcmp(a, "--systemd-cgroup") == 0)
            return failf("--systemd-cgroup is not supported: cgroups are managed directly");
        int r;
        if ((r = cmd_flag_value(argc, argv, &i, "--root", &ctx.root)) ||
            (r = cmd_flag_value(argc, argv, &i, "--log", &ignored)) ||
            (r = cmd_flag_value(argc, argv, &i, "--log-format", &ignored)) ||
            (r = cmd_flag_value(argc, argv, &i, "--rootless", &ignored))) {
            if (r < 0)
                return failf("flag needs an argument: %s", a);
            continue;
        }
        return failf("unknown flag: %s (see 'skiff runtime --help')", a);
    }
    if (i >= argc)
        return failf("runtime: missing command (see 'skiff runtime --help')");
    const struct rt_cmd *c = find_command(argv[i]);
    if (!c)
        return failf("runtime: unknown command \"%s\" (see 'skiff runtime --help')", argv[i]);
    optind = 1;
    return c->run(&ctx, &c->cmd, argc - i, argv + i);
}
