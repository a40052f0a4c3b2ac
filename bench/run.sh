#!/usr/bin/env bash
# bench/run.sh - container start benchmark: `skiff run --rm IMAGE true` vs
# `podman run --rm`, and `skiff-runtime run` vs `crun run` vs `runc run` of one
# prepared bundle, alternating pair by pair in one run; then 100 containers in
# a row per command, and the peak RSS of each. See bench/README.md.
#
# Usage: bench/run.sh [--help]
#
# Environment:
#   ROUNDS      alternating rounds (the median counts)        [20]
#   IN_A_ROW    containers in a row per command               [100]
#   RSS_ROUNDS  runs per command under /usr/bin/time -f %M    [5]
#   WARMUP      untimed runs per command first                [2]
#   BENCH_DIR   work dir (fixture image cache, scratch)       [/var/tmp/skiff-bench-run]
#   SKIFF       skiff binary (skiff-runtime: the symlink beside it, or `skiff runtime`)
#                                                             [/usr/local/bin/skiff]
#   CGROUP_NS   auto: run everything in a private mount namespace with a v1
#               hugetlb hierarchy when crun cannot run as is; always; never   [auto]
set -Eeuo pipefail
umask 022
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/.." && pwd)

# As bench/containers.sh: a child subreaper, so the registries we start (which
# detach) are reaped where PID 1 does not reap.
if [[ -z ${SKIFF_BENCH_SUBREAPER:-} ]] && command -v python3 >/dev/null; then
    export SKIFF_BENCH_SUBREAPER=1
    exec python3 -c '
import ctypes, os, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
except Exception:
    pass
os.execvp("bash", ["bash"] + sys.argv[1:])' "$0" "$@"
fi

ROUNDS=${ROUNDS:-20}
IN_A_ROW=${IN_A_ROW:-100}
RSS_ROUNDS=${RSS_ROUNDS:-5}
WARMUP=${WARMUP:-2}
BENCH_DIR=${BENCH_DIR:-/var/tmp/skiff-bench-run}
SKIFF=${SKIFF:-/usr/local/bin/skiff}
CGROUP_NS=${CGROUP_NS:-auto}

FIXTURES=$BENCH_DIR/fixtures    # registry.sh state: the image cache is kept
RUN=$BENCH_DIR/run              # stores, bundle, configs, timings (removed on exit)

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for arg in "$@"; do
    case $arg in
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

[[ $EUID -eq 0 ]] || die "must run as root (namespaces, cgroups, overlay mounts)"
for v in ROUNDS IN_A_ROW RSS_ROUNDS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer"
[[ $CGROUP_NS == auto || $CGROUP_NS == always || $CGROUP_NS == never ]] ||
    die "CGROUP_NS must be auto, always or never"
[[ -x $SKIFF ]] || die "$SKIFF is not an executable (set SKIFF=, e.g. SKIFF=build/skiff)"
SKIFF=$(realpath "$SKIFF")
if [[ -x $(dirname "$SKIFF")/skiff-runtime ]]; then
    SKIFF_RUNTIME=("$(dirname "$SKIFF")/skiff-runtime")
else
    SKIFF_RUNTIME=("$SKIFF" runtime)
fi

