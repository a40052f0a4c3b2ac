# shellcheck shell=bash
# Shared by the benchmark scripts (sourced): logging, usage, the child
# subreaper, dependencies, removing scratch trees without crossing mounts,
# putting back the host state podman and skopeo create as root outside their
# --root, the EXIT trap, the fixture registries and the configuration files
# the tools get, per-tool stores and the clean environment the tools run in,
# timing, and the report's Python helpers.
#
# The scripts set RUN (their scratch dir, removed on exit) and, when they use
# the fixture registries, FIXTURES (registry.sh's state dir).

BENCH_NAME=$(basename "$0")
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)    # the source tree

log() { printf '[%s %s] %s\n' "$BENCH_NAME" "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The script's header comment, from line 2 up to `set -E`.
usage() { sed -n '2,/^set -E/{/^set -E/d;s/^# \{0,1\}//;p}' "$0"; }

# shellcheck source=tests/subreaper.sh
. "$SRC/tests/subreaper.sh"

# fixture_bench_init DEFAULT_BENCH_DIR WHY_ROOT "$@": how the scripts on the
# fixture registries start. The registries (tests/fixtures/registry.sh)
# detach from us, so first re-exec as a child subreaper (tests/subreaper.sh):
# they are then reaped where PID 1 does not reap, as tests/run.sh does. Then
# BENCH_DIR [DEFAULT_BENCH_DIR] and SKIFF [/usr/local/bin/skiff] from the
# environment, FIXTURES and RUN in BENCH_DIR; --help, and no other argument;
# root (WHY_ROOT says why).
fixture_bench_init() {
    local default_dir=$1 why_root=$2 arg
    shift 2
    umask 022
    export LC_ALL=C
    become_subreaper SKIFF_BENCH_SUBREAPER "$0" "$@"
    BENCH_DIR=${BENCH_DIR:-$default_dir}
    SKIFF=${SKIFF:-/usr/local/bin/skiff}
    FIXTURES=$BENCH_DIR/fixtures    # registry.sh state: the image cache is kept
    RUN=$BENCH_DIR/run              # stores, configs, timings (removed on exit)
    for arg in "$@"; do
        case $arg in
            -h|--help) usage; exit 0 ;;
            *) usage >&2; exit 2 ;;
        esac
    done
    [[ $EUID -eq 0 ]] || die "must run as root ($why_root)"
}

