#!/usr/bin/env bash
# bench/lifecycle.sh - the detached lifecycle: skiff vs podman. For each of N
# containers of the fixture busybox image (sleep as its command): start
# (detached), exec CTR true, stop -t 0, rm -f -t 0, the tools alternating
# pair by pair; then the resident memory of skiff's monitor against podman's
# conmon, each holding an idle container. See bench/README.md.
#
# Usage: bench/lifecycle.sh [--help]
#
# Environment:
#   N           containers per tool                        [30]
#   BENCH_DIR   work dir (fixture image cache, scratch)     [/var/tmp/skiff-bench-lifecycle]
#   SKIFF       skiff binary                                [/usr/local/bin/skiff]
#   TOOLS       tools to compare                            ["skiff podman"]
set -Eeuo pipefail
umask 022
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/.." && pwd)

# The registries (tests/fixtures/registry.sh) detach from us; when they exit,
# whoever adopts orphans must reap them. Re-exec as a child subreaper (bash
# reaps whatever it adopts) so nothing is left as a zombie where PID 1 does
# not reap, as tests/run.sh does.
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

N=${N:-30}
BENCH_DIR=${BENCH_DIR:-/var/tmp/skiff-bench-lifecycle}
SKIFF=${SKIFF:-/usr/local/bin/skiff}
TOOLS=${TOOLS:-"skiff podman"}

FIXTURES=$BENCH_DIR/fixtures    # registry.sh state: the image cache is kept
RUN=$BENCH_DIR/run              # stores, configs, timings (removed on exit)

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for arg in "$@"; do
    case $arg in
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

[[ $EUID -eq 0 ]] || die "must run as root (overlay mounts, podman --root)"
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer"
read -r -a tools <<<"$TOOLS"
for t in "${tools[@]}"; do
    [[ $t == skiff || $t == podman ]] || die "unknown tool $t (skiff|podman)"
done
if [[ " ${tools[*]} " == *" skiff "* && ! -x $SKIFF ]]; then
    die "$SKIFF is not an executable (set SKIFF=, e.g. SKIFF=build/skiff)"
fi

# --------------------------------------------------------------------------
# cleanup
# --------------------------------------------------------------------------
REGISTRY_UP=

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
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
# dependencies
# --------------------------------------------------------------------------
need_pkgs=()
command -v podman >/dev/null      || need_pkgs+=(podman)
[[ -x /usr/bin/docker-registry ]] || need_pkgs+=(docker-registry)
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
# registry, stores, configuration
# --------------------------------------------------------------------------
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
# As in bench/pull.sh: podman keeps off shared global state ("file" locks under
# --tmpdir instead of /dev/shm/libpod_lock, a private network config dir), and
# has enough locks for every container.
num_locks=$((N + 64 > 2048 ? N + 64 : 2048))
# podman: runc (crun 1.8 refuses this host's hugetlb-only cgroup2 mount) and a
# nofile limit the host allows (no CAP_SYS_RESOURCE here, hard limit 20000).
cat >"$RUN/conf/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "none"
lock_type = "file"
num_locks = $num_locks

[network]
network_backend = "cni"
network_config_dir = "$RUN/conf/net"
EOF

for t in "${tools[@]}"; do
    s=$RUN/$t
    mkdir -p "$s/root" "$s/runroot" "$s/tmp" "$s/home/.config" "$s/home/.local/share" "$s/libpod"
    printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' \
        "$s/root" "$s/runroot" >"$s/storage.conf"
done