# --------------------------------------------------------------------------
# dependencies
# --------------------------------------------------------------------------
need_pkgs=()
command -v podman >/dev/null      || need_pkgs+=(podman)
command -v crun >/dev/null        || need_pkgs+=(crun)
command -v runc >/dev/null        || need_pkgs+=(runc)
[[ -x /usr/bin/docker-registry ]] || need_pkgs+=(docker-registry)
[[ -x /usr/bin/time ]]            || need_pkgs+=(time)
command -v python3 >/dev/null     || need_pkgs+=(python3)
command -v curl >/dev/null        || need_pkgs+=(curl)
command -v openssl >/dev/null     || need_pkgs+=(openssl)
command -v htpasswd >/dev/null    || need_pkgs+=(apache2-utils)
[[ -x /bin/busybox ]]             || need_pkgs+=(busybox-static)
if ((${#need_pkgs[@]})); then
    log "installing missing packages: ${need_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2 ||
        { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2; }
fi
PY=$(command -v python3)

# --------------------------------------------------------------------------
# crun and the cgroup hierarchies
# --------------------------------------------------------------------------
# crun 1.8 on a hybrid host (v1 hierarchies + cgroup2 at /sys/fs/cgroup/unified)
# fails to create any container while that cgroup2 mount holds hugetlb, and
# runs once hugetlb is a v1 hierarchy. The fix that leaves the host alone:
# run the whole benchmark (every tool alike, so the comparison stays fair) in
# a private mount namespace whose /sys/fs/cgroup is a new tmpfs with the same
# hierarchies mounted again plus a v1 hugetlb one. The namespace, and those
# mounts, go when the script ends. (Mounting hugetlb as v1 moves it out of
# cgroup2 for the whole machine while that hierarchy has cgroups; the
# runtimes and the trap remove theirs.) Whether it is needed is found out by
# trying crun first.

# crun_probe DIR: can crun run a trivial container (host's busybox) here?
crun_probe() {
    local d=$1
    rm -rf "$d"
    mkdir -p "$d/rootfs/bin" "$d/state"
    cp /bin/busybox "$d/rootfs/bin/true"
    runc spec --bundle "$d"
    "$PY" - "$d/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
json.dump(c, open(p, "w"), indent=2)
EOF
    local rc=0
    crun --root "$d/state" run --bundle "$d" "skiff-bench-probe-$$" \
        </dev/null >"$d/out" 2>&1 || rc=$?
    crun --root "$d/state" delete --force "skiff-bench-probe-$$" >/dev/null 2>&1 || true
    return "$rc"
}

# Inside the private mount namespace: a new /sys/fs/cgroup with the same
# hierarchies and a v1 hugetlb one.
cgroup_ns_setup() {
    local lines l mp fs opts o
    mapfile -t lines < <(awk '$5 ~ "^/sys/fs/cgroup/" {
            for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 3) }' /proc/self/mountinfo)
    mount -t tmpfs -o mode=755,nosuid,nodev,noexec skiff-bench-cgroup /sys/fs/cgroup
    for l in "${lines[@]}"; do
        read -r mp fs opts <<<"$l"
        mkdir -p "$mp"
        if [[ $fs == cgroup2 ]]; then
            mount -t cgroup2 cgroup2 "$mp"
        elif [[ $fs == cgroup ]]; then
            o=$(tr , '\n' <<<"$opts" | grep -vxE 'rw|ro' | paste -sd,)
            mount -t cgroup -o "$o" cgroup "$mp"
        fi
    done
    if [[ ! -d /sys/fs/cgroup/hugetlb ]]; then
        mkdir /sys/fs/cgroup/hugetlb
        mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
    fi
}

mkdir -p "$BENCH_DIR"
if [[ -n ${SKIFF_BENCH_CGROUP_NS:-} ]]; then
    cgroup_ns_setup || die "could not set up the private cgroup hierarchies"
    crun_probe "$BENCH_DIR/probe" ||
        die "crun still fails in a private mount namespace: $(tail -n 3 "$BENCH_DIR/probe/out")"
    log "running in a private mount namespace with a v1 hugetlb hierarchy (for crun)"
elif [[ $CGROUP_NS == always ]] || { [[ $CGROUP_NS == auto ]] && ! crun_probe "$BENCH_DIR/probe"; }; then
    [[ $CGROUP_NS == always ]] ||
        log "crun cannot run here ($(tail -n 1 "$BENCH_DIR/probe/out")): re-running in a private mount namespace"
    rm -rf "$BENCH_DIR/probe"
    export SKIFF_BENCH_CGROUP_NS=1
    exec unshare --mount --propagation private bash "$0" "$@"
elif [[ $CGROUP_NS == auto ]]; then
    log "crun runs as is on this host"
fi
rm -rf "$BENCH_DIR/probe"

# --------------------------------------------------------------------------
# cleanup
# --------------------------------------------------------------------------
REGISTRY_UP=
RUNTIMES=(skiff-runtime crun runc)
VOL=

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    local r t id
    # Containers (and their cgroups) an interrupted run left behind.
    if declare -F tool >/dev/null; then
        for r in "${RUNTIMES[@]}"; do
            [[ -n $VOL && -d $VOL/state/$r ]] || continue
            for id in $(tool "$r" list -q 2>/dev/null); do
                tool "$r" delete --force "$id" >/dev/null 2>&1
            done
        done
        for t in skiff podman; do
            [[ -d $RUN/$t ]] || continue
            for id in $(tool "$t" ps -a -q 2>/dev/null); do
                tool "$t" rm -f "$id" >/dev/null 2>&1
            done
        done
    fi
    [[ -n $VOL ]] && remove_tree "$VOL"
    remove_tree "$RUN"
    if [[ -n $REGISTRY_UP ]]; then
        "$SRC/tests/fixtures/registry.sh" down "$FIXTURES" >/dev/null 2>&1 ||
            log "warning: registry.sh down failed"
    fi
    restore_host_state
    exit "$rc"
}

note_host_state
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --------------------------------------------------------------------------
# registry, stores, configuration
# --------------------------------------------------------------------------
remove_tree "$RUN"
mkdir -p "$RUN/conf/net" "$RUN/times" "$RUN/logs" "$FIXTURES"
# What lives in /run by default (run state: skiff's and podman's runroots,
# podman's tmpdir, the runtimes' state roots) goes to a tmpfs, as /run is on
# most systems: one mounted for the run on a short path (podman refuses a
# runroot path of 50 characters or more).
VOL=$(mktemp -d /tmp/skiff-bench.XXXXXX)
mount -t tmpfs -o mode=0700,size=512m skiff-bench-run "$VOL"
mkdir -p "$VOL/state"

log "starting the fixture registries (tests/fixtures/registry.sh, state in $FIXTURES)"
REGISTRY_UP=1
"$SRC/tests/fixtures/registry.sh" up "$FIXTURES" >"$RUN/logs/registry.log" 2>&1 ||
    { tail -n 20 "$RUN/logs/registry.log" >&2; die "registry.sh up failed"; }
REG_HTTP=$(sed -n 's/^REG_HTTP=//p' "$FIXTURES/env")
[[ -n $REG_HTTP ]] || die "no REG_HTTP in $FIXTURES/env"
IMAGE=$REG_HTTP/busybox:latest
log "image $IMAGE"

cat >"$RUN/conf/registries.conf" <<EOF
unqualified-search-registries = []
short-name-mode = "disabled"

[[registry]]
location = "$REG_HTTP"
insecure = true
EOF
cat >"$RUN/conf/policy.json" <<'EOF'
{"default": [{"type": "insecureAcceptAnything"}]}
EOF
# podman is isolated as in bench/pull.sh ("file" locks under --tmpdir, a
# private network config dir, no events). Two rlimits: as root podman asks
# for RLIMIT_NOFILE 1048576 and RLIMIT_NPROC 4194304 and lowers its own
# RLIMIT_NPROC to 32768 before it starts crun; without CAP_SYS_RESOURCE
# (containers, CI sandboxes) raising either fails and no container starts.
# So podman gets the host's hard NOFILE (what skiff gives a container too)
# and the NPROC it can set.
cat >"$RUN/conf/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
lock_type = "file"

[network]
network_backend = "cni"
network_config_dir = "$RUN/conf/net"
EOF

for t in skiff podman "${RUNTIMES[@]}"; do
    s=$RUN/$t
    mkdir -p "$s/tmp" "$s/home/.config" "$s/home/.local/share"
done
for t in skiff podman; do
    s=$RUN/$t
    mkdir -p "$s/root" "$VOL/$t/runroot" "$VOL/$t/libpod"
    printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' \
        "$s/root" "$VOL/$t/runroot" >"$s/storage.conf"
done

# tool TOOL ARGS...: skiff or podman on its own store, or a runtime on its own
# state root, all in the same clean environment (run under TOOL_WRAP, if set).
TOOL_WRAP=()
tool() {
    local t=$1 s=$RUN/$1
    shift
    local -a cmd
    case $t in
    skiff)  cmd=("$SKIFF" --root "$s/root" --runroot "$VOL/$t/runroot" "$@") ;;
    podman) cmd=(podman --root "$s/root" --runroot "$VOL/$t/runroot" --storage-driver overlay
                 --tmpdir "$VOL/$t/libpod" --cgroup-manager=cgroupfs --events-backend=none "$@") ;;
    skiff-runtime)
            cmd=("${SKIFF_RUNTIME[@]}" --root "$VOL/state/$t" "$@") ;;
    crun|runc)
            cmd=("$t" --root "$VOL/state/$t" "$@") ;;
    esac
    "${TOOL_WRAP[@]}" env -i PATH="$PATH" HOME="$s/home" XDG_CONFIG_HOME="$s/home/.config" \
        XDG_DATA_HOME="$s/home/.local/share" TMPDIR="$s/tmp" \
        CONTAINERS_REGISTRIES_CONF="$RUN/conf/registries.conf" \
        CONTAINERS_STORAGE_CONF="$s/storage.conf" \
        CONTAINERS_CONF="$RUN/conf/containers.conf" \
        SKIFF_STORAGE_CONF="$s/storage.conf" \
        "${cmd[@]}" </dev/null
}

