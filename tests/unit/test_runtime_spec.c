/* Unit tests for runtime/spec.c (config.json parsing and validation), the
 * default spec, mount options, signals and seccomp profile parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "runtime/internal.h"
#include "common/names.h"
#include "runtime/runtime.h"

static char bundle[256];

static int make_bundle(void **state)
{
    snprintf(bundle, sizeof(bundle), "/tmp/skiff-test-rtspec-XXXXXX");
    if (!mkdtemp(bundle))
        return -1;
    _cleanup_free_ char *rootfs = sk_asprintf("%s/rootfs", bundle);
    return mkdir(rootfs, 0755);
}

static int remove_bundle(void **state)
{
    return sk_rm_rf(bundle, NULL);
}

/* The default spec with one change applied by a jansson patch: every key of
 * patch (an object) replaces the same key, recursively for objects. */
static void merge(json_t *dst, json_t *patch)
{
    const char *k;
    json_t *v;
    json_object_foreach(patch, k, v)
    {
        json_t *cur = json_object_get(dst, k);
        if (json_is_object(cur) && json_is_object(v))
            merge(cur, v);
        else
            json_object_set(dst, k, v);
    }
}

static json_t *config_with(const char *patch_json)
{
    json_t *spec = runtime_spec_default(false);
    json_object_set_new(json_object_get(spec, "process"), "terminal", json_false());
    if (patch_json) {
        json_t *patch = json_loads(patch_json, 0, NULL);
        if (!patch)
            fail_msg("bad patch JSON: %s", patch_json);
        merge(spec, patch);
        json_decref(patch);
    }
    return spec;
}

static struct rt_spec *parse_ok(const char *patch)
{
    _cleanup_json_ json_t *doc = config_with(patch);
    struct rt_spec *s = NULL;
    struct sk_error err = {0};
    if (rt_spec_parse(doc, bundle, &s, &err) < 0)
        fail_msg("parse failed: %s (patch %s)", err.msg, patch ? patch : "none");
    return s;
}

/* The patched config must fail with an error containing want. */
static void parse_fails(const char *patch, const char *want)
{
    _cleanup_json_ json_t *doc = config_with(patch);
    struct rt_spec *s = NULL;
    struct sk_error err = {0};
    if (rt_spec_parse(doc, bundle, &s, &err) == 0) {
        rt_spec_free(s);
        fail_msg("parsed but should not have: %s", patch);
    }
    if (!strstr(err.msg, want))
        fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
    assert_int_not_equal(err.code, 0);
}

static void test_default_spec_parses(void **state)
{
    struct rt_spec *s = parse_ok(NULL);
    _cleanup_free_ char *rootfs = sk_asprintf("%s/rootfs", bundle);
    char *real = realpath(rootfs, NULL);
    assert_string_equal(s->rootfs, real);
    free(real);
    assert_true(s->root_readonly);
    assert_string_equal(s->hostname, "skiff");
    assert_string_equal(s->process.args[0], "sh");
    assert_null(s->process.args[1]);
    assert_string_equal(s->process.cwd, "/");
    assert_true(s->process.no_new_privileges);
    /* CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10). */
    uint64_t want = (1ULL << 29) | (1ULL << 5) | (1ULL << 10);
    assert_true(s->process.has_caps);
    assert_int_equal(s->process.caps.bounding, want);
    assert_int_equal(s->process.caps.effective, want);
    assert_int_equal(s->process.caps.inheritable, 0);
    assert_int_equal(s->process.caps.ambient, 0);
    assert_int_equal(s->process.nrlimits, 1);
    assert_int_equal(s->process.rlimits[0].resource, RLIMIT_NOFILE);
    assert_int_equal(s->process.rlimits[0].soft, 1024);
    assert_int_equal(s->nmounts, 7);
    assert_true(s->ns[RT_NS_PID].enabled && !s->ns[RT_NS_PID].path);
    assert_true(s->ns[RT_NS_MNT].enabled);
    assert_true(s->ns[RT_NS_CGROUP].enabled);
    assert_false(s->ns[RT_NS_USER].enabled);
    assert_string_equal(s->masked_paths[2], "/proc/kcore");
    assert_string_equal(s->readonly_paths[3], "/proc/sys");
    assert_int_equal(s->resources.ndevices, 1);
    assert_false(s->resources.devices[0].allow);
    assert_int_equal(s->resources.devices[0].type, 'a');
    assert_int_equal(s->resources.devices[0].major, -1);
    assert_null(s->seccomp);
    assert_null(s->warnings);
    rt_spec_free(s);
}

