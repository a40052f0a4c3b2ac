#!/usr/bin/env bash
# The demo: on a fresh Debian 12 machine, as root, from a clean clone,
#   bash tests/demo.sh
# installs the dependencies, builds and installs skiff (/usr/local/bin), starts
# a local registry on loopback holding test images built offline from
# busybox-static, and shows skiff's main job against it: pull, create with a
# volume, mount and touch a file, init (config.json), start (it exits: its
# condition is not met), start again (up), exec, logs, kill, rm. Everything it starts
# is stopped at the end; the image it pulls is removed again.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC=$PWD

# The registries detach from us; make this script the one that reaps them
# when they stop, as tests/run.sh does (some minimal inits never reap).
# shellcheck source=tests/subreaper.sh
. "$SRC/tests/subreaper.sh"
become_subreaper SKIFF_RUN_SUBREAPER "$SRC/tests/demo.sh" "$@"
BUILD=$SRC/build
STATE=$(mktemp -d /tmp/skiff-demo.XXXXXX)

# shellcheck source=tests/deps.sh
. "$SRC/tests/deps.sh"
install_packages

cmake -S "$SRC" -B "$BUILD" >/dev/null
cmake --build "$BUILD" -j2 >/dev/null
cmake --install "$BUILD" >/dev/null
echo "installed $(command -v skiff): $(skiff --version)"

CERTS_D=
cleanup() {
	[ -z "$CERTS_D" ] || rm -rf "$CERTS_D"
	"$SRC/tests/fixtures/registry.sh" down "$STATE" >/dev/null 2>&1 || true
	rm -rf "$STATE"
}
trap cleanup EXIT
"$SRC/tests/fixtures/registry.sh" up "$STATE" >/dev/null
# shellcheck disable=SC1091
. "$STATE/env"

# The HTTPS registry uses a CA the fixtures generated; podman users keep such
# a CA in /etc/containers/certs.d/HOST:PORT/ca.crt, and so does skiff.
CERTS_D=/etc/containers/certs.d/$REG_HTTPS
mkdir -p "$CERTS_D"
cp "$REG_CA" "$CERTS_D/ca.crt"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
IMAGE=$REG_HTTPS/busybox:latest
VOLUME=$STATE/mnt
mkdir -p "$VOLUME"
echo "hello from the host" >"$VOLUME/hello"
step skiff pull "$IMAGE"
step skiff images
step skiff image inspect --format '{{.Id}} {{.Architecture}}/{{.Os}} layers: {{json .RootFS.Layers}}' "$IMAGE"
# The seeds' flow (seeds 000 and 002): storage first, then the runtime spec,
# then the container. It only keeps running once the host created /mnt/on.
step skiff create -t --name on-off -v "$VOLUME:/mnt:Z" "$IMAGE" \
	sh -c 'test -f /mnt/on || { echo "no /mnt/on: exiting"; exit 1; }; echo on; exec sleep 1000'
step skiff ps -a
MERGED=$(skiff mount on-off)
step skiff mount on-off
step touch "$MERGED/test"
step ls "$MERGED"
CONFIG=$(skiff inspect --format '{{.OCIConfigPath}}' on-off)
step ls "$(dirname "$CONFIG")"
step skiff init on-off
step jq -c '{args: .process.args, root: .root.path, hostname, caps: (.process.capabilities.bounding | length)}' "$CONFIG"
step skiff start on-off
step skiff wait on-off
step skiff ps -a
step touch "$VOLUME/on"
step skiff start on-off
step skiff ps -a
# A shell in the running container sees the file touched in its rootfs.
step skiff exec on-off sh -c 'ls -l /test /mnt; cat /proc/1/cmdline | tr "\\0" " "; echo'
step skiff logs on-off
step skiff kill on-off
step skiff wait on-off
step skiff ps -a
step skiff umount on-off
step skiff rm on-off
step skiff rmi "$IMAGE"
