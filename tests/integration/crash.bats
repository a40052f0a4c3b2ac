#!/usr/bin/env bats
# Crash safety and concurrency: skiff pull killed with SIGKILL at various
# moments, and several skiff processes sharing one store.

load helpers

bats_require_minimum_version 1.5.0

# ------------------------------------------------------------ local helpers

hex() {
	echo "${1#sha256:}"
}

# skr ROOT ARGS...: skiff on another store under this test's directory.
skr() {
	local root=$1
	shift
	"$SKIFF" --root "$root" --runroot "$root.run" "$@"
}

tmp_left() {
	ls -A "$1/tmp" 2>/dev/null || true
}

# tree_listing DIR: every entry of a layer dir with type, mode, owner, size,
# link target and content hash: equal listings mean equal layers.
tree_listing() {
	(
		cd "$1" && find . -printf '%p %y %m %U:%G %s %l\n' | LC_ALL=C sort
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
	)
}

# assert_consistent ROOT: every image `images` lists can be inspected and has
# all of its layer dirs, each with diff/ and layer.json; images.json is valid.
assert_consistent() {
	local root=$1 id d out
	out=$(skr "$root" images --no-trunc -q) || fail "images failed on $root"
	if [ -e "$root/images.json" ]; then
		jq -e . "$root/images.json" >/dev/null || fail "$root/images.json is not valid JSON"
	fi
	for id in $(sort -u <<<"$out"); do
		local layers
		layers=$(skr "$root" image inspect "$id" | jq -er '.[0].RootFS.Layers[]') ||
			fail "image $id is listed but cannot be inspected"
		for d in $layers; do
			[ -d "$root/layers/$(hex "$d")/diff" ] || fail "image $id is listed but its layer $d has no diff dir"
			[ -s "$root/layers/$(hex "$d")/layer.json" ] || fail "image $id: layer $d has no layer.json"
		done
	done
}

# ------------------------------------------------------------ kill -9

@test "pull killed with SIGKILL at several moments leaves a usable store" {
	local ref=$REG_HTTPS/multilayer ref_root=$BATS_TEST_TMPDIR/ref d delay i=0 pid root out listed killed=0
	local cd=(--cert-dir "$REG_CERTS_DIR")
	# A clean pull to compare layer contents against.
	skr "$ref_root" pull -q "${cd[@]}" "$ref" >/dev/null
	for delay in 0.005 0.01 0.02 0.03 0.05 0.07 0.1 0.15 0.2 0.3 0.4; do
		i=$((i + 1))
		root=$BATS_TEST_TMPDIR/kill$i
		# The binary itself in the background (not the skr function, whose
		# subshell would take the SIGKILL instead).
		"$SKIFF" --root "$root" --runroot "$root.run" pull -q "${cd[@]}" "$ref" >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -KILL "$pid" 2>/dev/null && killed=$((killed + 1))
		wait "$pid" || true

		# The store works and shows no half image.
		out=$(skr "$root" images --format '{{.Repository}}:{{.Tag}}') ||
			fail "delay $delay: images failed after the kill"
		if [ -n "$out" ]; then
			[ "$out" = "$ref:latest" ] || fail "delay $delay: images lists:" "$out"
		fi
		assert_consistent "$root"
		# Another skiff command reaped the dead process's workspace.
		[ -z "$(tmp_left "$root")" ] || fail "delay $delay: tmp/ after 'images':" "$(tmp_left "$root")"

		# Any layer that was committed before the kill is complete.
		for d in $MULTILAYER_DIFF_IDS; do
			d=$(hex "$d")
			[ -e "$root/layers/$d" ] || continue
			[ "$(tree_listing "$root/layers/$d/diff")" = "$(tree_listing "$ref_root/layers/$d/diff")" ] ||
				fail "delay $delay: committed layer $d differs from a clean pull"
		done

		# The next pull succeeds, and leaves a complete image and an empty tmp/.
		out=$(skr "$root" pull -q "${cd[@]}" "$ref") || fail "delay $delay: the pull after the kill failed"
		[ "$out" = "$(hex "$MULTILAYER_ID")" ] || fail "delay $delay: pull printed '$out'"
		listed=$(skr "$root" images --format '{{.Repository}}:{{.Tag}}')
		[ "$listed" = "$ref:latest" ] || fail "delay $delay: images lists:" "$listed"
		for d in $MULTILAYER_DIFF_IDS; do
			d=$(hex "$d")
			[ "$(tree_listing "$root/layers/$d/diff")" = "$(tree_listing "$ref_root/layers/$d/diff")" ] ||
				fail "delay $delay: layer $d differs from a clean pull"
		done
		[ -z "$(tmp_left "$root")" ] || fail "delay $delay: tmp/ after the pull:" "$(tmp_left "$root")"
		rm -rf "$root" "$root.run"
	done
	# Most kills must have hit a running pull, or this tested nothing.
	[ "$killed" -ge 5 ] || fail "only $killed of $i pulls were still running when killed"
}