static void test_rootless_default(void **state)
{
    _cleanup_json_ json_t *spec = runtime_spec_default(true);
    json_t *lnx = json_object_get(spec, "linux");
    assert_null(json_object_get(lnx, "resources"));
    bool user = false, net = false;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(lnx, "namespaces"), i, e)
    {
        const char *t = sk_json_str(e, "type");
        user |= strcmp(t, "user") == 0;
        net |= strcmp(t, "network") == 0;
    }
    assert_true(user);
    assert_false(net);
    json_t *m = json_array_get(json_object_get(lnx, "uidMappings"), 0);
    assert_int_equal(sk_json_int(m, "hostID", -1), getuid());
    assert_int_equal(sk_json_int(m, "size", -1), 1);
}

static void test_process_errors(void **state)
{
    parse_fails("{\"process\": {\"cwd\": \"tmp\"}}",
                "process.cwd: \"tmp\" is not an absolute path");
    parse_fails("{\"process\": {\"args\": []}}", "process.args: must not be empty");
    parse_fails("{\"process\": {\"args\": [\"sh\", 3]}}", "process.args[1]: want a string");
    parse_fails("{\"process\": {\"env\": [\"NOEQUALS\"]}}", "is not KEY=VALUE");
    parse_fails("{\"process\": {\"user\": {\"uid\": -1}}}", "process.user.uid");
    parse_fails("{\"process\": {\"terminal\": \"yes\"}}", "process.terminal: want true or false");
    parse_fails("{\"process\": {\"oomScoreAdj\": 2000}}", "outside -1000..1000");
    parse_fails(
        "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOPE\", \"soft\": 1, \"hard\": 1}]}}",
        "unknown rlimit \"RLIMIT_NOPE\"");
    parse_fails(
        "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 10, \"hard\": 5}]}}",
        "soft limit 10 is above the hard limit 5");
    parse_fails("{\"process\": {\"user\": {\"umask\": 1000}}}", "process.user.umask");
}

static void test_process_fields(void **state)
{
    struct rt_spec *s =
        parse_ok("{\"process\": {\"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 18, "
                 "\"additionalGids\": [5, 6]}, \"env\": [\"A=1\"], \"oomScoreAdj\": -5, "
                 "\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": -1, \"hard\": -1}], "
                 "\"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"kill\", \"CAP_BOGUS\"], "
                 "\"permitted\": [\"CAP_CHOWN\"], \"inheritable\": [\"CAP_CHOWN\"], "
                 "\"ambient\": [\"CAP_CHOWN\", \"CAP_KILL\"]}}}");
    assert_int_equal(s->process.uid, 1000);
    assert_int_equal(s->process.gid, 100);
    assert_true(s->process.has_umask);
    assert_int_equal(s->process.umask, 022);
    assert_int_equal(s->process.ngroups, 2);
    assert_int_equal(s->process.groups[1], 6);
    assert_int_equal(s->process.oom_score_adj, -5);
    assert_int_equal(s->process.rlimits[0].soft, RLIM_INFINITY);
    assert_int_equal(s->process.caps.bounding, (1ULL << 0) | (1ULL << 5));
    /* Ambient keeps only what is both permitted and inheritable. */
    assert_int_equal(s->process.caps.ambient, 1ULL << 0);
    assert_non_null(s->warnings);
    assert_non_null(strstr(s->warnings[0], "CAP_BOGUS"));
    rt_spec_free(s);
}

