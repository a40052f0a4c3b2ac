/* skiff unshare: a command in rootless skiff's namespaces, as podman unshare. */
#include "cmd/cmd.h"
#include "common/cleanup.h"
#include "common/rootless.h"
#include "common/util.h"
#include "engine/userns.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first executable regular file called name in $PATH, as Go's LookPath
 * (podman unshare's): directories we cannot search are passed over. */
static char *find_in_path(const char *name)
{
    const char *env = getenv("PATH");
    _cleanup_free_ char *copy = sk_strdup(env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *p = sk_asprintf("%s/%s", *dir ? dir : ".", name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

int cmd_unshare(const struct cmd_globals *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch, rc = 0;
    optind = 1;
    while ((ch = cmd_getopt(cmd_find("unshare"), argc, argv, "+h", longopts, &rc)) != -1)
        if (ch == -2)
            return rc;
    if (!sk_rootless())
        return cmd_failf("please use unshare with rootless");
    if ((rc = cmd_enter_userns()))
        return rc;
    const char *shell = getenv("SHELL");
    char *fallback[] = {(char *)(shell && *shell ? shell : "/bin/sh"), NULL};
    char **cmd = optind < argc ? argv + optind : fallback;
    _cleanup_free_ char *path = strchr(cmd[0], '/') ? sk_strdup(cmd[0]) : find_in_path(cmd[0]);
    if (!path) {
        cmd_failf("exec: \"%s\": executable file not found in $PATH", cmd[0]);
        return 127;
    }
    fflush(stdout);
    execv(path, cmd);
    int e = errno;
    cmd_failf("exec %s: %s", path, strerror(e));
    return e == ENOENT ? 127 : 126;
}

int cmd_userns_pause(const struct cmd_globals *g, int argc, char **argv)
{
    return engine_userns_pause_main(argc > 1 ? atoi(argv[1]) : -1);
}
