#!/usr/bin/env bats
# skiff runtime run by an ordinary user (rootless.bash: $ROOTLESS_USER, with
# subordinate ranges): a user namespace first, id maps written directly or
# through newuidmap/newgidmap, devices bound from the host, cgroups skipped
# with a note on a host that delegates none (this VM: cgroup v1), the state
# under the user's $XDG_RUNTIME_DIR. Bundles as runtime.bats builds them, in
# a directory the user owns. No registry involved.

load helpers
load rootless

bats_require_minimum_version 1.5.0

setup() {
	skiff_setup
	rootless_setup
	SKIFF_RUNTIME=$(dirname "$SKIFF")/skiff-runtime
	[ -x "$SKIFF_RUNTIME" ] || fail "no skiff-runtime beside $SKIFF"
	# The granted ranges, as the host has them.
	SUBUID=$(awk -F: -v u="$ROOTLESS_USER" '$1 == u { print $2; exit }' /etc/subuid)
	SUBGID=$(awk -F: -v u="$ROOTLESS_USER" '$1 == u { print $2; exit }' /etc/subgid)
	[ -n "$SUBUID" ] && [ -n "$SUBGID" ] || fail "no subordinate ranges for $ROOTLESS_USER"
	BUNDLE=$RL_DIR/bundle
	STATE_ROOT=$RL_DIR/run/skiff/runtime
	CID=rl$$-${BATS_TEST_NUMBER}
	make_rl_bundle "$BUNDLE"
}

teardown() {
	local id
	for id in $(rrt list -q 2>/dev/null); do
		rrt delete --force "$id" >/dev/null 2>&1 || true
	done
	rootless_teardown
	skiff_teardown
}

# skiff-runtime as the user, on its default state root, in the bundle.
rrt() {
	(cd "$BUNDLE" && rl "$SKIFF_RUNTIME" "$@")
}

# A container holds the stdio it inherits: create and detached runs get none
# of bats' pipes.
rrt_bg() {
	rrt "$@" </dev/null >>"$RL_DIR/container.out" 2>&1 ||
		fail "skiff-runtime $* failed:" "$(cat "$RL_DIR/container.out")"
}

# make_rl_bundle DIR: a busybox rootfs (made by root, then given to the user)
# and the config `spec --rootless` writes as the user, with no terminal, a
# writable root whose /tmp anyone may write, and `true` as the process.
make_rl_bundle() {
	local dir=$1
	make_busybox_rootfs "$dir/rootfs"
	chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$dir"
	chmod 1777 "$dir/rootfs/tmp"
	rrt spec --rootless -b "$dir" || fail "spec --rootless failed"
	config '.process.terminal = false | .process.args = ["true"] | .root.readonly = false'
}

# config JQ: edit the bundle's config.json.
config() {
	jq "$1" "$BUNDLE/config.json" >"$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
	chmod 0644 "$BUNDLE/config.json"
}

args() {
	local json=() a
	for a in "$@"; do
		json+=("$(printf '%s' "$a" | jq -Rs .)")
	done
	config ".process.args = [$(IFS=,; echo "${json[*]}")]"
}