# install_missing CHECK[=PACKAGE]...: apt-get install the PACKAGE (default:
# CHECK) of each CHECK that fails: a command name that is not on PATH, or an
# absolute path that is not executable. Then PY is python3.
install_missing() {
    local spec check pkg need_pkgs=()
    for spec in "$@"; do
        check=${spec%%=*} pkg=${spec#*=}
        if [[ $check == /* ]]; then
            [[ -x $check ]] && continue
        else
            command -v "$check" >/dev/null && continue
        fi
        need_pkgs+=("$pkg")
    done
    if ((${#need_pkgs[@]})); then
        log "installing missing packages: ${need_pkgs[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2 ||
            { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive \
                apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2; }
    fi
    PY=$(command -v python3)
}
# What tests/fixtures/registry.sh needs, for install_missing.
# shellcheck disable=SC2034  # used by the scripts
FIXTURE_DEPS=(/usr/bin/docker-registry=docker-registry python3 curl openssl
              htpasswd=apache2-utils /bin/busybox=busybox-static)

# positive_ints VAR...: die unless each VAR holds a positive integer.
positive_ints() {
    local v
    for v in "$@"; do
        [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
    done
}

# read_engine_tools: the array `tools` from $TOOLS ["skiff podman"], each
# skiff or podman; $SKIFF must be an executable when skiff is one of them.
read_engine_tools() {
    local t
    TOOLS=${TOOLS:-"skiff podman"}
    read -r -a tools <<<"$TOOLS"
    for t in "${tools[@]}"; do
        [[ $t == skiff || $t == podman ]] || die "unknown tool $t (skiff|podman)"
    done
    if [[ " ${tools[*]} " == *" skiff "* && ! -x $SKIFF ]]; then
        die "$SKIFF is not an executable (set SKIFF=, e.g. SKIFF=build/skiff)"
    fi
}

# Unmount everything mounted at or below $1, deepest first.
umount_under() {
    local base mp
    base=$(realpath -m "$1")
    [[ -e /proc/self/mountinfo ]] || return 0
    while read -r mp; do
        [[ -n $mp ]] || continue
        umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null ||
            log "warning: could not unmount $mp"
    done < <(awk -v b="$base" '{ mp = $5; gsub(/\\040/, " ", mp);
                 if (mp == b || index(mp, b "/") == 1) print length(mp) "\t" mp }' \
                 /proc/self/mountinfo | sort -rn | cut -f2- | uniq)
}

# Remove a directory tree we own, never crossing into a mount.
remove_tree() {
    [[ -e $1 ]] || return 0
    umount_under "$1"
    rm -rf --one-file-system -- "$1"
}

# Global state podman/skopeo running as root create outside our dirs (the
# blob-info cache, written by a pull; conmon's cgroups, made by a run):
# removed on exit if it was not there before; the dirs are only rmdir'ed, so
# nothing anyone else put there is touched.
GLOBAL_FILES=(/var/lib/containers/cache/blob-info-cache-v1.boltdb
              /var/lib/containers/cache/blob-info-cache-v1.sqlite)
GLOBAL_DIRS=(/var/lib/containers/cache /var/lib/containers)
PRE_EXISTING=()

# The cgroups podman's cgroupfs manager makes for conmon when it starts a
# container (libpod_parent/conmon in every hierarchy mounted now), innermost
# first. Only rmdir'ed: a cgroup still in use stays.
podman_cgroup_dirs() {
    local h
    for h in /sys/fs/cgroup/*/; do
        [[ -e ${h}cgroup.procs ]] || continue
        echo "${h}libpod_parent/conmon"
    done
    for h in /sys/fs/cgroup/*/; do
        [[ -e ${h}cgroup.procs ]] || continue
        echo "${h}libpod_parent"
    done
}

note_host_state() {
    local p
    mapfile -t -O "${#GLOBAL_DIRS[@]}" GLOBAL_DIRS < <(podman_cgroup_dirs)
    for p in "${GLOBAL_FILES[@]}" "${GLOBAL_DIRS[@]}"; do
        [[ -e $p ]] && PRE_EXISTING+=("$p")
    done
    return 0
}

restore_host_state() {
    local p
    for p in "${GLOBAL_FILES[@]}" "${GLOBAL_DIRS[@]}"; do
        [[ -e $p ]] || continue
        printf '%s\n' "${PRE_EXISTING[@]}" | grep -qxF -- "$p" && continue
        if [[ -d $p ]]; then rmdir -- "$p" 2>/dev/null; else rm -f -- "$p"; fi
    done
}

# set_traps: note the host state, and clean up on exit (also on Ctrl-C, TERM
# or failure): first cleanup_first, if the script defines it, then remove
# $RUN (unmounting what is under it), stop the fixture registries if we
# started them, and put the host state back.
REGISTRY_UP=
bench_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    if declare -F cleanup_first >/dev/null; then cleanup_first; fi
    remove_tree "$RUN"
    if [[ -n $REGISTRY_UP ]]; then
        "$SRC/tests/fixtures/registry.sh" down "$FIXTURES" >/dev/null 2>&1 ||
            log "warning: registry.sh down failed"
    fi
    restore_host_state
    exit "$rc"
}
set_traps() {
    note_host_state
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# start_fixture_registries: a fresh $RUN (conf/net, times, logs), then the
# test fixture registries (tests/fixtures/registry.sh up $FIXTURES: its image
# cache is kept). Sets REG_HTTP (the plain-HTTP registry) and IMAGE (the
# fixture busybox image there).
start_fixture_registries() {
    remove_tree "$RUN"
    mkdir -p "$RUN/conf/net" "$RUN/times" "$RUN/logs" "$FIXTURES"
    log "starting the fixture registries (tests/fixtures/registry.sh, state in $FIXTURES)"
    REGISTRY_UP=1
    "$SRC/tests/fixtures/registry.sh" up "$FIXTURES" >"$RUN/logs/registry.log" 2>&1 ||
        { tail -n 20 "$RUN/logs/registry.log" >&2; die "registry.sh up failed"; }
    REG_HTTP=$(sed -n 's/^REG_HTTP=//p' "$FIXTURES/env")
    [[ -n $REG_HTTP ]] || die "no REG_HTTP in $FIXTURES/env"
    IMAGE=$REG_HTTP/busybox:latest
    log "image $IMAGE"
}

# write_configs REGISTRY [ULIMITS [ENGINE_SETTING...]]: in $RUN/conf,
# registries.conf (REGISTRY, plain HTTP: insecure = true; no short names),
# policy.json (accept anything) and podman's containers.conf. podman keeps
# off shared global state: "file" locks live under --tmpdir (the default SHM
# segment /dev/shm/libpod_lock would be re-initialised by every fresh
# --tmpdir, clobbering any other root podman's locks), and the network config
# dir (cni.lock / netavark.lock) goes into our conf dir; cgroupfs, no events.
# ULIMITS, unless empty, is its default_ulimits list; each ENGINE_SETTING, a
# line added to [engine].
write_configs() {
    local reg=$1 ulimits=${2:-} setting
    shift
    (($# == 0)) || shift
    mkdir -p "$RUN/conf/net"
    cat >"$RUN/conf/registries.conf" <<EOF
unqualified-search-registries = []
short-name-mode = "disabled"

[[registry]]
location = "$reg"
insecure = true
EOF
    cat >"$RUN/conf/policy.json" <<'EOF'
{"default": [{"type": "insecureAcceptAnything"}]}
EOF
    {
        [[ -z $ulimits ]] || printf '[containers]\ndefault_ulimits = [%s]\n\n' "$ulimits"
        printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\nlock_type = "file"\n'
        for setting in "$@"; do printf '%s\n' "$setting"; done
        printf '\n[network]\nnetwork_backend = "cni"\nnetwork_config_dir = "%s"\n' "$RUN/conf/net"
    } >"$RUN/conf/containers.conf"
}

# num_locks N: podman's num_locks for N containers (its default, 2048, or more).
num_locks() { echo $(($1 + 64 > 2048 ? $1 + 64 : 2048)); }

# make_home DIR: the home and temp dir a tool gets in DIR.
make_home() { mkdir -p "$1/tmp" "$1/home/.config" "$1/home/.local/share"; }

# make_store DIR [RUNDIR]: a tool's store: DIR/root, its home and temp dir,
# and DIR/storage.conf (plain kernel overlay, so that nothing in
# /etc/containers/storage.conf, e.g. a mount_program, applies); the runroot
# and podman's --tmpdir (libpod) in RUNDIR [DIR].
make_store() {
    local s=$1 r=${2:-$1}
    make_home "$s"
    mkdir -p "$s/root" "$r/runroot" "$r/libpod"
    printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' \
        "$s/root" "$r/runroot" >"$s/storage.conf"
}

# engine_cmd TOOL DIR RUNDIR ARGS...: sets CMD to skiff's or podman's command
# line on the store make_store DIR RUNDIR made.
engine_cmd() {
    local t=$1 s=$2 r=$3
    shift 3
    case $t in
    skiff)  CMD=("$SKIFF" --root "$s/root" --runroot "$r/runroot" "$@") ;;
    podman) CMD=(podman --root "$s/root" --runroot "$r/runroot" --storage-driver overlay
                 --tmpdir "$r/libpod" --cgroup-manager=cgroupfs --events-backend=none "$@") ;;
    *)      die "engine_cmd: unknown tool $t" ;;
    esac
}

# clean_env DIR: sets ENV to the `env -i ...` prefix every tool runs under,
# the same for all: PATH, the home and temp dir in DIR, the configuration
# files write_configs wrote and DIR/storage.conf.
clean_env() {
    local s=$1
    ENV=(env -i PATH="$PATH" HOME="$s/home" XDG_CONFIG_HOME="$s/home/.config"
         XDG_DATA_HOME="$s/home/.local/share" TMPDIR="$s/tmp"
         CONTAINERS_REGISTRIES_CONF="$RUN/conf/registries.conf"
         CONTAINERS_STORAGE_CONF="$s/storage.conf"
         CONTAINERS_CONF="$RUN/conf/containers.conf"
         SKIFF_STORAGE_CONF="$s/storage.conf")
}

# tool TOOL ARGS...: skiff or podman on its own store, made by
# make_store $RUN/TOOL, in the same clean environment for both.
# (bench/run.sh has its own, for the runtimes too.)
tool() {
    local t=$1
    shift
    local -a CMD ENV
    engine_cmd "$t" "$RUN/$t" "$RUN/$t" "$@"
    clean_env "$RUN/$t"
    "${ENV[@]}" "${CMD[@]}" </dev/null
}

# pull_image TOOL...: pull $IMAGE into each TOOL's store (skiff or podman,
# through `tool`), so that no timed command pulls.
pull_image() {
    local t
    for t in "$@"; do
        log "$t: pulling $IMAGE into its store"
        case $t in
        skiff)  tool skiff pull -q "$IMAGE" >/dev/null 2>"$RUN/logs/pull-skiff.log" ||
                    die "skiff pull failed: $(tail -n 3 "$RUN/logs/pull-skiff.log")" ;;
        podman) tool podman pull -q --signature-policy "$RUN/conf/policy.json" "$IMAGE" >/dev/null \
                    2>"$RUN/logs/pull-podman.log" || die "podman pull failed: $(tail -n 3 "$RUN/logs/pull-podman.log")" ;;
        esac
    done
}

# engine_bench_start: for containers.sh and lifecycle.sh, after
# fixture_bench_init: the tools (read_engine_tools), the EXIT trap, the
# packages podman and registry.sh need, and the fixture registries.
engine_bench_start() {
    read_engine_tools
    set_traps
    install_missing podman "${FIXTURE_DEPS[@]}"
    start_fixture_registries
}

# stores_with_image: after write_configs, a store for each of the tools,
# with $IMAGE pulled into it.
stores_with_image() {
    local t
    for t in "${tools[@]}"; do make_store "$RUN/$t"; done
    pull_image "${tools[@]}"
}

# run_timed PHASE NAME WHAT CMD...: run CMD (stdout to $RUN/out, stderr to
# $RUN/err) and append its wall time in microseconds (bash's EPOCHREALTIME
# around it: the fork and exec a user pays included) to
# $RUN/times/PHASE.NAME. If it fails, die naming WHAT.
run_timed() {
    local phase=$1 name=$2 what=$3 t0 t1 rc=0
    shift 3
    t0=${EPOCHREALTIME/./}
    "$@" >"$RUN/out" 2>"$RUN/err" || rc=$?
    t1=${EPOCHREALTIME/./}
    echo $((t1 - t0)) >>"$RUN/times/$phase.$name"
    ((rc == 0)) || die "$what: exit $rc: $(tail -n 3 "$RUN/err" | tr '\n' ' ')"
}

# timed PHASE TOOL ARGS...: `tool TOOL ARGS`, timed into times/PHASE.TOOL;
# its stdout is left in $RUN/out.
timed() {
    local phase=$1 t=$2
    shift 2
    run_timed "$phase" "$t" "$t $*" tool "$t" "$@"
}

# order ROUND [NAMES...]: NAMES (default: the tools) in the order for round
# ROUND: round 1 as given, each round rotated one further (two alternate),
# so that none always goes first.
order() {
    local round=$1 i n
    shift
    (($#)) || set -- "${tools[@]}"
    local -a names=("$@") out=()
    n=${#names[@]}
    for ((i = 0; i < n; i++)); do out+=("${names[(i + round - 1) % n]}"); done
    echo "${out[@]}"
}

# mounts_under DIR: how many overlay (or FUSE) mounts are below DIR.
mounts_under() {
    awk -v b="$(realpath "$1")/" 'index($5, b) == 1 && $0 ~ / - (overlay|fuse[.a-z-]*) / { n++ } END { print n + 0 }' \
        /proc/self/mountinfo
}

# count_containers TOOL: how many containers TOOL's store holds.
count_containers() {
    tool "$1" ps -a -q | grep -c . || true
}

# report_py ARGS...: run the Python report read from stdin with ARGS
# (sys.argv[1:]), after these helpers:
#   load(name): the integers, one a line, of the file NAME in the dir
#               sys.argv[1] (the times); [] if there is no such file
#   print_table(hdr, rows): hdr, a rule and the rows, in columns
REPORT_PY='import os, statistics, sys
def load(name):
    p = os.path.join(sys.argv[1], name)
    return [int(l) for l in open(p) if l.strip()] if os.path.exists(p) else []
def print_table(hdr, rows):
    w = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]
    f = "  ".join("%%-%ds" % x for x in w)
    print(f % tuple(hdr))
    print(f % tuple("-" * x for x in w))
    for r in rows:
        print(f % tuple(r))
'
report_py() { "$PY" -c "$REPORT_PY$(cat)" "$@"; }

# record_pull FILE STORAGE TOOL ROUND SECS RSS RC BYTES TAG: one pull's row in
# FILE and its line in the log (a failed skiff pull's output is kept).
record_pull() {
    local file=$1 storage=$2 tool=$3 round=$4 secs=$5 rss=$6 rc=$7 bytes=$8 tag=$9
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$storage" "$tool" "$round" "$secs" "$rss" "$rc" "$bytes" >>"$file"
    if ((rc != 0)); then
        log "  $tag: FAILED rc=$rc: $(tail -n 3 "$RUN/logs/$tag.log" | tr '\n' ' ' | cut -c1-300)"
        [[ $tool == skiff ]] && cp "$RUN/logs/$tag.log" "$BENCH_DIR/skiff-last-failure.log"
    else
        log "  $tag: ${secs}s  $((rss / 1024)) MB RSS  store $((bytes >> 20)) MB"
    fi
}