# tool TOOL ARGS...: run skiff or podman on its own store, in the same clean
# environment for both (as bench/pull.sh does).
tool() {
    local t=$1 s=$RUN/$1
    shift
    local -a cmd
    case $t in
    skiff)  cmd=("$SKIFF" --root "$s/root" --runroot "$s/runroot" "$@") ;;
    podman) cmd=(podman --root "$s/root" --runroot "$s/runroot" --storage-driver overlay
                 --tmpdir "$s/libpod" --cgroup-manager=cgroupfs --events-backend=none "$@") ;;
    esac
    env -i PATH="$PATH" HOME="$s/home" XDG_CONFIG_HOME="$s/home/.config" \
        XDG_DATA_HOME="$s/home/.local/share" TMPDIR="$s/tmp" \
        CONTAINERS_REGISTRIES_CONF="$RUN/conf/registries.conf" \
        CONTAINERS_STORAGE_CONF="$s/storage.conf" \
        CONTAINERS_CONF="$RUN/conf/containers.conf" \
        SKIFF_STORAGE_CONF="$s/storage.conf" \
        "${cmd[@]}" </dev/null
}

# timed PHASE TOOL ARGS...: run `tool TOOL ARGS`, append its wall time in
# microseconds to times/PHASE.TOOL; its stdout is left in $RUN/out.
timed() {
    local phase=$1 t=$2 t0 t1 rc=0
    shift 2
    t0=${EPOCHREALTIME/./}
    tool "$t" "$@" >"$RUN/out" 2>"$RUN/err" || rc=$?
    t1=${EPOCHREALTIME/./}
    echo $((t1 - t0)) >>"$RUN/times/$phase.$t"
    ((rc == 0)) || die "$t $*: exit $rc: $(tail -n 3 "$RUN/err" | tr '\n' ' ')"
}

