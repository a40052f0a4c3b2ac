#!/usr/bin/env bats
# The spec generator against real OCI runtimes: a config.json built by
# engine/spec.c from flags runs unchanged under runc and crun, and the process
# sees what the flags asked for (user and groups, cwd, env, hostname,
# capabilities, masked and read-only paths, seccomp, rlimits, cgroup limits).
#
# The bundle is written by the unit test binary in bundle mode
# (tests/unit/test_spec.c: SKIFF_SPEC_BUNDLE_DIR/_FLAGS), found at
# $SKIFF_BUILD/tests/test_spec; SKIFF_BUILD defaults to the directory of $SKIFF
# (set by ctest). The rootfs is busybox-static plus an /etc/passwd and
# /etc/group with root and tester (1000, group 1000, supplementary 1001).
# By hand:
#   SKIFF_BUILD=build bats tests/integration/spec_runc.bats
#
# Needs root, /bin/busybox (static) and runc and/or crun; tests skip otherwise.
# No registry is used.

load helpers

bats_require_minimum_version 1.5.0

# CAP_CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
# NET_BIND_SERVICE SYS_CHROOT SETFCAP: podman's default set as a CapEff mask.
DEFAULT_CAPS=00000000800405fb

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	[ -x /bin/busybox ] || return 0
	local root=$BATS_FILE_TMPDIR/rootfs a
	mkdir -p "$root/bin" "$root/etc" "$root/home/tester"
	cp /bin/busybox "$root/bin/busybox"
	for a in sh id cat ls grep pwd env hostname linux64 wc stat touch head tr sed mkdir; do
		ln -s busybox "$root/bin/$a"
	done
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
		'tester:x:1000:1000:tester:/home/tester:/bin/sh' >"$root/etc/passwd"
	printf '%s\n' 'root:x:0:' 'tester:x:1000:' 'extra:x:1001:tester' >"$root/etc/group"
	# Prints what the process sees as key=value lines.
	cat >"$root/probe.sh" <<-'EOF'
		echo "id=$(id)"
		echo "pwd=$(pwd)"
		echo "hostname=$(hostname)"
		echo "env_container=$container"
		echo "env_foo=$FOO"
		echo "env_home=$HOME"
		grep -E '^(CapEff|CapBnd|CapInh|CapAmb|Seccomp|NoNewPrivs):' /proc/self/status | tr -d ' \t' | sed 's/:/=/'
		echo "keys=$(stat -c %t,%T /proc/keys)"
		[ -e /proc/kcore ] && echo "kcore=$(stat -c %t,%T /proc/kcore)"
		if { echo 1 >/proc/sys/kernel/ns_last_pid; } 2>/dev/null; then echo procsys=rw; else echo procsys=ro; fi
		if linux64 -R true 2>/dev/null; then echo personality=allowed; else echo personality=denied; fi
		if touch /rootfs-write 2>/dev/null; then echo root=rw; else echo root=ro; fi
		if touch /tmp/x 2>/dev/null; then echo tmp=rw; else echo tmp=ro; fi
		if touch /sys/kernel/x 2>/dev/null || [ "$(sed -n 's/^sysfs \/sys sysfs \([a-z]*\).*/\1/p' /proc/mounts)" = rw ]; then echo sys=rw; else echo sys=ro; fi
		echo "nofile=$(ulimit -n):$(ulimit -Hn)"
		echo "resolv=$(grep -c . /etc/resolv.conf)"
		echo "hosts_self=$(grep -c "127.0.1.1" /etc/hosts)"
	EOF
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -x /bin/busybox ] || skip "needs busybox-static (/bin/busybox)"
	! ldd /bin/busybox >/dev/null 2>&1 || skip "/bin/busybox is not static"
	SKIFF_BUILD=${SKIFF_BUILD:-${SKIFF:+$(dirname "$SKIFF")}}
	[ -n "$SKIFF_BUILD" ] || skip "SKIFF_BUILD (or SKIFF) is not set"
	TEST_SPEC=$SKIFF_BUILD/tests/test_spec
	[ -x "$TEST_SPEC" ] || skip "no $TEST_SPEC (build the tests first)"
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$BUNDLE"
	ln -s "$BATS_FILE_TMPDIR/rootfs" "$BUNDLE/rootfs"
}

teardown() {
	skiff_teardown
}

