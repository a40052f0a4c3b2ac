#!/usr/bin/env bats
# skiff runtime: the built-in OCI runtime and its runc-compatible CLI, on
# busybox bundles built in each test's directory. No registry involved.

load helpers

bats_require_minimum_version 1.5.0

# ------------------------------------------------------------ local helpers

setup() {
	skiff_setup
	RT_ROOT=$BATS_TEST_TMPDIR/rt
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	# Unique across parallel tests and runs: the default cgroup is /skiff/<id>.
	CID=rt$$-${BATS_TEST_NUMBER}
	make_bundle "$BUNDLE"
}

teardown() {
	local id
	if [ -d "$RT_ROOT" ]; then
		for id in $("$SKIFF" runtime --root "$RT_ROOT" list -q 2>/dev/null); do
			"$SKIFF" runtime --root "$RT_ROOT" delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	if [ -d "$BATS_TEST_TMPDIR/runc" ] && command -v runc >/dev/null; then
		for id in $(runc --root "$BATS_TEST_TMPDIR/runc" list -q 2>/dev/null); do
			runc --root "$BATS_TEST_TMPDIR/runc" delete --force "$id" >/dev/null 2>&1 || true
		done
	fi
	skiff_teardown
}

# skiff runtime on this test's state root.
rt() {
	"$SKIFF" runtime --root "$RT_ROOT" "$@"
}

# A container holds the stdio it inherits: create and detached runs must not
# hand it bats' pipes, or the test waits for the container to exit.
rt_bg() {
	"$SKIFF" runtime --root "$RT_ROOT" "$@" </dev/null >>"$BATS_TEST_TMPDIR/container.out" 2>&1 ||
		fail "skiff runtime $* failed:" "$(cat "$BATS_TEST_TMPDIR/container.out")"
}

# make_bundle DIR: a busybox rootfs and skiff's default config, with no
# terminal, a tmpfs /tmp and `true` as the process.
make_bundle() {
	local dir=$1
	make_busybox_rootfs "$dir/rootfs"
	if [ ! -e "$dir/config.json" ]; then
		"$SKIFF" runtime spec -b "$dir"
	fi
	config '.process.terminal = false | .process.args = ["true"]
		| .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
		               "options": ["nosuid", "nodev", "mode=1777"]}]' "$dir"
}

# config JQ [BUNDLE]: edit the bundle's config.json.
config() {
	local dir=${2:-$BUNDLE}
	jq "$1" "$dir/config.json" >"$dir/config.json.new"
	mv "$dir/config.json.new" "$dir/config.json"
}

# args CMD...: the container's process.
args() {
	local json=() a
	for a in "$@"; do
		json+=("$(printf '%s' "$a" | jq -Rs .)")
	done
	config ".process.args = [$(IFS=,; echo "${json[*]}")]"
}

# run_sh SCRIPT: run `sh -c SCRIPT` in a new container, output and status in
# $output/$status.
run_sh() {
	args sh -c "$1"
	run rt run -b "$BUNDLE" "$CID"
}

state_field() {
	rt state "$1" | jq -r ".$2"
}

# assert_error WORD...: as helpers.bash's, for the runtime's exit status 1.
assert_error() { ERR_STATUS=1 assert_skiff_error "$@"; }

# create_fails WORD...: `create -b $BUNDLE $CID` fails like assert_error says.
# Its output goes through a file: a create that wrongly succeeds must not
# leave its container holding bats' pipes.
create_fails() {
	local out=$BATS_TEST_TMPDIR/create.out
	status=0
	rt create -b "$BUNDLE" "$CID" </dev/null >"$out" 2>"$out.err" || status=$?
	output=$(cat "$out")
	stderr=$(cat "$out.err")
	assert_error "$@"
}

# cgroup_dir ID CONTROLLER [PARENT]: the container's cgroup directory for
# CONTROLLER (v1) or the unified one; PARENT defaults to skiff's /skiff.
cgroup_dir() {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo "/sys/fs/cgroup/${3:-skiff}/$1"
	else
		echo "/sys/fs/cgroup/$2/${3:-skiff}/$1"
	fi
}

# ------------------------------------------------------------ run

@test "runtime run: prints the process's output and exits with its status" {
	run_sh 'echo hello from the container; exit 3'
	[ "$status" -eq 3 ] || fail "want exit 3, got $status: $output"
	[ "$output" = "hello from the container" ]
	# A process killed by a signal exits 128 + the signal number. (Not as pid
	# 1 of a pid namespace: that one ignores even SIGKILL from inside.)
	config '.linux.namespaces |= map(select(.type != "pid"))'
	run_sh 'kill -9 $$'
	[ "$status" -eq 137 ] || fail "want exit 137, got $status: $output"
	# run deletes the container when it exits.
	run rt list -q
	assert_success
	[ -z "$output" ]
}

