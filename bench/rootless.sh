#!/usr/bin/env bash
# bench/rootless.sh - rootless benchmark: skiff vs podman run by an ordinary
# user (through runuser), in one run: `run --rm IMAGE true` (alternating
# rounds, containers in a row, peak RSS), then cold pulls of bench/pull.sh's
# realistic image from a registry on localhost. See bench/README.md.
#
# Usage: bench/rootless.sh [--help]
#
# Environment:
#   ROUNDS          alternating rounds of run (the median counts)  [20]
#   IN_A_ROW        containers in a row per tool                   [100]
#   RSS_ROUNDS      runs per tool under /usr/bin/time -f %M        [5]
#   WARMUP          untimed runs per tool first                    [2]
#   PULL_ROUNDS     cold pulls per tool and storage                [3]
#   STORAGES        where the pulls' stores live                   ["disk tmpfs"]
#   PARTS           what to measure                                ["run pull"]
#   BENCH_USER      the ordinary user (created if missing)         [skiffbench]
#   BENCH_SUBID     its subordinate uids and gids: BENCH_SUBID..+65535  [700000]
#   BENCH_DIR       work dir (fixture image cache, scratch)        [/var/tmp/skiff-bench-rootless]
#   PULL_BENCH_DIR  bench/pull.sh's work dir, whose image is pulled (built there
#                   with `pull.sh --build-only` if missing)        [/var/tmp/skiff-bench]
#   SKIFF           skiff binary                                   [/usr/local/bin/skiff]
#   TMPFS_SIZE      size of the pulls' tmpfs                       [4G]
#   PULL_TIMEOUT    seconds before a pull is killed                [900]
#   DROP_CACHES     1 = drop the page cache before every pull      [1]
set -Eeuo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fixture_bench_init /var/tmp/skiff-bench-rootless "useradd, /etc/subuid, runuser, tmpfs mounts" "$@"

[[ -x $SKIFF ]] || die "$SKIFF is not an executable (set SKIFF=, e.g. SKIFF=build/skiff)"
SKIFF=$(realpath "$SKIFF")
BENCH_DIR=$(realpath -m "$BENCH_DIR")
FIXTURES=$BENCH_DIR/fixtures
RUN=$BENCH_DIR/run
PULL_BENCH_DIR=$(realpath -m "${PULL_BENCH_DIR:-/var/tmp/skiff-bench}")
PULL_IMAGE=$PULL_BENCH_DIR/image

ROUNDS=${ROUNDS:-20}
IN_A_ROW=${IN_A_ROW:-100}
RSS_ROUNDS=${RSS_ROUNDS:-5}
WARMUP=${WARMUP:-2}
PULL_ROUNDS=${PULL_ROUNDS:-3}
STORAGES=${STORAGES:-"disk tmpfs"}
PARTS=${PARTS:-"run pull"}
BENCH_USER=${BENCH_USER:-skiffbench}
BENCH_SUBID=${BENCH_SUBID:-700000}
TMPFS_SIZE=${TMPFS_SIZE:-4G}
PULL_TIMEOUT=${PULL_TIMEOUT:-900}
DROP_CACHES=${DROP_CACHES:-1}
positive_ints ROUNDS IN_A_ROW RSS_ROUNDS PULL_ROUNDS BENCH_SUBID PULL_TIMEOUT
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer"
[[ $BENCH_USER =~ ^[a-z_][a-z0-9_-]*$ && $BENCH_USER != root ]] || die "BENCH_USER must name an ordinary user"
do_run=0 do_pull=0
for p in $PARTS; do
    case $p in
    run)  do_run=1 ;;
    pull) do_pull=1 ;;
    *)    die "unknown part $p (run|pull)" ;;
    esac
done
for s in $STORAGES; do
    [[ $s == disk || $s == tmpfs ]] || die "unknown storage $s (disk|tmpfs)"
done
TOOLS_ALL=(skiff podman)
tools=("${TOOLS_ALL[@]}")      # for order (lib.sh)
cd /                           # the user's commands start from a directory it can enter

# --------------------------------------------------------------------------
# dependencies, the user
# --------------------------------------------------------------------------
install_missing podman skopeo newuidmap=uidmap runuser=util-linux /usr/bin/time=time \
    "${FIXTURE_DEPS[@]}"