need_runtime() {
	command -v "$1" >/dev/null || skip "$1 is not installed"
	if [ "$1" = crun ] && ! crun_cgroup_trick_ok; then
		skip "crun cannot run with this host's cgroup v2 controllers ($(cat /sys/fs/cgroup/unified/cgroup.controllers))"
	fi
}

# crun 1.8 refuses hybrid cgroups whose v2 hierarchy (/sys/fs/cgroup/unified)
# holds controllers. When that is only hugetlb, a private mount namespace with
# a v1 hugetlb hierarchy mounted over it is enough.
hybrid_controllers() {
	[ -r /sys/fs/cgroup/unified/cgroup.controllers ] && cat /sys/fs/cgroup/unified/cgroup.controllers
}

crun_cgroup_trick_ok() {
	local c
	c=$(hybrid_controllers) || return 0
	[ -z "$c" ] || [ "$c" = hugetlb ]
}

# make_bundle FLAGS_JSON: config.json for the probe script with these flags.
make_bundle() {
	local flags
	flags=$(jq -c '. + {command: ["/bin/sh", "/probe.sh"]}' <<<"$1")
	SKIFF_SPEC_BUNDLE_DIR=$BUNDLE SKIFF_SPEC_BUNDLE_FLAGS=$flags \
		SKIFF_SPEC_BUNDLE_IMAGE='{"config": {"Env": ["PATH=/bin", "FROM_IMAGE=1"], "Cmd": ["sh"]}}' \
		"$TEST_SPEC" || fail "test_spec could not write the bundle for $flags"
}

# in_container RUNTIME FLAGS_JSON: run the probe; its lines land in $output.
in_container() {
	local rt=$1 id="skiff-spec-$$-$BATS_TEST_NUMBER-$RANDOM"
	make_bundle "$2"
	case $rt in
	runc)
		run runc --root "$BATS_TEST_TMPDIR/runc" run -b "$BUNDLE" "$id"
		;;
	crun)
		if [ "$(hybrid_controllers 2>/dev/null)" = hugetlb ]; then
			run unshare -m sh -c 'mount -t cgroup -o hugetlb none /sys/fs/cgroup/unified &&
				exec crun --root "$1" run -b "$2" "$3"' sh "$BATS_TEST_TMPDIR/crun" "$BUNDLE" "$id"
		else
			run crun --root "$BATS_TEST_TMPDIR/crun" run -b "$BUNDLE" "$id"
		fi
		;;
	esac
	assert_success
}

# expect KEY VALUE: the probe printed KEY=VALUE.
expect() {
	local line
	line=$(grep -m1 "^$1=" <<<"$output") || fail "the probe printed no '$1'; output:" "$output"
	[ "${line#*=}" = "$2" ] || fail "$1: expected '$2', got '${line#*=}'; output:" "$output"
}

# ------------------------------------------------------------ the checks, per runtime

check_defaults() {
	need_runtime "$1"
	in_container "$1" '{"hostname": "box", "env": ["FOO=bar"]}'
	expect id "uid=0(root) gid=0(root)"
	expect pwd /
	expect hostname box
	expect env_container skiff
	expect env_foo bar
	expect env_home /root
	expect CapEff $DEFAULT_CAPS
	expect CapBnd $DEFAULT_CAPS
	expect CapInh 0000000000000000
	expect CapAmb 0000000000000000
	expect NoNewPrivs 0
	expect keys 1,3 # masked: /dev/null bound over it
	[ ! -e /proc/kcore ] || expect kcore 1,3
	expect procsys ro
	expect Seccomp 2
	# personality(ADDR_NO_RANDOMIZE) is not among the allowed personas
	expect personality denied
	expect root rw
	expect sys ro
	local hard want
	hard=$(ulimit -Hn)
	want=$((hard < 1048576 ? hard : 1048576))
	expect nofile "$want:$want"
	expect hosts_self 1
}

check_user() {
	need_runtime "$1"
	in_container "$1" '{"user": "tester", "workdir": "/home/tester", "security-opt": ["no-new-privileges"]}'
	expect id "uid=1000(tester) gid=1000(tester) groups=1001(extra)"
	expect pwd /home/tester
	expect env_home /home/tester
	expect CapEff 0000000000000000
	expect CapBnd $DEFAULT_CAPS
	expect NoNewPrivs 1
	expect hostname "${BUNDLE_ID_PREFIX:-0123456789ab}"
}