@test "rmi killed with SIGKILL leaves a usable store" {
	local ref=$REG_HTTPS/multilayer delay i=0 pid root out
	local cd=(--cert-dir "$REG_CERTS_DIR")
	for delay in 0.001 0.003 0.005 0.01 0.02; do
		i=$((i + 1))
		root=$BATS_TEST_TMPDIR/kill$i
		skr "$root" pull -q "${cd[@]}" "$ref" >/dev/null
		"$SKIFF" --root "$root" --runroot "$root.run" rmi -a >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" || true
		assert_consistent "$root"
		[ -z "$(tmp_left "$root")" ] || fail "delay $delay: tmp/ after 'images':" "$(tmp_left "$root")"
		out=$(skr "$root" pull -q "${cd[@]}" "$ref") || fail "delay $delay: the pull after the kill failed"
		[ "$out" = "$(hex "$MULTILAYER_ID")" ] || fail "delay $delay: pull printed '$out'"
		assert_consistent "$root"
		skr "$root" rmi -a >/dev/null || fail "delay $delay: rmi -a failed"
		[ -z "$(ls -A "$root/layers")" ] || fail "delay $delay: layers left after rmi -a: $(ls -A "$root/layers")"
		[ -z "$(tmp_left "$root")" ] || fail "delay $delay: tmp/ after rmi -a:" "$(tmp_left "$root")"
		rm -rf "$root" "$root.run"
	done
}

# ------------------------------------------------------------ concurrency

# wait_all PID...: wait for each; fail naming the ones that did not exit 0.
wait_all() {
	local pid bad=
	for pid in "$@"; do
		wait "$pid" || bad="$bad $pid"
	done
	[ -z "$bad" ] || fail "these skiff processes failed:$bad"
}

@test "4 concurrent pulls of the same image" {
	local i pids=() out
	for i in 1 2 3 4; do
		sk pull -q "$REG_HTTP/multilayer" >"$BATS_TEST_TMPDIR/out$i" 2>"$BATS_TEST_TMPDIR/err$i" &
		pids+=($!)
	done
	wait_all "${pids[@]}" || fail "$(cat "$BATS_TEST_TMPDIR"/err*)"
	for i in 1 2 3 4; do
		[ "$(cat "$BATS_TEST_TMPDIR/out$i")" = "$(hex "$MULTILAYER_ID")" ] ||
			fail "pull $i printed '$(cat "$BATS_TEST_TMPDIR/out$i")'"
	done
	out=$(sk images --format '{{.Repository}}:{{.Tag}}')
	[ "$out" = "$REG_HTTP/multilayer:latest" ] || fail "images lists:" "$out"
	[ "$(sk images -q)" = "${MULTILAYER_ID:7:12}" ] || fail "images -q: $(sk images -q)"
	assert_consistent "$SKIFF_ROOT"
	[ "$(ls "$SKIFF_ROOT/layers" | wc -l)" -eq 3 ] || fail "layers: $(ls "$SKIFF_ROOT/layers")"
	[ -z "$(tmp_left "$SKIFF_ROOT")" ] || fail "tmp/ not empty:" "$(tmp_left "$SKIFF_ROOT")"
}

