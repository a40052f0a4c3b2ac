# shellcheck shell=bash
# Common setup for tests/integration/*.bats; every file starts with `load helpers`.
#
# The environment comes from ctest (tests/CMakeLists.txt):
#   SKIFF             the skiff binary under test
#   SKIFF_SRC         the source tree
#   SKIFF_TEST_STATE  the registry fixture's state directory; $SKIFF_TEST_STATE/env
#                     (written by tests/fixtures/registry.sh up) names the registries
#                     (REG_HTTP, REG_HTTPS, REG_BASIC, REG_TOKEN, REG_FAULT, ...) and
#                     the fixture images' digests (BUSYBOX_DIGEST, BUSYBOX_ID, ...).
# To run one file by hand:
#   tests/fixtures/registry.sh up /tmp/st
#   SKIFF=build/skiff SKIFF_SRC=$PWD SKIFF_TEST_STATE=/tmp/st bats tests/integration/x.bats
#   tests/fixtures/registry.sh down /tmp/st
#
# Every test gets a fresh, private world under $BATS_TEST_TMPDIR: its own store
# (SKIFF_ROOT, SKIFF_RUNROOT; use `sk` to run skiff on it), HOME, XDG dirs,
# registries.conf (http and fault registries insecure, http the only unqualified
# search registry) and auth file, so nothing leaks from the host or between tests.
#
# This file defines setup() and teardown(). A .bats file that needs its own
# must call skiff_setup first / skiff_teardown last.