# The user, and its subordinate IDs: its lines in /etc/subuid and
# /etc/subgid made exactly BENCH_USER:BENCH_SUBID:65536 (Debian's useradd may
# have given it a range of its own); other users' lines are left alone.
if ! id -u "$BENCH_USER" >/dev/null 2>&1; then
    log "creating the user $BENCH_USER"
    useradd --create-home --shell /bin/sh "$BENCH_USER" || die "useradd $BENCH_USER failed"
fi
BENCH_UID=$(id -u "$BENCH_USER")
BENCH_GID=$(id -g "$BENCH_USER")
for f in /etc/subuid /etc/subgid; do
    touch "$f"
    if ! grep -qx "$BENCH_USER:$BENCH_SUBID:65536" "$f" ||
            [[ $(grep -c "^$BENCH_USER:" "$f") -ne 1 ]]; then
        log "$f: $BENCH_USER:$BENCH_SUBID:65536"
        sed -i "/^$BENCH_USER:/d" "$f"
        echo "$BENCH_USER:$BENCH_SUBID:65536" >>"$f"
    fi
done

# --------------------------------------------------------------------------
# running as the user, cleanup
# --------------------------------------------------------------------------
VOL=     # a tmpfs for the users' runtime dirs (XDG_RUNTIME_DIR is on /run/user)
MEASURE= # the timing helper the user runs (below)
USER_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# user_env DIR RTDIR: a fresh world for one tool as the user: DIR/home (with
# the configuration below in ~/.config), DIR/tmp, and RTDIR, its
# XDG_RUNTIME_DIR (0700, as /run/user/UID is), all owned by the user.
user_env() {
    local d=$1 rt=$2
    mkdir -p "$d/home/.config/containers" "$d/home/.config/skiff" "$d/home/.local/share" \
        "$d/tmp" "$rt"
    cp "$RUN/conf/registries.conf" "$RUN/conf/policy.json" "$RUN/conf/storage.conf" \
        "$RUN/conf/containers.conf" "$d/home/.config/containers/"
    cp "$RUN/conf/storage.conf" "$d/home/.config/skiff/"
    chown -R "$BENCH_UID:$BENCH_GID" "$d" "$rt"
    chmod 0700 "$rt"
}

# user_argv DIR RTDIR: sets UARGV to the prefix that runs a command as the
# user in the clean environment of user_env DIR RTDIR, the same for both
# tools: runuser, then `env -i` with PATH, HOME, XDG_CONFIG_HOME,
# XDG_DATA_HOME, XDG_RUNTIME_DIR and TMPDIR.
user_argv() {
    local d=$1 rt=$2
    UARGV=(runuser -u "$BENCH_USER" -- env -i PATH="$USER_PATH" HOME="$d/home"
           XDG_CONFIG_HOME="$d/home/.config" XDG_DATA_HOME="$d/home/.local/share"
           XDG_RUNTIME_DIR="$rt" TMPDIR="$d/tmp")
}

# as_user DIR RTDIR CMD...: CMD as the user (see user_argv).
as_user() {
    local -a UARGV
    user_argv "$1" "$2"
    shift 2
    "${UARGV[@]}" "$@" </dev/null
}

# engine_argv TOOL ARGS...: sets CMD to skiff's or podman's command line. Both
# use their rootless defaults: the store under $XDG_DATA_HOME, the run state
# under $XDG_RUNTIME_DIR, the configuration in ~/.config.
engine_argv() {
    local t=$1
    shift
    case $t in
    skiff)  CMD=("$SKIFF" "$@") ;;
    podman) CMD=(podman "$@") ;;
    esac
}

# kill_user: every process of the user (the tools' pause processes, podman's
# conmon, anything an interrupted command left), then wait until they are
# gone (we are their subreaper: bash reaps them).
kill_user() {
    local i
    pkill -KILL -u "$BENCH_USER" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        pgrep -u "$BENCH_USER" >/dev/null || return 0
        sleep 0.1
    done
    log "warning: processes of $BENCH_USER still there: $(pgrep -a -u "$BENCH_USER" | head -n 3 | tr '\n' ' ')"
}

# Before bench_cleanup (lib.sh) removes $RUN (the stores: root removes the
# files on the user's subordinate IDs too) and stops the registries: the
# user's processes, with them the user namespaces and every mount made in
# them, then the tmpfs. Files of the user's outside our dirs are reported.
CHILD_PID=
cleanup_first() {
    local left
    if [[ -n $CHILD_PID ]]; then          # a pull still running (interrupted)
        kill -TERM "$CHILD_PID" 2>/dev/null; wait "$CHILD_PID" 2>/dev/null
    fi
    [[ -n ${BENCH_UID:-} ]] || return 0
    kill_user
    [[ -z $VOL ]] || remove_tree "$VOL"
    left=$(find /dev/shm /tmp /var/tmp -maxdepth 1 -user "$BENCH_UID" 2>/dev/null |
           grep -vxF -e "$BENCH_DIR" -e "$RUN" || true)
    [[ -z $left ]] || log "warning: files of $BENCH_USER left: $(tr '\n' ' ' <<<"$left")"
    return 0
}
set_traps
kill_user    # nothing of an earlier run (or anyone else using this user) stays

