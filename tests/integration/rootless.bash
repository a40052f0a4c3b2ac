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
# /dev/fuse is 0600 on this VM (no udev); fuse-overlayfs as a user needs it
# 0666 as stock Debian has it: rootless_setup opens it and rootless_teardown
# puts the mode back.

ROOTLESS_USER=${ROOTLESS_USER:-skiffrl}
ROOTLESS_SUBUID=${ROOTLESS_SUBUID:-300000}
ROOTLESS_SUBGID=${ROOTLESS_SUBGID:-300000}

rootless_setup() {
	command -v runuser >/dev/null || skip "runuser is missing"
	if ! id -u "$ROOTLESS_USER" >/dev/null 2>&1; then
		useradd --create-home --shell /bin/sh "$ROOTLESS_USER" ||
			fail "cannot create the user $ROOTLESS_USER"
	fi
	# Debian's useradd gives new users a range of its own (100000 up): the
	# user's line is made exactly ours.
	local f start
	for f in /etc/subuid /etc/subgid; do
		start=$ROOTLESS_SUBUID
		[ "$f" = /etc/subgid ] && start=$ROOTLESS_SUBGID
		if ! grep -qx "$ROOTLESS_USER:$start:65536" "$f" 2>/dev/null ||
			[ "$(grep -c "^$ROOTLESS_USER:" "$f")" -ne 1 ]; then
			sed -i "/^$ROOTLESS_USER:/d" "$f" 2>/dev/null || true
			echo "$ROOTLESS_USER:$start:65536" >>"$f"
		fi
	done
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
	export ROOTLESS_UID ROOTLESS_GID RL_DIR
	rl test -x "$SKIFF" ||
		fail "$SKIFF cannot be run by $ROOTLESS_USER (a parent directory not searchable?)"
}

rootless_teardown() {
	[ -n "${RL_DIR:-}" ] || return 0
	# The user's containers and namespace helpers go first, then its mounts.
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

rl() {
	runuser -u "$ROOTLESS_USER" -- env -i PATH="$PATH" HOME="$RL_DIR/home" \
		XDG_CONFIG_HOME="$RL_DIR/home/.config" XDG_DATA_HOME="$RL_DIR/home/.local/share" \
		XDG_RUNTIME_DIR="$RL_DIR/run" CONTAINERS_REGISTRIES_CONF="$RL_DIR/registries.conf" \
		"$@"
}

rsk() {
	rl "$SKIFF" "$@"
}
