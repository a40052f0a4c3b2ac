#!/usr/bin/env bats
# The test harness itself: the fixture registries answer as the other tests
# expect, checked with curl alone (no skiff needed).

load helpers

MT_ACCEPT="application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.v2+json,application/vnd.docker.distribution.manifest.list.v2+json"

# header NAME: the value of response header NAME from curl -D output on stdin.
header() {
	tr -d '\r' | awk -v n="$(tr '[:upper:]' '[:lower:]' <<<"$1"):" \
		'tolower($1) == n { sub(/^[^:]*: */, ""); print; exit }'
}

# challenge_param PARAM: a parameter of the WWW-Authenticate value on stdin.
challenge_param() {
	sed -n "s/.*$1=\"\\([^\"]*\\)\".*/\\1/p"
}

# token_for REGISTRY REPO [CURL ARGS]: do the bearer dance for pulling REPO.
token_for() {
	local reg=$1 repo=$2 chall realm service scope
	shift 2
	chall=$(fcurl -o /dev/null -D - "https://$reg/v2/$repo/manifests/latest" | header WWW-Authenticate)
	[[ $chall == Bearer* ]] || fail "no bearer challenge from $reg: '$chall'"
	realm=$(challenge_param realm <<<"$chall")
	service=$(challenge_param service <<<"$chall")
	scope=$(challenge_param scope <<<"$chall")
	fcurl -f "$@" -G "$realm" --data-urlencode "service=$service" \
		--data-urlencode "scope=$scope" | jq -er .token
}

# jwt_part TOKEN N: the decoded JSON of part N (0 header, 1 claims).
jwt_part() {
	python3 -c 'import base64, sys
p = sys.argv[1].split(".")[int(sys.argv[2])]
sys.stdout.write(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode())' "$1" "$2"
}

@test "env file names every server, credential and image digest" {
	local v
	for v in REG_HTTP REG_HTTPS REG_BASIC REG_TOKEN REG_FAULT TOKEN_SERVER TOKEN_REALM \
		TOKEN_SERVICE REG_CA REG_CERTS_DIR REG_CERTS_D REG_USER REG_PASS FIXTURE_IMAGES \
		BUSYBOX_DIGEST BUSYBOX_ID BUSYBOX_LAYERS BUSYBOX_DIFF_IDS MULTILAYER_DIGEST \
		DOCKER_SCHEMA2_DIGEST ZSTD_DIGEST UNCOMPRESSED_DIGEST PRIVATE_SECRET_DIGEST \
		MULTIARCH_DIGEST MULTIARCH_AMD64_DIGEST MULTIARCH_ARM64_DIGEST \
		DOCKER_LIST_DIGEST DOCKER_LIST_AMD64_DIGEST DOCKER_LIST_ARM64_DIGEST \
		HOSTILE_DOTDOT_DIGEST HOSTILE_ABSOLUTE_DIGEST HOSTILE_SYMLINK_PARENT_DIGEST \
		HOSTILE_HARDLINK_OUT_DIGEST HOSTILE_DEVICE_DIGEST HOSTILE_DIFFID_DIGEST; do
		[ -n "${!v:-}" ] || fail "$v is not set by $SKIFF_TEST_STATE/env"
	done
	[ -s "$REG_CA" ]
	[ -s "$REG_CERTS_DIR/ca.crt" ]
	[ -s "$REG_CERTS_D/$REG_HTTPS/ca.crt" ]
	[[ $BUSYBOX_ID == sha256:* ]]
	[ "$BUSYBOX_ID" != "$MULTILAYER_ID" ]
}

