#!/usr/bin/env bats
# skiff pull: every registry flavour of the fixture (plain HTTP, HTTPS, basic
# auth, bearer tokens), every image kind, platform choice, and what the layers
# look like on disk afterwards.

load helpers

bats_require_minimum_version 1.5.0

# What a test installed under /etc/containers (removed in teardown): the
# HOST:PORT dir, and certs.d itself when the test created it.
CERTS_D_INSTALLED=
CERTS_D_CREATED=

teardown() {
	if [ -n "$CERTS_D_INSTALLED" ]; then
		rm -rf "$CERTS_D_INSTALLED"
	fi
	if [ -n "$CERTS_D_CREATED" ]; then
		rmdir "$CERTS_D_CREATED" 2>/dev/null || true
	fi
	skiff_teardown
}

# ------------------------------------------------------------ local helpers

# The 64-hex image ID skiff prints for a fixture *_ID value.
hex() {
	echo "${1#sha256:}"
}

# assert_pulled ID: the last `run --separate-stderr sk pull` succeeded and
# printed exactly the image ID ID (sha256:... or hex) on stdout.
assert_pulled() {
	assert_success
	[ "$output" = "$(hex "$1")" ] || fail "pull printed '$output', expected $(hex "$1"); stderr:" "$stderr"
}


assert_tmp_empty() {
	local left
	left=$(ls -A "$SKIFF_ROOT/tmp" 2>/dev/null) || true
	[ -z "$left" ] || fail "store tmp/ is not empty after the command:" "$left"
}

# The repositories:tags `images` lists, one a line.
image_names() {
	sk images --format '{{.Repository}}:{{.Tag}}'
}

assert_listed() {
	local names
	names=$(image_names)
	grep -qxF "$1" <<<"$names" || fail "'images' does not list $1; it lists:" "$names"
}

assert_no_images() {
	local ids
	ids=$(sk images -q)
	[ -z "$ids" ] || fail "expected no image in the store, 'images -q' lists:" "$ids"
}

# layer_dir DIFF_ID: the unpacked layer of DIFF_ID in this test's store.
layer_dir() {
	echo "$SKIFF_ROOT/layers/${1#sha256:}/diff"
}

# The image's layer dirs, base first, found through `image inspect`'s RootFS.Layers.
image_layer_dirs() {
	local d
	sk image inspect "$1" | jq -er '.[0].RootFS.Layers[]' | while read -r d; do
		layer_dir "$d"
	done
}

# The diff_ids (base first) of image $1 as `image inspect` reports them.
image_diff_ids() {
	sk image inspect "$1" | jq -er '.[0].RootFS.Layers | join(" ")'
}

# stat_is PATH FORMAT EXPECTED: stat -c FORMAT (not following links) is EXPECTED.
stat_is() {
	local got
	got=$(stat -c "$2" -- "$1") || fail "stat $1 failed"
	[ "$got" = "$3" ] || fail "$1: stat -c '$2' is '$got', expected '$3'"
}

# content_is PATH TEXT: the file holds exactly TEXT followed by a newline.
content_is() {
	[ -f "$1" ] && [ ! -L "$1" ] || fail "$1 is not a regular file"
	local want got
	want=$(printf '%s\n' "$2" | sha256sum)
	got=$(sha256sum <"$1")
	[ "$got" = "$want" ] || fail "$1 holds '$(cat "$1")', expected '$2'"
}

# xattr_is PATH NAME VALUE (not following links).
xattr_is() {
	local got
	got=$(python3 -c 'import os, sys
sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())' "$1" "$2" 2>&1) ||
		fail "$1: no xattr $2 ($got)"
	[ "$got" = "$3" ] || fail "$1: xattr $2 is '$got', expected '$3'"
}

has_xattr() {
	python3 -c 'import os, sys
sys.exit(0 if sys.argv[2] in os.listxattr(sys.argv[1], follow_symlinks=False) else 1)' "$1" "$2"
}

# A 0/0 character device: an overlay whiteout.
assert_whiteout() {
	[ -c "$1" ] || fail "$1 is not a whiteout (not a character device): $(stat -c %F -- "$1" 2>&1)"
	stat_is "$1" '%t:%T' '0:0'
}

