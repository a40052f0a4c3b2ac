#!/usr/bin/env bats
# The daemonless lifecycle: detached containers under their monitor, stop,
# kill, wait, restart, attach, rm -f, the log file, and records that stay
# true when the monitor or the machine goes away.
load helpers
bats_require_minimum_version 1.5.0

# Wait (up to 10 s) until `ps` shows the container's status starting with $2.
wait_status() {
	local i
	for i in $(seq 100); do
		[[ "$(sk ps -a --format '{{.Names}} {{.Status}}' | awk -v n="$1" '$1 == n')" == "$1 $2"* ]] && return 0
		sleep 0.1
	done
	fail "container $1 never got to status '$2': $(sk ps -a)"
}

# A field of the container's state in its record.
state_field() {
	local id
	id=$(sk inspect --format '{{.Id}}' "$1")
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"][sys.argv[2]])' \
		"$SKIFF_ROOT/overlay-containers/$id/container.json" "$2"
}

monitor_pid() { state_field "$1" monitorPid; }

container_pid() { state_field "$1" pid; }

assert_nothing_left() {
	[ -z "$(awk -v d="$SKIFF_ROOT/" 'index($5, d) == 1' /proc/self/mountinfo)" ] || fail "mounts left"
	local p
	for p in $(pgrep -x skiff-monitor || true); do
		if tr '\0' ' ' <"/proc/$p/environ" 2>/dev/null | grep -qF "$BATS_TEST_TMPDIR"; then
			fail "monitor $p left running"
		fi
	done
	if [ -d "$SKIFF_RUNROOT/runtime" ]; then
		[ -z "$(ls "$SKIFF_RUNROOT/runtime")" ] || fail "runtime state left: $(ls "$SKIFF_RUNROOT/runtime")"
	fi
}

