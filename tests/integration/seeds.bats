#!/usr/bin/env bats
# The seeds' whole flow (shared/seeds 000 and 002), as the README's demo walks
# it: pull, create with a volume, ps (Created), mount, touch, init
# (config.json appears), start (Exited: its condition is unmet), start again
# once it is met (Up), exec sees the touched file, kill, rm.
load helpers
bats_require_minimum_version 1.5.0

status_of() { sk ps -a --format '{{.Names}} {{.Status}}' | awk -v n="$1" '$1 == n { $1 = ""; print substr($0, 2) }'; }

@test "seeds 000/002: create, mount, touch, init, start (exits), start (up), exec, kill, rm" {
	local vol=$BATS_TEST_TMPDIR/mnt
	mkdir -p "$vol"
	run sk pull -q busybox
	assert_success
	run sk create -dt --name on-off-container -v "$vol:/mnt:Z" busybox \
		sh -c 'test -f /mnt/on || exit 1; exec sleep 1000'
	assert_success
	local id=$output
	[[ "$(status_of on-off-container)" == Created* ]] || fail "after create: $(status_of on-off-container)"
	local merged
	merged=$(sk mount on-off-container)
	[ -d "$merged/bin" ] || fail "not mounted: $merged"
	touch "$merged/test"
	local userdata=$SKIFF_ROOT/overlay-containers/$(sk ps -l -q --no-trunc)/userdata
	[ "$userdata" = "$SKIFF_ROOT/overlay-containers/$id/userdata" ] || fail "ps -l -q --no-trunc: $userdata"
	[ ! -e "$userdata/config.json" ] || fail "config.json before init"
	run sk init on-off-container
	assert_success
	jq -e '.process.args[0] == "sh" and .process.terminal == true' "$userdata/config.json" >/dev/null ||
		fail "config.json: $(cat "$userdata/config.json")"
	run sk start on-off-container
	assert_success
	[ "$(sk wait on-off-container)" = 1 ] || fail "first start should exit 1"
	[[ "$(status_of on-off-container)" == "Exited (1)"* ]] || fail "after start: $(status_of on-off-container)"
	touch "$vol/on"
	run sk start on-off-container
	assert_success
	for _ in $(seq 50); do [[ "$(status_of on-off-container)" == Up* ]] && break; sleep 0.1; done
	[[ "$(status_of on-off-container)" == Up* ]] || fail "after the second start: $(status_of on-off-container)"
	run sk exec on-off-container sh -c 'ls /test && ls /mnt/on'
	assert_success
	[ "$output" = "$(printf '/test\n/mnt/on')" ] || fail "exec: $output"
	run sk kill -a
	assert_success
	run sk wait on-off-container
	[ "$output" = 137 ] || fail "wait after kill: $output"
	run sk rm -a
	assert_success
	run sk umount -a
	[ -z "$(sk ps -a -q)" ] || fail "left: $(sk ps -a)"
	[ -z "$(awk -v d="$SKIFF_ROOT/" 'index($5, d) == 1' /proc/self/mountinfo)" ] || fail "mounts left"
}
