#!/usr/bin/env bash
# The OCI runtime-tools validation suite against an OCI runtime (a manual,
# bench-style check: the suite cannot be downloaded in CI; see README.md).
#
#   tests/conformance/runtime-tools.sh [RUNTIME_TOOLS_DIR]
#
# RUNTIME_TOOLS_DIR (or $RUNTIME_TOOLS): a runtime-tools checkout (commit
#   260e151). Built first (runtimetest + validation/*/*.t, vendored modules,
#   Go >= 1.19) when its test programs are missing.
# Environment:
#   RUNTIME       the runtime under test: a command name or path
#                 [the skiff-runtime beside $SKIFF]
#   SKIFF         a skiff binary                      [build/skiff of this tree]
#   TEST_TIMEOUT  seconds allowed to each test program [120]
#   TESTS         test names to run (space separated) [all 58]
#   RESULTS       where the TAP output of each test goes [a new temp dir]
#   CGROUPS       host, or private: a private mount namespace with v1
#                 hierarchies the suite can read (see "cgroups" below) [auto]
#
# Every test program runs from the runtime-tools dir (it needs runtimetest
# and rootfs-amd64.tar.gz there) with RUNTIME pointing at a wrapper that adds
# `--root <private state dir>`, so only this run's containers are ever seen,
# and TMPDIR at a private dir (the bundles). A program passes when it exits 0
# and prints no "not ok" line, as node-tap (the runner the suite's Makefile
# uses) counts: a program that prints nothing and exits 0 is a skipped one.
# After each program, leftover containers are force-deleted, leftover
# processes killed (this script is a child subreaper: orphans end up as its
# children), the bundles unmounted and removed, and the empty cgroups the
# tests made removed. Prints a table and "passed N of 58"; exits 0 when every
# program outside EXCUSED and RACY passed, 1 otherwise. One run at a time
# (a lock).
set -Eeuo pipefail
umask 022
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)

# Twelve programs fail whatever the runtime (checked with runc 1.1.5 and crun
# 1.8.1): four through bugs in the tests at this commit, eight because of this
# kind of host (no blkio weight, no kmem limits, no net_cls/net_prio, no
# AppArmor, no CAP_SYS_RESOURCE). Why, one by one: README.md.
EXCUSED=(
    linux_cgroups_blkio
    linux_cgroups_memory
    linux_cgroups_network
    linux_cgroups_relative_blkio
    linux_cgroups_relative_memory
    linux_cgroups_relative_network
    linux_process_apparmor_profile
    misc_props
    process_capabilities
    process_capabilities_fail
    process_rlimits
    start
)

# Races in the tests themselves (README.md): reported as such.
RACY=(
    killsig
    pidfile
)

# A child subreaper: the tests' orphans end up as our children (kill_orphans).
# shellcheck source=tests/subreaper.sh
. "$SRC/tests/subreaper.sh"
become_subreaper SKIFF_RT_SUBREAPER "$0" "$@"

die() {
    echo "runtime-tools.sh: $*" >&2
    exit 2
}

# One run at a time: the cgroup clean-up of one would take another's.
if [[ -z ${SKIFF_RT_LOCKED:-} ]]; then
    exec 9>/run/lock/skiff-runtime-tools.lock
    flock 9
    export SKIFF_RT_LOCKED=1
fi

TOOLS=${1:-${RUNTIME_TOOLS:-}}
[[ -n $TOOLS ]] || die "usage: $0 RUNTIME_TOOLS_DIR (or set RUNTIME_TOOLS)"
[[ -d $TOOLS/validation ]] || die "$TOOLS: not a runtime-tools source tree"
TOOLS=$(cd "$TOOLS" && pwd)

SKIFF=${SKIFF:-$SRC/build/skiff}
if [[ -z ${RUNTIME:-} ]]; then
    RUNTIME=$(dirname "$SKIFF")/skiff-runtime
    [[ -x $RUNTIME ]] || die "$RUNTIME: not found (set SKIFF or RUNTIME)"
