# shellcheck shell=bash
# Sourced by scripts that start servers which detach (tests/fixtures/
# registry.sh) or leave orphans: when those exit, whoever adopts orphans must
# reap them, and some minimal container/VM inits never do. Such a script
# re-executes itself as a child subreaper (bash reaps whatever it adopts), so
# nothing it started is left as a zombie.

# become_subreaper VAR SCRIPT [ARGS...]: unless VAR is set (we already did),
# set and export it, then exec `bash SCRIPT ARGS...` as a child subreaper
# (prctl PR_SET_CHILD_SUBREAPER, through python3; the attribute survives
# exec). Without python3, or if the prctl fails, the script goes on as it is.
become_subreaper() {
    local var=$1
    shift
    [[ -z ${!var:-} ]] && command -v python3 >/dev/null || return 0
    export "$var=1"
    exec python3 -c '
import ctypes, os, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
except Exception:
    pass
os.execvp("bash", ["bash"] + sys.argv[1:])' "$@"
}