@test "per-test world: private store paths, HOME and registries.conf" {
	[[ $SKIFF_ROOT == "$BATS_TEST_TMPDIR"/* ]]
	[[ $SKIFF_RUNROOT == "$BATS_TEST_TMPDIR"/* ]]
	[[ $HOME == "$BATS_TEST_TMPDIR"/* ]]
	[[ $REGISTRY_AUTH_FILE == "$BATS_TEST_TMPDIR"/* ]]
	grep -qF "unqualified-search-registries = [\"$REG_HTTP\"]" "$CONTAINERS_REGISTRIES_CONF"
	grep -qF "location = \"$REG_FAULT\"" "$CONTAINERS_REGISTRIES_CONF"
}

@test "http registry serves every fixture image with the recorded digest" {
	local img prefix digest_var ref got
	for img in $(compgen -v IMG_); do
		prefix=${img#IMG_}
		digest_var=${prefix}_DIGEST
		ref=${!img}
		run curl -sSf -H "Accept: $MT_ACCEPT" "http://$REG_HTTP/v2/${ref%:*}/manifests/${ref##*:}"
		assert_success
		got=sha256:$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)
		[ "$got" = "${!digest_var}" ] || fail "$ref: served $got, env says ${!digest_var}"
	done
}

@test "http registry: media types of the special images" {
	run curl -sSf -o /dev/null -D - -H "Accept: $MT_ACCEPT" "http://$REG_HTTP/v2/docker-schema2/manifests/latest"
	assert_success
	[ "$(header Content-Type <<<"$output")" = application/vnd.docker.distribution.manifest.v2+json ]

	run curl -sSf -H "Accept: $MT_ACCEPT" "http://$REG_HTTP/v2/multiarch/manifests/latest"
	assert_success
	[ "$(jq -r .mediaType <<<"$output")" = application/vnd.oci.image.index.v1+json ]
	[ "$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' <<<"$output")" = "$MULTIARCH_ARM64_DIGEST" ]
	[ "$(jq -r '.manifests[] | select(.platform.architecture == "amd64") | .digest' <<<"$output")" = "$MULTIARCH_AMD64_DIGEST" ]

	run curl -sSf -H "Accept: $MT_ACCEPT" "http://$REG_HTTP/v2/docker-list/manifests/latest"
	assert_success
	[ "$(jq -r .mediaType <<<"$output")" = application/vnd.docker.distribution.manifest.list.v2+json ]

	run curl -sSf -H "Accept: $MT_ACCEPT" "http://$REG_HTTP/v2/zstd/manifests/latest"
	assert_success
	[ "$(jq -r '.layers[0].mediaType' <<<"$output")" = application/vnd.oci.image.layer.v1.tar+zstd ]

	# The config blob is the image ID.
	run curl -sSf "http://$REG_HTTP/v2/busybox/blobs/$BUSYBOX_ID"
	assert_success
	[ "sha256:$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" = "$BUSYBOX_ID" ]
	[ "$(jq -r .architecture <<<"$output")" = amd64 ]
}

@test "https registry: answers with the test CA, fails without it" {
	run fcurl -o /dev/null -w '%{http_code}' "https://$REG_HTTPS/v2/"
	assert_success
	[ "$output" = 200 ]
	run curl -sS -o /dev/null "https://$REG_HTTPS/v2/"
	assert_failure 60
	run fcurl -sSf -H "Accept: $MT_ACCEPT" "https://$REG_HTTPS/v2/multilayer/manifests/latest"
	assert_success
	[ "sha256:$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" = "$MULTILAYER_DIGEST" ]
}

@test "basic registry: 401 without or with bad credentials, 200 with good ones" {
	run fcurl -o /dev/null -D - "https://$REG_BASIC/v2/"
	assert_success
	[[ $(head -n1 <<<"$output") == *" 401"* ]]
	[[ $(header WWW-Authenticate <<<"$output") == Basic* ]]

	run fcurl -o /dev/null -w '%{http_code}' -u "$REG_USER:wrong" "https://$REG_BASIC/v2/"
	[ "$output" = 401 ]
	run fcurl -o /dev/null -w '%{http_code}' -u "$REG_USER:$REG_PASS" \
		-H "Accept: $MT_ACCEPT" "https://$REG_BASIC/v2/busybox/manifests/latest"
	[ "$output" = 200 ]
}

@test "token registry: anonymous pull of busybox through the token dance" {
	run fcurl -o /dev/null -D - "https://$REG_TOKEN/v2/busybox/manifests/latest"
	[[ $(head -n1 <<<"$output") == *" 401"* ]]
	local chall
	chall=$(header WWW-Authenticate <<<"$output")
	[ "$(challenge_param realm <<<"$chall")" = "$TOKEN_REALM" ]
	[ "$(challenge_param service <<<"$chall")" = "$TOKEN_SERVICE" ]

	local token
	token=$(token_for "$REG_TOKEN" busybox)
	run fcurl -f -H "Authorization: Bearer $token" -H "Accept: $MT_ACCEPT" \
		"https://$REG_TOKEN/v2/busybox/manifests/latest"
	assert_success
	[ "sha256:$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" = "$BUSYBOX_DIGEST" ]
}

@test "token registry: private/secret needs credentials" {
	local token
	token=$(token_for "$REG_TOKEN" private/secret)
	run fcurl -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
		-H "Accept: $MT_ACCEPT" "https://$REG_TOKEN/v2/private/secret/manifests/latest"
	[ "$output" = 401 ] || [ "$output" = 403 ]

	token=$(token_for "$REG_TOKEN" private/secret -u "$REG_USER:$REG_PASS")
	run fcurl -f -H "Authorization: Bearer $token" -H "Accept: $MT_ACCEPT" \
		"https://$REG_TOKEN/v2/private/secret/manifests/latest"
	assert_success
	[ "sha256:$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" = "$PRIVATE_SECRET_DIGEST" ]
}

@test "token server: bad credentials get 401, tokens are RS256 JWTs with x5c" {
	run fcurl -o /dev/null -w '%{http_code}' -u "$REG_USER:wrong" \
		"$TOKEN_REALM?service=$TOKEN_SERVICE&scope=repository:busybox:pull"
	[ "$output" = 401 ]

	run fcurl -f -u "$REG_USER:$REG_PASS" \
		"$TOKEN_REALM?service=$TOKEN_SERVICE&scope=repository:busybox:pull,push"
	assert_success
	local body=$output tok
	tok=$(jq -r .token <<<"$body")
	[ "$(jq -r .access_token <<<"$body")" = "$tok" ]
	[ "$(jq -r .expires_in <<<"$body")" = 300 ]
	[ "$(jq -r .issued_at <<<"$body")" != null ]
	run jwt_part "$tok" 0
	[ "$(jq -r .alg <<<"$output")" = RS256 ]
	[ "$(jq -r '.x5c | length' <<<"$output")" = 1 ]
	run jwt_part "$tok" 1
	[ "$(jq -r .aud <<<"$output")" = "$TOKEN_SERVICE" ]
	[ "$(jq -r .sub <<<"$output")" = "$REG_USER" ]
	[ "$(jq -c '.access[0].actions' <<<"$output")" = '["pull","push"]' ]

	# Anonymous: pull only, nothing on private/*.
	run fcurl -f "$TOKEN_REALM?service=$TOKEN_SERVICE&scope=repository:busybox:pull,push&scope=repository:private/secret:pull"
	assert_success
	run jwt_part "$(jq -r .token <<<"$output")" 1
	[ "$(jq -c '[.access[].actions]' <<<"$output")" = '[["pull"],[]]' ]
}

@test "fault registry: answers, and each fault repository misbehaves as documented" {
	local F=http://$REG_FAULT layer=$BUSYBOX_LAYERS code
	run curl -sSf "$F/v2/"
	assert_success
	run curl -sS -o /dev/null -w '%{http_code}' -H "Accept: $MT_ACCEPT" "$F/v2/fault/ok/manifests/latest"
	[ "$output" = 200 ]

	run curl -sS -w '\n%{http_code}' "$F/v2/fault/notfound/manifests/latest"
	[ "$(tail -n1 <<<"$output")" = 404 ]
	[ "$(head -n1 <<<"$output" | jq -r '.errors[0].code')" = MANIFEST_UNKNOWN ]
	run curl -sS -w '\n%{http_code}' "$F/v2/fault/denied/manifests/latest"
	[ "$(tail -n1 <<<"$output")" = 403 ]
	[ "$(head -n1 <<<"$output" | jq -r '.errors[0].code')" = DENIED ]

	run curl -sSf "$F/v2/fault/bad-json/manifests/latest"
	assert_success
	run jq . <<<"$output"
	assert_failure

	run curl -sSf -o /dev/null -D - "$F/v2/fault/schema1/manifests/latest"
	[ "$(header Content-Type <<<"$output")" = application/vnd.docker.distribution.manifest.v1+prettyjws ]

	# Same length, other bytes / more bytes.
	run bash -c "curl -sSf '$F/v2/fault/digest-mismatch/blobs/$layer' | sha256sum"
	[ "sha256:${output%% *}" != "$layer" ]
	[ "$(curl -sSf "$F/v2/fault/digest-mismatch/blobs/$layer" | wc -c)" = \
		"$(curl -sSf "http://$REG_HTTP/v2/busybox/blobs/$layer" | wc -c)" ]
	[ "$(curl -sSf "$F/v2/fault/size-mismatch/blobs/$layer" | wc -c)" -gt \
		"$(curl -sSf "http://$REG_HTTP/v2/busybox/blobs/$layer" | wc -c)" ]
}

@test "fault registry: flaky blobs fail twice, dropped layer resumes with Range" {
	local F=http://$REG_FAULT/v2/$(fault_ns) layer=$BUSYBOX_LAYERS n
	[ "$(fault_ref drop)" = "$REG_FAULT/$(fault_ns)/fault/drop:latest" ]
	for code in 503 503 200; do
		run curl -sS -o /dev/null -w '%{http_code}' "$F/fault/flaky/blobs/$BUSYBOX_ID"
		[ "$output" = "$code" ]
	done

	run curl -sS -o "$BATS_TEST_TMPDIR/part" "$F/fault/drop/blobs/$layer"
	assert_failure 18 # partial file
	n=$(stat -c %s "$BATS_TEST_TMPDIR/part")
	[ "$n" -gt 0 ]
	run curl -sS -o "$BATS_TEST_TMPDIR/rest" -w '%{http_code}' -H "Range: bytes=$n-" \
		"$F/fault/drop/blobs/$layer"
	[ "$output" = 206 ]
	[ "sha256:$(cat "$BATS_TEST_TMPDIR/part" "$BATS_TEST_TMPDIR/rest" | sha256sum | cut -d' ' -f1)" = "$layer" ]

	run fault_stats
	assert_success
	[ "$(jq -r --arg p "/v2/$(fault_ns)/fault/drop/blobs/$layer" '.ranges[$p][0]' <<<"$output")" = "bytes=$n-" ]
	[ "$(jq -r --arg p "GET /v2/$(fault_ns)/fault/flaky/blobs/$BUSYBOX_ID" '.requests[$p]' <<<"$output")" = 3 ]
}
