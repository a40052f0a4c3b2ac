/* Unit tests for the spec generator (engine/spec.c, spec_flags.c,
 * spec_defaults.c, seccomp_default.c): flag normalization with good and bad
 * values, and generation from a fake image config and a temporary rootfs.
 *
 * Bundle mode, for tests/integration/spec_runc.bats: with SKIFF_SPEC_BUNDLE_DIR
 * set, no tests run; instead the program writes DIR/config.json (and the /etc
 * files under DIR/userdata) for the rootfs DIR/rootfs from the raw flags in
 * SKIFF_SPEC_BUNDLE_FLAGS (JSON, default {}) and the image config in
 * SKIFF_SPEC_BUNDLE_IMAGE (JSON, default: Cmd ["sh"]), then exits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/util.h"
#include "common/names.h"
#include "engine/spec.h"
#include "engine/spec_defaults.h"

#define BASE_TEMPLATE "/var/tmp/skiff-test-spec-XXXXXX"
#define TEST_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct fixture {
    char base[sizeof(BASE_TEMPLATE)];
    char *rootfs;
    char *userdata;
};

static void write_file(const char *path, const char *data)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(data, f);
    fclose(f);
}

static void make_rootfs(const char *rootfs)
{
    _cleanup_free_ char *etc = sk_asprintf("%s/etc", rootfs);
    assert_int_equal(sk_mkdir_p(etc, 0755, NULL), 0);
    _cleanup_free_ char *passwd = sk_asprintf("%s/passwd", etc);
    write_file(passwd, "root:x:0:0:root:/root:/bin/sh\n"
                       "# a comment\n"
                       "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                       "tester:x:1000:1000:Test User:/home/tester:/bin/sh\n"
                       "nohome:x:1002:1002::::\n");
    _cleanup_free_ char *group = sk_asprintf("%s/group", etc);
    write_file(group, "root:x:0:\n"
                      "wheel:x:10:root\n"
                      "tester:x:1000:\n"
                      "extra:x:1001:tester,daemon\n"
                      "more:x:1003:daemon,tester\n"
                      "nohome:x:1002:\n");
}

static int setup(void **state)
{
    struct fixture *f = sk_calloc(1, sizeof(*f));
    strcpy(f->base, BASE_TEMPLATE);
    if (!mkdtemp(f->base))
        return -1;
    f->rootfs = sk_asprintf("%s/rootfs", f->base);
    f->userdata = sk_asprintf("%s/userdata", f->base);
    make_rootfs(f->rootfs);
    if (sk_mkdir_p(f->userdata, 0755, NULL) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sk_rm_rf(f->base, NULL);
    free(f->rootfs);
    free(f->userdata);
    free(f);
    return 0;
}

/* ---- helpers -------------------------------------------------------------------- */

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!j)
        fail_msg("bad test JSON: %s: %s", text, jerr.text);
    return j;
}

static json_t *normalize(const char *raw_text)
{
    _cleanup_json_ json_t *raw = parse(raw_text);
    json_t *out = NULL;
    struct sk_error err = {0};
    if (spec_flags_normalize(raw, &out, &err) < 0)
        fail_msg("normalize %s: %s", raw_text, err.msg);
    return out;
}

/* Normalization must fail with a message containing want. */
static void normalize_fails(const char *raw_text, const char *want)
{
    _cleanup_json_ json_t *raw = parse(raw_text);
    json_t *out = NULL;
    struct sk_error err = {0};
    if (spec_flags_normalize(raw, &out, &err) == 0) {
        json_decref(out);
        fail_msg("normalize %s: unexpectedly succeeded", raw_text);
    }
    if (!strstr(err.msg, want))
        fail_msg("normalize %s: error \"%s\" lacks \"%s\"", raw_text, err.msg, want);
    assert_int_equal(err.code, EINVAL);
}

static const char *default_image =
    "{\"config\": {\"Env\": [\"PATH=/usr/bin:/bin\", \"IMAGE_VAR=1\"], "
    "\"Entrypoint\": [\"/bin/entry\"], \"Cmd\": [\"arg1\", \"arg2\"], \"WorkingDir\": \"/srv\", "
    "\"Labels\": {\"maintainer\": \"me\", \"shared\": \"image\"}, \"StopSignal\": \"SIGQUIT\"}}";

static int try_generate(struct fixture *f, const char *flags_text, const char *image_text,
                        json_t **ret, struct sk_error *err)
{
    _cleanup_json_ json_t *raw = parse(flags_text);
    _cleanup_json_ json_t *flags = NULL;
    if (spec_flags_normalize(raw, &flags, err) < 0)
        return -1;
    _cleanup_json_ json_t *image = parse(image_text ? image_text : default_image);
    struct spec_context ctx = {
        .id = TEST_ID,
        .name = "test_ctr",
        .rootfs = f->rootfs,
        .userdata = f->userdata,
        .image_config = image,
        .image_name = "localhost/test:latest",
        .flags = flags,
    };
    return spec_generate(&ctx, ret, err);
}

static json_t *generate(struct fixture *f, const char *flags_text, const char *image_text)
{
    json_t *spec = NULL;
    struct sk_error err = {0};
    if (try_generate(f, flags_text, image_text, &spec, &err) < 0)
        fail_msg("generate %s: %s", flags_text, err.msg);
    return spec;
}

static void generate_fails(struct fixture *f, const char *flags_text, const char *image_text,
                           const char *want)
{
    json_t *spec = NULL;
    struct sk_error err = {0};
    if (try_generate(f, flags_text, image_text, &spec, &err) == 0) {
        json_decref(spec);
        fail_msg("generate %s: unexpectedly succeeded", flags_text);
    }
    if (!strstr(err.msg, want))
        fail_msg("generate %s: error \"%s\" lacks \"%s\"", flags_text, err.msg, want);
}

/* JSON pointer-ish lookup: "process.user.uid", "linux.devices.0.path". */
static json_t *at(json_t *j, const char *path)
{
    _cleanup_free_ char *copy = sk_strdup(path);
    char *save = NULL;
    for (char *k = strtok_r(copy, ".", &save); k && j; k = strtok_r(NULL, ".", &save)) {
        if (json_is_array(j))
            j = json_array_get(j, strtoul(k, NULL, 10));
        else
            j = json_object_get(j, k);
    }
    return j;
}

static const char *at_str(json_t *j, const char *path)
{
    json_t *v = at(j, path);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long at_int(json_t *j, const char *path)
{
    json_t *v = at(j, path);
    if (!json_is_integer(v))
        fail_msg("%s is not an integer", path);
    return json_integer_value(v);
}

static bool has_str(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

/* The strings of arr joined with spaces. */
static char *joined(json_t *arr)
{
    char *out = sk_strdup("");
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        char *n = sk_asprintf("%s%s%s", out, i ? " " : "", json_string_value(v));
        free(out);
        out = n;
    }
    return out;
}

static void assert_joined(json_t *arr, const char *want)
{
    _cleanup_free_ char *s = joined(arr);
    assert_string_equal(s, want);
}

static json_t *find_by(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = sk_json_str(v, key);
        if (s && strcmp(s, value) == 0)
            return v;
    }
    return NULL;
}

static const char *env_get(json_t *spec, const char *key)
{
    size_t n = strlen(key), i;
    json_t *v;
    json_array_foreach(at(spec, "process.env"), i, v)
    {
        const char *s = json_string_value(v);
        if (strncmp(s, key, n) == 0 && s[n] == '=')
            return s + n + 1;
    }
    return NULL;
}

/* The syscall names of the OCI seccomp rules with this action (and errno). */
static bool seccomp_has(json_t *spec, const char *name, const char *action, int errno_ret)
{
    size_t i;
    json_t *r;
    json_array_foreach(at(spec, "linux.seccomp.syscalls"), i, r)
    {
        if (strcmp(sk_json_str(r, "action"), action) != 0)
            continue;
        if (errno_ret >= 0 && sk_json_int(r, "errnoRet", -1) != errno_ret)
            continue;
        if (json_object_get(r, "args"))
            continue;
        if (has_str(json_object_get(r, "names"), name))
            return true;
    }
    return false;
}

/* ---- normalization ---------------------------------------------------------------- */

static void test_unknown_and_types(void **state)
{
    (void)state;
    normalize_fails("{\"no-such-flag\": true}", "unknown flag: --no-such-flag");
    normalize_fails("{\"tty\": \"maybe\"}", "\"--tty\": want true or false");
    normalize_fails("{\"memory\": [\"1g\"]}", "\"--memory\": want a string");
    normalize_fails("{\"env\": [1.5, {}]}", "\"--env\": want a list of strings");
    _cleanup_json_ json_t *n = normalize("{\"tty\": true, \"interactive\": \"true\", "
                                         "\"rm\": false, \"env\": \"ONE=1\"}");
    assert_true(json_is_true(json_object_get(n, "tty")));
    assert_true(json_is_true(json_object_get(n, "interactive")));
    assert_true(json_is_false(json_object_get(n, "rm")));
    assert_joined(json_object_get(n, "env"), "ONE=1");
    _cleanup_json_ json_t *empty = normalize("{}");
    assert_int_equal(json_object_size(empty), 0);
}