@test "runtime: spec, create, list, start, state, exec, kill, delete" {
	rm "$BUNDLE/config.json"
	run rt spec -b "$BUNDLE"
	assert_success
	jq -e '.process.terminal == true and .process.args == ["sh"] and .root.readonly == true' \
		"$BUNDLE/config.json" >/dev/null
	# --version as runc prints it: tools read the spec version.
	run rt --version
	assert_success
	[[ ${lines[0]} == "skiff-runtime version "* && ${lines[1]} == "spec: 1."* ]] || fail "$output"
	# spec refuses to overwrite.
	run --separate-stderr rt spec -b "$BUNDLE"
	assert_error exists
	make_bundle "$BUNDLE"
	args sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'

	rt_bg create -b "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$CID"
	run rt list
	assert_success
	[[ ${lines[0]} == "ID"*"PID"*"STATUS"*"BUNDLE"*"CREATED"*"OWNER" ]]
	[[ ${lines[1]} == "$CID "*" created "*" $BUNDLE "* ]] || fail "list: $output"
	[ "$(state_field "$CID" status)" = created ]
	pid=$(state_field "$CID" pid)
	[ "$pid" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
	[ -d "/proc/$pid" ]
	rt state "$CID" | jq -e --arg b "$BUNDLE" --arg id "$CID" \
		'.ociVersion != "" and .id == $id and .bundle == $b' >/dev/null

	run rt start "$CID"
	assert_success
	[ "$(state_field "$CID" status)" = running ]
	run --separate-stderr rt start "$CID"
	assert_error "already running"

	# exec joins the container's pid namespace: its init is pid 1.
	run rt exec "$CID" ps -o pid,args
	assert_success
	[[ $output == *"    1 sh -c trap"* ]] || fail "ps does not show the init as pid 1: $output"
	run rt exec "$CID" sh -c 'exit 7'
	[ "$status" -eq 7 ]

	run rt list --format json
	assert_success
	echo "$output" | jq -e --arg id "$CID" '.[0].id == $id and .[0].status == "running"' >/dev/null

	run rt kill "$CID"
	assert_success
	wait_status "$CID" stopped
	[ "$(state_field "$CID" pid)" = 0 ]
	run rt delete "$CID"
	assert_success
	run --separate-stderr rt state "$CID"
	assert_error "does not exist"
	[ ! -e "$(cgroup_dir "$CID" memory)" ]
}

@test "runtime delete: refuses a created or running container without --force" {
	args sleep 1000
	rt_bg create -b "$BUNDLE" "$CID"
	run --separate-stderr rt delete "$CID"
	assert_error "not stopped" created
	rt start "$CID"
	run --separate-stderr rt delete "$CID"
	assert_error "not stopped" running
	pid=$(state_field "$CID" pid)
	run rt delete --force "$CID"
	assert_success
	[ ! -d "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat")" = Z ]
	run rt list -q
	[ -z "$output" ]
	[ ! -e "$(cgroup_dir "$CID" pids)" ]
}

@test "runtime kill: signal names, numbers, --all; errors" {
	args sh -c 'trap "echo got USR1 >>/tmp/sig" USR1; trap "exit 0" TERM; while :; do sleep 0.1; done'
	rt_bg run -d -b "$BUNDLE" "$CID"
	# Signals do not queue: send each once the last one was handled.
	n=0
	for sig in USR1 SIGUSR1 10 sigusr1; do
		run rt kill "$CID" "$sig"
		assert_success
		n=$((n + 1))
		for i in $(seq 50); do
			[ "$(rt exec "$CID" cat /tmp/sig 2>/dev/null | wc -l)" -ge $n ] && break
			sleep 0.1
		done
		[ "$(rt exec "$CID" cat /tmp/sig | wc -l)" -eq $n ] || fail "signal $sig not delivered"
	done
	run --separate-stderr rt kill "$CID" NOSUCHSIGNAL
	assert_error "invalid signal"
	rt exec -d "$CID" sleep 1000
	run rt kill --all "$CID" KILL
	assert_success
	wait_status "$CID" stopped
	run --separate-stderr rt kill "$CID"
	assert_error "not running"
}

@test "runtime: errors are one line and exit 1" {
	run --separate-stderr rt state nosuch
	assert_error "nosuch" "does not exist"
	run --separate-stderr rt create -b "$BATS_TEST_TMPDIR/missing" "$CID"
	assert_error bundle missing
	run --separate-stderr rt create -b "$BUNDLE" "bad/id"
	assert_error "invalid container id"
	config '.process.terminal = true'
	run --separate-stderr rt create -b "$BUNDLE" "$CID"
	assert_error terminal console-socket
	config '.process.terminal = false | .process.cwd = "tmp"'
	run --separate-stderr rt run -b "$BUNDLE" "$CID"
	assert_error "process.cwd" absolute
	config '.process.cwd = "/" | .process.args = ["no-such-program"]'
	run --separate-stderr rt run -b "$BUNDLE" "$CID"
	assert_error "no-such-program" "not found"
	args sleep 1000
	rt_bg create -b "$BUNDLE" "$CID"
	run --separate-stderr rt create -b "$BUNDLE" "$CID"
	assert_error "already exists"
	run --separate-stderr rt frobnicate
	assert_error "unknown command"
	# A failed create leaves nothing behind.
	run rt list -q
	[ "$output" = "$CID" ]
}

@test "runtime: a process that cannot be found or run fails create, start, run and exec with exit 1, as runc's" {
	echo 'not a program' >"$BUNDLE/rootfs/bin/garbage"
	chmod 0755 "$BUNDLE/rootfs/bin/garbage"
	config '.process.args = ["no-such-program"]'
	create_fails "no-such-program" "not found"
	# What execve refuses fails at start, not at create.
	config '.process.args = ["/etc"]'
	run --separate-stderr rt run -b "$BUNDLE" "$CID"
	assert_error "/etc" "permission denied"
	config '.process.args = ["/bin/garbage"]'
	run --separate-stderr rt run -b "$BUNDLE" "$CID"
	assert_error "/bin/garbage" "exec format error"
	rt_bg create -b "$BUNDLE" "$CID"
	run --separate-stderr rt start "$CID"
	assert_error "/bin/garbage" "exec format error"
	rt delete --force "$CID"
	args sleep 1000
	rt_bg run -d -b "$BUNDLE" "$CID"
	run --separate-stderr rt exec "$CID" /bin/garbage
	assert_error "/bin/garbage" "exec format error"
	run --separate-stderr rt exec "$CID" /etc
	assert_error "/etc" "permission denied"
}

@test "runtime: a create killed halfway leaves what delete cleans up" {
	config '.hooks = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "2"]}]}'
	args sleep 1000
	"$SKIFF" runtime --root "$RT_ROOT" create -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 &
	creator=$!
	# Wait until it is in the createRuntime hook: state written, cgroups made.
	for i in $(seq 50); do
		[ -d "$(cgroup_dir "$CID" pids)" ] && pgrep -f "^sleep 2$" >/dev/null && break
		sleep 0.1
	done
	[ "$(state_field "$CID" status)" = creating ]
	kill -KILL "$creator"
	wait "$creator" || true
	wait_status "$CID" stopped
	run rt delete "$CID"
	assert_success
	[ ! -e "$(cgroup_dir "$CID" pids)" ]
	run rt list -q
	[ -z "$output" ]
}

# ------------------------------------------------------------ the process

@test "runtime: hostname, user and groups, cwd, env, umask" {
	config '.hostname = "rt-host"
		| .process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 18}
		| .process.cwd = "/work/dir" | .process.env += ["FOO=bar baz"]'
	run_sh 'hostname; id -u; id -g; id -G; pwd; echo "$FOO"; echo "$HOME"; umask'
	assert_success
	[ "${lines[0]}" = rt-host ]
	[ "${lines[1]}" = 1000 ]
	[ "${lines[2]}" = 1000 ]
	[ "${lines[3]}" = "1000 10 20" ] || fail "groups: ${lines[3]}"
	[ "${lines[4]}" = /work/dir ]
	[ "${lines[5]}" = "bar baz" ]
	[ "${lines[6]}" = /home/alice ]
	[ "${lines[7]}" = 0022 ]
}