# The benchmarked commands. skiff's default network is a private namespace
# with only loopback, which is podman's --network none; podman's default
# bridge would add CNI's setup (and change the host's network state).
BUNDLE=$RUN/bundle
SEQ=0
start() { # start NAME: run one container with the command called NAME
    SEQ=$((SEQ + 1))
    case $1 in
    skiff)  tool skiff run --rm "$IMAGE" true ;;
    podman) tool podman run --rm --network none "$IMAGE" true ;;
    *)      tool "$1" run --bundle "$BUNDLE" "bench-$1-$$-$SEQ" ;;
    esac
}

# timed PHASE NAME: start a container, append its wall time in microseconds
# (bash's EPOCHREALTIME around the whole command) to times/PHASE.NAME.
timed() {
    local t0 t1 rc=0
    t0=${EPOCHREALTIME/./}
    start "$2" >"$RUN/out" 2>"$RUN/err" || rc=$?
    t1=${EPOCHREALTIME/./}
    echo $((t1 - t0)) >>"$RUN/times/$1.$2"
    ((rc == 0)) || die "$2: exit $rc: $(tail -n 3 "$RUN/err" | tr '\n' ' ')"
}

# The names in the order for round $1: rotated each round.
order() {
    local round=$1
    shift
    local n=$# i out=()
    local -a names=("$@")
    for ((i = 0; i < n; i++)); do out+=("${names[(i + round) % n]}"); done
    echo "${out[@]}"
}

