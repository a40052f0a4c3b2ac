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

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fixture_bench_init /var/tmp/skiff-bench-containers "overlay mounts, podman --root" "$@"

N=${N:-1000}
RM_EACH=${RM_EACH:-100}
PS_ROUNDS=${PS_ROUNDS:-10}
positive_ints N
[[ $RM_EACH =~ ^[0-9]+$ ]] && ((RM_EACH <= N)) || die "RM_EACH must be between 0 and N"
positive_ints PS_ROUNDS

# --------------------------------------------------------------------------
# registry, stores, configuration
# --------------------------------------------------------------------------
engine_bench_start
# podman gets enough locks for every container.
write_configs "$REG_HTTP" "" "num_locks = $(num_locks "$N")"
stores_with_image

# --------------------------------------------------------------------------
# the benchmark
# --------------------------------------------------------------------------
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
report_py "$RUN/times" "$N" "$RM_EACH" "$PS_ROUNDS" "$SKIFF" "${tools[@]}" <<'EOF' | tee "$BENCH_DIR/last-report.txt"
n, rm_each, ps_rounds, skiff = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
tools = sys.argv[6:]
def times(phase, tool):
    return [t / 1000.0 for t in load('%s.%s' % (phase, tool))]  # ms
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
print()
print('skiff: %s; %d containers of the fixture busybox image per tool; wall times per command' % (skiff, n))
print_table(hdr, table)
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
