#!/usr/bin/env bats
# skiff pull against bad input, one test per class: every failure is exit 125
# with one "skiff: error: ..." line naming the cause, and leaves the store as
# it was (no image recorded, tmp/ empty, a following pull works). Transient
# faults (503s, a dropped connection) are survived; hostile layers never
# write outside the store.

load helpers

bats_require_minimum_version 1.5.0

# ------------------------------------------------------------ local helpers

hex() {
	echo "${1#sha256:}"
}


assert_tmp_empty() {
	local left
	left=$(ls -A "$SKIFF_ROOT/tmp" 2>/dev/null) || true
	[ -z "$left" ] || fail "store tmp/ is not empty:" "$left"
}

# After a failed pull: the store works, holds no image and no workspace, and
# a good pull of busybox succeeds.
assert_store_unharmed() {
	assert_store_intact
	assert_tmp_empty
	local ids
	ids=$(sk images -q)
	[ -z "$ids" ] || fail "the failed pull recorded an image:" "$(sk images)"
	run --separate-stderr sk pull -q "$REG_HTTP/busybox"
	[ "$status" -eq 0 ] || fail "a good pull after the failure failed ($status):" "$stderr"
	[ "$output" = "$(hex "$BUSYBOX_ID")" ] || fail "good pull printed '$output'"
	assert_tmp_empty
}

# pull_fails REF WORD...: skiff pull -q $PULL_ARGS REF fails as assert_skiff_error
# says and the store is unharmed.
PULL_ARGS=
pull_fails() {
	local ref=$1
	shift
	# shellcheck disable=SC2086
	run --separate-stderr sk pull -q $PULL_ARGS "$ref"
	assert_skiff_error "$@"
	[ -z "$output" ] || fail "a failed pull printed on stdout: $output"
	assert_store_unharmed
}

# ------------------------------------------------------------ references

@test "malformed references" {
	local ref
	for ref in 'UPPER/case' 'busybox:tag:extra' 'busybox@sha256:abc' 'busybox@md5:0123456789abcdef' \
		':tag' 'foo/' '' 'a//b' "$REG_HTTP/busy box" "$REG_HTTP/busybox:-tag" \
		"$REG_HTTP/busybox:$(printf 'x%.0s' {1..200})"; do
		run --separate-stderr sk pull -q "$ref"
		assert_skiff_error "invalid reference" || fail "reference '$ref'"
	done
	assert_store_unharmed
}

@test "unknown host" {
	pull_fails nosuchhost.invalid/busybox:latest nosuchhost.invalid "resolve"
}

@test "connection refused" {
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	pull_fails "127.0.0.1:$port/busybox" "127.0.0.1:$port" "connect"
}

@test "TLS failure: HTTPS registry whose CA is not trusted" {
	pull_fails "$REG_HTTPS/busybox" "$REG_HTTPS" "certificate"
}

@test "plain HTTP registry neither insecure nor --tls-verify=false" {
	: >"$BATS_TEST_TMPDIR/empty.conf"
	CONTAINERS_REGISTRIES_CONF=$BATS_TEST_TMPDIR/empty.conf run --separate-stderr sk pull -q "$REG_HTTP/busybox"
	assert_skiff_error "$REG_HTTP" "ssl|tls|http response"
	assert_store_unharmed
}

# ------------------------------------------------------------ registry refusals

@test "401: basic-auth registry without credentials" {
	PULL_ARGS="--cert-dir $REG_CERTS_DIR"
	pull_fails "$REG_BASIC/busybox" "$REG_BASIC" "unauthorized|authentication"
}

@test "403: denied" {
	pull_fails "$(fault_ref denied)" "denied"
}

@test "404: unknown repository on the fault registry" {
	pull_fails "$(fault_ref notfound)" "manifest unknown|not found"
}

@test "404: unknown tag on the http registry" {
	pull_fails "$REG_HTTP/busybox:nosuchtag" nosuchtag "manifest unknown|not found"
}

# ------------------------------------------------------------ broken content

