/* skiff: the entry point. Global flags, then a command. */
#include "cmd/cmd.h"
#include "cmd/runtime.h"
#include "engine/monitor.h"
#include "engine/userns.h"
#include "common/cleanup.h"
#include "common/rootless.h"
#include "common/util.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define U(x) x

const struct cmd cmd_table_of_commands[] = {
    {"pull", cmd_pull, "Pull an image from a registry",
     "skiff pull [options] IMAGE\n\n"
     "Options:\n"
     "  --authfile FILE        path of the authentication file\n"
     "  --cert-dir DIR         certificates (*.crt CAs, *.cert/*.key client) for the registry\n"
     "  --creds USER:PASS      credentials for the registry\n"
     "  --platform OS/ARCH[/VARIANT]  platform to pick from a multi-platform image\n"
     "  --arch ARCH, --os OS, --variant V  the same, one part at a time\n"
     "  -q, --quiet            no progress output, only the image ID\n"
     "  --tls-verify[=BOOL]    verify TLS and refuse plain HTTP (default true, or registries.conf)\n"},
    {"create", cmd_create, "Create but do not start a container",
     "skiff create [options] IMAGE [COMMAND [ARG...]]\n\n"
     "Options (as podman's):\n"
     "  --name NAME             container name (default: generated)\n"
     "  -e, --env K=V           environment variable (repeatable); --env-file FILE\n"
     "  --entrypoint CMD        override the image's entrypoint (string or JSON array)\n"
     "  -w, --workdir DIR       working directory\n"
     "  -u, --user USER[:GROUP] user and group, names resolved in the image\n"
     "  --group-add GROUP       a supplementary group (name or GID, repeatable)\n"
     "  -h, --hostname NAME     container host name\n"
     "  -v, --volume SRC:DST[:OPTS]  bind mount (ro, rw, z, Z, propagation)\n"
     "  --mount type=bind|tmpfs,...  mount; --tmpfs DST[:OPTS]; --read-only\n"
     "  --cap-add CAP, --cap-drop CAP  capabilities (ALL too); --privileged\n"
     "  --security-opt OPT      no-new-privileges, seccomp=unconfined|FILE, mask=, unmask=\n"
     "  -m, --memory SIZE, --memory-swap SIZE, --cpus N, -c, --cpu-shares N,\n"
     "  --cpuset-cpus LIST, --pids-limit N, --ulimit NAME=SOFT[:HARD]  resources\n"
     "  --sysctl K=V, --device HOST[:CTR[:PERMS]], -l, --label K=V, --annotation K=V\n"
     "  --network none|host, --ipc host, --pid host, --uts host\n"
     "  -p, --publish, -P, --publish-all  refused: no network of skiff's forwards ports\n"
     "                          (with --network host or none: discarded, with a warning)\n"
     "  -t, --tty, -i, --interactive, --stop-signal SIG, --stop-timeout SECS, --rm\n"
     "  --pull missing|always|never|newer, --platform, --tls-verify, --creds, --authfile,\n"
     "  --cert-dir, -q, --quiet  as for pull\n"},
    {"start", cmd_start, "Start containers (detached; in the foreground with --attach)",
     "skiff start [options] CONTAINER [CONTAINER...]\n\n"
     "Starts each container under its monitor and prints it once it runs.\n\n"
     "Options:\n"
     "  -a, --attach           relay the container's output (and with -i our stdin) and exit\n"
     "                         with its exit code\n"
     "  --all                  start every container\n"
     "  -i, --interactive      attach our stdin (the container needs -i from create)\n"
     "  -l, --latest           the newest container\n"
     "  --sig-proxy[=BOOL]     pass our signals on to an attached container (default true)\n"},
    {"run", cmd_run, "Run a command in a new container",
     "skiff run [create options] [-d] IMAGE [COMMAND [ARG...]]\n\n"
     "Takes every `skiff create` option (see 'skiff create --help'). With -d, --detach\n"
     "prints the container's ID once it runs; otherwise relays its output and exits with\n"
     "its exit code; 125 when skiff fails, 126 when the command cannot be invoked, 127\n"
     "when it is not found. --rm removes the container when it exits.\n"},
    {"stop", cmd_stop, "Stop running containers",
     "skiff stop [options] CONTAINER [CONTAINER...]\n\n"
     "Sends the stop signal (--stop-signal, the image's, or SIGTERM), waits, then SIGKILL.\n\n"
     "Options:\n"
     "  -a, --all              every running container\n"
     "  -i, --ignore           no error for containers that do not exist\n"
     "  -l, --latest           the newest container\n"
     "  -t, --time SECS        seconds to wait before SIGKILL (default: --stop-timeout, 10)\n"},
    {"kill", cmd_kill, "Send a signal to running containers",
     "skiff kill [options] CONTAINER [CONTAINER...]\n\n"
     "Options:\n"
     "  -a, --all              every running container\n"
     "  -l, --latest           the newest container\n"
     "  -s, --signal SIG       signal name (with or without SIG) or number (default KILL)\n"},
    {"wait", cmd_wait, "Wait for containers to exit and print their exit codes",
     "skiff wait [options] CONTAINER [CONTAINER...]\n\n"
     "Options:\n"
     "  --condition stopped    (the only condition)\n"
     "  --ignore               no error for containers that do not exist\n"
     "  -l, --latest           the newest container\n"},
    {"restart", cmd_restart, "Restart containers",
     "skiff restart [options] CONTAINER [CONTAINER...]\n\n"
     "Options:\n"
     "  -a, --all              every container\n"
     "  -l, --latest           the newest container\n"
     "  -t, --time SECS        seconds to wait for the stop before SIGKILL\n"},
    {"attach", cmd_attach, "Attach to a running container",
     "skiff attach [options] CONTAINER\n\n"
     "Relays the container's output, and our stdin when it was created with -i, until it\n"
     "exits; exits with its exit code.\n\n"
     "Options:\n"
     "  --no-stdin             do not relay our stdin\n"
     "  --sig-proxy[=BOOL]     pass our signals on to the container (default true)\n"},
    {"exec", cmd_exec, "Run a process in a running container",
     "skiff exec [options] CONTAINER COMMAND [ARG...]\n\n"
     "The process joins the container's namespaces and cgroups and runs with its seccomp\n"
     "filter, capabilities, environment, user and working directory unless told otherwise.\n"
     "Exits with the command's exit code; 125 when skiff fails (no such container, not\n"
     "running), 126 when the command cannot be invoked, 127 when it is not found.\n\n"
     "Options (before the container; what follows it is the command):\n"
     "  -d, --detach           run in the background and print the process's PID (its\n"
     "                         stdin, stdout and stderr are /dev/null)\n"
     "  --detach-keys KEYS     accepted and ignored\n"
     "  -e, --env K=V          set an environment variable (repeatable); K alone takes\n"
     "                         skiff's value; --env-file FILE reads one per line\n"
     "  -i, --interactive      pass stdin to the process (default: it reads /dev/null)\n"
     "  -l, --latest           the newest container (then no CONTAINER argument)\n"
     "  --privileged           every capability (the seccomp filter stays the container's)\n"
     "  -t, --tty              allocate a terminal and relay it to this one\n"
     "  -u, --user USER[:GROUP]  user and group, names from the container's /etc/passwd\n"
     "                         and /etc/group\n"
     "  -w, --workdir DIR      working directory inside the container\n"},
    {"init", cmd_init, "Initialize a container: mount its rootfs and write config.json",
     "skiff init [options] CONTAINER [CONTAINER...]\n\n"
     "Options:\n"
     "  -a, --all              all containers\n"
     "  -l, --latest           the newest container\n"},
    {"mount", cmd_mount, "Mount a container's root filesystem and print its path",
     "skiff mount [options] [CONTAINER...]\n\n"
     "Without a container: list mounted containers.\n\n"
     "Options:\n"
     "  -a, --all              mount all containers\n"
     "  --format json          list as JSON\n"
     "  -l, --latest           the newest container\n"
     "  --notruncate           full IDs in the list\n"},
    {"umount", cmd_umount, "Unmount a container's root filesystem (alias: unmount)",
     "skiff umount [options] CONTAINER [CONTAINER...]\n\n"
     "Options:\n"
     "  -a, --all              all containers\n"
     "  -f, --force            unmount even if other users still have it mounted\n"
     "  -l, --latest           the newest container\n"},
    {"unmount", cmd_umount, "Unmount a container's root filesystem",
     "skiff unmount [options] CONTAINER [CONTAINER...]\n"},
    {"rm", cmd_rm, "Remove containers",
     "skiff rm [options] CONTAINER [CONTAINER...]\n\n"
     "Options:\n"
     "  -a, --all              all containers\n"
     "  -f, --force            remove even if mounted or running (stopped first)\n"
     "  -i, --ignore           no error for containers that do not exist\n"
     "  -l, --latest           the newest container\n"
     "  -t, --time SECS        with --force: seconds to wait for the stop before SIGKILL\n\n"
     "Exit status: 1 if a container did not exist, else 2 if one was running, else 125\n"
     "on other errors; the other containers are removed all the same.\n"},
    {"ps", cmd_ps, "List containers",
     "skiff ps [options]\n\n"
     "Options:\n"
     "  -a, --all              all containers (default: running ones)\n"
     "  -f, --filter KEY=VALUE only matching containers (repeatable; one key: any value,\n"
     "                         several keys: all): id=PREFIX, name=REGEX, status=STATE,\n"
     "                         ancestor=IMAGE, label=KEY[=VALUE], label!=..., exited=CODE,\n"
     "                         before=CTR, since=CTR, until=TIME\n"
     "  --format FORMAT        \"json\" or a Go template like \"{{.ID}} {{.Names}}\"; fields:\n"
     "                         .ID .Image .ImageID .Command .CreatedHuman .CreatedAt .Status\n"
     "                         .State .ExitCode .Exited .ExitedAt .StartedAt .Pid .Names .Labels\n"
     "  --last N, -l, --latest the N newest containers / the newest\n"
     "  --no-trunc             full IDs and commands\n"
     "  -n, --noheading        no header line\n"
     "  -q, --quiet            only IDs\n"},
    {"logs", cmd_logs, "Fetch the logs of one or more containers",
     "skiff logs [options] CONTAINER [CONTAINER...]\n\n"
     "Options:\n"
     "  -f, --follow           follow the log until the container stops\n"
     "  -l, --latest           the newest container\n"
     "  -n, --names            with several containers, prefix lines with names, not IDs\n"
     "  --since TIME           lines after TIME: RFC 3339, 2006-01-02[T15:04:05], a Unix\n"
     "                         time or a duration before now (10m, 1h30m)\n"
     "  --tail N               the last N lines (default -1: all)\n"
     "  -t, --timestamps       prefix lines with their time\n"
     "  --until TIME           lines up to TIME (a duration: after now)\n"},
    {"top", cmd_top, "Display the running processes of a container",
     "skiff top [options] CONTAINER [DESCRIPTOR...]\n\n"
     "Descriptors (ps(1) AIX format, comma- or space-separated; default\n"
     "user pid ppid pcpu etime tty time args): args, capamb, capbnd, capeff, capinh,\n"
     "capprm, comm, etime, group, groups, hgroup, hgroups, hpid, huid, huser, label,\n"
     "nice, pcpu, pgid, pid, ppid, rgroup, rss, ruser, seccomp, state, stime, time,\n"
     "tty, uid, user, vsz; codes as %C %G %P %U %a %c %g %n %p %r %t %u %x %y %z.\n\n"
     "Options:\n"
     "  -l, --latest           the newest container (then all arguments are descriptors)\n"},
    {"container", cmd_container,
     "Manage containers (create, exec, init, inspect, logs, ls, mount, prune, rm, top, umount)",
     "skiff container COMMAND\n\n"
     "Commands: create, exec, init, inspect, logs, ls (list, ps), mount, prune, rm, top,\n"
     "umount (unmount)\n"},
    {"images", cmd_images, "List images in local storage",
     "skiff images [options] [IMAGE]\n\n"
     "Options:\n"
     "  -a, --all              all images (accepted for podman compatibility)\n"
     "  --digests              show digests\n"
     "  --format FORMAT        \"json\", or a Go template like \"{{.Repository}}:{{.Tag}}\"\n"
     "  --no-trunc             do not truncate image IDs\n"
     "  -n, --noheading        no header line\n"
     "  -q, --quiet            only image IDs\n"},
    {"image", cmd_image, "Manage images (ls, inspect, rm, prune, pull, tag)",
     "skiff image COMMAND\n\n"
     "Commands: ls (list), inspect, rm, prune, pull, tag\n"},
    {"inspect", cmd_inspect, "Display low-level information on containers and images",
     "skiff inspect [options] NAME [NAME...]\n\n"
     "Options:\n"
     "  -f, --format FORMAT    \"json\" or a Go template like \"{{.Id}}\"\n"
     "  -t, --type TYPE        container, image or all (default: containers first)\n"},
    {"rmi", cmd_rmi, "Remove images from local storage",
     "skiff rmi [options] IMAGE [IMAGE...]\n\n"
     "Options:\n"
     "  -a, --all              remove all images (without -f: those no container uses)\n"
     "  -f, --force            remove an image with several names by ID, and the\n"
     "                         containers using it\n"
     "  -i, --ignore           no error for images that do not exist\n\n"
     "Exit status: 1 if an image did not exist, else 2 if one is in use by a container,\n"
     "else 125 on other errors.\n"},
    {"tag", cmd_tag, "Add an additional name to a local image",
     "skiff tag IMAGE TARGET_NAME [TARGET_NAME...]\n"},
    {"login", cmd_login, "Log in to a container registry",
     "skiff login [options] REGISTRY\n\n"
     "Options:\n"
     "  --authfile FILE        where to store the credentials\n"
     "  --cert-dir DIR         certificates for the registry\n"
     "  --get-login            print the user name logged in to REGISTRY\n"
     "  -p, --password PASS    password\n"
     "  --password-stdin       read the password from standard input\n"
     "  --tls-verify[=BOOL]    verify TLS (default true)\n"
     "  -u, --username USER    user name\n"},
    {"logout", cmd_logout, "Log out of a container registry",
     "skiff logout [options] REGISTRY\n\n"
     "Options:\n"
     "  -a, --all              remove every stored login\n"
     "  --authfile FILE        the authentication file\n"},
    {"system", cmd_system, "Manage skiff (prune)",
     "skiff system COMMAND\n\n"
     "Commands:\n"
     "  prune [-a] [-f] [--filter KEY=VALUE]  remove stopped containers and unused images\n"
     "                         (see 'skiff system prune --help')\n"},
    {"info", cmd_info, "Display skiff and host information",
     "skiff info [options]\n\n"
     "Options:\n"
     "  -f, --format FORMAT    \"json\" or a Go template\n"},
    {"version", cmd_version, "Display the skiff version",
     "skiff version [options]\n\n"
     "Options:\n"
     "  -f, --format FORMAT    \"json\"\n"},
    {"runtime", cmd_runtime, CMD_RUNTIME_SUMMARY, CMD_RUNTIME_USAGE},
    {"unshare", cmd_unshare, "Run a command in skiff's user and mount namespace (rootless)",
     "skiff unshare [COMMAND [ARG...]]\n\n"
     "Runs COMMAND (default: $SHELL, else /bin/sh) in the user namespace rootless skiff\n"
     "works in, where you are root and your subordinate IDs (/etc/subuid, /etc/subgid)\n"
     "are the other users, and in its mount namespace, where the containers mounted by\n"
     "`skiff mount` are. Exits with COMMAND's exit code; 125 when skiff fails, 126 when\n"
     "COMMAND cannot be run, 127 when it is not found. Rootless only.\n"},
    {"help", cmd_help, "Show help for skiff or a command", "skiff help [COMMAND]\n"},
    /* Internal: the monitor's worker (engine/monitor.c); not listed. */
    {MONITOR_WORKER_COMMAND, cmd_monitor_worker, NULL, ""},
    /* Internal: the process holding a rootless user's namespaces (engine/userns.c). */
    {USERNS_PAUSE_COMMAND, cmd_userns_pause, NULL, ""},
    {NULL, NULL, NULL, NULL},
};

