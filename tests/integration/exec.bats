#!/usr/bin/env bats
# skiff exec: a process in a running container, with the container's
# namespaces, cgroups, seccomp filter, capabilities and user; podman's flags
# and exit codes.
load helpers
bats_require_minimum_version 1.5.0

setup() {
	skiff_setup
	RUN_PIDS=()
}

teardown() {
	skiff_teardown # removes the containers: attached runs in the background end
	local p
	for p in "${RUN_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
}

# The runtime's state of container NAME (status, pid of its init).
rt_state() {
	local id
	id=$(sk inspect --format '{{.Id}}' "$1") || return 1
	"$SKIFF" runtime --root "$SKIFF_RUNROOT/runtime" state "$id"
}

# start_running NAME [CREATE OPTIONS...]: a detached busybox container
# running `sleep 1000`.
start_running() {
	local name=$1
	shift
	sk run -q -d --name "$name" "$@" busybox sleep 1000 >/dev/null
	[ "$(rt_state "$name" | jq -r .status)" = running ] || fail "container $name does not run"
}

# wait_running NAME: until the runtime runs container NAME's process.
wait_running() {
	local i
	for i in $(seq 100); do
		[ "$(rt_state "$1" 2>/dev/null | jq -r .status)" = running ] && return 0
		sleep 0.1
	done
	fail "container $1 never ran"
}

init_pid() {
	rt_state "$1" | jq -r .pid
}

# skiff with this test's store, as one command line for script(1).
sk_line() {
	echo "$SKIFF --root $SKIFF_ROOT --runroot $SKIFF_RUNROOT"
}

@test "exec returns the command's output and exit code" {
	start_running c
	run sk exec c echo hello from exec
	assert_success
	[ "$output" = "hello from exec" ] || fail "output: $output"
	run -3 sk exec c sh -c 'exit 3'
	run -137 sk exec c sh -c 'kill -9 $$'
	run sk container exec c true
	assert_success
}

@test "exec: 127 when the command is not found, 126 when it cannot be invoked" {
	start_running c
	run -127 sk exec c nosuchcmd
	assert_output_contains "skiff: error: "
	assert_output_contains "nosuchcmd"
	assert_output_contains "not found"
	run -127 sk exec c /no/such/file
	run -126 sk exec c /etc
	assert_output_contains "ermission denied"
	run -126 sk exec c /etc/passwd
	# In PATH but not executable: 126 as a shell and crun say. A file execve
	# cannot run (no ELF, no #!): 126, attached, detached, with a terminal.
	sk exec c sh -c 'printf "#!/bin/sh\necho ran\n" >/bin/mycmd; chmod 0644 /bin/mycmd
		echo "not a program" >/garbage; chmod 0755 /garbage'
	run -126 --separate-stderr sk exec c mycmd
	ERR_STATUS=126 assert_skiff_error mycmd /bin/mycmd "permission denied"
	run -126 --separate-stderr sk exec c /garbage
	ERR_STATUS=126 assert_skiff_error /garbage "exec format error"
	run -126 --separate-stderr sk exec -d c /garbage
	ERR_STATUS=126 assert_skiff_error /garbage "exec format error"
	run -126 sk exec -t c /garbage
	assert_output_contains "Exec format error"
	run -127 sk exec -t c nosuchcmd
}

@test "exec: 125 for a missing container, an unknown flag, no command, a bad user" {
	run -125 sk exec nosuch true
	assert_output_contains 'no container with name or ID "nosuch" found'
	start_running c
	run -125 sk exec --nosuchflag c true
	assert_output_contains "unknown flag: --nosuchflag"
	run -125 sk exec c
	assert_output_contains "requires a command"
	run -125 sk exec -u nobody-here c true
	assert_output_contains "unable to find user nobody-here"
	run -125 sk exec -w relative c true
	run -125 sk exec -d -t c true
	# A working directory that is missing or no directory: 125, the command
	# is not to blame (podman's text matching says 127 for the first).
	run -125 --separate-stderr sk exec -w /nonexist c true
	assert_skiff_error process.cwd /nonexist "no such file"
	run -125 --separate-stderr sk exec -w /etc/passwd c true
	assert_skiff_error process.cwd /etc/passwd "not a directory"
}

@test "exec into a container that is not running fails with 125" {
	sk create -q --name made busybox true >/dev/null
	run -125 sk exec made true
	assert_output_contains "can only create exec sessions on running containers"
	sk run -q --name finished busybox true
	run -125 sk exec finished true
	assert_output_contains "running containers"
}

