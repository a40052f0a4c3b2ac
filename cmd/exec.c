/* skiff exec: run a command in a running container (podman's flags and exit
 * codes: the command's own, 125 skiff failed, 126 cannot invoke, 127 not
 * found). Flags come before the container; what follows it is the command. */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/util.h"
#include "engine/container.h"
#include "engine/exec.h"

#include <stdio.h>
#include <string.h>

enum { OPT_DETACH_KEYS = 1000, OPT_ENV_FILE, OPT_PRIVILEGED, OPT_PRESERVE_FDS };

/* A switch that also takes =true / =false, like podman's. */
static int bool_flag(const char *name, bool *out)
{
    int v = cmd_parse_bool(name, optarg);
    if (v < 0)
        return -1;
    *out = v;
    return 0;
}

int cmd_exec(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"detach", optional_argument, NULL, 'd'},
        {"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
        {"env", required_argument, NULL, 'e'},
        {"env-file", required_argument, NULL, OPT_ENV_FILE},
        {"interactive", optional_argument, NULL, 'i'},
        {"latest", no_argument, NULL, 'l'},
        {"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
        {"privileged", optional_argument, NULL, OPT_PRIVILEGED},
        {"tty", optional_argument, NULL, 't'},
        {"user", required_argument, NULL, 'u'},
        {"workdir", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct sk_error err = {0};
    /* First: this restarts the command from a sealed copy of the binary
     * (a process that enters a container must not expose skiff's). */
    if (engine_runtime_prepare(&err) < 0)
        return cmd_fail(&err);
    struct engine_exec_opts o = {.warn = cmd_warn_cb};
    _cleanup_strv_ char **env = NULL;
    _cleanup_strv_ char **env_files = NULL;
    bool latest = false;
    int ch, rc = 0;
    optind = 1;
    /* '+': the container ends the flags; the command's own follow it. */
    while ((ch = cmd_getopt(cmd_find("exec"), argc, argv, "+de:iltu:w:h", longopts, &rc)) != -1) {
        if (ch == -2)
            return rc;
        switch (ch) {
        case 'd':
            if (bool_flag("detach", &o.detach) < 0)
                return EXIT_ENGINE;
            break;
        case 'i':
            if (bool_flag("interactive", &o.interactive) < 0)
                return EXIT_ENGINE;
            break;
        case 't':
            if (bool_flag("tty", &o.tty) < 0)
                return EXIT_ENGINE;
            break;
        case OPT_PRIVILEGED:
            if (bool_flag("privileged", &o.privileged) < 0)
                return EXIT_ENGINE;
            break;
        case OPT_DETACH_KEYS: /* nothing to detach from: accepted for podman's scripts */
            break;
        case 'e':
            sk_strv_push(&env, optarg);
            break;
        case OPT_ENV_FILE:
            sk_strv_push(&env_files, optarg);
            break;
        case 'l':
            latest = true;
            break;
        case OPT_PRESERVE_FDS:
            if (strcmp(optarg, "0") != 0)
                return cmd_failf("exec: --preserve-fds is not supported");
            break;
        case 'u':
            o.user = optarg;
            break;
        case 'w':
            o.workdir = optarg;
            break;
        }
    }
    const char *what = NULL;
    if (!latest) {
        if (optind >= argc)
            return cmd_failf("exec: requires the name or ID of a container and a command "
                             "(see 'skiff exec --help')");
        what = argv[optind++];
    }
    if (optind >= argc)
        return cmd_failf("exec: requires a command to run in the container "
                         "(see 'skiff exec --help')");
    o.command = argv + optind;
    o.env = env;
    o.env_files = env_files;
    _cleanup_engine_ struct engine *e = NULL;
    if ((rc = cmd_open_engine(g, &e)))
        return rc;
    int status = EXIT_ENGINE, pid = 0;
    if (engine_container_exec(e, what, &o, &status, &pid, &err) < 0) {
        cmd_fail(&err);
        return status;
    }
    if (o.detach)
        printf("%d\n", pid);
    return status;
}
