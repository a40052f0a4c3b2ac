#!/usr/bin/env bats
# Rootless skiff: an ordinary user (rootless.bash: skiffrl, subordinate IDs
# 300000:65536) pulls, lists, inspects, tags and removes images in its own
# store, inside the user namespace its pause process keeps (engine/userns.c);
# `skiff unshare` enters that namespace. A second user (ROOTLESS_USER2) has no
# subordinate IDs: skiff falls back to a single mapping and says what to add.

load helpers
load rootless

bats_require_minimum_version 1.5.0

# The unpacked layer dir of the image's Nth diff_id (0-based).
layer_dir() {
	local ids
	read -ra ids <<<"$1"
	echo "$STORE/layers/${ids[$2]#sha256:}/diff"
}

owner() {
	stat -c %u:%g "$1"
}

@test "rootless: skiff unshare is root in a namespace mapping the user and its subordinate IDs" {
	run rsk unshare id -u
	assert_success
	[ "$output" = 0 ] || fail "id -u printed '$output'"
	run rsk unshare cat /proc/self/uid_map
	assert_success
	[ "$(echo "$output" | awk '{print $1, $2, $3}')" = "0 $ROOTLESS_UID 1
1 $ROOTLESS_SUBUID 65536" ] || fail "uid_map:" "$output"
	run rsk unshare cat /proc/self/gid_map
	[ "$(echo "$output" | awk '{print $1, $2, $3}')" = "0 $ROOTLESS_GID 1
1 $ROOTLESS_SUBGID 65536" ] || fail "gid_map:" "$output"
	# the command's exit code, 127 not found, 126 cannot run, as podman's
	run rsk unshare sh -c 'exit 7'
	assert_failure 7
	run -127 --separate-stderr rsk unshare skiff-no-such-command
	assert_failure 127
	[[ "$stderr" == *'exec: "skiff-no-such-command": executable file not found in $PATH'* ]] ||
		fail "stderr: $stderr"
	run rsk unshare /etc/passwd
	assert_failure 126
	run rl env SHELL=/bin/echo "$SKIFF" unshare
	assert_success
	# root has nothing to unshare
	run sk unshare true
	assert_failure 125
	assert_output_contains "please use unshare with rootless"
}

@test "rootless: pull, images, inspect, tag and rmi in the user's store, image owners on subordinate IDs" {
	run --separate-stderr rsk pull -q "$REG_HTTP/multilayer"
	assert_success
	[ "$output" = "${MULTILAYER_ID#sha256:}" ] || fail "pull printed '$output'; stderr: $stderr"
	[ -z "$stderr" ] || fail "warnings: $stderr"
	run rsk images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	assert_success
	[ "$output" = "$REG_HTTP/multilayer:latest ${MULTILAYER_ID:7:12}" ] || fail "images: $output"
	run rsk image inspect --format '{{.Id}}' multilayer
	assert_success
	[ "$output" = "${MULTILAYER_ID#sha256:}" ] || fail "inspect: $output"
	rsk tag multilayer localhost/other:v1
	[ "$(rsk images --format '{{.Repository}}:{{.Tag}}' | sort | tr '\n' ' ')" = \
		"$REG_HTTP/multilayer:latest localhost/other:v1 " ]
	# root's store knows nothing of it
	run sk images -q
	[ -z "$output" ] || fail "root's store has images: $output"

	# As the host sees the files: image root is the user, uid N is 300000+N-1.
	local base data sub=$ROOTLESS_SUBUID
	base=$(layer_dir "$MULTILAYER_DIFF_IDS" 0)
	data=$(layer_dir "$MULTILAYER_DIFF_IDS" 1)
	[ "$(owner "$base/bin/busybox")" = "$ROOTLESS_UID:$ROOTLESS_GID" ]
	[ "$(owner "$base/home/tester")" = "$((sub + 999)):$((ROOTLESS_SUBGID + 999))" ] ||
		fail "home/tester is $(owner "$base/home/tester")"
	[ "$(owner "$data/data/file.txt")" = "$ROOTLESS_UID:$ROOTLESS_GID" ]
	[ "$(owner "$data/data/owned-tester")" = "$((sub + 999)):$((ROOTLESS_SUBGID + 999))" ] ||
		fail "owned-tester is $(owner "$data/data/owned-tester")"
	[ "$(owner "$data/data/tester-dir/file")" = "$((sub + 999)):$((ROOTLESS_SUBGID + 999))" ]
	[ "$(owner "$data/data/owned-nobody")" = "$((sub + 65533)):$((ROOTLESS_SUBGID + 65533))" ] ||
		fail "owned-nobody is $(owner "$data/data/owned-nobody")"
	[ "$(stat -c %a "$data/data/setuid")" = 4755 ]
	[ "$(stat -c %a "$data/data/tester-dir")" = 750 ]
	# and as the namespace sees them
	run rsk unshare stat -c %u:%g "$data/data/owned-tester" "$data/data/owned-nobody" "$base/bin/busybox"
	[ "$output" = "1000:1000
65534:65534
0:0" ] || fail "inside: $output"
	# overlay's whiteouts (0/0 char devices) and opaque dirs in the form a user namespace allows
	local change
	change=$(layer_dir "$MULTILAYER_DIFF_IDS" 2)
	[ -c "$change/bin/vi" ] && [ "$(stat -c %t:%T "$change/bin/vi")" = 0:0 ]
	[ "$(getfattr --only-values -n user.overlay.opaque "$change/data/olddir" 2>/dev/null)" = y ] ||
		fail "no user.overlay.opaque on data/olddir"

	run rsk rmi localhost/other:v1 multilayer
	assert_success
	assert_output_contains "Deleted: ${MULTILAYER_ID#sha256:}"
	[ -z "$(rsk images -q)" ]
	[ -z "$(ls "$STORE/layers")" ] || fail "layers left: $(ls "$STORE/layers")"
	[ -z "$(ls "$STORE/tmp")" ] || fail "workspaces left: $(ls "$STORE/tmp")"
}

@test "rootless: the store is the user's alone" {
	rsk pull -q "$REG_HTTP/busybox" >/dev/null
	[ "$(stat -c %a:%U "$STORE")" = "700:$ROOTLESS_USER" ] || fail "store: $(stat -c %a:%U "$STORE")"
	[ "$(stat -c %a:%U "$RL_DIR/run/skiff")" = "700:$ROOTLESS_USER" ]
	run rsk info --format '{{.host.rootless}} {{.store.graphRoot}} {{.store.runRoot}}'
	[ "$output" = "true $STORE $RL_DIR/run/skiff" ] || fail "info: $output"
	rootless2_setup
	run rl2 ls "$STORE"
	assert_failure
	assert_output_contains "Permission denied"
	run rl2 cat "$STORE/images.json"
	assert_failure
	# the other user's skiff has a store of its own
	run rsk2 --root "$STORE" images
	assert_failure 125
}

@test "rootless: one pause process per user, reused, made again when killed" {
	rsk images >/dev/null
	local pid pid2 start
	pid=$(pause_pid)
	[ -n "$pid" ] && [ -d "/proc/$pid" ] || fail "no pause process ($pid)"
	[ "$(cat "/proc/$pid/comm")" = skiff-pause ] || fail "comm: $(cat "/proc/$pid/comm")"
	[ "$(stat -c %U "/proc/$pid")" = "$ROOTLESS_USER" ]
	start=$(awk '{print $22}' "/proc/$pid/stat")
	[ "$(cat "$PAUSE_PIDFILE")" = "$pid $start" ] || fail "pid file: $(cat "$PAUSE_PIDFILE")"
	# every command joins it: same namespaces, nothing else left running
	rsk pull -q "$REG_HTTP/busybox" >/dev/null
	rsk images >/dev/null
	[ "$(pause_pid)" = "$pid" ] || fail "pause process changed: $pid -> $(pause_pid)"
	[ "$(rsk unshare readlink /proc/self/ns/user)" = "$(readlink "/proc/$pid/ns/user")" ]
	[ "$(rsk unshare readlink /proc/self/ns/mnt)" = "$(readlink "/proc/$pid/ns/mnt")" ]
	# (killed pause processes of earlier tests may wait as zombies for PID 1)
	[ "$(ps -u "$ROOTLESS_USER" -o pid=,stat= | awk '$2 !~ /^Z/ {print $1}' | tr '\n' ' ')" = "$pid " ] ||
		fail "processes left: $(ps -o pid,comm,args -u "$ROOTLESS_USER")"

	kill -KILL "$pid"
	run rsk images --format '{{.Repository}}'
	assert_success
	[ "$output" = "$REG_HTTP/busybox" ] || fail "images after the kill: $output"
	pid2=$(pause_pid)
	[ "$pid2" != "$pid" ] && [ -d "/proc/$pid2" ] || fail "no new pause process ($pid -> $pid2)"
	[ "$(cat "/proc/$pid2/comm")" = skiff-pause ]
	[ "$(rsk unshare cat /proc/self/uid_map | wc -l)" = 2 ]
	# a pid file naming another process is not trusted
	echo "1 12345" >"$PAUSE_PIDFILE"
	run rsk unshare id -u
	[ "$output" = 0 ] || fail "unshare: $output"
	[ "$(pause_pid)" != 1 ] && [ "$(cat "/proc/$(pause_pid)/comm")" = skiff-pause ]
}

# The rootfs of a container, mounted by `skiff mount` with either driver.
check_mount() {
	local driver=$1 id mp
	id=$(rsk --storage-driver "$driver" create -q "$REG_HTTP/multilayer")
	mp=$STORE/overlay-containers/$id/merged
	run --separate-stderr rsk mount "$id"
	if [ "$driver" = overlay ]; then
		assert_success
		# the user's own shell reaches it through the pause process's root
		[ "$output" = "/proc/$(pause_pid)/root$mp" ] || fail "mount printed '$output'"
		[ -z "$stderr" ] || fail "stderr: $stderr"
		[ "$(rl cat "$output/data/file.txt")" = modified ] || fail "the user's shell cannot read it"
		rl touch "$output/by-shell"
		[ "$(owner "$STORE/overlay-containers/$id/diff/by-shell")" = "$ROOTLESS_UID:$ROOTLESS_GID" ]
	else
		# refused from the shell: nothing there could reach a FUSE mount
		assert_failure 125
		[[ $stderr == *"uses fuse-overlayfs, whose mount admits no process outside skiff's user namespace"* ]] ||
			fail "stderr: $stderr"
		[ ! -e "$mp/data" ] || fail "mounted anyway"
		# the listing names it, with the same warning
		rsk unshare "$SKIFF" mount "$id" >/dev/null
		run --separate-stderr rsk mount
		[[ $output == *"$mp"* && $stderr == *"is reachable inside \`skiff unshare\` only"* ]] ||
			fail "listing: $output / $stderr"
	fi
	# inside skiff unshare, the plain path
	[ "$(rsk unshare "$SKIFF" mount "$id" 2>/dev/null)" = "$mp" ] || fail "mount in unshare"
	rsk umount "$id" >/dev/null
	# not on the host
	[ ! -e "$mp/data/file.txt" ] || fail "the host sees the mount"
	run rsk unshare cat "$mp/data/file.txt"
	assert_success
	[ "$output" = modified ] || fail "$driver: file.txt: $output"
	run rsk unshare ls "$mp/data/olddir"
	[ "$output" = new.txt ] || fail "$driver: olddir (opaque): $output"
	run rsk unshare test -e "$mp/bin/vi"
	assert_failure 1
	run rsk unshare stat -c %u "$mp/data/owned-tester"
	[ "$output" = 1000 ] || fail "$driver: owned-tester: $output"
	rsk unshare touch "$mp/new-file"
	[ "$(owner "$STORE/overlay-containers/$id/diff/new-file")" = "$ROOTLESS_UID:$ROOTLESS_GID" ]
	[ "$(rsk mount --notruncate | awk '{print $1}')" = "$id" ]
	rsk umount "$id"
	run rsk unshare test -e "$mp/data/file.txt"
	assert_failure 1
	rsk rm "$id"
}

@test "rootless: a mount lives in skiff's mount namespace, seen by the next command and unshare" {
	rsk pull -q "$REG_HTTP/multilayer" >/dev/null
	check_mount overlay
	[ -c /dev/fuse ] && command -v fuse-overlayfs >/dev/null || skip "no fuse-overlayfs"
	check_mount fuse-overlayfs
}

# Past /proc/PID/root an absolute symlink resolves against the caller's own
# root: the path printed must have none, or the shell lands on the empty
# mountpoint under the mount.
@test "rootless mount: the printed path is resolved when the store's path holds a symlink" {
	local driver
	driver=$(rsk info --format '{{.store.graphDriverName}}')
	[ "$driver" = overlay ] || skip "the default driver for users here is $driver"
	ln -s "$RL_DIR/home/.local/share" "$RL_DIR/data-link"
	# the user's store, reached through the symlink
	lsk() { rl env XDG_DATA_HOME="$RL_DIR/data-link" "$SKIFF" "$@"; }
	lsk pull -q busybox >/dev/null
	local id path want
	id=$(lsk create -q busybox)
	want="/proc/$(pause_pid)/root$STORE/overlay-containers/$id/merged"
	path=$(lsk mount "$id")
	[ "$path" = "$want" ] || fail "mount printed '$path', not '$want'"
	# the listing too (it once took inspect's unresolved MergedDir)
	run --separate-stderr lsk mount --notruncate
	assert_success
	[ "$output" = "$id $want" ] || fail "mount listed '$output', not '$id $want'"
	[ "$(rl readlink "$path/bin/sh")" = busybox ] || fail "the user's shell cannot read $path"
	lsk umount "$id" >/dev/null
	lsk rm "$id" >/dev/null
}

@test "rootless: the kernel's overlay unless it cannot mount in the namespace, then fuse-overlayfs" {
	rsk pull -q busybox >/dev/null
	run rsk info --format '{{.store.graphDriverName}}'
	[ "$output" = overlay ] || fail "driver: $output" # this VM's kernel is newer than 5.11
	[ "$(cat "$STORE/overlay-probe.result")" = "$(uname -r) yes" ]
	# a kernel that refused it (as before 5.11): the probe's answer is kept per kernel
	echo "$(uname -r) no" >"$STORE/overlay-probe.result"
	rsk create -q --name fo busybox true >/dev/null
	[ "$(rsk inspect --format '{{.Driver}}' fo)" = fuse-overlayfs ]
	# a driver asked for wins
	rsk --storage-driver overlay create -q --name ko busybox true >/dev/null
	[ "$(rsk inspect --format '{{.Driver}}' ko)" = overlay ]
	rsk rm fo ko >/dev/null
	# another kernel: asked again
	echo "4.18.0 no" >"$STORE/overlay-probe.result"
	[ "$(rsk info --format '{{.store.graphDriverName}}')" = overlay ]
}

@test "rootless: info shows the ID mappings" {
	run rsk info --format json
	assert_success
	echo "$output" | jq -e --argjson uid "$ROOTLESS_UID" --argjson sub "$ROOTLESS_SUBUID" \
		'.host.idMappings.uidmap == [{"container_id": 0, "host_id": $uid, "size": 1},
		 {"container_id": 1, "host_id": $sub, "size": 65536}] and .host.security.rootless' >/dev/null ||
		fail "info: $output"
	run rsk info
	assert_output_contains "    - container_id: 1"
	assert_output_contains "      host_id: $ROOTLESS_SUBGID"
}

@test "rootless: device nodes in a layer are left out (a user namespace cannot make them)" {
	local ids
	read -ra ids <<<"$HOSTILE_DEVICE_DIFF_IDS"
	run --separate-stderr rsk pull -q "$REG_HTTP/hostile/device"
	assert_success
	[ -d "$STORE/layers/${ids[1]#sha256:}/diff/dev" ]
	[ ! -e "$STORE/layers/${ids[1]#sha256:}/diff/dev/evil-sda" ] || fail "device node made"
	[[ $stderr == *"skiff: warning: rootless: layer ${ids[1]}: 1 device node left out"* ]] ||
		fail "no warning: $stderr"
}

@test "rootless: without subordinate IDs, a single mapping and the line to add" {
	rootless2_setup --no-subids
	run --separate-stderr rsk2 unshare cat /proc/self/uid_map
	assert_success
	[ "$(echo "$output" | awk '{print $1, $2, $3}')" = "0 $ROOTLESS_UID2 1" ] || fail "uid_map: $output"
	[[ "$stderr" =~ ^"skiff: warning: no subordinate IDs for $ROOTLESS_USER2 in /etc/subuid and /etc/subgid".*"add \"$ROOTLESS_USER2:"[0-9]+":65536\" to /etc/subuid and /etc/subgid" ]] ||
		fail "warning: $stderr"
	[ "$(echo "$stderr" | wc -l)" = 1 ] || fail "more than one line: $stderr"
	[ "$(rsk2 unshare id -u 2>/dev/null)" = 0 ]
	[ "$(rsk2 unshare id -g 2>/dev/null)" = 0 ]
	# busybox has /home/tester owned by 1000: it cannot be unpacked
	run --separate-stderr rsk2 pull -q "$REG_HTTP/busybox"
	assert_failure 125
	[[ "$stderr" == *'tar entry "home/tester": owner 1000:1000 is not mapped in the user namespace (potentially insufficient UIDs or GIDs available in user namespace)'*"add \"$ROOTLESS_USER2:"* ]] ||
		fail "stderr: $stderr"
	run rsk2 images -q
	assert_success
	[ "$output" = "$(grep '^skiff: warning' <<<"$output")" ] || fail "images: $output"

	# Once the IDs are there, the next command maps them (a new pause process).
	echo "$ROOTLESS_USER2:$ROOTLESS_SUBUID2:65536" >>/etc/subuid
	echo "$ROOTLESS_USER2:$ROOTLESS_SUBGID2:65536" >>/etc/subgid
	run --separate-stderr rsk2 unshare cat /proc/self/uid_map
	assert_success
	[ -z "$stderr" ] || fail "still warns: $stderr"
	[ "$(echo "$output" | awk '{print $1, $2, $3}')" = "0 $ROOTLESS_UID2 1
1 $ROOTLESS_SUBUID2 65536" ] || fail "uid_map: $output"
	run --separate-stderr rsk2 pull -q "$REG_HTTP/busybox"
	assert_success
	[ "$(stat -c %u "$RL2_DIR/home/.local/share/skiff/layers/$(hex1 "$BUSYBOX_DIFF_IDS")/diff/home/tester")" = $((ROOTLESS_SUBUID2 + 999)) ]
}

hex1() {
	local ids
	read -ra ids <<<"$1"
	echo "${ids[0]#sha256:}"
}

@test "rootless: without newuidmap and newgidmap, a single mapping and what to install" {
	local bin=$RL_DIR/bin
	mkdir -p "$bin"
	ln -s "$(command -v cat)" "$bin/cat"
	run --separate-stderr rl env PATH="$bin" "$SKIFF" unshare cat /proc/self/uid_map
	assert_success
	[ "$(awk '{print $1, $2, $3}' <<<"$output")" = "0 $ROOTLESS_UID 1" ] || fail "uid_map: $output"
	[[ $stderr == "skiff: warning: newuidmap and newgidmap were not found, so skiff maps only your own ID"*"install them (package uidmap)" ]] ||
		fail "warning: $stderr"
	[ "$(echo "$stderr" | wc -l)" = 1 ] || fail "more than one line: $stderr"
}

@test "rootless: the user's own registries.conf and auth.json" {
	# no CONTAINERS_REGISTRIES_CONF: $XDG_CONFIG_HOME/containers/registries.conf
	rl mkdir -p "$RL_DIR/home/.config/containers"
	rl cp "$RL_DIR/registries.conf" "$RL_DIR/home/.config/containers/registries.conf"
	run rl env -u CONTAINERS_REGISTRIES_CONF "$SKIFF" pull -q busybox
	assert_success
	# login writes $XDG_RUNTIME_DIR/containers/auth.json, the user's alone
	run rsk login --cert-dir "$REG_CERTS_DIR" -u "$REG_USER" -p "$REG_PASS" "$REG_BASIC"
	assert_success
	[ "$(stat -c %U:%a "$RL_DIR/run/containers/auth.json")" = "$ROOTLESS_USER:600" ] ||
		fail "auth.json: $(ls -l "$RL_DIR/run/containers")"
	run rsk pull -q --cert-dir "$REG_CERTS_DIR" "$REG_BASIC/busybox"
	assert_success
}

@test "rootless: without XDG_RUNTIME_DIR, a private directory under TMPDIR" {
	[ ! -d "/run/user/$ROOTLESS_UID" ] || skip "/run/user/$ROOTLESS_UID exists"
	local tmp=$RL_DIR/tmp dir
	mkdir -p "$tmp" && chmod 1777 "$tmp"
	dir=$tmp/skiff-run-$ROOTLESS_UID
	run rl env -u XDG_RUNTIME_DIR TMPDIR="$tmp" "$SKIFF" info --format '{{.store.runRoot}}'
	assert_success
	[ "$output" = "$dir/skiff" ] || fail "runRoot: $output"
	[ "$(stat -c %a:%U "$dir")" = "700:$ROOTLESS_USER" ]
	[ -s "$dir/skiff/pause.pid" ]
	# auth.json's default follows it (podman: $XDG_RUNTIME_DIR/containers/auth.json)
	run rl env -u XDG_RUNTIME_DIR TMPDIR="$tmp" "$SKIFF" login --cert-dir "$REG_CERTS_DIR" \
		-u "$REG_USER" -p "$REG_PASS" "$REG_BASIC"
	assert_success
	[ -s "$dir/containers/auth.json" ] || fail "no $dir/containers/auth.json: $(ls -R "$dir")"
	run rl env -u XDG_RUNTIME_DIR TMPDIR="$tmp" "$SKIFF" pull -q --cert-dir "$REG_CERTS_DIR" \
		"$REG_BASIC/busybox"
	assert_success
	# made by someone else, or open to others: refused
	pkill -KILL -u "$ROOTLESS_USER" || true
	rm -rf "$dir"
	mkdir -m 0700 "$dir"
	run rl env -u XDG_RUNTIME_DIR TMPDIR="$tmp" "$SKIFF" images
	assert_failure 125
	assert_output_contains "XDG_RUNTIME_DIR is unset: $dir belongs to another user (uid 0)"
	chown "$ROOTLESS_USER" "$dir"
	chmod 0755 "$dir"
	run rl env -u XDG_RUNTIME_DIR TMPDIR="$tmp" "$SKIFF" images
	assert_failure 125
	assert_output_contains "is open to other users (mode 0755)"
}

@test "rootless: run, run -d, exec, logs, stop and rm as the user; files land on subordinate IDs" {
	run rsk pull -q busybox
	assert_success
	run rsk run -q --rm busybox sh -c 'id -u; exit 4'
	[ "$status" -eq 4 ] || fail "run: exit $status: $output"
	assert_output_contains "cgroups skipped" # this VM's v1 hierarchies are not delegated
	# said once (podman says nothing); always when limits are lost
	run --separate-stderr rsk run -q --rm busybox true
	assert_success
	[ -z "$stderr" ] || fail "second run: $stderr"
	run --separate-stderr rsk run -q --rm --memory 64m busybox true
	assert_success
	[[ $stderr == *"cgroups skipped"*": resource limits are ignored" ]] || fail "limits: $stderr"
	run rsk run -q -d --name r1 -u 1000 busybox sh -c 'echo out; touch /tmp/by1000; sleep 100'
	assert_success
	run rsk exec r1 sh -c 'id -u; ls -n /tmp/by1000'
	assert_success
	assert_output_contains "1000"
	run rsk logs r1
	assert_output_contains "out"
	local id upper
	id=$(rsk inspect --format '{{.Id}}' r1)
	upper=$STORE/overlay-containers/$id/diff/tmp/by1000
	[ "$(stat -c %u "$upper")" = $((ROOTLESS_SUBUID + 999)) ] || fail "owner on disk: $(stat -c %u "$upper")"
	run rsk stop -t 0 r1
	assert_success
	[ "$(rsk wait r1)" = 137 ] || fail "wait: $(rsk wait r1)"
	run rsk rm r1
	assert_success
	[ -z "$(rsk ps -a -q)" ] || fail "left: $(rsk ps -a)"
}

@test "rootless: 127 and 126 for the command; 125 for a bind source the user cannot reach (EACCES)" {
	rsk pull -q busybox >/dev/null
	run -127 rsk run -q --rm busybox nosuchcmd
	assert_output_contains "nosuchcmd"
	run -126 rsk run -q --rm busybox /etc/passwd
	# Reachable at create, not at start: the runtime's EACCES is no reason to
	# blame the command.
	mkdir -p "$RL_DIR/shared/src"
	rsk create -q --name c -v "$RL_DIR/shared/src:/mnt" busybox true >/dev/null
	chmod 0700 "$RL_DIR/shared"
	run -125 rsk start -a c
	assert_output_contains "skiff: error: mount /mnt: bind source: $RL_DIR/shared/src: Permission denied"
}