static void test_linux_errors(void **state)
{
    parse_fails("{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"time2\"}]}}",
                "unknown namespace \"time2\"");
    parse_fails("{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"mount\"}]}}",
                "given twice");
    parse_fails("{\"linux\": {\"resources\": {\"hugepageLimits\": [{\"pageSize\": \"2M\", "
                "\"limit\": 1}]}}}",
                "want a size like 2MB");
    parse_fails("{\"linux\": {\"resources\": {\"hugepageLimits\": [{\"pageSize\": \"2MB\"}]}}}",
                "hugepageLimits[0].limit: want a number of bytes");
    parse_fails(
        "{\"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}}",
        "need a user namespace");
    parse_fails("{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}]}}",
                "needs linux.uidMappings");
    parse_fails(
        "{\"linux\": {\"namespaces\": [{\"type\": \"user\", \"path\": \"/proc/1/ns/user\"}]}}",
        "needs a mount namespace of the container's own");
    parse_fails("{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"uts\", "
                "\"path\": \"relative\"}]}}",
                "is not an absolute path");
    parse_fails("{\"hostname\": \"x\", \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}",
                "hostname needs the container's own uts namespace");
    parse_fails("{\"linux\": {\"sysctl\": {\"kernel.panic\": \"1\"}}}", "is not namespaced");
    parse_fails("{\"linux\": {\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}, \"namespaces\": "
                "[{\"type\": \"mount\"}]}}",
                "needs the container's own network namespace");
    parse_fails("{\"linux\": {\"sysctl\": {\"net/../../x\": \"1\"}}}", "is not a sysctl name");
    parse_fails("{\"linux\": {\"maskedPaths\": [\"proc/kcore\"]}}", "is not absolute");
    parse_fails("{\"linux\": {\"rootfsPropagation\": \"sideways\"}}", "unknown value \"sideways\"");
    parse_fails("{\"linux\": {\"cgroupsPath\": \"/a/../../b\"}}", "may not contain ..");
    parse_fails("{\"linux\": {\"resources\": {\"memory\": {\"limit\": 100, \"swap\": 50}}}}",
                "is below limit");
    parse_fails(
        "{\"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}}}",
        "is not a subset of rwm");
    parse_fails("{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\"}]}}",
                "major and minor are required");
    parse_fails("{\"mounts\": [{\"destination\": \"data\", \"type\": \"tmpfs\"}]}",
                "is not an absolute path");
    parse_fails("{\"mounts\": [{\"destination\": \"/data\", \"type\": \"bind\"}]}",
                "a bind mount needs a source");
    parse_fails("{\"hooks\": {\"prestart\": [{\"path\": \"hook\"}]}}", "want an absolute path");
    parse_fails("{\"hooks\": {\"poststop\": [{\"path\": \"/bin/true\", \"timeout\": 0}]}}",
                "positive number of seconds");
    parse_fails("{\"ociVersion\": \"2.0.0\"}", "is not a 1.x version");
    parse_fails("{\"root\": {\"path\": \"\"}}", "root.path: missing");
    /* A missing rootfs parses (exec and delete read saved configs); create
     * checks it. */
    struct rt_spec *s = parse_ok("{\"root\": {\"path\": \"nosuchdir\"}}");
    struct sk_error err = {0};
    assert_int_equal(rt_spec_check_rootfs(s, &err), -1);
    assert_non_null(strstr(err.msg, "nosuchdir"));
    rt_spec_free(s);
}

