#!/usr/bin/env bash
# The test command: on a fresh Debian 12 machine, as root, from a clean clone,
#   bash tests/run.sh
# installs what the build and the tests need (quickly skipped when present),
# configures into build/, builds, and runs every test through ctest (unit tests,
# then the bats integration tests against the fixture registries). Exits with
# ctest's status. The registries are stopped however ctest ends.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$PWD
BUILD=$SRC/build
STATE=$BUILD/test-state
JOBS=2

BUILD_PACKAGES="cmake gcc make pkg-config libcurl4-openssl-dev libjansson-dev libarchive-dev
	libseccomp-dev libssl-dev libcmocka-dev libzstd-dev"
TEST_PACKAGES="docker-registry busybox-static bats zstd apache2-utils openssl curl jq python3 skopeo"

# The fixture servers detach from ctest; when they exit, their parent is
# whoever adopts orphans. Make this script that adopter (a child subreaper,
# set before exec'ing bash again) so stopped servers are reaped even where
# PID 1 does not reap (minimal container/VM inits).
if [ -z "${SKIFF_RUN_SUBREAPER:-}" ] && command -v python3 >/dev/null; then
	export SKIFF_RUN_SUBREAPER=1
	exec python3 -c '
import ctypes, os, sys
PR_SET_CHILD_SUBREAPER = 36
try:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
except Exception:
    pass
os.execvp("bash", ["bash"] + sys.argv[1:])' "$SRC/tests/run.sh" "$@"
fi

install_packages() {
	local missing=() p
	for p in $BUILD_PACKAGES $TEST_PACKAGES; do
		if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "run.sh: missing packages (${missing[*]}); run as root to install them" >&2
		exit 1
	fi
	echo "run.sh: installing ${missing[*]}"
	# docker-registry's package would start its own service on :5000; the
	# tests start their own registries, so keep package services from starting
	# during this install (the standard policy-rc.d mechanism).
	local policy=/usr/sbin/policy-rc.d added_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		added_policy=1
	fi
	local rc=0
	{
		DEBIAN_FRONTEND=noninteractive apt-get update &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
	} || rc=$?
	[ -z "$added_policy" ] || rm -f "$policy"
	[ "$rc" -eq 0 ] || { echo "run.sh: package installation failed" >&2; exit "$rc"; }
}

stop_registries() {
	if [ -x "$SRC/tests/fixtures/registry.sh" ]; then
		"$SRC/tests/fixtures/registry.sh" down "$STATE" >/dev/null 2>&1 || true
	fi
}

install_packages

cmake -S "$SRC" -B "$BUILD"
cmake --build "$BUILD" -j"$JOBS"

trap stop_registries EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
rc=0
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" || rc=$?
exit "$rc"