# --------------------------------------------------------------------------
# registry, configuration, the pull bench's image
# --------------------------------------------------------------------------
if ((do_pull)) && [[ ! -f $PULL_IMAGE/stats.json || ! -f $PULL_IMAGE/oci/index.json ]]; then
    log "no image in $PULL_IMAGE: building it with bench/pull.sh --build-only"
    BENCH_DIR=$PULL_BENCH_DIR "$SRC/bench/pull.sh" --build-only || die "bench/pull.sh --build-only failed"
fi

start_fixture_registries
chmod 0755 "$RUN"
VOL=$(mktemp -d /tmp/skiff-rlb.XXXXXX)   # short: podman refuses a runroot of 50 characters or more
mount -t tmpfs -o mode=0755,size=1g skiff-bench-rootless "$VOL"

# registries.conf (the registry is insecure: plain HTTP) and policy.json from
# lib.sh; for both tools storage.conf with plain kernel overlay (no
# mount_program: native rootless overlay, Linux 5.13+), and podman's
# containers.conf: cgroupfs and no events (no systemd user session here),
# file locks (under its tmp dir in XDG_RUNTIME_DIR, not a SHM segment left in
# /dev/shm); its default runtime (crun: rootless it makes no cgroups on a v1
# host, so the hybrid host's hugetlb quirk does not apply) and rlimits.
write_configs "$REG_HTTP"
printf '[storage]\ndriver = "overlay"\n' >"$RUN/conf/storage.conf"
printf '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\nlock_type = "file"\n' \
    >"$RUN/conf/containers.conf"

# The timing helper, run by the user, so that runuser's own cost (a PAM
# session, some milliseconds) is outside what is measured:
#   measure loop N CMD...   run CMD N times; each run's wall time in
#                           microseconds (bash's EPOCHREALTIME around it: the
#                           fork and exec a user pays included) to fd 3, one a
#                           line, then the whole loop's to fd 4
#   measure time FMT CMD... CMD under /usr/bin/time -f FMT; its line to fd 3
# Either stops at CMD's first failure, with its exit code.
MEASURE=$RUN/conf/measure
cat >"$MEASURE" <<'EOF'
#!/bin/bash
case $1 in
loop)
    n=$2
    shift 2
    t00=${EPOCHREALTIME/./}
    for ((i = 0; i < n; i++)); do
        t0=${EPOCHREALTIME/./}
        "$@" </dev/null || exit
        t1=${EPOCHREALTIME/./}
        echo $((t1 - t0)) >&3
    done
    echo $((${EPOCHREALTIME/./} - t00)) >&4
    exit 0 ;;
time)
    fmt=$2
    shift 2
    f=$(mktemp) || exit 125
    rc=0
    /usr/bin/time -f "$fmt" -o "$f" "$@" </dev/null || rc=$?
    tail -n 1 "$f" >&3
    rm -f "$f"
    exit "$rc" ;;
*)
    exit 2 ;;
esac
EOF
chmod 0755 "$MEASURE"

user_env "$RUN/probe" "$VOL/probe"
as_user "$RUN/probe" "$VOL/probe" test -x "$SKIFF" ||
    die "$BENCH_USER cannot run $SKIFF (a parent directory not searchable?)"
remove_tree "$RUN/probe"; remove_tree "$VOL/probe"

PULL_REF=
if ((do_pull)); then
    PULL_REF=$REG_HTTP/bench/debian:latest
    log "pushing $PULL_IMAGE/oci to docker://$PULL_REF"
    skopeo --policy "$RUN/conf/policy.json" copy -q --preserve-digests --dest-tls-verify=false \
        "oci:$PULL_IMAGE/oci:bench" "docker://$PULL_REF" >&2
    want=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifest_digest"])' \
           "$PULL_IMAGE/stats.json")
    got=sha256:$(skopeo --policy "$RUN/conf/policy.json" inspect --raw --tls-verify=false \
                 "docker://$PULL_REF" | sha256sum | cut -d' ' -f1)
    [[ $got == "$want" ]] || die "registry manifest $got != built manifest $want (layers were re-encoded?)"
