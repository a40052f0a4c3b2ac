#!/usr/bin/env bash
# bench/pull.sh - cold-pull benchmark: skiff vs podman (vs skopeo as a
# download-only reference) against a local registry serving a realistic
# 5-layer Debian bookworm image.  See bench/README.md.
#
# Usage: bench/pull.sh [--rebuild] [--build-only] [--clean] [--help]
#   --build-only   build the image if it is not cached (or with --rebuild) and
#                  exit (bench/rootless.sh uses it)
#
# Environment:
#   BENCH_DIR     work dir (cache, image, scratch)  [/var/tmp/skiff-bench]
#   ROUNDS        rounds per storage                 [3]
#   SKIFF         skiff binary                       [/usr/local/bin/skiff]
#   STORAGES      storages to test                   ["disk tmpfs"]
#   TOOLS         tools to test                      ["skiff podman skopeo"]
#   TMPFS_SIZE    size of the tmpfs store            [4G]
#   RANDOM_MB     incompressible data in layer 5     [64]
#   PULL_TIMEOUT  seconds before a pull is killed    [900]
#   DROP_CACHES   1 = drop the page cache before every pull  [1]
#                 (ext4 skips inodes deleted in the last ~30 s while their
#                 inode-table blocks are cached: after deleting the previous
#                 round's store, the next pull's file creates cost several
#                 times more kernel time. Dropping caches removes that bias.)
#   MIRROR        Debian mirror (default: read from /etc/apt/sources.list*)
set -Eeuo pipefail
umask 022

BENCH_DIR=${BENCH_DIR:-/var/tmp/skiff-bench}
ROUNDS=${ROUNDS:-3}
SKIFF=${SKIFF:-/usr/local/bin/skiff}
STORAGES=${STORAGES:-"disk tmpfs"}
TOOLS=${TOOLS:-"skiff podman skopeo"}
TMPFS_SIZE=${TMPFS_SIZE:-4G}
RANDOM_MB=${RANDOM_MB:-64}
PULL_TIMEOUT=${PULL_TIMEOUT:-900}
DROP_CACHES=${DROP_CACHES:-1}
SUITE=bookworm

CACHE=$BENCH_DIR/cache          # debootstrap rootfs + downloaded .debs (kept)
IMAGE=$BENCH_DIR/image          # OCI layout + stats (kept)
OCI=$IMAGE/oci
RUN=$BENCH_DIR/run              # everything per-run (removed on exit)
REPO=bench/debian
TAG=latest

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --------------------------------------------------------------------------
# cleanup
# --------------------------------------------------------------------------
REGISTRY_PID=
CHILD_PID=

# Before bench_cleanup (lib.sh) removes $RUN and puts the host state back.
cleanup_first() {
    if [[ -n $CHILD_PID ]]; then          # a pull still running (interrupted)
        kill -TERM "$CHILD_PID" 2>/dev/null; wait "$CHILD_PID" 2>/dev/null
    fi
    if [[ -n $REGISTRY_PID ]]; then
        kill -TERM "$REGISTRY_PID" 2>/dev/null; wait "$REGISTRY_PID" 2>/dev/null
    fi
    umount_under "$CACHE"                 # debootstrap may leave proc/sys
}

# --------------------------------------------------------------------------
# argument handling
# --------------------------------------------------------------------------
REBUILD=0
BUILD_ONLY=0
for arg in "$@"; do
    case $arg in
        --clean)
            [[ $EUID -eq 0 ]] || die "must run as root"
            umount_under "$BENCH_DIR"
            log "removing $BENCH_DIR (debootstrap cache, .debs, OCI image)"
            rm -rf --one-file-system -- "$BENCH_DIR"
            exit 0 ;;
        --rebuild) REBUILD=1 ;;
        --build-only) BUILD_ONLY=1 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

[[ $EUID -eq 0 ]] || die "must run as root (debootstrap, podman --root, tmpfs)"
positive_ints ROUNDS

set_traps

# --------------------------------------------------------------------------
# dependencies
# --------------------------------------------------------------------------
install_missing debootstrap skopeo podman /usr/bin/docker-registry=docker-registry \
    /usr/bin/time=time python3 curl dpkg-deb=dpkg

