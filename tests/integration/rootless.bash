# shellcheck shell=bash
# Rootless tests: an ordinary user with subordinate ID ranges runs skiff
# through runuser. A .bats file does `load helpers` then `load rootless` and
# calls rootless_setup in its setup() (after skiff_setup) and
# rootless_teardown in its teardown() (before skiff_teardown).
#
#   ROOTLESS_USER      the user (created once, kept: useradd is slow)
#   ROOTLESS_UID/GID   its IDs
#   ROOTLESS_SUBUID    the first subordinate uid (ROOTLESS_SUBGID: gid), 65536 each
#   RL_DIR             this test's directory, owned by the user (HOME, XDG dirs)
#   rl CMD...          run CMD as the user, with its own HOME and XDG dirs
#   rsk ARGS...        skiff as the user (its default, per-user store)
#
# A second user, for tests of what one user may do to another's containers:
# rootless2_setup [--no-subids] (after rootless_setup; rootless_teardown
# cleans it up too), then rl2 / rsk2 as rl / rsk.
#
#   ROOTLESS_USER2     the second user (created once, kept)
#   ROOTLESS_UID2/GID2 its IDs
#   ROOTLESS_SUBUID2   its first subordinate uid (ROOTLESS_SUBGID2: gid), 65536
#                      each; --no-subids leaves it none in /etc/subuid, subgid
#   RL2_DIR            its directory under $RL_DIR (HOME, XDG dirs)
#
# /dev/fuse is 0600 on this VM (no udev); fuse-overlayfs as a user needs it
# 0666 as stock Debian has it: rootless_setup opens it and rootless_teardown
# puts the mode back.

bats_require_minimum_version 1.5.0

ROOTLESS_USER=${ROOTLESS_USER:-skiffrl}
ROOTLESS_SUBUID=${ROOTLESS_SUBUID:-300000}
ROOTLESS_SUBGID=${ROOTLESS_SUBGID:-340000}
ROOTLESS_USER2=${ROOTLESS_USER2:-skiffrl2}
ROOTLESS_SUBUID2=${ROOTLESS_SUBUID2:-400000}
ROOTLESS_SUBGID2=${ROOTLESS_SUBGID2:-400000}

# The sanitizer build's options (tests/run.sh) reach the user's skiff too.
RL_SANITIZER_ENV=()
for _v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
	[ -z "${!_v:-}" ] || RL_SANITIZER_ENV+=("$_v=${!_v}")
done
unset _v

# rootless_user USER SUBUID SUBGID: USER exists, with exactly these ranges in
# /etc/subuid and /etc/subgid (none when SUBUID is empty).
rootless_user() {
	local user=$1 f start
	if ! id -u "$user" >/dev/null 2>&1; then
		useradd --create-home --shell /bin/sh "$user" || fail "cannot create the user $user"
	fi
	# Debian's useradd gives new users a range of its own (100000 up): the
	# user's line is made exactly ours.
	for f in /etc/subuid /etc/subgid; do
		start=$2
		[ "$f" = /etc/subgid ] && start=$3
		if [ -z "$start" ]; then
			sed -i "/^$user:/d" "$f" 2>/dev/null || true
		elif ! grep -qx "$user:$start:65536" "$f" 2>/dev/null ||
			[ "$(grep -c "^$user:" "$f")" -ne 1 ]; then
			sed -i "/^$user:/d" "$f" 2>/dev/null || true
			echo "$user:$start:65536" >>"$f"
		fi
	done
}