check_unconfined_and_caps() {
	need_runtime "$1"
	in_container "$1" '{"security-opt": ["seccomp=unconfined", "unmask=ALL"], "cap-drop": ["ALL"], "cap-add": ["chown", "CAP_KILL"]}'
	expect Seccomp 0
	expect personality allowed
	expect CapEff 0000000000000021
	expect procsys ro # /proc/sys is read-only without CAP_SYS_ADMIN anyway
	expect keys "$(stat -c %t,%T /proc/keys)"
}

check_privileged() {
	need_runtime "$1"
	in_container "$1" '{"privileged": true}'
	expect Seccomp 0
	expect CapEff "$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)"
	expect keys "$(stat -c %t,%T /proc/keys)"
	expect sys rw
	expect procsys rw
}

check_read_only() {
	need_runtime "$1"
	in_container "$1" '{"read-only": true}'
	expect root ro
	expect tmp rw
}

check_resources() {
	need_runtime "$1"
	[ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ] || skip "needs the cgroup v1 memory controller"
	local flags='{"memory": "64m", "pids-limit": "50", "cpus": "0.5", "ulimit": ["nofile=100:200"]}'
	cat >"$BATS_FILE_TMPDIR/rootfs/res.sh" <<-'EOF'
		echo "mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
		echo "pids=$(cat /sys/fs/cgroup/pids/pids.max)"
		echo "quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)"
		echo "nofile=$(ulimit -n):$(ulimit -Hn)"
	EOF
	local id="skiff-spec-$$-$BATS_TEST_NUMBER"
	SKIFF_SPEC_BUNDLE_DIR=$BUNDLE SKIFF_SPEC_BUNDLE_FLAGS=$(jq -c '. + {command: ["/bin/sh", "/res.sh"]}' <<<"$flags") \
		"$TEST_SPEC" || fail "test_spec could not write the bundle"
	if [ "$1" = runc ]; then
		run runc --root "$BATS_TEST_TMPDIR/runc" run -b "$BUNDLE" "$id"
	elif [ "$(hybrid_controllers 2>/dev/null)" = hugetlb ]; then
		run unshare -m sh -c 'mount -t cgroup -o hugetlb none /sys/fs/cgroup/unified &&
			exec crun --root "$1" run -b "$2" "$3"' sh "$BATS_TEST_TMPDIR/crun" "$BUNDLE" "$id"
	else
		run crun --root "$BATS_TEST_TMPDIR/crun" run -b "$BUNDLE" "$id"
	fi
	assert_success
	expect mem 67108864
	expect pids 50
	expect quota 50000
	expect nofile 100:200
}

# Flags the runtime would refuse never get that far.
@test "spec: bad flags fail before any runtime runs" {
	run env SKIFF_SPEC_BUNDLE_DIR="$BUNDLE" SKIFF_SPEC_BUNDLE_FLAGS='{"memory": "abc"}' "$TEST_SPEC"
	assert_failure
	assert_output_contains 'invalid argument "abc" for "--memory"'
	run env SKIFF_SPEC_BUNDLE_DIR="$BUNDLE" SKIFF_SPEC_BUNDLE_FLAGS='{"user": "nobody-here"}' "$TEST_SPEC"
	assert_failure
	assert_output_contains "unable to find user nobody-here"
	[ ! -e "$BUNDLE/config.json" ] || fail "a config.json was written"
}

@test "runc: defaults: root, env, hostname, default capabilities, masks, seccomp, rlimits" {
	check_defaults runc
}

@test "runc: -u tester: uid, gid, supplementary groups, workdir, no capabilities" {
	check_user runc
}

@test "runc: seccomp=unconfined, cap-drop ALL + cap-add" {
	check_unconfined_and_caps runc
}

@test "runc: --privileged" {
	check_privileged runc
}

@test "runc: --read-only" {
	check_read_only runc
}

@test "runc: memory, pids, cpus, ulimit" {
	check_resources runc
}

@test "crun: defaults: root, env, hostname, default capabilities, masks, seccomp, rlimits" {
	check_defaults crun
}

@test "crun: -u tester: uid, gid, supplementary groups, workdir, no capabilities" {
	check_user crun
}

@test "crun: seccomp=unconfined, cap-drop ALL + cap-add" {
	check_unconfined_and_caps crun
}

@test "crun: --privileged" {
	check_privileged crun
}

@test "crun: --read-only" {
	check_read_only crun
}

@test "crun: memory, pids, cpus, ulimit" {
	check_resources crun
}