# --------------------------------------------------------------------------
# the image and the bundle
# --------------------------------------------------------------------------
log "skiff, podman: pulling $IMAGE into their stores"
tool skiff pull -q "$IMAGE" >/dev/null 2>"$RUN/logs/pull-skiff.log" ||
    die "skiff pull failed: $(tail -n 3 "$RUN/logs/pull-skiff.log")"
tool podman pull -q --signature-policy "$RUN/conf/policy.json" "$IMAGE" >/dev/null \
    2>"$RUN/logs/pull-podman.log" || die "podman pull failed: $(tail -n 3 "$RUN/logs/pull-podman.log")"

# The bundle the three runtimes share: the image's root filesystem (copied
# out of a skiff container) and `runc spec`'s config with no terminal and
# `true` as the process.
log "bundle: rootfs of $IMAGE, config.json from runc spec"
id=$(tool skiff create "$IMAGE" true 2>"$RUN/err") || die "skiff create: $(cat "$RUN/err")"
mnt=$(tool skiff mount "$id" 2>"$RUN/err") || die "skiff mount: $(cat "$RUN/err")"
mkdir -p "$BUNDLE/rootfs"
cp -a "$mnt/." "$BUNDLE/rootfs/"
tool skiff rm -f "$id" >/dev/null
runc spec --bundle "$BUNDLE"
"$PY" - "$BUNDLE/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
json.dump(c, open(p, "w"), indent=2)
EOF

# --------------------------------------------------------------------------
# the benchmark
# --------------------------------------------------------------------------
ENGINES=(skiff podman)
ALL=("${ENGINES[@]}" "${RUNTIMES[@]}")

log "warm-up: $WARMUP untimed runs each (page cache, podman's first-run setup, compiled seccomp profiles)"
for ((i = 0; i < WARMUP; i++)); do
    for n in "${ALL[@]}"; do
        start "$n" >"$RUN/out" 2>"$RUN/err" || die "$n: $(tail -n 3 "$RUN/err" | tr '\n' ' ')"
    done
done

log "pairs: $ROUNDS rounds of skiff run / podman run, then of the three runtimes"
for ((i = 1; i <= ROUNDS; i++)); do
    for n in $(order "$i" "${ENGINES[@]}"); do timed pair "$n"; done
    for n in $(order "$i" "${RUNTIMES[@]}"); do timed pair "$n"; done
done

log "in a row: $IN_A_ROW containers per command"
for n in "${ALL[@]}"; do
    t0=${EPOCHREALTIME/./}
    for ((i = 0; i < IN_A_ROW; i++)); do timed row "$n"; done
    echo $((${EPOCHREALTIME/./} - t0)) >"$RUN/times/rowtotal.$n"
done

# Peak RSS: /usr/bin/time's %M, the largest maximum resident set of the
# command and of the descendants it waited for (for the runtimes: the runtime
# process, its children in the container and the container's process; for
# skiff run the same, skiff being its own runtime; podman's conmon detaches,
# so it is not counted).
log "peak RSS: $RSS_ROUNDS runs per command under /usr/bin/time"
for ((i = 1; i <= RSS_ROUNDS; i++)); do
    for n in "${ALL[@]}"; do
        TOOL_WRAP=(/usr/bin/time -f %M -o "$RUN/rss")
        start "$n" >"$RUN/out" 2>"$RUN/err" || die "$n: $(tail -n 3 "$RUN/err" | tr '\n' ' ')"
        TOOL_WRAP=()
        tail -n 1 "$RUN/rss" >>"$RUN/times/rss.$n"
    done