# The tools in the order for round $1: alternating, so neither always goes first.
order() {
    if (($1 % 2)) || ((${#tools[@]} == 1)); then echo "${tools[@]}"; else
        local i out=()
        for ((i = ${#tools[@]} - 1; i >= 0; i--)); do out+=("${tools[i]}"); done
        echo "${out[@]}"
    fi
}

mounts_under() {
    awk -v b="$(realpath "$1")/" 'index($5, b) == 1 && $0 ~ / - (overlay|fuse[.a-z-]*) / { n++ } END { print n + 0 }' \
        /proc/self/mountinfo
}

count_containers() {
    tool "$1" ps -a -q | grep -c . || true
}

# --------------------------------------------------------------------------
# the benchmark
# --------------------------------------------------------------------------
for t in "${tools[@]}"; do
    log "$t: pulling $IMAGE into its store"
    case $t in
    skiff)  tool skiff pull -q "$IMAGE" >/dev/null 2>"$RUN/logs/pull-skiff.log" ||
                die "skiff pull failed: $(tail -n 3 "$RUN/logs/pull-skiff.log")" ;;
    podman) tool podman pull -q --signature-policy "$RUN/conf/policy.json" "$IMAGE" >/dev/null \
                2>"$RUN/logs/pull-podman.log" || die "podman pull failed: $(tail -n 3 "$RUN/logs/pull-podman.log")" ;;
    esac
done

log "lifecycle: $N containers per tool (create untimed; start, exec, stop, rm -f timed)"
for ((i = 1; i <= N; i++)); do
    for t in $(order "$i"); do
        tool "$t" create "$IMAGE" sleep 1000 >"$RUN/out" 2>"$RUN/err" ||
            die "$t create: $(tail -n 3 "$RUN/err")"
        id=$(head -n 1 "$RUN/out")
        timed start "$t" start "$id"
        timed exec "$t" exec "$id" true
        timed stop "$t" stop -t 0 "$id"
        tool "$t" start "$id" >/dev/null 2>"$RUN/err" || die "$t: second start: $(tail -n 3 "$RUN/err")"
        timed rmf "$t" rm -f -t 0 "$id"
    done
    ((i % 10)) || log "  $i"
done

# Memory: one idle container each; RSS and PSS of the process that holds it.
monitor_pids() { # TOOL: pids of its monitors (their command lines name its store)
    local comm=conmon p
    [[ $1 == skiff ]] && comm=skiff-monitor
    for p in $(pgrep -x "$comm"); do
        tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$RUN/$1/" && echo "$p"
    done
    return 0
}
for t in "${tools[@]}"; do
    tool "$t" run -d "$IMAGE" sleep 1000 >"$RUN/out" 2>"$RUN/err" || die "$t run -d: $(tail -n 3 "$RUN/err")"
    sleep 1
    p=$(monitor_pids "$t" | head -n 1)
    [[ -n $p ]] || die "$t: no monitor process found"
    echo "$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup") $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")" \
        >"$RUN/times/mem.$t"
    tool "$t" rm -a -f -t 0 >/dev/null 2>&1 || true
done
for t in "${tools[@]}"; do
    [[ -z $(monitor_pids "$t") ]] || die "$t: monitors left running"
    c=$(count_containers "$t")
    [[ $c -eq 0 ]] || die "$t: $c containers left"
done

# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------
"$PY" - "$RUN/times" "$N" "$SKIFF" "${tools[@]}" <<'EOF' | tee "$BENCH_DIR/last-report.txt"
import os, statistics, sys
tdir, n, skiff = sys.argv[1], int(sys.argv[2]), sys.argv[3]
tools = sys.argv[4:]
def times(phase, tool):
    p = os.path.join(tdir, '%s.%s' % (phase, tool))
    return [int(l) / 1000.0 for l in open(p) if l.strip()] if os.path.exists(p) else []
rows = [('start', 'start (detached)'), ('exec', 'exec CTR true'), ('stop', 'stop -t 0'),
        ('rmf', 'rm -f -t 0 (running)')]
both = 'skiff' in tools and 'podman' in tools
hdr = ['operation'] + ['%s median' % t for t in tools] + (['skiff/podman'] if both else [])
table, med = [], {}
for phase, label in rows:
    row = [label]
    for t in tools:
        ts = times(phase, t)
        med[(phase, t)] = statistics.median(ts) if ts else None
        row.append('%.1f ms' % med[(phase, t)] if ts else '-')
    if both:
        s, p = med[(phase, 'skiff')], med[(phase, 'podman')]
        row.append('%.2fx' % (s / p) if s and p else '-')
    table.append(row)
mem = {}
for t in tools:
    p = os.path.join(tdir, 'mem.' + t)
    if os.path.exists(p):
        rss, pss = open(p).read().split()
        mem[t] = (int(rss), int(pss))
row = ['monitor RSS / PSS (kB)'] + ['%d / %d' % mem[t] if t in mem else '-' for t in tools]
if both:
    row.append('%.2fx' % (mem['skiff'][0] / mem['podman'][0]) if len(mem) == 2 else '-')
table.append(row)
w = [max(len(str(x)) for x in col) for col in zip(hdr, *table)]
f = '  '.join('%%-%ds' % x for x in w)
print()
print('skiff: %s; %d containers per tool (busybox, sleep 1000); medians of wall times per command;'
      % (skiff, n))
print('monitor: skiff-monitor vs conmon, each holding one idle container')
print(f % tuple(hdr))
print(f % tuple('-' * x for x in w))
for r in table:
    print(f % tuple(r))
print()
print('targets:')
def target(phase, what, limit):
    s, p = med.get((phase, 'skiff')), med.get((phase, 'podman'))
    if not s or not p:
        print('  %-44s n/a (needs skiff and podman)' % what)
        return
    print('  %-44s %.2fx podman -> %s' % (what, s / p, 'PASS' if s / p < limit else 'FAIL'))
target('start', "start: under 1/5 of podman's time", 0.2)
target('exec', "exec: under 1/5 of podman's time", 0.2)
if 'skiff' in mem:
    r, c = mem['skiff'][0], mem.get('podman', (None,))[0]
    ok = r < 1024 and (c is None or r < c)
    print('  %-44s %d kB RSS%s -> %s' % ('monitor: under 1 MB RSS and less than conmon', r,
          ' (conmon %d kB)' % c if c else '', 'PASS' if ok else 'FAIL'))
EOF