assert_absent() {
	[ ! -e "$1" ] && [ ! -L "$1" ] || fail "$1 exists, it should not"
}

# ------------------------------------------------------------ registry kinds

@test "pull from a plain HTTP registry marked insecure in registries.conf" {
	run --separate-stderr sk pull "$REG_HTTP/busybox"
	assert_pulled "$BUSYBOX_ID"
	[[ $stderr == *"Copying blob"* ]] || fail "no progress on stderr:" "$stderr"
	assert_listed "$REG_HTTP/busybox:latest"
	assert_tmp_empty
}

@test "pull from an insecure registry does not wait for the https probe to time out" {
	local start end
	start=$(date +%s%N)
	run --separate-stderr sk pull -q "$REG_HTTP/busybox"
	end=$(date +%s%N)
	assert_pulled "$BUSYBOX_ID"
	[ $(((end - start) / 1000000)) -lt 2000 ] ||
		fail "pulling a 1 MB image from a local insecure registry took $(((end - start) / 1000000)) ms"
}

@test "pull --tls-verify=false from a plain HTTP registry absent from registries.conf" {
	: >"$CONTAINERS_REGISTRIES_CONF"
	run --separate-stderr sk pull --tls-verify=false "$REG_HTTP/busybox"
	assert_pulled "$BUSYBOX_ID"
	assert_listed "$REG_HTTP/busybox:latest"
}

@test "pull from HTTPS with --cert-dir" {
	run --separate-stderr sk pull --cert-dir "$REG_CERTS_DIR" "$REG_HTTPS/busybox"
	assert_pulled "$BUSYBOX_ID"
	assert_listed "$REG_HTTPS/busybox:latest"
	assert_tmp_empty
}

@test "pull from HTTPS trusting /etc/containers/certs.d/HOST:PORT" {
	local dir=/etc/containers/certs.d/$REG_HTTPS
	[ ! -e "$dir" ] || skip "$dir exists already; not touching it"
	[ -d /etc/containers/certs.d ] || CERTS_D_CREATED=/etc/containers/certs.d
	mkdir -p "$dir"
	CERTS_D_INSTALLED=$dir
	cp "$REG_CERTS_D/$REG_HTTPS/ca.crt" "$dir/ca.crt"
	run --separate-stderr sk pull "$REG_HTTPS/busybox"
	assert_pulled "$BUSYBOX_ID"
	assert_listed "$REG_HTTPS/busybox:latest"
}

@test "pull with basic auth and --creds" {
	run --separate-stderr sk pull --cert-dir "$REG_CERTS_DIR" --creds "$REG_USER:$REG_PASS" "$REG_BASIC/busybox"
	assert_pulled "$BUSYBOX_ID"
	assert_listed "$REG_BASIC/busybox:latest"
}

@test "login writes REGISTRY_AUTH_FILE, pull uses it, logout forgets it" {
	run --separate-stderr sk login --cert-dir "$REG_CERTS_DIR" -u "$REG_USER" -p "$REG_PASS" "$REG_BASIC"
	assert_success
	[[ $output == *"Login Succeeded"* ]] || fail "login said:" "$output" "$stderr"
	jq -e --arg r "$REG_BASIC" '.auths[$r].auth' "$REGISTRY_AUTH_FILE" >/dev/null ||
		fail "no auth for $REG_BASIC in $REGISTRY_AUTH_FILE:" "$(cat "$REGISTRY_AUTH_FILE")"
	run sk login --get-login "$REG_BASIC"
	assert_success
	[ "$output" = "$REG_USER" ] || fail "--get-login printed '$output'"

	run --separate-stderr sk pull --cert-dir "$REG_CERTS_DIR" "$REG_BASIC/busybox"
	assert_pulled "$BUSYBOX_ID"

	run sk logout "$REG_BASIC"
	assert_success
	sk rmi -a >/dev/null
	run --separate-stderr sk pull -q --cert-dir "$REG_CERTS_DIR" "$REG_BASIC/busybox"
	assert_skiff_error unauthorized
	assert_no_images
}

