#!/usr/bin/env bats
# What a rootless user (rootless.bash) can and cannot do with create/run/exec
# flags, on this VM (cgroup v1: nothing delegated). What works works as with
# podman; what cannot work fails with one line `skiff: error: ...` and exit
# 125, at create when it can be known then, and never leaves a
# half-created container: after a failed create or run nothing is left (no
# record, name, workspace, runtime state); after a failed start the
# container is "created", holds no mount, runtime state or process, and rm
# removes it.

load helpers
load rootless

# rootless.bash's setup, busybox pulled; its teardown.
setup() {
	skiff_setup && rootless_setup
	RUNTIME_STATE=$RL_DIR/run/skiff/runtime
	rsk pull -q "$REG_HTTP/busybox" >/dev/null || fail "pull busybox failed"
}

# The runtime's note on this VM, on every start: dropped before checking
# that an error is the only other line.
CG_NOTE="skiff: warning: rootless: cgroups skipped (the host's cgroup v1 hierarchies are not delegated to users)"

drop_cg_note() {
	stderr=${stderr#"$CG_NOTE"*$'\n'}
}

listing() {
	# shellcheck disable=SC2012 # names of our own making
	ls -A "$1" 2>/dev/null | tr '\n' ' '
}

# The user's processes but its pause process (and zombies, which the host's
# init reaps when it gets to them).
user_processes() {
	ps -u "$ROOTLESS_USER" -o pid=,stat=,comm= | awk '$2 !~ /^Z/ && $3 != "skiff-pause"'
}

# No process of the user's but its pause process, within 2 s (a monitor
# exits just after it released the container).
assert_no_process() {
	for _ in $(seq 20); do
		[ -z "$(user_processes)" ] && return 0
		sleep 0.1
	done
	fail "processes left:" "$(user_processes)"
}

# No container, name, workspace, runtime state or container process.
assert_nothing_left() {
	[ -z "$(rsk ps -a -q)" ] || fail "containers left: $(rsk ps -a)"
	[ -z "$(listing "$STORE/overlay-containers")" ] ||
		fail "container dirs left: $(listing "$STORE/overlay-containers")"
	[ -z "$(listing "$STORE/names")" ] || fail "names left: $(listing "$STORE/names")"
	[ -z "$(listing "$STORE/tmp")" ] || fail "workspaces left: $(listing "$STORE/tmp")"
	[ -z "$(ls "$RUNTIME_STATE" 2>/dev/null)" ] || fail "runtime state left: $(ls "$RUNTIME_STATE")"
	assert_no_process
}

# A container whose start failed: "created", no rootfs mount, no runtime
# state, no process; rm removes it and nothing is left.
assert_failed_start_consistent() {
	local name=$1 id
	id=$(rsk inspect --format '{{.Id}}' "$name") || fail "no container $name"
	[ "$(rsk inspect --format '{{.State.Status}}' "$name")" = created ] ||
		fail "status: $(rsk inspect --format '{{.State.Status}}' "$name")"
	[ "$(rsk ps -a --format '{{.Names}} {{.Status}}')" = "$name Created" ] ||
		fail "ps -a: $(rsk ps -a)"
	run rsk unshare grep -c "$STORE/overlay-containers/$id/merged" /proc/self/mountinfo
	[ "$output" = 0 ] || fail "rootfs still mounted"
	[ -z "$(ls "$RUNTIME_STATE" 2>/dev/null)" ] || fail "runtime state left: $(ls "$RUNTIME_STATE")"
	assert_no_process
	run rsk rm "$name"
	assert_success
	assert_nothing_left
}

# Only lo, up (127.0.0.1 works), with the default network and none; the
# host's interfaces with host.
@test "rootless network: none (the default) has lo alone, up; host has the host's interfaces" {
	local want
	for net in "" "--network=none"; do
		run --separate-stderr rsk run --rm $net busybox sh -c 'ip -o link; ip -o addr show lo'
		assert_success
		[ "$(grep -c ': <' <<<"$output")" = 1 ] || fail "interfaces ($net):" "$output"
		[[ $output == "1: lo: <LOOPBACK,UP,LOWER_UP>"* ]] || fail "lo ($net):" "$output"
		assert_output_contains "inet 127.0.0.1/8"
	done
	want=$(ip -o link | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | tr '\n' ' ')
	run --separate-stderr rsk run --rm --network host busybox ip -o link
	assert_success
	[ "$(awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' <<<"$output" | sort | tr '\n' ' ')" = "$want" ] ||
		fail "host interfaces '$want', the container's:" "$output"
	assert_nothing_left
}

@test "rootless network: bridge, slirp4netns, pasta, -p and -P fail at create, nothing created" {
	local net
	for net in bridge slirp4netns pasta; do
		run --separate-stderr rsk run --network "$net" busybox true
		assert_skiff_error "invalid argument \"$net\" for \"--network\"" 'supported networks are "none"'
	done
	run --separate-stderr rsk create -p 8080:80 busybox
	assert_skiff_error '"8080:80" for "--publish"' "bridge, slirp4netns or pasta" "--network host"
	run --separate-stderr rsk run -d -P busybox sleep 10
	assert_skiff_error '"--publish-all"' "skiff does not have"
	run --separate-stderr rsk create -p 80/icmp busybox
	assert_skiff_error "tcp, udp or sctp"
	assert_nothing_left
	# with --network host (or none) podman discards them, with a warning
	run --separate-stderr rsk run --rm --network host -p 8080:80 busybox echo ran
	assert_success
	[ "$output" = ran ] || fail "output: $output"
	[[ $stderr == "skiff: warning: port mappings are discarded"* ]] || fail "stderr: $stderr"
	assert_nothing_left
}

@test "rootless resources: limits without delegated cgroups run with one warning; unknown flags fail" {
	local flag
	for flag in "--memory=64m" "--cpus=0.5" "--pids-limit=10" "--cpu-shares=512" \
		"--cpuset-cpus=0" "--memory=64m --memory-swap=128m"; do
		# shellcheck disable=SC2086
		run --separate-stderr rsk run --rm $flag busybox echo ran
		assert_success
		[ "$output" = ran ] || fail "$flag: output $output"
		[ "$stderr" = "$CG_NOTE: resource limits are ignored" ] || fail "$flag: stderr:" "$stderr"
	done
	# created with a limit, the warning comes with the start, once
	rsk create -q --name lim --memory 64m busybox sleep 100 >/dev/null
	run --separate-stderr rsk start lim
	assert_success
	[ "$stderr" = "$CG_NOTE: resource limits are ignored" ] || fail "start: stderr:" "$stderr"
	run rsk rm -f -t 0 lim
	assert_success
	# flags skiff does not know (podman's blkio flags): one line, nothing made
	for flag in --blkio-weight=500 --device-read-bps=/dev/null:1mb; do
		run --separate-stderr rsk run "$flag" busybox true
		assert_skiff_error "unknown flag: ${flag%%=*}"
	done
	assert_nothing_left
}

@test "rootless ids: a uid or gid beyond the mapped range fails at create with how to map more" {
	local f
	for f in "-u 70000" "-u 1000:70000" "--user=65537" "--group-add=70000" "--tmpfs=/t:uid=70000"; do
		# shellcheck disable=SC2086
		run --separate-stderr rsk run --rm $f busybox id
		assert_skiff_error "70000|65537" "is not mapped" "maps IDs 0 to 65536" \
			"give $ROOTLESS_USER more subordinate IDs in /etc/subuid and /etc/subgid"
	done
	assert_nothing_left
	# the edge of the range works
	run --separate-stderr rsk run --rm -u 65536:65536 --group-add 65535 busybox id
	assert_success
	[ "$output" = "uid=65536 gid=65536 groups=65535" ] || fail "id: $output"
}

@test "rootless ids: a name resolving to an unmapped id fails at start, the container left consistent" {
	local mp
	rsk create -q --name big -u big busybox id >/dev/null
	mp=$(rsk mount big)
	rsk unshare sh -c "echo big:x:100000:100000::/:/bin/sh >>$mp/etc/passwd"
	rsk umount big >/dev/null
	run --separate-stderr rsk start big
	assert_skiff_error 'user "big": uid 100000 is not mapped' "subordinate IDs"
	run --separate-stderr rsk start -a big
	assert_skiff_error 'user "big": uid 100000 is not mapped'
	# stop, kill and exec say why they cannot act, rm removes it
	run rsk stop big
	assert_success
	run --separate-stderr rsk kill big
	assert_skiff_error "can only kill running containers"
	run --separate-stderr rsk exec big true
	assert_skiff_error "can only create exec sessions on running containers"
	assert_failed_start_consistent big

	# a group membership the image gives root, likewise; with --rm, gone
	rsk create -q --name grp busybox id >/dev/null
	mp=$(rsk mount grp)
	rsk unshare sh -c "echo far:x:70000:root >>$mp/etc/group; cp $mp/etc/group $mp/etc/group.far"
	rsk umount grp >/dev/null
	run --separate-stderr rsk start grp
	assert_skiff_error 'user "root": supplementary gid 70000 is not mapped'
	assert_failed_start_consistent grp
	run --separate-stderr rsk run --rm --group-add nosuchgroup busybox id
	assert_skiff_error "--group-add nosuchgroup: unable to find group nosuchgroup"
	assert_nothing_left
}

@test "rootless devices: a node the user cannot open fails at create; one it can is bound, renamed too" {
	mknod "$RL_DIR/root-null" c 1 3
	chmod 0600 "$RL_DIR/root-null"
	run --separate-stderr rsk run --rm --device "$RL_DIR/root-null:/dev/x" busybox true
	assert_skiff_error "for \"--device\"" "Permission denied" "cannot open"
	run --separate-stderr rsk create --device /dev/no-such-device busybox true
	assert_skiff_error "/dev/no-such-device: No such file or directory"
	assert_nothing_left
	# open to the user: bound, under another name too
	chmod 0666 "$RL_DIR/root-null"
	run --separate-stderr rsk run --rm --device "$RL_DIR/root-null:/dev/mynull" \
		--device /dev/null:/dev/other-null busybox sh -c \
		'stat -c "%t:%T" /dev/mynull /dev/other-null; echo x >/dev/mynull && echo written'
	assert_success
	[ "$output" = "1:3
1:3
written" ] || fail "output: $output"
	if [ -c /dev/fuse ] && [ "$(stat -c %a /dev/fuse)" = 666 ]; then
		run --separate-stderr rsk run --rm --device /dev/fuse busybox stat -c %t:%T /dev/fuse
		assert_success
		[ "$output" = a:e5 ] || fail "/dev/fuse: $output"
	fi
	# --privileged: every capability of the user namespace, the host's devices bound
	run --separate-stderr rsk run --rm --privileged busybox sh -c \
		'grep -e CapEff -e CapBnd /proc/self/status | cut -f2 | uniq | wc -l; ls /dev | wc -l'
	assert_success
	[ "${lines[0]}" = 1 ] || fail "effective capabilities are not the bounding set:" "$output"
	[ "${lines[1]}" -gt 20 ] || fail "devices:" "$output"
	assert_nothing_left
}

@test "rootless devices: a node open to one of the user's groups needs --group-add keep-groups" {
	local grp=skiffkg
	getent group "$grp" >/dev/null || groupadd "$grp"
	gpasswd -a "$ROOTLESS_USER" "$grp" >/dev/null
	mknod "$RL_DIR/grp-null" c 1 3
	chgrp "$grp" "$RL_DIR/grp-null"
	chmod 0660 "$RL_DIR/grp-null"
	run --separate-stderr rsk run --rm --device "$RL_DIR/grp-null:/dev/g" busybox true
	assert_skiff_error "only through a supplementary group" "--group-add keep-groups"
	assert_nothing_left
	run --separate-stderr rsk run --rm --group-add keep-groups --group-add 10 busybox true
	assert_skiff_error "not allowed with other groups"
	# kept: the container's process still has the group (unmapped: 65534 inside)
	run --separate-stderr rsk run --rm --device "$RL_DIR/grp-null:/dev/g" --group-add keep-groups \
		busybox sh -c 'echo x >/dev/g && echo written; id -G'
	gpasswd -d "$ROOTLESS_USER" "$grp" >/dev/null
	assert_success
	[ "${lines[0]}" = written ] || fail "output: $output"
	[[ " ${lines[1]} " == *" 65534 "* ]] || fail "groups: ${lines[1]}"
	# crun's annotation in the spec: crun keeps the groups the same way
	run --separate-stderr rsk create --group-add keep-groups busybox true
	assert_success
	rsk init "$output" >/dev/null
	jq -e '.annotations["run.oci.keep_original_groups"] == "1" and
		(.process.user.additionalGids // [] | length) == 0' \
		"$STORE/overlay-containers/$output/userdata/config.json" >/dev/null ||
		fail "config: $(jq -c '[.annotations, .process.user]' "$STORE/overlay-containers/$output/userdata/config.json")"
	rsk rm -f "$output" >/dev/null
}

@test "rootless mounts: unreadable or missing sources fail at create; a source gone at start leaves it consistent" {
	local dir=$RL_DIR/private
	mkdir -p "$dir/sub"
	chmod 0700 "$dir"
	run --separate-stderr rsk run --rm -v "$dir/sub:/d" busybox true
	assert_skiff_error "host path $dir/sub: Permission denied"
	run --separate-stderr rsk create --mount "type=bind,src=$RL_DIR/missing,dst=/d" busybox true
	assert_skiff_error "host path $RL_DIR/missing: No such file or directory"
	assert_nothing_left
	# a source removed between create and start
	mkdir -m 0777 "$RL_DIR/vol"
	rsk create -q --name gone -v "$RL_DIR/vol:/v" busybox ls /v >/dev/null
	rmdir "$RL_DIR/vol"
	run --separate-stderr rsk start gone
	drop_cg_note
	assert_skiff_error "mount /v" "$RL_DIR/vol: No such file or directory"
	assert_failed_start_consistent gone
	# tmpfs, --tmpfs and --read-only work
	run --separate-stderr rsk run --rm --read-only --mount type=tmpfs,dst=/t \
		--tmpfs /u:size=1m,uid=1000 busybox sh -c \
		'touch /t/a /u/b /tmp/c && stat -c %u /u; touch /x 2>/dev/null || echo read-only'
	assert_success
	[ "$output" = "1000
read-only" ] || fail "output: $output"
	assert_nothing_left
}

# The U volume option, rootless: skiff chowns inside its user namespace, so
# the source's files land on the host on the IDs that namespace maps the
# container's user to (1000 -> SUBUID + 999), as podman's.
@test "rootless volumes: U chowns the source to the container's user as the namespace maps it" {
	local vol=$RL_DIR/home/uvol keep=$RL_DIR/home/keep
	rl mkdir -p "$vol/sub" "$keep"
	rl sh -c "echo x >'$vol/sub/f'; echo y >'$keep/f'; ln -s /etc/passwd '$vol/link'"
	run --separate-stderr rsk run --rm -u 1000:1000 -v "$vol:/v:U" -v "$keep:/k" busybox sh -c \
		'stat -c "%n %u:%g" /v/sub/f /k/f; touch /v/new'
	assert_success
	[ "$output" = "/v/sub/f 1000:1000
/k/f 0:0" ] || fail "output: $output"
	local want=$((ROOTLESS_SUBUID + 999)):$((ROOTLESS_SUBGID + 999)) mine=$ROOTLESS_UID:$ROOTLESS_GID
	[ "$(stat -c %u:%g "$vol" "$vol/sub" "$vol/sub/f" "$vol/new" "$vol/link" | sort -u)" = "$want" ] ||
		fail "on disk, want $want:" "$(stat -c '%n %u:%g' "$vol" "$vol/sub" "$vol/sub/f" "$vol/new" "$vol/link")"
	[ "$(stat -c %u:%g /etc/passwd)" = 0:0 ] || fail "followed the link"
	[ "$(stat -c %u:%g "$keep" "$keep/f" | sort -u)" = "$mine" ] || fail "without U: $(stat -c '%n %u:%g' "$keep" "$keep/f")"
	# back to the user's root (the user's own IDs on the host), with --mount
	run --separate-stderr rsk run --rm --mount "type=bind,src=$vol,dst=/v,U=true" busybox stat -c %u:%g /v/sub/f
	assert_success
	[ "$output" = 0:0 ] || fail "root: $output"
	[ "$(stat -c %u:%g "$vol/sub/f")" = "$mine" ] || fail "on disk: $(stat -c %u:%g "$vol/sub/f")"
	# a source the user may not chown: one line, the container left consistent
	mkdir -p "$RL_DIR/rootowned" && touch "$RL_DIR/rootowned/f"
	chmod 0777 "$RL_DIR/rootowned"
	rsk create -q --name noperm -u 1000 -v "$RL_DIR/rootowned:/r:U" busybox true >/dev/null
	run --separate-stderr rsk start noperm
	assert_skiff_error "$RL_DIR/rootowned" "chown" "not permitted|invalid argument"
	[[ "$(rsk inspect --format '{{.State.Error}}' noperm)" == *"$RL_DIR/rootowned"* ]] ||
		fail "State.Error: $(rsk inspect --format '{{.State.Error}}' noperm)"
	assert_failed_start_consistent noperm
}

@test "rootless namespaces and limits: --pid/--ipc/--uts host, --hostname, sysctls, ulimits, seccomp" {
	# the host's /proc, bound (a user namespace may not mount one for the
	# host's pid namespace), its sensitive files masked as usual
	run --separate-stderr rsk run --rm --pid host busybox sh -c 'cat /proc/1/comm; wc -c </proc/timer_list'
	assert_success
	[ "${lines[0]}" = "$(cat /proc/1/comm)" ] && [ "${lines[1]}" = 0 ] || fail "--pid host:" "$output"
	run --separate-stderr rsk run --rm --ipc host busybox sh -c 'test -d /dev/mqueue && echo ok'
	assert_success
	[ "$output" = ok ] || fail "--ipc host: $output"
	run --separate-stderr rsk run --rm --uts host busybox hostname
	[ "$output" = "$(hostname)" ] || fail "--uts host: $output"
	run --separate-stderr rsk run --rm --hostname box --sysctl net.ipv4.ip_forward=1 \
		--ulimit nofile=1000:2000 busybox sh -c \
		'hostname; cat /proc/sys/net/ipv4/ip_forward; ulimit -n; ulimit -Hn'
	assert_success
	[ "$output" = "box
1
1000
2000" ] || fail "output: $output"
	# what would change the host, or exceed the user's own limits: refused at create
	run --separate-stderr rsk run --rm --network host --sysctl net.ipv4.ip_forward=1 busybox true
	assert_skiff_error "cannot be set with --network host"
	run --separate-stderr rsk run --rm --uts host --hostname box busybox true
	assert_skiff_error "cannot set a hostname with --uts host"
	run --separate-stderr rsk create --ulimit "nofile=$(($(rl sh -c 'ulimit -Hn') + 1))" busybox true
	assert_skiff_error "above skiff's own hard limit for nofile"
	run --separate-stderr rsk create --cgroupns host busybox true
	assert_skiff_error "unknown flag: --cgroupns"
	assert_nothing_left
	# seccomp: unconfined, and a profile file of the user's
	run --separate-stderr rsk run --rm --security-opt seccomp=unconfined busybox grep Seccomp: /proc/self/status
	[ "$output" = "Seccomp:	0" ] || fail "unconfined: $output"
	echo '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}' \
		>"$RL_DIR/profile.json"
	chmod 0644 "$RL_DIR/profile.json"
	run --separate-stderr rsk run --rm --security-opt "seccomp=$RL_DIR/profile.json" busybox mkdir /x
	assert_failure 1
	[[ $stderr == *"Operation not permitted"* ]] || fail "profile: $stderr"
	assert_nothing_left
}

@test "rootless exec, stop, kill, rm; --pid host leaves no process behind" {
	rsk run -q -d --name r busybox sleep 100 >/dev/null 2>&1
	run --separate-stderr rsk exec -u 70000 r id
	assert_skiff_error '"70000" for "--user"' "is not mapped"
	run --separate-stderr rsk exec r sh -c 'id -u; ip -o link | wc -l'
	assert_success
	[ "$output" = "0
1" ] || fail "exec: $output"
	run -127 --separate-stderr rsk exec r no-such-command
	ERR_STATUS=127 assert_skiff_error 'executable file not found'
	run rsk kill r
	assert_success
	[ "$(rsk wait r)" = 137 ] || fail "wait: $(rsk wait r)"
	run rsk rm r
	assert_success
	# Sharing the host's pid namespace, without cgroups: what the init left
	# running goes with it.
	rsk run -q -d --name ph --pid host busybox sh -c 'sleep 300 & exec sleep 301' >/dev/null 2>&1
	for _ in $(seq 50); do
		[ "$(user_processes | grep -c sleep)" = 2 ] && break
		sleep 0.1
	done
	[ "$(user_processes | grep -c sleep)" = 2 ] || fail "processes:" "$(user_processes)"
	run rsk stop -t 0 ph
	assert_success
	run rsk rm ph
	assert_success
	assert_nothing_left
}
