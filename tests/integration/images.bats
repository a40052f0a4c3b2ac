#!/usr/bin/env bats
# Local image commands: images, image inspect, inspect, tag, rmi, info,
# version, help, and how the CLI reports bad commands and flags.

load helpers

bats_require_minimum_version 1.5.0

# ------------------------------------------------------------ local helpers

hex() {
	echo "${1#sha256:}"
}


layer_dir() {
	echo "$SKIFF_ROOT/layers/${1#sha256:}/diff"
}

image_names() {
	sk images --format '{{.Repository}}:{{.Tag}}'
}

# pull NAME (on the http registry; the image must exist there).
pull() {
	sk pull -q "$REG_HTTP/$1" >/dev/null
}

BB=
ML=

setup() {
	skiff_setup
	BB=$REG_HTTP/busybox:latest
	ML=$REG_HTTP/multilayer:latest
}

# ------------------------------------------------------------ images

@test "images: table header and one row per image" {
	pull busybox
	pull multilayer
	run sk images
	assert_success
	local header
	header=$(head -n 1 <<<"$output")
	[[ $header =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE\ *$ ]] || fail "header: '$header'"
	[ "$(wc -l <<<"$output")" -eq 3 ] || fail "expected a header and 2 rows:" "$output"
	grep -qE "^$REG_HTTP/busybox +latest +${BUSYBOX_ID:7:12} +[^ ].* +[0-9.]+ (B|kB|MB)\$" <<<"$output" ||
		fail "no busybox row:" "$output"
	grep -qE "^$REG_HTTP/multilayer +latest +${MULTILAYER_ID:7:12} " <<<"$output" ||
		fail "no multilayer row:" "$output"
	run sk images -n
	assert_success
	[ "$(wc -l <<<"$output")" -eq 2 ] && [[ $output != *REPOSITORY* ]] || fail "-n output:" "$output"
}

@test "images in an empty store prints the header only" {
	run sk images
	assert_success
	[[ $output == REPOSITORY* ]] && [ "$(wc -l <<<"$output")" -eq 1 ] || fail "output:" "$output"
	run sk images -q
	assert_success
	[ -z "$output" ]
}

@test "images -q prints one 12-hex ID per image" {
	pull busybox
	pull multilayer
	sk tag "$BB" extra-name
	run sk images -q
	assert_success
	[ "$(sort <<<"$output")" = "$(printf '%s\n' "${BUSYBOX_ID:7:12}" "${MULTILAYER_ID:7:12}" | sort)" ] ||
		fail "images -q:" "$output"
}

@test "images --no-trunc shows sha256:<64 hex> IDs" {
	pull busybox
	run sk images --no-trunc
	assert_success
	assert_output_contains "$BUSYBOX_ID"
	run sk images -q --no-trunc
	assert_success
	[ "$output" = "$BUSYBOX_ID" ] || fail "images -q --no-trunc: '$output'"
}

@test "images --digests shows the manifest digest" {
	pull busybox
	run sk images --digests
	assert_success
	[[ $(head -n 1 <<<"$output") =~ ^REPOSITORY\ +TAG\ +DIGEST\ +IMAGE\ ID ]] || fail "header:" "$output"
	grep -qE "^$REG_HTTP/busybox +latest +$BUSYBOX_DIGEST +${BUSYBOX_ID:7:12} " <<<"$output" ||
		fail "no busybox row with its digest:" "$output"
}

@test "images --format json is valid JSON with Id, RepoTags, RepoDigests, Size" {
	pull busybox
	pull multilayer
	run sk images --format json
	assert_success
	jq -e 'type == "array" and length == 2' <<<"$output" >/dev/null || fail "not a 2-element array:" "$output"
	jq -e --arg id "$(hex "$BUSYBOX_ID")" --arg t "$BB" --arg d "$REG_HTTP/busybox@$BUSYBOX_DIGEST" '
		.[] | select((.Id | ltrimstr("sha256:")) == $id)
		| (.RepoTags == [$t]) and (.RepoDigests | index($d) != null) and (.Size > 1000000)' \
		<<<"$output" >/dev/null || fail "busybox entry wrong:" "$output"
	jq -e --arg id "$(hex "$MULTILAYER_ID")" '.[] | select((.Id | ltrimstr("sha256:")) == $id) | .Size > 0' \
		<<<"$output" >/dev/null || fail "no multilayer entry:" "$output"
}

@test "images --format with a template" {
	pull busybox
	pull multilayer
	run sk images --format '{{.Repository}}:{{.Tag}}'
	assert_success
	[ "$(sort <<<"$output")" = "$(printf '%s\n' "$BB" "$ML" | sort)" ] || fail "output:" "$output"
}

