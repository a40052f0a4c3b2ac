# shellcheck shell=bash
# Shared by the benchmark scripts (sourced): logging, usage, removing scratch
# trees without crossing mounts, and putting back the host state podman and
# skopeo create as root outside their --root.

BENCH_NAME=$(basename "$0")

log() { printf '[%s %s] %s\n' "$BENCH_NAME" "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The script's header comment, from line 2 up to `set -E`.
usage() { sed -n '2,/^set -E/{/^set -E/d;s/^# \{0,1\}//;p}' "$0"; }

# Unmount everything mounted at or below $1, deepest first.
umount_under() {
    local base mp
    base=$(realpath -m "$1")
    [[ -e /proc/self/mountinfo ]] || return 0
    while read -r mp; do
        [[ -n $mp ]] || continue
        umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null ||
            log "warning: could not unmount $mp"
    done < <(awk -v b="$base" '{ mp = $5; gsub(/\\040/, " ", mp);
                 if (mp == b || index(mp, b "/") == 1) print length(mp) "\t" mp }' \
                 /proc/self/mountinfo | sort -rn | cut -f2- | uniq)
}

# Remove a directory tree we own, never crossing into a mount.
remove_tree() {
    [[ -e $1 ]] || return 0
    umount_under "$1"
    rm -rf --one-file-system -- "$1"
}

# Global state podman/skopeo running as root create outside our dirs (the
# blob-info cache, written by a pull; conmon's cgroups, made by a run):
# removed on exit if it was not there before; the dirs are only rmdir'ed, so
# nothing anyone else put there is touched.
GLOBAL_FILES=(/var/lib/containers/cache/blob-info-cache-v1.boltdb
              /var/lib/containers/cache/blob-info-cache-v1.sqlite)
GLOBAL_DIRS=(/var/lib/containers/cache /var/lib/containers)
PRE_EXISTING=()

# The cgroups podman's cgroupfs manager makes for conmon when it starts a
# container (libpod_parent/conmon in every hierarchy mounted now), innermost
# first. Only rmdir'ed: a cgroup still in use stays.
podman_cgroup_dirs() {
    local h
    for h in /sys/fs/cgroup/*/; do
        [[ -e ${h}cgroup.procs ]] || continue
        echo "${h}libpod_parent/conmon"
    done
    for h in /sys/fs/cgroup/*/; do
        [[ -e ${h}cgroup.procs ]] || continue
        echo "${h}libpod_parent"
    done
}

note_host_state() {
    local p
    mapfile -t -O "${#GLOBAL_DIRS[@]}" GLOBAL_DIRS < <(podman_cgroup_dirs)
    for p in "${GLOBAL_FILES[@]}" "${GLOBAL_DIRS[@]}"; do
        [[ -e $p ]] && PRE_EXISTING+=("$p")
    done
    return 0
}

restore_host_state() {
    local p
    for p in "${GLOBAL_FILES[@]}" "${GLOBAL_DIRS[@]}"; do
        [[ -e $p ]] || continue
        printf '%s\n' "${PRE_EXISTING[@]}" | grep -qxF -- "$p" && continue
        if [[ -d $p ]]; then rmdir -- "$p" 2>/dev/null; else rm -f -- "$p"; fi
    done
}