@test "layer digest mismatch" {
	run --separate-stderr sk pull -q "$(fault_ref digest-mismatch)"
	assert_skiff_error "digest" "${BUSYBOX_LAYERS%% *}"
	[ ! -e "$SKIFF_ROOT/layers/$(hex "$BUSYBOX_DIFF_IDS")" ] || fail "the corrupt layer was committed"
	assert_store_unharmed
}

@test "layer size mismatch" {
	run --separate-stderr sk pull -q "$(fault_ref size-mismatch)"
	assert_skiff_error "size"
	[ ! -e "$SKIFF_ROOT/layers/$(hex "$BUSYBOX_DIFF_IDS")" ] || fail "the oversized layer was committed"
	assert_store_unharmed
}

@test "manifest is not JSON" {
	pull_fails "$(fault_ref bad-json)" "json"
}

@test "config is not JSON" {
	pull_fails "$(fault_ref bad-config)" "config" "json"
}

@test "unsupported manifest media type" {
	pull_fails "$(fault_ref unsupported)" "application/vnd.skiff.test.unknown.v1+json"
}

@test "Docker schema1 manifest" {
	pull_fails "$(fault_ref schema1)" "schema1|schema 1"
}

# ------------------------------------------------------------ hostile layers

# Paths a hostile layer could reach from the store, the test dir, the
# working directory (three levels under the test dir) or /.
escape_candidates() {
	printf '%s\n' /tmp/escape /escape /etc/escape-abs /tmp/link /tmp/passwd-link \
		"$BATS_TEST_TMPDIR/escape" "$BATS_TEST_TMPDIR/work/escape" "$BATS_TEST_TMPDIR/work/a/escape" \
		"$SKIFF_ROOT/escape" "$SKIFF_ROOT/tmp/escape" "$SKIFF_ROOT/layers/escape" \
		"$SKIFF_ROOT/blobs/escape" "$SKIFF_ROOT/etc/escape-abs" "$SKIFF_ROOT/etc/passwd" \
		/dev/evil-sda
}

# What exists at each candidate, and /etc/passwd's identity and content.
outside_state() {
	local p
	escape_candidates | while read -r p; do
		printf '%s %s\n' "$p" "$(stat -c '%F %i %Y' -- "$p" 2>/dev/null || echo absent)"
	done
	stat -c '/etc/passwd %i %h %s %Y' /etc/passwd
	sha256sum /etc/passwd
}

# hostile KIND WORD...: pulling hostile/KIND fails (exit 125, WORD named),
# writes nothing outside the store, records no image and commits no hostile layer.
hostile() {
	local kind=$1 var before after diff_ids
	shift
	var=HOSTILE_$(tr 'a-z-' 'A-Z_' <<<"$kind")_DIFF_IDS
	read -ra diff_ids <<<"${!var}"
	mkdir -p "$BATS_TEST_TMPDIR/work/a/b"
	before=$(outside_state)
	cd "$BATS_TEST_TMPDIR/work/a/b" || return 1
	run --separate-stderr sk pull -q "$REG_HTTP/hostile/$kind"
	cd "$BATS_TEST_TMPDIR" || return 1
	after=$(outside_state)
	assert_skiff_error "$@"
	[ "$before" = "$after" ] || fail "the hostile pull changed things outside the store:" \
		"$(diff <(echo "$before") <(echo "$after"))"
	local found
	found=$(find "$BATS_TEST_TMPDIR" -xdev \( -name 'escape*' -o -name 'passwd-link' -o -name link \) 2>/dev/null)
	[ -z "$found" ] || fail "hostile files left behind:" "$found"
	[ ! -e "$SKIFF_ROOT/layers/$(hex "${diff_ids[1]}")" ] || fail "the hostile layer was committed"
	assert_store_unharmed
}

@test "hostile layer: ../../escape" {
	hostile dotdot '..'
}

@test "hostile layer: absolute path /etc/escape-abs" {
	hostile absolute "/etc/escape-abs"
}

@test "hostile layer: write through a symlink to /tmp" {
	hostile symlink-parent "link/escape|symlink"
}

@test "hostile layer: hardlink to ../../etc/passwd" {
	hostile hardlink-out "passwd"
}

@test "hostile layer: config diff_id does not match the layer" {
	hostile diffid "diff_id|diffid"
}