static void test_env(void **state)
{
    struct fixture *f = *state;
    setenv("SKIFF_TEST_FROM_HOST", "hostval", 1);
    setenv("SKIFF_TEST_PFX_A", "a", 1);
    setenv("SKIFF_TEST_PFX_B", "b", 1);
    unsetenv("SKIFF_TEST_UNSET");
    _cleanup_free_ char *file = sk_asprintf("%s/env.list", f->base);
    write_file(file, "# comment\n\n  FILE_A=1\nSHARED=from-file\r\nSKIFF_TEST_FROM_HOST\n"
                     "SKIFF_TEST_UNSET\nWITH_EQ=a=b\n");
    _cleanup_free_ char *raw =
        sk_asprintf("{\"env-file\": [\"%s\"], \"env\": [\"SHARED=from-flag\", \"EMPTY=\", "
                    "\"SKIFF_TEST_PFX_*\", \"FILE_A=2\"]}",
                    file);
    _cleanup_json_ json_t *n = normalize(raw);
    assert_joined(json_object_get(n, "env"),
                  "FILE_A=2 SHARED=from-flag SKIFF_TEST_FROM_HOST=hostval WITH_EQ=a=b EMPTY= "
                  "SKIFF_TEST_PFX_A=a SKIFF_TEST_PFX_B=b");
    normalize_fails("{\"env\": [\"=x\"]}", "invalid argument \"=x\" for \"--env\"");
    normalize_fails("{\"env\": [\"A B=x\"]}", "contains whitespace");
    normalize_fails("{\"env-file\": [\"/nonexistent/env\"]}",
                    "invalid argument \"/nonexistent/env\" for \"--env-file\"");
    _cleanup_free_ char *badfile = sk_asprintf("%s/bad.env", f->base);
    write_file(badfile, "OK=1\n\n# c\nBAD KEY=2\n");
    _cleanup_free_ char *badraw = sk_asprintf("{\"env-file\": \"%s\"}", badfile);
    normalize_fails(badraw, "for \"--env-file\": line 4: \"BAD KEY=2\": environment "
                            "variable name contains whitespace");
}

static void test_strings(void **state)
{
    (void)state;
    _cleanup_json_ json_t *n = normalize(
        "{\"name\": \"web-1.a_b\", \"workdir\": \"/app\", \"user\": \"tester:extra\", "
        "\"hostname\": \"box.example\", \"stop-signal\": \"kill\", \"stop-timeout\": 30}");
    assert_string_equal(sk_json_str(n, "name"), "web-1.a_b");
    assert_string_equal(sk_json_str(n, "workdir"), "/app");
    assert_string_equal(sk_json_str(n, "user"), "tester:extra");
    assert_string_equal(sk_json_str(n, "hostname"), "box.example");
    assert_int_equal(sk_json_int(n, "stop-signal", 0), 9);
    assert_int_equal(sk_json_int(n, "stop-timeout", 0), 30);
    normalize_fails("{\"name\": \"-bad\"}", "invalid argument \"-bad\" for \"--name\"");
    normalize_fails("{\"workdir\": \"rel\"}", "invalid argument \"rel\" for \"--workdir\"");
    normalize_fails("{\"user\": \"a:b:c\"}", "invalid argument \"a:b:c\" for \"--user\"");
    normalize_fails("{\"user\": \"tester:\"}", "for \"--user\"");
    normalize_fails("{\"user\": \"\"}", "for \"--user\"");
    normalize_fails("{\"hostname\": \"bad host\"}", "for \"--hostname\"");
    normalize_fails("{\"stop-signal\": \"SIGNOPE\"}",
                    "invalid argument \"SIGNOPE\" for \"--stop-signal\": invalid signal");
    normalize_fails("{\"stop-signal\": \"65\"}", "invalid signal");
    normalize_fails("{\"stop-timeout\": \"-3\"}", "for \"--stop-timeout\"");

    _cleanup_json_ json_t *g = normalize("{\"group-add\": [\"wheel\", \"4242\"]}");
    assert_int_equal(json_array_size(json_object_get(g, "group-add")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(g, "group-add"), 1)),
                        "4242");
    _cleanup_json_ json_t *k = normalize("{\"group-add\": [\"keep-groups\"]}");
    assert_string_equal(json_string_value(json_array_get(json_object_get(k, "group-add"), 0)),
                        "keep-groups");
    normalize_fails("{\"group-add\": [\"keep-groups\", \"10\"]}",
                    "'--group-add keep-groups' option is not allowed with other groups");
    normalize_fails("{\"group-add\": [\"a:b\"]}", "invalid argument \"a:b\" for \"--group-add\"");
}

/* No network of skiff's forwards ports: refused with the default network,
 * kept (for the engine to discard with a warning) with host or none. */
static void test_publish(void **state)
{
    (void)state;
    normalize_fails("{\"publish\": [\"8080:80\"]}",
                    "invalid argument \"8080:80\" for \"--publish\": publishing ports needs a "
                    "bridge, slirp4netns or pasta network");
    normalize_fails("{\"publish-all\": true}", "invalid argument \"true\" for \"--publish-all\"");
    normalize_fails("{\"publish\": [\"80/icmp\"], \"network\": \"host\"}", "tcp, udp or sctp");
    normalize_fails("{\"publish\": [\"0\"], \"network\": \"host\"}", "ports 1 to 65535");
    normalize_fails("{\"publish\": [\"90-80\"], \"network\": \"host\"}", "ports 1 to 65535");
    _cleanup_json_ json_t *h = normalize(
        "{\"publish\": [\"127.0.0.1:8080:80/udp\", \"9000-9010\"], \"network\": \"host\"}");
    assert_int_equal(json_array_size(json_object_get(h, "publish")), 2);
    _cleanup_json_ json_t *n = normalize("{\"publish-all\": false}");
    assert_null(json_object_get(n, "publish-all"));
    _cleanup_json_ json_t *a = normalize("{\"publish-all\": true, \"network\": \"none\"}");
    assert_true(json_is_true(json_object_get(a, "publish-all")));
}

static void test_signals(void **state)
{
    (void)state;
    assert_int_equal(spec_signal_parse("TERM"), 15);
    assert_int_equal(spec_signal_parse("SIGTERM"), 15);
    assert_int_equal(spec_signal_parse("sigkill"), 9);
    assert_int_equal(spec_signal_parse("1"), 1);
    assert_int_equal(spec_signal_parse("RTMIN+2"), 36);
    assert_int_equal(spec_signal_parse("SIGRTMAX-1"), 63);
    assert_int_equal(spec_signal_parse("0"), -1);
    assert_int_equal(spec_signal_parse(""), -1);
    assert_int_equal(spec_signal_parse("RTMIN-1"), -1);
    char buf[24];
    assert_string_equal(spec_signal_name(15, buf), "SIGTERM");
    assert_string_equal(spec_signal_name(35, buf), "SIGRTMIN+1");
}

static void test_entrypoint_command(void **state)
{
    (void)state;
    _cleanup_json_ json_t *a = normalize("{\"entrypoint\": \"/bin/sh\"}");
    assert_joined(json_object_get(a, "entrypoint"), "/bin/sh");
    _cleanup_json_ json_t *b = normalize("{\"entrypoint\": \"[\\\"/bin/sh\\\", \\\"-c\\\"]\"}");
    assert_joined(json_object_get(b, "entrypoint"), "/bin/sh -c");
    _cleanup_json_ json_t *c = normalize("{\"entrypoint\": \"\"}");
    assert_int_equal(json_array_size(json_object_get(c, "entrypoint")), 0);
    _cleanup_json_ json_t *d = normalize("{\"command\": [\"ls\", \"-l\"]}");
    assert_joined(json_object_get(d, "command"), "ls -l");
    normalize_fails("{\"entrypoint\": \"[1, 2]\"}", "not a JSON array of strings");
    normalize_fails("{\"entrypoint\": \"[oops\"}", "not a JSON array of strings");
    normalize_fails("{\"command\": [\"ls\", 3]}", "want an array of strings");
}

static void test_volumes(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *raw =
        sk_asprintf("{\"volume\": [\"%s:/data\", \"%s:/ro:ro,z,rslave,noexec\", \"%s:/b:bind,U\"]}",
                    f->base, f->base, f->base);
    _cleanup_json_ json_t *n = normalize(raw);
    json_t *m = json_object_get(n, "mounts");
    assert_int_equal(json_array_size(m), 3);
    assert_string_equal(at_str(m, "0.destination"), "/data");
    assert_string_equal(at_str(m, "0.source"), f->base);
    assert_string_equal(at_str(m, "0.type"), "bind");
    assert_joined(at(m, "0.options"), "rbind rprivate");
    assert_joined(at(m, "1.options"), "ro rslave noexec rbind");
    assert_joined(at(m, "2.options"), "bind rprivate");
    assert_true(json_is_true(at(m, "2.chown")));

    normalize_fails("{\"volume\": [\"myvol:/data\"]}", "named volumes are not supported");
    normalize_fails("{\"volume\": [\"/data\"]}", "anonymous volumes are not supported");
    normalize_fails("{\"volume\": [\"/nonexistent-skiff:/data\"]}",
                    "host path /nonexistent-skiff: No such file or directory");
    _cleanup_free_ char *rel = sk_asprintf("{\"volume\": [\"%s:data\"]}", f->base);
    normalize_fails(rel, "container path must be absolute");
    _cleanup_free_ char *conflict = sk_asprintf("{\"volume\": [\"%s:/d:ro,rw\"]}", f->base);
    normalize_fails(conflict, "conflicting options \"ro\" and \"rw\"");
    _cleanup_free_ char *prop = sk_asprintf("{\"volume\": [\"%s:/d:shared,slave\"]}", f->base);
    normalize_fails(prop, "conflicting options");
    _cleanup_free_ char *unknown = sk_asprintf("{\"volume\": [\"%s:/d:O\"]}", f->base);
    normalize_fails(unknown, "unknown volume option \"O\"");
    _cleanup_free_ char *dup =
        sk_asprintf("{\"volume\": [\"%s:/d\", \"%s:/d\"]}", f->base, f->base);
    normalize_fails(dup, "/d is already a mount destination");
}