fi

# --------------------------------------------------------------------------
# part 1: run --rm IMAGE true
# --------------------------------------------------------------------------
# run_argv TOOL: sets CMD to TOOL's benchmarked command. skiff's rootless
# network is a private namespace with only loopback, which is podman's
# --network none (its rootless default, slirp4netns, would add a process).
run_argv() {
    case $1 in
    skiff)  engine_argv skiff run --rm "$IMAGE" true ;;
    podman) engine_argv podman run --rm --network none "$IMAGE" true ;;
    esac
}

# user_runs PHASE TOOL N: N containers with TOOL in a row, as the user, in
# TOOL's world ($RUN/u/TOOL, $VOL/TOOL); each time to times/PHASE.TOOL, the
# loop's to times/PHASE-total.TOOL.
user_runs() {
    local phase=$1 t=$2 n=$3 rc=0
    local -a CMD
    run_argv "$t"
    as_user "$RUN/u/$t" "$VOL/$t" "$MEASURE" loop "$n" "${CMD[@]}" >"$RUN/out" 2>"$RUN/err" \
        3>>"$RUN/times/$phase.$t" 4>>"$RUN/times/$phase-total.$t" || rc=$?
    ((rc == 0)) || die "$t run (as $BENCH_USER): exit $rc: $(tail -n 3 "$RUN/err" | tr '\n' ' ')"
}

# user_tool TOOL ARGS...: TOOL ARGS as the user in TOOL's world.
user_tool() {
    local t=$1
    shift
    local -a CMD
    engine_argv "$t" "$@"
    as_user "$RUN/u/$t" "$VOL/$t" "${CMD[@]}"
}

PODMAN_SETUP=
if ((do_run)); then
    for t in "${TOOLS_ALL[@]}"; do
        user_env "$RUN/u/$t" "$VOL/$t"
        log "$t: pulling $IMAGE into $BENCH_USER's store"
        user_tool "$t" pull -q "$IMAGE" >/dev/null 2>"$RUN/logs/pull-$t.log" ||
            die "$t pull (as $BENCH_USER) failed: $(tail -n 3 "$RUN/logs/pull-$t.log")"
    done
    PODMAN_SETUP=$(user_tool podman info --format \
        'driver {{.Store.GraphDriverName}} {{.Store.GraphOptions}}, runtime {{.Host.OCIRuntime.Name}}, cgroups {{.Host.CgroupManager}} {{.Host.CgroupsVersion}}' \
        2>/dev/null) || PODMAN_SETUP="(podman info failed)"
    log "podman: $PODMAN_SETUP"

    if ((WARMUP)); then
        log "warm-up: $WARMUP untimed runs each (pause processes, page cache, podman's first run)"
        for t in "${TOOLS_ALL[@]}"; do user_runs warmup "$t" "$WARMUP"; done
    fi
    log "run: $ROUNDS alternating rounds of skiff run / podman run (as $BENCH_USER)"
    for ((i = 1; i <= ROUNDS; i++)); do
        for t in $(order "$((i + 1))"); do user_runs pair "$t" 1; done
    done
    log "run: $IN_A_ROW containers in a row per tool"
    for t in "${TOOLS_ALL[@]}"; do user_runs row "$t" "$IN_A_ROW"; done

    # Peak RSS: /usr/bin/time's %M inside the user's session, the largest
    # maximum resident set of the tool and the descendants it waited for
    # (skiff run: the engine, its built-in runtime and the container's
    # process; podman: podman and its re-exec in the user namespace, crun;
    # conmon and both pause processes detach, so they are not counted).
    log "run: peak RSS, $RSS_ROUNDS runs per tool under /usr/bin/time"
    for ((i = 1; i <= RSS_ROUNDS; i++)); do
        for t in $(order "$i"); do
            run_argv "$t"
            as_user "$RUN/u/$t" "$VOL/$t" "$MEASURE" time %M "${CMD[@]}" >"$RUN/out" \
                2>"$RUN/err" 3>>"$RUN/times/rss.$t" ||
                die "$t run (as $BENCH_USER): $(tail -n 3 "$RUN/err" | tr '\n' ' ')"
        done
    done

    for t in "${TOOLS_ALL[@]}"; do
        c=$(user_tool "$t" ps -a -q 2>/dev/null | grep -c . || true)
        [[ $c -eq 0 ]] || die "$t: $c containers left after run --rm"
    done
    # The stores go before the pulls: no pause process, mount or file left.
    kill_user
    remove_tree "$RUN/u"
    for t in "${TOOLS_ALL[@]}"; do remove_tree "$VOL/$t"; done
