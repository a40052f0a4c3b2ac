#!/usr/bin/env bats
# Terminals: process.terminal with --console-socket (runc's protocol), the
# runtime's own relay for a foreground run, and skiff run -t. A pty for the
# relay tests comes from util-linux script.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	skiff_setup
	RT_ROOT=$BATS_TEST_TMPDIR/rt
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	CID=tty$$-${BATS_TEST_NUMBER}
	RECEIVER=$BATS_TEST_DIRNAME/console_receiver.py
}

teardown() {
	local id
	if [ -d "$RT_ROOT" ]; then
		for id in $("$SKIFF" runtime --root "$RT_ROOT" list -q 2>/dev/null); do
			"$SKIFF" runtime --root "$RT_ROOT" delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	[ -z "${RECEIVER_PID:-}" ] || kill "$RECEIVER_PID" 2>/dev/null || true
	skiff_teardown
}

rt() {
	"$SKIFF" runtime --root "$RT_ROOT" "$@"
}

# make_bundle TERMINAL CMD...: a busybox bundle running CMD.
make_bundle() {
	local terminal=$1
	shift
	make_busybox_rootfs "$BUNDLE/rootfs"
	"$SKIFF" runtime spec -b "$BUNDLE"
	local args
	args=$(printf '%s\n' "$@" | jq -Rs 'split("\n")[:-1]')
	jq --argjson t "$terminal" --argjson a "$args" \
		'.process.terminal = $t | .process.args = $a' "$BUNDLE/config.json" >"$BUNDLE/c.new"
	mv "$BUNDLE/c.new" "$BUNDLE/config.json"
}

# start_receiver: a console socket listener in the background, its output
# in $BATS_TEST_TMPDIR/console.out.
start_receiver() {
	SOCK=$BATS_TEST_TMPDIR/console.sock
	/usr/bin/python3 "$RECEIVER" "$SOCK" >"$BATS_TEST_TMPDIR/console.out" 2>&1 3>&- &
	RECEIVER_PID=$!
	local i
	for i in $(seq 50); do
		[ -S "$SOCK" ] && return 0
		sleep 0.1
	done
	fail "the console receiver never listened"
}

wait_receiver() {
	wait "$RECEIVER_PID" || fail "receiver failed:" "$(cat "$BATS_TEST_TMPDIR/console.out")"
	RECEIVER_PID=
}

@test "runtime run --console-socket: the master goes to the socket, the slave is the container's /dev/pts/0" {
	make_bundle true sh -c 'tty; test -t 0 && echo stdin-tty; test -t 1 && echo stdout-tty'
	start_receiver
	run rt run -b "$BUNDLE" --console-socket "$SOCK" "$CID" </dev/null
	assert_success
	wait_receiver
	output=$(tr -d '\r' <"$BATS_TEST_TMPDIR/console.out")
	assert_output_contains "payload="
	assert_output_contains "/dev/pts/0"
	assert_output_contains "stdin-tty"
	assert_output_contains "stdout-tty"
}

@test "runtime create --console-socket, then start: the container's output reaches the socket" {
	make_bundle true sh -c 'tty; exit 3'
	start_receiver
	rt create -b "$BUNDLE" --console-socket "$SOCK" "$CID" </dev/null >/dev/null 2>&1
	rt start "$CID"
	wait_receiver
	output=$(tr -d '\r' <"$BATS_TEST_TMPDIR/console.out")
	assert_output_contains "/dev/pts/0"
	rt delete --force "$CID"
}

@test "runtime create with a terminal and no --console-socket fails clearly" {
	make_bundle true true
	run rt create -b "$BUNDLE" "$CID" </dev/null
	assert_failure 1
	assert_output_contains "console-socket"
}

@test "runtime run without --console-socket relays the terminal to its own" {
	make_bundle true sh -c 'tty; exit 4'
	run -4 script -qec "$SKIFF runtime --root $RT_ROOT run -b $BUNDLE $CID" /dev/null </dev/null
	assert_output_contains "/dev/pts/0"
}

@test "runtime run relay: our input reaches the container, the window size is copied" {
	make_bundle true sh -c 'read x; echo got:$x; stty size; exit 7'
	run -7 script -qec "stty cols 91 rows 33; $SKIFF runtime --root $RT_ROOT run -b $BUNDLE $CID" \
		/dev/null < <(sleep 1; echo hello)
	output=$(printf '%s' "$output" | tr -d '\r')
	assert_output_contains "got:hello"
	assert_output_contains "33 91"
}

@test "runtime exec --tty --console-socket" {
	make_bundle false sleep 30
	rt run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	start_receiver
	run rt exec --tty --console-socket "$SOCK" "$CID" sh -c 'tty; exit 2' </dev/null
	assert_failure 2
	wait_receiver
	output=$(tr -d '\r' <"$BATS_TEST_TMPDIR/console.out")
	assert_output_contains "/dev/pts/"
	rt delete --force "$CID"
}

@test "runtime: terminal false keeps the caller's stdio, no tty" {
	make_bundle false sh -c 'test -t 0 || echo no-tty; exit 5'
	run -5 rt run -b "$BUNDLE" "$CID" </dev/null
	assert_output_contains "no-tty"
}

# The fixture image has /bin/busybox but no tty link.
@test "skiff run -t prints /dev/pts/0 and exits 0" {
	run script -qec "$SKIFF --root $SKIFF_ROOT --runroot $SKIFF_RUNROOT run -q --rm -t busybox busybox tty" /dev/null </dev/null
	assert_success
	output=$(printf '%s' "$output" | tr -d '\r')
	assert_output_contains "/dev/pts/0"
}

@test "skiff run -t returns the process's exit code" {
	run -4 script -qec "$SKIFF --root $SKIFF_ROOT --runroot $SKIFF_RUNROOT run -q --rm -t busybox sh -c 'exit 4'" /dev/null </dev/null
}

@test "skiff start -a of a -t container relays its terminal" {
	sk create -q --name t1 -t busybox sh -c 'busybox tty; test -t 0 && echo stdin-tty; exit 6' >/dev/null
	run -6 script -qec "$SKIFF --root $SKIFF_ROOT --runroot $SKIFF_RUNROOT start -a t1" /dev/null </dev/null
	output=$(printf '%s' "$output" | tr -d '\r')
	assert_output_contains "/dev/pts/0"
	assert_output_contains "stdin-tty"
}

@test "skiff run without -t: no terminal, as before" {
	run -5 sk run -q --rm busybox sh -c 'test -t 0 || echo no-tty; exit 5' </dev/null
	assert_output_contains "no-tty"
}
