#!/usr/bin/env bats
# skiff under valgrind: the pull path (threads, libcurl, libarchive, the
# store) and the image commands make no memory errors and leak nothing.
load helpers

vg() {
	valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite "$SKIFF" --root "$SKIFF_ROOT" --runroot "$SKIFF_RUNROOT" "$@"
}

setup() {
	skiff_setup
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	# ASan's runtime and valgrind's cannot share a process.
	! ldd "$SKIFF" 2>/dev/null | grep -q libasan || skip "an ASan build: valgrind cannot run it"
}

@test "pull, images, inspect, tag, rmi are valgrind-clean" {
	run vg pull -q "$REG_HTTP/multilayer:latest"
	assert_success
	run vg pull -q --cert-dir "$REG_CERTS_DIR" --creds "$REG_USER:$REG_PASS" "$REG_TOKEN/private/secret:latest"
	assert_success
	run vg pull -q --platform linux/arm64 "$REG_HTTP/multiarch:latest"
	assert_success
	run vg images
	assert_success
	run vg image inspect multilayer
	assert_success
	run vg tag multilayer again
	assert_success
	run vg rmi -a
	assert_success
}

@test "failing pulls are valgrind-clean" {
	run vg pull -q "$(fault_ref digest-mismatch)"
	assert_failure 125
	run vg pull -q "$REG_HTTP/hostile/dotdot:latest"
	assert_failure 125
	run vg pull -q "$REG_HTTP/nosuch:latest"
	assert_failure 125
}

@test "logs, ps with filters, inspect, top and prune are valgrind-clean" {
	local id log
	id=$(sk create -q --name c --label a=b busybox true)
	log=$SKIFF_ROOT/overlay-containers/$id/userdata/ctr.log
	printf '%s\n' '2026-11-22T08:25:20.1+00:00 stdout P par' 'garbage' \
		'2026-11-22T08:25:20.2+00:00 stderr F err' '2026-11-22T08:25:20.3+00:00 stdout F tial' >"$log"
	printf '2026-11-22T08:25:20.4+00:00 stdout F cut' >>"$log"
	run vg logs -t --tail 2 --since 2026-11-22 c c
	assert_success
	run vg logs --until 10m -f c
	assert_success
	sk run -d --name up busybox sleep 1000 >/dev/null
	run vg ps -a --filter label=a --filter status=created --filter name=c --format json
	assert_success
	run vg ps -a --filter ancestor=busybox --format '{{.Names}} {{.Status}} {{.Labels}}'
	assert_success
	run vg inspect up c
	assert_success
	run vg top up pid user args capeff stime
	assert_success
	run vg top up bogus
	assert_failure 125
	run vg system prune -f
	assert_success
	sk rm -f -t 0 up >/dev/null
}