# All four share the busybox base layer, so they race to commit it.
@test "4 concurrent pulls of different images" {
	local imgs=(multilayer zstd uncompressed docker-schema2) ids i pids=() out want
	ids=("$MULTILAYER_ID" "$ZSTD_ID" "$UNCOMPRESSED_ID" "$DOCKER_SCHEMA2_ID")
	for i in 0 1 2 3; do
		sk pull -q "$REG_HTTP/${imgs[i]}" >"$BATS_TEST_TMPDIR/out$i" 2>"$BATS_TEST_TMPDIR/err$i" &
		pids+=($!)
	done
	wait_all "${pids[@]}" || fail "$(cat "$BATS_TEST_TMPDIR"/err*)"
	for i in 0 1 2 3; do
		[ "$(cat "$BATS_TEST_TMPDIR/out$i")" = "$(hex "${ids[i]}")" ] ||
			fail "pull of ${imgs[i]} printed '$(cat "$BATS_TEST_TMPDIR/out$i")'"
	done
	out=$(sk images --format '{{.Repository}}:{{.Tag}}' | LC_ALL=C sort)
	want=$(for i in 0 1 2 3; do echo "$REG_HTTP/${imgs[i]}:latest"; done | LC_ALL=C sort)
	[ "$out" = "$want" ] || fail "images lists:" "$out"
	assert_consistent "$SKIFF_ROOT"
	[ "$(ls "$SKIFF_ROOT/layers" | wc -l)" -eq 3 ] || fail "layers: $(ls "$SKIFF_ROOT/layers")"
	cmp /bin/busybox "$SKIFF_ROOT/layers/$(hex "$BUSYBOX_DIFF_IDS")/diff/bin/busybox"
	[ -z "$(tmp_left "$SKIFF_ROOT")" ] || fail "tmp/ not empty:" "$(tmp_left "$SKIFF_ROOT")"
}

# Pulls of two images sharing a layer race rmi of both: whatever the
# interleaving, every pull succeeds and the store stays consistent.
@test "concurrent pull and rmi loops leave a consistent store" {
	local n=8 pids=() i
	(
		for ((i = 0; i < n; i++)); do
			sk pull -q "$REG_HTTP/busybox" >/dev/null || exit 1
		done
	) 2>"$BATS_TEST_TMPDIR/err-bb" &
	pids+=($!)
	(
		for ((i = 0; i < n; i++)); do
			sk pull -q "$REG_HTTP/multilayer" >/dev/null || exit 1
		done
	) 2>"$BATS_TEST_TMPDIR/err-ml" &
	pids+=($!)
	(
		for ((i = 0; i < 2 * n; i++)); do
			sk rmi -i -f "$REG_HTTP/busybox" "$REG_HTTP/multilayer" >/dev/null || exit 1
		done
	) 2>"$BATS_TEST_TMPDIR/err-rmi" &
	pids+=($!)
	(
		for ((i = 0; i < 2 * n; i++)); do
			sk images >/dev/null || exit 1
		done
	) 2>"$BATS_TEST_TMPDIR/err-images" &
	pids+=($!)
	wait_all "${pids[@]}" || fail "$(tail -n 3 "$BATS_TEST_TMPDIR"/err-*)"
	assert_consistent "$SKIFF_ROOT"
	[ -z "$(tmp_left "$SKIFF_ROOT")" ] || fail "tmp/ not empty:" "$(tmp_left "$SKIFF_ROOT")"

	# Every layer dir belongs to a listed image (none leaked, none missing).
	local used have
	used=$(for id in $(sk images -q --no-trunc); do
		sk image inspect "$id" | jq -r '.[0].RootFS.Layers[] | ltrimstr("sha256:")'
	done | LC_ALL=C sort -u)
	have=$(ls "$SKIFF_ROOT/layers" | LC_ALL=C sort)
	[ "$used" = "$have" ] || fail "layer dirs do not match the listed images' layers:" \
		"used: $used" "present: $have"

	# The store still works both ways.
	sk pull -q "$REG_HTTP/multilayer" >/dev/null
	sk pull -q "$REG_HTTP/busybox" >/dev/null
	assert_consistent "$SKIFF_ROOT"
	sk rmi -a >/dev/null
	[ -z "$(ls -A "$SKIFF_ROOT/layers")" ] || fail "layers left after rmi -a: $(ls -A "$SKIFF_ROOT/layers")"
}
