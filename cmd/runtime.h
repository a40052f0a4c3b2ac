/* skiff runtime: the built-in OCI runtime's runc-compatible command line
 * (runtime/runtime.h has the design). Also reachable as `skiff-runtime`.
 * Exit codes like runc's: 0, 1 on any error, or the container process's
 * status for run and exec. */
#ifndef SKIFF_CMD_RUNTIME_H
#define SKIFF_CMD_RUNTIME_H

#include "cmd/cmd.h"

/* argv[0] is "runtime" (or "skiff-runtime"), then runtime flags, then the
 * subcommand and its arguments. */
int cmd_runtime(const struct cmd_globals *g, int argc, char **argv);

#define CMD_RUNTIME_SUMMARY "Run OCI bundles with skiff's built-in runtime (runc-compatible)"
#define CMD_RUNTIME_USAGE                                                                          \
    "skiff runtime [--root DIR] COMMAND [options] [args]\n\n"                                      \
    "Commands:\n"                                                                                  \
    "  spec     write a default config.json\n"                                                     \
    "  create   create a container from a bundle (the process waits for start)\n"                  \
    "  start    start the process of a created container\n"                                        \
    "  run      create and start a container, wait for it, delete it\n"                            \
    "  state    print the state of a container (JSON)\n"                                           \
    "  list     list containers\n"                                                                 \
    "  kill     send a signal to a container's process\n"                                          \
    "  delete   delete a container\n"                                                              \
    "  exec     run a process in a running container\n\n"                                          \
    "Options:\n"                                                                                   \
    "  --root DIR    state directory (default /run/skiff/runtime, for an ordinary\n"               \
    "                user $XDG_RUNTIME_DIR/skiff/runtime)\n"                                       \
    "  -v, --version print the version and the OCI runtime spec version\n"                         \
    "  --log FILE, --log-format FMT, --debug   accepted for runc compatibility, ignored\n\n"       \
    "Run 'skiff runtime COMMAND --help' for a command's options.\n"

#endif