rootless_setup() {
	command -v runuser >/dev/null || skip "runuser is missing"
	rootless_user "$ROOTLESS_USER" "$ROOTLESS_SUBUID" "$ROOTLESS_SUBGID"
	ROOTLESS_UID=$(id -u "$ROOTLESS_USER")
	ROOTLESS_GID=$(id -g "$ROOTLESS_USER")
	# bats' own temp dirs are 0700 root: the user's world lives beside them.
	RL_DIR=$(mktemp -d /tmp/skiff-rootless.XXXXXX)
	chmod 0755 "$RL_DIR"
	mkdir -p "$RL_DIR/home/.config" "$RL_DIR/home/.local/share" "$RL_DIR/run"
	chown -R "$ROOTLESS_UID:$ROOTLESS_GID" "$RL_DIR/home" "$RL_DIR/run"
	chmod 0700 "$RL_DIR/run"
	if [ -n "${CONTAINERS_REGISTRIES_CONF:-}" ] && [ -r "$CONTAINERS_REGISTRIES_CONF" ]; then
		cp "$CONTAINERS_REGISTRIES_CONF" "$RL_DIR/registries.conf"
		chmod 0644 "$RL_DIR/registries.conf"
	fi
	if [ -c /dev/fuse ]; then
		RL_FUSE_MODE=$(stat -c %a /dev/fuse)
		chmod 0666 /dev/fuse
	fi
	STORE=$RL_DIR/home/.local/share/skiff
	PAUSE_PIDFILE=$RL_DIR/run/skiff/pause.pid
	export ROOTLESS_UID ROOTLESS_GID RL_DIR
	rl test -x "$SKIFF" ||
		fail "$SKIFF cannot be run by $ROOTLESS_USER (a parent directory not searchable?)"
}

rootless2_setup() {
	[ -n "${RL_DIR:-}" ] || fail "rootless2_setup before rootless_setup"
	if [ "${1:-}" = --no-subids ]; then
		rootless_user "$ROOTLESS_USER2" "" ""
		RL2_NO_SUBIDS=1
	else
		rootless_user "$ROOTLESS_USER2" "$ROOTLESS_SUBUID2" "$ROOTLESS_SUBGID2"
	fi
	ROOTLESS_UID2=$(id -u "$ROOTLESS_USER2")
	ROOTLESS_GID2=$(id -g "$ROOTLESS_USER2")
	RL2_DIR=$RL_DIR/user2
	mkdir -p "$RL2_DIR/home/.config" "$RL2_DIR/home/.local/share" "$RL2_DIR/run"
	chown -R "$ROOTLESS_UID2:$ROOTLESS_GID2" "$RL2_DIR"
	chmod 0700 "$RL2_DIR/run"
	export ROOTLESS_UID2 ROOTLESS_GID2 RL2_DIR
}

rootless_teardown() {
	[ -n "${RL_DIR:-}" ] || return 0
	# The users' containers and namespace helpers go first, then their mounts.
	if [ -n "${RL2_DIR:-}" ]; then
		rsk2 rm -a -f -t 0 >/dev/null 2>&1 || true
		pkill -KILL -u "$ROOTLESS_USER2" 2>/dev/null || true
		# a range a test granted by hand goes again
		[ -z "${RL2_NO_SUBIDS:-}" ] || sed -i "/^$ROOTLESS_USER2:/d" /etc/subuid /etc/subgid
	fi
	rsk rm -a -f -t 0 >/dev/null 2>&1 || true
	pkill -KILL -u "$ROOTLESS_USER" 2>/dev/null || true
	local mp
	awk -v dir="$RL_DIR/" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r mp; do
		umount -l "$mp" 2>/dev/null || true
	done
	[ -z "${RL_FUSE_MODE:-}" ] || chmod "$RL_FUSE_MODE" /dev/fuse
	rm -rf "$RL_DIR"
}

# Run as user $1 with the XDG dirs under $2.
rl_as() {
	local user=$1 dir=$2
	shift 2
	runuser -u "$user" -- env -i PATH="$PATH" HOME="$dir/home" \
		XDG_CONFIG_HOME="$dir/home/.config" XDG_DATA_HOME="$dir/home/.local/share" \
		XDG_RUNTIME_DIR="$dir/run" CONTAINERS_REGISTRIES_CONF="$RL_DIR/registries.conf" \
		"${RL_SANITIZER_ENV[@]}" "$@"
}

rl() {
	rl_as "$ROOTLESS_USER" "$RL_DIR" "$@"
}

rsk() {
	rl "$SKIFF" "$@"
}

rl2() {
	rl_as "$ROOTLESS_USER2" "$RL2_DIR" "$@"
}

rsk2() {
	rl2 "$SKIFF" "$@"
}

# The user's store and pause process pid file (set by rootless_setup).
pause_pid() {
	cut -d' ' -f1 "$PAUSE_PIDFILE"
}

# setup and teardown for a file of rootless tests; a file defining its own
# (after `load rootless`) replaces them.
setup() {
	skiff_setup
	rootless_setup
}

teardown() {
	rootless_teardown
	skiff_teardown
}
