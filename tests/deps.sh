# shellcheck shell=bash
# The Debian packages skiff needs, and one function that installs the missing
# ones (quickly a no-op when all are present). Sourced by tests/run.sh and
# tests/demo.sh.

BUILD_PACKAGES="cmake gcc make pkg-config libcurl4-openssl-dev libjansson-dev libarchive-dev
	libseccomp-dev libssl-dev libcmocka-dev libzstd-dev"
TEST_PACKAGES="docker-registry busybox-static bats zstd apache2-utils openssl curl jq python3 valgrind
	runc crun fuse-overlayfs fuse3 strace
	attr uidmap"

install_packages() {
	local missing=() p
	for p in $BUILD_PACKAGES $TEST_PACKAGES; do
		if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
			missing+=("$p")
		fi
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages (${missing[*]}); run as root to install them" >&2
		exit 1
	fi
	echo "installing ${missing[*]}"
	# docker-registry's package would start its own service on :5000; the
	# tests start their own registries, so keep package services from starting
	# during this install (the standard policy-rc.d mechanism).
	local policy=/usr/sbin/policy-rc.d added_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		added_policy=1
	fi
	local rc=0
	{
		DEBIAN_FRONTEND=noninteractive apt-get update &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
	} || rc=$?
	[ -z "$added_policy" ] || rm -f "$policy"
	[ "$rc" -eq 0 ] || { echo "package installation failed" >&2; exit "$rc"; }
}
