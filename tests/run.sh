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


# The fixture servers detach from ctest; whoever adopts orphans must reap
# them when they exit: this script, as a child subreaper (tests/subreaper.sh).
# shellcheck source=tests/subreaper.sh
. "$SRC/tests/subreaper.sh"
become_subreaper SKIFF_RUN_SUBREAPER "$SRC/tests/run.sh" "$@"

# shellcheck source=tests/deps.sh
. "$SRC/tests/deps.sh"

stop_registries() {
	if [ -x "$SRC/tests/fixtures/registry.sh" ]; then
		"$SRC/tests/fixtures/registry.sh" down "$STATE" >/dev/null 2>&1 || true
	fi
}

install_packages

# Two builds, both with warnings as errors: the release build, and one with
# AddressSanitizer + UndefinedBehaviorSanitizer. The whole suite runs against
# each (unit tests linked against it, integration tests driving its skiff).
ASAN_BUILD=$SRC/build-asan
cmake -S "$SRC" -B "$BUILD"
cmake --build "$BUILD" -j"$JOBS"
cmake -S "$SRC" -B "$ASAN_BUILD" -DSKIFF_SANITIZE=ON
cmake --build "$ASAN_BUILD" -j"$JOBS"

trap 'stop_registries; STATE=$ASAN_BUILD/test-state stop_registries' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
rc=0
echo "== release build"
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" || rc=$?
echo "== sanitizer build (ASan + UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir "$ASAN_BUILD" --output-on-failure -j"$JOBS" -LE valgrind || rc=$?
exit "$rc"
