#!/usr/bin/env bats
# ps STATUS and filters, inspect State, top, rm -a / rmi -a with running
# containers, and the prunes: what podman shows and does. Running containers
# come from run -d (the monitor).

load helpers

bats_require_minimum_version 1.5.0

teardown() {
	sk rm -a -f -t 0 >/dev/null 2>&1 || true
	skiff_teardown
}

# ------------------------------------------------------------ local helpers


hex_id() {
	echo "${1#sha256:}"
}

# ps_names ARGS...: the names ps lists with ARGS, sorted, on one line.
ps_names() {
	sk ps --format '{{.Names}}' "$@" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

# A created, a running and an exited (code 3) container.
three_states() {
	sk create -q --name made --label tier=web busybox true >/dev/null
	sk run -d --name up busybox sleep 1000 >/dev/null
	# (lives a moment: a container gone before its monitor learns its pid is
	# a monitor race of its own)
	sk run -d --name done busybox sh -c 'sleep 0.3; exit 3' >/dev/null
	sk wait done >/dev/null || true
}

# ------------------------------------------------------------ ps

@test "ps STATUS reads Created, Up N seconds and Exited (N) N seconds ago, as podman's" {
	three_states
	run sk ps -a
	assert_success
	grep -qE '^[0-9a-f]{12}  +.*busybox:latest +true +.* ago +Created +made$' <<<"$output" ||
		fail "no Created row:" "$output"
	grep -qE '^[0-9a-f]{12}  +.* +sleep 1000 +.* ago +Up (Less than a second|[0-9]+ seconds?) +up$' <<<"$output" ||
		fail "no Up row:" "$output"
	grep -qE ' +Exited \(3\) (Less than a second|[0-9]+ seconds?) ago +done$' <<<"$output" ||
		fail "no Exited row:" "$output"
	# Columns at least 12 wide, two spaces apart (podman's tabwriter): PORTS is empty.
	[[ $(head -n 1 <<<"$output") == *"PORTS       NAMES" ]] || fail "header:" "$output"
	# Without -a: running containers only.
	run sk ps --format '{{.Names}} {{.Status}}'
	assert_success
	[[ $output =~ ^up\ Up\ .*$ ]] && [ "$(wc -l <<<"$output")" -eq 1 ] || fail "ps:" "$output"
}

@test "ps templates and JSON carry State, ExitCode, Exited, ExitedAt, StartedAt, Pid" {
	three_states
	run sk ps -a --format '{{.Names}} {{.State}} {{.ExitCode}} {{.Exited}} {{.ExitedAt}}'
	assert_success
	grep -qx 'made created 0 false -62135596800' <<<"$output" || fail "made:" "$output"
	grep -qx 'done exited 3 true [0-9]*' <<<"$output" || fail "done:" "$output"
	local pid
	pid=$(sk ps --format '{{.Pid}}')
	[ "$pid" -gt 1 ] && [ "$(cat "/proc/$pid/comm")" = sleep ] || fail "ps .Pid: $pid"
	run sk ps -a --format json
	assert_success
	jq -e --argjson pid "$pid" '
		(map(select(.Names == ["up"]))[0] | .State == "running" and .Pid == $pid and
			.ExitedAt == -62135596800 and (.StartedAt | type) == "number" and
			(.Status | startswith("Up "))) and
		(map(select(.Names == ["done"]))[0] | .ExitCode == 3 and .Exited == true and
			(.CreatedAt | endswith(" ago"))) and
		(map(select(.Names == ["made"]))[0] | .Labels.tier == "web")' <<<"$output" >/dev/null ||
		fail "ps --format json:" "$output"
}

@test "ps --filter: status, name, id, ancestor, label, exited; one key ORs, several AND" {
	three_states
	local up_id
	up_id=$(sk inspect --format '{{.Id}}' up)
	# A status filter looks at all containers, as -a does.
	[ "$(ps_names --filter status=exited)" = done ] || fail "status=exited: $(ps_names --filter status=exited)"
	[ "$(ps_names --filter status=stopped)" = done ]
	[ "$(ps_names -f status=created -f status=running)" = "made up" ]
	[ "$(ps_names -a --filter name=^d)" = done ]
	[ "$(ps_names -a --filter name=a --filter name=p)" = "made up" ]
	[ "$(ps_names -a --filter name=a --filter status=running)" = "" ]
	[ "$(ps_names -a --filter "id=${up_id:0:5}")" = up ]
	[ "$(ps_names -a --filter ancestor=busybox)" = "done made up" ]
	[ "$(ps_names -a --filter "ancestor=${BUSYBOX_ID:7:10}")" = "done made up" ]
	[ "$(ps_names -a --filter ancestor=nosuchimage)" = "" ]
	[ "$(ps_names -a --filter label=tier=web)" = made ]
	[ "$(ps_names -a --filter label=tier)" = made ]
	[ "$(ps_names -a --filter 'label!=tier')" = "done up" ]
	[ "$(ps_names -a --filter exited=3)" = done ]
	[ "$(ps_names -a --filter exited=0)" = "" ]
	[ "$(ps_names -a --filter before=up)" = made ]
	[ "$(ps_names -a --filter since=made)" = "done up" ]
	# Without -a and without a status filter: running ones only.
	[ "$(ps_names --filter ancestor=busybox)" = up ]
	run --separate-stderr sk ps --filter status=sleeping
	assert_skiff_error "unknown container state: sleeping"
	run --separate-stderr sk ps --filter color=red
	assert_skiff_error "color is an invalid filter"
	run --separate-stderr sk ps --filter name
	assert_skiff_error 'invalid filter "name"'
}

# ------------------------------------------------------------ inspect State

@test "inspect State: created, running and exited as podman fills it" {
	three_states
	run sk inspect --format '{{.State.Status}} {{.State.Running}} {{.State.Pid}} {{.State.ExitCode}} {{.State.StartedAt}} {{.State.FinishedAt}}' made
	[ "$output" = "created false 0 0 0001-01-01T00:00:00Z 0001-01-01T00:00:00Z" ] || fail "made: $output"
	local pid
	pid=$(sk ps --format '{{.Pid}}')
	run sk inspect --format '{{.State.Status}} {{.State.Running}} {{.State.Pid}} {{.State.FinishedAt}}' up
	[ "$output" = "running true $pid 0001-01-01T00:00:00Z" ] || fail "up: $output"
	run sk inspect --format '{{.State.StartedAt}}' up
	[[ $output =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]*[1-9])?(Z|[+-][0-9]{2}:[0-9]{2})$ ]] ||
		fail "StartedAt: $output"
	run sk inspect --format '{{json .State}}' done
	jq -e '.Status == "exited" and .Running == false and .Pid == 0 and .ExitCode == 3 and
		.OOMKilled == false and .FinishedAt != "0001-01-01T00:00:00Z" and .Dead == false and
		.OciVersion != null' <<<"$output" >/dev/null || fail "done: $output"
}