const struct cmd *cmd_find(const char *name)
{
    for (const struct cmd *c = cmd_table_of_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static void main_usage(FILE *f)
{
    fprintf(f, "skiff - a daemonless container engine\n\n"
               "Usage: skiff [global options] COMMAND [options] [args]\n\n"
               "Global options:\n"
               "  --root DIR      storage root (default /var/lib/skiff; rootless: "
               "$XDG_DATA_HOME/skiff)\n"
               "  --runroot DIR   run state (default /run/skiff; rootless: "
               "$XDG_RUNTIME_DIR/skiff)\n"
               "  --storage-driver NAME  overlay (default) or fuse-overlayfs, for new containers\n"
               "  -h, --help      this help\n"
               "  -v, --version   print the version\n\n"
               "Commands:\n");
    for (const struct cmd *c = cmd_table_of_commands; c->name; c++)
        if (c->summary)
            fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\nRun 'skiff COMMAND --help' for a command's options.\n");
}

int cmd_help(const struct cmd_globals *g, int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cmd_print_usage(cmd_find("help"), stdout);
        return 0;
    }
    if (argc > 1) {
        const struct cmd *c = cmd_find(argv[1]);
        if (!c)
            return cmd_failf("unknown command \"%s\" (see 'skiff help')", argv[1]);
        cmd_print_usage(c, stdout);
        return 0;
    }
    main_usage(stdout);
    return 0;
}

/* Memory policy for a process that may run dozens of threads (pull: a
 * downloader, an unpacker and file writers per layer): few malloc arenas, and
 * big buffers straight from mmap so they go back to the system when freed. */
#define MALLOC_ARENAS 2
#define MALLOC_MMAP_THRESHOLD (128 * 1024)

int main(int argc, char **argv)
{
    mallopt(M_ARENA_MAX, MALLOC_ARENAS);
    mallopt(M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD);
    struct cmd_globals g = {.prog = "skiff"};
    /* Installed as skiff-runtime too: then it is the runc-compatible runtime. */
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    if (strcmp(base, "skiff-runtime") == 0)
        return cmd_runtime(&g, argc, argv);
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            main_usage(stdout);
            return 0;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            printf("skiff version %s\n", SKIFF_VERSION);
            return 0;
        }
        int r;
        if ((r = cmd_flag_value(argc, argv, &i, "--root", &g.root)) ||
            (r = cmd_flag_value(argc, argv, &i, "--runroot", &g.runroot)) ||
            (r = cmd_flag_value(argc, argv, &i, "--storage-driver", &g.storage_driver))) {
            if (r < 0)
                return cmd_failf("flag needs an argument: %s", a);
            continue;
        }
        return cmd_failf("unknown flag: %s (see 'skiff --help')", a);
    }
    if (i >= argc)
        return cmd_failf("missing command (see 'skiff --help')");
    const struct cmd *c = cmd_find(argv[i]);
    if (!c)
        return cmd_failf("unrecognized command `skiff %s` (see 'skiff --help')", argv[i]);
    /* As podman does, a rootless user without XDG_RUNTIME_DIR is given one
     * (engine_rootless_runtime_dir), so that skiff's run state, the
     * runtime's and auth.json's defaults agree, here and in every process
     * skiff starts. When there is none to give, the commands that need one
     * say why. */
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (sk_rootless() && (!xdg || !*xdg)) {
        struct sk_error err = {0};
        _cleanup_free_ char *dir = NULL;
        if (engine_rootless_runtime_dir(&dir, &err) == 0)
            setenv("XDG_RUNTIME_DIR", dir, 1);
        sk_error_clear(&err);
    }
    return c->run(&g, argc - i, argv + i);
}
