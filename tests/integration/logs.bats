#!/usr/bin/env bats
# skiff logs: the k8s-file log read back as podman prints it. The first
# section writes ctr.log by hand (partial lines, both streams, damage); the
# second runs containers under the monitor (run -d), which writes it.

load helpers

bats_require_minimum_version 1.5.0

teardown() {
	sk rm -a -f -t 0 >/dev/null 2>&1 || true
	skiff_teardown
}

# ------------------------------------------------------------ local helpers


# new_ctr NAME: a created container; its ID in $CID, its log path in $LOG.
new_ctr() {
	CID=$(sk create -q --name "$1" busybox true) || fail "create $1 failed"
	LOG=$SKIFF_ROOT/overlay-containers/$CID/userdata/ctr.log
}

# The log of the tests below: partial lines (P) of stdout around a stderr
# line, an empty line, a line in another zone, damage, and a last record cut
# before its newline.
write_log() {
	cat >"$LOG" <<-'EOF'
		2026-11-22T08:25:20.100000000+00:00 stdout F out1
		2026-11-22T08:25:20.200000000+00:00 stdout P par
		this is not a record
		2026-11-22T08:25:20.300000000+00:00 stderr F err1
		2026-11-22T08:25:20.400000000+00:00 stdout P ti
		not-a-time stdout F nope
		2026-11-22T08:25:20.450000000+00:00 stdin F nope
		2026-11-22T08:25:21.000000000+00:00 stdout F al
		2026-11-22T08:25:22.000000000+00:00 stdout F 
		2026-11-22T09:25:23.000000000+01:00 stderr F two  spaces 
	EOF
	printf '2026-11-22T08:25:24.500000000+00:00 stdout F cut' >>"$LOG"
}

# ------------------------------------------------------------ hand-written logs

@test "logs joins partial lines per stream, stdout and stderr apart, and skips damage" {
	new_ctr c
	write_log
	run --separate-stderr sk logs c
	assert_success
	[ "$output" = "$(printf 'out1\npartial\n\ncut')" ] || fail "stdout:" "$output"
	# (bats may drop the trailing space of $stderr)
	[ "${stderr% }" = "$(printf 'err1\ntwo  spaces')" ] || fail "stderr:" "$stderr"
	# Both streams to one pipe: in the order the lines ended.
	run sk logs c
	assert_success
	[ "$output" = "$(printf 'out1\nerr1\npartial\n\ntwo  spaces \ncut')" ] || fail "2>&1:" "$output"
}

@test "logs -t prefixes podman's timestamps; --tail counts lines" {
	new_ctr c
	write_log
	run sk logs -t c
	assert_success
	[ "$output" = "$(printf '%s\n' \
		'2026-11-22T08:25:20.100000000Z out1' \
		'2026-11-22T08:25:20.300000000Z err1' \
		'2026-11-22T08:25:20.200000000Z partial' \
		'2026-11-22T08:25:22.000000000Z ' \
		'2026-11-22T09:25:23.000000000+01:00 two  spaces ' \
		'2026-11-22T08:25:24.500000000Z cut')" ] || fail "logs -t:" "$output"
	run sk logs --tail 2 c
	assert_success
	[ "$output" = "$(printf 'two  spaces \ncut')" ] || fail "--tail 2:" "$output"
	# A line made of partial records counts once.
	run --separate-stderr sk logs --tail 5 c
	[ "$output" = "$(printf 'partial\n\ncut')" ] || fail "--tail 5:" "$output"
	run sk logs --tail 0 c
	assert_success
	[ -z "$output" ] || fail "--tail 0:" "$output"
	run sk logs --tail -1 c
	[ "$(wc -l <<<"$output")" -eq 6 ] || fail "--tail -1:" "$output"
	run --separate-stderr sk logs --tail x c
	assert_skiff_error "--tail"
}

@test "logs --since and --until take RFC 3339, dates, Unix times and durations" {
	new_ctr c
	write_log
	# A line's time is its first record's; since is "after", until "not after".
	run --separate-stderr sk logs --since 2026-11-22T08:25:20.2Z c
	[ "$output" = "$(printf '\ncut')" ] || fail "--since:" "$output"
	[ "${stderr% }" = "$(printf 'err1\ntwo  spaces')" ] || fail "--since stderr:" "$stderr"
	run --separate-stderr sk logs --until 2026-11-22T09:25:21+01:00 c
	[ "$output" = "$(printf 'out1\npartial')" ] || fail "--until:" "$output"
	run --separate-stderr sk logs --since "$(date -d 2026-11-22T08:25:21Z +%s)" --until 2026-11-22T08:25:23Z c
	[ -z "$output" ] && [ "${stderr% }" = "two  spaces" ] || fail "--since unix --until:" "$output" "$stderr"
	run --separate-stderr sk logs --since 2026-11-23 c
	[ -z "$output$stderr" ] || fail "--since a later day:" "$output" "$stderr"
	run --separate-stderr sk logs --since 100000h c
	[ "$(wc -l <<<"$output")" -eq 4 ] || fail "--since 100000h:" "$output"
	run --separate-stderr sk logs --since 10m c # a duration: 10 minutes ago
	[ -z "$output$stderr" ] || fail "--since 10m:" "$output" "$stderr"
	run --separate-stderr sk logs --since yesterday c
	assert_skiff_error 'parsing --since "yesterday"' "unable to interpret time value"
	run --separate-stderr sk logs --until 1x c
	assert_skiff_error "--until"
}