@test "login --password-stdin, then pull with the stored credentials" {
	run --separate-stderr sk login --cert-dir "$REG_CERTS_DIR" -u "$REG_USER" --password-stdin "$REG_BASIC" <<<"$REG_PASS"
	assert_success
	run --separate-stderr sk pull --cert-dir "$REG_CERTS_DIR" "$REG_BASIC/busybox"
	assert_pulled "$BUSYBOX_ID"
}

@test "login with a wrong password fails and stores nothing" {
	run --separate-stderr sk login --cert-dir "$REG_CERTS_DIR" -u "$REG_USER" -p wrong "$REG_BASIC"
	assert_skiff_error "$REG_BASIC"
	if [ -e "$REGISTRY_AUTH_FILE" ]; then
		! jq -e --arg r "$REG_BASIC" '.auths[$r]' "$REGISTRY_AUTH_FILE" >/dev/null ||
			fail "failed login stored credentials:" "$(cat "$REGISTRY_AUTH_FILE")"
	fi
}

@test "login to the bearer-token registry with --authfile, pull the private repository with it" {
	local af=$BATS_TEST_TMPDIR/other-auth.json
	run --separate-stderr sk login --cert-dir "$REG_CERTS_DIR" --authfile "$af" -u "$REG_USER" -p "$REG_PASS" "$REG_TOKEN"
	assert_success
	jq -e --arg r "$REG_TOKEN" '.auths[$r].auth' "$af" >/dev/null || fail "no auth in $af:" "$(cat "$af")"
	run --separate-stderr sk pull -q --cert-dir "$REG_CERTS_DIR" --authfile "$af" "$REG_TOKEN/private/secret"
	assert_pulled "$PRIVATE_SECRET_ID"
	run sk logout -a --authfile "$af"
	assert_success
	! jq -e --arg r "$REG_TOKEN" '.auths[$r]' "$af" >/dev/null || fail "logout -a left:" "$(cat "$af")"
}

@test "pull with an anonymous bearer token" {
	run --separate-stderr sk pull --cert-dir "$REG_CERTS_DIR" "$REG_TOKEN/busybox"
	assert_pulled "$BUSYBOX_ID"
	assert_listed "$REG_TOKEN/busybox:latest"
}

@test "pull a private repository with a bearer token for credentials" {
	run --separate-stderr sk pull --cert-dir "$REG_CERTS_DIR" --creds "$REG_USER:$REG_PASS" "$REG_TOKEN/private/secret"
	assert_pulled "$PRIVATE_SECRET_ID"
	assert_listed "$REG_TOKEN/private/secret:latest"
}

@test "pull of a private repository without credentials is refused" {
	run --separate-stderr sk pull -q --cert-dir "$REG_CERTS_DIR" "$REG_TOKEN/private/secret"
	assert_skiff_error "private/secret" unauthorized
	assert_no_images
	assert_tmp_empty
}

@test "bad credentials are refused: basic auth" {
	run --separate-stderr sk pull -q --cert-dir "$REG_CERTS_DIR" --creds "$REG_USER:wrong" "$REG_BASIC/busybox"
	assert_skiff_error "$REG_BASIC"
	[[ ${stderr,,} == *unauthorized* || ${stderr,,} == *"invalid username"* ]] ||
		fail "error does not say the credentials were refused:" "$stderr"
	assert_no_images
}

@test "bad credentials are refused: bearer token" {
	run --separate-stderr sk pull -q --cert-dir "$REG_CERTS_DIR" --creds "$REG_USER:wrong" "$REG_TOKEN/private/secret"
	assert_skiff_error "$REG_TOKEN"
	[[ ${stderr,,} == *unauthorized* || ${stderr,,} == *"invalid username"* ]] ||
		fail "error does not say the credentials were refused:" "$stderr"
	assert_no_images
}

# ------------------------------------------------------------ references

@test "pull by digest" {
	run --separate-stderr sk pull "$REG_HTTP/busybox@$BUSYBOX_DIGEST"
	assert_pulled "$BUSYBOX_ID"
	run sk images --digests --no-trunc
	assert_success
	assert_output_contains "$BUSYBOX_DIGEST"
	run sk image inspect "$REG_HTTP/busybox@$BUSYBOX_DIGEST"
	assert_success
	jq -e --arg d "$REG_HTTP/busybox@$BUSYBOX_DIGEST" '.[0].RepoDigests | index($d)' <<<"$output" >/dev/null ||
		fail "RepoDigests lacks the pulled digest:" "$output"
}