@test "images NAME lists only that image" {
	pull busybox
	pull multilayer
	run sk images -q "$ML"
	assert_success
	[ "$output" = "${MULTILAYER_ID:7:12}" ] || fail "images $ML -q: '$output'"
}

# ------------------------------------------------------------ inspect

@test "image inspect: Id, Digest, RepoTags, RepoDigests, Architecture, Os, Config.Cmd, RootFS.Layers, Size" {
	pull multilayer
	run sk image inspect "$ML"
	assert_success
	local j=$output
	jq -e 'type == "array" and length == 1' <<<"$j" >/dev/null || fail "not one-element array:" "$j"
	[ "$(jq -r '.[0].Id | ltrimstr("sha256:")' <<<"$j")" = "$(hex "$MULTILAYER_ID")" ] || fail "Id:" "$j"
	[ "$(jq -r '.[0].Digest' <<<"$j")" = "$MULTILAYER_DIGEST" ] || fail "Digest:" "$j"
	[ "$(jq -c '.[0].RepoTags' <<<"$j")" = "[\"$ML\"]" ] || fail "RepoTags:" "$j"
	jq -e --arg d "$REG_HTTP/multilayer@$MULTILAYER_DIGEST" '.[0].RepoDigests | index($d) != null' <<<"$j" >/dev/null ||
		fail "RepoDigests:" "$(jq .[0].RepoDigests <<<"$j")"
	[ "$(jq -r '.[0].Architecture' <<<"$j")" = amd64 ]
	[ "$(jq -r '.[0].Os' <<<"$j")" = linux ]
	[ "$(jq -c '.[0].Config.Cmd' <<<"$j")" = '["sh"]' ] || fail "Config.Cmd:" "$(jq -c .[0].Config <<<"$j")"
	[ "$(jq -r '.[0].RootFS.Layers | join(" ")' <<<"$j")" = "$MULTILAYER_DIFF_IDS" ] ||
		fail "RootFS.Layers:" "$(jq -c .[0].RootFS <<<"$j")" "expected: $MULTILAYER_DIFF_IDS"
	jq -e '.[0].Size > 0' <<<"$j" >/dev/null || fail "Size:" "$(jq .[0].Size <<<"$j")"
	# skiff inspect is the same document.
	run sk inspect "$ML"
	assert_success
	[ "$output" = "$j" ] || fail "skiff inspect differs from skiff image inspect"
}

@test "inspect -f '{{.Id}}' and by short ID" {
	pull busybox
	run sk inspect -f '{{.Id}}' "$BB"
	assert_success
	[ "$(hex "$output")" = "$(hex "$BUSYBOX_ID")" ] || fail "inspect -f: '$output'"
	run sk inspect -f '{{.Id}}' "${BUSYBOX_ID:7:12}"
	assert_success
	[ "$(hex "$output")" = "$(hex "$BUSYBOX_ID")" ] || fail "inspect by short ID: '$output'"
}

@test "inspect of an unknown image fails with one error line" {
	run --separate-stderr sk inspect nosuch:latest
	assert_skiff_error nosuch
}

# ------------------------------------------------------------ tag

@test "tag adds names; images lists every name" {
	pull busybox
	run sk tag "$BB" mybox newreg.example:5000/team/box:v2
	assert_success
	run image_names
	[ "$(sort <<<"$output")" = "$(printf '%s\n' "$BB" localhost/mybox:latest newreg.example:5000/team/box:v2 | sort)" ] ||
		fail "images lists:" "$output"
	run sk images -q
	[ "$output" = "${BUSYBOX_ID:7:12}" ] || fail "one image expected: $output"
	run sk inspect -f '{{.Id}}' mybox
	assert_success
	[ "$(hex "$output")" = "$(hex "$BUSYBOX_ID")" ]
}

@test "tag of an unknown image fails with one error line" {
	run --separate-stderr sk tag nosuch:latest newname
	assert_skiff_error nosuch
}

# ------------------------------------------------------------ rmi

@test "rmi by name of an image with several names only untags" {
	pull busybox
	sk tag "$BB" mybox
	run --separate-stderr sk rmi mybox
	assert_success
	[[ $output == *"Untagged: localhost/mybox:latest"* ]] || fail "rmi said:" "$output"
	[[ $output != *Deleted:* ]] || fail "rmi deleted the image:" "$output"
	[ "$(image_names)" = "$BB" ] || fail "images lists:" "$(image_names)"
	[ -d "$(layer_dir "$BUSYBOX_DIFF_IDS")" ] || fail "layer removed"
}