static void test_mounts_and_tmpfs(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *raw = sk_asprintf(
        "{\"mount\": [\"type=bind,source=%s,target=/m,readonly,bind-propagation=rshared\", "
        "\"type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1777\", "
        "\"type=bind,src=%s,destination=/n,bind-nonrecursive=true,ro=false\"], "
        "\"tmpfs\": [\"/run:size=10m,mode=755,exec\", \"/cache\"]}",
        f->base, f->base);
    _cleanup_json_ json_t *n = normalize(raw);
    json_t *m = json_object_get(n, "mounts");
    assert_int_equal(json_array_size(m), 5);
    assert_string_equal(at_str(m, "0.destination"), "/m");
    assert_joined(at(m, "0.options"), "ro rshared rbind");
    assert_string_equal(at_str(m, "1.type"), "tmpfs");
    assert_joined(at(m, "1.options"), "size=67108864 mode=1777 rw noexec nosuid nodev tmpcopyup");
    assert_joined(at(m, "2.options"), "rw bind rprivate");
    assert_string_equal(at_str(m, "3.destination"), "/run");
    assert_joined(at(m, "3.options"), "size=10m mode=755 exec rw nosuid nodev tmpcopyup");
    assert_joined(at(m, "4.options"), "rw noexec nosuid nodev tmpcopyup");

    /* notmpcopyup keeps tmpcopyup out, and is not passed on. */
    _cleanup_json_ json_t *nc = normalize(
        "{\"tmpfs\": [\"/a:notmpcopyup\"], \"mount\": [\"type=tmpfs,dst=/b,notmpcopyup\"]}");
    m = json_object_get(nc, "mounts");
    assert_joined(at(m, "0.options"), "rw noexec nosuid nodev");
    assert_joined(at(m, "1.options"), "rw noexec nosuid nodev");
    normalize_fails("{\"tmpfs\": [\"/x:tmpcopyup,notmpcopyup\"]}", "conflicting options");
    _cleanup_free_ char *bind_copyup =
        sk_asprintf("{\"mount\": [\"type=bind,src=%s,dst=/x,tmpcopyup\"]}", f->base);
    normalize_fails(bind_copyup, "\"tmpcopyup\" applies to tmpfs mounts only");

    normalize_fails("{\"mount\": [\"type=volume,source=v,target=/v\"]}",
                    "mount type \"volume\" is not supported");
    normalize_fails("{\"mount\": [\"type=bind,source=/tmp\"]}", "destination= (or target=)");
    normalize_fails("{\"mount\": [\"target=/x\"]}", "type= is required");
    normalize_fails("{\"mount\": [\"type=tmpfs,target=/x,color=blue\"]}",
                    "unknown mount option \"color\"");
    normalize_fails("{\"mount\": [\"type=tmpfs,target=/x,tmpfs-mode=999\"]}", "invalid tmpfs-mode");
    normalize_fails("{\"mount\": [\"type=bind,source=vol,target=/x\"]}",
                    "named volumes are not supported");
    normalize_fails("{\"tmpfs\": [\"rel\"]}", "container path must be absolute");
    normalize_fails("{\"tmpfs\": [\"/x:size=lots\"]}", "invalid value for tmpfs option \"size\"");
    normalize_fails("{\"tmpfs\": [\"/x:frobnicate\"]}", "unknown tmpfs option \"frobnicate\"");
    normalize_fails("{\"tmpfs\": [\"/x:ro,rw\"]}", "conflicting options");
}

static void test_caps_and_security(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *n = normalize("{\"cap-add\": [\"net_raw\", \"CAP_SYS_ADMIN\"], "
                                         "\"cap-drop\": [\"all\"]}");
    assert_joined(json_object_get(n, "cap-add"), "CAP_NET_RAW CAP_SYS_ADMIN");
    assert_joined(json_object_get(n, "cap-drop"), "ALL");
    normalize_fails("{\"cap-add\": [\"CAP_FLY\"]}",
                    "invalid argument \"CAP_FLY\" for \"--cap-add\": unknown capability");
    normalize_fails("{\"cap-drop\": [\"bogus\"]}", "unknown capability");
    normalize_fails("{\"cap-add\": [\"ALL\"], \"cap-drop\": [\"ALL\"]}",
                    "adding all caps and removing all caps");
    normalize_fails("{\"cap-add\": [\"NET_RAW\"], \"cap-drop\": [\"net_raw\"]}",
                    "cannot be both added and dropped");
    /* A capability skiff itself lacks cannot be granted (this VM has no
     * CAP_SYS_RESOURCE in its bounding set). */
    int res = spec_cap_number("CAP_SYS_RESOURCE");
    if (!spec_cap_in_bounding_set(res))
        normalize_fails("{\"cap-add\": [\"SYS_RESOURCE\"]}", "bounding set");

    _cleanup_json_ json_t *s =
        normalize("{\"security-opt\": [\"no-new-privileges\", \"seccomp=unconfined\", "
                  "\"mask=/proc/foo:/sys/bar\", \"unmask=/proc/kcore\", \"label=disable\"]}");
    assert_true(json_is_true(json_object_get(s, "no-new-privileges")));
    assert_string_equal(sk_json_str(s, "seccomp"), "unconfined");
    assert_joined(json_object_get(s, "mask"), "/proc/foo /sys/bar");
    assert_joined(json_object_get(s, "unmask"), "/proc/kcore");
    _cleanup_json_ json_t *s2 = normalize("{\"security-opt\": [\"no-new-privileges=false\", "
                                          "\"unmask=ALL\"]}");
    assert_true(json_is_false(json_object_get(s2, "no-new-privileges")));
    assert_joined(json_object_get(s2, "unmask"), "ALL");

    _cleanup_free_ char *good = sk_asprintf("%s/good.json", f->base);
    write_file(good, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                     "[\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}");
    _cleanup_free_ char *graw = sk_asprintf("{\"security-opt\": [\"seccomp=%s\"]}", good);
    _cleanup_json_ json_t *g = normalize(graw);
    assert_string_equal(at_str(g, "seccomp.defaultAction"), "SCMP_ACT_ALLOW");

    _cleanup_free_ char *badjson = sk_asprintf("%s/bad.json", f->base);
    write_file(badjson, "{not json");
    _cleanup_free_ char *braw = sk_asprintf("{\"security-opt\": [\"seccomp=%s\"]}", badjson);
    normalize_fails(braw, "invalid JSON");
    _cleanup_free_ char *badact = sk_asprintf("%s/badact.json", f->base);
    write_file(badact, "{\"defaultAction\": \"SCMP_ACT_MAYBE\"}");
    _cleanup_free_ char *araw = sk_asprintf("{\"security-opt\": [\"seccomp=%s\"]}", badact);
    normalize_fails(araw, "invalid or missing defaultAction");
    _cleanup_free_ char *badarg = sk_asprintf("%s/badarg.json", f->base);
    write_file(badarg, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                       "[\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 9, "
                       "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}");
    _cleanup_free_ char *argraw = sk_asprintf("{\"security-opt\": [\"seccomp=%s\"]}", badarg);
    normalize_fails(argraw, "args[0]");
    normalize_fails("{\"security-opt\": [\"seccomp=/nonexistent.json\"]}", "seccomp=");
    normalize_fails("{\"security-opt\": [\"label=type:foo_t\"]}", "SELinux labels");
    normalize_fails("{\"security-opt\": [\"frobnicate=1\"]}", "unknown security option");
    normalize_fails("{\"security-opt\": [\"mask=relative\"]}", "not an absolute path");
    normalize_fails("{\"security-opt\": [\"no-new-privileges=perhaps\"]}", "true or false");
}