@test "runtime: capabilities are exactly the config's" {
	config '.process.capabilities = {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
		"effective": ["CAP_CHOWN", "CAP_KILL"], "permitted": ["CAP_CHOWN", "CAP_KILL"],
		"inheritable": [], "ambient": []}'
	run_sh 'grep ^Cap /proc/self/status'
	assert_success
	# CAP_CHOWN = bit 0, CAP_KILL = bit 5, CAP_NET_RAW = bit 13; uid 0 gets the
	# bounding set as it execs, as with runc.
	[[ $output == *"CapInh:	0000000000000000"* ]] || fail "$output"
	[[ $output == *"CapBnd:	0000000000002021"* ]] || fail "$output"
	[[ $output == *"CapAmb:	0000000000000000"* ]] || fail "$output"
	# A non-root user keeps only what the config makes ambient.
	config '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities.inheritable = ["CAP_KILL"]
		| .process.capabilities.ambient = ["CAP_KILL"]'
	run_sh 'grep ^Cap /proc/self/status'
	assert_success
	[[ $output == *"CapEff:	0000000000000020"* ]] || fail "$output"
	[[ $output == *"CapPrm:	0000000000000020"* ]] || fail "$output"
	[[ $output == *"CapAmb:	0000000000000020"* ]] || fail "$output"
	# The default spec asks for nothing inheritable or ambient (CVE-2022-29162).
	rm "$BUNDLE/config.json"
	make_bundle "$BUNDLE"
	run_sh 'grep -E "^Cap(Inh|Amb)" /proc/self/status'
	[[ $output == *"CapInh:	0000000000000000"* ]] || fail "$output"
	[[ $output == *"CapAmb:	0000000000000000"* ]] || fail "$output"
}

@test "runtime: rlimits; a hard limit above the runtime's own fails clearly" {
	config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024}]'
	run_sh 'ulimit -n; ulimit -Hn'
	assert_success
	[ "${lines[0]}" = 512 ]
	[ "${lines[1]}" = 1024 ]
	if [ $((0x$(awk '/^CapEff/ {print $2}' /proc/self/status) >> 24 & 1)) -eq 1 ]; then
		skip "this host gives root CAP_SYS_RESOURCE: any hard limit is allowed"
	fi
	hard=$(ulimit -Hn)
	config ".process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": $((hard + 1))}]"
	run --separate-stderr rt run -b "$BUNDLE" "$CID"
	assert_error RLIMIT_NOFILE "$((hard + 1))" CAP_SYS_RESOURCE
	run rt list -q
	[ -z "$output" ]
}

@test "runtime: noNewPrivileges, oomScoreAdj, sysctls" {
	config '.process.noNewPrivileges = true | .process.oomScoreAdj = 500
		| .linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1000"}'
	run_sh 'grep NoNewPrivs /proc/self/status; cat /proc/self/oom_score_adj
		cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni'
	assert_success
	[ "${lines[0]}" = "NoNewPrivs:	1" ]
	[ "${lines[1]}" = 500 ]
	[ "${lines[2]}" = 1 ]
	[ "${lines[3]}" = 1000 ]
	config '.linux.sysctl = {"kernel.panic": "1"}'
	run --separate-stderr rt run -b "$BUNDLE" "$CID"
	assert_error kernel.panic namespaced
}

@test "runtime: seccomp denies a syscall with the profile's errno" {
	config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
		             {"names": ["no_such_syscall_name"], "action": "SCMP_ACT_ERRNO"}]}'
	run_sh 'grep ^Seccomp: /proc/self/status; mkdir /tmp/x; echo mkdir=$?; touch /tmp/y && echo touch ok'
	[[ $output == *"Seccomp:	2"* ]] || fail "no filter: $output"
	[[ $output == *"mkdir: can't create directory '/tmp/x': Operation not permitted"* ]] || fail "$output"
	[[ $output == *"mkdir=1"* ]]
	[[ $output == *"touch ok"* ]]
	# Without noNewPrivileges the filter still loads (CAP_SYS_ADMIN is kept
	# just long enough) and the process does not keep CAP_SYS_ADMIN.
	# An argument comparison: kill(pid, SIGUSR1) is denied, kill(pid, 0) not.
	config '.process.noNewPrivileges = false
		| .linux.seccomp.syscalls = [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
			"args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]'
	run_sh 'grep -E "^(Seccomp|NoNewPrivs|CapEff):" /proc/self/status; kill -USR1 $$; echo usr1=$?; kill -0 $$; echo zero=$?'
	[[ $output == *"NoNewPrivs:	0"* ]] || fail "$output"
	[[ $output == *"Seccomp:	2"* ]] || fail "$output"
	[[ $output == *"CapEff:	0000000020000420"* ]] || fail "CAP_SYS_ADMIN kept? $output"
	[[ $output == *"usr1=1"* ]] || fail "kill(USR1) should be denied: $output"
	[[ $output == *"zero=0"* ]] || fail "kill(0) should be allowed: $output"
	config '.linux.seccomp.defaultAction = "SCMP_ACT_NOPE"'
	run --separate-stderr rt run -b "$BUNDLE" "$CID"
	assert_error seccomp SCMP_ACT_NOPE
}