fi
RUNTIME_PATH=$(command -v "$RUNTIME") || die "$RUNTIME: not found"
[[ $RUNTIME_PATH == /* ]] || RUNTIME_PATH=$PWD/$RUNTIME_PATH
TEST_TIMEOUT=${TEST_TIMEOUT:-120}

# ---- cgroups: the host's, or a private view ---------------------------------
# The suite reads limits from v1 hierarchies at /sys/fs/cgroup/<controller>
# only (it has no cgroup v2 support), hugetlb included; crun refuses a hybrid
# host whose cgroup2 mount may hold hugetlb. CGROUPS=private (the default on a
# hybrid host without a mounted v1 hugetlb hierarchy, or for crun on any
# hybrid host) re-runs this script in a private mount namespace where
# /sys/fs/cgroup is a new tmpfs holding our v1 hierarchies, a v1 hugetlb one
# and, except for crun, the cgroup2 mount at unified/ (the host's layout, so
# the runtime still sees a hybrid host). CGROUPS=host runs on the host's.
is_crun=0
[[ $(basename "$RUNTIME_PATH") == crun* ]] && is_crun=1
hybrid=0
if [[ $(stat -f -c %T /sys/fs/cgroup) != cgroup2fs ]] &&
    grep -q ' /sys/fs/cgroup/[^ ]* cgroup ' /proc/self/mounts; then
    hybrid=1
fi
CGROUPS=${CGROUPS:-auto}
if [[ $CGROUPS == auto ]]; then
    CGROUPS=host
    if ((hybrid)) && [[ $(stat -f -c %T /sys/fs/cgroup/hugetlb 2>/dev/null) != cgroupfs ]]; then
        CGROUPS=private
    fi
    if ((hybrid && is_crun)) && grep -q ' /sys/fs/cgroup/[^ ]* cgroup2 ' /proc/self/mounts; then
        CGROUPS=private
    fi
fi
[[ $CGROUPS == host || $CGROUPS == private ]] || die "CGROUPS=$CGROUPS: want host or private"
if [[ $CGROUPS == private && -z ${SKIFF_RT_PRIVATE_CGROUPS:-} ]]; then
    ((hybrid)) || die "CGROUPS=private needs a host with cgroup v1 hierarchies"
    export SKIFF_RT_PRIVATE_CGROUPS=1 RUNTIME="$RUNTIME_PATH" CGROUPS
    exec unshare -m --propagation private bash "$0" "$@"
fi
if [[ -n ${SKIFF_RT_PRIVATE_CGROUPS:-} ]]; then
    mount -t tmpfs -o mode=755 cgroup-rt /sys/fs/cgroup
    # every v1 hierarchy we are in ("N:controllers:path" in /proc/self/cgroup)
    have_hugetlb=0
    while IFS=: read -r num ctrls _; do
        [[ $num == 0 || -z $ctrls ]] && continue
        name=${ctrls#name=}
        opts=$ctrls
        [[ $ctrls == name=* ]] && opts=none,$ctrls
        [[ ,$ctrls, == *,hugetlb,* ]] && have_hugetlb=1
        mkdir -p "/sys/fs/cgroup/$name"
        mount -t cgroup -o "$opts" cgroup "/sys/fs/cgroup/$name"
        IFS=, read -ra names <<<"$ctrls"
        if ((${#names[@]} > 1)); then # cpu,cpuacct: both names link to it
            for n in "${names[@]}"; do ln -s "$name" "/sys/fs/cgroup/$n"; done
        fi
    done </proc/self/cgroup
    if ((!have_hugetlb)) && grep -q '^hugetlb' /proc/cgroups; then
        mkdir /sys/fs/cgroup/hugetlb
        mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
    fi
    if ((!is_crun)); then
        mkdir /sys/fs/cgroup/unified
        mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified
    fi
fi

# ---- build -----------------------------------------------------------------
mapfile -t ALL < <(cd "$TOOLS/validation" && for d in */; do
    d=${d%/}
    [[ $d != util && -f $d/$d.go ]] && echo "$d"
done)
need_build=0
[[ -x $TOOLS/runtimetest ]] || need_build=1
for t in "${ALL[@]}"; do [[ -x $TOOLS/validation/$t/$t.t ]] || need_build=1; done
if ((need_build)); then
    command -v go >/dev/null || die "go not found (apt-get install golang-go)"
    echo "== building runtime-tools in $TOOLS"
    (cd "$TOOLS" && GOFLAGS=-mod=vendor GO111MODULE=on GOPROXY=off \
        GOCACHE=${GOCACHE:-/tmp/runtime-tools-gocache} \
        make runtimetest validation-executables >/dev/null) || die "build failed"
fi

if [[ -n ${TESTS:-} ]]; then
    read -ra TESTS <<<"$TESTS"
else
    TESTS=("${ALL[@]}")
fi
WORK=$(mktemp -d /tmp/runtime-tools-run.XXXXXX)
RESULTS=${RESULTS:-$WORK/results}
mkdir -p "$RESULTS" "$WORK/state" "$WORK/tmp"
# bundles must be reachable by the containers' mapped users (linux_uid_mappings)
chmod 755 "$WORK"
chmod 1777 "$WORK/tmp"
WRAPPER=$WORK/runtime
printf '#!/bin/sh\nexec %q --root %q "$@"\n' "$RUNTIME_PATH" "$WORK/state" >"$WRAPPER"
chmod +x "$WRAPPER"

# ---- cleanup after each program --------------------------------------------
kill_orphans() {
    local stat line rest pid ppid found _
    for _ in 1 2 3 4 5; do
        found=0
        for stat in /proc/[0-9]*/stat; do
            { read -r line <"$stat"; } 2>/dev/null || continue
            rest=${line##*) } # after the command name: state ppid ...
            read -r _ ppid _ <<<"$rest"
            pid=${stat#/proc/}
            pid=${pid%/stat}
            if [[ $ppid == "$$" ]]; then
                kill -KILL "$pid" 2>/dev/null && found=1
            fi
        done
        ((found)) || return 0
        wait 2>/dev/null || true
        sleep 0.2
    done
}

cleanup_containers() {
    local id
    for id in $("$WRAPPER" list -q 2>/dev/null || true); do
        "$WRAPPER" delete --force "$id" >/dev/null 2>&1 || "$WRAPPER" kill "$id" KILL >/dev/null 2>&1 || true
        "$WRAPPER" delete --force "$id" >/dev/null 2>&1 || true
    done
}

cleanup_bundles() {
    local m
    # a test that died may leave mounts under its bundle
    awk -v w="$WORK/tmp/" 'index($2, w) == 1 { print $2 }' /proc/self/mounts | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "${WORK:?}/tmp/"* 2>/dev/null || true
}

# The cgroups tests use /cgrouptest and testdir/cgrouptest/container (below
# the runtime's own cgroup); runtimes remove the container's directory, not
# the parents they made. Remove the empty ones this run made.
test_cgroups() {
    find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d \( -name cgrouptest -o -name testdir \) \
        2>/dev/null | sort
}
cleanup_cgroups() {
    comm -13 "$WORK/cgroups.before" <(test_cgroups) | sort -r |
        while read -r d; do rmdir "$d" 2>/dev/null || true; done
}

finish() {
    cleanup_containers
    cleanup_cgroups
    kill_orphans
    cleanup_bundles
    rm -rf "$WORK/state" "$WORK/tmp" "$WRAPPER" "$WORK/cgroups.before"
    [[ $RESULTS == "$WORK/results" ]] || rmdir "$WORK" 2>/dev/null || true
}
test_cgroups >"$WORK/cgroups.before"
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# in_list WORD LIST...
in_list() {
    local w=$1 e
    shift
    for e in "$@"; do [[ $e == "$w" ]] && return 0; done
    return 1
}

# ---- run -------------------------------------------------------------------
echo "== runtime: $RUNTIME_PATH ($("$RUNTIME_PATH" --version 2>/dev/null | head -1 || true))"
echo "== cgroups: $CGROUPS; results: $RESULTS"
printf '%-36s %-8s %6s %6s %6s  %s\n' TEST RESULT OK NOT_OK SKIP NOTE
passed=0
excused=() racy=() failed=()
for t in "${TESTS[@]}"; do
    log=$RESULTS/$t.tap
    rc=0
    (cd "$TOOLS" && RUNTIME=$WRAPPER TMPDIR=$WORK/tmp \
        timeout -k 5 "$TEST_TIMEOUT" "./validation/$t/$t.t" >"$log" 2>"$RESULTS/$t.err" </dev/null) ||
        rc=$?
    cleanup_containers
    kill_orphans
    cleanup_bundles
    cleanup_cgroups
    ok=$(grep -c '^ok ' "$log" || true)
    notok=$(grep -c '^not ok ' "$log" || true)
    skip=$(grep -c '^ok [0-9]* # SKIP' "$log" || true)
    note=""
    if ((rc == 124 || rc == 137)); then
        result=TIMEOUT
    elif ((rc == 0 && notok == 0)); then
        result=pass
        # node-tap reads a program that exits 0 without any TAP as "1..0"
        grep -q '^1\.\.[0-9]' "$log" || note="(no TAP)"
    else
        result=FAIL
    fi
    [[ $rc == 0 || $result == TIMEOUT ]] || note="exit $rc $note"
    if [[ $result == pass ]]; then
        passed=$((passed + 1))
    elif in_list "$t" "${EXCUSED[@]}"; then
        excused+=("$t")
        note="$note (excused)"
    elif in_list "$t" "${RACY[@]}"; then
        racy+=("$t")
        note="$note (racy)"
    else
        failed+=("$t")
    fi
    printf '%-36s %-8s %6s %6s %6s  %s\n' "$t" "$result" "$ok" "$notok" "$skip" "${note# }"
done
echo "passed ${passed} of ${#TESTS[@]}"
echo "failed, excused: ${excused[*]:-none}"
echo "failed, racy tests: ${racy[*]:-none}"
echo "failed: ${failed[*]:-none}"
((${#failed[@]} == 0))