static void test_resources(void **state)
{
    (void)state;
    _cleanup_json_ json_t *n =
        normalize("{\"memory\": \"512m\", \"memory-swap\": \"1g\", \"cpus\": \"0.5\", "
                  "\"cpu-shares\": 512, \"cpuset-cpus\": \"0-1,3\", \"pids-limit\": \"100\"}");
    assert_int_equal(sk_json_int(n, "memory", 0), 512LL << 20);
    assert_int_equal(sk_json_int(n, "memory-swap", 0), 1LL << 30);
    assert_int_equal(sk_json_int(n, "cpu-quota", 0), 50000);
    assert_int_equal(sk_json_int(n, "cpu-period", 0), 100000);
    assert_int_equal(sk_json_int(n, "cpu-shares", 0), 512);
    assert_string_equal(sk_json_str(n, "cpuset-cpus"), "0-1,3");
    assert_int_equal(sk_json_int(n, "pids-limit", 0), 100);
    _cleanup_json_ json_t *u = normalize("{\"memory\": \"1.5GiB\", \"memory-swap\": \"-1\"}");
    assert_int_equal(sk_json_int(u, "memory", 0), 1536LL << 20);
    assert_int_equal(sk_json_int(u, "memory-swap", 0), -1);

    normalize_fails("{\"memory\": \"abc\"}", "invalid argument \"abc\" for \"--memory\": "
                                             "invalid size");
    normalize_fails("{\"memory\": \"1m\"}", "minimum memory limit is 6MB");
    normalize_fails("{\"memory\": \"12q\"}", "invalid size");
    normalize_fails("{\"memory-swap\": \"1g\"}", "needs a memory limit (--memory)");
    normalize_fails("{\"memory\": \"1g\", \"memory-swap\": \"512m\"}",
                    "must be at least the memory limit");
    normalize_fails("{\"cpus\": \"0\"}", "invalid argument \"0\" for \"--cpus\"");
    normalize_fails("{\"cpus\": \"abc\"}", "for \"--cpus\"");
    normalize_fails("{\"cpus\": \"0.001\"}", "the range of CPUs is from 0.01");
    normalize_fails("{\"cpus\": \"100000\"}", "the range of CPUs");
    normalize_fails("{\"cpu-shares\": \"1\"}", "for \"--cpu-shares\"");
    normalize_fails("{\"cpuset-cpus\": \"1-\"}", "for \"--cpuset-cpus\"");
    normalize_fails("{\"cpuset-cpus\": \"3-1\"}", "invalid range 3-1");
    normalize_fails("{\"cpuset-cpus\": \"0,,1\"}", "want a list like");
    normalize_fails("{\"cpuset-cpus\": \"a\"}", "want a list like");
    normalize_fails("{\"pids-limit\": \"-5\"}", "for \"--pids-limit\"");
}

static void test_ulimits(void **state)
{
    (void)state;
    _cleanup_json_ json_t *n = normalize("{\"ulimit\": [\"nofile=1024:2048\", \"core=0\", "
                                         "\"nofile=100\"]}");
    json_t *u = json_object_get(n, "ulimits");
    assert_int_equal(json_array_size(u), 2);
    assert_string_equal(at_str(u, "0.type"), "RLIMIT_CORE");
    assert_string_equal(at_str(u, "1.type"), "RLIMIT_NOFILE");
    assert_int_equal(at_int(u, "1.soft"), 100);
    assert_int_equal(at_int(u, "1.hard"), 100);
    normalize_fails("{\"ulimit\": [\"bogus=1\"]}", "unknown ulimit \"bogus\"");
    normalize_fails("{\"ulimit\": [\"nofile\"]}", "expected NAME=SOFT[:HARD]");
    normalize_fails("{\"ulimit\": [\"nofile=20:10\"]}", "soft limit is above the hard limit");
    normalize_fails("{\"ulimit\": [\"nofile=x\"]}", "limits are numbers");
    /* Above skiff's own hard limit: a clear error at create time. */
    unsigned long long ceiling = spec_rlimit_ceiling(RLIMIT_NOFILE);
    if (ceiling < 1048576ULL)
        normalize_fails("{\"ulimit\": [\"nofile=1048576\"]}",
                        "above skiff's own hard limit for nofile");
    if (ceiling != (unsigned long long)RLIM_INFINITY)
        normalize_fails("{\"ulimit\": [\"nofile=-1\"]}", "above skiff's own hard limit");
}

static void test_sysctls_devices_labels(void **state)
{
    (void)state;
    _cleanup_json_ json_t *n = normalize(
        "{\"sysctl\": [\"net.ipv4.ip_forward=1\", \"kernel.shmmax=1000\", \"kernel.sem=1 2 3 4\", "
        "\"fs.mqueue.msg_max=20\", \"kernel.msgmax=100\", \"net/core/somaxconn=100\"], "
        "\"device\": [\"/dev/null\", \"/dev/zero:/dev/myzero:rw\", \"/dev/full:r\"], "
        "\"label\": [\"a=1\", \"flag\"], \"annotation\": [\"x=y=z\"], "
        "\"network\": \"none\", \"ipc\": \"private\", \"pid\": \"private\"}");
    json_t *sys = json_object_get(n, "sysctls");
    assert_string_equal(sk_json_str(sys, "net.ipv4.ip_forward"), "1");
    assert_string_equal(sk_json_str(sys, "net.core.somaxconn"), "100");
    assert_string_equal(sk_json_str(sys, "kernel.sem"), "1 2 3 4");
    json_t *d = json_object_get(n, "devices");
    assert_int_equal(json_array_size(d), 3);
    assert_string_equal(at_str(d, "1.path"), "/dev/myzero");
    assert_string_equal(at_str(d, "1.host"), "/dev/zero");
    assert_string_equal(at_str(d, "1.permissions"), "rw");
    assert_string_equal(at_str(d, "2.path"), "/dev/full");
    assert_string_equal(at_str(d, "2.permissions"), "r");
    assert_string_equal(at_str(n, "labels.a"), "1");
    assert_string_equal(at_str(n, "labels.flag"), "");
    assert_string_equal(sk_json_str(json_object_get(n, "annotations"), "x"), "y=z");
    assert_string_equal(sk_json_str(n, "network"), "none");
    assert_string_equal(sk_json_str(n, "ipc"), "private");
    assert_string_equal(sk_json_str(n, "pid"), "private");
    _cleanup_json_ json_t *h = normalize("{\"network\": \"host\", \"ipc\": \"host\", "
                                         "\"pid\": \"host\", \"uts\": \"host\"}");
    assert_string_equal(sk_json_str(h, "network"), "host");
    assert_string_equal(sk_json_str(h, "uts"), "host");
    _cleanup_json_ json_t *p = normalize("{\"network\": \"private\"}");
    assert_string_equal(sk_json_str(p, "network"), "none");

    normalize_fails("{\"sysctl\": [\"vm.swappiness=10\"]}",
                    "invalid argument \"vm.swappiness=10\" for \"--sysctl\": sysctl "
                    "\"vm.swappiness\" is not namespaced");
    normalize_fails("{\"sysctl\": [\"kernel.pid_max=10\"]}", "not namespaced");
    normalize_fails("{\"sysctl\": [\"net.ipv4.ip_forward\"]}", "expected NAME=VALUE");
    normalize_fails("{\"sysctl\": [\"net.ipv4.ip_forward=1\"], \"network\": \"host\"}",
                    "cannot be set with --network host");
    normalize_fails("{\"sysctl\": [\"kernel.shmmax=1\"], \"ipc\": \"host\"}", "--ipc host");
    normalize_fails("{\"sysctl\": [\"kernel.hostname=x\"], \"uts\": \"host\"}", "--uts host");
    normalize_fails("{\"hostname\": \"x\", \"uts\": \"host\"}", "with --uts host");
    normalize_fails("{\"device\": [\"/etc/passwd\"]}", "/etc/passwd is not a device");
    normalize_fails("{\"device\": [\"/dev/nonexistent-skiff\"]}", "No such file");
    normalize_fails("{\"device\": [\"/dev/null:/dev/n:rwx\"]}", "permissions are a combination");
    normalize_fails("{\"device\": [\"dev/null\"]}", "must be absolute");
    normalize_fails("{\"annotation\": [\"novalue\"]}", "expected KEY=VALUE");
    normalize_fails("{\"label\": [\"=v\"]}", "expected KEY=VALUE");
    normalize_fails("{\"network\": \"bridge\"}",
                    "invalid argument \"bridge\" for \"--network\": supported networks");
    normalize_fails("{\"ipc\": \"container:x\"}", "want \"host\" or \"private\"");
}

/* ---- generation ----------------------------------------------------------------- */