# --------------------------------------------------------------------------
# image build
# --------------------------------------------------------------------------

# The Debian mirror configured for apt (deb822 .sources or one-line format).
detect_mirror() {
    if [[ -n ${MIRROR:-} ]]; then echo "$MIRROR"; return; fi
    "$PY" - "$SUITE" <<'EOF'
import glob, re, sys
suite = sys.argv[1]
def deb822(path):
    try: text = open(path).read()
    except OSError: return
    for stanza in re.split(r'\n\s*\n', text):
        f, key = {}, None
        for line in stanza.splitlines():
            if line.startswith('#') or not line.strip(): continue
            if line[0].isspace() and key: f[key] += ' ' + line.strip(); continue
            if ':' in line:
                key, v = line.split(':', 1); key = key.strip().lower(); f[key] = v.strip()
        if f.get('enabled', 'yes').lower() == 'no': continue
        if 'deb' in f.get('types', '').split() and suite in f.get('suites', '').split():
            return f.get('uris', '').split()[0]
def oneline(path):
    try: lines = open(path).read().splitlines()
    except OSError: return
    for line in lines:
        line = re.sub(r'\[[^\]]*\]', ' ', line.split('#', 1)[0]).split()
        if len(line) >= 3 and line[0] == 'deb' and line[2] == suite: return line[1]
for p in ['/etc/apt/sources.list'] + sorted(glob.glob('/etc/apt/sources.list.d/*.list')):
    m = oneline(p)
    if m: print(m); sys.exit(0)
for p in sorted(glob.glob('/etc/apt/sources.list.d/*.sources')):
    m = deb822(p)
    if m: print(m); sys.exit(0)
sys.exit(1)
EOF
}

TRIPLET_ARCH=$(uname -m | tr _ -)           # x86-64 / aarch64
# Layer 2: a C/C++ toolchain (big binaries + thousands of headers).
PKGS_TOOLCHAIN=(make binutils binutils-common "binutils-${TRIPLET_ARCH}-linux-gnu"
    libbinutils libctf0 libctf-nobfd0 libgprofng0 libjansson4
    gcc-12 cpp-12 g++-12 gcc g++ cpp libgcc-12-dev libstdc++-12-dev
    libc6-dev libc-dev-bin linux-libc-dev libcrypt-dev libnsl-dev libtirpc-dev
    libisl23 libmpc3 libmpfr6 libasan8 liblsan0 libtsan2 libubsan1 libitm1
    libquadmath0 libatomic1 libgomp1 libcc1-0)
# Layer 3: language runtimes (python3 + perl: many small files).
PKGS_RUNTIMES=(python3 python3-minimal python3.11 python3.11-minimal
    libpython3.11-minimal libpython3.11-stdlib libpython3-stdlib media-types
    libexpat1 libreadline8 readline-common libsqlite3-0 libncursesw6
    perl perl-modules-5.36 libperl5.36 libgdbm6 libgdbm-compat4
    libssl3 openssl ca-certificates)
# Layer 4: applications (git, vim, curl, locales, ICU, tzdata).
PKGS_APPS=(git git-man liberror-perl libcurl3-gnutls curl libcurl4
    libnghttp2-14 librtmp1 libssh2-1 libpsl5 libbrotli1 libldap-2.5-0
    libsasl2-2 libsasl2-modules-db libkrb5-3 libk5crypto3 libkrb5support0
    libgssapi-krb5-2 libkeyutils1 vim vim-common vim-runtime libgpm2 libsodium23
    locales libicu72 libxml2 tzdata less xz-utils)

download_debs() {
    local dir=$CACHE/debs p missing=()
    mkdir -p "$dir"
    for p in "$@"; do
        compgen -G "$dir/${p}_*.deb" >/dev/null || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    log "downloading ${#missing[@]} .debs"
    (cd "$dir" && apt-get -q -o APT::Sandbox::User=root download "${missing[@]}" >&2) || {
        log "apt-get download failed; running apt-get update and retrying"
        apt-get -q update >&2
        (cd "$dir" && apt-get -q -o APT::Sandbox::User=root download "${missing[@]}" >&2) ||
            die "apt-get download ${missing[*]} failed"
    }
}