# ------------------------------------------------------------ top

@test "top lists the container's processes with podman's columns and container pids" {
	sk run -d --name t -u nobody busybox sh -c 'sleep 1000 & exec sleep 1001' >/dev/null
	sleep 0.3
	run sk top t
	assert_success
	[[ $(head -n 1 <<<"$output") =~ ^USER\ +PID\ +PPID\ +%CPU\ +ELAPSED\ +TTY\ +TIME\ +COMMAND$ ]] ||
		fail "header:" "$output"
	grep -qE '^nobody +1 +0 +[0-9]+\.[0-9]{3} +[0-9.]+m?s +\? +0s +sleep 1001 $' <<<"$output" ||
		fail "no row for pid 1:" "$output"
	grep -qE '^nobody +2 +1 +.* sleep 1000 $' <<<"$output" || fail "no row for pid 2:" "$output"
	[ "$(wc -l <<<"$output")" -eq 3 ] || fail "more than two processes:" "$output"
	# Descriptors: names, codes, commas.
	run sk top t pid,comm '%U' hpid
	assert_success
	[[ $(head -n 1 <<<"$output") =~ ^PID\ +COMMAND\ +USER\ +HPID$ ]] || fail "header:" "$output"
	grep -qE "^1 +sleep +nobody +$(sk ps --format '{{.Pid}}')$" <<<"$output" || fail "rows:" "$output"
	run --separate-stderr sk top t pid bogus
	assert_skiff_error "'bogus': unknown descriptor"
	run --separate-stderr sk top nosuch
	assert_skiff_error 'no container with name or ID "nosuch" found'
	sk create -q --name idle busybox true >/dev/null
	run --separate-stderr sk top idle
	assert_skiff_error "top can only be used on running containers"
	run --separate-stderr sk top
	assert_skiff_error "running container"
}

# ------------------------------------------------------------ rm -a, rmi -a, prune

