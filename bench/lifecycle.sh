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

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fixture_bench_init /var/tmp/skiff-bench-lifecycle "overlay mounts, podman --root" "$@"

N=${N:-30}
positive_ints N

# --------------------------------------------------------------------------
# registry, stores, configuration
# --------------------------------------------------------------------------
engine_bench_start
# podman: enough locks for every container, runc (crun 1.8 refuses this
# host's hugetlb-only cgroup2 mount) and a nofile limit the host allows (no
# CAP_SYS_RESOURCE here, hard limit 20000).
write_configs "$REG_HTTP" '"nofile=1024:1024", "nproc=1024:1024"' \
    'runtime = "runc"' "num_locks = $(num_locks "$N")"
stores_with_image

# --------------------------------------------------------------------------
# the benchmark
# --------------------------------------------------------------------------
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
report_py "$RUN/times" "$N" "$SKIFF" "${tools[@]}" <<'EOF' | tee "$BENCH_DIR/last-report.txt"
tdir, n, skiff = sys.argv[1], int(sys.argv[2]), sys.argv[3]
tools = sys.argv[4:]
def times(phase, tool):
    return [t / 1000.0 for t in load('%s.%s' % (phase, tool))]  # ms
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
print()
print('skiff: %s; %d containers per tool (busybox, sleep 1000); medians of wall times per command;'
      % (skiff, n))
print('monitor: skiff-monitor vs conmon, each holding one idle container')
print_table(hdr, table)
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