fi

# --------------------------------------------------------------------------
# part 2: cold pulls
# --------------------------------------------------------------------------
PULLS=$RUN/times/pulls.tsv

# pull_argv TOOL: sets CMD to TOOL's pull of PULL_REF (registries.conf marks
# the registry insecure for both; podman's policy.json is in ~/.config).
pull_argv() { engine_argv "$1" pull "$PULL_REF"; }

# pull_one STORAGE BASE TOOL ROUND: one cold pull as the user: a fresh home,
# store and runtime dir (so also a new user namespace: what a first pull
# pays), the page cache dropped, then /usr/bin/time -f '%e %M' around the
# tool inside the user's session. Afterwards the user's processes go, the
# size of the store is taken and the store removed.
pull_one() {
    local storage=$1 base=$2 t=$3 r=$4 d rt tag rc=0 secs=NA rss=NA bytes=0
    local -a CMD UARGV
    tag=$storage-$t-$r
    d=$base/$t-$r
    rt=$VOL/p-$t-$r
    user_env "$d" "$rt"
    user_argv "$d" "$rt"
    pull_argv "$t"
    sync
    if [[ $DROP_CACHES == 1 ]]; then echo 3 >/proc/sys/vm/drop_caches; fi
    timeout -k 10 "$PULL_TIMEOUT" "${UARGV[@]}" "$MEASURE" time '%e %M' "${CMD[@]}" \
        </dev/null >"$RUN/logs/$tag.log" 2>&1 3>"$RUN/logs/$tag.time" &
    CHILD_PID=$!
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=
    if [[ -s $RUN/logs/$tag.time ]]; then read -r secs rss <"$RUN/logs/$tag.time"; fi
    kill_user
    bytes=$(du -sbx "$d/home/.local/share" | cut -f1)
    record_pull "$PULLS" "$storage" "$t" "$r" "$secs" "$rss" "$rc" "$bytes" "$tag"
    sync
    remove_tree "$d"
    remove_tree "$rt"
}

if ((do_pull)); then
    : >"$PULLS"
    rm -f "$BENCH_DIR/skiff-last-failure.log"
    for storage in $STORAGES; do
        base=$RUN/$storage
        mkdir -p "$base"
        [[ $storage == tmpfs ]] &&
            mount -t tmpfs -o "size=$TMPFS_SIZE,mode=0755" skiff-bench-rootless "$base"
        log "pull, storage=$storage ($base): $PULL_ROUNDS rounds of ${TOOLS_ALL[*]} (as $BENCH_USER)"
        for ((r = 1; r <= PULL_ROUNDS; r++)); do
            for t in $(order "$r"); do pull_one "$storage" "$base" "$t" "$r"; done
        done
        remove_tree "$base"
    done
fi

# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------
rm -rf "$BENCH_DIR/last-times"
cp -r "$RUN/times" "$BENCH_DIR/last-times"
report_py "$RUN/times" "$do_run" "$do_pull" "$ROUNDS" "$IN_A_ROW" "$RSS_ROUNDS" "$PULL_ROUNDS" \
    "$SKIFF" "$IMAGE" "$PULL_REF" "$PULL_IMAGE/stats.json" "$BENCH_USER ($BENCH_UID)" \
    "$PODMAN_SETUP" <<'EOF' | tee "$BENCH_DIR/last-report.txt"
import json
(tdir, do_run, do_pull, rounds, row, rss_rounds, pull_rounds, skiff, image, ref, stats_path,
 user, podman_setup) = sys.argv[1:14]
do_run, do_pull = do_run == '1', do_pull == '1'
rounds, row, rss_rounds, pull_rounds = int(rounds), int(row), int(rss_rounds), int(pull_rounds)
names = ['skiff', 'podman']
targets = []
def target(what, ok, value):
    targets.append('  %-52s %-20s -> %s' % (what, value, 'PASS' if ok else 'FAIL'))
