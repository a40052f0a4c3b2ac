#!/usr/bin/env bats
# The seeds' flow (shared/seeds 000 and 002, as tests/demo.sh walks it) run
# by an ordinary user (rootless.bash: $ROOTLESS_USER through runuser), once
# per storage driver: kernel overlay (the default) and fuse-overlayfs (the
# user's own storage.conf, or --storage-driver). pull, images, create -t with
# a volume of the user's, ps (Created), mount and write a file into the
# rootfs, init (config.json), start (exits: its condition is unmet), start
# again (Up), exec, logs, stop, kill, wait, rm, rmi. The multilayer image's
# whiteouts and opaque directories show right in the container, files it
# makes land on the mapped IDs, and its own deletions survive a remount.
# Then a second user ($ROOTLESS_USER2), who sees none of it and reaches none
# of the first one's containers, store, run state or mounts.

load helpers
load rootless

# The default setup, and a volume the user owns with a file in it.
setup() {
	skiff_setup && rootless_setup
	VOL=$RL_DIR/home/vol
	rl mkdir "$VOL"
	rl sh -c "echo from-the-host >'$VOL/hello'"
}


owner() {
	stat -c %u:%g "$1"
}

need_fuse() {
	[ -c /dev/fuse ] && command -v fuse-overlayfs >/dev/null || skip "no fuse-overlayfs"
}

# The status column of the user's container NAME in ps -a.
status_of() {
	rsk ps -a --format '{{.Names}} {{.Status}}' | awk -v n="$1" '$1 == n { $1 = ""; print substr($0, 2) }'
}

# What the container sees of multilayer's tree (build_images.py's
# MULTILAYER_TREE): layer 3's whiteouts and opaque directory applied, owners
# as the image has them, no whiteout showing.
TREE_SCRIPT='cat /data/file.txt
for f in /bin/vi /data/to-delete.txt /data/gone-dir; do test -e $f || echo "no $f"; done
echo "olddir: $(ls -A /data/olddir)"
echo "file-then-dir: $(ls -A /data/file-then-dir)"
stat -c "%n %u:%g %a" /data/owned-tester /data/owned-nobody /home/tester /data/setuid
find / -xdev \( -name ".wh.*" -o -type c \)
echo "shell: $(ls /from-the-shell) volume: $(cat /test/hello)"'
TREE_WANT='modified
no /bin/vi
no /data/to-delete.txt
no /data/gone-dir
olddir: new.txt
file-then-dir: inside.txt
/data/owned-tester 1000:1000 640
/data/owned-nobody 65534:65534 600
/home/tester 1000:1000 755
/data/setuid 0:0 4755
shell: /from-the-shell volume: from-the-host'