# Unpack .debs into a fresh layer dir, folding /bin,/lib,... into /usr the
# way a merged-/usr bookworm system has them (the lower layer has symlinks).
unpack_debs_layer() {
    local dest=$1 p d; shift
    remove_tree "$dest"; mkdir -p "$dest"
    for p in "$@"; do
        for d in "$CACHE/debs/${p}"_*.deb; do dpkg-deb -x "$d" "$dest"; done
    done
    for d in bin sbin lib lib32 lib64 libx32; do
        if [[ -d $dest/$d && ! -L $dest/$d ]]; then
            mkdir -p "$dest/usr/$d"
            cp -a "$dest/$d/." "$dest/usr/$d/"
            rm -rf "${dest:?}/$d"
        fi
    done
}

# Layer 5: "application data": deterministic incompressible files, plus a
# whiteout and an opaque dir (what `RUN rm -rf ...` produces).
make_data_layer() {
    local dest=$1
    remove_tree "$dest"; mkdir -p "$dest"
    "$PY" - "$dest" "$RANDOM_MB" <<'EOF'
import os, random, sys
dest, total = sys.argv[1], int(sys.argv[2]) << 20
rng = random.Random(20240601)
base = os.path.join(dest, 'srv/app')
written, i = 0, 0
small_budget = total // 4            # ~1/4 in many small files
while written < total:
    if written < small_budget:
        size = rng.randint(512, 48 << 10)
        d = os.path.join(base, 'assets', '%02x' % (i % 64))
    else:
        size = min(rng.randint(1 << 20, 12 << 20), total - written)
        d = os.path.join(base, 'blobs')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'f%05d.bin' % i), 'wb') as f:
        f.write(rng.randbytes(size))
    written += size; i += 1
os.makedirs(os.path.join(dest, 'var/log'), exist_ok=True)
open(os.path.join(dest, 'var/log/.wh.dpkg.log'), 'w').close()
os.makedirs(os.path.join(dest, 'var/lib/apt/lists'), exist_ok=True)
open(os.path.join(dest, 'var/lib/apt/lists/.wh..wh..opq'), 'w').close()
for root, dirs, files in os.walk(dest):
    for n in dirs + files:
        os.utime(os.path.join(root, n), (1717200000, 1717200000))
EOF
}

# tar a layer dir (entries without "./", sorted, numeric ids, xattrs, no
# atime/ctime), gzip -n it into the OCI blob store, and record
# "diff_id digest size created_by" in $IMAGE/layers.txt.
pack_layer() {
    local dir=$1 created_by=$2 tmp diff_id digest size
    local -a top
    mapfile -t top < <(cd "$dir" && ls -A)
    tmp=$OCI/layer.tmp
    tar --create --file="$tmp" --directory="$dir" --format=posix \
        --pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' \
        --numeric-owner --xattrs --xattrs-include='*' --sort=name -- "${top[@]}"
    "$PY" "$IMAGE/tarstats.py" "$tmp" >>"$IMAGE/tarstats.txt"
    diff_id=$(sha256sum "$tmp" | cut -d' ' -f1)
    gzip -n -6 -c "$tmp" >"$tmp.gz"
    digest=$(sha256sum "$tmp.gz" | cut -d' ' -f1)
    size=$(stat -c %s "$tmp.gz")
    mv "$tmp.gz" "$OCI/blobs/sha256/$digest"
    rm -f "$tmp"
    printf '%s %s %s %s\n' "$diff_id" "$digest" "$size" "$created_by" >>"$IMAGE/layers.txt"
    log "  layer $(wc -l <"$IMAGE/layers.txt"): $((size >> 20)) MB gz  ($created_by)"
}

write_tarstats_helper() {
    cat >"$IMAGE/tarstats.py" <<'EOF'
import sys, tarfile
n = files = size = 0
with tarfile.open(sys.argv[1]) as t:
    for m in t:
        n += 1
        if m.isreg(): files += 1; size += m.size
print(n, files, size)
EOF
}