print()
print('rootless: every command ran as %s through runuser (times taken inside its session)' % user)
print('skiff: %s' % skiff)
if do_run:
    labels = {'skiff': 'skiff run --rm IMAGE true',
              'podman': 'podman run --rm --network none IMAGE true'}
    med, row_total, rss, table = {}, {}, {}, []
    for n in names:
        ts = [t / 1000.0 for t in load('pair.' + n)]  # ms
        med[n] = statistics.median(ts)
        row_total[n] = load('row-total.' + n)[0] / 1000.0  # ms
        row_med = statistics.median(load('row.' + n)) / 1000.0
        rss[n] = max(load('rss.' + n))  # kB
        table.append([labels[n], '%.1f' % med[n], '%.1f-%.1f' % (min(ts), max(ts)),
                      '%.2f' % (row_total[n] / 1000), '%.1f' % (row_total[n] / row),
                      '%.1f' % row_med, '%d' % rss[n]])
    print()
    print('run: image %s; %d alternating rounds (median), %d in a row per tool, peak RSS the '
          'highest of %d runs' % (image, rounds, row, rss_rounds))
    print('podman: %s' % podman_setup)
    print_table(['command', 'rounds median (ms)', 'rounds min-max', '%d in a row (s)' % row,
                 'row mean (ms)', 'row median (ms)', 'peak RSS (kB)'], table)
    print('skiff / podman: %.3fx (median), %.3fx (in a row, total), peak RSS %.3fx'
          % (med['skiff'] / med['podman'], row_total['skiff'] / row_total['podman'],
             rss['skiff'] / rss['podman']))
    r = med['skiff'] / med['podman']
    target("run: skiff at most 1/6 of podman's time", r <= 1 / 6.0, '%.3fx (1/%.1f)' % (r, 1 / r))
if do_pull:
    st = json.load(open(stats_path))
    MB = 1 << 20
    print()
    print('pull: %s, cold (empty store, new user namespace, page cache dropped)' % ref)
    print('image: %d layers, %.1f MB compressed (gzip), %.1f MB unpacked, %d files (%d tar entries)'
          % (st['layers'], st['compressed_bytes'] / MB, st['file_bytes'] / MB,
             st['regular_files'], st['entries']))
    rows = {}
    for line in open(os.path.join(tdir, 'pulls.tsv')):
        storage, tool, rnd, secs, prss, rc, nbytes = line.rstrip('\n').split('\t')
        rows.setdefault((storage, tool), []).append((int(rnd), secs, prss, int(rc), int(nbytes)))
    summary, notes, table = {}, [], []
    for (storage, tool), rs in rows.items():
        rs.sort()
        cells, times, rsss, ok = [], [], [], True
        for rnd, secs, prss, rc, nbytes in rs:
            if rc != 0:
                cells.append('FAIL(%d)' % rc); ok = False; continue
            if nbytes < st['file_bytes'] * 0.5:  # the image must have landed
                cells.append('%s!' % secs); ok = False
                notes.append('%s/%s round %d exited 0 but its store holds only %.1f MB'
                             % (tool, storage, rnd, nbytes / MB))
                continue
            cells.append(secs); times.append(float(secs)); rsss.append(int(prss))
        m = statistics.median(times) if ok and times else None
        peak = max(rsss) / 1024 if ok and rsss else None
        summary[(storage, tool)] = (m, peak)
        table.append([tool, storage] + cells +
                     ['%.2f' % m if m is not None else '-', '%.1f' % peak if peak is not None else '-',
                      '%.0f' % (rs[-1][4] / MB) if ok else '-', ''])
    for r in table:
        p, m = summary.get((r[1], 'podman'), (None, None))[0], summary[(r[1], r[0])][0]
        if r[0] != 'podman' and m is not None and p:
            r[-1] = '%.2fx' % (m / p)
    table.sort(key=lambda r: (r[1] != 'disk', r[1], names.index(r[0])))
    print_table(['tool', 'storage'] + ['r%d (s)' % i for i in range(1, pull_rounds + 1)] +
                ['median (s)', 'peak RSS (MB)', 'store (MB)', 'vs podman'], table)
    for n in notes:
        print('note: ' + n)
    for storage in sorted({k[0] for k in summary}):
        s, p = summary.get((storage, 'skiff')), summary.get((storage, 'podman'))
        if not s or s[0] is None:
            target('pull (%s): skiff' % storage, False, 'FAILED')
            continue
        if p and p[0]:
            target("pull (%s): skiff at most 0.5x podman's time" % storage, s[0] <= 0.5 * p[0],
                   '%.2fx' % (s[0] / p[0]))
        else:
            target("pull (%s): skiff at most 0.5x podman's time" % storage, False, 'podman failed')
        target('pull (%s): skiff peak RSS at most 32 MB' % storage, s[1] <= 32, '%.1f MB' % s[1])
print()
print('targets:')
print('\n'.join(targets))
EOF