@test "logs of several containers prefixes each line with the short ID, or with -n the name" {
	new_ctr one
	local one=$CID
	write_log
	new_ctr two
	printf '2026-11-22T08:25:30.000000000+00:00 stdout F from two\n' >"$LOG"
	run --separate-stderr sk logs one two
	assert_success
	[ "$output" = "$(printf '%s\n' "${one:0:12} out1" "${one:0:12} partial" "${one:0:12} " \
		"${one:0:12} cut" "${CID:0:12} from two")" ] || fail "logs one two:" "$output"
	run --separate-stderr sk logs -n -t two one
	[ "$(head -n 1 <<<"$output")" = "two 2026-11-22T08:25:30.000000000Z from two" ] ||
		fail "logs -n -t:" "$output"
	[ "$(head -n 1 <<<"$stderr")" = "one 2026-11-22T08:25:20.300000000Z err1" ] ||
		fail "logs -n -t stderr:" "$stderr"
	# One container: no prefix, even with -n.
	run sk logs -n two
	[ "$output" = "from two" ] || fail "logs -n two:" "$output"
	# --latest: the newest container.
	run sk logs -l
	[ "$output" = "from two" ] || fail "logs -l:" "$output"
}

@test "logs: a container that never ran shows nothing; unknown containers and bad usage fail" {
	new_ctr quiet
	run --separate-stderr sk logs quiet
	assert_success
	[ -z "$output$stderr" ] || fail "logs of a created container:" "$output" "$stderr"
	run --separate-stderr sk logs -f quiet # nothing runs: nothing to wait for
	assert_success
	run --separate-stderr sk logs quiet nosuch
	assert_skiff_error 'no container with name or ID "nosuch" found'
	[ -z "$output" ] || fail "printed before failing:" "$output"
	run --separate-stderr sk logs
	assert_skiff_error "specify at least one container"
	run --separate-stderr sk logs -l quiet
	assert_skiff_error "--latest"
}

@test "logs survives a huge line and a log of garbage" {
	new_ctr c
	head -c 3000000 /dev/urandom | base64 -w 0 | sed 's/^/2026-11-22T08:25:20Z stdout F /' >"$LOG"
	printf '\n' >>"$LOG"
	head -c 100000 /dev/urandom >>"$LOG"
	printf '\n2026-11-22T08:25:21Z stdout F after\n' >>"$LOG"
	run --separate-stderr sk logs --tail 1 c
	assert_success
	[ "$output" = after ] || fail "last line: $(head -c 200 <<<"$output")"
	run --separate-stderr sk logs c
	assert_success
	[ "$(head -n 1 <<<"$output" | wc -c)" -eq 4000001 ] || fail "the huge line is not whole"
}

# ------------------------------------------------------------ logs written by the monitor

@test "logs of a detached container: both streams, joined partial lines, -t in the log's times" {
	sk run -d --name d busybox sh -c 'echo out1; echo err1 >&2; printf par; sleep 0.3; echo tial' >/dev/null
	sk wait d >/dev/null
	run --separate-stderr sk logs d
	assert_success
	[ "$output" = "$(printf 'out1\npartial')" ] || fail "stdout:" "$output"
	[ "$stderr" = err1 ] || fail "stderr:" "$stderr"
	run sk logs -t d
	[[ "$(head -n 1 <<<"$output")" =~ ^20[0-9-]+T[0-9:]+\.[0-9]{9}(Z|[+-][0-9]{2}:[0-9]{2})\ out1$ ]] ||
		fail "logs -t:" "$output"
}

@test "logs -f follows until the container exits, then exits 0" {
	sk run -d --name f busybox sh -c 'for i in 1 2 3; do echo line $i; sleep 0.5; done; echo bye >&2' >/dev/null
	run --separate-stderr timeout 30 "$SKIFF" --root "$SKIFF_ROOT" --runroot "$SKIFF_RUNROOT" logs -f f
	assert_success
	[ "$output" = "$(printf 'line 1\nline 2\nline 3')" ] || fail "stdout:" "$output"
	[ "$stderr" = bye ] || fail "stderr:" "$stderr"
	# --tail with -f: the last line so far, then what comes.
	sk run -d --name g busybox sh -c 'echo a; echo b; sleep 1; echo c' >/dev/null
	sleep 0.5
	run timeout 30 "$SKIFF" --root "$SKIFF_ROOT" --runroot "$SKIFF_RUNROOT" logs -f --tail 1 g
	assert_success
	[ "$output" = "$(printf 'b\nc')" ] || fail "-f --tail 1:" "$output"
}

@test "logs -f of several containers stops once all have exited" {
	sk run -d --name s1 busybox sh -c 'sleep 0.5; echo one' >/dev/null
	sk run -d --name s2 busybox sh -c 'sleep 1.5; echo two' >/dev/null
	run timeout 30 "$SKIFF" --root "$SKIFF_ROOT" --runroot "$SKIFF_RUNROOT" logs -f -n s1 s2
	assert_success
	[ "$output" = "$(printf 's1 one\ns2 two')" ] || fail "logs -f s1 s2:" "$output"
}

@test "logs -f ends when the container is stopped or removed" {
	sk run -d --name st busybox sh -c 'echo up; sleep 1000' >/dev/null
	timeout 30 "$SKIFF" --root "$SKIFF_ROOT" --runroot "$SKIFF_RUNROOT" logs -f st >"$BATS_TEST_TMPDIR/out" &
	local follower=$!
	sleep 0.5
	sk stop -t 0 st >/dev/null
	wait "$follower" || fail "logs -f exited $?"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = up ] || fail "output: $(cat "$BATS_TEST_TMPDIR/out")"
}