done

# --------------------------------------------------------------------------
# checks and report
# --------------------------------------------------------------------------
for t in "${ENGINES[@]}"; do
    c=$(tool "$t" ps -a -q | grep -c . || true)
    [[ $c -eq 0 ]] || die "$t: $c containers left after run --rm"
done
for r in "${RUNTIMES[@]}"; do
    c=$(tool "$r" list -q | grep -c . || true)
    [[ $c -eq 0 ]] || die "$r: $c containers left after run"
done

# The raw numbers stay for a closer look: one file per phase and command,
# one value per line (microseconds; kB for rss).
rm -rf "$BENCH_DIR/last-times"
cp -r "$RUN/times" "$BENCH_DIR/last-times"
"$PY" - "$RUN/times" "$ROUNDS" "$IN_A_ROW" "$RSS_ROUNDS" "$SKIFF" "$IMAGE" \
    "${SKIFF_BENCH_CGROUP_NS:+private mount namespace with a v1 hugetlb hierarchy}" \
    <<'EOF' | tee "$BENCH_DIR/last-report.txt"
import os, statistics, sys
tdir, rounds, row, rss_rounds, skiff, image, ns = sys.argv[1:8]
rounds, row, rss_rounds = int(rounds), int(row), int(rss_rounds)
def load(name):
    p = os.path.join(tdir, name)
    return [int(l) for l in open(p) if l.strip()] if os.path.exists(p) else []
names = ['skiff', 'podman', 'skiff-runtime', 'crun', 'runc']
labels = {'skiff': 'skiff run --rm IMAGE true', 'podman': 'podman run --rm --network none IMAGE true',
          'skiff-runtime': 'skiff-runtime run BUNDLE', 'crun': 'crun run BUNDLE',
          'runc': 'runc run BUNDLE'}
med, row_total, row_med, rss = {}, {}, {}, {}
table = []
for n in names:
    ts = [t / 1000.0 for t in load('pair.' + n)]  # ms
    med[n] = statistics.median(ts)
    row_total[n] = load('rowtotal.' + n)[0] / 1000.0  # ms, the loop included
    row_med[n] = statistics.median(load('row.' + n)) / 1000.0
    rss[n] = max(load('rss.' + n))                # kB
    table.append([labels[n], '%.1f' % med[n], '%.1f-%.1f' % (min(ts), max(ts)),
                  '%.2f' % (row_total[n] / 1000), '%.1f' % (row_total[n] / row),
                  '%.1f' % row_med[n], '%d' % rss[n]])
hdr = ['command', 'rounds median (ms)', 'rounds min-max', '%d in a row (s)' % row,
       'row mean (ms)', 'row median (ms)', 'peak RSS (kB)']
w = [max(len(str(x)) for x in col) for col in zip(hdr, *table)]
f = '  '.join('%%-%ds' % x for x in w)
print()
print('skiff: %s; image %s' % (skiff, image))
print('%d alternating rounds (median), %d in a row per command, peak RSS the highest of %d runs'
      % (rounds, row, rss_rounds))
if ns:
    print('every command ran in a %s (for crun)' % ns)
print(f % tuple(hdr))
print(f % tuple('-' * x for x in w))
for r in table:
    print(f % tuple(r))
print()
print('ratios                      median    in a row (total)')
for a, b in [('skiff', 'podman'), ('skiff-runtime', 'crun'), ('skiff-runtime', 'runc')]:
    print('  %-24s  %.3fx    %.3fx' % (a + ' / ' + b, med[a] / med[b], row_total[a] / row_total[b]))
print()
print('targets:')
def target(what, ok, value):
    print('  %-50s %-16s -> %s' % (what, value, 'PASS' if ok else 'FAIL'))
r = med['skiff'] / med['podman']
target("skiff run: at most 1/6 of podman run's time", r <= 1 / 6.0, '%.3fx (1/%.1f)' % (r, 1 / r))
r = med['skiff-runtime'] / med['crun']
target("skiff-runtime run: within 1.3x of crun run's", r <= 1.3, '%.2fx' % r)
target('skiff-runtime run: peak RSS under 5 MB (5000 kB)', rss['skiff-runtime'] < 5000,
       '%d kB' % rss['skiff-runtime'])
EOF