SKIFF=${SKIFF:-}
SKIFF_SRC=${SKIFF_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SKIFF_TEST_STATE=${SKIFF_TEST_STATE:-}

if [ -n "$SKIFF_TEST_STATE" ] && [ -r "$SKIFF_TEST_STATE/env" ]; then
	set -a
	# shellcheck disable=SC1091
	. "$SKIFF_TEST_STATE/env"
	set +a
fi

# ------------------------------------------------------------ per-test world

# Written at load time, which bats does once per test in the test's own process.
if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
	export SKIFF_ROOT=$BATS_TEST_TMPDIR/root
	export SKIFF_RUNROOT=$BATS_TEST_TMPDIR/run
	export HOME=$BATS_TEST_TMPDIR/home
	export XDG_CONFIG_HOME=$HOME/.config
	export XDG_DATA_HOME=$HOME/.local/share
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/xdg-run
	export REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/auth.json
	export CONTAINERS_REGISTRIES_CONF=$BATS_TEST_TMPDIR/registries.conf
	mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
	chmod 0700 "$XDG_RUNTIME_DIR"
	if [ -n "${REG_HTTP:-}" ]; then
		cat >"$CONTAINERS_REGISTRIES_CONF" <<-EOF
			unqualified-search-registries = ["$REG_HTTP"]

			[[registry]]
			location = "$REG_HTTP"
			insecure = true

			[[registry]]
			location = "$REG_FAULT"
			insecure = true
		EOF
	fi
fi

skiff_setup() {
	[ "$(id -u)" -eq 0 ] || skip "integration tests need root"
	[ -n "$SKIFF_TEST_STATE" ] && [ -r "$SKIFF_TEST_STATE/env" ] ||
		fail "no registry fixture: \$SKIFF_TEST_STATE/env missing (run via ctest, or see tests/integration/helpers.bash)"
}

# Unmount whatever a test left mounted under its directory (deepest first), so
# bats can delete it and no mount outlives the test.
skiff_teardown() {
	[ -n "${BATS_TEST_TMPDIR:-}" ] || return 0
	# Containers a test left running (and their monitors) go first.
	if [ -d "$SKIFF_RUNROOT/monitor" ] && [ -x "${SKIFF:-}" ]; then
		sk rm -a -f -t 0 >/dev/null 2>&1 || true
	fi
	local mp
	awk -v dir="$BATS_TEST_TMPDIR/" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r mp; do
		umount -l "$mp" 2>/dev/null || true
	done
}

setup() {
	skiff_setup
}

teardown() {
	skiff_teardown
}

# ------------------------------------------------------------ running skiff

# skiff on this test's private store.
sk() {
	[ -n "$SKIFF" ] && [ -x "$SKIFF" ] || fail "SKIFF is not set to an executable ($SKIFF)"
	"$SKIFF" --root "$SKIFF_ROOT" --runroot "$SKIFF_RUNROOT" "$@"
}

# The store still works after whatever the test did (e.g. a failed pull).
assert_store_intact() {
	local out rc=0
	out=$(sk images 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || fail "store damaged: 'skiff images' exited $rc: $out"
}

# ------------------------------------------------------------ assertions
# Minimal versions of bats-assert's, for use after `run`.

fail() {
	printf '%s\n' "$@" >&2
	return 1
}

assert_success() {
	[ "$status" -eq 0 ] || fail "expected success, got exit $status; output:" "$output"
}

# assert_failure [STATUS]
assert_failure() {
	if [ $# -gt 0 ]; then
		[ "$status" -eq "$1" ] || fail "expected exit $1, got $status; output:" "$output"
	else
		[ "$status" -ne 0 ] || fail "expected failure, got exit 0; output:" "$output"
	fi
}

# assert_skiff_error WORD...: the last `run --separate-stderr` exited 125 (or
# $ERR_STATUS) with exactly one stderr line "skiff: error: ..." mentioning each
# WORD (any case; "a|b" accepts either).
assert_skiff_error() {
	local want=${ERR_STATUS:-125} w alt ok alts
	[ "$status" -eq "$want" ] || fail "expected exit $want, got $status; stdout: $output; stderr:" "$stderr"
	[[ $stderr == "skiff: error: "* ]] || fail "stderr does not start with 'skiff: error: ':" "$stderr"
	[[ $stderr != *$'\n'* ]] || fail "stderr has more than one line:" "$stderr"
	for w in "$@"; do
		ok=
		IFS='|' read -ra alts <<<"$w"
		for alt in "${alts[@]}"; do
			[[ ${stderr,,} == *"${alt,,}"* ]] && ok=1
		done
		[ -n "$ok" ] || fail "error does not mention '$w':" "$stderr"
	done
}

assert_output_contains() {
	[[ "$output" == *"$1"* ]] || fail "output lacks '$1'; output:" "$output"
}

refute_output_contains() {
	[[ "$output" != *"$1"* ]] || fail "output contains '$1'; output:" "$output"
}

# ------------------------------------------------------------ fixture servers

# curl trusting the test CA; -s, no progress, errors shown.
fcurl() {
	curl -sS --cacert "$REG_CA" "$@"
}

# fault_ref KIND: a reference to the fault registry's fault/KIND repository
# under a namespace of this test's own, so its flaky/drop counters start
# fresh and parallel tests do not share them (see fault_registry.py).
fault_ref() {
	echo "$REG_FAULT/$(fault_ns)/fault/$1:latest"
}

fault_ns() {
	echo "t${BATS_SUITE_TEST_NUMBER:-0}-$$"
}

# Forget all of the fault registry's counters. Avoid in tests that may run in
# parallel with others using the fault registry; prefer fault_ref.
fault_reset() {
	curl -sSf "http://$REG_FAULT/_reset" >/dev/null
}

# The fault registry's request log as JSON:
#   {"requests": {"GET /v2/...": n, ...}, "ranges": {"/v2/...": ["bytes=N-"]}}
fault_stats() {
	curl -sSf "http://$REG_FAULT/_stats"
}

# make_busybox_rootfs DIR: busybox-static with its applets, a passwd and group
# with root and alice (1000), and the mount points any image has (a user
# namespace's root could not create them in a rootfs of the host's root).
make_busybox_rootfs() {
	local dir=$1 a
	mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp" "$dir/proc" "$dir/sys" "$dir/dev"
	cp /bin/busybox "$dir/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice:/home/alice:/bin/sh\n' \
		>"$dir/etc/passwd"
	printf 'root:x:0:\nalice:x:1000:\n' >"$dir/etc/group"
}

# wait_status ID STATUS: poll (up to 5 s) until the runtime says the
# container has STATUS (state_field ID FIELD comes from the test file).
wait_status() {
	local i
	for i in $(seq 50); do
		[ "$(state_field "$1" status)" = "$2" ] && return 0
		sleep 0.1
	done
	fail "container $1 never became $2 (is $(state_field "$1" status))"
}
