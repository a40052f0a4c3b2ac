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

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fixture_bench_init /var/tmp/skiff-bench-run "namespaces, cgroups, overlay mounts" "$@"

[[ -x $SKIFF ]] || die "$SKIFF is not an executable (set SKIFF=, e.g. SKIFF=build/skiff)"
SKIFF=$(realpath "$SKIFF")
if [[ -x $(dirname "$SKIFF")/skiff-runtime ]]; then
    SKIFF_RUNTIME=("$(dirname "$SKIFF")/skiff-runtime")
else
    SKIFF_RUNTIME=("$SKIFF" runtime)
fi

ROUNDS=${ROUNDS:-20}
IN_A_ROW=${IN_A_ROW:-100}
RSS_ROUNDS=${RSS_ROUNDS:-5}
WARMUP=${WARMUP:-2}
CGROUP_NS=${CGROUP_NS:-auto}
positive_ints ROUNDS IN_A_ROW RSS_ROUNDS
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer"
[[ $CGROUP_NS == auto || $CGROUP_NS == always || $CGROUP_NS == never ]] ||
    die "CGROUP_NS must be auto, always or never"

# --------------------------------------------------------------------------
# dependencies
# --------------------------------------------------------------------------
install_missing podman crun runc /usr/bin/time=time "${FIXTURE_DEPS[@]}"

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

# spec_bundle DIR PROGRAM: `runc spec`'s config.json in the bundle DIR, with
# process.terminal false and PROGRAM (no arguments) as process.args.
spec_bundle() {
    runc spec --bundle "$1"
    "$PY" - "$1/config.json" "$2" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = [sys.argv[2]]
json.dump(c, open(p, "w"), indent=2)
EOF
}

# crun_probe DIR: can crun run a trivial container (host's busybox) here?
crun_probe() {
    local d=$1
    rm -rf "$d"
    mkdir -p "$d/rootfs/bin" "$d/state"
    cp /bin/busybox "$d/rootfs/bin/true"
    spec_bundle "$d" /bin/true
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
# the tools, cleanup
# --------------------------------------------------------------------------
RUNTIMES=(skiff-runtime crun runc)
VOL=    # the tmpfs for the run state (see below)

# tool TOOL ARGS...: skiff or podman on its own store, or a runtime on its own
# state root, all in the same clean environment (run under TOOL_WRAP, if set).
TOOL_WRAP=()
tool() {
    local t=$1
    shift
    local -a CMD ENV
    case $t in
    skiff|podman)
            engine_cmd "$t" "$RUN/$t" "$VOL/$t" "$@" ;;
    skiff-runtime)
            CMD=("${SKIFF_RUNTIME[@]}" --root "$VOL/state/$t" "$@") ;;
    crun|runc)
            CMD=("$t" --root "$VOL/state/$t" "$@") ;;
    esac
    clean_env "$RUN/$t"
    "${TOOL_WRAP[@]}" "${ENV[@]}" "${CMD[@]}" </dev/null
}

# Before bench_cleanup (lib.sh) removes $RUN and stops the registries: the
# containers (and their cgroups) an interrupted run left behind, once the
# tmpfs is there, then the tmpfs.
cleanup_first() {
    local r t id
    [[ -n $VOL ]] || return 0
    for r in "${RUNTIMES[@]}"; do
        [[ -d $VOL/state/$r ]] || continue
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
    remove_tree "$VOL"
}
set_traps

# --------------------------------------------------------------------------
# registry, stores, configuration
# --------------------------------------------------------------------------
start_fixture_registries
# What lives in /run by default (run state: skiff's and podman's runroots,
# podman's tmpdir, the runtimes' state roots) goes to a tmpfs, as /run is on
# most systems: one mounted for the run on a short path (podman refuses a
# runroot path of 50 characters or more).
VOL=$(mktemp -d /tmp/skiff-bench.XXXXXX)
mount -t tmpfs -o mode=0700,size=512m skiff-bench-run "$VOL"
mkdir -p "$VOL/state"

# Two rlimits for podman: as root it asks for RLIMIT_NOFILE 1048576 and
# RLIMIT_NPROC 4194304 and lowers its own RLIMIT_NPROC to 32768 before it
# starts crun; without CAP_SYS_RESOURCE (containers, CI sandboxes) raising
# either fails and no container starts. So podman gets the host's hard NOFILE
# (what skiff gives a container too) and the NPROC it can set.
write_configs "$REG_HTTP" "\"nofile=$(ulimit -Hn):$(ulimit -Hn)\", \"nproc=32768:32768\""

for t in "${RUNTIMES[@]}"; do make_home "$RUN/$t"; done
for t in skiff podman; do make_store "$RUN/$t" "$VOL/$t"; done

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

# timed_start PHASE NAME: start a container, append its wall time in
# microseconds (bash's EPOCHREALTIME around the whole command) to
# times/PHASE.NAME.
timed_start() { run_timed "$1" "$2" "$2" start "$2"; }

# --------------------------------------------------------------------------
# the image and the bundle
# --------------------------------------------------------------------------
pull_image skiff podman

# The bundle the three runtimes share: the image's root filesystem (copied
# out of a skiff container) and `runc spec`'s config with no terminal and
# `true` as the process.
log "bundle: rootfs of $IMAGE, config.json from runc spec"
id=$(tool skiff create "$IMAGE" true 2>"$RUN/err") || die "skiff create: $(cat "$RUN/err")"
mnt=$(tool skiff mount "$id" 2>"$RUN/err") || die "skiff mount: $(cat "$RUN/err")"
mkdir -p "$BUNDLE/rootfs"
cp -a "$mnt/." "$BUNDLE/rootfs/"
tool skiff rm -f "$id" >/dev/null
spec_bundle "$BUNDLE" true

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
    # (round i rotated by i: round 1 starts with the second)
    for n in $(order "$((i + 1))" "${ENGINES[@]}"); do timed_start pair "$n"; done
    for n in $(order "$((i + 1))" "${RUNTIMES[@]}"); do timed_start pair "$n"; done
done

log "in a row: $IN_A_ROW containers per command"
for n in "${ALL[@]}"; do
    t0=${EPOCHREALTIME/./}
    for ((i = 0; i < IN_A_ROW; i++)); do timed_start row "$n"; done
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
    c=$(count_containers "$t")
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
report_py "$RUN/times" "$ROUNDS" "$IN_A_ROW" "$RSS_ROUNDS" "$SKIFF" "$IMAGE" \
    "${SKIFF_BENCH_CGROUP_NS:+private mount namespace with a v1 hugetlb hierarchy}" \
    <<'EOF' | tee "$BENCH_DIR/last-report.txt"
tdir, rounds, row, rss_rounds, skiff, image, ns = sys.argv[1:8]
rounds, row, rss_rounds = int(rounds), int(row), int(rss_rounds)
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
print()
print('skiff: %s; image %s' % (skiff, image))
print('%d alternating rounds (median), %d in a row per command, peak RSS the highest of %d runs'
      % (rounds, row, rss_rounds))
if ns:
    print('every command ran in a %s (for crun)' % ns)
print_table(hdr, table)
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