static void test_linux_fields(void **state)
{
    /* No mount namespace: the container shares the runtime's. */
    struct rt_spec *shared = parse_ok("{\"hostname\": \"\", \"linux\": {\"namespaces\": "
                                      "[{\"type\": \"pid\"}]}}");
    assert_true(rt_spec_shares_mount_ns(shared));
    rt_spec_free(shared);

    struct rt_spec *s = parse_ok(
        "{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"network\", \"path\": "
        "\"/proc/1/ns/net\"}, {\"type\": \"user\"}, {\"type\": \"uts\"}],"
        "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
        "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
        "\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}, \"cgroupsPath\": \"/a/b\","
        "\"rootfsPropagation\": \"rslave\", \"resources\": {\"memory\": {\"limit\": 1048576, "
        "\"swap\": 2097152}, \"cpu\": {\"shares\": 512, \"cpus\": \"0\"}, \"pids\": {\"limit\": "
        "10},"
        "\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 2147483648}],"
        "\"blockIO\": {}}}}");
    assert_string_equal(s->ns[RT_NS_NET].path, "/proc/1/ns/net");
    assert_true(s->ns[RT_NS_USER].enabled);
    assert_false(s->ns[RT_NS_PID].enabled);
    assert_int_equal(s->n_uid_maps, 1);
    assert_int_equal(s->uid_maps[0].host_id, 100000);
    assert_int_equal(s->nsysctls, 1);
    assert_string_equal(s->sysctls[0].key, "net.ipv4.ip_forward");
    assert_string_equal(s->cgroups_path, "/a/b");
    assert_int_equal(s->rootfs_propagation, MS_SLAVE | MS_REC);
    assert_true(s->resources.memory_limit.set);
    assert_int_equal(s->resources.memory_limit.v, 1048576);
    assert_int_equal(s->resources.memory_swap.v, 2097152);
    assert_int_equal(s->resources.cpu_shares.v, 512);
    assert_string_equal(s->resources.cpuset_cpus, "0");
    assert_int_equal(s->resources.pids_limit.v, 10);
    assert_int_equal(s->resources.nhugepages, 1);
    assert_string_equal(s->resources.hugepages[0].page_size, "2MB");
    assert_int_equal(s->resources.hugepages[0].limit, 2147483648ULL);
    assert_false(rt_spec_shares_mount_ns(s));
    /* blockIO is accepted with a warning. */
    assert_non_null(s->warnings);
    assert_non_null(strstr(s->warnings[0], "blockIO"));
    rt_spec_free(s);
}

static void test_mount_options(void **state)
{
    struct rt_mount m = {0};
    struct sk_error err = {0};
    _cleanup_json_ json_t *o = json_pack("[s,s,s,s,s,s,s,s]", "rbind", "ro", "nosuid", "rprivate",
                                         "size=10m", "mode=755", "rro", "exec");
    assert_int_equal(rt_mount_parse_options(o, &m, &err), 0);
    assert_true(m.bind);
    assert_int_equal(m.flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID);
    assert_int_equal(m.propagation, MS_PRIVATE | MS_REC);
    assert_int_equal(m.rec_attr_set, 0x1);
    assert_string_equal(m.data, "size=10m,mode=755");
    free(m.data);
    memset(&m, 0, sizeof(m));
    _cleanup_json_ json_t *o2 = json_pack("[s,s]", "noexec", "exec");
    assert_int_equal(rt_mount_parse_options(o2, &m, &err), 0);
    assert_int_equal(m.flags, 0);
    assert_null(m.data);
    /* tmpcopyup is the runtime's (copyup.c), not the filesystem's. */
    _cleanup_json_ json_t *o4 = json_pack("[s,s]", "tmpcopyup", "size=1m");
    assert_int_equal(rt_mount_parse_options(o4, &m, &err), 0);
    assert_true(m.tmpcopyup);
    assert_string_equal(m.data, "size=1m");
    _cleanup_json_ json_t *o5 = json_pack("[s]", "notmpcopyup");
    assert_int_equal(rt_mount_parse_options(o5, &m, &err), 0);
    assert_false(m.tmpcopyup);
    assert_null(m.data);
    _cleanup_json_ json_t *o3 = json_pack("[s]", "idmap");
    assert_int_equal(rt_mount_parse_options(o3, &m, &err), -1);
    assert_non_null(strstr(err.msg, "idmap"));

    /* Relative bind sources are taken from the bundle. */
    struct rt_spec *s = parse_ok("{\"mounts\": [{\"destination\": \"/data\", \"type\": \"none\", "
                                 "\"source\": \"data\", \"options\": [\"bind\"]}]}");
    _cleanup_free_ char *want = sk_asprintf("%s/data", bundle);
    assert_true(s->mounts[0].bind);
    assert_string_equal(s->mounts[0].source, want);
    rt_spec_free(s);
}