# config + manifest + index.json + oci-layout, and stats.json.
write_oci_metadata() {
    local build_secs=$1 debootstrap_secs=$2
    "$PY" - "$OCI" "$IMAGE" "$(dpkg --print-architecture)" "$build_secs" "$debootstrap_secs" <<'EOF'
import hashlib, json, os, sys, time
oci, image, debarch, build_secs, db_secs = sys.argv[1:6]
goarch = {'amd64': 'amd64', 'arm64': 'arm64', 'i386': '386', 'armhf': 'arm',
          'ppc64el': 'ppc64le', 's390x': 's390x', 'riscv64': 'riscv64'}.get(debarch, debarch)
layers = [l.rstrip('\n').split(' ', 3) for l in open(os.path.join(image, 'layers.txt'))]
created = '2024-06-01T00:00:00Z'
def put(obj):
    data = json.dumps(obj, separators=(',', ':'), sort_keys=True).encode()
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(oci, 'blobs/sha256', d), 'wb') as f: f.write(data)
    return 'sha256:' + d, len(data)
config = {
    'created': created, 'architecture': goarch, 'os': 'linux',
    'config': {'Env': ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
                       'LANG=C.UTF-8'],
               'Cmd': ['bash'], 'WorkingDir': '/',
               'Labels': {'org.opencontainers.image.title': 'skiff pull benchmark image'}},
    'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + l[0] for l in layers]},
    'history': [{'created': created, 'created_by': l[3]} for l in layers],
}
cdig, csize = put(config)
manifest = {
    'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
    'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': cdig, 'size': csize},
    'layers': [{'mediaType': 'application/vnd.oci.image.layer.v1.tar+gzip',
                'digest': 'sha256:' + l[1], 'size': int(l[2])} for l in layers],
}
mdig, msize = put(manifest)
index = {'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.index.v1+json',
         'manifests': [{'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                        'digest': mdig, 'size': msize,
                        'annotations': {'org.opencontainers.image.ref.name': 'bench'}}]}
with open(os.path.join(oci, 'index.json'), 'w') as f: json.dump(index, f)
with open(os.path.join(oci, 'oci-layout'), 'w') as f: json.dump({'imageLayoutVersion': '1.0.0'}, f)
ts = [list(map(int, l.split())) for l in open(os.path.join(image, 'tarstats.txt'))]
stats = {'manifest_digest': mdig, 'layers': len(layers),
         'compressed_bytes': sum(int(l[2]) for l in layers),
         'entries': sum(t[0] for t in ts),
         'regular_files': sum(t[1] for t in ts), 'file_bytes': sum(t[2] for t in ts),
         'layer_gz_bytes': [int(l[2]) for l in layers],
         'build_seconds': int(build_secs), 'debootstrap_seconds': int(db_secs)}
with open(os.path.join(image, 'stats.json'), 'w') as f: json.dump(stats, f, indent=1)
EOF
}