@test "runtime: compiled seccomp filters are cached, keyed by the whole profile" {
	config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	run_sh 'mkdir /tmp/x; echo mkdir=$?'
	[[ $output == *"Operation not permitted"*"mkdir=1"* ]] || fail "$output"
	local cached=("$RT_ROOT"/.cache/seccomp/*)
	[ ${#cached[@]} -eq 1 ] && [ -s "${cached[0]}" ] || fail "cache: ${cached[*]}"
	[ "$(stat -c %a "$RT_ROOT/.cache/seccomp")" = 700 ]
	# The same profile again comes from the cache; a damaged entry is not used.
	run_sh 'mkdir /tmp/x; echo mkdir=$?'
	[[ $output == *"Operation not permitted"*"mkdir=1"* ]] || fail "$output"
	printf 'garbage' >"${cached[0]}"
	run_sh 'mkdir /tmp/x; echo mkdir=$?'
	[[ $output == *"Operation not permitted"*"mkdir=1"* ]] || fail "$output"
	# An entry others may write is not trusted either: compiled again, and
	# rewritten (a hit leaves the file alone).
	chmod 0620 "${cached[0]}"
	run_sh 'mkdir /tmp/x; echo mkdir=$?'
	[[ $output == *"mkdir=1"* ]] || fail "$output"
	[ "$(stat -c %a "${cached[0]}")" = 600 ] || fail "group-writable entry used"
	# Another errno is another program, not the cached one.
	config '.linux.seccomp.syscalls[0].errnoRet = 13'
	run_sh 'mkdir /tmp/x; echo mkdir=$?'
	[[ $output == *"Permission denied"*"mkdir=1"* ]] || fail "$output"
	cached=("$RT_ROOT"/.cache/seccomp/*)
	[ ${#cached[@]} -eq 2 ] || fail "cache: ${cached[*]}"
	# The cache is no container.
	run rt list -q
	assert_success
	[ -z "$output" ]
}

@test "runtime: exec runs the config's process settings, or --process" {
	config '.process.env += ["FROM=config"] | .process.user = {"uid": 1000, "gid": 1000}'
	args sleep 1000
	rt_bg run -d -b "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$CID"
	[ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$(state_field "$CID" pid)" ]
	run rt exec "$CID" sh -c 'id -u; echo $FROM; pwd'
	assert_success
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = config ]
	run rt exec -e FROM=cli -e NEW=1 --cwd /tmp -u 0:0 "$CID" sh -c 'id -u; echo $FROM $NEW; pwd'
	assert_success
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = "cli 1" ]
	[ "${lines[2]}" = /tmp ]
	cat >"$BATS_TEST_TMPDIR/process.json" <<-EOF
		{"args": ["sh", "-c", "echo from process.json; id -u; cat /proc/self/cgroup | grep -c :/\$"],
		 "cwd": "/", "env": ["PATH=/bin"], "user": {"uid": 42, "gid": 42}}
	EOF
	run rt exec --process "$BATS_TEST_TMPDIR/process.json" "$CID"
	assert_success
	[ "${lines[0]}" = "from process.json" ]
	[ "${lines[1]}" = 42 ]
	# The exec'd process is in the container's cgroups (a cgroup namespace
	# rooted there shows "/" in every hierarchy).
	[ "${lines[2]}" -ge 1 ]
	run --separate-stderr rt exec "$CID" no-such-program
	assert_error no-such-program
	run --separate-stderr rt exec -t -d "$CID" true
	assert_error console-socket
}

# ------------------------------------------------------------ root filesystem

@test "runtime: pid namespace, masked and read-only paths, ro root" {
	# /proc/kcore is masked when the kernel has one; /proc/keys always exists.
	masked=/proc/keys
	[ -e /proc/kcore ] && masked=/proc/kcore
	run_sh "echo \$\$; wc -c <$masked; ls /proc/acpi | wc -l
		echo x >/proc/sys/kernel/domainname || echo sys-ro
		touch /newfile || echo root-ro; mount | grep ' on / '"
	assert_success
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = 0 ] || fail "$masked is readable: $output"
	[ "${lines[2]}" = 0 ]
	[[ $output == *"Read-only file system"*"sys-ro"* ]] || fail "$output"
	[[ $output == *"root-ro"* ]] || fail "$output"
	[[ $output == *" on / type "*"(ro,"* ]] || fail "$output"
}

@test "runtime: rootfsPropagation is the container root's own" {
	# The container binds / elsewhere, then mounts something: a shared root
	# propagates it to the bind, a private one does not; an unbindable root
	# cannot be bound at all.
	config '.root.readonly = false | del(.linux.seccomp)
		| .process.capabilities.bounding += ["CAP_SYS_ADMIN"]
		| .process.capabilities.effective += ["CAP_SYS_ADMIN"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	args sh -c 'mkdir /t /m /x && touch /x/f
		mount --bind / /t || { echo no-bind; exit 0; }
		mount --bind /x /m && ls /t/m'
	for prop in shared private unbindable; do
		config ".linux.rootfsPropagation = \"$prop\""
		run rt run -b "$BUNDLE" "$CID-$prop"
		assert_success
		case $prop in
		shared) [ "$output" = f ] || fail "shared: $output" ;;
		private) [ -z "$output" ] || fail "private: $output" ;;
		unbindable) [[ $output == *no-bind ]] || fail "unbindable: $output" ;;
		esac
		rm -rf "$BUNDLE/rootfs/t" "$BUNDLE/rootfs/m" "$BUNDLE/rootfs/x"
	done
}

@test "runtime: without a mount namespace the container shares the runtime's, chrooted" {
	config '.linux.namespaces |= map(select(.type != "mount"))'
	args sleep 1000
	rt_bg create -b "$BUNDLE" "$CID"
	pid=$(state_field "$CID" pid)
	[ "$(readlink "/proc/$pid/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ]
	[ "$(readlink "/proc/$pid/root")" = "$BUNDLE/rootfs" ]
	# Its mounts live below its own rootfs mount, on the host...
	grep -q " $BUNDLE/rootfs/proc " /proc/self/mountinfo
	rt start "$CID"
	# ...exec enters the same root...
	run rt exec "$CID" sh -c 'grep alice /etc/passwd; ls /proc/1/root/bin/busybox'
	assert_success
	[[ ${lines[0]} == alice:* ]] || fail "$output"
	# ...and delete takes every one of them away.
	rt delete --force "$CID"
	run grep -c " $BUNDLE/" /proc/self/mountinfo
	[ "$output" = 0 ] || fail "left mounted: $(grep " $BUNDLE/" /proc/self/mountinfo)"
	# run (create + start + delete) as well; a read-only root stays read-only.
	run_sh 'touch /x 2>/dev/null || echo root-ro; cat /proc/self/mountinfo | wc -l'
	assert_success
	[ "${lines[0]}" = root-ro ] || fail "$output"
	run grep -c " $BUNDLE/" /proc/self/mountinfo
	[ "$output" = 0 ]
}

@test "runtime: mounts: bind read-only, tmpfs options, devices, /dev symlinks" {
	mkdir -p "$BATS_TEST_TMPDIR/data"
	echo host-data >"$BATS_TEST_TMPDIR/data/file"
	config ".mounts += [{\"destination\": \"/data\", \"type\": \"bind\",
		\"source\": \"$BATS_TEST_TMPDIR/data\", \"options\": [\"rbind\", \"ro\"]},
		{\"destination\": \"/scratch\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",
		 \"options\": [\"noexec\", \"size=1m\"]}]
		| .linux.devices = [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229,
		   \"fileMode\": 432, \"uid\": 0, \"gid\": 0}]
		| .linux.resources.devices += [{\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229, \"access\": \"rw\"}]"
	run_sh 'cat /data/file; touch /data/new || echo data-ro; mount | grep " /scratch "
		ls -l /dev/null /dev/fuse; for l in fd stdin ptmx; do readlink /dev/$l; done
		echo ok >/dev/null && echo null-ok'
	assert_success
	[ "${lines[0]}" = host-data ]
	[[ $output == *"data-ro"* ]] || fail "$output"
	[[ $output == *"tmpfs on /scratch type tmpfs (rw,"*"noexec"*"size=1024k"* ]] || fail "$output"
	[[ $output == *"crw-rw-rw-"*"1,   3"*"/dev/null"* ]] || fail "$output"
	[[ $output == *"crw-rw----"*"10, 229"*"/dev/fuse"* ]] || fail "$output"
	[[ $output == *"/proc/self/fd"$'\n'"/proc/self/fd/0"$'\n'"pts/ptmx"* ]] || fail "$output"
	[[ $output == *"null-ok"* ]] || fail "$output"
	[ ! -e "$BATS_TEST_TMPDIR/data/new" ]
}

@test "runtime: tmpcopyup: a tmpfs starts with a copy of what it covers" {
	local run=$BUNDLE/rootfs/run
	mkdir -p "$run/app/sub" "$BUNDLE/rootfs/var/ro"
	echo from-image >"$run/app/state"
	echo deep >"$run/app/sub/file"
	chown -R 1000:1000 "$run/app"
	chmod 0750 "$run/app"
	chmod 0711 "$run"
	ln -s /etc/passwd "$run/app/passwd"
	echo ro-data >"$BUNDLE/rootfs/var/ro/file"
	config '.mounts += [{"destination": "/run", "type": "tmpfs", "source": "tmpfs",
		  "options": ["nosuid", "nodev", "tmpcopyup"]},
		{"destination": "/var/ro", "type": "tmpfs", "source": "tmpfs",
		  "options": ["ro", "tmpcopyup"]},
		{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
		  "options": ["tmpcopyup", "mode=711"]}]
		| .process.user = {"uid": 1000, "gid": 1000}'
	run_sh 'cat /run/app/state /run/app/sub/file; readlink /run/app/passwd
		stat -c "%a %u:%g" /run /run/app /run/app/state
		echo more >>/run/app/state && cat /run/app/state
		cat /var/ro/file; touch /var/ro/x 2>&1
		stat -c "%a" /scratch; grep -c " /run tmpfs" /proc/mounts'
	assert_success
	want=$(printf '%s\n' from-image deep /etc/passwd "711 0:0" "750 1000:1000" "644 1000:1000" \
		from-image more ro-data "touch: /var/ro/x: Read-only file system" 711 1)
	[ "$output" = "$want" ] || fail "$output"
	# The rootfs itself is untouched.
	[ "$(cat "$run/app/state")" = from-image ]
}

@test "runtime: cgroup limits are written on the host and the cgroup goes at delete" {
	config '.linux.resources.memory = {"limit": 67108864} | .linux.resources.pids = {"limit": 50}
		| .linux.resources.cpu = {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0"}'
	if [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then
		config '.linux.resources.memory.swap = 134217728'
	fi
	args sleep 1000
	rt_bg create -b "$BUNDLE" "$CID"
	pid=$(state_field "$CID" pid)
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		dir=/sys/fs/cgroup/skiff/$CID
		[ "$(cat "$dir/memory.max")" = 67108864 ]
		[ "$(cat "$dir/pids.max")" = 50 ]
		[ "$(cat "$dir/cpu.max")" = "50000 100000" ]
		grep -qx "$pid" "$dir/cgroup.procs"
	else
		[ "$(cat "$(cgroup_dir "$CID" memory)/memory.limit_in_bytes")" = 67108864 ]
		[ "$(cat "$(cgroup_dir "$CID" pids)/pids.max")" = 50 ]
		[ "$(cat "$(cgroup_dir "$CID" cpu)/cpu.shares")" = 512 ]
		[ "$(cat "$(cgroup_dir "$CID" cpu)/cpu.cfs_quota_us")" = 50000 ]
		[ "$(cat "$(cgroup_dir "$CID" cpuset)/cpuset.cpus")" = 0 ]
		if [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then
			[ "$(cat "$(cgroup_dir "$CID" memory)/memory.memsw.limit_in_bytes")" = 134217728 ]
		fi
		grep -qx "$pid" "$(cgroup_dir "$CID" memory)/cgroup.procs"
		# "deny all" from the config, then the devices the runtime creates.
		run cat "$(cgroup_dir "$CID" devices)/devices.list"
		[[ $output != *"a *:* rwm"* && $output == *"c 1:3 rwm"* && $output == *"c 136:* rwm"* ]] ||
			fail "devices.list: $output"
		# A process exec'd into the container joins its cgroups.
		rt exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$CID" sleep 1000
		grep -qx "$(cat "$BATS_TEST_TMPDIR/exec.pid")" "$(cgroup_dir "$CID" pids)/cgroup.procs"
		# The container sees its own cgroup, read-only.
		run rt exec "$CID" sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; touch /sys/fs/cgroup/memory/x'
		[[ $output == 67108864*"Read-only file system"* ]] || fail "$output"
	fi
	rt delete --force "$CID"
	[ ! -e "$(cgroup_dir "$CID" memory)" ]
	[ ! -e "$(cgroup_dir "$CID" pids)" ]
	# linux.cgroupsPath puts it elsewhere.
	config ".linux.cgroupsPath = \"/skiff-test/$CID\""
	rt_bg create -b "$BUNDLE" "$CID"
	[ -d "$(cgroup_dir "$CID" pids skiff-test)" ]
	rt delete --force "$CID"
	[ ! -e "$(cgroup_dir "$CID" pids skiff-test)" ]
	rmdir /sys/fs/cgroup/skiff-test /sys/fs/cgroup/*/skiff-test 2>/dev/null || true
}

# devices_probe: mknod and open device nodes under rules that allow
# /dev/fuse (10:229) to be made and read, not written, and deny the rest
# but for the devices the runtime creates. Output in $output.
devices_probe() {
	run_sh 'mknod /dev/lc c 10 237 && echo lc-made
		mknod /dev/f c 10 229 && echo f-made
		true </dev/f && echo f-read
		true >/dev/f && echo f-write
		true <>/dev/null && echo null-rw'
}

@test "runtime: device rules, by the v1 controller or an eBPF program on cgroup v2" {
	config '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])
		| .linux.resources.devices = [{"allow": false, "access": "rwm"},
		  {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rm"}]'
	devices_probe
	assert_success
	want=$(printf '%s\n' "mknod: /dev/lc: Operation not permitted" f-made f-read \
		"sh: can't create /dev/f: Operation not permitted" null-rw)
	[ "$output" = "$want" ] || fail "$output"
	# The same rules as an eBPF program on the cgroup2 directory: in a mount
	# namespace where the v1 devices controller is hidden (a hybrid host), as
	# a pure cgroup v2 host has it. Without rules, nothing is denied there.
	[ "$(stat -f -c %T /sys/fs/cgroup/devices 2>/dev/null)" = cgroupfs ] || return 0
	[ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] || return 0
	rt() {
		unshare -m sh -c 'mount -t tmpfs skiff-test /sys/fs/cgroup/devices && exec "$@"' sh \
			"$SKIFF" runtime --root "$RT_ROOT" "$@"
	}
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/rules.json"
	config '.linux.resources.devices = []'
	devices_probe
	[[ $output == "lc-made"*"f-write"* ]] || fail "without rules: $output"
	cp "$BATS_TEST_TMPDIR/rules.json" "$BUNDLE/config.json"
	devices_probe
	[ "$output" = "$want" ] || fail "eBPF: $output"
}

# hugepage_size: the kernel's first huge page size as OCI names it (2MB).
hugepage_size() {
	local kb
	kb=$(ls /sys/kernel/mm/hugepages 2>/dev/null | sed -n 's/^hugepages-\([0-9]*\)kB$/\1/p' | sort -n | head -1)
	[ -n "$kb" ] || return 1
	if ((kb % 1048576 == 0)); then
		echo "$((kb / 1048576))GB"
	elif ((kb % 1024 == 0)); then
		echo "$((kb / 1024))MB"
	else
		echo "${kb}KB"
	fi
}

@test "runtime: hugepageLimits go to the hugetlb controller, wherever it is" {
	size=$(hugepage_size) || skip "no huge pages in this kernel"
	args sleep 1000
	# A size the kernel does not have fails before anything is made.
	config '.linux.resources.hugepageLimits = [{"pageSize": "3MB", "limit": 1048576}]'
	create_fails "no 3MB huge pages"
	config ".linux.resources.hugepageLimits = [{\"pageSize\": \"$size\", \"limit\": 2147483648}]"
	v2=/sys/fs/cgroup
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || v2=/sys/fs/cgroup/unified
	if [ "$(stat -f -c %T /sys/fs/cgroup/hugetlb 2>/dev/null)" = cgroupfs ]; then
		rt_bg create -b "$BUNDLE" "$CID"
		[ "$(cat "/sys/fs/cgroup/hugetlb/skiff/$CID/hugetlb.$size.limit_in_bytes")" = 2147483648 ]
		return
	fi
	if grep -qw hugetlb "$v2/cgroup.controllers" 2>/dev/null; then
		# cgroup v2, or the cgroup2 mount of a hybrid host that holds hugetlb
		rt_bg create -b "$BUNDLE" "$CID"
		[ "$(cat "$v2/skiff/$CID/hugetlb.$size.max")" = 2147483648 ]
		return
	fi
	# Nowhere mounted: an error, not a limit silently dropped...
	create_fails "no hugetlb cgroup controller"
	# ...and a v1 hierarchy mounted anywhere (here, in a mount namespace of
	# our own) is found.
	hdir=$BATS_TEST_TMPDIR/hugetlb
	mkdir "$hdir"
	run env S="$SKIFF" R="$RT_ROOT" B="$BUNDLE" C="$CID" unshare -m --propagation private sh -c '
		mount -t cgroup -o hugetlb cgroup "$1" || exit 77
		"$S" runtime --root "$R" create -b "$B" "$C" </dev/null >/dev/null 2>&1 ||
			{ echo create failed; exit 1; }
		cat "$1/skiff/$C/hugetlb.$2.limit_in_bytes"
		"$S" runtime --root "$R" delete --force "$C"
		[ -e "$1/skiff/$C" ] || echo gone' sh "$hdir" "$size"
	[ "$status" -ne 77 ] || skip "cannot mount a v1 hugetlb hierarchy here"
	assert_success
	[ "$output" = $'2147483648\ngone' ] || fail "$output"
}

@test "runtime: user namespace with an id mapping" {
	config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	args sh -c 'id -u; cat /proc/self/uid_map; sleep 1000'
	rt_bg create -b "$BUNDLE" "$CID"
	pid=$(state_field "$CID" pid)
	run cat "/proc/$pid/uid_map"
	[[ $output =~ ^\ +0\ +100000\ +65536$ ]] || fail "uid_map: $output"
	run cat "/proc/$pid/gid_map"
	[[ $output =~ ^\ +0\ +100000\ +65536$ ]] || fail "gid_map: $output"
	rt start "$CID"
	awk '/^Uid:/ { exit !($2 == 100000) }' "/proc/$pid/status"
	run rt exec "$CID" sh -c 'id -u; echo ok >/dev/null && echo dev-ok; ls /sys/class/net'
	assert_success
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = dev-ok ]
	[[ $output == *lo* ]]
}

# ------------------------------------------------------------ known escapes

@test "runtime: the init runs from a sealed memfd, not skiff's binary (CVE-2019-5736)" {
	args sleep 1000
	rt_bg create -b "$BUNDLE" "$CID"
	pid=$(state_field "$CID" pid)
	exe=$(readlink "/proc/$pid/exe")
	[[ $exe == /memfd:* ]] || fail "init's exe is $exe"
	[[ $exe != "$(readlink -f "$SKIFF")"* ]]
	rt start "$CID"
	# A process entering the container is a memfd too until it execs.
	exe=$(readlink "/proc/$pid/exe")
	[ "$exe" = /bin/busybox ] || [[ $exe == "$BUNDLE/rootfs/bin/busybox"* ]] || fail "after exec: $exe"
}

@test "runtime: no fd above stdio reaches the container" {
	args sh -c 'ls /proc/$$/fd; true'
	run rt run -b "$BUNDLE" "$CID" 7<"$BUNDLE/config.json" 8>"$BATS_TEST_TMPDIR/leak"
	assert_success
	[ "$output" = $'0\n1\n2' ] || fail "fds: $output"
	args sleep 1000
	rt_bg run -d -b "$BUNDLE" "$CID" 9<"$BUNDLE/config.json"
	run rt exec "$CID" sh -c 'ls /proc/$$/fd; true' 7<"$BUNDLE/config.json"
	assert_success
	[ "$output" = $'0\n1\n2' ] || fail "exec fds: $output"
}

@test "runtime: a cwd outside the container's root is refused (CVE-2024-21626)" {
	# An fd of the host's inherited at create is gone before the chdir.
	config '.process.cwd = "/proc/self/fd/7"'
	run --separate-stderr rt run -b "$BUNDLE" "$CID" 7<"$BATS_TEST_TMPDIR"
	[ "$status" -eq 1 ] || fail "status $status: $output $stderr"
	[[ $stderr == *"process.cwd"* ]] || fail "$stderr"
	config '.process.cwd = "../../.."'
	run --separate-stderr rt run -b "$BUNDLE" "$CID"
	assert_error process.cwd absolute
	run rt list -q
	[ -z "$output" ]
}

@test "runtime: mount targets resolve inside the rootfs, whatever symlinks say" {
	outside=$BATS_TEST_TMPDIR/outside
	mkdir -p "$outside"
	ln -s / "$BUNDLE/rootfs/escape"
	ln -s "$outside" "$BUNDLE/rootfs/hostpath"
	ln -s ../../../../../../.. "$BUNDLE/rootfs/up"
	name=skiff-escape-$CID
	config ".mounts += [
		{\"destination\": \"/escape/$name\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},
		{\"destination\": \"/hostpath/inside\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},
		{\"destination\": \"/up/$name-2\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}]
		| .root.readonly = false"
	run_sh "mount | grep -c 'tmpfs on /$name'; mount | grep -c 'on $outside/inside'"
	assert_success
	[ "${lines[0]}" = 2 ] || fail "$output"
	[ "${lines[1]}" = 1 ] || fail "$output"
	[ ! -e "/$name" ] && [ ! -e "/$name-2" ] || fail "a mount target was created on the host"
	[ ! -e "$outside/inside" ] || fail "the host path behind the symlink was used"
	[ -d "$BUNDLE/rootfs/$name" ]
	! grep -q "$name" /proc/self/mountinfo
}

@test "runtime: masking uses the host's /dev/null, not the rootfs' (CVE-2025-31133)" {
	# The rootfs brings its own /dev (bound, so the runtime does not make
	# one) whose "null" leads to a file a container must not write.
	mkdir -p "$BUNDLE/rootfs/dev"
	ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/dev/null"
	config ".mounts |= map(select(.destination | startswith(\"/dev\") | not))
		| .mounts += [{\"destination\": \"/dev\", \"type\": \"bind\",
		               \"source\": \"$BUNDLE/rootfs/dev\", \"options\": [\"rbind\"]}]
		| .linux.maskedPaths = [\"/proc/keys\", \"/proc/acpi\"]"
	run_sh 'wc -c </proc/keys; mount | grep " /proc/keys "'
	assert_success
	[ "${lines[0]}" = 0 ] || fail "$output"
	[[ ${lines[1]} != "proc on"* ]] || fail "/proc/keys masked with a procfs file: $output"
}

@test "runtime: namespaces joined by path; sysfs without a network namespace" {
	args sleep 1000
	rt_bg run -d -b "$BUNDLE" "$CID"
	pid=$(state_field "$CID" pid)
	other=$BATS_TEST_TMPDIR/other
	make_bundle "$other"
	config ".hostname = \"\" | .linux.namespaces |= map(
		if .type == \"network\" then .path = \"/proc/$pid/ns/net\"
		elif .type == \"uts\" then .path = \"/proc/$pid/ns/uts\" else . end)
		| .process.apparmorProfile = \"some-profile\"" "$other"
	config '.process.args = ["sh", "-c", "readlink /proc/self/ns/net; readlink /proc/self/ns/uts; hostname"]' "$other"
	run --separate-stderr rt run -b "$other" "$CID-2"
	assert_success
	[ "${lines[0]}" = "$(readlink "/proc/$pid/ns/net")" ]
	[ "${lines[1]}" = "$(readlink "/proc/$pid/ns/uts")" ]
	[ "${lines[2]}" = skiff ]
	# apparmor is skipped with a warning on a host without it.
	if [ ! -e /sys/kernel/security/apparmor ]; then
		[[ $stderr == *"warning: process.apparmorProfile"*"ignored"* ]] || fail "stderr: $stderr"
	fi
	# No network namespace of its own: /sys is the host's, bound read-only.
	config '.linux.namespaces |= map(select(.type != "network"))
		| .process.args = ["sh", "-c", "mount | grep \" on /sys \"; ls /sys/class/net | wc -l"]'
	run rt run -b "$BUNDLE" "$CID-3"
	assert_success
	[[ ${lines[0]} == "sysfs on /sys type sysfs (ro,"* ]] || fail "$output"
	[ "${lines[1]}" = "$(ls /sys/class/net | wc -l)" ]
}

@test "runtime run: forwards signals to the container process" {
	args sh -c 'trap "echo got TERM; exit 42" TERM; echo ready; while :; do sleep 0.1; done'
	"$SKIFF" runtime --root "$RT_ROOT" run -b "$BUNDLE" "$CID" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	runner=$!
	for i in $(seq 50); do
		grep -q ready "$BATS_TEST_TMPDIR/out" 2>/dev/null && break
		sleep 0.1
	done
	kill -TERM "$runner"
	rc=0
	wait "$runner" || rc=$?
	[ "$rc" -eq 42 ] || fail "exit $rc: $(cat "$BATS_TEST_TMPDIR/out")"
	grep -q "got TERM" "$BATS_TEST_TMPDIR/out"
	run rt list -q
	[ -z "$output" ]
}

# ------------------------------------------------------------ hooks

@test "runtime: hooks run at their moments with the state on stdin" {
	log=$BATS_TEST_TMPDIR/hooks
	mkdir -p "$log"
	hook() { # NAME -> a hook appending "NAME <state>" to $log/all
		printf '{"path": "/bin/sh", "args": ["sh", "-c", "printf \\"%s \\" >>%s/all; cat >>%s/all; echo >>%s/all"]}' \
			"$1" "$2" "$2" "$2"
	}
	config ".hooks = {
		\"prestart\": [$(hook prestart "$log")],
		\"createRuntime\": [$(hook createRuntime "$log")],
		\"createContainer\": [$(hook createContainer "$log")],
		\"startContainer\": [$(hook startContainer /hooklog)],
		\"poststart\": [$(hook poststart "$log")],
		\"poststop\": [$(hook poststop "$log")]}
		| .mounts += [{\"destination\": \"/hooklog\", \"type\": \"bind\", \"source\": \"$log\", \"options\": [\"bind\"]}]"
	args sleep 1000
	rt_bg create -b "$BUNDLE" "$CID"
	run awk '{print $1}' "$log/all"
	[ "$output" = $'prestart\ncreateRuntime\ncreateContainer' ] || fail "after create: $output"
	rt start "$CID"
	rt delete --force "$CID"
	run awk '{print $1}' "$log/all"
	[ "$output" = $'prestart\ncreateRuntime\ncreateContainer\nstartContainer\npoststart\npoststop' ] ||
		fail "hooks: $output"
	while read -r name state; do
		echo "$state" | jq -e --arg id "$CID" '.id == $id and .pid != null' >/dev/null ||
			fail "$name got $state"
	done <"$log/all"
	grep -q '^poststop .*"status":"stopped"' "$log/all"
	grep -q '^poststart .*"status":"running"' "$log/all"
	# The create operation is done when its hooks run (lifecycle steps 3-5).
	for name in prestart createRuntime createContainer startContainer; do
		grep -q "^$name .*\"status\":\"created\"" "$log/all" || fail "$name: $(cat "$log/all")"
	done
	# A failing createRuntime hook fails create and leaves nothing.
	config '.hooks = {"createRuntime": [{"path": "/bin/false"}]}'
	run --separate-stderr rt create -b "$BUNDLE" "$CID"
	assert_error createRuntime /bin/false
	run rt list -q
	[ -z "$output" ]
}

# ------------------------------------------------------------ runc compatibility

@test "runtime: runc's bundles run under skiff, skiff's under runc" {
	command -v runc >/dev/null || skip "runc is not installed"
	runc_bundle=$BATS_TEST_TMPDIR/runc-bundle
	mkdir -p "$runc_bundle"
	(cd "$runc_bundle" && runc spec)
	make_bundle "$runc_bundle"
	args_json='["sh", "-c", "hostname; echo $$; grep CapEff /proc/self/status"]'
	config ".process.args = $args_json" "$runc_bundle"
	run rt run -b "$runc_bundle" "$CID"
	assert_success
	[ "${lines[0]}" = runc ]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = "CapEff:	0000000020000420" ]

	config ".process.args = $args_json"
	run runc --root "$BATS_TEST_TMPDIR/runc" run -b "$BUNDLE" "$CID"
	assert_success
	[ "${lines[0]}" = skiff ]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = "CapEff:	0000000020000420" ]
}