@test "exec works however the container was started: create + start, an attached run" {
	sk create -q --name made busybox sleep 1000 >/dev/null
	sk start made >/dev/null
	run sk exec made echo in-made
	assert_success
	[ "$output" = in-made ] || fail "output: $output"
	sk run -q --name fg busybox sleep 1000 </dev/null >>"$BATS_TEST_TMPDIR/fg.out" 2>&1 3>&- &
	RUN_PIDS+=($!)
	wait_running fg
	run sk exec fg sh -c 'echo in-fg; exit 9'
	assert_failure 9
	[ "$output" = in-fg ] || fail "output: $output"
}

@test "exec -e, --env-file and KEY from skiff's environment; the container's env stays" {
	start_running c -e FROM_CREATE=ctr -e OVERRIDDEN=old
	printf 'FILE_A=1\n# a comment\nOVERRIDDEN=file\n' >"$BATS_TEST_TMPDIR/envfile"
	FROM_HOST=host-value run sk exec -e X=1 -e FROM_HOST --env-file "$BATS_TEST_TMPDIR/envfile" \
		-e OVERRIDDEN=flag c env
	assert_success
	local want
	for want in X=1 FROM_HOST=host-value FILE_A=1 OVERRIDDEN=flag FROM_CREATE=ctr container=skiff \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; do
		grep -qx "$want" <<<"$output" || fail "no $want in:" "$output"
	done
	refute_output_contains "OVERRIDDEN=old"
}

@test "exec -u by name and uid:gid, -w; defaults are the container's user and workdir" {
	start_running c -u tester -w /home/tester
	run sk exec c sh -c 'id -u; id -g; pwd'
	assert_success
	[ "$output" = "$(printf '1000\n1000\n/home/tester')" ] || fail "output: $output"
	run sk exec -u root -w /tmp c sh -c 'id -u; pwd'
	assert_success
	[ "$output" = "$(printf '0\n/tmp')" ] || fail "output: $output"
	run sk exec -u 1000:1001 c sh -c 'id -u; id -g'
	[ "$output" = "$(printf '1000\n1001')" ] || fail "output: $output"
	run sk exec -u tester:testgrp c id -G
	[ "$output" = "1001" ] || fail "output: $output"
	run sk exec -u tester c id -G # supplementary groups from /etc/group
	[[ " $output " == *" 1001 "* ]] || fail "output: $output"
}

@test "exec -i passes stdin; without -i the process reads /dev/null" {
	start_running c
	run sk exec -i c cat < <(echo hi there)
	assert_success
	[ "$output" = "hi there" ] || fail "output: $output"
	run sk exec c sh -c 'cat; echo end' < <(echo not passed)
	assert_success
	[ "$output" = "end" ] || fail "output: $output"
}

@test "exec -t gives the process a terminal; -it relays our input and the window size" {
	start_running c
	run -4 script -qec "$(sk_line) exec -t c sh -c 'tty; test -t 0 && echo stdin-tty; exit 4'" \
		/dev/null </dev/null
	output=$(printf '%s' "$output" | tr -d '\r')
	assert_output_contains "/dev/pts/"
	assert_output_contains "stdin-tty"
	run -7 script -qec "stty cols 91 rows 33; $(sk_line) exec -it c sh -c 'read x; echo got:\$x; stty size; exit 7'" \
		/dev/null < <(sleep 1; echo hello)
	output=$(printf '%s' "$output" | tr -d '\r')
	assert_output_contains "got:hello"
	assert_output_contains "33 91"
	run sk exec c sh -c 'test -t 0 || echo no-tty'
	[ "$output" = no-tty ] || fail "output: $output"
}

@test "exec -d returns at once with the process's pid; the process runs on" {
	start_running c
	local t0=$SECONDS
	run sk exec -d c sh -c 'sleep 2; echo done >/tmp/detached'
	assert_success
	[[ "$output" =~ ^[0-9]+$ ]] || fail "want a pid, got: $output"
	((SECONDS - t0 < 2)) || fail "exec -d waited for the process"
	kill -0 "$output" || fail "process $output is not running"
	run sk exec c cat /tmp/detached
	assert_failure 1
	sleep 3
	run sk exec c cat /tmp/detached
	assert_success
	[ "$output" = "done" ] || fail "output: $output"
	run -127 sk exec -d c nosuchcmd
}