# podman and docker list an image pulled by digest as "REPO <none>".
@test "images names the repository of an image pulled by digest" {
	run --separate-stderr sk pull -q "$REG_HTTP/busybox@$BUSYBOX_DIGEST"
	assert_pulled "$BUSYBOX_ID"
	run sk images --format '{{.Repository}} {{.Tag}}'
	assert_success
	[ "$output" = "$REG_HTTP/busybox <none>" ] ||
		fail "expected '$REG_HTTP/busybox <none>', images lists:" "$output"
}

@test "pull by a digest the repository does not have fails" {
	local wrong
	wrong=sha256:$(printf 'no such manifest' | sha256sum | cut -d' ' -f1)
	run --separate-stderr sk pull -q "$REG_HTTP/busybox@$wrong"
	assert_skiff_error "${wrong#sha256:}"
	# A digest of another repository's manifest is not in busybox either.
	run --separate-stderr sk pull -q "$REG_HTTP/busybox@$MULTILAYER_DIGEST"
	assert_skiff_error
	assert_no_images
	assert_tmp_empty
}

@test "pull by short name through unqualified-search-registries" {
	run --separate-stderr sk pull busybox
	assert_pulled "$BUSYBOX_ID"
	assert_listed "$REG_HTTP/busybox:latest"
	run --separate-stderr sk pull multilayer:latest
	assert_pulled "$MULTILAYER_ID"
	assert_listed "$REG_HTTP/multilayer:latest"
}

@test "registries.conf: location rewrite, mirror, blocked registry" {
	cat >"$CONTAINERS_REGISTRIES_CONF" <<-EOF
		[[registry]]
		prefix = "rewritten.example"
		location = "$REG_HTTP"
		insecure = true

		[[registry]]
		location = "mirrored.example"
		[[registry.mirror]]
		location = "$REG_HTTP"
		insecure = true

		[[registry]]
		location = "$REG_HTTP"
		blocked = true
	EOF
	run --separate-stderr sk pull -q rewritten.example/busybox
	assert_pulled "$BUSYBOX_ID"
	run --separate-stderr sk pull -q mirrored.example/multilayer
	assert_pulled "$MULTILAYER_ID"
	[ "$(image_names | LC_ALL=C sort)" = "$(printf '%s\n' mirrored.example/multilayer:latest rewritten.example/busybox:latest)" ] ||
		fail "images lists:" "$(image_names)"
	run --separate-stderr sk pull -q "$REG_HTTP/busybox"
	assert_skiff_error blocked
}

# ------------------------------------------------------------ image kinds

# Images whose only layer is the busybox layer, in other encodings.
@test "pull Docker schema2, zstd and uncompressed images" {
	local img var
	for img in docker-schema2 zstd uncompressed; do
		var=$(tr 'a-z-' 'A-Z_' <<<"$img")_ID
		run --separate-stderr sk pull -q "$REG_HTTP/$img"
		assert_pulled "${!var}"
		assert_listed "$REG_HTTP/$img:latest"
		[ "$(image_diff_ids "$REG_HTTP/$img")" = "$BUSYBOX_DIFF_IDS" ] ||
			fail "$img: layers $(image_diff_ids "$REG_HTTP/$img"), expected $BUSYBOX_DIFF_IDS"
	done
	run sk image inspect "$REG_HTTP/docker-schema2"
	jq -e '.[0].ManifestType == "application/vnd.docker.distribution.manifest.v2+json"' <<<"$output" >/dev/null ||
		fail "docker-schema2 ManifestType:" "$(jq '.[0].ManifestType' <<<"$output")"
	cmp /bin/busybox "$(layer_dir "$BUSYBOX_DIFF_IDS")/bin/busybox"
	assert_tmp_empty
}

