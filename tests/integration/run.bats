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

@test "run: 127 when the command is not found, 126 when it cannot be invoked" {
	run -127 sk run -q --rm busybox nosuchcmd
	assert_failure 127
	assert_output_contains "skiff: error: "
	assert_output_contains "nosuchcmd"
	run -126 sk run -q --rm busybox /etc/passwd
	assert_failure 126
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
