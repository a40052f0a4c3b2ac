#!/usr/bin/env bats
# The lifecycle under load and under kill -9: 50 detached containers at once
# on this 2-core machine, and skiff killed at random moments of start, stop
# and rm. Nothing may be lost, left running, mounted, or inconsistent.
load helpers
bats_require_minimum_version 1.5.0

N=50

assert_clean() {
	[ -z "$(sk ps -a -q)" ] || fail "containers left: $(sk ps -a)"
	[ -z "$(awk -v d="$SKIFF_ROOT/" 'index($5, d) == 1' /proc/self/mountinfo)" ] ||
		fail "mounts left: $(awk -v d="$SKIFF_ROOT/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo)"
	local p
	for p in $(pgrep -x skiff-monitor || true); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF "$BATS_TEST_TMPDIR" &&
			fail "monitor $p left running"
	done
	if [ -d "$SKIFF_RUNROOT/runtime" ]; then
		[ -z "$(ls "$SKIFF_RUNROOT/runtime")" ] || fail "runtime state left"
	fi
	[ -z "$(find /sys/fs/cgroup -maxdepth 3 -path '*skiff*' -mindepth 2 -type d 2>/dev/null |
		xargs -r -n1 basename | grep -xF -f "$BATS_TEST_TMPDIR/ids" || true)" ] || fail "cgroups left"
}

@test "$N containers started detached at once, exec'd into, stopped and removed concurrently" {
	sk pull -q busybox >/dev/null
	local i
	for i in $(seq $N); do
		# each exits with its own code when stopped
		sk create -q --name "c$i" busybox sh -c "trap 'exit $((i % 100 + 1))' TERM; while :; do sleep 0.2; done"
	done >"$BATS_TEST_TMPDIR/ids"
	for i in $(seq $N); do sk start "c$i" >/dev/null 2>"$BATS_TEST_TMPDIR/start.$i" & done
	wait
	for i in $(seq $N); do
		[ ! -s "$BATS_TEST_TMPDIR/start.$i" ] || fail "start c$i: $(cat "$BATS_TEST_TMPDIR/start.$i")"
	done
	[ "$(sk ps -q | wc -l)" = $N ] || fail "running: $(sk ps -a)"
	for i in $(seq $N); do
		(
			rc=0
			sk exec "c$i" sh -c "exit $((i % 7))" || rc=$?
			echo "$rc" >"$BATS_TEST_TMPDIR/exec.$i"
		) &
	done
	wait
	for i in $(seq $N); do
		[ "$(cat "$BATS_TEST_TMPDIR/exec.$i")" = $((i % 7)) ] || fail "exec c$i: $(cat "$BATS_TEST_TMPDIR/exec.$i")"
	done
	for i in $(seq $N); do sk stop -t 20 "c$i" >/dev/null & done
	wait
	for i in $(seq $N); do
		[ "$(sk wait "c$i")" = $((i % 100 + 1)) ] || fail "exit code of c$i: $(sk wait "c$i")"
	done
	for i in $(seq $N); do sk rm "c$i" >/dev/null & done
	wait
	assert_clean
}

@test "kill -9 of skiff at random moments of start, stop and rm leaves a consistent store" {
	sk pull -q busybox >/dev/null
	local round op pid delay status
	: >"$BATS_TEST_TMPDIR/ids"
	for round in $(seq 30); do
		if ! sk inspect --format '{{.Id}}' c >/dev/null 2>&1; then
			sk create -q --name c busybox sleep 300 >>"$BATS_TEST_TMPDIR/ids"
		fi
		case $((RANDOM % 3)) in
		0) op="start c" ;;
		1) op="stop -t 0 c" ;;
		2) op="rm -f -t 0 c" ;;
		esac
		"$SKIFF" --root "$SKIFF_ROOT" --runroot "$SKIFF_RUNROOT" $op >/dev/null 2>&1 &
		pid=$!
		delay=$((RANDOM % 80))
		sleep "0.$(printf '%03d' $delay)"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		# the store answers, and the container is in a state that makes sense
		run sk ps -a --format '{{.Names}} {{.Status}}'
		assert_success
		if [ -n "$output" ]; then
			[[ "$output" =~ ^c\ (Created|Initialized|Up|Exited) ]] || fail "round $round ($op): ps: $output"
		fi
		# and every command still works on it
		if [ $((round % 5)) = 0 ]; then
			run sk rm -f -i -t 0 c
			assert_success
			[ -z "$(awk -v d="$SKIFF_ROOT/" 'index($5, d) == 1' /proc/self/mountinfo)" ] ||
				fail "round $round: mounts left after rm"
		fi
	done
	run sk rm -f -i -t 0 c
	assert_success
	sk ps -a
	assert_clean
}
