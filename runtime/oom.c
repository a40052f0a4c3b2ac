/* Did the kernel's OOM killer act in the container's memory cgroup? */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

/* The value of "key N" in a flat keyed cgroup file (memory.events,
 * memory.oom_control); 0 when absent. */
static long long keyed_value(const char *path, const char *key)
{
    _cleanup_free_ char *text = NULL;
    if (sk_read_file(path, &text, NULL, NULL) < 0)
        return 0;
    size_t klen = strlen(key);
    for (char *line = text; line && *line;) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
            return strtoll(line + klen + 1, NULL, 10);
        char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

bool runtime_oom_killed(const struct runtime_ctx *ctx, const char *id)
{
    _cleanup_free_ char *root = rt_state_root(ctx);
    _cleanup_free_ char *dir = sk_asprintf("%s/%s", root, id);
    _cleanup_json_ json_t *state = rt_state_load(dir, NULL);
    struct rt_cgroup cg = {0};
    if (!state || rt_cgroup_from_json(json_object_get(state, "cgroup"), &cg, NULL) < 0)
        return false;
    bool oom = false;
    for (size_t i = 0; i < cg.n && !oom; i++) {
        const struct rt_cgroup_dir *d = &cg.dirs[i];
        if (d->v2) {
            _cleanup_free_ char *p = sk_asprintf("%s/memory.events", d->path);
            oom = keyed_value(p, "oom_kill") > 0;
        } else if (strstr(d->controllers, "memory")) {
            _cleanup_free_ char *p = sk_asprintf("%s/memory.oom_control", d->path);
            oom = keyed_value(p, "oom_kill") > 0;
        }
    }
    rt_cgroup_free(&cg);
    return oom;
}