@test "rmi by ID of an image with several names fails without -f, -f removes it" {
	pull busybox
	sk tag "$BB" mybox
	run --separate-stderr sk rmi "${BUSYBOX_ID:7:12}"
	assert_skiff_error
	[ "$(image_names | sort)" = "$(printf '%s\n' "$BB" localhost/mybox:latest | sort)" ] ||
		fail "a failed rmi changed the names:" "$(image_names)"
	run --separate-stderr sk rmi -f "${BUSYBOX_ID:7:12}"
	assert_success
	assert_output_contains "Untagged: $BB"
	assert_output_contains "Untagged: localhost/mybox:latest"
	assert_output_contains "Deleted: $(hex "$BUSYBOX_ID")"
	[ -z "$(sk images -q)" ] || fail "image still listed"
	[ ! -e "$SKIFF_ROOT/layers/$(hex "$BUSYBOX_DIFF_IDS")" ] || fail "the layer is left behind"
}

@test "rmi keeps layers another image uses and removes the rest" {
	pull busybox
	pull multilayer
	local ids
	read -ra ids <<<"$MULTILAYER_DIFF_IDS"
	[ "${ids[0]}" = "$BUSYBOX_DIFF_IDS" ] || fail "fixture: the images do not share the base layer"
	run sk rmi "$ML"
	assert_success
	assert_output_contains "Deleted: $(hex "$MULTILAYER_ID")"
	[ "$(image_names)" = "$BB" ] || fail "images lists:" "$(image_names)"
	[ -d "$(layer_dir "${ids[0]}")" ] || fail "the shared base layer was removed"
	[ -x "$(layer_dir "${ids[0]}")/bin/busybox" ] || fail "the shared base layer lost its content"
	[ ! -e "$SKIFF_ROOT/layers/$(hex "${ids[1]}")" ] || fail "multilayer's layer 2 is left behind"
	[ ! -e "$SKIFF_ROOT/layers/$(hex "${ids[2]}")" ] || fail "multilayer's layer 3 is left behind"
	[ -z "$(ls -A "$SKIFF_ROOT/tmp")" ] || fail "tmp/ not empty: $(ls -A "$SKIFF_ROOT/tmp")"
	# busybox still works as an image.
	run sk image inspect "$BB"
	assert_success
}

@test "a name pulled again moves to the new image; the old one stays, untagged, and rmi by ID removes it" {
	[ "$(uname -m)" = x86_64 ] || skip "the default platform is only known on amd64 hosts"
	sk pull -q "$REG_HTTP/multiarch" >/dev/null
	sk pull -q --arch arm64 "$REG_HTTP/multiarch" >/dev/null
	run sk images --format '{{.ID}} {{.Tag}}'
	assert_success
	[ "$(LC_ALL=C sort <<<"$output")" = "$(printf '%s\n' "${MULTIARCH_AMD64_ID:7:12} <none>" "${MULTIARCH_ARM64_ID:7:12} latest" | LC_ALL=C sort)" ] ||
		fail "images lists:" "$output"
	run sk inspect -f '{{.Id}}' "$REG_HTTP/multiarch"
	[ "$(hex "$output")" = "$(hex "$MULTIARCH_ARM64_ID")" ] || fail "the name points at $output"
	run sk rmi "${MULTIARCH_AMD64_ID:7:12}"
	assert_success
	assert_output_contains "Deleted: $(hex "$MULTIARCH_AMD64_ID")"
	[ "$(sk images -q)" = "${MULTIARCH_ARM64_ID:7:12}" ] || fail "images: $(sk images)"
	[ "$(ls "$SKIFF_ROOT/layers")" = "$(hex "$MULTIARCH_ARM64_DIFF_IDS")" ] ||
		fail "layers left: $(ls "$SKIFF_ROOT/layers")"
}

@test "rmi -a removes every image and layer" {
	pull busybox
	pull multilayer
	sk tag "$BB" mybox
	run sk rmi -a
	assert_success
	assert_output_contains "Deleted: $(hex "$BUSYBOX_ID")"
	assert_output_contains "Deleted: $(hex "$MULTILAYER_ID")"
	[ -z "$(sk images -q)" ] || fail "images left: $(sk images)"
	[ -z "$(ls -A "$SKIFF_ROOT/layers")" ] || fail "layers left: $(ls -A "$SKIFF_ROOT/layers")"
	[ -z "$(ls -A "$SKIFF_ROOT/tmp")" ] || fail "tmp/ not empty: $(ls -A "$SKIFF_ROOT/tmp")"
	run sk rmi -a
	assert_success
}

