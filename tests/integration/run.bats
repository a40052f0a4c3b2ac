#!/usr/bin/env bats
# skiff run and skiff start --attach: the built-in runtime runs the container
# in the foreground with our stdio; exit codes are podman's.
load helpers
bats_require_minimum_version 1.5.0

@test "run prints the command's output and returns its exit code" {
	run sk run -q busybox echo hello from skiff
	assert_success
	[ "$output" = "hello from skiff" ] || fail "output: $output"
	run sk run -q --rm busybox sh -c 'exit 3'
	assert_failure 3
}

# not_runnable DIR: DIR/mycmd, a script without x bits, and DIR/garbage, an
# executable file that is no program (no ELF, no #!: execve says ENOEXEC).
not_runnable() {
	mkdir -p "$1"
	printf '#!/bin/sh\necho ran\n' >"$1/mycmd"
	chmod 0644 "$1/mycmd"
	echo 'not a program' >"$1/garbage"
	chmod 0755 "$1/garbage"
}

# The runtime says why the process never ran (runtime.h: RUNTIME_EXIT_*):
# 127 not found, 126 found but not runnable, as a shell exits; the message
# is one line.
@test "run: 127 when the command is not found, 126 when it cannot be invoked" {
	run -127 --separate-stderr sk run -q --rm busybox nosuchcmd
	ERR_STATUS=127 assert_skiff_error nosuchcmd "not found"
	run -127 --separate-stderr sk run -q --rm busybox /no/such/file
	ERR_STATUS=127 assert_skiff_error /no/such/file "no such file"
	run -126 --separate-stderr sk run -q --rm busybox /etc/passwd
	ERR_STATUS=126 assert_skiff_error /etc/passwd "permission denied"
	# A directory (podman: 126 too).
	run -126 --separate-stderr sk run -q --rm busybox /etc
	ERR_STATUS=126 assert_skiff_error /etc "permission denied"
	# A file in PATH named like the command, not executable: 126 as a shell
	# and crun say, not "not found".
	local d=$BATS_TEST_TMPDIR/files
	not_runnable "$d"
	run -126 --separate-stderr sk run -q --rm -v "$d/mycmd:/usr/local/bin/mycmd" busybox mycmd
	ERR_STATUS=126 assert_skiff_error mycmd /usr/local/bin/mycmd "permission denied"
	# A file execve cannot run fails at start, not at create: 126 as well,
	# attached, detached, with a terminal.
	run -126 --separate-stderr sk run -q --rm -v "$d:/d" busybox /d/garbage
	ERR_STATUS=126 assert_skiff_error /d/garbage "exec format error"
	run -126 --separate-stderr sk run -q -d --rm -v "$d:/d" busybox /d/garbage
	ERR_STATUS=126 assert_skiff_error /d/garbage "exec format error"
	run -126 sk run -q -t --rm -v "$d:/d" busybox /d/garbage
	assert_output_contains "Exec format error"
	run -127 sk run -q -t --rm busybox nosuchcmd
	run sk ps -a -q
	[ -z "$output" ] || fail "containers left: $output"
}

@test "start -a: 127 and 126 as run, for files of the container's own rootfs" {
	sk create -q --name missing busybox nosuchcmd >/dev/null
	sk create -q --name noexec busybox mycmd >/dev/null
	sk create -q --name garbage busybox /garbage >/dev/null
	sk create -q --name dir busybox /etc >/dev/null
	local name merged
	for name in noexec garbage; do
		merged=$(sk mount "$name")
		not_runnable "$merged/tmp/files"
		mv "$merged/tmp/files/mycmd" "$merged/bin/mycmd"
		mv "$merged/tmp/files/garbage" "$merged/garbage"
		sk umount "$name" >/dev/null
	done
	run -127 --separate-stderr sk start -a missing
	ERR_STATUS=127 assert_skiff_error nosuchcmd "not found"
	run -126 --separate-stderr sk start -a noexec
	ERR_STATUS=126 assert_skiff_error mycmd /bin/mycmd "permission denied"
	run -126 --separate-stderr sk start -a garbage
	ERR_STATUS=126 assert_skiff_error /garbage "exec format error"
	run -126 --separate-stderr sk start -a dir
	ERR_STATUS=126 assert_skiff_error /etc "permission denied"
	# Each is back to Created, and says so again.
	run sk ps -a --format '{{.Names}} {{.Status}}'
	[ "$(grep -c ' Created' <<<"$output")" = 4 ] || fail "ps: $output"
	run -126 sk start -a garbage
}