# test_index IMG PREFIX: an index (OCI or Docker list) picks amd64 by default,
# arm64 with --platform or --arch.
test_index() {
	local img=$1 p=$2 amd_id arm_id dir
	amd_id=${p}_AMD64_ID arm_id=${p}_ARM64_ID
	[ "$(uname -m)" = x86_64 ] || skip "the default platform is only known on amd64 hosts"

	run --separate-stderr sk pull "$REG_HTTP/$img"
	assert_pulled "${!amd_id}"
	dir=$(image_layer_dirs "$REG_HTTP/$img" | tail -n 1)
	content_is "$dir/arch" amd64
	run sk inspect -f '{{.Architecture}}' "$REG_HTTP/$img"
	[ "$output" = amd64 ] || fail "Architecture is '$output'"

	run --separate-stderr sk pull --platform linux/arm64 "$REG_HTTP/$img"
	assert_pulled "${!arm_id}"
	dir=$(image_layer_dirs "$REG_HTTP/$img" | tail -n 1)
	content_is "$dir/arch" arm64
	run sk inspect -f '{{.Architecture}}' "$REG_HTTP/$img"
	[ "$output" = arm64 ] || fail "Architecture is '$output'"

	sk rmi -a >/dev/null
	run --separate-stderr sk pull --arch arm64 "$REG_HTTP/$img"
	assert_pulled "${!arm_id}"
	dir=$(image_layer_dirs "$REG_HTTP/$img" | tail -n 1)
	content_is "$dir/arch" arm64
	assert_listed "$REG_HTTP/$img:latest"
	assert_tmp_empty
}

@test "OCI index: amd64 by default, arm64 with --platform linux/arm64 or --arch arm64" {
	test_index multiarch MULTIARCH
}

@test "Docker manifest list: amd64 by default, arm64 with --platform linux/arm64 or --arch arm64" {
	test_index docker-list DOCKER_LIST
}

@test "a platform the index does not offer fails clearly" {
	run --separate-stderr sk pull -q --platform linux/s390x "$REG_HTTP/multiarch"
	assert_skiff_error s390x
	run --separate-stderr sk pull -q --arch riscv64 "$REG_HTTP/docker-list"
	assert_skiff_error riscv64
	assert_no_images
	assert_tmp_empty
}

@test "re-pull skips existing layers and does not download them again" {
	local ref layer blob_gets
	ref=$(fault_ref ok)
	layer=${BUSYBOX_LAYERS%% *}
	run --separate-stderr sk pull "$ref"
	assert_pulled "$BUSYBOX_ID"
	run --separate-stderr sk pull "$ref"
	assert_pulled "$BUSYBOX_ID"
	[[ $stderr == *"$layer"*"skipped: already exists"* ]] ||
		fail "second pull does not report the layer as already there:" "$stderr"
	blob_gets=$(fault_stats | jq --arg k "GET /v2/$(fault_ns)/fault/ok/blobs/$layer" '.requests[$k] // 0')
	[ "$blob_gets" -eq 1 ] || fail "the layer blob was downloaded $blob_gets times"
	[ "$(image_names)" = "${ref}" ] || fail "images lists:" "$(image_names)"
}

# ------------------------------------------------------------ multilayer on disk

