#!/usr/bin/env bats
# Container crash safety and concurrency: skiff create and rm killed with
# SIGKILL at random moments and (with strace) at every file system step,
# and many skiff processes creating, mounting and removing containers in one
# store at once.

load helpers

bats_require_minimum_version 1.5.0

# ------------------------------------------------------------ local helpers

hex() {
	echo "${1#sha256:}"
}

# skr ROOT ARGS...: skiff on another store under this test's directory.
skr() {
	local root=$1
	shift
	"$SKIFF" --root "$root" --runroot "$root.run" "$@"
}

tmp_left() {
	ls -A "$1/tmp" 2>/dev/null || true
}

ctr_dirs() {
	ls -A "$1/overlay-containers" 2>/dev/null | LC_ALL=C sort
}

listed_ids() {
	skr "$1" ps -a -q --no-trunc | LC_ALL=C sort
}

# assert_containers_consistent ROOT [WHEN]: `ps -a` works; every listed
# container has a valid record and a complete directory and can be inspected;
# names and IDs are unique; whatever is mounted under the store belongs to a
# listed container.
assert_containers_consistent() {
	local root=$1 when=${2:-} ids id d names dup m
	ids=$(skr "$root" ps -a -q --no-trunc) || fail "$when: ps -a failed on $root"
	for id in $ids; do
		jq -e '.id' "$root/overlay-containers/$id/container.json" >/dev/null ||
			fail "$when: container $id has no valid container.json"
		for d in userdata diff work merged; do
			[ -d "$root/overlay-containers/$id/$d" ] ||
				fail "$when: container $id is listed but has no $d/ (half container)"
		done
		skr "$root" container inspect "$id" >/dev/null || fail "$when: listed container $id cannot be inspected"
	done
	[ -z "$(sort <<<"$ids" | uniq -d)" ] || fail "$when: IDs listed twice:" "$(sort <<<"$ids" | uniq -d)"
	names=$(skr "$root" ps -a --format '{{.Names}}')
	dup=$(sort <<<"$names" | uniq -d)
	[ -z "$dup" ] || fail "$when: names used twice:" "$dup"
	while read -r m; do
		[ -n "$m" ] || continue
		id=$(basename "$(dirname "$m")")
		grep -qxF "$id" <<<"$ids" || fail "$when: $m is mounted but its container is not listed"
	done < <(awk -v d="$(realpath "$root")/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo)
}

# assert_no_orphans ROOT [WHEN]: overlay-containers/ holds exactly the listed
# containers (call after another create or rm ran), and tmp/ is empty.
assert_no_orphans() {
	local root=$1 when=${2:-}
	[ "$(ctr_dirs "$root")" = "$(listed_ids "$root")" ] ||
		fail "$when: overlay-containers/ does not match ps -a:" "dirs: $(ctr_dirs "$root" | tr '\n' ' ')" \
			"listed: $(listed_ids "$root" | tr '\n' ' ')"
	[ -z "$(tmp_left "$root")" ] || fail "$when: tmp/ is not empty:" "$(tmp_left "$root")"
}

# LeakSanitizer cannot run under ptrace: an ASan build traced by strace would
# fail at exit.
NO_LEAKS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

need_strace() {
	command -v strace >/dev/null || skip "strace is not installed"
	strace -f -qq -o /dev/null -e trace=getpid -e inject=getpid:retval=1 true 2>/dev/null ||
		skip "this strace cannot inject faults"
}

# kill_points ROOT ARGS...: the steps of a normal `skiff ARGS` worth killing
# at, as "SYSCALL N" lines (the Nth call of SYSCALL): every successful call
# that changes the store or its run state (names a path in them; openat only
# for writing), and every flock, fsync, write, rename and umount2 (which take
# file descriptors). A kill before a read or a failed call is the same as one
# before the next change.
KILL_SYSCALLS=mkdir,rename,fsync,openat,write,unlink,unlinkat,flock,umount2,mount
kill_points() {
	local root=$1 log=$BATS_TEST_TMPDIR/strace.log
	shift
	ASAN_OPTIONS=$NO_LEAKS strace -f -qq -o "$log" -e trace="$KILL_SYSCALLS" "$SKIFF" --root "$root" --runroot "$root.run" "$@" \
		>/dev/null || fail "strace skiff $* failed"
	awk -v r="$root" '/resumed>/ { next }
		{ name = $2; sub(/\(.*/, "", name); n[name]++
		  if (name == "openat" && $0 !~ /O_CREAT|O_WRONLY|O_RDWR/) next
		  if ($0 ~ /= -1 E[A-Z]+/) next
		  if (name ~ /^(flock|fsync|write|rename|umount2)$/ || index($0, r)) print name, n[name] }' "$log"
}

# kill_at ROOT SYSCALL N ARGS...: run `skiff ARGS`, SIGKILLed by strace on
# entering its Nth SYSCALL.
kill_at() {
	local root=$1 sc=$2 n=$3
	shift 3
	ASAN_OPTIONS=$NO_LEAKS strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$n" \
		"$SKIFF" --root "$root" --runroot "$root.run" "$@" >/dev/null 2>&1 || true
}

# ------------------------------------------------------------ kill -9 at random moments

@test "create killed with SIGKILL at random moments leaves no half container" {
	local root=$BATS_TEST_TMPDIR/store delay pid killed=0 i=0 before after
	skr "$root" pull -q "$REG_HTTP/busybox" >/dev/null
	# A create takes a few milliseconds: "now" kills it at once (before or
	# while it starts), the others at moments within and after it.
	for delay in now now now 0 0.001 0.002 0.003 0.004 0.005 0.006 0.008 0.01 0.015 0.03; do
		i=$((i + 1))
		before=$(listed_ids "$root" | wc -l)
		# The binary itself in the background (a function's subshell would take the signal).
		"$SKIFF" --root "$root" --runroot "$root.run" create -q busybox >/dev/null 2>&1 &
		pid=$!
		[ "$delay" = now ] || sleep "$delay"
		kill -KILL "$pid" 2>/dev/null && killed=$((killed + 1))
		wait "$pid" || true
		assert_containers_consistent "$root" "delay $delay"
		after=$(listed_ids "$root" | wc -l)
		[ "$after" -eq "$before" ] || [ "$after" -eq $((before + 1)) ] ||
			fail "delay $delay: $before containers before, $after after one create"
		# The next create works and leaves no orphan.
		skr "$root" create -q busybox >/dev/null || fail "delay $delay: the create after the kill failed"
		assert_containers_consistent "$root" "delay $delay, next create"
		assert_no_orphans "$root" "delay $delay, next create"
	done
	[ "$killed" -ge 3 ] || fail "only $killed of $i creates were still running when killed"
	skr "$root" rm -a >/dev/null
	[ -z "$(ctr_dirs "$root")" ] || fail "rm -a left: $(ctr_dirs "$root")"
}

@test "create that pulls, killed with SIGKILL at random moments, leaves a usable store" {
	local delay pid root out i=0 killed=0 img
	for delay in 0.005 0.01 0.02 0.04 0.06 0.1 0.15 0.25; do
		i=$((i + 1))
		root=$BATS_TEST_TMPDIR/kill$i
		"$SKIFF" --root "$root" --runroot "$root.run" create -q "$REG_HTTP/multilayer" >/dev/null 2>&1 &
		pid=$!
		[ "$delay" = now ] || sleep "$delay"
		kill -KILL "$pid" 2>/dev/null && killed=$((killed + 1))
		wait "$pid" || true
		assert_containers_consistent "$root" "delay $delay"
		out=$(skr "$root" create -q "$REG_HTTP/multilayer") || fail "delay $delay: the create after the kill failed"
		img=$(skr "$root" container inspect -f '{{.Image}}' "$out")
		[ "$img" = "$(hex "$MULTILAYER_ID")" ] || fail "delay $delay: the new container's image is $img"
		assert_containers_consistent "$root" "delay $delay, next create"
		assert_no_orphans "$root" "delay $delay, next create"
		# Its rootfs is whole.
		out=$(skr "$root" mount "$out") || fail "delay $delay: mount failed"
		[ "$(cat "$out/data/file.txt")" = modified ] || fail "delay $delay: the merged rootfs is wrong"
		skr "$root" rm -a >/dev/null
		skr "$root" rmi -a >/dev/null
		rm -rf "$root" "$root.run"
	done
	[ "$killed" -ge 3 ] || fail "only $killed of $i creates were still running when killed"
}

# ------------------------------------------------------------ kill -9 at every step

@test "create SIGKILLed at each of its file system syscalls: no half container, no orphan after the next create" {
	need_strace
	local root=$BATS_TEST_TMPDIR/store sc n runs=0 after
	skr "$root" pull -q "$REG_HTTP/busybox" >/dev/null
	skr "$root" create -q busybox >/dev/null # overlay-containers/ and names/ exist
	local points
	points=$(kill_points "$root" create -q busybox)
	skr "$root" rm -a >/dev/null
	while read -r sc n <&3; do
		runs=$((runs + 1))
		kill_at "$root" "$sc" "$n" create -q --name killed busybox
		assert_containers_consistent "$root" "killed at $sc #$n"
		after=$(listed_ids "$root" | wc -l)
		[ "$after" -le 1 ] || fail "killed at $sc #$n: $after containers after one create"
		if [ "$after" -eq 1 ]; then
			[ "$(skr "$root" ps -a --format '{{.Names}}')" = killed ] || fail "killed at $sc #$n: ps -a lists $(skr "$root" ps -a)"
		fi
		skr "$root" create -q busybox >/dev/null || fail "killed at $sc #$n: the next create failed"
		assert_containers_consistent "$root" "killed at $sc #$n, next create"
		assert_no_orphans "$root" "killed at $sc #$n, next create"
		skr "$root" rm -a >/dev/null || fail "killed at $sc #$n: rm -a failed"
		[ -z "$(ctr_dirs "$root")" ] || fail "killed at $sc #$n: rm -a left $(ctr_dirs "$root")"
	done 3<<<"$points"
	[ "$runs" -ge 10 ] || fail "only $runs kill points:" "$points"
}

# The window between claiming the name (names/lost -> ID) and moving the
# complete directory in: the name link dangles. It must not count as taken.
@test "create SIGKILLed between claiming its name and moving its directory in" {
	need_strace
	local root=$BATS_TEST_TMPDIR/store
	skr "$root" pull -q "$REG_HTTP/busybox" >/dev/null
	skr "$root" create -q --name keep busybox >/dev/null
	# rename #1 writes the record inside the prepared directory, rename #2
	# moves the directory in: killed before #2, names/lost dangles.
	kill_at "$root" rename 2 create -q --name lost busybox
	[ "$(skr "$root" ps -a --format '{{.Names}}')" = keep ] || fail "ps -a lists: $(skr "$root" ps -a)"
	assert_containers_consistent "$root"
	assert_no_orphans "$root" "after ps -a"
	# The name was never taken.
	skr "$root" create -q --name lost busybox >/dev/null || fail "the name of the killed create is taken"
	assert_no_orphans "$root"
}

@test "rm SIGKILLed at each of its file system syscalls: the container is whole or gone" {
	need_strace
	local root=$BATS_TEST_TMPDIR/store sc n id runs=0 merged extra=
	skr "$root" pull -q "$REG_HTTP/busybox" >/dev/null
	skr "$root" create -q --name bystander busybox >/dev/null
	skr "$root" mount bystander >/dev/null
	# A mounted, initialized container with files of its own: the worst case.
	id=$(skr "$root" create -q busybox)
	skr "$root" init "$id" >/dev/null
	merged=$(skr "$root" mount "$id")
	echo data >"$merged/file"
	local points
	points=$(kill_points "$root" rm "$id")
	while read -r sc n <&3; do
		runs=$((runs + 1))
		id=$(skr "$root" create -q busybox)
		skr "$root" init "$id" >/dev/null
		merged=$(skr "$root" mount "$id")
		echo data >"$merged/file"
		kill_at "$root" "$sc" "$n" rm "$id"
		assert_containers_consistent "$root" "killed at $sc #$n"
		if listed_ids "$root" | grep -qxF "$id"; then
			# Still there: whole, and rm finishes the job.
			[ "$(skr "$root" container inspect -f '{{.Id}}' "$id")" = "$id" ]
			skr "$root" rm "$id" >/dev/null || fail "killed at $sc #$n: a second rm failed"
		else
			# Gone: the next create or rm reaps what is left.
			extra=$(skr "$root" create -q busybox) || fail "killed at $sc #$n: the next create failed"
		fi
		assert_containers_consistent "$root" "killed at $sc #$n, after"
		assert_no_orphans "$root" "killed at $sc #$n, after"
		if [ -n "$extra" ]; then
			skr "$root" rm "$extra" >/dev/null || fail "killed at $sc #$n: rm of a new container failed"
			extra=
		fi
		! listed_ids "$root" | grep -qxF "$id" || fail "killed at $sc #$n: $id is still listed"
		[ ! -e "$root/overlay-containers/$id" ] || fail "killed at $sc #$n: $id's directory is left"
		! awk -v p="$id" 'index($5, p)' /proc/self/mountinfo | grep -q . ||
			fail "killed at $sc #$n: $id's rootfs is still mounted"
	done 3<<<"$points"
	[ "$runs" -ge 10 ] || fail "only $runs kill points:" "$points"
	# The bystander went through all of it untouched.
	[ "$(skr "$root" container inspect -f '{{.Name}}' bystander)" = bystander ]
	[ -x "$(skr "$root" mount bystander)/bin/busybox" ]
	skr "$root" rm -a >/dev/null
	[ -z "$(ctr_dirs "$root")" ] || fail "rm -a left: $(ctr_dirs "$root")"
}

# ------------------------------------------------------------ concurrency

# wait_all PID...: wait for each; the number that failed goes to $FAILED.
FAILED=0
wait_all() {
	local pid
	FAILED=0
	for pid in "$@"; do
		wait "$pid" || FAILED=$((FAILED + 1))
	done
}

@test "20 concurrent creates, 10 of them --name dup: exactly one dup wins, every name unique" {
	local i pids=() dup_ok=0 dup_refused=0 out
	sk pull -q "$REG_HTTP/busybox" >/dev/null
	for i in $(seq 20); do
		if ((i % 2)); then
			sk create -q --name dup busybox >"$BATS_TEST_TMPDIR/out$i" 2>"$BATS_TEST_TMPDIR/err$i" &
		else
			sk create -q busybox >"$BATS_TEST_TMPDIR/out$i" 2>"$BATS_TEST_TMPDIR/err$i" &
		fi
		pids+=($!)
	done
	local rc
	for i in $(seq 20); do
		rc=0
		wait "${pids[i - 1]}" || rc=$?
		out=$(cat "$BATS_TEST_TMPDIR/out$i")
		if ((i % 2)); then
			if [ "$rc" -eq 0 ]; then
				dup_ok=$((dup_ok + 1))
				[[ $out =~ ^[0-9a-f]{64}$ ]] || fail "dup create $i printed '$out'"
			else
				dup_refused=$((dup_refused + 1))
				[ "$rc" -eq 125 ] || fail "dup create $i exited $rc: $(cat "$BATS_TEST_TMPDIR/err$i")"
				grep -q 'already in use' "$BATS_TEST_TMPDIR/err$i" || fail "dup create $i:" "$(cat "$BATS_TEST_TMPDIR/err$i")"
				[ "$(wc -l <"$BATS_TEST_TMPDIR/err$i")" -eq 1 ] || fail "dup create $i:" "$(cat "$BATS_TEST_TMPDIR/err$i")"
			fi
		else
			[ "$rc" -eq 0 ] || fail "create $i failed ($rc):" "$(cat "$BATS_TEST_TMPDIR/err$i")"
			[[ $out =~ ^[0-9a-f]{64}$ ]] || fail "create $i printed '$out'"
		fi
	done
	[ "$dup_ok" -eq 1 ] && [ "$dup_refused" -eq 9 ] || fail "--name dup: $dup_ok won, $dup_refused refused"
	[ "$(listed_ids "$SKIFF_ROOT" | wc -l)" -eq 11 ] || fail "ps -a lists:" "$(sk ps -a)"
	[ "$(sk ps -a --format '{{.Names}}' | grep -cx dup)" -eq 1 ]
	# Every printed ID is listed.
	[ "$(cat "$BATS_TEST_TMPDIR"/out* | LC_ALL=C sort)" = "$(listed_ids "$SKIFF_ROOT")" ] ||
		fail "printed IDs do not match ps -a"
	assert_containers_consistent "$SKIFF_ROOT"
	assert_no_orphans "$SKIFF_ROOT"
}

@test "concurrent rm (each container twice), creates, mounts and ps leave a consistent store" {
	local i id ids=() pids=() removed
	sk pull -q "$REG_HTTP/busybox" >/dev/null
	for i in $(seq 12); do
		ids+=("$(sk create -q busybox)")
	done
	# Some mounted, some initialized.
	sk mount "${ids[0]}" "${ids[1]}" "${ids[2]}" >/dev/null
	sk init "${ids[3]}" "${ids[4]}" >/dev/null
	for i in "${!ids[@]}"; do
		sk rm "${ids[i]}" >"$BATS_TEST_TMPDIR/rm-a$i" 2>&1 &
		pids+=($!)
		sk rm "${ids[i]}" >"$BATS_TEST_TMPDIR/rm-b$i" 2>&1 &
		pids+=($!)
	done
	(
		for i in $(seq 8); do
			sk create -q busybox >>"$BATS_TEST_TMPDIR/new" || exit 1
		done
	) 2>"$BATS_TEST_TMPDIR/err-create" &
	local creator=$!
	(
		for i in $(seq 15); do
			sk ps -a >/dev/null || exit 1
		done
	) 2>"$BATS_TEST_TMPDIR/err-ps" &
	local lister=$!
	wait_all "${pids[@]}"
	wait "$creator" || fail "a concurrent create failed:" "$(cat "$BATS_TEST_TMPDIR/err-create")"
	wait "$lister" || fail "a concurrent ps -a failed:" "$(cat "$BATS_TEST_TMPDIR/err-ps")"
	# Each container was removed exactly once; the other rm found nothing (exit 1).
	[ "$FAILED" -eq 12 ] || fail "$FAILED of 24 rm processes failed, expected 12"
	for i in "${!ids[@]}"; do
		removed=$(cat "$BATS_TEST_TMPDIR/rm-a$i" "$BATS_TEST_TMPDIR/rm-b$i" | grep -cx "${ids[i]}" || true)
		[ "$removed" -eq 1 ] || fail "container $i reported removed $removed times:" \
			"$(cat "$BATS_TEST_TMPDIR/rm-a$i" "$BATS_TEST_TMPDIR/rm-b$i")"
		! listed_ids "$SKIFF_ROOT" | grep -qxF "${ids[i]}" || fail "container $i is still listed"
	done
	[ "$(LC_ALL=C sort "$BATS_TEST_TMPDIR/new")" = "$(listed_ids "$SKIFF_ROOT")" ] ||
		fail "ps -a does not list exactly the 8 new containers:" "$(sk ps -a)"
	assert_containers_consistent "$SKIFF_ROOT"
	assert_no_orphans "$SKIFF_ROOT"
	[ -z "$(awk -v d="$(realpath "$SKIFF_ROOT")/" 'index($5, d) == 1' /proc/self/mountinfo)" ] ||
		fail "mounts left under the store"
}

@test "concurrent mounts and umounts of one container keep the count" {
	local id merged i pids=()
	id=$(sk create -q busybox)
	for i in $(seq 10); do
		sk mount "$id" >"$BATS_TEST_TMPDIR/m$i" &
		pids+=($!)
	done
	wait_all "${pids[@]}"
	[ "$FAILED" -eq 0 ] || fail "$FAILED mounts failed"
	merged=$(cat "$BATS_TEST_TMPDIR/m1")
	[ "$(cat "$BATS_TEST_TMPDIR"/m* | sort -u)" = "$merged" ] || fail "mounts printed different paths"
	[ "$(awk -v p="$merged" '$5 == p' /proc/self/mountinfo | wc -l)" -eq 1 ] || fail "not exactly one mount on $merged"
	pids=()
	for i in $(seq 9); do
		sk umount "$id" >/dev/null &
		pids+=($!)
	done
	wait_all "${pids[@]}"
	[ "$FAILED" -eq 0 ] || fail "$FAILED umounts failed"
	awk -v p="$merged" '$5 == p { f = 1 } END { exit !f }' /proc/self/mountinfo || fail "unmounted with one user left"
	sk umount "$id" >/dev/null
	! awk -v p="$merged" '$5 == p { f = 1 } END { exit !f }' /proc/self/mountinfo || fail "still mounted after the last umount"
}