# Map container 0 to the user and 1-65536 to its subordinate ranges.
map_subids() {
	config ".linux.uidMappings = [{\"containerID\": 0, \"hostID\": $ROOTLESS_UID, \"size\": 1},
			{\"containerID\": 1, \"hostID\": $SUBUID, \"size\": 65536}]
		| .linux.gidMappings = [{\"containerID\": 0, \"hostID\": $ROOTLESS_GID, \"size\": 1},
			{\"containerID\": 1, \"hostID\": $SUBGID, \"size\": 65536}]"
}

state_field() {
	rrt state "$1" | jq -r ".$2"
}

# The last `run --separate-stderr` exited 1 with one stderr line
# "skiff: error: ..." mentioning each WORD (after the note on cgroups, when
# the error came after it).
assert_error() {
	stderr=${stderr#"skiff: warning: rootless: cgroups skipped "*$'\n'}
	ERR_STATUS=1 assert_skiff_error "$@"
}

# Processes of this test's: the user's (zombies aside, which the host's
# init reaps when it gets to them) whose root is the bundle's rootfs (the
# container's) or whose cwd is in $RL_DIR (the runtime's). Other tests may
# run as the same user meanwhile.
rl_processes() {
	local pid root cwd rootfs
	rootfs=$(stat -c %d:%i "$BUNDLE/rootfs")
	for pid in $(pgrep -u "$ROOTLESS_USER"); do
		[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ] || continue
		root=$(stat -L -c %d:%i "/proc/$pid/root" 2>/dev/null) || true
		cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || true
		if [ "$root" = "$rootfs" ] || [[ $cwd == "$RL_DIR"* ]]; then
			ps -o pid=,args= -p "$pid" || true
		fi
	done
}

# Nothing of the user's left: no container, no state directory, no process.
assert_nothing_left() {
	run rrt list -q
	[ -z "$output" ] || fail "containers left: $output"
	if [ -d "$STATE_ROOT" ]; then
		run ls -A "$STATE_ROOT"
		[ -z "$output" ] || fail "state left in $STATE_ROOT: $output"
	fi
	run rl_processes
	[ -z "$output" ] || fail "processes left: $output"
}

cgroup_v1_host() {
	[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]
}

# ------------------------------------------------------------ tests

@test "rootless: spec --rootless maps the user to root; run as the user" {
	run jq -c '[.linux.uidMappings, .linux.gidMappings, [.linux.namespaces[].type]]' \
		"$BUNDLE/config.json"
	[ "$output" = "[[{\"containerID\":0,\"hostID\":$ROOTLESS_UID,\"size\":1}],[{\"containerID\":0,\"hostID\":$ROOTLESS_GID,\"size\":1}],[\"pid\",\"ipc\",\"uts\",\"mount\",\"cgroup\",\"user\"]]" ] ||
		fail "$output"
	args sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
	run --separate-stderr rrt run "$CID"
	assert_success
	[ "${lines[0]}" = 0 ] && [ "${lines[1]}" = 0 ] || fail "$output"
	[[ ${lines[2]} =~ ^\ +0\ +$ROOTLESS_UID\ +1$ ]] || fail "uid_map: ${lines[2]}"
	[[ ${lines[3]} =~ ^\ +0\ +$ROOTLESS_GID\ +1$ ]] || fail "gid_map: ${lines[3]}"
	# A single gid written without newgidmap: setgroups denied, as the kernel wants.
	[ "${lines[4]}" = deny ] || fail "setgroups: ${lines[4]}"
	if cgroup_v1_host; then
		[ "$stderr" = "skiff: warning: rootless: cgroups skipped (the host's cgroup v1 hierarchies are not delegated to users)" ] ||
			fail "stderr: $stderr"
	fi
	# The state lived under the user's XDG_RUNTIME_DIR, owned by the user.
	[ "$(stat -c %U "$STATE_ROOT")" = "$ROOTLESS_USER" ]
	assert_nothing_left
}

@test "rootless: newuidmap maps the subordinate ranges; create, exec, start, state, kill, delete" {
	map_subids
	args sleep 1000
	rrt_bg create "$CID"
	[ "$(state_field "$CID" status)" = created ]
	[ "$(state_field "$CID" owner)" = "$ROOTLESS_USER" ]
	[ -d "$STATE_ROOT/$CID" ] || fail "no state in $STATE_ROOT"
	pid=$(state_field "$CID" pid)
	run cat "/proc/$pid/uid_map"
	[[ ${lines[0]} =~ ^\ +0\ +$ROOTLESS_UID\ +1$ && ${lines[1]} =~ ^\ +1\ +$SUBUID\ +65536$ ]] ||
		fail "uid_map: $output"
	run cat "/proc/$pid/gid_map"
	[[ ${lines[0]} =~ ^\ +0\ +$ROOTLESS_GID\ +1$ && ${lines[1]} =~ ^\ +1\ +$SUBGID\ +65536$ ]] ||
		fail "gid_map: $output"
	# The container's root is the user on the host.
	awk -v u="$ROOTLESS_UID" '/^Uid:/ { exit !($2 == u) }' "/proc/$pid/status"
	# exec into the created container, then into the running one.
	run rrt exec "$CID" sh -c 'id -u; cat /proc/self/setgroups'
	assert_success
	[ "$output" = $'0\nallow' ] || fail "exec in created: $output"
	rrt start "$CID"
	[ "$(state_field "$CID" status)" = running ]
	run rrt list
	[[ ${lines[1]} == "$CID "*" running "*" $ROOTLESS_USER" ]] || fail "$output"
	run rrt exec "$CID" sh -c 'ps -o comm | grep -cx sleep; id -u'
	assert_success
	[ "$output" = $'1\n0' ] || fail "exec: $output"
	# A file container uid 1000 creates belongs to subuid base + 999 on the host.
	run rrt exec --user 1000:1000 "$CID" sh -c 'id -u; touch /tmp/by1000'
	assert_success
	[ "$output" = 1000 ] || fail "$output"
	[ "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/by1000")" = "$((SUBUID + 999)):$((SUBGID + 999))" ] ||
		fail "owner on the host: $(stat -c %u:%g "$BUNDLE/rootfs/tmp/by1000")"
	# Supplementary groups are possible: newgidmap allowed setgroups.
	run rrt exec --user 1000:1000 "$CID" id -G
	[ "$output" = 1000 ] || fail "$output"
	rrt kill "$CID" KILL
	wait_status "$CID" stopped
	rrt delete "$CID"
	assert_nothing_left
}

@test "rootless: devices are the host's, bound, not made" {
	args sh -c 'echo gone >/dev/null && head -c 4 /dev/zero | od -An -tx1 | tr -d " ";
		stat -c "%t:%T %u" /dev/null /dev/zero /dev/urandom /dev/tty;
		grep -c " /dev/null " /proc/self/mountinfo'
	run --separate-stderr rrt run "$CID"
	assert_success
	# Major:minor of the real devices, owned by the host's root (nobody here),
	# each a bind mount.
	[ "$output" = $'00000000\n1:3 65534\n1:5 65534\n1:9 65534\n5:0 65534\n1' ] || fail "$output"
	assert_nothing_left
}

@test "rootless: no cgroups on a host that delegates none, with one line; limits ignored" {
	cgroup_v1_host || skip "this host has cgroup v2: cgroups may be delegated"
	config '.linux.resources = {"pids": {"limit": 10}, "memory": {"limit": 67108864}}'
	args sh -c 'cat /proc/self/cgroup | grep -c skiff || true'
	run --separate-stderr rrt run "$CID"
	assert_success
	[ "$output" = 0 ] || fail "in a skiff cgroup: $output"
	[ "$stderr" = "skiff: warning: rootless: cgroups skipped (the host's cgroup v1 hierarchies are not delegated to users): resource limits are ignored" ] ||
		fail "stderr: $stderr"
	# Nothing made in any hierarchy.
	run find /sys/fs/cgroup -maxdepth 3 -name "$CID"
	[ -z "$output" ] || fail "$output"
	assert_nothing_left
}

@test "rootless: a cgroup v2 subtree delegated to the user is used" {
	# A pure cgroup v2 host, in a private mount namespace: the unified
	# hierarchy over /sys/fs/cgroup, with a directory given to the user (as
	# systemd delegates user@UID.service) holding the caller.
	map_subids
	config '.linux.namespaces |= map(select(.type != "cgroup"))
		| .linux.resources = {"pids": {"limit": 10}}'
	args sh -c 'grep "^0::" /proc/self/cgroup; ls /sys/fs/cgroup | grep -c cgroup.procs; true'
	cg=skiff-rl-$$-$BATS_TEST_NUMBER
	in_v2_host "$cg" yes
	[ "$status" -ne 77 ] || skip "cannot mount cgroup2 here"
	assert_success
	# In skiff/<id> below the caller's cgroup, shown alone at /sys/fs/cgroup;
	# nothing left once deleted.
	[ "$output" = $'0::/'"$cg/skiff/$CID"$'\n1' ] || fail "$output"
	# The caller's cgroup holds processes: no controller for its children.
	[[ $stderr == "skiff: warning: cgroup /sys/fs/cgroup/$cg/skiff/$CID lacks controllers (pids: "* ]] ||
		fail "stderr: $stderr"
	[[ $stderr != *$'\n'* ]] || fail "more than one line: $stderr"
	assert_nothing_left
	# Not delegated: no cgroups (an empty /sys/fs/cgroup), one line.
	in_v2_host "$cg" no
	assert_success
	[ "$output" = $'0::/'"$cg"$'\n0' ] || fail "$output"
	[ "$stderr" = "skiff: warning: rootless: cgroups skipped (cgroup /$cg is not delegated to uid $ROOTLESS_UID): resource limits are ignored" ] ||
		fail "stderr: $stderr"
	assert_nothing_left
}

# in_v2_host CGROUP DELEGATE: `run --separate-stderr` the bundle as the user
# in a private mount namespace whose /sys/fs/cgroup is the cgroup2 hierarchy,
# from the new cgroup CGROUP, given to the user when DELEGATE is yes. After
# the container's output come its cgroup's leftovers (none, one hopes).
in_v2_host() {
	run --separate-stderr unshare -m --propagation private bash -c '
		mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null || exit 77
		mkdir "/sys/fs/cgroup/$1" && cd "/sys/fs/cgroup/$1" || exit 1
		if [ "$7" = yes ]; then
			chown "$2" . cgroup.procs cgroup.subtree_control cgroup.threads || exit 1
		fi
		echo $$ >cgroup.procs || exit 1
		cd "$3" && runuser -u "$2" -- env -i PATH="$PATH" XDG_RUNTIME_DIR="$4" "$5" run "$6"
		rc=$?
		find "/sys/fs/cgroup/$1" -mindepth 1 -type d
		echo $$ >/sys/fs/cgroup/cgroup.procs
		rmdir "/sys/fs/cgroup/$1"
		exit $rc' sh "$1" "$ROOTLESS_USER" "$BUNDLE" "$RL_DIR/run" "$SKIFF_RUNTIME" "$CID" "$2"
}

@test "rootless: kill --all reaches every process of the container without cgroups" {
	map_subids
	# The init (pid 1 of its namespace) ignores SIGTERM; its children do not.
	args sh -c 'sleep 1000 & sleep 1001 & exec sleep 1002'
	rrt_bg run -d "$CID"
	for i in $(seq 50); do
		[ "$(live_sleeps | wc -l)" -eq 3 ] && break
		sleep 0.1
	done
	[ "$(live_sleeps | wc -l)" -eq 3 ] || fail "$(rl_processes)"
	rrt kill --all "$CID" TERM
	for i in $(seq 50); do
		[ "$(live_sleeps | wc -l)" -eq 1 ] && break
		sleep 0.1
	done
	run live_sleeps
	[[ $output == *"sleep 1002" && ${#lines[@]} -eq 1 ]] || fail "after TERM: $output"
	[ "$(state_field "$CID" status)" = running ]
	rrt kill --all "$CID" KILL
	wait_status "$CID" stopped
	rrt delete "$CID"
	assert_nothing_left
}

# The container's sleeps that are not zombies.
live_sleeps() {
	rl_processes | grep 'sleep 100' || true
}

@test "rootless: the host's network by default, none with a network namespace" {
	args sh -c 'readlink /proc/self/ns/net'
	run --separate-stderr rrt run "$CID"
	assert_success
	[ "$output" = "$(rl readlink /proc/self/ns/net)" ] || fail "$output"
	# --network none: a namespace of its own, only lo.
	config '.linux.namespaces += [{"type": "network"}]'
	args sh -c 'readlink /proc/self/ns/net; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
	run --separate-stderr rrt run "$CID"
	assert_success
	[ "${lines[0]}" != "$(rl readlink /proc/self/ns/net)" ] || fail "$output"
	[ "${lines[1]}" = lo ] && [ "${#lines[@]}" -eq 2 ] || fail "$output"
	# With its own network namespace, a real sysfs shows that namespace.
	config '(.mounts[] | select(.destination == "/sys")) |= {"destination": "/sys",
		"type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}'
	args ls /sys/class/net
	run --separate-stderr rrt run "$CID"
	assert_success
	[ "$output" = lo ] || fail "$output"
	assert_nothing_left
}

@test "rootless: a terminal" {
	command -v script >/dev/null || skip "script(1) is missing"
	config '.process.terminal = true'
	args sh -c 'tty; id -u'
	cd "$BUNDLE"
	run rl script -qec "$SKIFF_RUNTIME run $CID" /dev/null </dev/null
	assert_success
	[[ $output == *"/dev/pts/0"*"0"* ]] || fail "$output"
	assert_nothing_left
}

@test "rootless: run by root of the user's own user namespace, as skiff's engine runs it" {
	rl unshare --user --map-root-user --map-auto true 2>/dev/null ||
		skip "unshare --map-auto is missing"
	# The container lives in the caller's user namespace: no new one.
	config '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
	args sh -c 'id -u; cat /proc/self/uid_map; stat -c %t:%T /dev/null; touch /tmp/byroot'
	cd "$BUNDLE"
	run --separate-stderr rl unshare --user --map-root-user --map-auto "$SKIFF_RUNTIME" run "$CID"
	assert_success
	[ "${lines[0]}" = 0 ] || fail "$output"
	[[ ${lines[1]} =~ ^\ +0\ +$ROOTLESS_UID\ +1$ && ${lines[2]} =~ ^\ +1\ +$SUBUID\ +[0-9]+$ ]] ||
		fail "uid_map: $output"
	# Devices bound (no mknod in a user namespace), no cgroups (a note).
	[ "${lines[3]}" = 1:3 ] || fail "$output"
	if cgroup_v1_host; then
		[[ $stderr == "skiff: warning: rootless: cgroups skipped ("* ]] || fail "stderr: $stderr"
	fi
	[ "$(stat -c %u "$BUNDLE/rootfs/tmp/byroot")" = "$ROOTLESS_UID" ]
	# Its state went to the user's runtime directory too.
	[ -d "$STATE_ROOT" ] || fail "no $STATE_ROOT"
	assert_nothing_left
}

@test "rootless: a config without a user namespace is refused, nothing created" {
	config '.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
	run --separate-stderr rrt run "$CID"
	assert_error "not root" "user namespace" "spec --rootless"
	assert_nothing_left
}

@test "rootless: ranges /etc/subuid or /etc/subgid do not grant are refused with the line to add" {
	map_subids
	# a range past the user's own (whichever ROOTLESS_SUBUID is)
	local bad=$((SUBUID + 16 * 65536))
	config ".linux.uidMappings[1].hostID = $bad"
	run --separate-stderr rrt run "$CID"
	assert_error linux.uidMappings "$bad-$((bad + 65535))" "add '$ROOTLESS_USER:$bad:65536' to /etc/subuid"
	assert_nothing_left
	map_subids
	config '.linux.gidMappings[1].size = 70000'
	run --separate-stderr rrt run "$CID"
	assert_error linux.gidMappings "add '$ROOTLESS_USER:$SUBGID:70000' to /etc/subgid"
}

@test "rootless: what the mapping cannot give fails clearly, nothing left behind" {
	# Only the user's own ids: uid 1000 does not exist in the container.
	config '.process.user = {"uid": 1000, "gid": 0}'
	run --separate-stderr rrt run "$CID"
	assert_error "process.user.uid 1000" "not mapped"
	assert_nothing_left
	# Groups cannot be set where setgroups is denied.
	config '.process.user = {"uid": 0, "gid": 0, "additionalGids": [0]}'
	run --separate-stderr rrt run "$CID"
	assert_error additionalGids setgroups newgidmap
	assert_nothing_left
	# A bind source the user cannot reach.
	mkdir -p "$BATS_TEST_TMPDIR/private"
	chmod 0700 "$BATS_TEST_TMPDIR/private"
	config ".process.user = {\"uid\": 0, \"gid\": 0}
		| .mounts += [{\"destination\": \"/mnt\", \"type\": \"bind\",
			\"source\": \"$BATS_TEST_TMPDIR/private\", \"options\": [\"rbind\"]}]"
	run --separate-stderr rrt run "$CID"
	assert_error "/mnt" "bind source" "permission denied"
	assert_nothing_left
	# A hard limit above the user's own.
	hard=$(rl sh -c 'ulimit -Hn')
	config "del(.mounts[-1])
		| .process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": $((hard + 1))}]"
	run --separate-stderr rrt run "$CID"
	assert_error RLIMIT_NOFILE CAP_SYS_RESOURCE
	assert_nothing_left
}

@test "rootless: the default state root is the user's own" {
	args sleep 1000
	rrt_bg run -d "$CID"
	[ -f "$STATE_ROOT/$CID/state.json" ] || fail "no state in $STATE_ROOT: $(ls -R "$RL_DIR/run")"
	[ "$(stat -c '%U %a' "$STATE_ROOT")" = "$ROOTLESS_USER 700" ]
	rrt delete --force "$CID"
	assert_nothing_left
	# Without XDG_RUNTIME_DIR: /tmp/skiff-run-UID/runtime (beside the engine's
	# runroot for that user).
	fallback=/tmp/skiff-run-$ROOTLESS_UID
	args sh -c 'ls /proc/1/root >/dev/null'
	run runuser -u "$ROOTLESS_USER" -- env -i PATH="$PATH" HOME="$RL_DIR/home" sh -c \
		"cd '$BUNDLE' && '$SKIFF_RUNTIME' run $CID 2>/dev/null && ls -A '$fallback/runtime'"
	assert_success
	[ -z "$output" ] || fail "$output"
	[ "$(stat -c '%U %a' "$fallback/runtime")" = "$ROOTLESS_USER 700" ]
	rmdir "$fallback/runtime" "$fallback" 2>/dev/null || true
	assert_nothing_left
	# Another user's directory (one planted in /tmp) is refused.
	mkdir -m 0777 "$RL_DIR/planted"
	chown 65534 "$RL_DIR/planted"
	run --separate-stderr rrt --root "$RL_DIR/planted" run "$CID"
	assert_error "state root $RL_DIR/planted belongs to uid 65534"
	run ls -A "$RL_DIR/planted"
	[ -z "$output" ] || fail "$output"
	assert_nothing_left
}
