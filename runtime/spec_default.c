/* The config.json `skiff runtime spec` writes: the same defaults as
 * `runc spec` (a shell, a terminal, three capabilities, the usual mounts,
 * masked and read-only paths), except that no capability is ambient. As
 * data, in one place. */
#include "runtime/runtime.h"
#include "common/util.h"

#include <string.h>
#include <unistd.h>

static const char default_spec[] =
    "{"
    "\"ociVersion\": \"" RUNTIME_OCI_VERSION "\","
    "\"process\": {"
    "  \"terminal\": true,"
    "  \"user\": {\"uid\": 0, \"gid\": 0},"
    "  \"args\": [\"sh\"],"
    "  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
    "           \"TERM=xterm\"],"
    "  \"cwd\": \"/\","
    "  \"capabilities\": {"
    "    \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
    "    \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
    "    \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]"
    "  },"
    "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],"
    "  \"noNewPrivileges\": true"
    "},"
    "\"root\": {\"path\": \"rootfs\", \"readonly\": true},"
    "\"hostname\": \"skiff\","
    "\"mounts\": ["
    "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
    "  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
    "   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\","
    "                \"gid=5\"]},"
    "  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
    "  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
    "  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},"
    "  {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\","
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}"
    "],"
    "\"linux\": {"
    "  \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},"
    "  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},"
    "                 {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"}],"
    "  \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\","
    "                  \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\","
    "                  \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],"
    "  \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\","
    "                    \"/proc/sysrq-trigger\"]"
    "}"
    "}";

/* Rootless: map the caller to root in a new user namespace, keep the host's
 * network (no new one), bind /sys instead of mounting sysfs, no gid=5 for
 * devpts (gid 5 is not mapped), no cgroup device rules. */
static void make_rootless(json_t *spec)
{
    json_t *lnx = json_object_get(spec, "linux");
    json_object_del(lnx, "resources");
    json_t *ns = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(lnx, "namespaces"), i, e)
    {
        const char *t = json_string_value(json_object_get(e, "type"));
        if (t && strcmp(t, "network") != 0)
            json_array_append(ns, e);
    }
    json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
    json_object_set_new(lnx, "namespaces", ns);
    json_object_set_new(lnx, "uidMappings",
                        json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                  (json_int_t)getuid(), "size", 1));
    json_object_set_new(lnx, "gidMappings",
                        json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                  (json_int_t)getgid(), "size", 1));
    json_array_foreach(json_object_get(spec, "mounts"), i, e)
    {
        const char *dest = json_string_value(json_object_get(e, "destination"));
        if (dest && strcmp(dest, "/sys") == 0) {
            json_object_set_new(e, "type", json_string("none"));
            json_object_set_new(e, "source", json_string("/sys"));
            json_object_set_new(
                e, "options",
                json_pack("[s, s, s, s, s]", "rbind", "nosuid", "noexec", "nodev", "ro"));
        } else if (dest && strcmp(dest, "/dev/pts") == 0) {
            json_t *opts = json_object_get(e, "options");
            for (size_t k = 0; k < json_array_size(opts); k++) {
                const char *o = json_string_value(json_array_get(opts, k));
                if (o && strcmp(o, "gid=5") == 0) {
                    json_array_remove(opts, k);
                    break;
                }
            }
        }
    }
}

json_t *runtime_spec_default(bool rootless)
{
    json_t *spec = json_loads(default_spec, 0, NULL);
    if (!spec)
        abort();
    if (rootless)
        make_rootless(spec);
    return spec;
}