# Failures that are not the command's: 125 whatever their errno (ENOENT,
# EACCES), where matching the message's text once said 127 or 126.
@test "run, start -a: 125 with one error line when the container fails for another reason" {
	# A bind source gone between create and start.
	mkdir "$BATS_TEST_TMPDIR/vanish"
	sk create -q --name van -v "$BATS_TEST_TMPDIR/vanish:/x" busybox true >/dev/null
	rmdir "$BATS_TEST_TMPDIR/vanish"
	run --separate-stderr sk start -a van
	assert_skiff_error /x "bind source" "$BATS_TEST_TMPDIR/vanish" "no such file"
	run --separate-stderr sk start van
	assert_skiff_error /x "bind source" "no such file"
	run sk ps -a --format '{{.Names}} {{.Status}}'
	[[ "$output" == "van Created"* ]] || fail "ps: $output"
	# A working directory that cannot be made (a file is in the way).
	run --separate-stderr sk run -q --rm -w /etc/passwd busybox true
	assert_skiff_error process.cwd /etc/passwd "not a directory"
	# A sysctl the kernel keeps read-only even for root: EACCES.
	if [ -e /proc/sys/net/ipv6/conf/all/mc_forwarding ]; then
		run --separate-stderr sk run -q --rm --sysctl net.ipv6.conf.all.mc_forwarding=1 busybox true
		assert_skiff_error mc_forwarding "permission denied"
	fi
}