@test "exec joins the container's namespaces, cgroups, seccomp filter and capabilities" {
	start_running c
	local pid ns
	pid=$(init_pid c)
	for ns in mnt pid net ipc uts cgroup user; do
		run sk exec c readlink /proc/self/ns/$ns
		assert_success
		[ "$output" = "$(readlink /proc/"$pid"/ns/$ns)" ] || fail "$ns: exec $output, init $(readlink /proc/"$pid"/ns/$ns)"
	done
	run sk exec c cat /proc/self/cgroup
	assert_success
	[ "$output" = "$(cat /proc/"$pid"/cgroup)" ] || fail "cgroup: $output"
	run sk exec c grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|Seccomp):' /proc/self/status
	assert_success
	[ "$output" = "$(grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|Seccomp):' /proc/"$pid"/status)" ] ||
		fail "exec: $output" "init: $(grep -E '^(Cap|Seccomp)' /proc/"$pid"/status)"
	assert_output_contains "$(printf 'Seccomp:\t2')"
	# Another user than root gets no capabilities.
	run sk exec -u tester c grep -E '^CapEff:' /proc/self/status
	[ "$output" = "$(printf 'CapEff:\t0000000000000000')" ] || fail "output: $output"
}

@test "exec capabilities follow the user: the container's own keeps its sets, root gets the bounding set" {
	start_running c -u tester --cap-add NET_RAW
	local pid
	pid=$(init_pid c)
	run sk exec c grep -E '^Cap(Prm|Eff|Amb):' /proc/self/status
	assert_success
	[ "$output" = "$(grep -E '^Cap(Prm|Eff|Amb):' /proc/"$pid"/status)" ] ||
		fail "exec: $output" "init: $(grep -E '^Cap' /proc/"$pid"/status)"
	assert_output_contains "$(printf 'CapEff:\t0000000000002000')" # CAP_NET_RAW
	run sk exec -u root c grep -E '^Cap(Eff|Bnd):' /proc/self/status
	assert_success
	local eff bnd
	eff=$(sed -n 's/^CapEff:\t//p' <<<"$output")
	bnd=$(sed -n 's/^CapBnd:\t//p' <<<"$output")
	[ -n "$eff" ] && [ "$eff" = "$bnd" ] || fail "root: $output"
}

@test "exec --privileged: every capability of ours, the seccomp filter stays" {
	start_running c
	run sk exec --privileged c grep -E '^(CapBnd|CapEff|Seccomp):' /proc/self/status
	assert_success
	local bnd
	bnd=$(grep -E '^CapBnd:' /proc/self/status | cut -f2)
	[ "$output" = "$(printf 'CapEff:\t%s\nCapBnd:\t%s\nSeccomp:\t2' "$bnd" "$bnd")" ] ||
		fail "output: $output"
	run sk exec c grep -E '^CapBnd:' /proc/self/status
	[ "$output" != "$(printf 'CapBnd:\t%s' "$bnd")" ] || fail "the container has all capabilities"
	# The filter is the container's, made for a container without
	# CAP_SYS_ADMIN: sethostname fails even with every capability.
	run sk exec --privileged c hostname renamed
	assert_failure
	assert_output_contains "not permitted"
}

@test "concurrent execs into one container each return their own exit code" {
	start_running c
	sk exec -d c sleep 30 >/dev/null # one more running meanwhile
	local i pids=()
	for i in 1 2 3 4 5 6 7 8; do
		sk exec c sh -c "sleep 0.$((9 - i)); echo out-$i; exit $((10 + i))" \
			>"$BATS_TEST_TMPDIR/exec-$i.out" 2>&1 &
		pids+=($!)
	done
	local rc
	for i in 1 2 3 4 5 6 7 8; do
		rc=0
		wait "${pids[$((i - 1))]}" || rc=$?
		[ "$rc" -eq $((10 + i)) ] || fail "exec $i exited $rc:" "$(cat "$BATS_TEST_TMPDIR/exec-$i.out")"
		[ "$(cat "$BATS_TEST_TMPDIR/exec-$i.out")" = "out-$i" ] ||
			fail "exec $i printed:" "$(cat "$BATS_TEST_TMPDIR/exec-$i.out")"
	done
}

@test "exec --latest picks the newest container" {
	start_running older
	start_running newest
	run sk exec -l cat /etc/hostname
	assert_success
	[ "$output" = "$(sk inspect --format '{{.Id}}' newest | cut -c1-12)" ] || fail "output: $output"
}