# Manifests and configs of removed images are not kept forever: the store
# must not grow with every pull/rmi cycle.
@test "rmi -a leaves no blobs of the removed images" {
	pull busybox
	pull multilayer
	run sk rmi -a
	assert_success
	local left
	left=$(find "$SKIFF_ROOT/blobs" -type f)
	[ -z "$left" ] || fail "blobs of removed images remain:" "$left"
}

@test "rmi of an unknown image exits 1 with one error line" {
	pull busybox
	ERR_STATUS=1
	run --separate-stderr sk rmi nosuch:latest
	assert_skiff_error nosuch
	# Known and unknown together: the known one goes, the exit is still 1.
	run --separate-stderr sk rmi "$BB" nosuch:latest
	assert_skiff_error nosuch
	[ -z "$(sk images -q)" ] || fail "busybox not removed"
}

@test "rmi -i of an unknown image succeeds" {
	run --separate-stderr sk rmi -i nosuch:latest
	assert_success
	[ -z "$stderr" ] || fail "stderr:" "$stderr"
}

@test "image ls, image rm, image tag and image pull are the same commands" {
	run sk image pull -q "$REG_HTTP/busybox"
	assert_success
	[ "$output" = "$(hex "$BUSYBOX_ID")" ]
	run sk image tag "$BB" alias
	assert_success
	run sk image ls --format '{{.Repository}}:{{.Tag}}'
	assert_success
	[ "$(sort <<<"$output")" = "$(printf '%s\n' "$BB" localhost/alias:latest | sort)" ] || fail "image ls:" "$output"
	run sk image rm alias
	assert_success
	assert_output_contains "Untagged: localhost/alias:latest"
}

# ------------------------------------------------------------ info, version, help

@test "info --format json names the store" {
	run sk info --format json
	assert_success
	[ "$(jq -r .store.graphRoot <<<"$output")" = "$SKIFF_ROOT" ] || fail "info:" "$output"
	[ "$(jq -r .store.runRoot <<<"$output")" = "$SKIFF_RUNROOT" ] || fail "info:" "$output"
	run sk info
	assert_success
	assert_output_contains "$SKIFF_ROOT"
}

@test "version prints the project version" {
	local v
	v=$(sed -n 's/^project(skiff VERSION \([0-9.]*\).*/\1/p' "$SKIFF_SRC/CMakeLists.txt")
	[ -n "$v" ] || fail "no version in CMakeLists.txt"
	run sk version
	assert_success
	[[ $output =~ Version:\ +$v ]] || fail "version:" "$output"
	run sk --version
	assert_success
	assert_output_contains "$v"
}

@test "help and --help on every command exit 0 and print usage" {
	local c
	run sk help
	assert_success
	assert_output_contains pull
	for c in pull images image inspect rmi tag login logout info version; do
		run --separate-stderr sk "$c" --help
		[ "$status" -eq 0 ] || fail "skiff $c --help exited $status: $stderr"
		[[ $output == *"skiff $c"* ]] || fail "skiff $c --help printed:" "$output"
		run --separate-stderr sk help "$c"
		[ "$status" -eq 0 ] || fail "skiff help $c exited $status: $stderr"
		[[ $output == *"skiff $c"* ]] || fail "skiff help $c printed:" "$output"
	done
	for c in ls inspect rm pull tag; do
		run --separate-stderr sk image "$c" --help
		[ "$status" -eq 0 ] || fail "skiff image $c --help exited $status: $stderr"
		[ -n "$output" ] || fail "skiff image $c --help printed nothing"
	done
	run sk --help
	assert_success
}

@test "help --help exits 0 and prints help's usage" {
	run --separate-stderr sk help --help
	[ "$status" -eq 0 ] || fail "skiff help --help exited $status: $stderr"
	[[ $output == *"skiff help"* ]] || fail "skiff help --help printed:" "$output"
}

@test "an unknown command fails with one error line" {
	run --separate-stderr sk frobnicate
	assert_skiff_error frobnicate
	run --separate-stderr sk image frobnicate
	assert_skiff_error frobnicate
	run --separate-stderr sk help frobnicate
	assert_skiff_error frobnicate
}

@test "an unknown flag fails with one error line" {
	local c
	for c in pull images inspect rmi tag login logout info version; do
		run --separate-stderr sk "$c" --no-such-flag
		assert_skiff_error --no-such-flag
	done
	run --separate-stderr sk --no-such-flag images
	assert_skiff_error --no-such-flag
	run --separate-stderr sk images --format
	assert_skiff_error format
}

@test "skiff without a command fails with one error line" {
	run --separate-stderr "$SKIFF" --root "$SKIFF_ROOT" --runroot "$SKIFF_RUNROOT"
	assert_skiff_error command
}