build_image() {
    local t0=$SECONDS db_secs=0 mirror w
    w=$BENCH_DIR/build
    mirror=$(detect_mirror) || die "no Debian $SUITE mirror found in /etc/apt/sources.list*; set MIRROR="
    log "building the benchmark image (mirror $mirror)"
    mkdir -p "$CACHE"

    if [[ ! -d $CACHE/rootfs ]]; then
        log "debootstrap --variant=minbase $SUITE (first run only, cached in $CACHE/rootfs)"
        remove_tree "$CACHE/rootfs.tmp"
        local t1=$SECONDS
        if ! debootstrap --variant=minbase --arch="$(dpkg --print-architecture)" \
                "$SUITE" "$CACHE/rootfs.tmp" "$mirror" >"$CACHE/debootstrap.log" 2>&1; then
            tail -n 20 "$CACHE/debootstrap.log" >&2
            die "debootstrap failed (log: $CACHE/debootstrap.log)"
        fi
        umount_under "$CACHE/rootfs.tmp"
        # what a registry image has: no device nodes, apt lists, caches
        (cd "$CACHE/rootfs.tmp" &&
            rm -rf --one-file-system dev/* proc/* sys/* run/* tmp/* \
                var/lib/apt/lists/* var/cache/apt/*.bin var/cache/apt/archives/*.deb \
                etc/resolv.conf etc/hostname debootstrap)
        mkdir -p "$CACHE/rootfs.tmp/var/lib/apt/lists/partial"
        mv "$CACHE/rootfs.tmp" "$CACHE/rootfs"
        echo "$((SECONDS - t1))" >"$CACHE/debootstrap.secs"
        log "debootstrap took $((SECONDS - t1))s"
    fi
    [[ -f $CACHE/debootstrap.secs ]] && db_secs=$(<"$CACHE/debootstrap.secs")

    download_debs "${PKGS_TOOLCHAIN[@]}" "${PKGS_RUNTIMES[@]}" "${PKGS_APPS[@]}"

    remove_tree "$IMAGE"
    mkdir -p "$OCI/blobs/sha256" "$w"
    write_tarstats_helper
    : >"$IMAGE/layers.txt"; : >"$IMAGE/tarstats.txt"

    log "packing layers (tar + gzip -n)"
    pack_layer "$CACHE/rootfs" "debootstrap --variant=minbase $SUITE"
    unpack_debs_layer "$w/l2" "${PKGS_TOOLCHAIN[@]}"
    pack_layer "$w/l2" "dpkg-deb -x: C/C++ toolchain (${#PKGS_TOOLCHAIN[@]} packages)"
    remove_tree "$w/l2"
    unpack_debs_layer "$w/l3" "${PKGS_RUNTIMES[@]}"
    pack_layer "$w/l3" "dpkg-deb -x: python3 + perl runtimes (${#PKGS_RUNTIMES[@]} packages)"
    remove_tree "$w/l3"
    unpack_debs_layer "$w/l4" "${PKGS_APPS[@]}"
    pack_layer "$w/l4" "dpkg-deb -x: git, vim, curl, locales, icu, tzdata (${#PKGS_APPS[@]} packages)"
    remove_tree "$w/l4"
    make_data_layer "$w/l5"
    pack_layer "$w/l5" "generated: ${RANDOM_MB} MB incompressible app data + whiteouts"
    remove_tree "$w"

    write_oci_metadata "$((SECONDS - t0))" "$db_secs"
    log "image built in $((SECONDS - t0))s"
}

if ((REBUILD)) || [[ ! -f $IMAGE/stats.json || ! -f $OCI/index.json ]]; then
    build_image
else
    log "using cached image $OCI (--rebuild to rebuild, --clean to drop the cache)"
fi
((BUILD_ONLY == 0)) || exit 0

# --------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------
remove_tree "$RUN"
mkdir -p "$RUN/conf" "$RUN/registry" "$RUN/logs"

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$RUN/conf/registry.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $RUN/registry
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$PORT
EOF
/usr/bin/docker-registry serve "$RUN/conf/registry.yml" >"$RUN/logs/registry.log" 2>&1 &
REGISTRY_PID=$!
for _ in $(seq 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/v2/" && break
    kill -0 "$REGISTRY_PID" 2>/dev/null || { cat "$RUN/logs/registry.log" >&2; die "registry died"; }
    sleep 0.1
done
curl -fs -o /dev/null "http://127.0.0.1:$PORT/v2/" || die "registry did not come up on port $PORT"
log "registry listening on 127.0.0.1:$PORT (pid $REGISTRY_PID)"
REF=127.0.0.1:$PORT/$REPO:$TAG

write_configs "127.0.0.1:$PORT"

# push exactly the blobs we built (--preserve-digests: fail rather than recompress)
log "pushing $OCI to docker://$REF"
skopeo --policy "$RUN/conf/policy.json" copy -q --preserve-digests --dest-tls-verify=false \
    "oci:$OCI:bench" "docker://$REF" >&2
want=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifest_digest"])' "$IMAGE/stats.json")
got=sha256:$(skopeo --policy "$RUN/conf/policy.json" inspect --raw --tls-verify=false "docker://$REF" | sha256sum | cut -d' ' -f1)
[[ $got == "$want" ]] || die "registry manifest $got != built manifest $want (layers were re-encoded?)"

# --------------------------------------------------------------------------
# benchmark
# --------------------------------------------------------------------------
RESULTS=$RUN/results.tsv
: >"$RESULTS"
rm -f "$BENCH_DIR/skiff-last-failure.log"
SKIFF_STATUS=ok
if [[ ! -x $SKIFF ]]; then
    SKIFF_STATUS="missing ($SKIFF not found or not executable)"
    log "skiff: $SKIFF_STATUS; benchmarking the others"
fi

tool_cmd() {  # TOOL STORE: sets CMD to the pull command line
    local tool=$1 s=$2
    case $tool in
    skiff)  engine_cmd skiff "$s" "$s" pull --tls-verify=false "$REF" ;;
    podman) engine_cmd podman "$s" "$s" pull --signature-policy "$RUN/conf/policy.json" "$REF" ;;
    skopeo) CMD=(skopeo --policy "$RUN/conf/policy.json" copy --src-tls-verify=false
                 "docker://$REF" "oci:$s/root:bench") ;;
    esac
}

# run_one STORAGE BASE TOOL ROUND: one cold pull into a fresh store.
run_one() {
    local storage=$1 base=$2 tool=$3 round=$4 s rc=0 secs=NA rss=NA bytes=0 tag
    local -a CMD ENV
    tag=$storage-$tool-$round
    if [[ $tool == skiff && $SKIFF_STATUS == missing* ]]; then
        printf '%s\t%s\t%s\tNA\tNA\t-1\t0\n' "$storage" "$tool" "$round" >>"$RESULTS"
        return 0
    fi
    s=$base/$tool-$round
    remove_tree "$s"
    make_store "$s"
    [[ $tool == skopeo ]] && rmdir "$s/root"
    tool_cmd "$tool" "$s"
    clean_env "$s"
    sync
    if [[ $DROP_CACHES == 1 ]]; then echo 3 >/proc/sys/vm/drop_caches; fi
    # timeout is outermost so that on timeout/interrupt it signals its whole
    # process group; /usr/bin/time measures the tool itself.
    timeout -k 10 "$PULL_TIMEOUT" /usr/bin/time -f '%e %M' -o "$RUN/logs/$tag.time" \
        "${ENV[@]}" "${CMD[@]}" </dev/null >"$RUN/logs/$tag.log" 2>&1 &
    CHILD_PID=$!
    wait "$CHILD_PID" || rc=$?
    CHILD_PID=
    if [[ -s $RUN/logs/$tag.time ]]; then
        read -r secs rss < <(tail -n 1 "$RUN/logs/$tag.time")
    fi
    [[ -d $s/root ]] && bytes=$(du -sbx "$s/root" | cut -f1)
    record_pull "$RESULTS" "$storage" "$tool" "$round" "$secs" "$rss" "$rc" "$bytes" "$tag"
    sync
    remove_tree "$s"
}

read -r -a tools <<<"$TOOLS"
for storage in $STORAGES; do
    case $storage in
    disk)  base=$RUN/disk; mkdir -p "$base" ;;
    tmpfs) base=$RUN/tmpfs; mkdir -p "$base"
           mount -t tmpfs -o "size=$TMPFS_SIZE,mode=0755" skiff-bench "$base" ;;
    *) die "unknown storage $storage (disk|tmpfs)" ;;
    esac
    log "storage=$storage ($base): $ROUNDS rounds of ${tools[*]}"
    for ((r = 1; r <= ROUNDS; r++)); do
        for t in $(order "$r"); do run_one "$storage" "$base" "$t" "$r"; done
    done
    [[ $storage == tmpfs ]] && umount_under "$base"
    remove_tree "$base"
done

# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------
report() {
    report_py "$RESULTS" "$IMAGE/stats.json" "$SKIFF" "$SKIFF_STATUS" "$ROUNDS" <<'EOF'
import json
results, stats_path, skiff, skiff_status, rounds = sys.argv[1:6]
rounds = int(rounds)
st = json.load(open(stats_path))
MB = 1 << 20
print()
print('Image: %d layers, %.1f MB compressed (gzip), %.1f MB unpacked, %d files (%d tar entries)'
      % (st['layers'], st['compressed_bytes'] / MB, st['file_bytes'] / MB,
         st['regular_files'], st['entries']))
print('       layer sizes (MB gz): ' + ', '.join('%.1f' % (b / MB) for b in st['layer_gz_bytes'])
      + '; built in %ds (debootstrap %ds)' % (st['build_seconds'], st['debootstrap_seconds']))
rows = {}
for line in open(results):
    storage, tool, rnd, secs, rss, rc, nbytes = line.rstrip('\n').split('\t')
    rows.setdefault((storage, tool), []).append((int(rnd), secs, rss, int(rc), int(nbytes)))
# a "successful" pull must leave the image in the store
expect = {'skiff': st['file_bytes'] * 0.5, 'podman': st['file_bytes'] * 0.5,
          'skopeo': st['compressed_bytes'] * 0.9}
summary, notes = {}, []
hdr = ['tool', 'storage'] + ['r%d (s)' % i for i in range(1, rounds + 1)] + \
      ['median (s)', 'peak RSS (MB)', 'store (MB)', 'vs podman']
table = []
for (storage, tool), rs in rows.items():
    rs.sort()
    cells, times, rsss, ok = [], [], [], True
    for rnd, secs, rss, rc, nbytes in rs:
        if rc == -1:
            cells.append('missing'); ok = False; continue
        if rc != 0:
            cells.append('FAIL(%d)' % rc); ok = False; continue
        if nbytes < expect[tool]:
            cells.append('%s!' % secs); ok = False
            notes.append('%s/%s round %d exited 0 but its store holds only %.1f MB: '
                         'image not actually pulled' % (tool, storage, rnd, nbytes / MB))
            continue
        cells.append(secs); times.append(float(secs)); rsss.append(int(rss))
    med = statistics.median(times) if ok and times else None
    peak = max(rsss) / 1024 if ok and rsss else None
    store = rs[-1][4] / MB if ok else None
    summary[(storage, tool)] = (med, peak)
    table.append([tool, storage] + cells + ['%.2f' % med if med is not None else '-',
                 '%.1f' % peak if peak is not None else '-',
                 '%.0f' % store if store is not None else '-', ''])
for row in table:
    tool, storage = row[0], row[1]
    p = summary.get((storage, 'podman'), (None, None))[0]
    m = summary[(storage, tool)][0]
    if tool != 'podman' and m is not None and p:
        row[-1] = '%.2fx' % (m / p)
order = {'skiff': 0, 'podman': 1, 'skopeo': 2}
table.sort(key=lambda r: (r[1] != 'disk', r[1], order.get(r[0], 9)))
print()
print_table(hdr, table)
print()
print('skopeo only downloads (no unpack); it is a lower bound for the network/registry part.')
for n in notes: print('note: ' + n)
if skiff_status != 'ok':
    print('skiff: %s' % skiff_status)
print('targets: skiff median <= 0.5x podman, skiff peak RSS <= 32 MB')
for storage in sorted({k[0] for k in summary}):
    s, p = summary.get((storage, 'skiff')), summary.get((storage, 'podman'))
    if not s or s[0] is None:
        print('  %-5s: skiff %s' % (storage, 'missing' if skiff_status != 'ok' else 'FAILED'))
        continue
    tr = 'n/a' if not p or not p[0] else '%.2fx podman -> %s' % (s[0] / p[0], 'PASS' if s[0] <= 0.5 * p[0] else 'FAIL')
    print('  %-5s: time %s; RSS %.1f MB -> %s' % (storage, tr, s[1], 'PASS' if s[1] <= 32 else 'FAIL'))
EOF
}
report | tee "$BENCH_DIR/last-report.txt"
cp "$RESULTS" "$BENCH_DIR/last-results.tsv"
if [[ $SKIFF_STATUS == ok ]] && awk -F'\t' '$2=="skiff" && $6!=0 {f=1} END {exit !f}' "$RESULTS"; then
    echo "skiff failures: see $BENCH_DIR/skiff-last-failure.log"
fi