static void test_signals(void **state)
{
    assert_int_equal(sk_signal_parse("TERM"), SIGTERM);
    assert_int_equal(sk_signal_parse("SIGKILL"), SIGKILL);
    assert_int_equal(sk_signal_parse("sigusr1"), SIGUSR1);
    assert_int_equal(sk_signal_parse("9"), 9);
    assert_int_equal(sk_signal_parse("RTMIN+2"), SIGRTMIN + 2);
    assert_int_equal(sk_signal_parse("SIGRTMAX"), SIGRTMAX);
    assert_int_equal(sk_signal_parse("0"), -1);
    assert_int_equal(sk_signal_parse("NOPE"), -1);
    assert_int_equal(sk_signal_parse("9x"), -1);
    assert_int_equal(sk_signal_parse(""), -1);
    assert_int_equal(sk_signal_parse("999"), -1);
}

static void test_caps_names(void **state)
{
    assert_int_equal(rt_cap_from_name("CAP_SYS_ADMIN"), 21);
    assert_int_equal(rt_cap_from_name("sys_admin"), 21);
    assert_int_equal(rt_cap_from_name("CAP_NOPE"), -1);
    assert_string_equal(rt_cap_name(0), "CAP_CHOWN");
    assert_string_equal(rt_cap_name(40), "CAP_CHECKPOINT_RESTORE");
}

static void test_seccomp(void **state)
{
    struct rt_spec *s = parse_ok(
        "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
        "\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_AARCH64\"],"
        "\"flags\": [\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
        "\"syscalls\": [{\"names\": [\"read\", \"write\", \"not_a_syscall\"], \"action\": "
        "\"SCMP_ACT_ALLOW\"}, {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", "
        "\"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 0, "
        "\"value\": "
        "8, \"op\": \"SCMP_CMP_EQ\"}]}]}}}");
    assert_non_null(s->seccomp);
    void *ctx = NULL;
    struct sk_error err = {0};
    if (rt_seccomp_build(s->seccomp, &ctx, &err) < 0)
        fail_msg("build: %s", err.msg);
    rt_seccomp_release(ctx);
    rt_spec_free(s);
    parse_fails("{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_MAYBE\"}}}",
                "unknown action \"SCMP_ACT_MAYBE\"");
    parse_fails("{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", "
                "\"architectures\": [\"SCMP_ARCH_Z80\"]}}}",
                "unknown architecture");
    parse_fails(
        "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
        "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 7, "
        "\"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}}}",
        "index: want 0 to 5");
    parse_fails(
        "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
        "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, "
        "\"value\": 0, \"op\": \"SCMP_CMP_ALMOST\"}]}]}}}",
        "unknown operator");
    parse_fails("{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_NOTIFY\"}}}",
                "not supported");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_spec_parses), cmocka_unit_test(test_rootless_default),
        cmocka_unit_test(test_process_errors),      cmocka_unit_test(test_process_fields),
        cmocka_unit_test(test_linux_errors),        cmocka_unit_test(test_linux_fields),
        cmocka_unit_test(test_mount_options),       cmocka_unit_test(test_signals),
        cmocka_unit_test(test_caps_names),          cmocka_unit_test(test_seccomp),
    };
    return cmocka_run_group_tests(tests, make_bundle, remove_bundle);
}
