#!/usr/bin/env bash
# bench/containers.sh - container lifecycle benchmark: skiff vs podman.
# N creates, N mounts, `ps -a` with N containers, then removal (one by one
# for the first RM_EACH, `rm -a` for the rest), from the fixture busybox image
# on a local registry. See bench/README.md.
#
# Usage: bench/containers.sh [--help]
#
# Environment:
#   N           containers per tool                        [1000]
#   RM_EACH     of those, removed one `rm` at a time        [100]
#   PS_ROUNDS   `ps -a` runs per tool (the median counts)   [10]
#   BENCH_DIR   work dir (fixture image cache, scratch)     [/var/tmp/skiff-bench-containers]
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

N=${N:-1000}
RM_EACH=${RM_EACH:-100}
PS_ROUNDS=${PS_ROUNDS:-10}
BENCH_DIR=${BENCH_DIR:-/var/tmp/skiff-bench-containers}
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
[[ $RM_EACH =~ ^[0-9]+$ ]] && ((RM_EACH <= N)) || die "RM_EACH must be between 0 and N"
[[ $PS_ROUNDS =~ ^[1-9][0-9]*$ ]] || die "PS_ROUNDS must be a positive integer"
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
cat >"$RUN/conf/containers.conf" <<EOF
[engine]
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

declare -A IDS   # IDS[TOOL:I]: the ID of TOOL's Ith container
log "create: $N containers per tool"
for ((i = 1; i <= N; i++)); do
    for t in $(order "$i"); do
        timed create "$t" create "$IMAGE"
        IDS[$t:$i]=$(head -n 1 "$RUN/out")
        [[ ${IDS[$t:$i]} =~ ^[0-9a-f]{64}$ ]] || die "$t create printed '${IDS[$t:$i]}'"
    done
    ((i % 100)) || log "  $i"
done
for t in "${tools[@]}"; do
    c=$(count_containers "$t")
    [[ $c -eq $N ]] || die "$t: ps -a lists $c containers after $N creates"
done

log "mount: each of the $N containers"
for ((i = 1; i <= N; i++)); do
    for t in $(order "$i"); do
        timed mount "$t" mount "${IDS[$t:$i]}"
    done
    ((i % 100)) || log "  $i"
done
for t in "${tools[@]}"; do
    c=$(mounts_under "$RUN/$t/root")
    [[ $c -ge $N ]] || die "$t: only $c overlay mounts after $N mounts"
done

log "ps -a with $N containers: $PS_ROUNDS rounds"
for ((i = 1; i <= PS_ROUNDS; i++)); do
    for t in $(order "$i"); do
        timed ps "$t" ps -a
        c=$(($(wc -l <"$RUN/out") - 1))
        [[ $c -eq $N ]] || die "$t: ps -a listed $c containers, expected $N"
    done
done

log "rm: $RM_EACH containers one at a time, then rm -a for the other $((N - RM_EACH))"
for ((i = 1; i <= RM_EACH; i++)); do
    for t in $(order "$i"); do
        timed rm "$t" rm "${IDS[$t:$i]}"
    done
done
for t in $(order 1); do
    timed rmall "$t" rm -a
    c=$(count_containers "$t")
    [[ $c -eq 0 ]] || die "$t: $c containers left after rm -a"
    c=$(mounts_under "$RUN/$t/root")
    [[ $c -eq 0 ]] || die "$t: $c mounts left after rm -a"
done

# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------
"$PY" - "$RUN/times" "$N" "$RM_EACH" "$PS_ROUNDS" "$SKIFF" "${tools[@]}" <<'EOF' | tee "$BENCH_DIR/last-report.txt"
import os, statistics, sys
tdir, n, rm_each, ps_rounds, skiff = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
tools = sys.argv[6:]
def times(phase, tool):
    p = os.path.join(tdir, '%s.%s' % (phase, tool))
    if not os.path.exists(p):
        return []
    return [int(l) / 1000.0 for l in open(p) if l.strip()]  # ms
rows = [('create', 'create x%d' % n), ('mount', 'mount x%d' % n),
        ('ps', 'ps -a, %d containers (x%d)' % (n, ps_rounds)),
        ('rm', 'rm one at a time x%d' % rm_each), ('rmall', 'rm -a, %d containers' % (n - rm_each))]
def fmt_total(ms):
    return '%.2f s' % (ms / 1000) if ms >= 1000 else '%.1f ms' % ms
hdr = ['operation']
for t in tools:
    hdr += ['%s total' % t, '%s median' % t]
if 'skiff' in tools and 'podman' in tools:
    hdr.append('skiff/podman')
table, summary = [], {}
for phase, label in rows:
    row = [label]
    for t in tools:
        ts = times(phase, t)
        if not ts:
            row += ['-', '-']
            continue
        summary[(phase, t)] = (sum(ts), statistics.median(ts))
        row += [fmt_total(sum(ts)), '%.1f ms' % statistics.median(ts)]
    if 'skiff' in tools and 'podman' in tools:
        s, p = summary.get((phase, 'skiff')), summary.get((phase, 'podman'))
        # ps -a is compared by its median, the others by their total
        k = 1 if phase == 'ps' else 0
        row.append('%.2fx' % (s[k] / p[k]) if s and p and p[k] else '-')
    table.append(row)
w = [max(len(str(x)) for x in col) for col in zip(hdr, *table)]
f = '  '.join('%%-%ds' % x for x in w)
print()
print('skiff: %s; %d containers of the fixture busybox image per tool; wall times per command' % (skiff, n))
print(f % tuple(hdr))
print(f % tuple('-' * x for x in w))
for r in table:
    print(f % tuple(r))
print()
print('targets:')
def ratio_target(phase, what):
    s, p = summary.get((phase, 'skiff')), summary.get((phase, 'podman'))
    if not s or not p:
        print('  %-40s n/a (needs skiff and podman)' % what)
        return
    r = s[0] / p[0]
    print('  %-40s %.2fx podman -> %s' % (what, r, 'PASS' if r < 0.25 else 'FAIL'))
ratio_target('create', 'create: under 0.25x podman\'s time')
ratio_target('mount', 'mount: under 0.25x podman\'s time')
s = summary.get(('ps', 'skiff'))
if s:
    print('  %-40s %.1f ms median -> %s' % ('ps -a with %d containers: under 100 ms' % n, s[1],
                                           'PASS' if s[1] < 100 else 'FAIL'))
EOF
