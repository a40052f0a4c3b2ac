/* A container's state as ps, inspect and top show it: the record's "state"
 * (written by run and the monitor, see storage/container.h) checked against
 * the runtime. */
#ifndef SKIFF_ENGINE_STATE_H
#define SKIFF_ENGINE_STATE_H

#include <jansson.h>

#include "engine/engine.h"

/* The zero time podman shows for "never" (StartedAt of a created container). */
#define ENGINE_ZERO_TIME "0001-01-01T00:00:00Z"

/* The host pid of the container's init while it runs, else 0: the record's,
 * or the runtime's when the record has none. */
long long engine_container_pid(struct engine *e, json_t *rec);

/* podman's inspect State: Status, Running, Paused, Restarting, OOMKilled,
 * Dead, Pid, ConmonPid, ExitCode, Error, StartedAt, FinishedAt (zero time
 * when never), Health, CheckpointedAt, RestoredAt. A new reference. */
json_t *engine_container_state(struct engine *e, json_t *rec);

#endif