@test "run -d prints the ID and returns while the container runs; its output goes to ctr.log" {
	run sk run -q -d --name d busybox sh -c 'echo out; echo err >&2; printf part; sleep 30'
	assert_success
	[[ "$output" =~ ^[0-9a-f]{64}$ ]] || fail "output: $output"
	local id=$output
	wait_status d "Up"
	local log=$SKIFF_ROOT/overlay-containers/$id/userdata/ctr.log
	for _ in $(seq 50); do grep -q ' stdout P part$' "$log" 2>/dev/null && break; sleep 0.1; done
	run cat "$log"
	[[ "${lines[0]}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}[+-][0-9]{2}:[0-9]{2}\ stdout\ F\ out$ ]] ||
		fail "log line 1: ${lines[0]}"
	assert_output_contains " stderr F err"
	assert_output_contains " stdout P part"
	run sk stop -t 1 d
	assert_success
	[ "$output" = "d" ] || fail "stop: $output"
	run sk wait d
	[ "$output" = "137" ] || fail "wait: $output" # sh as pid 1 ignores SIGTERM
	wait_status d "Exited (137)"
	run sk rm d
	assert_success
	assert_nothing_left
}

@test "stop: the stop signal first; a container that handles it exits with its own code" {
	sk run -q -d --name t busybox sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
	wait_status t "Up"
	local start=$SECONDS
	run sk stop t
	assert_success
	[ $((SECONDS - start)) -lt 5 ] || fail "stop took $((SECONDS - start)) s"
	run sk wait t
	[ "$output" = "7" ] || fail "wait: $output"
	# --stop-signal is honoured
	sk run -q -d --name u --stop-signal USR1 busybox sh -c 'trap "exit 8" USR1; while :; do sleep 0.1; done' >/dev/null
	wait_status u "Up"
	run sk stop -t 5 u
	assert_success
	run sk wait u
	[ "$output" = "8" ] || fail "wait: $output"
	# stopping a stopped container is fine
	run sk stop u
	assert_success
}

@test "kill sends signals; only to running containers" {
	sk run -q -d --name k busybox sh -c 'trap "exit 4" USR2; while :; do sleep 0.1; done' >/dev/null
	wait_status k "Up"
	run sk kill -s SIGUSR2 k
	assert_success
	[ "$output" = "k" ] || fail "kill: $output"
	run sk wait k
	[ "$output" = "4" ] || fail "wait: $output"
	run sk kill k
	assert_failure 125
	assert_output_contains "can only kill running containers"
	run sk kill -s NOPE k
	assert_failure 125
	run sk kill nosuch
	assert_failure 125
	assert_output_contains "no container"
}

@test "start detached: prints the name, is a no-op while running, restarts after exit" {
	sk create -q --name s busybox sh -c 'echo run; sleep 30' >/dev/null
	run sk ps -a --format '{{.Names}} {{.Status}}'
	[[ "$output" == "s Created"* ]] || fail "ps: $output"
	run sk start s
	assert_success
	[ "$output" = "s" ] || fail "start: $output"
	wait_status s "Up"
	run sk start s
	assert_success
	run sk restart -t 0 s
	assert_success
	[ "$output" = "s" ] || fail "restart: $output"
	wait_status s "Up"
	run sk rm s
	assert_failure
	assert_output_contains "is running"
	run sk rm -f -t 0 s
	assert_success
	assert_nothing_left
}

@test "run --rm -d: the monitor removes the container when it exits" {
	run sk run -q --rm -d --name gone busybox sh -c 'sleep 0.3'
	assert_success
	for _ in $(seq 100); do
		[ -z "$(sk ps -a -q)" ] && break
		sleep 0.1
	done
	[ -z "$(sk ps -a -q)" ] || fail "still there: $(sk ps -a)"
	assert_nothing_left
}

@test "run -i passes stdin; without -i the container's stdin is empty" {
	run sk run -q --rm -i busybox sh -c 'cat; echo done'
	[ "$output" = "done" ] || fail "output with no stdin: $output"
	output=$(printf 'hello\nworld\n' | sk run -q --rm -i busybox sh -c 'cat; echo done')
	[ "$output" = "$(printf 'hello\nworld\ndone')" ] || fail "output: $output"
	output=$(echo hello | sk run -q --rm busybox sh -c 'cat; echo done')
	[ "$output" = "done" ] || fail "output without -i: $output"
	# a lot of output in both directions, without deadlock
	output=$(head -c 3000000 /dev/zero | sk run -q --rm -i busybox sh -c 'wc -c; head -c 2000000 /dev/zero | wc -c')
	[ "$output" = "$(printf '3000000\n2000000')" ] || fail "output: $output"
}

@test "attach relays a running container's output and returns its exit code" {
	sk run -q -d --name a busybox sh -c 'sleep 1; echo late; exit 6' >/dev/null
	run sk attach a
	assert_failure 6
	[ "$output" = "late" ] || fail "attach: $output"
	run sk attach a
	assert_failure 125
	assert_output_contains "only attach to running containers"
}

@test "a foreground run passes SIGTERM on to the container" {
	"$SKIFF" --root "$SKIFF_ROOT" --runroot "$SKIFF_RUNROOT" run -q --name f busybox \
		sh -c 'trap "exit 9" TERM; echo ready; while :; do sleep 0.1; done' >"$BATS_TEST_TMPDIR/out" &
	local pid=$!
	for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	[ "$rc" = 9 ] || fail "exit: $rc"
}

@test "start failures: 125 and back to Created; run -d reports 127" {
	sk create -q --name bad busybox nosuchcmd >/dev/null
	run sk start bad
	assert_failure 125
	assert_output_contains "nosuchcmd"
	run sk ps -a --format '{{.Names}} {{.Status}}'
	[[ "$output" == "bad Created"* ]] || fail "ps: $output"
	run -127 sk run -q -d --name bad2 busybox nosuchcmd
	assert_failure 127
	run -127 sk run -q -d --rm busybox nosuchcmd
	assert_failure 127
	run sk ps -a -q
	[ "$(echo "$output" | wc -l)" = 2 ] || fail "ps: $output"
	sk rm bad bad2 >/dev/null
	assert_nothing_left
}

@test "monitor killed: the container runs on, and its exit is settled by the next command" {
	sk run -q -d --name m busybox sleep 300 >/dev/null
	wait_status m "Up"
	local mon ctr
	mon=$(monitor_pid m)
	ctr=$(container_pid m)
	kill -9 "$mon"
	sleep 0.2
	wait_status m "Up" # the container still runs
	kill -9 "$ctr"
	wait_status m "Exited (-1)"
	run sk start m
	assert_success
	wait_status m "Up"
	run sk rm -f -t 0 m
	assert_success
	assert_nothing_left
}

@test "after a reboot (run state gone) running containers show as exited and start again" {
	sk run -q -d --name r busybox sleep 300 >/dev/null
	wait_status r "Up"
	local mon ctr
	mon=$(monitor_pid r)
	ctr=$(container_pid r)
	kill -9 "$mon" "$ctr"
	sleep 0.2
	# what a reboot leaves: no processes, no mounts, no run state
	awk -v d="$SKIFF_ROOT/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		xargs -r -n1 umount -l
	local cg
	for cg in $(find /sys/fs/cgroup -type d -name "$(sk inspect --format '{{.Id}}' r)" 2>/dev/null); do
		rmdir "$cg" 2>/dev/null || true
	done
	rm -rf "$SKIFF_RUNROOT"
	wait_status r "Exited"
	run sk start r
	assert_success
	wait_status r "Up"
	run sk rm -f -t 0 r
	assert_success
	assert_nothing_left
}

@test "wait prints each container's exit code; the monitor records FinishedAt and ExitCode" {
	sk run -q -d --name w1 busybox sh -c 'sleep 0.3; exit 2' >/dev/null
	sk run -q -d --name w2 busybox sh -c 'exit 3' >/dev/null
	run sk wait w1 w2
	assert_success
	[ "$output" = "$(printf '2\n3')" ] || fail "wait: $output"
	run sk wait nosuch
	assert_failure 125
	run sk rm -a
	assert_success
	assert_nothing_left
}

@test "run -dt: the monitor holds the pty; the container's output is logged from it" {
	sk run -q -dt --name t busybox sh -c 'busybox tty; echo bye' >/dev/null
	run sk wait t
	[ "$output" = 0 ] || fail "wait: $output"
	local log=$SKIFF_ROOT/overlay-containers/$(sk inspect --format '{{.Id}}' t)/userdata/ctr.log
	run cat "$log"
	assert_output_contains " stdout F /dev/pts/0"
	assert_output_contains " stdout F bye"
	run sk rm t
	assert_success
	assert_nothing_left
}

@test "a container killed for memory is recorded with OOMKilled" {
	sk run -q -d --name oom -m 16m --memory-swap 16m busybox sh -c 'x=$(head -c 64000000 /dev/zero | tr "\0" a); echo survived' >/dev/null
	run sk wait oom
	[ "$output" = 137 ] || fail "wait: $output"
	[ "$(state_field oom oomKilled)" = True ] || fail "oomKilled: $(state_field oom oomKilled)"
	run sk inspect --format '{{.State.OOMKilled}}' oom
	[ "$output" = true ] || fail "inspect OOMKilled: $output"
}