static void test_generate_defaults(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *spec = generate(f, "{}", NULL);
    assert_string_equal(at_str(spec, "ociVersion"), SPEC_OCI_VERSION);
    assert_string_equal(at_str(spec, "root.path"), f->rootfs);
    assert_true(json_is_false(at(spec, "root.readonly")));
    assert_string_equal(at_str(spec, "hostname"), "0123456789ab");
    assert_true(json_is_false(at(spec, "process.terminal")));
    assert_joined(at(spec, "process.args"), "/bin/entry arg1 arg2");
    assert_string_equal(at_str(spec, "process.cwd"), "/srv");
    assert_int_equal(at_int(spec, "process.user.uid"), 0);
    assert_int_equal(at_int(spec, "process.user.gid"), 0);
    assert_int_equal(json_array_size(at(spec, "process.user.additionalGids")), 1);
    assert_int_equal(at_int(spec, "process.user.additionalGids.0"), 10);
    /* env: image first, then defaults only when missing, then container/HOSTNAME */
    assert_string_equal(env_get(spec, "PATH"), "/usr/bin:/bin");
    assert_string_equal(env_get(spec, "IMAGE_VAR"), "1");
    assert_string_equal(env_get(spec, "container"), "skiff");
    assert_string_equal(env_get(spec, "HOSTNAME"), "0123456789ab");
    assert_string_equal(env_get(spec, "HOME"), "/root");
    assert_null(env_get(spec, "TERM"));
    /* capabilities: podman's default set, no inheritable/ambient */
    json_t *caps = at(spec, "process.capabilities");
    for (const char *const *c = spec_default_caps; *c; c++) {
        assert_true(has_str(json_object_get(caps, "bounding"), *c));
        assert_true(has_str(json_object_get(caps, "effective"), *c));
        assert_true(has_str(json_object_get(caps, "permitted"), *c));
    }
    assert_int_equal(json_array_size(json_object_get(caps, "bounding")), 11);
    assert_null(json_object_get(caps, "inheritable"));
    assert_null(json_object_get(caps, "ambient"));
    assert_true(json_is_false(at(spec, "process.noNewPrivileges")));
    /* rlimits: podman's 1048576, clamped to what skiff may set */
    unsigned long long want = spec_rlimit_ceiling(RLIMIT_NOFILE);
    if (want > SPEC_DEFAULT_RLIMIT)
        want = SPEC_DEFAULT_RLIMIT;
    json_t *nofile = find_by(at(spec, "process.rlimits"), "type", "RLIMIT_NOFILE");
    assert_non_null(nofile);
    assert_int_equal(sk_json_int(nofile, "hard", 0), (long long)want);
    assert_int_equal(sk_json_int(nofile, "soft", 0), (long long)want);
    json_t *nproc = find_by(at(spec, "process.rlimits"), "type", "RLIMIT_NPROC");
    assert_non_null(nproc);
    assert_true((unsigned long long)sk_json_int(nproc, "hard", 0) <=
                spec_rlimit_ceiling(RLIMIT_NPROC));
    /* mounts: defaults then the /etc files */
    json_t *mounts = at(spec, "mounts");
    static const char *const dsts[] = {
        "/proc", "/dev",           "/dev/pts",      "/dev/shm",   "/dev/mqueue",
        "/sys",  "/sys/fs/cgroup", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf"};
    assert_int_equal(json_array_size(mounts), SK_ARRAY_SIZE(dsts));
    for (size_t i = 0; i < SK_ARRAY_SIZE(dsts); i++)
        assert_string_equal(sk_json_str(json_array_get(mounts, i), "destination"), dsts[i]);
    json_t *sys = find_by(mounts, "destination", "/sys");
    assert_true(has_str(json_object_get(sys, "options"), "ro"));
    json_t *hosts = find_by(mounts, "destination", "/etc/hosts");
    _cleanup_free_ char *hosts_src = sk_asprintf("%s/hosts", f->userdata);
    assert_string_equal(sk_json_str(hosts, "source"), hosts_src);
    json_t *pts = find_by(mounts, "destination", "/dev/pts");
    assert_joined(json_object_get(pts, "options"),
                  "nosuid noexec newinstance ptmxmode=0666 mode=0620 gid=5");
    /* linux */
    assert_joined(at(spec, "linux.maskedPaths"), "/proc/acpi /proc/kcore /proc/keys "
                                                 "/proc/latency_stats /proc/sched_debug "
                                                 "/proc/scsi /proc/timer_list /proc/timer_stats "
                                                 "/proc/interrupts /sys/firmware /sys/fs/selinux "
                                                 "/sys/dev/block /sys/devices/virtual/powercap");
    assert_joined(at(spec, "linux.readonlyPaths"), "/proc/asound /proc/bus /proc/fs /proc/irq "
                                                   "/proc/sys /proc/sysrq-trigger");
    json_t *ns = at(spec, "linux.namespaces");
    assert_int_equal(json_array_size(ns), 5);
    for (const char *const *t = spec_default_namespaces; *t; t++)
        assert_non_null(find_by(ns, "type", *t));
    json_t *devs = at(spec, "linux.devices");
    assert_int_equal(json_array_size(devs), 6);
    assert_int_equal(sk_json_int(find_by(devs, "path", "/dev/tty"), "major", 0), 5);
    json_t *rules = at(spec, "linux.resources.devices");
    assert_true(json_is_false(at(rules, "0.allow")));
    assert_string_equal(at_str(rules, "0.access"), "rwm");
    assert_null(at(rules, "0.major"));
    assert_null(at(spec, "linux.resources.memory"));
    /* seccomp: podman's profile for this architecture and the default caps */
    assert_string_equal(at_str(spec, "linux.seccomp.defaultAction"), "SCMP_ACT_ERRNO");
    assert_int_equal(at_int(spec, "linux.seccomp.defaultErrnoRet"), ENOSYS);
#if defined(__x86_64__)
    assert_joined(at(spec, "linux.seccomp.architectures"),
                  "SCMP_ARCH_X86_64 SCMP_ARCH_X86 SCMP_ARCH_X32");
    assert_true(seccomp_has(spec, "arch_prctl", "SCMP_ACT_ALLOW", -1));
#endif
    assert_true(seccomp_has(spec, "read", "SCMP_ACT_ALLOW", -1));
    assert_true(seccomp_has(spec, "clone3", "SCMP_ACT_ALLOW", -1));
    assert_true(seccomp_has(spec, "chroot", "SCMP_ACT_ALLOW", -1)); /* CAP_SYS_CHROOT */
    assert_true(seccomp_has(spec, "kexec_load", "SCMP_ACT_ERRNO", EPERM));
    assert_true(seccomp_has(spec, "sethostname", "SCMP_ACT_ERRNO", EPERM));
    assert_false(seccomp_has(spec, "sethostname", "SCMP_ACT_ALLOW", -1));
    assert_true(seccomp_has(spec, "ptrace", "SCMP_ACT_ALLOW", -1));
    assert_true(seccomp_has(spec, "kcmp", "SCMP_ACT_ERRNO", EPERM));
    assert_false(seccomp_has(spec, "s390_runtime_instr", "SCMP_ACT_ALLOW", -1));
    /* personality: only the listed personas */
    int personas = 0;
    size_t i;
    json_t *r;
    json_array_foreach(at(spec, "linux.seccomp.syscalls"), i, r)
    {
        if (has_str(json_object_get(r, "names"), "personality")) {
            personas++;
            assert_string_equal(at_str(r, "args.0.op"), "SCMP_CMP_EQ");
        }
        if (has_str(json_object_get(r, "names"), "socket"))
            assert_null(json_object_get(r, "includes"));
    }
    assert_int_equal(personas, 5);
    /* annotations */
    json_t *ann = at(spec, "annotations");
    assert_string_equal(sk_json_str(ann, "maintainer"), "me");
    assert_string_equal(sk_json_str(ann, "org.opencontainers.image.stopSignal"), "SIGQUIT");
}

static void test_generate_env_and_args(void **state)
{
    struct fixture *f = *state;
    const char *image_no_path = "{\"config\": {\"Env\": [\"TERM=vt100\", \"A=image\"], "
                                "\"Cmd\": [\"sh\"]}}";
    _cleanup_json_ json_t *s1 = generate(f,
                                         "{\"tty\": true, \"env\": [\"A=flag\", "
                                         "\"container=mine\", \"HOME=/custom\"], "
                                         "\"hostname\": \"myhost\"}",
                                         image_no_path);
    assert_string_equal(env_get(s1, "PATH"), "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                             "/usr/bin:/sbin:/bin");
    assert_string_equal(env_get(s1, "TERM"), "vt100");
    assert_string_equal(env_get(s1, "A"), "flag");
    assert_string_equal(env_get(s1, "container"), "mine");
    assert_string_equal(env_get(s1, "HOSTNAME"), "myhost");
    assert_string_equal(env_get(s1, "HOME"), "/custom");
    assert_string_equal(at_str(s1, "hostname"), "myhost");
    assert_true(json_is_true(at(s1, "process.terminal")));
    assert_string_equal(at_str(s1, "process.cwd"), "/");
    assert_joined(at(s1, "process.args"), "sh");
    _cleanup_json_ json_t *s2 = generate(f, "{\"tty\": true}",
                                         "{\"config\": {\"Cmd\": "
                                         "[\"sh\"]}}");
    assert_string_equal(env_get(s2, "TERM"), "xterm");

    /* entrypoint/cmd: podman's rules */
    _cleanup_json_ json_t *a = generate(f, "{\"command\": [\"ls\", \"-l\"]}", NULL);
    assert_joined(at(a, "process.args"), "/bin/entry ls -l");
    _cleanup_json_ json_t *b = generate(f, "{\"entrypoint\": \"/bin/other\"}", NULL);
    assert_joined(at(b, "process.args"), "/bin/other");
    _cleanup_json_ json_t *c = generate(
        f, "{\"entrypoint\": \"[\\\"/bin/sh\\\", \\\"-c\\\"]\", \"command\": [\"echo hi\"]}", NULL);
    assert_joined(at(c, "process.args"), "/bin/sh -c echo hi");
    _cleanup_json_ json_t *d = generate(f, "{\"entrypoint\": \"\", \"command\": [\"id\"]}", NULL);
    assert_joined(at(d, "process.args"), "id");
    generate_fails(f, "{\"entrypoint\": \"\"}", NULL, "no command or entrypoint provided");
    generate_fails(f, "{}", "{\"config\": {}}", "no command or entrypoint provided");
    _cleanup_json_ json_t *e = generate(f, "{\"workdir\": \"/w\"}", NULL);
    assert_string_equal(at_str(e, "process.cwd"), "/w");
    _cleanup_json_ json_t *g = generate(f, "{}",
                                        "{\"config\": {\"Cmd\": [\"x\"], "
                                        "\"WorkingDir\": \"rel/dir\"}}");
    assert_string_equal(at_str(g, "process.cwd"), "/rel/dir");
}

static void test_generate_users(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *t = generate(f, "{\"user\": \"tester\"}", NULL);
    assert_int_equal(at_int(t, "process.user.uid"), 1000);
    assert_int_equal(at_int(t, "process.user.gid"), 1000);
    assert_int_equal(json_array_size(at(t, "process.user.additionalGids")), 2);
    assert_int_equal(at_int(t, "process.user.additionalGids.0"), 1001);
    assert_int_equal(at_int(t, "process.user.additionalGids.1"), 1003);
    assert_string_equal(env_get(t, "HOME"), "/home/tester");
    /* non-root: no effective capabilities unless added */
    assert_int_equal(json_array_size(at(t, "process.capabilities.effective")), 0);
    assert_int_equal(json_array_size(at(t, "process.capabilities.bounding")), 11);

    _cleanup_json_ json_t *g = generate(f, "{\"user\": \"tester:extra\"}", NULL);
    assert_int_equal(at_int(g, "process.user.uid"), 1000);
    assert_int_equal(at_int(g, "process.user.gid"), 1001);
    assert_null(at(g, "process.user.additionalGids"));

    _cleanup_json_ json_t *n = generate(f, "{\"user\": \"1000\"}", NULL);
    assert_int_equal(at_int(n, "process.user.gid"), 1000);
    assert_int_equal(json_array_size(at(n, "process.user.additionalGids")), 2);

    _cleanup_json_ json_t *x = generate(f, "{\"user\": \"4242\"}", NULL);
    assert_int_equal(at_int(x, "process.user.uid"), 4242);
    assert_int_equal(at_int(x, "process.user.gid"), 0);
    assert_string_equal(env_get(x, "HOME"), "/");

    _cleanup_json_ json_t *y = generate(f, "{\"user\": \"4242:77\"}", NULL);
    assert_int_equal(at_int(y, "process.user.gid"), 77);

    _cleanup_json_ json_t *img = generate(f, "{}",
                                          "{\"config\": {\"User\": \"tester\", "
                                          "\"Cmd\": [\"sh\"]}}");
    assert_int_equal(at_int(img, "process.user.uid"), 1000);
    _cleanup_json_ json_t *over = generate(f, "{\"user\": \"root\"}",
                                           "{\"config\": {\"User\": \"tester\", \"Cmd\": "
                                           "[\"sh\"]}}");
    assert_int_equal(at_int(over, "process.user.uid"), 0);

    _cleanup_json_ json_t *nohome = generate(f, "{\"user\": \"nohome\"}", NULL);
    assert_string_equal(env_get(nohome, "HOME"), "/");

    generate_fails(f, "{\"user\": \"nosuch\"}", NULL, "unable to find user nosuch");
    generate_fails(f, "{\"user\": \"tester:nosuch\"}", NULL, "unable to find group nosuch");
    generate_fails(f, "{\"user\": \"99999999999\"}", NULL, "unable to find user 99999999999");

    /* --group-add: after the memberships, names resolved, no duplicates */
    _cleanup_json_ json_t *ga =
        generate(f, "{\"user\": \"tester\", \"group-add\": [\"extra\", \"4242\"]}", NULL);
    assert_int_equal(json_array_size(at(ga, "process.user.additionalGids")), 3);
    assert_int_equal(at_int(ga, "process.user.additionalGids.0"), 1001);
    assert_int_equal(at_int(ga, "process.user.additionalGids.2"), 4242);
    generate_fails(f, "{\"group-add\": [\"nosuch\"]}", NULL,
                   "--group-add nosuch: unable to find group nosuch");
}

/* exec's -u: the same resolution, as a process.user object. */
static void test_resolve_user(void **state)
{
    struct fixture *f = *state;
    struct sk_error err = {0};
    _cleanup_json_ json_t *u = NULL;
    assert_int_equal(spec_resolve_user(f->rootfs, "tester", &u, &err), 0);
    assert_int_equal(sk_json_int(u, "uid", -1), 1000);
    assert_int_equal(sk_json_int(u, "gid", -1), 1000);
    assert_int_equal(json_array_size(json_object_get(u, "additionalGids")), 2);
    _cleanup_json_ json_t *g = NULL;
    assert_int_equal(spec_resolve_user(f->rootfs, "1000:extra", &g, &err), 0);
    assert_int_equal(sk_json_int(g, "gid", -1), 1001);
    assert_null(json_object_get(g, "additionalGids"));
    _cleanup_json_ json_t *r = NULL;
    assert_int_equal(spec_resolve_user(f->rootfs, NULL, &r, &err), 0);
    assert_int_equal(sk_json_int(r, "uid", -1), 0);
    json_t *none = NULL;
    assert_int_equal(spec_resolve_user(f->rootfs, "nosuch", &none, &err), -1);
    assert_int_equal(err.code, ENOENT);
    assert_non_null(strstr(err.msg, "unable to find user nosuch"));
    assert_null(none);

    _cleanup_json_ json_t *all = spec_all_capabilities();
    assert_true(json_array_size(all) > 11);
    assert_true(sk_json_strv_contains(all, "CAP_CHOWN"));
}

/* /etc/passwd and /etc/group are symlinks that point outside the rootfs: they
 * must be resolved inside it, never read from the host. */
static void test_generate_hostile_passwd(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *outside = sk_asprintf("%s/outside", f->base);
    assert_int_equal(sk_mkdir_p(outside, 0755, NULL), 0);
    _cleanup_free_ char *opasswd = sk_asprintf("%s/passwd", outside);
    write_file(opasswd, "evil:x:666:666:evil:/evil:/bin/sh\n");
    _cleanup_free_ char *ogroup = sk_asprintf("%s/group", outside);
    write_file(ogroup, "evilgrp:x:667:evil\n");

    /* absolute link to the outside file's host path */
    _cleanup_free_ char *passwd = sk_asprintf("%s/etc/passwd", f->rootfs);
    _cleanup_free_ char *group = sk_asprintf("%s/etc/group", f->rootfs);
    assert_int_equal(unlink(passwd), 0);
    assert_int_equal(unlink(group), 0);
    assert_int_equal(symlink(opasswd, passwd), 0);
    assert_int_equal(symlink(ogroup, group), 0);
    generate_fails(f, "{\"user\": \"evil\"}", NULL, "unable to find user evil");
    generate_fails(f, "{\"user\": \"0:evilgrp\"}", NULL, "unable to find group evilgrp");
    _cleanup_json_ json_t *num = generate(f, "{\"user\": \"666\"}", NULL);
    assert_int_equal(at_int(num, "process.user.gid"), 0); /* not evil's 666 */

    /* relative link climbing out */
    assert_int_equal(unlink(passwd), 0);
    assert_int_equal(symlink("../../../../../../../../outside/passwd", passwd), 0);
    generate_fails(f, "{\"user\": \"evil\"}", NULL, "unable to find user evil");

    /* a link to a host path that does exist inside the rootfs too is read there */
    assert_int_equal(unlink(passwd), 0);
    _cleanup_free_ char *inner_dir = sk_asprintf("%s%s", f->rootfs, outside);
    assert_int_equal(sk_mkdir_p(inner_dir, 0755, NULL), 0);
    _cleanup_free_ char *inner = sk_asprintf("%s/passwd", inner_dir);
    write_file(inner, "inside:x:4321:4321::/in:/bin/sh\n");
    assert_int_equal(symlink(opasswd, passwd), 0);
    _cleanup_json_ json_t *in = generate(f, "{\"user\": \"inside\"}", NULL);
    assert_int_equal(at_int(in, "process.user.uid"), 4321);
    generate_fails(f, "{\"user\": \"evil\"}", NULL, "unable to find user evil");

    /* a FIFO in place of /etc/passwd must not hang */
    assert_int_equal(unlink(passwd), 0);
    assert_int_equal(mkfifo(passwd, 0644), 0);
    generate_fails(f, "{\"user\": \"tester\"}", NULL, "not a regular file");
}

static void test_generate_caps(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *all = generate(f,
                                          "{\"cap-add\": [\"ALL\"], "
                                          "\"cap-drop\": [\"NET_RAW\"]}",
                                          NULL);
    json_t *b = at(all, "process.capabilities.bounding");
    size_t want = 0;
    for (size_t i = 0; i < sk_cap_count; i++)
        if (spec_cap_in_bounding_set((int)i))
            want++;
    assert_int_equal(json_array_size(b), want - 1);
    assert_false(has_str(b, "CAP_NET_RAW"));
    assert_true(has_str(b, "CAP_SYS_ADMIN"));
    assert_true(seccomp_has(all, "sethostname", "SCMP_ACT_ALLOW", -1));
    assert_true(seccomp_has(all, "kcmp", "SCMP_ACT_ALLOW", -1));

    _cleanup_json_ json_t *none = generate(f,
                                           "{\"cap-drop\": [\"ALL\"], "
                                           "\"cap-add\": [\"NET_RAW\"]}",
                                           NULL);
    assert_joined(at(none, "process.capabilities.bounding"), "CAP_NET_RAW");
    assert_joined(at(none, "process.capabilities.effective"), "CAP_NET_RAW");
    /* without CAP_SYS_CHROOT, chroot fails with EPERM */
    assert_true(seccomp_has(none, "chroot", "SCMP_ACT_ERRNO", EPERM));

    _cleanup_json_ json_t *drop = generate(f,
                                           "{\"cap-drop\": [\"chown\", \"CAP_KILL\"], "
                                           "\"cap-add\": [\"sys_ptrace\"]}",
                                           NULL);
    json_t *db = at(drop, "process.capabilities.bounding");
    assert_int_equal(json_array_size(db), 10);
    assert_false(has_str(db, "CAP_CHOWN"));
    assert_false(has_str(db, "CAP_KILL"));
    assert_true(has_str(db, "CAP_SYS_PTRACE"));
    assert_true(seccomp_has(drop, "process_madvise", "SCMP_ACT_ALLOW", -1));

    /* non-root with an added cap: effective, permitted, inheritable and ambient */
    _cleanup_json_ json_t *nr = generate(f,
                                         "{\"user\": \"tester\", "
                                         "\"cap-add\": [\"NET_BIND_SERVICE\"]}",
                                         NULL);
    assert_joined(at(nr, "process.capabilities.effective"), "CAP_NET_BIND_SERVICE");
    assert_joined(at(nr, "process.capabilities.ambient"), "CAP_NET_BIND_SERVICE");
    assert_joined(at(nr, "process.capabilities.inheritable"), "CAP_NET_BIND_SERVICE");
}

static void test_generate_privileged(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *p = generate(f, "{\"privileged\": true}", NULL);
    assert_null(at(p, "linux.seccomp"));
    assert_int_equal(json_array_size(at(p, "linux.maskedPaths")), 0);
    assert_int_equal(json_array_size(at(p, "linux.readonlyPaths")), 0);
    json_t *sys = find_by(at(p, "mounts"), "destination", "/sys");
    assert_false(has_str(json_object_get(sys, "options"), "ro"));
    assert_true(has_str(json_object_get(sys, "options"), "rw"));
    json_t *cg = find_by(at(p, "mounts"), "destination", "/sys/fs/cgroup");
    assert_false(has_str(json_object_get(cg, "options"), "ro"));
    assert_true(has_str(at(p, "process.capabilities.effective"), "CAP_SYS_ADMIN"));
    json_t *devs = at(p, "linux.devices");
    assert_true(json_array_size(devs) > 6);
    assert_non_null(find_by(devs, "path", "/dev/null"));
    assert_null(find_by(devs, "path", "/dev/console"));
    assert_null(find_by(devs, "path", "/dev/ptmx"));
    size_t i;
    json_t *d;
    json_array_foreach(devs, i, d)
        assert_false(sk_str_has_prefix(sk_json_str(d, "path"), "/dev/pts/"));
    json_t *rules = at(p, "linux.resources.devices");
    json_t *last = json_array_get(rules, json_array_size(rules) - 1);
    assert_true(json_is_true(json_object_get(last, "allow")));
    assert_string_equal(sk_json_str(last, "type"), "a");

    /* an explicit profile still applies under --privileged */
    _cleanup_free_ char *prof = sk_asprintf("%s/p.json", f->base);
    write_file(prof, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": []}");
    _cleanup_free_ char *raw = sk_asprintf("{\"privileged\": true, \"security-opt\": "
                                           "[\"seccomp=%s\"]}",
                                           prof);
    _cleanup_json_ json_t *pp = generate(f, raw, NULL);
    assert_string_equal(at_str(pp, "linux.seccomp.defaultAction"), "SCMP_ACT_ALLOW");
}

static void test_generate_read_only_and_mounts(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *ro = generate(f, "{\"read-only\": true}", NULL);
    assert_true(json_is_true(at(ro, "root.readonly")));
    json_t *mounts = at(ro, "mounts");
    for (const char *const *d = (const char *const[]){"/tmp", "/var/tmp", "/run", NULL}; *d; d++) {
        json_t *m = find_by(mounts, "destination", *d);
        assert_non_null(m);
        assert_string_equal(sk_json_str(m, "type"), "tmpfs");
        assert_true(has_str(json_object_get(m, "options"), "tmpcopyup"));
    }
    /* a user mount at the same destination replaces the default, in place */
    _cleanup_free_ char *raw = sk_asprintf(
        "{\"read-only\": true, \"tmpfs\": [\"/tmp:size=1m\"], \"volume\": [\"%s:/etc/hosts:ro\","
        " \"%s:/data\"], \"mount\": [\"type=tmpfs,target=/dev/shm,tmpfs-size=1g\"]}",
        f->base, f->base);
    _cleanup_json_ json_t *u = generate(f, raw, NULL);
    mounts = at(u, "mounts");
    size_t n_tmp = 0, i;
    json_t *m;
    json_array_foreach(mounts, i, m)
    {
        if (strcmp(sk_json_str(m, "destination"), "/tmp") == 0)
            n_tmp++;
    }
    assert_int_equal(n_tmp, 1);
    assert_true(
        has_str(json_object_get(find_by(mounts, "destination", "/tmp"), "options"), "size=1m"));
    assert_string_equal(sk_json_str(find_by(mounts, "destination", "/etc/hosts"), "source"),
                        f->base);
    json_t *shm = find_by(mounts, "destination", "/dev/shm");
    assert_true(has_str(json_object_get(shm, "options"), "size=1073741824"));
    assert_string_equal(sk_json_str(json_array_get(mounts, 3), "destination"), "/dev/shm");
    json_t *data = find_by(mounts, "destination", "/data");
    assert_non_null(data);
    assert_null(json_object_get(data, "chown"));
}

static void test_generate_linux(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *s = generate(
        f,
        "{\"memory\": \"64m\", \"cpus\": \"1.5\", \"cpu-shares\": \"100\", "
        "\"cpuset-cpus\": \"0\", \"pids-limit\": \"50\", \"sysctl\": "
        "[\"kernel.domainname=example.org\"], "
        "\"device\": [\"/dev/zero:/dev/z:r\"], \"ulimit\": [\"core=0:0\", \"nofile=100:200\"], "
        "\"security-opt\": [\"no-new-privileges\", \"mask=/secret\", "
        "\"unmask=/proc/kcore:/proc/sys\"], "
        "\"label\": [\"shared=label\"], \"annotation\": [\"shared=annotation\", \"k=v\"], "
        "\"network\": \"host\", \"pid\": \"host\", \"ipc\": \"host\"}",
        NULL);
    assert_int_equal(at_int(s, "linux.resources.memory.limit"), 64LL << 20);
    if (access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0)
        assert_int_equal(at_int(s, "linux.resources.memory.swap"), 128LL << 20);
    assert_int_equal(at_int(s, "linux.resources.cpu.quota"), 150000);
    assert_int_equal(at_int(s, "linux.resources.cpu.period"), 100000);
    assert_int_equal(at_int(s, "linux.resources.cpu.shares"), 100);
    assert_string_equal(at_str(s, "linux.resources.cpu.cpus"), "0");
    assert_int_equal(at_int(s, "linux.resources.pids.limit"), 50);
    assert_string_equal(sk_json_str(at(s, "linux.sysctl"), "kernel.domainname"), "example.org");
    json_t *z = find_by(at(s, "linux.devices"), "path", "/dev/z");
    assert_non_null(z);
    assert_int_equal(sk_json_int(z, "major", 0), 1);
    assert_int_equal(sk_json_int(z, "minor", 0), 5);
    json_t *rules = at(s, "linux.resources.devices");
    json_t *last = json_array_get(rules, json_array_size(rules) - 1);
    assert_string_equal(sk_json_str(last, "access"), "r");
    assert_int_equal(sk_json_int(last, "minor", 0), 5);
    json_t *core = find_by(at(s, "process.rlimits"), "type", "RLIMIT_CORE");
    assert_int_equal(sk_json_int(core, "hard", -1), 0);
    json_t *nofile = find_by(at(s, "process.rlimits"), "type", "RLIMIT_NOFILE");
    assert_int_equal(sk_json_int(nofile, "soft", 0), 100);
    assert_int_equal(sk_json_int(nofile, "hard", 0), 200);
    assert_true(json_is_true(at(s, "process.noNewPrivileges")));
    json_t *masked = at(s, "linux.maskedPaths");
    assert_true(has_str(masked, "/secret"));
    assert_false(has_str(masked, "/proc/kcore"));
    assert_true(has_str(masked, "/proc/keys"));
    assert_false(has_str(at(s, "linux.readonlyPaths"), "/proc/sys"));
    json_t *ann = at(s, "annotations");
    assert_string_equal(sk_json_str(ann, "shared"), "annotation");
    assert_string_equal(sk_json_str(ann, "maintainer"), "me");
    assert_string_equal(sk_json_str(ann, "k"), "v");
    /* host namespaces are left out; the host's shm and mqueue are bound */
    json_t *ns = at(s, "linux.namespaces");
    assert_int_equal(json_array_size(ns), 2);
    assert_non_null(find_by(ns, "type", "uts"));
    assert_non_null(find_by(ns, "type", "mount"));
    char host[HOST_NAME_MAX + 1] = "";
    gethostname(host, sizeof(host));
    assert_string_equal(at_str(s, "hostname"), host);
    json_t *shm = find_by(at(s, "mounts"), "destination", "/dev/shm");
    assert_string_equal(sk_json_str(shm, "type"), "bind");
    assert_string_equal(sk_json_str(shm, "source"), "/dev/shm");

    _cleanup_json_ json_t *uts = generate(f, "{\"uts\": \"host\"}", NULL);
    assert_null(at(uts, "hostname"));
    assert_null(find_by(at(uts, "linux.namespaces"), "type", "uts"));
    assert_string_equal(env_get(uts, "HOSTNAME"), host);

    _cleanup_json_ json_t *all = generate(f, "{\"security-opt\": [\"unmask=ALL\"]}", NULL);
    assert_int_equal(json_array_size(at(all, "linux.maskedPaths")), 0);
    assert_int_equal(json_array_size(at(all, "linux.readonlyPaths")), 0);
    assert_non_null(at(all, "linux.seccomp"));

    _cleanup_json_ json_t *unconf =
        generate(f, "{\"security-opt\": [\"seccomp=unconfined\"]}", NULL);
    assert_null(at(unconf, "linux.seccomp"));
}

static void test_seccomp_profile_file(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *prof = sk_asprintf("%s/profile.json", f->base);
    write_file(prof,
               "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, "
               "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "
               "[\"SCMP_ARCH_X86\"]}, {\"architecture\": \"SCMP_ARCH_AARCH64\", "
               "\"subArchitectures\": []}], "
               "\"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
               " {\"name\": \"mount\", \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
               "[\"CAP_SYS_ADMIN\"]}}, {\"names\": [\"umount2\"], \"action\": \"SCMP_ACT_ALLOW\", "
               "\"excludes\": {\"caps\": [\"CAP_CHOWN\"]}}, {\"names\": [\"future\"], \"action\": "
               "\"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"99.0\"}}, {\"names\": "
               "[\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": "
               "1, \"op\": \"SCMP_CMP_EQ\"}]}]}");
    _cleanup_free_ char *raw = sk_asprintf("{\"security-opt\": [\"seccomp=%s\"]}", prof);
    _cleanup_json_ json_t *s = generate(f, raw, NULL);
    json_t *sc = at(s, "linux.seccomp");
    assert_int_equal(sk_json_int(sc, "defaultErrnoRet", 0), 1);
#if defined(__x86_64__)
    assert_joined(json_object_get(sc, "architectures"), "SCMP_ARCH_X86_64 SCMP_ARCH_X86");
#endif
    json_t *calls = json_object_get(sc, "syscalls");
    assert_int_equal(json_array_size(calls), 2); /* mount: no CAP_SYS_ADMIN; umount2: CHOWN */
    assert_joined(at(calls, "0.names"), "read write");
    assert_int_equal(at_int(calls, "1.args.0.value"), 1);
    assert_int_equal(at_int(calls, "1.args.0.valueTwo"), 0);
    assert_null(json_object_get(json_array_get(calls, 0), "includes"));

    _cleanup_free_ char *raw2 = sk_asprintf("{\"security-opt\": [\"seccomp=%s\"], "
                                            "\"cap-add\": [\"SYS_ADMIN\"], \"cap-drop\": "
                                            "[\"CHOWN\"]}",
                                            prof);
    _cleanup_json_ json_t *s2 = generate(f, raw2, NULL);
    assert_int_equal(json_array_size(at(s2, "linux.seccomp.syscalls")), 4);
}

static void test_default_profile_document(void **state)
{
    (void)state;
    _cleanup_json_ json_t *p = spec_seccomp_default_profile();
    struct sk_error err = {0};
    assert_int_equal(spec_seccomp_validate(p, "default", &err), 0);
    assert_string_equal(sk_json_str(p, "defaultAction"), "SCMP_ACT_ERRNO");
    json_t *first = json_array_get(json_object_get(p, "syscalls"), 0);
    assert_true(has_str(json_object_get(first, "names"), "kexec_load"));
    assert_int_equal(sk_json_int(first, "errnoRet", 0), EPERM);
    json_t *allow = json_array_get(json_object_get(p, "syscalls"), 1);
    assert_true(json_array_size(json_object_get(allow, "names")) > 300);
}

static void test_etc_files(void **state)
{
    struct fixture *f = *state;
    _cleanup_json_ json_t *flags = normalize("{\"hostname\": \"box\"}");
    struct spec_context ctx = {.id = TEST_ID,
                               .name = "test_ctr",
                               .rootfs = f->rootfs,
                               .userdata = f->userdata,
                               .flags = flags};
    struct sk_error err = {0};
    assert_int_equal(spec_write_etc_files(&ctx, &err), 0);
    _cleanup_free_ char *hn = NULL, *hosts = NULL, *resolv = NULL;
    _cleanup_free_ char *p1 = sk_asprintf("%s/hostname", f->userdata);
    _cleanup_free_ char *p2 = sk_asprintf("%s/hosts", f->userdata);
    _cleanup_free_ char *p3 = sk_asprintf("%s/resolv.conf", f->userdata);
    assert_int_equal(sk_read_file(p1, &hn, NULL, NULL), 0);
    assert_int_equal(sk_read_file(p2, &hosts, NULL, NULL), 0);
    assert_int_equal(sk_read_file(p3, &resolv, NULL, NULL), 0);
    assert_string_equal(hn, "box\n");
    assert_string_equal(hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\tbox test_ctr\n");
    assert_true(strlen(resolv) > 0);
    struct stat st;
    assert_int_equal(stat(p2, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);

    _cleanup_json_ json_t *dflt = normalize("{}");
    ctx.flags = dflt;
    ctx.name = NULL;
    assert_int_equal(spec_write_etc_files(&ctx, &err), 0);
    free(hn);
    hn = NULL;
    assert_int_equal(sk_read_file(p1, &hn, NULL, NULL), 0);
    assert_string_equal(hn, "0123456789ab\n");

    /* resolv.conf filtering */
    const char *host = "# generated\nsearch example.com\nnameserver 127.0.0.53\n"
                       "nameserver 10.0.0.1\nnameserver ::1\noptions edns0\n";
    _cleanup_free_ char *r1 = spec_resolv_conf(host, false);
    assert_string_equal(r1, "# generated\nsearch example.com\nnameserver 10.0.0.1\n"
                            "options edns0\n");
    _cleanup_free_ char *r2 = spec_resolv_conf(host, true);
    assert_string_equal(r2, host);
    _cleanup_free_ char *r3 = spec_resolv_conf("nameserver 127.0.0.53\nsearch lan\n", false);
    assert_non_null(strstr(r3, "no nameservers"));
    assert_null(strstr(r3, "nameserver 127"));
    assert_null(strstr(r3, "search"));
    for (char *line = r3; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        assert_int_equal(line[0], '#');
    _cleanup_free_ char *r4 = spec_resolv_conf(NULL, false);
    assert_int_equal(r4[0], '#');

    assert_int_equal(spec_stop_signal(NULL, flags), SIGTERM);
    _cleanup_json_ json_t *img = parse("{\"config\": {\"StopSignal\": \"SIGUSR1\"}}");
    assert_int_equal(spec_stop_signal(img, flags), SIGUSR1);
    _cleanup_json_ json_t *sflags = normalize("{\"stop-signal\": \"2\"}");
    assert_int_equal(spec_stop_signal(img, sflags), SIGINT);
}

/* ---- bundle mode ------------------------------------------------------------------ */

static int write_bundle(const char *dir)
{
    const char *flags_text = getenv("SKIFF_SPEC_BUNDLE_FLAGS");
    const char *image_text = getenv("SKIFF_SPEC_BUNDLE_IMAGE");
    const char *id = getenv("SKIFF_SPEC_BUNDLE_ID");
    struct sk_error err = {0};
    json_error_t jerr;
    _cleanup_json_ json_t *raw = json_loads(flags_text ? flags_text : "{}", 0, &jerr);
    _cleanup_json_ json_t *image =
        json_loads(image_text ? image_text : "{\"config\": {\"Cmd\": [\"sh\"]}}", 0, &jerr);
    if (!raw || !image) {
        fprintf(stderr, "test_spec: bad JSON in SKIFF_SPEC_BUNDLE_*: %s\n", jerr.text);
        return 1;
    }
    _cleanup_json_ json_t *flags = NULL, *spec = NULL;
    _cleanup_free_ char *rootfs = sk_asprintf("%s/rootfs", dir);
    _cleanup_free_ char *userdata = sk_asprintf("%s/userdata", dir);
    _cleanup_free_ char *config = sk_asprintf("%s/config.json", dir);
    _cleanup_free_ char *abs_rootfs = realpath(rootfs, NULL);
    struct spec_context ctx = {.id = id ? id : TEST_ID,
                               .name = "bundle",
                               .rootfs = abs_rootfs,
                               .userdata = userdata,
                               .image_config = image,
                               .image_name = "localhost/bundle:latest"};
    if (!abs_rootfs)
        sk_error_errno(&err, errno, "%s", rootfs);
    else if (spec_flags_normalize(raw, &flags, &err) == 0 &&
             sk_mkdir_p(userdata, 0755, &err) == 0 && (ctx.flags = flags) &&
             spec_write_etc_files(&ctx, &err) == 0 && spec_generate(&ctx, &spec, &err) == 0 &&
             sk_json_save_file(config, spec, true, &err) == 0)
        return 0;
    fprintf(stderr, "skiff: error: %s\n", err.msg);
    return 1;
}

int main(void)
{
    const char *bundle = getenv("SKIFF_SPEC_BUNDLE_DIR");
    if (bundle && *bundle)
        return write_bundle(bundle);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_and_types),
        cmocka_unit_test_setup_teardown(test_env, setup, teardown),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_publish),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_entrypoint_command),
        cmocka_unit_test_setup_teardown(test_volumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mounts_and_tmpfs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caps_and_security, setup, teardown),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_ulimits),
        cmocka_unit_test(test_sysctls_devices_labels),
        cmocka_unit_test_setup_teardown(test_generate_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate_env_and_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate_hostile_passwd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate_caps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate_privileged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate_read_only_and_mounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate_linux, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seccomp_profile_file, setup, teardown),
        cmocka_unit_test(test_default_profile_document),
        cmocka_unit_test_setup_teardown(test_etc_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve_user, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