# As root skiff creates device nodes (like podman): the node must stay in the
# layer dir and nothing else changes.
@test "hostile layer: block device node (allowed as root, confined to the layer dir)" {
	local before after ids dev
	read -ra ids <<<"$HOSTILE_DEVICE_DIFF_IDS"
	before=$(outside_state)
	run --separate-stderr sk pull -q "$REG_HTTP/hostile/device"
	after=$(outside_state)
	[ "$before" = "$after" ] || fail "the pull changed things outside the store:" \
		"$(diff <(echo "$before") <(echo "$after"))"
	if [ "$(id -u)" -eq 0 ]; then
		assert_success
		[ "$output" = "$(hex "$HOSTILE_DEVICE_ID")" ] || fail "pull printed '$output'"
		dev=$SKIFF_ROOT/layers/$(hex "${ids[1]}")/diff/dev/evil-sda
		[ -b "$dev" ] || fail "$dev is not a block device"
		[ "$(stat -c '%t:%T' "$dev")" = 8:0 ] || fail "$dev is $(stat -c '%t:%T' "$dev")"
	else
		assert_skiff_error "device"
	fi
	assert_tmp_empty
	assert_store_intact
}

# ------------------------------------------------------------ transient faults

@test "flaky registry (503 twice per blob) is retried" {
	local ref layer gets
	ref=$(fault_ref flaky)
	layer=${BUSYBOX_LAYERS%% *}
	run --separate-stderr sk pull -q "$ref"
	assert_success
	[ "$output" = "$(hex "$BUSYBOX_ID")" ] || fail "pull printed '$output'; stderr:" "$stderr"
	gets=$(fault_stats | jq --arg k "GET /v2/$(fault_ns)/fault/flaky/blobs/$layer" '.requests[$k] // 0')
	[ "$gets" -eq 3 ] || fail "layer blob fetched $gets times, expected 2 failures and 1 success"
	[ "$(sk images --format '{{.Repository}}:{{.Tag}}')" = "$ref" ]
	assert_tmp_empty
}

@test "dropped connection is resumed with a Range request" {
	local ref layer ranges
	ref=$(fault_ref drop)
	layer=${BUSYBOX_LAYERS%% *}
	run --separate-stderr sk pull -q "$ref"
	assert_success
	[ "$output" = "$(hex "$BUSYBOX_ID")" ] || fail "pull printed '$output'; stderr:" "$stderr"
	ranges=$(fault_stats | jq -r --arg k "/v2/$(fault_ns)/fault/drop/blobs/$layer" '.ranges[$k] // [] | .[]')
	grep -qE '^bytes=[1-9][0-9]*-$' <<<"$ranges" || fail "no 'bytes=N-' resume request for the layer; ranges:" "$ranges"
	[ "$(sk images --format '{{.Repository}}:{{.Tag}}')" = "$ref" ]
	cmp /bin/busybox "$SKIFF_ROOT/layers/$(hex "$BUSYBOX_DIFF_IDS")/diff/bin/busybox"
	assert_tmp_empty
}

# ------------------------------------------------------------ disk full

@test "disk full: the pull fails cleanly, the store works, a bigger disk succeeds" {
	mkdir -p "$SKIFF_ROOT"
	mount -t tmpfs -o size=1m skiff-test-full "$SKIFF_ROOT"
	run --separate-stderr sk pull -q "$REG_HTTP/busybox"
	assert_skiff_error "No space left on device"
	assert_store_intact
	assert_tmp_empty
	[ -z "$(sk images -q)" ] || fail "an image was recorded"
	mount -o remount,size=16m "$SKIFF_ROOT"
	run --separate-stderr sk pull -q "$REG_HTTP/busybox"
	assert_success
	[ "$output" = "$(hex "$BUSYBOX_ID")" ] || fail "pull printed '$output'; stderr:" "$stderr"
	[ "$(sk images -q)" = "${BUSYBOX_ID:7:12}" ]
	cmp /bin/busybox "$SKIFF_ROOT/layers/$(hex "$BUSYBOX_DIFF_IDS")/diff/bin/busybox"
	assert_tmp_empty
}
