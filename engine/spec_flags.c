/* Flag normalization: the raw values cmd/ collected, checked and turned into
 * the self-contained form spec_generate() reads (engine/spec.h lists it). All
 * checks happen here, at create time, so a bad value never waits for start.
 * Every error reads `invalid argument "VALUE" for "--FLAG": REASON`. */
#include "engine/spec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/names.h"
#include "common/rootless.h"
#include "common/util.h"
#include "engine/spec_defaults.h"
#include "engine/userns.h"

extern char **environ;

/* The largest value a CPU list may name; far beyond any real machine. */
#define CPUSET_MAX 8191
/* cgroup v1 cpu.shares bounds. */
#define CPU_SHARES_MIN 2
#define CPU_SHARES_MAX 262144
/* Env files bigger than this are surely a mistake. */
#define ENV_FILE_MAX (16u << 20)

static int bad(struct sk_error *err, const char *flag, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad(struct sk_error *err, const char *flag, const char *value, const char *fmt, ...)
{
    char why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return sk_error_set(err, EINVAL, "invalid argument \"%s\" for \"--%s\": %s", value, flag, why);
}

static json_t *out_array(json_t *out, const char *key)
{
    json_t *a = json_object_get(out, key);
    if (!a) {
        a = json_array();
        json_object_set_new(out, key, a);
    }
    return a;
}

static json_t *out_object(json_t *out, const char *key)
{
    json_t *o = json_object_get(out, key);
    if (!o) {
        o = json_object();
        json_object_set_new(out, key, o);
    }
    return o;
}

static bool strv_has(const char *const *v, const char *s)
{
    for (; *v; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

/* ---- number parsing ---------------------------------------------------------- */

static bool parse_ll(const char *s, long long *ret)
{
    if (!*s || isspace((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *ret = v;
    return true;
}

/* Docker's RAMInBytes: "512m", "1.5g", "1024", "64 MiB"; binary units. */
static bool parse_size(const char *s, long long *ret)
{
    const char *p = s;
    while (isdigit((unsigned char)*p) || *p == '.')
        p++;
    if (p == s || *s == '.')
        return false;
    _cleanup_free_ char *num = sk_strndup(s, (size_t)(p - s));
    char *end;
    double v = strtod(num, &end);
    if (*end)
        return false;
    if (*p == ' ')
        p++;
    double mult = 1;
    const char *units = "kmgtp";
    const char *u = *p ? strchr(units, tolower((unsigned char)*p)) : NULL;
    if (u) {
        for (const char *q = units; q <= u; q++)
            mult *= 1024;
        p++;
        if (*p == 'i' || *p == 'I')
            p++;
    }
    if (*p == 'b' || *p == 'B')
        p++;
    if (*p)
        return false;
    double bytes = v * mult;
    if (bytes >= 9.2e18)
        return false;
    *ret = (long long)bytes;
    return true;
}

/* ---- signals ------------------------------------------------------------------- */

int spec_signal_parse(const char *s) { return sk_signal_parse(s); }

const char *spec_signal_name(int sig, char buf[24]) { return sk_signal_name(sig, buf); }

/* ---- raw value access ------------------------------------------------------------ */

/* A scalar flag value as text (cmd/ may hand numbers as JSON numbers). */
static const char *scalar(const json_t *v, char buf[64])
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, 64, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    if (json_is_real(v)) {
        snprintf(buf, 64, "%g", json_real_value(v));
        return buf;
    }
    return NULL;
}

/* ---- env ------------------------------------------------------------------------ */

/* Append KEY=VALUE, replacing an earlier KEY (later wins, first position kept). */
static void env_set(json_t *env, const char *kv)
{
    size_t klen = strcspn(kv, "=");
    size_t i;
    json_t *v;
    json_array_foreach(env, i, v)
    {
        const char *s = json_string_value(v);
        if (strncmp(s, kv, klen) == 0 && s[klen] == '=') {
            json_array_set_new(env, i, json_string(kv));
            return;
        }
    }
    json_array_append_new(env, json_string(kv));
}

/* Why entry cannot be an environment variable, or NULL when it can. */
static const char *env_problem(const char *entry)
{
    size_t klen = strcspn(entry, "=");
    if (klen == 0)
        return "environment variable name is empty";
    for (size_t i = 0; i < klen; i++)
        if (isspace((unsigned char)entry[i]))
            return "environment variable name contains whitespace";
    return NULL;
}

/* One -e value or env-file line: KEY=VALUE, or KEY / PREFIX* taken from skiff's
 * own environment (a KEY that is not set is skipped, like podman). */
static void env_add(json_t *out, const char *entry)
{
    json_t *env = out_array(out, "env");
    if (strchr(entry, '=')) {
        env_set(env, entry);
        return;
    }
    size_t klen = strlen(entry);
    if (entry[klen - 1] == '*') {
        for (char **e = environ; e && *e; e++)
            if (strncmp(*e, entry, klen - 1) == 0 && strchr(*e, '='))
                env_set(env, *e);
        return;
    }
    const char *val = getenv(entry);
    if (val) {
        _cleanup_free_ char *kv = sk_asprintf("%s=%s", entry, val);
        env_set(env, kv);
    }
}

static int flag_env_file(json_t *out, const char *flag, const char *path, struct sk_error *err)
{
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    struct stat st;
    if (stat(path, &st) < 0)
        return bad(err, flag, path, "%s", strerror(errno));
    if (!S_ISREG(st.st_mode) || st.st_size > ENV_FILE_MAX)
        return bad(err, flag, path, "not a regular file of at most %u bytes", ENV_FILE_MAX);
    struct sk_error rerr;
    if (sk_read_file(path, &data, &len, &rerr) < 0)
        return bad(err, flag, path, "%s", rerr.msg);
    if (strlen(data) != len)
        return bad(err, flag, path, "file contains NUL bytes");
    int lineno = 0;
    for (char *line = data, *next; line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        while (isspace((unsigned char)*line))
            line++;
        if (!*line || *line == '#')
            continue;
        const char *problem = env_problem(line);
        if (problem)
            return bad(err, flag, path, "line %d: \"%s\": %s", lineno, line, problem);
        env_add(out, line);
    }
    return 0;
}

static int flag_env(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    const char *problem = env_problem(v);
    if (problem)
        return bad(err, flag, v, "%s", problem);
    env_add(out, v);
    return 0;
}

/* ---- simple strings -------------------------------------------------------------- */

static int flag_name(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    bool ok = isalnum((unsigned char)v[0]);
    for (const char *p = v; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-';
    if (!ok)
        return bad(err, flag, v, "names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*");
    json_object_set_new(out, "name", json_string(v));
    return 0;
}

static int flag_workdir(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    if (v[0] != '/')
        return bad(err, flag, v, "the working directory must be an absolute path");
    json_object_set_new(out, "workdir", json_string(v));
    return 0;
}

static int flag_user(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    const char *colon = strchr(v, ':');
    if (!*v || v[0] == ':' || (colon && (!colon[1] || strchr(colon + 1, ':'))))
        return bad(err, flag, v, "expected USER[:GROUP] (names or numeric IDs)");
    for (const char *p = v; *p; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
            return bad(err, flag, v, "user and group names cannot contain whitespace");
    /* Rootless, a numeric ID skiff's user namespace lacks fails now rather
     * than at every start (names wait for the image's /etc/passwd). */
    _cleanup_free_ char *uid = colon ? sk_strndup(v, (size_t)(colon - v)) : sk_strdup(v);
    long long id;
    struct sk_error map_err = {0};
    if ((parse_ll(uid, &id) && id >= 0 &&
         engine_userns_check_id("uid", (unsigned long long)id, &map_err) < 0) ||
        (colon && parse_ll(colon + 1, &id) && id >= 0 &&
         engine_userns_check_id("gid", (unsigned long long)id, &map_err) < 0))
        return bad(err, flag, v, "%s", map_err.msg);
    json_object_set_new(out, "user", json_string(v));
    return 0;
}

static int flag_group_add(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    if (strcmp(v, "keep-groups") == 0) { /* checked alone in cross_checks */
        json_array_append_new(out_array(out, "group-add"), json_string(v));
        return 0;
    }
    if (!*v || strchr(v, ':') || strchr(v, ','))
        return bad(err, flag, v, "expected a group name or a numeric GID");
    for (const char *p = v; *p; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
            return bad(err, flag, v, "group names cannot contain whitespace");
    long long id;
    struct sk_error map_err = {0};
    if (parse_ll(v, &id) && id >= 0 &&
        engine_userns_check_id("gid", (unsigned long long)id, &map_err) < 0)
        return bad(err, flag, v, "%s", map_err.msg);
    json_array_append_new(out_array(out, "group-add"), json_string(v));
    return 0;
}

static int flag_hostname(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    size_t n = strlen(v);
    bool ok = n > 0 && n <= 63 && isalnum((unsigned char)v[0]);
    for (const char *p = v; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_';
    if (!ok)
        return bad(err, flag, v,
                   "a hostname is 1-63 letters, digits, '-', '.' or '_', "
                   "starting with a letter or digit");
    json_object_set_new(out, "hostname", json_string(v));
    return 0;
}

static int flag_entrypoint(json_t *out, const char *flag, const json_t *raw, struct sk_error *err)
{
    _cleanup_json_ json_t *argv = NULL;
    if (json_is_array(raw)) {
        argv = json_deep_copy(raw);
    } else if (json_is_string(raw) && json_string_value(raw)[0] == '[') {
        const char *s = json_string_value(raw);
        argv = json_loads(s, JSON_DECODE_ANY, NULL);
        if (!json_is_array(argv))
            return bad(err, flag, s, "not a JSON array of strings");
    } else if (json_is_string(raw)) {
        argv = json_array();
        if (json_string_value(raw)[0])
            json_array_append(argv, (json_t *)raw);
    } else {
        return sk_error_set(err, EINVAL, "invalid value for \"--%s\": want a string", flag);
    }
    size_t i;
    json_t *a;
    json_array_foreach(argv, i, a)
    {
        if (!json_is_string(a))
            return sk_error_set(err, EINVAL,
                                "invalid value for \"--%s\": not a JSON array of strings", flag);
    }
    json_object_set(out, "entrypoint", argv);
    return 0;
}

static int flag_command(json_t *out, const char *flag, const json_t *raw, struct sk_error *err)
{
    _cleanup_json_ json_t *argv =
        json_is_string(raw) ? json_pack("[O]", raw) : json_incref((json_t *)raw);
    bool ok = json_is_array(argv);
    size_t i;
    json_t *a;
    json_array_foreach(argv, i, a)
    {
        ok = ok && json_is_string(a);
    }
    if (!ok)
        return sk_error_set(err, EINVAL, "invalid value for \"%s\": want an array of strings",
                            flag);
    json_object_set(out, "command", argv);
    return 0;
}

static int flag_stop_signal(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    int sig = spec_signal_parse(v);
    if (sig < 0)
        return bad(err, flag, v, "invalid signal");
    json_object_set_new(out, "stop-signal", json_integer(sig));
    return 0;
}

static int flag_stop_timeout(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    long long n;
    if (!parse_ll(v, &n) || n < 0 || n > INT_MAX)
        return bad(err, flag, v, "want a number of seconds");
    json_object_set_new(out, "stop-timeout", json_integer(n));
    return 0;
}

/* ---- ports ------------------------------------------------------------------------ */

/* A port or a range of ports ("80", "8000-8010"). */
static bool valid_ports(const char *s)
{
    long long a, b;
    const char *dash = strchr(s, '-');
    _cleanup_free_ char *first = dash ? sk_strndup(s, (size_t)(dash - s)) : sk_strdup(s);
    if (!parse_ll(first, &a) || a < 1 || a > 65535)
        return false;
    return !dash || (parse_ll(dash + 1, &b) && b >= a && b <= 65535);
}

/* -p [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL]: checked, kept for the
 * network checks (cross_checks); skiff's networks publish nothing. */
static int flag_publish(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    _cleanup_free_ char *copy = sk_strdup(v);
    char *proto = strchr(copy, '/');
    if (proto) {
        *proto++ = '\0';
        if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0)
            return bad(err, flag, v, "the protocol is tcp, udp or sctp");
    }
    char *ctr = strrchr(copy, ':');
    ctr = ctr ? ctr + 1 : copy;
    if (!valid_ports(ctr))
        return bad(err, flag, v,
                   "expected [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTOCOL], ports 1 to 65535");
    json_array_append_new(out_array(out, "publish"), json_string(v));
    return 0;
}

/* ---- namespaces -------------------------------------------------------------------- */

static int flag_network(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    if (strcmp(v, "host") == 0)
        json_object_set_new(out, "network", json_string("host"));
    else if (strcmp(v, "none") == 0 || strcmp(v, "private") == 0)
        json_object_set_new(out, "network", json_string("none"));
    else
        return bad(err, flag, v,
                   "supported networks are \"none\" (a private network "
                   "namespace with loopback only, the default) and \"host\"");
    return 0;
}

static int flag_namespace(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    if (strcmp(v, "host") == 0)
        json_object_set_new(out, flag, json_string("host"));
    else if (strcmp(v, "private") == 0 || !*v)
        json_object_set_new(out, flag, json_string("private"));
    else
        return bad(err, flag, v, "want \"host\" or \"private\"");
    return 0;
}

/* ---- capabilities and security options ----------------------------------------------- */

static int flag_caps(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    _cleanup_free_ char *up = sk_strdup(v);
    for (char *p = up; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    json_t *list = out_array(out, flag);
    if (strcmp(up, "ALL") == 0) {
        json_array_append_new(list, json_string("ALL"));
        return 0;
    }
    _cleanup_free_ char *name =
        sk_str_has_prefix(up, "CAP_") ? sk_strdup(up) : sk_asprintf("CAP_%s", up);
    int n = spec_cap_number(name);
    if (n < 0)
        return bad(err, flag, v, "unknown capability");
    if (strcmp(flag, "cap-add") == 0 && !spec_cap_in_bounding_set(n))
        return bad(err, flag, v,
                   "%s is not in skiff's own capability bounding set, so no "
                   "container it starts can have it",
                   name);
    json_array_append_new(list, json_string(name));
    return 0;
}

static int split_paths(json_t *out, const char *key, const char *flag, const char *opt,
                       const char *list, struct sk_error *err)
{
    json_t *a = out_array(out, key);
    _cleanup_free_ char *copy = sk_strdup(list);
    char *save = NULL;
    for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
        if (strcmp(key, "unmask") == 0 && strcmp(p, "ALL") == 0) {
            json_array_append_new(a, json_string("ALL"));
            continue;
        }
        if (p[0] != '/')
            return bad(err, flag, opt, "\"%s\" is not an absolute path", p);
        json_array_append_new(a, json_string(p));
    }
    if (json_array_size(a) == 0)
        return bad(err, flag, opt, "no paths given");
    return 0;
}

static int flag_security_opt(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    const char *eq = strchr(v, '=');
    _cleanup_free_ char *key = eq ? sk_strndup(v, (size_t)(eq - v)) : sk_strdup(v);
    const char *val = eq ? eq + 1 : NULL;
    if (strcmp(key, "no-new-privileges") == 0) {
        bool on = !val || strcmp(val, "true") == 0;
        if (val && !on && strcmp(val, "false") != 0)
            return bad(err, flag, v, "no-new-privileges takes true or false");
        json_object_set_new(out, "no-new-privileges", json_boolean(on));
        return 0;
    }
    if (!val || !*val)
        return bad(err, flag, v,
                   "expected KEY=VALUE (seccomp, mask, unmask, label, "
                   "no-new-privileges)");
    if (strcmp(key, "seccomp") == 0) {
        if (strcmp(val, "unconfined") == 0) {
            json_object_set_new(out, "seccomp", json_string("unconfined"));
            return 0;
        }
        struct sk_error lerr;
        _cleanup_json_ json_t *profile = sk_json_load_file(val, &lerr);
        if (!profile)
            return bad(err, flag, v, "%s", lerr.msg);
        if (spec_seccomp_validate(profile, val, &lerr) < 0)
            return bad(err, flag, v, "%s", lerr.msg);
        json_object_set(out, "seccomp", profile);
        return 0;
    }
    if (strcmp(key, "mask") == 0)
        return split_paths(out, "mask", flag, v, val, err);
    if (strcmp(key, "unmask") == 0)
        return split_paths(out, "unmask", flag, v, val, err);
    if (strcmp(key, "label") == 0) {
        if (strcmp(val, "disable") == 0)
            return 0; /* skiff sets no SELinux labels at all */
        return bad(err, flag, v,
                   "SELinux labels are not supported; only label=disable is "
                   "accepted");
    }
    if (strcmp(key, "apparmor") == 0) {
        if (strcmp(val, "unconfined") == 0)
            return 0; /* skiff applies no AppArmor profile */
        return bad(err, flag, v, "AppArmor profiles are not supported");
    }
    return bad(err, flag, v, "unknown security option \"%s\"", key);
}

/* ---- resources ---------------------------------------------------------------------- */

static int flag_memory(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    long long n;
    bool swap = strcmp(flag, "memory-swap") == 0;
    if (swap && strcmp(v, "-1") == 0) {
        json_object_set_new(out, flag, json_integer(-1));
        return 0;
    }
    if (!parse_size(v, &n))
        return bad(err, flag, v,
                   "invalid size: want a number with an optional unit "
                   "(b, k, m, g, t, p)%s",
                   swap ? ", or -1 for unlimited" : "");
    if (n < SPEC_MIN_MEMORY)
        return bad(err, flag, v, "the minimum memory limit is 6MB");
    json_object_set_new(out, flag, json_integer(n));
    return 0;
}

static int flag_cpus(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    char *end;
    errno = 0;
    double cpus = strtod(v, &end);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (errno || end == v || *end || !isfinite(cpus) || cpus <= 0)
        return bad(err, flag, v, "want a positive number of CPUs");
    long long quota = (long long)(cpus * SPEC_CPU_PERIOD + 0.5); /* no libm: round by hand */
    if (quota < 1000 || (ncpu > 0 && cpus > (double)ncpu))
        return bad(err, flag, v,
                   "the range of CPUs is from 0.01 to %ld.00, as there %s %ld "
                   "CPU%s available",
                   ncpu, ncpu == 1 ? "is only" : "are only", ncpu, ncpu == 1 ? "" : "s");
    json_object_set_new(out, "cpus", json_real(cpus));
    json_object_set_new(out, "cpu-quota", json_integer(quota));
    json_object_set_new(out, "cpu-period", json_integer(SPEC_CPU_PERIOD));
    return 0;
}

static int flag_cpu_shares(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    long long n;
    if (!parse_ll(v, &n) || n < CPU_SHARES_MIN || n > CPU_SHARES_MAX)
        return bad(err, flag, v, "want a number from %d to %d", CPU_SHARES_MIN, CPU_SHARES_MAX);
    json_object_set_new(out, "cpu-shares", json_integer(n));
    return 0;
}

static int flag_cpuset(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    const char *p = v;
    if (!*p)
        return bad(err, flag, v, "empty CPU list");
    while (*p) {
        char *end;
        if (!isdigit((unsigned char)*p))
            return bad(err, flag, v, "want a list like 0-3,5,7");
        long lo = strtol(p, &end, 10), hi = lo;
        p = end;
        if (*p == '-') {
            p++;
            if (!isdigit((unsigned char)*p))
                return bad(err, flag, v, "want a list like 0-3,5,7");
            hi = strtol(p, &end, 10);
            p = end;
        }
        if (lo > hi || hi > CPUSET_MAX)
            return bad(err, flag, v, "invalid range %ld-%ld", lo, hi);
        if (*p == ',' && p[1])
            p++;
        else if (*p)
            return bad(err, flag, v, "want a list like 0-3,5,7");
    }
    json_object_set_new(out, "cpuset-cpus", json_string(v));
    return 0;
}

static int flag_pids_limit(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    long long n;
    if (!parse_ll(v, &n) || n < -1)
        return bad(err, flag, v, "want a number, -1 or 0 for unlimited");
    json_object_set_new(out, "pids-limit", json_integer(n));
    return 0;
}

/* "1024", "-1", "unlimited" -> value (-1 = unlimited). */
static bool parse_rlimit_value(const char *s, long long *ret)
{
    if (strcmp(s, "unlimited") == 0 || strcmp(s, "-1") == 0) {
        *ret = -1;
        return true;
    }
    return parse_ll(s, ret) && *ret >= 0;
}

static int flag_ulimit(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    const char *eq = strchr(v, '=');
    if (!eq)
        return bad(err, flag, v, "expected NAME=SOFT[:HARD]");
    _cleanup_free_ char *name = sk_strndup(v, (size_t)(eq - v));
    const struct spec_rlimit_name *rl = spec_rlimit_lookup(name);
    if (!rl)
        return bad(err, flag, v, "unknown ulimit \"%s\"", name);
    _cleanup_free_ char *vals = sk_strdup(eq + 1);
    char *colon = strchr(vals, ':');
    if (colon)
        *colon = '\0';
    long long soft, hard;
    if (!parse_rlimit_value(vals, &soft) || (colon && !parse_rlimit_value(colon + 1, &hard)))
        return bad(err, flag, v, "limits are numbers, -1 or \"unlimited\"");
    if (!colon)
        hard = soft;
    unsigned long long usoft = soft < 0 ? ~0ULL : (unsigned long long)soft;
    unsigned long long uhard = hard < 0 ? ~0ULL : (unsigned long long)hard;
    if (usoft > uhard)
        return bad(err, flag, v, "the soft limit is above the hard limit");
    unsigned long long ceiling = spec_rlimit_ceiling(rl->resource);
    if (uhard > ceiling)
        return bad(err, flag, v,
                   "the hard limit is above skiff's own hard limit for %s (%llu); "
                   "raising it needs CAP_SYS_RESOURCE",
                   rl->name, ceiling);
    json_t *list = out_array(out, "ulimits");
    size_t i;
    json_t *u;
    json_array_foreach(list, i, u)
    {
        if (strcmp(sk_json_str(u, "type"), rl->type) == 0) {
            json_array_remove(list, i);
            break;
        }
    }
    json_array_append_new(list, json_pack("{s:s, s:I, s:I}", "type", rl->type, "soft",
                                          (json_int_t)soft, "hard", (json_int_t)hard));
    return 0;
}

static int flag_sysctl(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    const char *eq = strchr(v, '=');
    if (!eq || eq == v)
        return bad(err, flag, v, "expected NAME=VALUE");
    _cleanup_free_ char *name = sk_strndup(v, (size_t)(eq - v));
    for (char *p = name; *p; p++)
        if (*p == '/')
            *p = '.';
    if (spec_sysctl_namespace(name) < 0)
        return bad(err, flag, v,
                   "sysctl \"%s\" is not namespaced: only net.*, kernel.shm*, "
                   "kernel.msg*, kernel.sem, fs.mqueue.*, kernel.hostname and "
                   "kernel.domainname can be set",
                   name);
    json_object_set_new(out_object(out, "sysctls"), name, json_string(eq + 1));
    return 0;
}

static bool valid_permissions(const char *s)
{
    if (!*s || strlen(s) > 3)
        return false;
    for (const char *p = s; *p; p++)
        if (!strchr("rwm", *p) || strchr(p + 1, *p))
            return false;
    return true;
}

static int flag_device(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    _cleanup_free_ char *copy = sk_strdup(v);
    char *parts[4] = {NULL};
    int n = 0;
    char *save = NULL;
    for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
        if (n == 3)
            return bad(err, flag, v, "expected HOST[:CONTAINER][:PERMISSIONS]");
        parts[n++] = p;
    }
    if (n == 0)
        return bad(err, flag, v, "expected HOST[:CONTAINER][:PERMISSIONS]");
    const char *host = parts[0], *ctr = parts[0], *perms = "rwm";
    if (n == 2 && parts[1][0] != '/')
        perms = parts[1];
    else if (n >= 2)
        ctr = parts[1];
    if (n == 3)
        perms = parts[2];
    if (host[0] != '/' || ctr[0] != '/')
        return bad(err, flag, v, "device paths must be absolute");
    if (!valid_permissions(perms))
        return bad(err, flag, v, "permissions are a combination of r, w and m");
    struct stat st;
    if (stat(host, &st) < 0)
        return bad(err, flag, v, "%s: %s", host, strerror(errno));
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
        return bad(err, flag, v, "%s is not a device", host);
    /* Rootless, the container gets the host's node, bound: of no use unless
     * the user may open it (inside skiff's user namespace, root's override
     * does not reach nodes of unmapped owners, such as the host's root). */
    int mode = (strchr(perms, 'r') ? R_OK : 0) | (strchr(perms, 'w') ? W_OK : 0);
    if (sk_rootless() && mode && faccessat(AT_FDCWD, host, mode, AT_EACCESS) < 0)
        return bad(err, flag, v,
                   "%s: %s (rootless, the container gets the host's device node, which this user "
                   "cannot open)",
                   host, strerror(errno));
    json_array_append_new(out_array(out, "devices"), json_pack("{s:s, s:s, s:s}", "path", ctr,
                                                               "host", host, "permissions", perms));
    return 0;
}

static int flag_key_value(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    bool annotation = strcmp(flag, "annotation") == 0;
    const char *eq = strchr(v, '=');
    if (eq == v || (!eq && annotation))
        return bad(err, flag, v, "expected KEY=VALUE");
    _cleanup_free_ char *key = eq ? sk_strndup(v, (size_t)(eq - v)) : sk_strdup(v);
    json_object_set_new(out_object(out, annotation ? "annotations" : "labels"), key,
                        json_string(eq ? eq + 1 : ""));
    return 0;
}

/* ---- mounts -------------------------------------------------------------------- */

/* Mount option families: within one, the last given wins and a contradiction
 * given by the user is an error. */
static const char *const fam_rw[] = {"rw", "ro", NULL};
static const char *const fam_suid[] = {"suid", "nosuid", NULL};
static const char *const fam_dev[] = {"dev", "nodev", NULL};
static const char *const fam_exec[] = {"exec", "noexec", NULL};
static const char *const fam_bind[] = {"bind", "rbind", NULL};
static const char *const fam_prop[] = {"shared", "slave",    "private",     "unbindable", "rshared",
                                       "rslave", "rprivate", "runbindable", NULL};
static const char *const fam_copyup[] = {"tmpcopyup", "notmpcopyup", NULL};
static const char *const *const families[] = {fam_rw,   fam_suid, fam_dev,    fam_exec,
                                              fam_bind, fam_prop, fam_copyup, NULL};

static const char *const *family_of(const char *opt)
{
    for (size_t i = 0; families[i]; i++)
        if (strv_has(families[i], opt))
            return families[i];
    return NULL;
}

/* Add opt to the option array, refusing a second member of its family. */
static int opt_add(json_t *opts, const char *flag, const char *v, const char *opt,
                   struct sk_error *err)
{
    const char *const *fam = family_of(opt);
    size_t i;
    json_t *o;
    json_array_foreach(opts, i, o)
    {
        const char *s = json_string_value(o);
        if (strcmp(s, opt) == 0)
            return 0;
        if (fam && strv_has(fam, s))
            return bad(err, flag, v, "conflicting options \"%s\" and \"%s\"", s, opt);
        if (strchr(opt, '=') && strncmp(s, opt, strcspn(opt, "=") + 1) == 0)
            return bad(err, flag, v, "option \"%.*s\" given twice", (int)strcspn(opt, "="), opt);
    }
    json_array_append_new(opts, json_string(opt));
    return 0;
}

/* Defaults go after the user's options unless the user chose from the same family. */
static void opts_defaults(json_t *opts, const char *const *defaults)
{
    for (; *defaults; defaults++) {
        const char *const *fam = family_of(*defaults);
        bool taken = false;
        size_t i;
        json_t *o;
        json_array_foreach(opts, i, o)
        {
            const char *s = json_string_value(o);
            if (strcmp(s, *defaults) == 0 || (fam && strv_has(fam, s)))
                taken = true;
        }
        if (!taken)
            json_array_append_new(opts, json_string(*defaults));
    }
}

/* A tmpfs's defaults; "notmpcopyup" only kept "tmpcopyup" out, and means
 * nothing to a runtime (runc would pass it to the filesystem). */
static void tmpfs_defaults(json_t *opts)
{
    opts_defaults(opts, spec_tmpfs_default_options);
    size_t i;
    json_t *o;
    json_array_foreach(opts, i, o)
    {
        if (strcmp(json_string_value(o), "notmpcopyup") == 0) {
            json_array_remove(opts, i);
            break;
        }
    }
}

static bool tmpfs_size_ok(const char *s)
{
    const char *p = s;
    while (isdigit((unsigned char)*p))
        p++;
    if (p == s)
        return false;
    if (*p && strchr("kKmMgG%", *p))
        p++;
    return !*p;
}

static bool octal_mode_ok(const char *s)
{
    char *end;
    long m = strtol(s, &end, 8);
    return *s && !*end && m >= 0 && m <= 07777;
}

static int tmpfs_option(json_t *opts, const char *flag, const char *v, const char *o,
                        struct sk_error *err)
{
    static const char *const plain[] = {
        "ro",         "rw",       "suid",      "nosuid",      "dev",      "nodev",
        "exec",       "noexec",   "atime",     "noatime",     "relatime", "strictatime",
        "nodiratime", "diratime", "tmpcopyup", "notmpcopyup", "private",  "rprivate",
        "shared",     "rshared",  "slave",     "rslave",      NULL,
    };
    const char *eq = strchr(o, '=');
    if (!eq) {
        if (!strv_has(plain, o))
            return bad(err, flag, v, "unknown tmpfs option \"%s\"", o);
        return opt_add(opts, flag, v, o, err);
    }
    _cleanup_free_ char *k = sk_strndup(o, (size_t)(eq - o));
    const char *val = eq + 1;
    long long n = 0;
    bool ok;
    if (strcmp(k, "size") == 0 || strcmp(k, "nr_inodes") == 0 || strcmp(k, "nr_blocks") == 0)
        ok = tmpfs_size_ok(val);
    else if (strcmp(k, "mode") == 0)
        ok = octal_mode_ok(val);
    else if (strcmp(k, "uid") == 0 || strcmp(k, "gid") == 0)
        ok = parse_ll(val, &n) && n >= 0 && n <= UINT32_MAX - 1;
    else
        return bad(err, flag, v, "unknown tmpfs option \"%s\"", k);
    if (!ok)
        return bad(err, flag, v, "invalid value for tmpfs option \"%s\"", k);
    struct sk_error map_err = {0};
    if (k[1] == 'i' && engine_userns_check_id(k, (unsigned long long)n, &map_err) < 0)
        return bad(err, flag, v, "tmpfs option %s: %s", o, map_err.msg);
    return opt_add(opts, flag, v, o, err);
}

static int mount_add(json_t *out, const char *flag, const char *v, json_t *m, struct sk_error *err)
{
    json_t *mounts = out_array(out, "mounts");
    const char *dst = sk_json_str(m, "destination");
    size_t i;
    json_t *o;
    json_array_foreach(mounts, i, o)
    {
        if (strcmp(sk_json_str(o, "destination"), dst) == 0) {
            bad(err, flag, v, "%s is already a mount destination", dst);
            json_decref(m);
            return -1;
        }
    }
    json_array_append_new(mounts, m);
    return 0;
}

/* A bind mount's host side: absolute (./relative is made absolute) and existing. */
static int bind_source(const char *flag, const char *v, const char *src, char **ret,
                       struct sk_error *err)
{
    if (src[0] != '/' && src[0] != '.')
        return bad(err, flag, v,
                   "\"%s\" is a named volume: named volumes are not supported, "
                   "give an absolute host path",
                   src);
    _cleanup_free_ char *abs = realpath(src, NULL);
    if (!abs)
        return bad(err, flag, v, "host path %s: %s", src, strerror(errno));
    *ret = src[0] == '/' ? sk_strdup(src) : SK_STEAL(abs);
    return 0;
}

static int flag_volume(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    _cleanup_free_ char *copy = sk_strdup(v);
    char *parts[3] = {NULL};
    int n = 0;
    char *save = NULL;
    for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
        if (n == 3)
            return bad(err, flag, v, "expected HOST-DIR:CONTAINER-DIR[:OPTIONS]");
        parts[n++] = p;
    }
    if (n < 2) {
        if (n == 1 && parts[0][0] == '/')
            return bad(err, flag, v,
                       "anonymous volumes are not supported, give "
                       "HOST-DIR:CONTAINER-DIR");
        return bad(err, flag, v, "expected HOST-DIR:CONTAINER-DIR[:OPTIONS]");
    }
    _cleanup_free_ char *src = NULL;
    if (bind_source(flag, v, parts[0], &src, err) < 0)
        return -1;
    if (parts[1][0] != '/')
        return bad(err, flag, v, "the container path must be absolute");
    _cleanup_json_ json_t *opts = json_array();
    bool chown = false;
    if (parts[2]) {
        save = NULL;
        for (char *o = strtok_r(parts[2], ",", &save); o; o = strtok_r(NULL, ",", &save)) {
            if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0)
                continue; /* SELinux relabeling: skiff sets no labels */
            if (strcmp(o, "U") == 0) {
                chown = true;
                continue;
            }
            if (!family_of(o) || strv_has(fam_copyup, o))
                return bad(err, flag, v,
                           "unknown volume option \"%s\" (want ro, rw, z, Z, U, "
                           "bind, rbind, [r]shared, [r]slave, [r]private, "
                           "[no]suid, [no]dev, [no]exec)",
                           o);
            if (opt_add(opts, flag, v, o, err) < 0)
                return -1;
        }
    }
    opts_defaults(opts, (const char *const[]){"rbind", SPEC_VOLUME_PROPAGATION, NULL});
    json_t *m = json_pack("{s:s, s:s, s:s, s:O}", "destination", parts[1], "type", "bind", "source",
                          src, "options", opts);
    if (chown)
        json_object_set_new(m, "chown", json_true());
    return mount_add(out, flag, v, m, err);
}

/* "true"/"1" or a bare key (s NULL) is true, "false"/"0" false; else invalid. */
static bool bool_word(const char *s, bool *ret)
{
    if (!s || strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
        *ret = true;
        return true;
    }
    if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
        *ret = false;
        return true;
    }
    return false;
}

static int flag_mount(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    _cleanup_free_ char *copy = sk_strdup(v);
    _cleanup_free_ char *src = NULL;
    const char *type = NULL, *dst = NULL;
    _cleanup_json_ json_t *opts = json_array();
    bool nonrecursive = false, have_src = false, chown = false;
    char *save = NULL;
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (eq)
            *eq = '\0';
        const char *val = eq ? eq + 1 : NULL;
        bool b;
        if (strcmp(kv, "type") == 0 && val) {
            type = val;
        } else if ((strcmp(kv, "source") == 0 || strcmp(kv, "src") == 0) && val) {
            free(src);
            src = sk_strdup(val);
            have_src = true;
        } else if ((strcmp(kv, "destination") == 0 || strcmp(kv, "target") == 0 ||
                    strcmp(kv, "dst") == 0) &&
                   val) {
            dst = val;
        } else if (strcmp(kv, "ro") == 0 || strcmp(kv, "readonly") == 0) {
            if (!bool_word(val, &b))
                return bad(err, flag, v, "%s takes true or false", kv);
            if (opt_add(opts, flag, v, b ? "ro" : "rw", err) < 0)
                return -1;
        } else if (strcmp(kv, "rw") == 0 && !val) {
            if (opt_add(opts, flag, v, "rw", err) < 0)
                return -1;
        } else if (strcmp(kv, "bind-propagation") == 0 && val) {
            if (!strv_has(fam_prop, val))
                return bad(err, flag, v, "invalid bind-propagation \"%s\"", val);
            if (opt_add(opts, flag, v, val, err) < 0)
                return -1;
        } else if (strcmp(kv, "U") == 0 || strcmp(kv, "chown") == 0) {
            if (!bool_word(val, &chown))
                return bad(err, flag, v, "%s takes true or false", kv);
        } else if (strcmp(kv, "bind-nonrecursive") == 0) {
            if (!bool_word(val, &nonrecursive))
                return bad(err, flag, v, "bind-nonrecursive takes true or false");
        } else if (strcmp(kv, "tmpfs-size") == 0 && val) {
            long long n;
            if (!parse_size(val, &n) || n <= 0)
                return bad(err, flag, v, "invalid tmpfs-size \"%s\"", val);
            _cleanup_free_ char *o = sk_asprintf("size=%lld", n);
            if (opt_add(opts, flag, v, o, err) < 0)
                return -1;
        } else if (strcmp(kv, "tmpfs-mode") == 0 && val) {
            if (!octal_mode_ok(val))
                return bad(err, flag, v, "invalid tmpfs-mode \"%s\" (want octal)", val);
            _cleanup_free_ char *o = sk_asprintf("mode=%s", val);
            if (opt_add(opts, flag, v, o, err) < 0)
                return -1;
        } else if ((strcmp(kv, "relabel") == 0 || strcmp(kv, "consistency") == 0) && val) {
            continue; /* SELinux relabeling / macOS consistency: no effect here */
        } else if (!val && family_of(kv) && !strv_has(fam_bind, kv)) {
            if (opt_add(opts, flag, v, kv, err) < 0)
                return -1;
        } else {
            return bad(err, flag, v, "unknown mount option \"%s\"", kv);
        }
    }
    if (!type)
        return bad(err, flag, v, "type= is required (bind or tmpfs)");
    if (!dst || dst[0] != '/')
        return bad(err, flag, v, "an absolute destination= (or target=) is required");
    json_t *m;
    if (strcmp(type, "bind") == 0) {
        _cleanup_free_ char *abs = NULL;
        if (!have_src)
            return bad(err, flag, v, "source= is required for bind mounts");
        if (bind_source(flag, v, src, &abs, err) < 0)
            return -1;
        size_t i;
        json_t *o;
        json_array_foreach(opts, i, o)
        {
            if (strv_has(fam_copyup, json_string_value(o)))
                return bad(err, flag, v, "\"%s\" applies to tmpfs mounts only",
                           json_string_value(o));
        }
        opts_defaults(opts, (const char *const[]){nonrecursive ? "bind" : "rbind",
                                                  SPEC_VOLUME_PROPAGATION, NULL});
        m = json_pack("{s:s, s:s, s:s, s:O}", "destination", dst, "type", "bind", "source", abs,
                      "options", opts);
        if (chown)
            json_object_set_new(m, "chown", json_true());
    } else if (strcmp(type, "tmpfs") == 0) {
        if (have_src)
            return bad(err, flag, v, "tmpfs mounts take no source");
        if (chown)
            return bad(err, flag, v, "U (chown) applies to bind mounts only");
        size_t i;
        json_t *o;
        json_array_foreach(opts, i, o)
        {
            const char *s = json_string_value(o);
            if (strv_has(fam_prop, s) &&
                !strv_has((const char *const[]){"private", "rprivate", "shared", "rshared", "slave",
                                                "rslave", NULL},
                          s))
                return bad(err, flag, v, "invalid option \"%s\" for tmpfs", s);
        }
        tmpfs_defaults(opts);
        m = json_pack("{s:s, s:s, s:s, s:O}", "destination", dst, "type", "tmpfs", "source",
                      "tmpfs", "options", opts);
    } else {
        return bad(err, flag, v, "mount type \"%s\" is not supported (bind and tmpfs are)", type);
    }
    return mount_add(out, flag, v, m, err);
}

static int flag_tmpfs(json_t *out, const char *flag, const char *v, struct sk_error *err)
{
    _cleanup_free_ char *copy = sk_strdup(v);
    char *colon = strchr(copy, ':');
    if (colon)
        *colon = '\0';
    if (copy[0] != '/')
        return bad(err, flag, v, "the container path must be absolute");
    _cleanup_json_ json_t *opts = json_array();
    if (colon) {
        char *save = NULL;
        for (char *o = strtok_r(colon + 1, ",", &save); o; o = strtok_r(NULL, ",", &save))
            if (tmpfs_option(opts, flag, v, o, err) < 0)
                return -1;
    }
    tmpfs_defaults(opts);
    json_t *m = json_pack("{s:s, s:s, s:s, s:O}", "destination", copy, "type", "tmpfs", "source",
                          "tmpfs", "options", opts);
    return mount_add(out, flag, v, m, err);
}

/* ---- the flag table ------------------------------------------------------------------ */

enum flag_kind {
    FLAG_STRING, /* one string (a number is taken as text) */
    FLAG_LIST,   /* repeatable: an array of strings (one string is fine) */
    FLAG_BOOL,   /* a switch */
    FLAG_RAW,    /* the handler takes the JSON value */
};

typedef int (*flag_text_fn)(json_t *out, const char *flag, const char *v, struct sk_error *err);
typedef int (*flag_raw_fn)(json_t *out, const char *flag, const json_t *v, struct sk_error *err);

/* Handled in this order, so env-file comes before env (env wins) and -v,
 * --mount, --tmpfs keep a stable order. */
static const struct flag_def {
    const char *name;
    enum flag_kind kind;
    flag_text_fn text;
    flag_raw_fn raw;
} flag_defs[] = {
    {"name", FLAG_STRING, flag_name, NULL},
    {"command", FLAG_RAW, NULL, flag_command},
    {"entrypoint", FLAG_RAW, NULL, flag_entrypoint},
    {"env-file", FLAG_LIST, flag_env_file, NULL},
    {"env", FLAG_LIST, flag_env, NULL},
    {"workdir", FLAG_STRING, flag_workdir, NULL},
    {"user", FLAG_STRING, flag_user, NULL},
    {"group-add", FLAG_LIST, flag_group_add, NULL},
    {"hostname", FLAG_STRING, flag_hostname, NULL},
    {"volume", FLAG_LIST, flag_volume, NULL},
    {"mount", FLAG_LIST, flag_mount, NULL},
    {"tmpfs", FLAG_LIST, flag_tmpfs, NULL},
    {"read-only", FLAG_BOOL, NULL, NULL},
    {"cap-add", FLAG_LIST, flag_caps, NULL},
    {"cap-drop", FLAG_LIST, flag_caps, NULL},
    {"privileged", FLAG_BOOL, NULL, NULL},
    {"security-opt", FLAG_LIST, flag_security_opt, NULL},
    {"memory", FLAG_STRING, flag_memory, NULL},
    {"memory-swap", FLAG_STRING, flag_memory, NULL},
    {"cpus", FLAG_STRING, flag_cpus, NULL},
    {"cpu-shares", FLAG_STRING, flag_cpu_shares, NULL},
    {"cpuset-cpus", FLAG_STRING, flag_cpuset, NULL},
    {"pids-limit", FLAG_STRING, flag_pids_limit, NULL},
    {"ulimit", FLAG_LIST, flag_ulimit, NULL},
    {"sysctl", FLAG_LIST, flag_sysctl, NULL},
    {"device", FLAG_LIST, flag_device, NULL},
    {"label", FLAG_LIST, flag_key_value, NULL},
    {"annotation", FLAG_LIST, flag_key_value, NULL},
    {"network", FLAG_STRING, flag_network, NULL},
    {"publish", FLAG_LIST, flag_publish, NULL},
    {"publish-all", FLAG_BOOL, NULL, NULL},
    {"ipc", FLAG_STRING, flag_namespace, NULL},
    {"pid", FLAG_STRING, flag_namespace, NULL},
    {"uts", FLAG_STRING, flag_namespace, NULL},
    {"tty", FLAG_BOOL, NULL, NULL},
    {"interactive", FLAG_BOOL, NULL, NULL},
    {"stop-signal", FLAG_STRING, flag_stop_signal, NULL},
    {"stop-timeout", FLAG_STRING, flag_stop_timeout, NULL},
    {"rm", FLAG_BOOL, NULL, NULL},
};

static const struct flag_def *flag_lookup(const char *name)
{
    for (size_t i = 0; i < SK_ARRAY_SIZE(flag_defs); i++)
        if (strcmp(flag_defs[i].name, name) == 0)
            return &flag_defs[i];
    return NULL;
}

static int apply_flag(json_t *out, const struct flag_def *f, const json_t *v, struct sk_error *err)
{
    char buf[64];
    switch (f->kind) {
    case FLAG_RAW:
        return f->raw(out, f->name, v, err);
    case FLAG_BOOL: {
        bool b;
        if (json_is_boolean(v))
            b = json_is_true(v);
        else if (!json_is_string(v) || !bool_word(json_string_value(v), &b))
            return sk_error_set(err, EINVAL, "invalid value for \"--%s\": want true or false",
                                f->name);
        json_object_set_new(out, f->name, json_boolean(b));
        return 0;
    }
    case FLAG_STRING: {
        const char *s = scalar(v, buf);
        if (!s)
            return sk_error_set(err, EINVAL, "invalid value for \"--%s\": want a string", f->name);
        return f->text(out, f->name, s, err);
    }
    case FLAG_LIST: {
        if (!json_is_array(v)) {
            const char *s = scalar(v, buf);
            if (!s)
                return sk_error_set(err, EINVAL,
                                    "invalid value for \"--%s\": want a list of strings", f->name);
            return f->text(out, f->name, s, err);
        }
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            const char *s = scalar(e, buf);
            if (!s)
                return sk_error_set(err, EINVAL,
                                    "invalid value for \"--%s\": want a list of strings", f->name);
            if (f->text(out, f->name, s, err) < 0)
                return -1;
        }
        return 0;
    }
    }
    return 0;
}

static bool list_has(const json_t *a, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

/* Checks that need more than one flag. */
/* Whether the user may open path (perms r/w) only as a member of one of its
 * supplementary groups: the owner's, the primary group's and the others'
 * bits would not let it. */
static bool only_through_groups(const char *path, const char *perms)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return false;
    mode_t want = (strchr(perms, 'r') ? 4 : 0) | (strchr(perms, 'w') ? 2 : 0);
    if (!want)
        return false;
    uid_t uid = sk_rootless_uid();
    gid_t gid = sk_rootless_gid();
    mode_t bits = st.st_uid == uid ? (st.st_mode >> 6) & 7
                  : st.st_gid == gid ? (st.st_mode >> 3) & 7
                                     : st.st_mode & 7;
    if ((bits & want) == want)
        return false;
    /* not by the bits above: through a supplementary group, if at all */
    return st.st_uid != uid && st.st_gid != gid && ((st.st_mode >> 3) & want) == want;
}

static int cross_checks(json_t *out, struct sk_error *err)
{
    json_t *mem = json_object_get(out, "memory"), *swap = json_object_get(out, "memory-swap");
    if (swap && !mem)
        return sk_error_set(err, EINVAL,
                            "invalid argument \"%lld\" for \"--memory-swap\": a "
                            "memory-swap limit needs a memory limit (--memory) too",
                            (long long)json_integer_value(swap));
    if (swap && json_integer_value(swap) != -1 &&
        json_integer_value(swap) < json_integer_value(mem))
        return sk_error_set(err, EINVAL,
                            "invalid argument \"%lld\" for \"--memory-swap\": it "
                            "must be at least the memory limit (%lld), as it counts memory "
                            "plus swap",
                            (long long)json_integer_value(swap),
                            (long long)json_integer_value(mem));

    json_t *add = json_object_get(out, "cap-add"), *drop = json_object_get(out, "cap-drop");
    size_t i;
    json_t *c;
    if (list_has(add, "ALL") && list_has(drop, "ALL"))
        return sk_error_set(err, EINVAL,
                            "invalid arguments for \"--cap-add\" and "
                            "\"--cap-drop\": adding all caps and removing all caps is not "
                            "allowed");
    json_array_foreach(add, i, c)
    {
        if (strcmp(json_string_value(c), "ALL") != 0 && list_has(drop, json_string_value(c)))
            return sk_error_set(err, EINVAL,
                                "invalid argument \"%s\" for \"--cap-add\": "
                                "capability %s cannot be both added and dropped",
                                json_string_value(c), json_string_value(c));
    }

    static const char *const ns_flag[] = {
        [SPEC_SYSCTL_NET] = "network", [SPEC_SYSCTL_IPC] = "ipc", [SPEC_SYSCTL_UTS] = "uts"};
    const char *key;
    json_t *val;
    json_object_foreach(json_object_get(out, "sysctls"), key, val)
    {
        const char *f = ns_flag[spec_sysctl_namespace(key)];
        const char *mode = sk_json_str(out, f);
        if (mode && strcmp(mode, "host") == 0)
            return sk_error_set(err, EINVAL,
                                "invalid argument \"%s=%s\" for \"--sysctl\": %s "
                                "cannot be set with --%s host (it would change the host)",
                                key, json_string_value(val), key, f);
    }
    /* Ports need a network that forwards them (podman's bridge, slirp4netns,
     * pasta), which skiff lacks: asked for with the default network, that
     * is an error; with --network host or none, podman discards them with a
     * warning (the engine gives it), and so does skiff. */
    json_t *publish = json_object_get(out, "publish");
    bool publish_all = json_is_true(json_object_get(out, "publish-all"));
    if ((json_array_size(publish) || publish_all) && !json_object_get(out, "network"))
        return sk_error_set(err, EINVAL,
                            "invalid argument \"%s\" for \"--%s\": publishing ports needs a "
                            "bridge, slirp4netns or pasta network, which skiff does not have "
                            "(with --network host, the container's ports are the host's)",
                            json_array_size(publish) ? json_string_value(json_array_get(publish, 0))
                                                     : "true",
                            json_array_size(publish) ? "publish" : "publish-all");
    if (!json_array_size(publish))
        json_object_del(out, "publish");
    if (!publish_all)
        json_object_del(out, "publish-all");

    /* --group-add keep-groups: the user's own supplementary groups stay
     * (podman's, for rootless access to group-owned files and devices);
     * alone, since no setgroups call is made. */
    json_t *groups = json_object_get(out, "group-add");
    bool keep_groups = list_has(groups, "keep-groups");
    if (keep_groups && json_array_size(groups) > 1)
        return sk_error_set(err, EINVAL,
                            "invalid argument \"keep-groups\" for \"--group-add\": the "
                            "'--group-add keep-groups' option is not allowed with other groups");
    /* Rootless, a device the user opens only through a supplementary group
     * is of no use in the container unless those groups stay. */
    json_t *dev;
    json_array_foreach(json_object_get(out, "devices"), i, dev)
    {
        const char *host = sk_json_str(dev, "host"), *perms = sk_json_str(dev, "permissions");
        if (sk_rootless() && !keep_groups && host && perms && only_through_groups(host, perms))
            return sk_error_set(err, EACCES,
                                "invalid argument \"%s\" for \"--device\": this user opens "
                                "%s only through a supplementary group, which the container "
                                "does not keep: add --group-add keep-groups",
                                host, host);
    }

    const char *uts = sk_json_str(out, "uts");
    const char *hostname = sk_json_str(out, "hostname");
    if (hostname && uts && strcmp(uts, "host") == 0)
        return sk_error_set(err, EINVAL,
                            "invalid argument \"%s\" for \"--hostname\": cannot "
                            "set a hostname with --uts host",
                            hostname);
    return 0;
}

int spec_flags_normalize(json_t *raw, json_t **ret, struct sk_error *err)
{
    if (raw && !json_is_object(raw))
        return sk_error_set(err, EINVAL, "container flags must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(raw, key, v)
    {
        if (!flag_lookup(key))
            return sk_error_set(err, EINVAL, "unknown flag: --%s", key);
    }
    _cleanup_json_ json_t *out = json_object();
    for (size_t i = 0; i < SK_ARRAY_SIZE(flag_defs); i++) {
        v = json_object_get(raw, flag_defs[i].name);
        if (v && !json_is_null(v) && apply_flag(out, &flag_defs[i], v, err) < 0)
            return -1;
    }
    if (cross_checks(out, err) < 0)
        return -1;
    *ret = SK_STEAL(out);
    return 0;
}