# inspect's State.Error: why the last start failed (podman's), empty again
# once a start works.
@test "inspect State.Error: the last failed start's error, cleared by a start that works" {
	run sk inspect --format '{{.State.Error}}' "$(sk create -q busybox true)"
	assert_success
	[ -z "$output" ] || fail "fresh: $output"
	# the runtime's failure (the worker's report): a bind source gone
	mkdir "$BATS_TEST_TMPDIR/vanish"
	sk create -q --name van -v "$BATS_TEST_TMPDIR/vanish:/x" busybox true >/dev/null
	rmdir "$BATS_TEST_TMPDIR/vanish"
	run -125 --separate-stderr sk start van
	local said=${stderr#skiff: error: }
	run sk inspect --format '{{.State.Error}}|{{.State.Status}}' van
	[ "$output" = "$said|created" ] || fail "inspect: '$output', start said '$said'"
	[[ "$output" == *"$BATS_TEST_TMPDIR/vanish"*"o such file"* ]] || fail "inspect: $output"
	mkdir "$BATS_TEST_TMPDIR/vanish"
	run sk start -a van
	assert_success
	run sk inspect --format '{{.State.Error}}|{{.State.Status}}|{{.State.ExitCode}}' van
	[ "$output" = "|exited|0" ] || fail "after a start that works: $output"
	# the command not found: 127, the error says which
	sk create -q --name missing busybox nosuchcmd >/dev/null
	run -127 sk start -a missing
	run sk inspect --format '{{.State.Error}}|{{.State.ExitCode}}' missing
	[[ "$output" == *nosuchcmd*"|127" ]] || fail "inspect: $output"
	run sk inspect missing
	[[ "$output" == *'"Error": "'*nosuchcmd* ]] || fail "inspect JSON: $output"
	# a failure before the runtime (init: a user the image lacks)
	sk create -q --name nouser -u nosuchuser busybox true >/dev/null
	run -125 --separate-stderr sk start nouser
	said=${stderr#skiff: error: }
	run sk inspect --format '{{.State.Error}}' nouser
	[ "$output" = "$said" ] || fail "inspect: '$output', start said '$said'"
	[[ "$output" == *nosuchuser* ]] || fail "inspect: $output"
}

# The U volume option (podman's): the source, recursively, is chowned to the
# container's user before it starts; symlinks are chowned themselves, never
# followed; another mount below the source is left alone.
@test "-v SRC:DST:U and --mount U=true chown the source to the container's user; without U it stays" {
	local vol=$BATS_TEST_TMPDIR/uvol keep=$BATS_TEST_TMPDIR/keep out=$BATS_TEST_TMPDIR/outside
	mkdir -p "$vol/sub/deeper" "$keep" "$out" "$vol/mnt"
	echo x >"$vol/sub/f" && echo y >"$keep/f" && echo z >"$out/f"
	ln -s "$out/f" "$vol/link" && ln -s "$out" "$vol/linkdir"
	mount -t tmpfs -o size=1m tmpfs "$vol/mnt"
	touch "$vol/mnt/t"
	run sk run -q --rm -u 1000:1000 -v "$vol:/v:U" -v "$keep:/k" busybox sh -c \
		'stat -c "%n %u:%g" /v /v/sub/deeper /v/sub/f /k/f; touch /v/new'
	local mnt_owner
	mnt_owner=$(stat -c %u:%g "$vol/mnt/t")
	umount "$vol/mnt"
	assert_success
	[ "$output" = "/v 1000:1000
/v/sub/deeper 1000:1000
/v/sub/f 1000:1000
/k/f 0:0" ] || fail "output: $output"
	[ "$mnt_owner" = 0:0 ] || fail "the mount below was changed: $mnt_owner"
	[ "$(stat -c %u:%g "$vol/new" "$vol/link" "$vol/linkdir" | sort -u)" = 1000:1000 ] ||
		fail "on disk: $(stat -c '%n %u:%g' "$vol/new" "$vol/link" "$vol/linkdir")"
	[ "$(stat -c %u:%g "$out" "$out/f" "$keep" "$keep/f" | sort -u)" = 0:0 ] ||
		fail "outside the source: $(stat -c '%n %u:%g' "$out" "$out/f" "$keep" "$keep/f")"
	# again (idempotent), for a user the image names, with --mount
	run sk run -q --rm -u nobody --mount "type=bind,src=$vol,dst=/v,U=true" busybox stat -c %u:%g /v/sub/f
	assert_success
	[ "$output" = 65534:65534 ] || fail "nobody: $output"
	run sk run -q --rm -u nobody --mount "type=bind,src=$vol,dst=/v,U=true" busybox stat -c %u:%g /v/sub/f
	[ "$output" = 65534:65534 ] || fail "again: $output"
	# at every start, to whom the container runs as (root without -u)
	sk create -q --name u -v "$vol:/v:U" busybox true >/dev/null
	[ "$(stat -c %u "$vol/sub/f")" = 65534 ] || fail "chowned at create"
	sk start -a u
	[ "$(stat -c %u:%g "$vol/sub/f")" = 0:0 ] || fail "start: $(stat -c %u:%g "$vol/sub/f")"
	# a system directory is refused, in one line; U=false and tmpfs U are checked
	run -125 --separate-stderr sk run -q --rm -v /tmp:/t:U busybox true
	assert_skiff_error "/tmp" "not allowed"
	run -125 --separate-stderr sk create --mount "type=tmpfs,dst=/t,U=true" busybox true
	assert_skiff_error "bind mounts only"
	run sk run -q --rm -u 1000 --mount "type=bind,src=$keep,dst=/k,U=false" busybox stat -c %u /k/f
	[ "$output" = 0 ] || fail "U=false: $output"
}

@test "run --rm removes the container; without it ps shows Exited (N)" {
	run sk run -q --rm busybox true
	assert_success
	run sk ps -a -q
	[ -z "$output" ] || fail "containers left: $output"
	sk run -q --name kept busybox sh -c 'exit 5' || true
	run sk ps -a --format '{{.Names}} {{.Status}}'
	assert_success
	[[ "$output" == "kept Exited (5)"* ]] || fail "ps: $output"
	run sk rm kept
	assert_success
}

@test "run --rm: the rootfs is a volatile overlay (no sync at unmount) that mounts again" {
	run sk run -q --rm busybox grep -c ' / / .*volatile' /proc/self/mountinfo
	assert_success
	[ "$output" = 1 ] || fail "root not volatile: $output"
	local id
	id=$(sk create -q --rm busybox true)
	# A volatile mount leaves a marker overlay refuses to mount over: each
	# mount clears it.
	sk mount "$id" >/dev/null
	sk umount "$id" >/dev/null
	run sk mount "$id"
	assert_success
	sk umount "$id" >/dev/null
	run sk start -a "$id"
	assert_success
	# Without --rm, no volatile.
	run sk run -q --name nonvolatile busybox grep -c ' / / .*volatile' /proc/self/mountinfo
	[ "$output" = 0 ] || fail "volatile without --rm: $output"
	sk rm nonvolatile >/dev/null
}

@test "run applies the spec: user, workdir, env, hostname, read-only root" {
	run sk run -q --rm -u tester -w /tmp -e FOO=bar -h box --read-only busybox \
		sh -c 'id -u; pwd; echo $FOO; hostname; touch /x 2>/dev/null && echo rw || echo ro'
	assert_success
	[ "$output" = "$(printf '1000\n/tmp\nbar\nbox\nro')" ] || fail "output: $output"
}

@test "run --read-only: /tmp and /run are tmpfs holding the image's files (tmpcopyup)" {
	sk create -q --name ro --read-only busybox sh -c 'cat /run/app/state /tmp/seed
		echo more >>/run/app/state && cat /run/app/state; stat -c "%a %u" /run/app
		touch /x 2>/dev/null || echo root-ro; grep -c -e " /run tmpfs" -e " /tmp tmpfs" /proc/mounts' \
		>/dev/null
	# Files in the container's rootfs, as an image would have them.
	local merged
	merged=$(sk mount ro)
	mkdir -p "$merged/run/app" "$merged/tmp"
	echo from-image >"$merged/run/app/state"
	echo seed >"$merged/tmp/seed"
	chown 1000 "$merged/run/app"
	chmod 0710 "$merged/run/app"
	sk umount ro >/dev/null
	run sk start -a ro
	assert_success
	[ "$output" = "$(printf '%s\n' from-image seed from-image more '710 1000' root-ro 2)" ] ||
		fail "output: $output"
	# What the container wrote went to the tmpfs, not to its rootfs.
	merged=$(sk mount ro)
	[ "$(cat "$merged/run/app/state")" = from-image ] || fail "rootfs changed"
	sk umount ro >/dev/null
	sk rm ro >/dev/null
}

@test "the seeds' flow: create with a volume, mount, touch, start --attach sees both" {
	local vol=$BATS_TEST_TMPDIR/vol
	mkdir -p "$vol" && echo on >"$vol/on"
	sk create -q --name on-off -v "$vol:/mnt:Z" busybox sh -c 'cat /mnt/on /test' >/dev/null
	local merged
	merged=$(sk mount on-off)
	echo touched >"$merged/test"
	run sk start -a on-off
	assert_success
	[ "$output" = "$(printf 'on\ntouched')" ] || fail "output: $output"
	run sk start --attach on-off # again, after it exited
	assert_success
	run sk rm on-off
	assert_success
	[ -z "$(awk -v d="$SKIFF_ROOT/" 'index($5, d) == 1' /proc/self/mountinfo)" ] || fail "mounts left"
}

@test "start without --attach runs the container detached and prints its name" {
	sk create -q --name c busybox sh -c 'echo started; sleep 0.2' >/dev/null
	run sk start c
	assert_success
	[ "$output" = "c" ] || fail "output: $output"
	run sk wait c
	assert_success
	[ "$output" = "0" ] || fail "wait: $output"
	run sk ps -a --format '{{.Names}} {{.Status}}'
	[[ "$output" == "c Exited (0)"* ]] || fail "ps: $output"
}