@test "rm -a without -f removes what does not run, reports the running one and exits 2" {
	three_states
	run --separate-stderr sk rm -a
	[ "$status" -eq 2 ] || fail "rm -a exited $status: $output $stderr"
	[ "$(wc -l <<<"$output")" -eq 2 ] || fail "rm -a removed:" "$output"
	[[ $stderr == *"skiff: error: "*"running"* ]] || fail "stderr:" "$stderr"
	[ "$(ps_names -a)" = up ] || fail "left: $(ps_names -a)"
	run --separate-stderr sk rm nosuch up
	[ "$status" -eq 1 ] || fail "rm nosuch up exited $status" # a missing one wins, as podman
	run sk rm -a -f -t 0
	assert_success
	[ -z "$(ps_names -a)" ] || fail "left: $(ps_names -a)"
}

@test "rmi -a leaves the images containers use (exit 2) and removes the others" {
	sk pull -q multilayer >/dev/null
	sk run -d --name up busybox sleep 1000 >/dev/null
	run --separate-stderr sk rmi -a
	[ "$status" -eq 2 ] || fail "rmi -a exited $status: $output $stderr"
	[[ $stderr == *"in use"* ]] || fail "stderr:" "$stderr"
	[ "$(sk images --format '{{.Repository}}')" = "$REG_HTTP/busybox" ] || fail "images: $(sk images)"
	[ "$(ps_names)" = up ] || fail "the running container went away"
}

@test "system prune -f removes stopped containers and dangling images, prints podman's report" {
	three_states
	sk pull -q "$REG_HTTP/multilayer@$MULTILAYER_DIGEST" >/dev/null # no name: dangling
	sk pull -q "$REG_HTTP/docker-schema2" >/dev/null                 # named, unused: kept
	local made done
	made=$(sk inspect --format '{{.Id}}' made)
	done=$(sk inspect --format '{{.Id}}' done)
	run sk system prune -f
	assert_success
	[ "$(sed -n 1p <<<"$output")" = "Deleted Containers" ] || fail "report:" "$output"
	[ "$(sed -n 4p <<<"$output")" = "Deleted Images" ] || fail "report:" "$output"
	grep -qx "$made" <<<"$output" && grep -qx "$done" <<<"$output" || fail "containers:" "$output"
	grep -qx "Deleted Images" <<<"$output" && grep -qx "$(hex_id "$MULTILAYER_ID")" <<<"$output" ||
		fail "images:" "$output"
	[[ $(tail -n 1 <<<"$output") =~ ^Total\ reclaimed\ space:\ [0-9.]+[kMG]?B$ ]] || fail "total:" "$output"
	[ "$(ps_names -a)" = up ] || fail "containers left: $(ps_names -a)"
	[ "$(sk images -q | wc -l)" -eq 2 ] || fail "images left: $(sk images)"
	# Nothing left to prune: only the total.
	run sk system prune -f
	[ "$output" = "Total reclaimed space: 0B" ] || fail "second prune:" "$output"
	# -a: every image no container uses.
	run sk system prune -a -f
	assert_success
	[ "$(sk images --format '{{.Repository}}')" = "$REG_HTTP/busybox" ] || fail "images: $(sk images)"
}

@test "prunes ask first: n keeps everything, no answer fails; container prune and image prune" {
	three_states
	run sk system prune <<<"n"
	assert_success
	[[ $output == "WARNING! This command removes:"*"Are you sure you want to continue? [y/N] " ]] ||
		fail "prompt:" "$output"
	[ "$(ps_names -a)" = "done made up" ] || fail "n removed containers"
	run --separate-stderr sk system prune </dev/null
	assert_skiff_error "--force"
	[ "$(ps_names -a)" = "done made up" ] || fail "no answer removed containers"
	local made
	made=$(sk inspect --format '{{.Id}}' made)
	run sk container prune --filter label=tier=web <<<"y"
	assert_success
	[ "$output" = "WARNING! This will remove all non running containers."$'\n'"Are you sure you want to continue? [y/N] $made" ] ||
		fail "container prune:" "$output"
	[ "$(ps_names -a)" = "done up" ] || fail "container prune --filter left: $(ps_names -a)"
	run --separate-stderr sk container prune --filter name=x -f
	assert_skiff_error "name is an invalid filter"
	run sk container prune -f
	assert_success
	[ "$(ps_names -a)" = up ] || fail "container prune left: $(ps_names -a)"
	sk pull -q "$REG_HTTP/multilayer@$MULTILAYER_DIGEST" >/dev/null
	run sk image prune -f
	assert_success
	[ "$output" = "$(hex_id "$MULTILAYER_ID")" ] || fail "image prune:" "$output"
	run sk image prune -a -f # busybox is in use
	assert_success
	[ -z "$output" ] || fail "image prune -a:" "$output"
	[ "$(sk images -q | wc -l)" -eq 1 ] || fail "images: $(sk images)"
}