# seeds_flow DRIVER [SKIFF-FLAGS...]: the whole flow as the user, the
# container on DRIVER (chosen by the flags or by the user's storage.conf).
seeds_flow() {
	local driver=$1 id ctr path pause upper
	shift
	run --separate-stderr rsk pull -q multilayer
	assert_success
	[ "$output" = "${MULTILAYER_ID#sha256:}" ] || fail "pull printed '$output'; stderr: $stderr"
	run rsk images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	[ "$output" = "$REG_HTTP/multilayer:latest ${MULTILAYER_ID:7:12}" ] || fail "images: $output"

	run --separate-stderr rsk "$@" create -t --name flow -v "$VOL:/test" multilayer sh -c \
		'test -f /test/on || { echo "no /test/on"; exit 1; }; echo on; trap "echo stopping; exit 3" TERM; sleep 1000 & wait'
	assert_success
	id=$output
	[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "create printed '$id'; stderr: $stderr"
	ctr=$STORE/overlay-containers/$id
	upper=$ctr/diff
	[ "$(rsk inspect --format '{{.Driver}}' flow)" = "$driver" ] || fail "driver: $(rsk inspect --format '{{.Driver}}' flow)"
	[[ "$(status_of flow)" == Created ]] || fail "after create: $(status_of flow)"

	# skiff mount, then a file written into the rootfs from outside.
	run --separate-stderr rsk mount flow
	pause=$(pause_pid)
	if [ "$driver" = overlay ]; then
		assert_success
		path=$output
		# the merged dir through the pause process's root: the user's own
		# shell reads and writes there
		[ "$path" = "/proc/$pause/root$ctr/merged" ] || fail "mount printed '$path'"
		[ -z "$stderr" ] || fail "mount warned: $stderr"
		# inside the namespace, the plain path (mounts are counted: one
		# umount for it)
		[ "$(rsk unshare "$SKIFF" mount flow)" = "$ctr/merged" ] || fail "mount inside unshare"
		rsk unshare "$SKIFF" umount flow >/dev/null
		rl touch "$path/from-the-shell"
		[ "$(rl cat "$path/data/file.txt")" = modified ] || fail "file.txt through $path"
		run rl test -e "$path/bin/vi"
		assert_failure 1
	else
		# FUSE lets no process outside skiff's user namespace in: refused
		# from the shell, as podman's rootless mount outside podman unshare
		assert_failure 125
		[[ "$stderr" == "skiff: error: container "*" uses fuse-overlayfs, whose mount admits no process outside skiff's user namespace: run \`skiff unshare skiff mount flow\`"* ]] ||
			fail "stderr: $stderr"
		[ -z "$output" ] || fail "stdout: $output"
		[ "$(rsk unshare "$SKIFF" mount flow)" = "$ctr/merged" ] || fail "mount inside unshare"
		path=$ctr/merged
		run rl ls "/proc/$pause/root$path/data"
		assert_failure
		rsk unshare touch "$path/from-the-shell"
		[ "$(rsk unshare cat "$path/data/file.txt")" = modified ] || fail "file.txt through unshare"
	fi
	[ ! -e "$ctr/merged/data" ] || fail "the host sees the mount"
	[ "$(owner "$upper/from-the-shell")" = "$ROOTLESS_UID:$ROOTLESS_GID" ] ||
		fail "from-the-shell is $(owner "$upper/from-the-shell")"

	# init writes the runtime spec; the first start exits (no /test/on)
	[ "$(rsk inspect --format '{{.OCIConfigPath}}' flow)" = "$ctr/userdata/config.json" ]
	[ ! -e "$ctr/userdata/config.json" ] || fail "config.json before init"
	run rsk init flow
	assert_success
	# (the seed's `cat .../overlay-containers/$(ps -l -q --no-trunc)/userdata/config.json`,
	# in the user's own store, by the user)
	[ "$(rsk ps -l -q --no-trunc)" = "$id" ] || fail "ps -l -q --no-trunc: $(rsk ps -l -q --no-trunc)"
	rl jq -e --arg vol "$VOL" '.process.args[0] == "sh" and .process.terminal == true and
		any(.mounts[]; .destination == "/test" and .source == $vol)' \
		"$ctr/userdata/config.json" >/dev/null || fail "config.json: $(cat "$ctr/userdata/config.json")"
	run rsk start flow
	assert_success
	run rsk wait flow
	[ "$output" = 1 ] || fail "first start: wait printed '$output'"
	[[ "$(status_of flow)" == "Exited (1)"* ]] || fail "after start: $(status_of flow)"
	rl touch "$VOL/on"
	run rsk start flow
	assert_success
	for _ in $(seq 50); do [[ "$(status_of flow)" == Up* ]] && break; sleep 0.1; done
	[[ "$(status_of flow)" == Up* ]] || fail "after the second start: $(status_of flow)"

	# exec: the image's tree, the touched file, the volume
	run rsk exec flow sh -c "$TREE_SCRIPT"
	assert_success
	[ "$output" = "$TREE_WANT" ] || fail "$driver: the container sees:" "$output" "instead of:" "$TREE_WANT"
	# files made in the container: on the user's uid (root) and SUBUID+999 (1000)
	rsk exec flow sh -c 'touch /by-root /test/from-ctr; rm /data/file.txt; rm -r /data/tester-dir; mkdir /data/tester-dir; touch /data/tester-dir/fresh'
	rsk exec -u 1000 flow touch /tmp/by-1000
	[ "$(owner "$upper/by-root")" = "$ROOTLESS_UID:$ROOTLESS_GID" ] || fail "by-root is $(owner "$upper/by-root")"
	[ "$(owner "$upper/tmp/by-1000")" = "$((ROOTLESS_SUBUID + 999)):$((ROOTLESS_SUBGID + 999))" ] ||
		fail "by-1000 is $(owner "$upper/tmp/by-1000")"
	[ "$(owner "$VOL/from-ctr")" = "$ROOTLESS_UID:$ROOTLESS_GID" ] || fail "volume: from-ctr is $(owner "$VOL/from-ctr")"
	# its deletions as the driver writes them in the upper dir: a 0/0
	# character device, an opaque directory
	[ -c "$upper/data/file.txt" ] && [ "$(stat -c %t:%T "$upper/data/file.txt")" = 0:0 ] ||
		fail "no whiteout for data/file.txt: $(ls -l "$upper/data")"
	local opaque=user.overlay.opaque
	[ "$driver" = overlay ] || opaque=user.fuseoverlayfs.opaque
	[ "$(getfattr --only-values -n "$opaque" "$upper/data/tester-dir" 2>/dev/null)" = y ] ||
		fail "no $opaque on data/tester-dir: $(getfattr -d -m - "$upper/data/tester-dir" 2>&1)"

	run rsk logs flow
	[ "$(tr -d '\r' <<<"$output")" = "no /test/on
on" ] || fail "logs: $output"
	run rsk stop flow
	assert_success
	run rsk wait flow
	[ "$output" = 3 ] || fail "wait after stop: '$output'"
	[[ "$(status_of flow)" == "Exited (3)"* ]] || fail "after stop: $(status_of flow)"
	run rsk logs flow
	[ "$(tr -d '\r' <<<"$output")" = "no /test/on
on
stopping" ] || fail "logs: $output"

	# unmounted, mounted again by start: the deletions hold
	run rsk umount flow
	assert_success
	[ -z "$(rsk mount)" ] || fail "still mounted: $(rsk mount)"
	run rsk start flow
	assert_success
	run rsk exec flow sh -c 'test -e /data/file.txt || echo gone; ls -A /data/tester-dir; ls /by-root'
	[ "$output" = "gone
fresh
/by-root" ] || fail "after the remount: $output"
	run rsk kill flow
	assert_success
	run rsk wait flow
	[ "$output" = 137 ] || fail "wait after kill: '$output'"

	run rsk rm flow
	assert_success
	[ -z "$(rsk ps -a -q)" ] || fail "left: $(rsk ps -a)"
	[ ! -e "$ctr" ] || fail "$ctr left"
	[ -z "$(rsk unshare grep overlay-containers /proc/self/mountinfo)" ] || fail "mounts left in skiff's namespace"
	# no monitor, no fuse-overlayfs left: the pause process alone (killed
	# pause processes of earlier tests may wait as zombies for PID 1)
	for _ in $(seq 20); do
		[ "$(ps -u "$ROOTLESS_USER" -o stat=,comm= | awk '$1 !~ /^Z/ { print $2 }')" = skiff-pause ] && break
		sleep 0.1
	done
	[ "$(ps -u "$ROOTLESS_USER" -o stat=,comm= | awk '$1 !~ /^Z/ { print $2 }')" = skiff-pause ] ||
		fail "processes left: $(ps -o pid,stat,comm,args -u "$ROOTLESS_USER")"
	run rsk rmi multilayer
	assert_success
	[ -z "$(rsk images -q)" ] || fail "images left: $(rsk images)"
	[ -z "$(ls "$STORE/layers")" ] || fail "layers left"
}

@test "rootless flow, overlay: pull, create -v, mount + write, init, start, exec, logs, stop, kill, wait, rm, rmi" {
	# the kernel's overlay where it mounts in a user namespace (Linux 5.11+)
	local driver
	driver=$(rsk info --format '{{.store.graphDriverName}}')
	[ "$driver" = overlay ] || skip "the default driver for users here is $driver"
	seeds_flow overlay
}

@test "rootless flow, fuse-overlayfs from the user's storage.conf: the same flow" {
	need_fuse
	rl mkdir -p "$RL_DIR/home/.config/skiff"
	rl sh -c "printf '[storage]\ndriver = \"fuse-overlayfs\"\n' >'$RL_DIR/home/.config/skiff/storage.conf'"
	[ "$(rsk info --format '{{.store.graphDriverName}}')" = fuse-overlayfs ]
	seeds_flow fuse-overlayfs
}

@test "rootless: --storage-driver picks the driver over the user's storage.conf" {
	need_fuse
	rl mkdir -p "$RL_DIR/home/.config/skiff"
	rl sh -c "printf '[storage]\ndriver = \"overlay\"\n' >'$RL_DIR/home/.config/skiff/storage.conf'"
	rsk pull -q busybox >/dev/null
	rsk --storage-driver fuse-overlayfs create -q --name f busybox >/dev/null
	rsk create -q --name o busybox >/dev/null
	[ "$(rsk inspect --format '{{.Driver}}' f)" = fuse-overlayfs ]
	[ "$(rsk inspect --format '{{.Driver}}' o)" = overlay ]
	run --separate-stderr rsk mount f
	assert_failure 125
	run --separate-stderr rsk unshare "$SKIFF" mount f
	assert_success
	[ "$(rsk unshare stat -c %u "$output/home/tester")" = 1000 ]
	[ "$(rsk unshare awk -v mp="$output" '$5 == mp { sub(/.* - /, ""); print $1 }' /proc/self/mountinfo)" = fuse.fuse-overlayfs ] ||
		fail "mountinfo: $(rsk unshare grep -F "$output" /proc/self/mountinfo)"
	rsk rm f o >/dev/null
}

@test "rootless: a second user sees none of the first one's containers and reaches none of its files" {
	rsk pull -q busybox >/dev/null
	run --separate-stderr rsk run -d --name mine busybox sleep 1000
	assert_success
	local id=$output path pause
	path=$(rsk mount mine)
	pause=$(pause_pid)
	[ "$path" = "/proc/$pause/root$STORE/overlay-containers/$id/merged" ] || fail "mount printed '$path'"
	rootless2_setup

	run --separate-stderr rsk2 ps -a -q
	assert_success
	[ -z "$output" ] || fail "user 2 lists: $output"
	run --separate-stderr rsk2 images -q
	assert_success
	[ -z "$output" ] || fail "user 2 lists images: $output"
	local verb what
	for what in "$id" mine; do
		for verb in start stop kill exec mount umount logs; do
			if [ "$verb" = exec ]; then
				run --separate-stderr rsk2 exec "$what" true
			else
				run --separate-stderr rsk2 "$verb" "$what"
			fi
			assert_skiff_error "no container with name or ID \"$what\" found" ||
				fail "user 2's $verb $what"
		done
		run --separate-stderr rsk2 inspect "$what"
		assert_skiff_error "no such object: \"$what\""
		# as podman: rm of an unknown container exits 1
		run --separate-stderr rsk2 rm "$what"
		ERR_STATUS=1 assert_skiff_error "no container with name or ID \"$what\" found"
	done

	# The first user's store, run state and mounts are closed to the second,
	# by skiff's own modes (the XDG runtime dir opened up to show it).
	[ "$(stat -c %a "$STORE")" = 700 ] || fail "store mode $(stat -c %a "$STORE")"
	[ "$(stat -c %a "$RL_DIR/run/skiff")" = 700 ] || fail "run dir mode $(stat -c %a "$RL_DIR/run/skiff")"
	chmod 0755 "$RL_DIR/run"
	local p
	for p in "$STORE" "$STORE/overlay-containers/$id/userdata" "$RL_DIR/run/skiff" "$path" \
		"/proc/$pause/root/"; do
		run rl2 ls "$p"
		assert_failure
		assert_output_contains "Permission denied"
	done
	chmod 0700 "$RL_DIR/run"
	run rl2 cat "$STORE/overlay-containers/$id/userdata/config.json"
	assert_failure
	run rl2 nsenter -t "$pause" -U -m true
	assert_failure
	# nor the container's processes (they run as the first user's IDs)
	local pid
	pid=$(rsk inspect --format '{{.State.Pid}}' mine)
	[ "$(stat -c %U "/proc/$pid")" = "$ROOTLESS_USER" ] || fail "pid $pid: $(stat -c %U "/proc/$pid")"
	run rl2 ls "/proc/$pid/root/"
	assert_failure
	assert_output_contains "Permission denied"
	run rl2 kill -0 "$pid"
	assert_failure
	# nor does pointing skiff at them help
	run --separate-stderr rsk2 --root "$STORE" --runroot "$RL_DIR/run/skiff" exec "$id" true
	assert_failure 125
	run --separate-stderr rl2 env XDG_RUNTIME_DIR="$RL_DIR/run" XDG_DATA_HOME="$RL_DIR/home/.local/share" \
		"$SKIFF" ps -a
	assert_failure 125

	# The second user's own "mine", in its own store and namespace.
	run --separate-stderr rsk2 run -d --name mine busybox sleep 1000
	assert_success
	local id2=$output path2
	path2=$(rsk2 mount mine)
	[ "$path2" = "/proc/$(cut -d' ' -f1 "$RL2_DIR/run/skiff/pause.pid")/root$RL2_DIR/home/.local/share/skiff/overlay-containers/$id2/merged" ] ||
		fail "user 2's mount printed '$path2'"
	[ "$(rsk2 ps -q --no-trunc)" = "$id2" ] && [ "$(rsk ps -q --no-trunc)" = "$id" ] ||
		fail "user 1 lists $(rsk ps -q --no-trunc), user 2 $(rsk2 ps -q --no-trunc)"
	run rl ls "$path2"
	assert_failure
	assert_output_contains "Permission denied"

	# The first user's container is as it was.
	[[ "$(status_of mine)" == Up* ]] || fail "mine: $(status_of mine)"
	run rsk exec mine sh -c 'tr "\0" " " </proc/1/cmdline'
	assert_success
	[ "$output" = "sleep 1000 " ] || fail "exec: $output"
	[ "$(rl readlink "$path/bin/sh")" = busybox ] || fail "the mount is gone"
	run rsk rm -f -t 0 mine
	assert_success
	[[ "$(rsk2 ps --format '{{.Names}} {{.Status}}')" == "mine Up"* ]] || fail "user 2's mine: $(rsk2 ps -a)"
}