# The layer dirs of multilayer:latest, checked against MULTILAYER_TREE in
# tests/fixtures/build_images.py one layer at a time (overlay format).
@test "multilayer: each layer dir holds exactly what its layer says, in overlay format" {
	local l1 l2 l3 dirs
	run --separate-stderr sk pull "$REG_HTTP/multilayer"
	assert_pulled "$MULTILAYER_ID"
	[ "$(image_diff_ids "$REG_HTTP/multilayer")" = "$MULTILAYER_DIFF_IDS" ] ||
		fail "RootFS.Layers: $(image_diff_ids "$REG_HTTP/multilayer")"
	mapfile -t dirs < <(image_layer_dirs "$REG_HTTP/multilayer")
	[ "${#dirs[@]}" -eq 3 ] || fail "expected 3 layers, got ${#dirs[@]}"
	l1=${dirs[0]} l2=${dirs[1]} l3=${dirs[2]}
	local d
	for d in "$l1" "$l2" "$l3"; do
		[ -d "$d" ] || fail "layer dir $d missing"
	done

	# Layer 1: busybox, vi still a plain applet link.
	stat_is "$l1/bin/vi" '%F' 'symbolic link'
	[ "$(readlink "$l1/bin/vi")" = busybox ]
	cmp /bin/busybox "$l1/bin/busybox"
	stat_is "$l1/tmp" '%a' 1777
	stat_is "$l1/home/tester" '%u:%g' 1000:1000
	assert_absent "$l1/data"

	# Layer 2: /data as first added.
	local x=$l2/data
	content_is "$x/file.txt" original
	content_is "$x/to-delete.txt" "delete me"
	content_is "$x/gone-dir/inner.txt" inner
	content_is "$x/gone-dir/sub/deep.txt" deep
	content_is "$x/olddir/a.txt" a
	content_is "$x/olddir/sub/c.txt" c
	! has_xattr "$x/olddir" trusted.overlay.opaque || fail "layer 2's data/olddir is opaque"
	content_is "$x/file-then-dir" file
	content_is "$x/hardlink-src" "hardlink content"
	stat_is "$x/hardlink-src" '%h' 2
	[ "$(stat -c %i "$x/hardlink-src")" = "$(stat -c %i "$x/hardlink-dst")" ] ||
		fail "hardlink-dst is not the same inode as hardlink-src"
	[ "$(readlink "$x/links/rel")" = ../file.txt ]
	[ "$(readlink "$x/links/abs")" = /data/file.txt ]
	[ "$(readlink "$x/links/dangling")" = /nonexistent/target ]
	[ "$(readlink "$x/links/long")" = "/data/$MULTILAYER_LONG_NAME" ] ||
		fail "long symlink target is '$(readlink "$x/links/long")'"
	stat_is "$x/setuid" '%a %u:%g' '4755 0:0'
	stat_is "$x/setgid" '%a' 2755
	stat_is "$x/sticky-dir" '%F %a' 'directory 1777'
	stat_is "$x/owned-tester" '%a %u:%g' '640 1000:1000'
	content_is "$x/owned-tester" tester
	stat_is "$x/owned-nobody" '%a %u:%g' '600 65534:65534'
	stat_is "$x/tester-dir" '%F %a %u:%g' 'directory 750 1000:1000'
	stat_is "$x/tester-dir/file" '%a %u:%g' '644 1000:1000'
	content_is "$x/tester-dir/file" "in tester-dir"
	content_is "$x/xattr-file" xattrs
	xattr_is "$x/xattr-file" user.skiff.test hello-xattr
	xattr_is "$x/xattr-file" user.skiff.other second
	stat_is "$x/fifo" '%F %a' 'fifo 644'
	content_is "$x/$MULTILAYER_LONG_NAME" long
	content_is "$x/$MULTILAYER_UTF8_NAME" utf8
	stat_is "$x/empty" '%F %s' 'regular empty file 0'
	stat_is "$x/file.txt" '%a %u:%g' '644 0:0'
	assert_absent "$l2/bin"

	# Layer 3: whiteouts as 0/0 char devices, olddir opaque, replacements.
	x=$l3/data
	assert_whiteout "$l3/bin/vi"
	assert_absent "$l3/bin/busybox"
	assert_whiteout "$x/to-delete.txt"
	assert_whiteout "$x/gone-dir"
	[ -d "$x/olddir" ] || fail "layer 3 has no data/olddir directory"
	xattr_is "$x/olddir" trusted.overlay.opaque y
	[ "$(ls -A "$x/olddir")" = new.txt ] || fail "layer 3's data/olddir holds: $(ls -A "$x/olddir")"
	content_is "$x/olddir/new.txt" new
	content_is "$x/file.txt" modified
	stat_is "$x/file-then-dir" '%F' directory
	content_is "$x/file-then-dir/inside.txt" inside
	! has_xattr "$x" trusted.overlay.opaque || fail "layer 3's data is opaque"

	# No tar whiteout name survives anywhere.
	local wh
	wh=$(find "$l1" "$l2" "$l3" -name '.wh.*')
	[ -z "$wh" ] || fail "files named .wh.* in the layer dirs:" "$wh"
	assert_tmp_empty
}
