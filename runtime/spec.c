/* config.json -> struct rt_spec, validated as far as it can be without
 * touching the system: wrong types, relative paths, unknown namespaces,
 * rlimits, capabilities, sysctls outside a namespace of the container's own,
 * id maps without a user namespace... are errors at create time, each naming
 * the field. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/util.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

const struct rt_ns_info rt_ns_table[RT_NS_COUNT] = {
    [RT_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [RT_NS_MNT] = {"mount", "mnt", CLONE_NEWNS},
    [RT_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [RT_NS_NET] = {"network", "net", CLONE_NEWNET},
    [RT_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [RT_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [RT_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
};

const char *const rt_hook_names[RT_HOOK_COUNT] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

static const struct {
    const char *name;
    int resource;
} rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

/* Sysctls that belong to a namespace (the only ones a container may set). */
static const struct {
    const char *name; /* exact, or a prefix ending in '.' */
    enum rt_ns_kind ns;
} sysctl_namespaces[] = {
    {"kernel.msgmax", RT_NS_IPC},   {"kernel.msgmnb", RT_NS_IPC},
    {"kernel.msgmni", RT_NS_IPC},   {"kernel.sem", RT_NS_IPC},
    {"kernel.shmall", RT_NS_IPC},   {"kernel.shmmax", RT_NS_IPC},
    {"kernel.shmmni", RT_NS_IPC},   {"kernel.shm_rmid_forced", RT_NS_IPC},
    {"fs.mqueue.", RT_NS_IPC},      {"net.", RT_NS_NET},
    {"kernel.hostname", RT_NS_UTS}, {"kernel.domainname", RT_NS_UTS},
};

void rt_warnf(char ***v, const char *fmt, ...)
{
    if (!v)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    sk_strv_push(v, s);
    free(s);
}

/* ---- typed JSON access: a wrong type is an error naming the field -------- */

static int want_type(const json_t *v, json_type t, const char *field, const char *tname,
                     struct sk_error *err)
{
    if (json_typeof(v) != t && !(t == JSON_INTEGER && json_is_integer(v)))
        return sk_error_set(err, EINVAL, "%s: want %s", field, tname);
    return 0;
}

static int get_str(const json_t *obj, const char *key, const char *field, const char **ret,
                   struct sk_error *err)
{
    json_t *v = json_object_get(obj, key);
    *ret = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (want_type(v, JSON_STRING, field, "a string", err) < 0)
        return -1;
    *ret = json_string_value(v);
    return 0;
}

static int get_bool(const json_t *obj, const char *key, const char *field, bool *ret,
                    struct sk_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return sk_error_set(err, EINVAL, "%s: want true or false", field);
    *ret = json_is_true(v);
    return 0;
}

static int get_i64(const json_t *obj, const char *key, const char *field, struct rt_i64 *ret,
                   struct sk_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return sk_error_set(err, EINVAL, "%s: want an integer", field);
    ret->set = true;
    ret->v = json_integer_value(v);
    return 0;
}

/* uid/gid/size style fields: 0 .. UINT32_MAX. */
static int get_u32(const json_t *obj, const char *key, const char *field, bool required,
                   uint32_t *ret, struct sk_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return required ? sk_error_set(err, EINVAL, "%s: missing", field) : 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > (json_int_t)UINT32_MAX)
        return sk_error_set(err, EINVAL, "%s: want an integer from 0 to %u", field, UINT32_MAX);
    *ret = (uint32_t)json_integer_value(v);
    return 0;
}

/* An array of strings as a NULL-terminated vector of borrowed pointers. */
static int get_strv(const json_t *obj, const char *key, const char *field, const char ***ret,
                    struct sk_error *err)
{
    json_t *v = json_object_get(obj, key);
    *ret = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return sk_error_set(err, EINVAL, "%s: want an array of strings", field);
    const char **out = sk_calloc(json_array_size(v) + 1, sizeof(char *));
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e)) {
            free(out);
            return sk_error_set(err, EINVAL, "%s[%zu]: want a string", field, i);
        }
        out[i] = json_string_value(e);
    }
    *ret = out;
    return 0;
}

static int get_object(const json_t *obj, const char *key, const char *field, const json_t **ret,
                      struct sk_error *err)
{
    json_t *v = json_object_get(obj, key);
    *ret = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return sk_error_set(err, EINVAL, "%s: want an object", field);
    *ret = v;
    return 0;
}

static int get_array(const json_t *obj, const char *key, const char *field, const json_t **ret,
                     struct sk_error *err)
{
    json_t *v = json_object_get(obj, key);
    *ret = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v))
        return sk_error_set(err, EINVAL, "%s: want an array", field);
    *ret = v;
    return 0;
}

/* ---- process ------------------------------------------------------------- */

static int parse_rlimits(const json_t *arr, struct rt_process *p, struct sk_error *err)
{
    size_t i;
    json_t *e;
    p->rlimits = sk_calloc(json_array_size(arr) + 1, sizeof(*p->rlimits));
    json_array_foreach(arr, i, e)
    {
        char field[64];
        snprintf(field, sizeof(field), "process.rlimits[%zu]", i);
        if (!json_is_object(e))
            return sk_error_set(err, EINVAL, "%s: want an object", field);
        const char *type = sk_json_str(e, "type");
        if (!type)
            return sk_error_set(err, EINVAL, "%s.type: missing", field);
        struct rt_rlimit *r = &p->rlimits[p->nrlimits];
        r->resource = -1;
        for (size_t k = 0; k < SK_ARRAY_SIZE(rlimit_names); k++)
            if (strcmp(rlimit_names[k].name, type) == 0)
                r->resource = rlimit_names[k].resource;
        if (r->resource < 0)
            return sk_error_set(err, EINVAL, "%s.type: unknown rlimit \"%s\"", field, type);
        for (size_t k = 0; k < p->nrlimits; k++)
            if (p->rlimits[k].resource == r->resource)
                return sk_error_set(err, EINVAL, "%s: %s given twice", field, type);
        json_t *soft = json_object_get(e, "soft"), *hard = json_object_get(e, "hard");
        if (!json_is_integer(soft) || !json_is_integer(hard))
            return sk_error_set(err, EINVAL, "%s: soft and hard must be integers", field);
        /* -1 and values past INT64_MAX (JSON writers print RLIM_INFINITY as
         * 18446744073709551615, which jansson cannot hold) mean unlimited. */
        r->soft = json_integer_value(soft) < 0 ? RLIM_INFINITY : (uint64_t)json_integer_value(soft);
        r->hard = json_integer_value(hard) < 0 ? RLIM_INFINITY : (uint64_t)json_integer_value(hard);
        if (r->soft > r->hard)
            return sk_error_set(err, EINVAL, "%s: %s soft limit %llu is above the hard limit %llu",
                                field, type, (unsigned long long)r->soft,
                                (unsigned long long)r->hard);
        r->type = type;
        p->nrlimits++;
    }
    return 0;
}

static int parse_caps(const json_t *obj, struct rt_process *p, char ***warnings,
                      struct sk_error *err)
{
    static const struct {
        const char *key;
        size_t off;
    } sets[] = {
        {"bounding", offsetof(struct rt_caps, bounding)},
        {"effective", offsetof(struct rt_caps, effective)},
        {"permitted", offsetof(struct rt_caps, permitted)},
        {"inheritable", offsetof(struct rt_caps, inheritable)},
        {"ambient", offsetof(struct rt_caps, ambient)},
    };
    p->has_caps = true;
    for (size_t i = 0; i < SK_ARRAY_SIZE(sets); i++) {
        const json_t *arr;
        char field[64];
        snprintf(field, sizeof(field), "process.capabilities.%s", sets[i].key);
        if (get_array(obj, sets[i].key, field, &arr, err) < 0)
            return -1;
        uint64_t *set = (uint64_t *)((char *)&p->caps + sets[i].off);
        if (arr && rt_caps_parse_set(arr, field, set, warnings, err) < 0)
            return -1;
    }
    /* The kernel keeps an ambient capability only while it is permitted and
     * inheritable; like runc, ask for no more than that (runc-made configs
     * list ambient capabilities that are not inheritable). */
    p->caps.ambient &= p->caps.permitted & p->caps.inheritable;
    return 0;
}

bool rt_spec_keep_groups(const struct rt_spec *s)
{
    const char *v = sk_json_str(s->annotations, RUNTIME_ANNOTATION_KEEP_GROUPS);
    return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

int rt_process_parse(const json_t *j, struct rt_process *p, char ***warnings, struct sk_error *err)
{
    memset(p, 0, sizeof(*p));
    if (!json_is_object(j))
        return sk_error_set(err, EINVAL, "process: want an object");
    if (get_bool(j, "terminal", "process.terminal", &p->terminal, err) < 0)
        return -1;
    const json_t *user, *arr, *caps;
    if (get_object(j, "user", "process.user", &user, err) < 0)
        return -1;
    if (user) {
        uint32_t uid = 0, gid = 0, umask_v = 0;
        if (get_u32(user, "uid", "process.user.uid", false, &uid, err) < 0 ||
            get_u32(user, "gid", "process.user.gid", false, &gid, err) < 0)
            return -1;
        p->uid = uid;
        p->gid = gid;
        if (json_object_get(user, "umask") && !json_is_null(json_object_get(user, "umask"))) {
            if (get_u32(user, "umask", "process.user.umask", false, &umask_v, err) < 0)
                return -1;
            if (umask_v > 0777)
                return sk_error_set(err, EINVAL, "process.user.umask: %o is not a file mode",
                                    umask_v);
            p->has_umask = true;
            p->umask = umask_v;
        }
        if (get_array(user, "additionalGids", "process.user.additionalGids", &arr, err) < 0)
            return -1;
        if (arr) {
            p->groups = sk_calloc(json_array_size(arr) + 1, sizeof(gid_t));
            size_t i;
            json_t *e;
            json_array_foreach(arr, i, e)
            {
                if (!json_is_integer(e) || json_integer_value(e) < 0 ||
                    json_integer_value(e) > (json_int_t)UINT32_MAX)
                    return sk_error_set(err, EINVAL, "process.user.additionalGids[%zu]: want a gid",
                                        i);
                p->groups[p->ngroups++] = (gid_t)json_integer_value(e);
            }
        }
    }
    if (get_strv(j, "args", "process.args", &p->args, err) < 0 ||
        get_strv(j, "env", "process.env", &p->env, err) < 0 ||
        get_str(j, "cwd", "process.cwd", &p->cwd, err) < 0)
        return -1;
    if (!p->args || !p->args[0])
        return sk_error_set(err, EINVAL, "process.args: must not be empty");
    if (!p->cwd || !p->cwd[0])
        return sk_error_set(err, EINVAL, "process.cwd: missing");
    if (p->cwd[0] != '/')
        return sk_error_set(err, EINVAL, "process.cwd: \"%s\" is not an absolute path", p->cwd);
    for (size_t i = 0; p->env && p->env[i]; i++)
        if (!strchr(p->env[i], '='))
            return sk_error_set(err, EINVAL, "process.env[%zu]: \"%s\" is not KEY=VALUE", i,
                                p->env[i]);
    if (get_object(j, "capabilities", "process.capabilities", &caps, err) < 0)
        return -1;
    if (caps && parse_caps(caps, p, warnings, err) < 0)
        return -1;
    if (get_array(j, "rlimits", "process.rlimits", &arr, err) < 0)
        return -1;
    if (arr && parse_rlimits(arr, p, err) < 0)
        return -1;
    if (get_bool(j, "noNewPrivileges", "process.noNewPrivileges", &p->no_new_privileges, err) < 0)
        return -1;
    struct rt_i64 oom = {0};
    if (get_i64(j, "oomScoreAdj", "process.oomScoreAdj", &oom, err) < 0)
        return -1;
    if (oom.set && (oom.v < -1000 || oom.v > 1000))
        return sk_error_set(err, EINVAL, "process.oomScoreAdj: %lld is outside -1000..1000",
                            (long long)oom.v);
    p->has_oom_score_adj = oom.set;
    p->oom_score_adj = (int)oom.v;
    if (get_str(j, "apparmorProfile", "process.apparmorProfile", &p->apparmor, err) < 0 ||
        get_str(j, "selinuxLabel", "process.selinuxLabel", &p->selinux, err) < 0)
        return -1;
    static const char *const unsupported[] = {"ioPriority", "scheduler", "execCPUAffinity"};
    for (size_t i = 0; i < SK_ARRAY_SIZE(unsupported); i++)
        if (json_object_get(j, unsupported[i]))
            rt_warnf(warnings, "process.%s is not supported yet: ignored", unsupported[i]);
    return 0;
}

void rt_process_free(struct rt_process *p)
{
    if (!p)
        return;
    free(p->groups);
    free(p->args);
    free(p->env);
    free(p->rlimits);
    memset(p, 0, sizeof(*p));
}

/* ---- mounts ---------------------------------------------------------------- */

static const struct {
    const char *name;
    bool clear;
    unsigned long flag;
} mount_flags[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},
    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},
    {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},
    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"atime", true, MS_NOATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"diratime", true, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"silent", false, MS_SILENT},
    {"loud", true, MS_SILENT},
    {"iversion", false, MS_I_VERSION},
    {"noiversion", true, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"nolazytime", true, MS_LAZYTIME},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
};

static const struct {
    const char *name;
    unsigned long flag;
} propagation_flags[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* Recursive attributes (mount_setattr with AT_RECURSIVE). The values are
 * MOUNT_ATTR_RDONLY, _NOSUID, _NODEV, _NOEXEC from linux/mount.h. */
static const struct {
    const char *name;
    uint64_t attr;
} recursive_attrs[] = {
    {"rro", 0x1},
    {"rnosuid", 0x2},
    {"rnodev", 0x4},
    {"rnoexec", 0x8},
};

static int propagation_from_name(const char *name, unsigned long *ret)
{
    for (size_t i = 0; i < SK_ARRAY_SIZE(propagation_flags); i++)
        if (strcmp(propagation_flags[i].name, name) == 0) {
            *ret = propagation_flags[i].flag;
            return 0;
        }
    return -1;
}

int rt_mount_parse_options(const json_t *options, struct rt_mount *m, struct sk_error *err)
{
    size_t i;
    json_t *e;
    char *data = NULL;
    size_t dlen = 0;
    json_array_foreach(options, i, e)
    {
        if (!json_is_string(e)) {
            free(data);
            return sk_error_set(err, EINVAL, "options[%zu]: want a string", i);
        }
        const char *o = json_string_value(e);
        bool known = false;
        for (size_t k = 0; k < SK_ARRAY_SIZE(mount_flags) && !known; k++)
            if (strcmp(mount_flags[k].name, o) == 0) {
                known = true;
                if (mount_flags[k].clear)
                    m->flags &= ~mount_flags[k].flag;
                else
                    m->flags |= mount_flags[k].flag;
            }
        unsigned long prop;
        if (!known && propagation_from_name(o, &prop) == 0) {
            known = true;
            m->propagation = prop;
        }
        for (size_t k = 0; k < SK_ARRAY_SIZE(recursive_attrs) && !known; k++)
            if (strcmp(recursive_attrs[k].name, o) == 0) {
                known = true;
                m->rec_attr_set |= recursive_attrs[k].attr;
            }
        if (known)
            continue;
        if (strcmp(o, "tmpcopyup") == 0 || strcmp(o, "notmpcopyup") == 0) {
            m->tmpcopyup = o[0] == 't';
            continue;
        }
        if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0 || strcmp(o, "copy-symlink") == 0 ||
            strcmp(o, "rrw") == 0) {
            free(data);
            return sk_error_set(err, ENOTSUP, "option \"%s\" is not supported yet", o);
        }
        size_t n = strlen(o);
        data = sk_realloc(data, dlen + n + 2);
        if (dlen)
            data[dlen++] = ',';
        memcpy(data + dlen, o, n + 1);
        dlen += n;
    }
    if (m->flags & MS_BIND)
        m->bind = true;
    free(m->data);
    m->data = data;
    return 0;
}

static int parse_mounts(struct rt_spec *s, const json_t *arr, struct sk_error *err)
{
    size_t i;
    json_t *e;
    s->mounts = sk_calloc(json_array_size(arr) + 1, sizeof(*s->mounts));
    json_array_foreach(arr, i, e)
    {
        char field[48];
        snprintf(field, sizeof(field), "mounts[%zu]", i);
        if (!json_is_object(e))
            return sk_error_set(err, EINVAL, "%s: want an object", field);
        struct rt_mount *m = &s->mounts[s->nmounts++];
        const char *source;
        const json_t *options;
        if (get_str(e, "destination", field, &m->destination, err) < 0 ||
            get_str(e, "type", field, &m->type, err) < 0 ||
            get_str(e, "source", field, &source, err) < 0 ||
            get_array(e, "options", field, &options, err) < 0)
            return -1;
        if (!m->destination || m->destination[0] != '/')
            return sk_error_set(err, EINVAL, "%s.destination: \"%s\" is not an absolute path",
                                field, m->destination ? m->destination : "");
        if (m->type && !m->type[0])
            m->type = NULL;
        if (options && rt_mount_parse_options(options, m, err) < 0)
            return sk_error_prefix(err, "%s (%s)", field, m->destination);
        if (m->type && strcmp(m->type, "bind") == 0) {
            m->bind = true;
            m->flags |= MS_BIND;
        }
        if (m->tmpcopyup && (m->bind || !m->type || strcmp(m->type, "tmpfs") != 0)) {
            rt_warnf(&s->warnings, "%s (%s): tmpcopyup applies to tmpfs mounts only: ignored",
                     field, m->destination);
            m->tmpcopyup = false;
        }
        if (m->bind) {
            if (!source || !source[0])
                return sk_error_set(err, EINVAL, "%s (%s): a bind mount needs a source", field,
                                    m->destination);
            m->source =
                source[0] == '/' ? sk_strdup(source) : sk_asprintf("%s/%s", s->bundle, source);
        } else {
            if (!m->type)
                return sk_error_set(err, EINVAL, "%s (%s): type missing (and not a bind mount)",
                                    field, m->destination);
            m->source = sk_strdup(source && source[0] ? source : m->type);
        }
    }
    return 0;
}

/* ---- linux ------------------------------------------------------------------ */

static int parse_namespaces(struct rt_spec *s, const json_t *arr, struct sk_error *err)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        char field[48];
        snprintf(field, sizeof(field), "linux.namespaces[%zu]", i);
        if (!json_is_object(e))
            return sk_error_set(err, EINVAL, "%s: want an object", field);
        const char *type, *path;
        if (get_str(e, "type", field, &type, err) < 0 || get_str(e, "path", field, &path, err) < 0)
            return -1;
        int k = type ? rt_ns_from_oci_name(type) : -1;
        if (k < 0)
            return sk_error_set(err, EINVAL, "%s.type: unknown namespace \"%s\"", field,
                                type ? type : "");
        if (s->ns[k].enabled)
            return sk_error_set(err, EINVAL, "%s: namespace \"%s\" given twice", field, type);
        if (path && path[0] != '/')
            return sk_error_set(err, EINVAL, "%s.path: \"%s\" is not an absolute path", field,
                                path);
        s->ns[k].enabled = true;
        s->ns[k].path = path && path[0] ? path : NULL;
    }
    return 0;
}

static int parse_idmaps(const json_t *arr, const char *what, struct rt_idmap **ret, size_t *ret_n,
                        struct sk_error *err)
{
    size_t i;
    json_t *e;
    *ret = sk_calloc(json_array_size(arr) + 1, sizeof(**ret));
    json_array_foreach(arr, i, e)
    {
        char field[48];
        snprintf(field, sizeof(field), "linux.%s[%zu]", what, i);
        struct rt_idmap *m = &(*ret)[i];
        if (!json_is_object(e))
            return sk_error_set(err, EINVAL, "%s: want an object", field);
        if (get_u32(e, "containerID", field, true, &m->container_id, err) < 0 ||
            get_u32(e, "hostID", field, true, &m->host_id, err) < 0 ||
            get_u32(e, "size", field, true, &m->size, err) < 0)
            return -1;
        if (m->size == 0)
            return sk_error_set(err, EINVAL, "%s.size: must not be 0", field);
    }
    *ret_n = json_array_size(arr);
    return 0;
}

static int parse_devices(struct rt_spec *s, const json_t *arr, struct sk_error *err)
{
    size_t i;
    json_t *e;
    s->devices = sk_calloc(json_array_size(arr) + 1, sizeof(*s->devices));
    json_array_foreach(arr, i, e)
    {
        char field[48];
        snprintf(field, sizeof(field), "linux.devices[%zu]", i);
        if (!json_is_object(e))
            return sk_error_set(err, EINVAL, "%s: want an object", field);
        struct rt_device *d = &s->devices[s->ndevices++];
        const char *type;
        if (get_str(e, "path", field, &d->path, err) < 0 ||
            get_str(e, "type", field, &type, err) < 0)
            return -1;
        if (!d->path || d->path[0] != '/')
            return sk_error_set(err, EINVAL, "%s.path: want an absolute path", field);
        if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
            return sk_error_set(err, EINVAL, "%s.type: want c, b, u or p", field);
        d->type = type[0];
        struct rt_i64 major = {0}, minor = {0};
        uint32_t mode = 0666, uid = 0, gid = 0;
        if (get_i64(e, "major", field, &major, err) < 0 ||
            get_i64(e, "minor", field, &minor, err) < 0 ||
            get_u32(e, "fileMode", field, false, &mode, err) < 0 ||
            get_u32(e, "uid", field, false, &uid, err) < 0 ||
            get_u32(e, "gid", field, false, &gid, err) < 0)
            return -1;
        if (d->type != 'p' && (!major.set || !minor.set))
            return sk_error_set(err, EINVAL, "%s (%s): major and minor are required", field,
                                d->path);
        d->major = major.v;
        d->minor = minor.v;
        d->file_mode = mode & 07777;
        d->uid = uid;
        d->gid = gid;
    }
    return 0;
}

static int parse_device_rules(struct rt_resources *r, const json_t *arr, struct sk_error *err)
{
    size_t i;
    json_t *e;
    r->devices = sk_calloc(json_array_size(arr) + 1, sizeof(*r->devices));
    json_array_foreach(arr, i, e)
    {
        char field[64];
        snprintf(field, sizeof(field), "linux.resources.devices[%zu]", i);
        if (!json_is_object(e))
            return sk_error_set(err, EINVAL, "%s: want an object", field);
        struct rt_device_rule *d = &r->devices[r->ndevices++];
        const char *type, *access;
        struct rt_i64 major = {0}, minor = {0};
        if (get_bool(e, "allow", field, &d->allow, err) < 0 ||
            get_str(e, "type", field, &type, err) < 0 ||
            get_str(e, "access", field, &access, err) < 0 ||
            get_i64(e, "major", field, &major, err) < 0 ||
            get_i64(e, "minor", field, &minor, err) < 0)
            return -1;
        if (!json_is_boolean(json_object_get(e, "allow")))
            return sk_error_set(err, EINVAL, "%s.allow: missing", field);
        d->type = type && type[0] ? type[0] : 'a';
        if (!strchr("acb", d->type) || (type && strlen(type) > 1))
            return sk_error_set(err, EINVAL, "%s.type: want a, c or b", field);
        d->major = major.set ? major.v : -1;
        d->minor = minor.set ? minor.v : -1;
        if (!access || !access[0])
            access = "rwm";
        if (strlen(access) > 3 || strspn(access, "rwm") != strlen(access))
            return sk_error_set(err, EINVAL, "%s.access: \"%s\" is not a subset of rwm", field,
                                access);
        snprintf(d->access, sizeof(d->access), "%s", access);
    }
    return 0;
}

/* "<n>KB", "<n>MB", ...: the unit the kernel uses in hugetlb.<size>.* files. */
static bool valid_page_size(const char *size)
{
    size_t digits = strspn(size, "0123456789");
    static const char *const units[] = {"KB", "MB", "GB", "TB", "PB"};
    if (digits == 0 || size[0] == '0')
        return false;
    for (size_t i = 0; i < SK_ARRAY_SIZE(units); i++)
        if (strcmp(size + digits, units[i]) == 0)
            return true;
    return false;
}

static int parse_hugepage_limits(struct rt_resources *r, const json_t *arr, struct sk_error *err)
{
    size_t i;
    json_t *e;
    r->hugepages = sk_calloc(json_array_size(arr) + 1, sizeof(*r->hugepages));
    json_array_foreach(arr, i, e)
    {
        char field[64];
        snprintf(field, sizeof(field), "linux.resources.hugepageLimits[%zu]", i);
        if (!json_is_object(e))
            return sk_error_set(err, EINVAL, "%s: want an object", field);
        struct rt_hugepage_limit *h = &r->hugepages[r->nhugepages++];
        struct rt_i64 limit = {0};
        if (get_str(e, "pageSize", field, &h->page_size, err) < 0 ||
            get_i64(e, "limit", field, &limit, err) < 0)
            return -1;
        if (!h->page_size || !valid_page_size(h->page_size))
            return sk_error_set(err, EINVAL, "%s.pageSize: want a size like 2MB or 1GB, not \"%s\"",
                                field, h->page_size ? h->page_size : "");
        if (!limit.set || limit.v < 0)
            return sk_error_set(err, EINVAL, "%s.limit: want a number of bytes", field);
        h->limit = (uint64_t)limit.v;
    }
    return 0;
}

static int parse_resources(struct rt_spec *s, const json_t *res, struct sk_error *err)
{
    struct rt_resources *r = &s->resources;
    const json_t *mem, *cpu, *pids, *devs, *huge;
    if (get_object(res, "memory", "linux.resources.memory", &mem, err) < 0 ||
        get_object(res, "cpu", "linux.resources.cpu", &cpu, err) < 0 ||
        get_object(res, "pids", "linux.resources.pids", &pids, err) < 0 ||
        get_array(res, "devices", "linux.resources.devices", &devs, err) < 0 ||
        get_array(res, "hugepageLimits", "linux.resources.hugepageLimits", &huge, err) < 0)
        return -1;
    if (mem) {
        if (get_i64(mem, "limit", "linux.resources.memory.limit", &r->memory_limit, err) < 0 ||
            get_i64(mem, "swap", "linux.resources.memory.swap", &r->memory_swap, err) < 0 ||
            get_i64(mem, "reservation", "linux.resources.memory.reservation",
                    &r->memory_reservation, err) < 0 ||
            get_i64(mem, "swappiness", "linux.resources.memory.swappiness", &r->memory_swappiness,
                    err) < 0 ||
            get_bool(mem, "disableOOMKiller", "linux.resources.memory.disableOOMKiller",
                     &r->disable_oom_killer, err) < 0)
            return -1;
        if (r->memory_limit.set && r->memory_swap.set && r->memory_limit.v > 0 &&
            r->memory_swap.v > 0 && r->memory_swap.v < r->memory_limit.v)
            return sk_error_set(err, EINVAL,
                                "linux.resources.memory: swap (%lld, memory + swap) is below "
                                "limit (%lld)",
                                (long long)r->memory_swap.v, (long long)r->memory_limit.v);
        if (json_object_get(mem, "kernel") || json_object_get(mem, "kernelTCP"))
            rt_warnf(&s->warnings, "linux.resources.memory.kernel is deprecated: ignored");
    }
    if (cpu) {
        if (get_i64(cpu, "shares", "linux.resources.cpu.shares", &r->cpu_shares, err) < 0 ||
            get_i64(cpu, "quota", "linux.resources.cpu.quota", &r->cpu_quota, err) < 0 ||
            get_i64(cpu, "period", "linux.resources.cpu.period", &r->cpu_period, err) < 0 ||
            get_i64(cpu, "realtimeRuntime", "linux.resources.cpu.realtimeRuntime",
                    &r->cpu_rt_runtime, err) < 0 ||
            get_i64(cpu, "realtimePeriod", "linux.resources.cpu.realtimePeriod", &r->cpu_rt_period,
                    err) < 0 ||
            get_str(cpu, "cpus", "linux.resources.cpu.cpus", &r->cpuset_cpus, err) < 0 ||
            get_str(cpu, "mems", "linux.resources.cpu.mems", &r->cpuset_mems, err) < 0)
            return -1;
        if (r->cpuset_cpus && !r->cpuset_cpus[0])
            r->cpuset_cpus = NULL;
        if (r->cpuset_mems && !r->cpuset_mems[0])
            r->cpuset_mems = NULL;
    }
    if (pids && get_i64(pids, "limit", "linux.resources.pids.limit", &r->pids_limit, err) < 0)
        return -1;
    if (devs && parse_device_rules(r, devs, err) < 0)
        return -1;
    if (huge && parse_hugepage_limits(r, huge, err) < 0)
        return -1;
    static const char *const unsupported[] = {"blockIO", "network", "rdma", "unified"};
    for (size_t i = 0; i < SK_ARRAY_SIZE(unsupported); i++)
        if (json_object_get(res, unsupported[i]))
            rt_warnf(&s->warnings, "linux.resources.%s is not supported yet: ignored",
                     unsupported[i]);
    return 0;
}

static int parse_sysctls(struct rt_spec *s, const json_t *obj, struct sk_error *err)
{
    const char *key;
    json_t *v;
    s->sysctls = sk_calloc(json_object_size(obj) + 1, sizeof(*s->sysctls));
    json_object_foreach((json_t *)obj, key, v)
    {
        if (!json_is_string(v))
            return sk_error_set(err, EINVAL, "linux.sysctl.%s: want a string", key);
        if (!key[0] ||
            strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") !=
                strlen(key) ||
            strstr(key, ".."))
            return sk_error_set(err, EINVAL, "linux.sysctl: \"%s\" is not a sysctl name", key);
        int ns = -1;
        for (size_t i = 0; i < SK_ARRAY_SIZE(sysctl_namespaces) && ns < 0; i++) {
            const char *n = sysctl_namespaces[i].name;
            size_t len = strlen(n);
            if (n[len - 1] == '.' ? strncmp(key, n, len) == 0 : strcmp(key, n) == 0)
                ns = (int)sysctl_namespaces[i].ns;
        }
        if (ns < 0)
            return sk_error_set(
                err, EPERM, "linux.sysctl: %s is not namespaced: a container may not set it", key);
        if (!s->ns[ns].enabled)
            return sk_error_set(err, EPERM,
                                "linux.sysctl: %s needs the container's own %s namespace", key,
                                rt_ns_table[ns].oci_name);
        s->sysctls[s->nsysctls].key = key;
        s->sysctls[s->nsysctls++].value = json_string_value(v);
    }
    return 0;
}

static int parse_linux(struct rt_spec *s, const json_t *l, struct sk_error *err)
{
    const json_t *arr, *obj;
    if (get_array(l, "namespaces", "linux.namespaces", &arr, err) < 0)
        return -1;
    if (arr && parse_namespaces(s, arr, err) < 0)
        return -1;
    if (get_array(l, "uidMappings", "linux.uidMappings", &arr, err) < 0)
        return -1;
    if (arr && parse_idmaps(arr, "uidMappings", &s->uid_maps, &s->n_uid_maps, err) < 0)
        return -1;
    if (get_array(l, "gidMappings", "linux.gidMappings", &arr, err) < 0)
        return -1;
    if (arr && parse_idmaps(arr, "gidMappings", &s->gid_maps, &s->n_gid_maps, err) < 0)
        return -1;
    if (get_array(l, "devices", "linux.devices", &arr, err) < 0)
        return -1;
    if (arr && parse_devices(s, arr, err) < 0)
        return -1;
    if (get_str(l, "cgroupsPath", "linux.cgroupsPath", &s->cgroups_path, err) < 0)
        return -1;
    if (s->cgroups_path && !s->cgroups_path[0])
        s->cgroups_path = NULL;
    if (s->cgroups_path && strstr(s->cgroups_path, ".."))
        return sk_error_set(err, EINVAL, "linux.cgroupsPath: \"%s\" may not contain ..",
                            s->cgroups_path);
    if (get_object(l, "resources", "linux.resources", &obj, err) < 0)
        return -1;
    if (obj && parse_resources(s, obj, err) < 0)
        return -1;
    const char *prop;
    if (get_str(l, "rootfsPropagation", "linux.rootfsPropagation", &prop, err) < 0)
        return -1;
    if (prop && prop[0] && propagation_from_name(prop, &s->rootfs_propagation) < 0)
        return sk_error_set(err, EINVAL, "linux.rootfsPropagation: unknown value \"%s\"", prop);
    if (get_strv(l, "maskedPaths", "linux.maskedPaths", &s->masked_paths, err) < 0 ||
        get_strv(l, "readonlyPaths", "linux.readonlyPaths", &s->readonly_paths, err) < 0)
        return -1;
    for (size_t i = 0; s->masked_paths && s->masked_paths[i]; i++)
        if (s->masked_paths[i][0] != '/')
            return sk_error_set(err, EINVAL, "linux.maskedPaths: \"%s\" is not absolute",
                                s->masked_paths[i]);
    for (size_t i = 0; s->readonly_paths && s->readonly_paths[i]; i++)
        if (s->readonly_paths[i][0] != '/')
            return sk_error_set(err, EINVAL, "linux.readonlyPaths: \"%s\" is not absolute",
                                s->readonly_paths[i]);
    if (get_object(l, "sysctl", "linux.sysctl", &obj, err) < 0)
        return -1;
    if (obj && parse_sysctls(s, obj, err) < 0)
        return -1;
    if (get_object(l, "seccomp", "linux.seccomp", &obj, err) < 0)
        return -1;
    if (obj && rt_seccomp_parse(obj, &s->seccomp, &s->warnings, err) < 0)
        return sk_error_prefix(err, "linux.seccomp");
    const char *label;
    if (get_str(l, "mountLabel", "linux.mountLabel", &label, err) < 0)
        return -1;
    if (label && label[0])
        rt_warnf(&s->warnings, "linux.mountLabel: SELinux is not supported: ignored");
    static const char *const unsupported[] = {"intelRdt", "personality", "timeOffsets"};
    for (size_t i = 0; i < SK_ARRAY_SIZE(unsupported); i++)
        if (json_object_get(l, unsupported[i]))
            rt_warnf(&s->warnings, "linux.%s is not supported yet: ignored", unsupported[i]);
    return 0;
}

static int parse_hooks(struct rt_spec *s, const json_t *obj, struct sk_error *err)
{
    for (int k = 0; k < RT_HOOK_COUNT; k++) {
        const json_t *arr;
        char field[48];
        snprintf(field, sizeof(field), "hooks.%s", rt_hook_names[k]);
        if (get_array(obj, rt_hook_names[k], field, &arr, err) < 0)
            return -1;
        if (!arr)
            continue;
        struct rt_hooks *h = &s->hooks[k];
        h->list = sk_calloc(json_array_size(arr) + 1, sizeof(*h->list));
        size_t i;
        json_t *e;
        json_array_foreach(arr, i, e)
        {
            snprintf(field, sizeof(field), "hooks.%s[%zu]", rt_hook_names[k], i);
            if (!json_is_object(e))
                return sk_error_set(err, EINVAL, "%s: want an object", field);
            struct rt_hook *hk = &h->list[h->n++];
            struct rt_i64 timeout = {0};
            if (get_str(e, "path", field, &hk->path, err) < 0 ||
                get_strv(e, "args", field, &hk->args, err) < 0 ||
                get_strv(e, "env", field, &hk->env, err) < 0 ||
                get_i64(e, "timeout", field, &timeout, err) < 0)
                return -1;
            if (!hk->path || hk->path[0] != '/')
                return sk_error_set(err, EINVAL, "%s.path: want an absolute path", field);
            if (timeout.set && (timeout.v <= 0 || timeout.v > INT_MAX))
                return sk_error_set(err, EINVAL, "%s.timeout: must be a positive number of seconds",
                                    field);
            hk->timeout = (int)timeout.v;
        }
    }
    return 0;
}

/* Cross-field rules, and warnings for what this host cannot do. */
static int validate(struct rt_spec *s, struct sk_error *err)
{
    bool userns = s->ns[RT_NS_USER].enabled;
    if ((s->n_uid_maps || s->n_gid_maps) && !userns)
        return sk_error_set(err, EINVAL,
                            "linux.uidMappings/gidMappings need a user namespace in "
                            "linux.namespaces");
    if (userns && !s->ns[RT_NS_USER].path && (!s->n_uid_maps || !s->n_gid_maps))
        return sk_error_set(err, EINVAL,
                            "a new user namespace needs linux.uidMappings and linux.gidMappings");
    if (userns && s->ns[RT_NS_USER].path && (s->n_uid_maps || s->n_gid_maps))
        return sk_error_set(err, EINVAL,
                            "linux.uidMappings/gidMappings cannot apply to a joined user "
                            "namespace (%s)",
                            s->ns[RT_NS_USER].path);
    if (userns && rt_spec_shares_mount_ns(s))
        return sk_error_set(
            err, EINVAL,
            "a user namespace needs a mount namespace of the container's own in "
            "linux.namespaces (the runtime's belongs to the host's user namespace)");
    if (s->hostname && s->hostname[0] && !s->ns[RT_NS_UTS].enabled)
        return sk_error_set(err, EINVAL, "hostname needs the container's own uts namespace");
    if (s->domainname && s->domainname[0] && !s->ns[RT_NS_UTS].enabled)
        return sk_error_set(err, EINVAL, "domainname needs the container's own uts namespace");
    if (s->has_process) {
        struct rt_process *p = &s->process;
        bool apparmor = access("/sys/kernel/security/apparmor", F_OK) == 0;
        bool selinux = access("/sys/fs/selinux/enforce", F_OK) == 0;
        if (p->apparmor && p->apparmor[0]) {
            if (apparmor)
                return sk_error_set(err, ENOTSUP,
                                    "process.apparmorProfile \"%s\": AppArmor profiles are not "
                                    "supported yet",
                                    p->apparmor);
            rt_warnf(&s->warnings,
                     "process.apparmorProfile \"%s\" ignored: AppArmor is not enabled on this host",
                     p->apparmor);
        }
        if (p->selinux && p->selinux[0]) {
            if (selinux)
                return sk_error_set(err, ENOTSUP,
                                    "process.selinuxLabel \"%s\": SELinux labels are not "
                                    "supported yet",
                                    p->selinux);
            rt_warnf(&s->warnings,
                     "process.selinuxLabel \"%s\" ignored: SELinux is not enabled on this host",
                     p->selinux);
        }
        /* What skiff's own bounding set lacks, no container can get. */
        uint64_t own = rt_caps_own_bounding();
        uint64_t all = p->caps.bounding | p->caps.effective | p->caps.permitted |
                       p->caps.inheritable | p->caps.ambient;
        for (int c = 0; c < 64; c++)
            if ((all & ~own) & (1ULL << c))
                rt_warnf(&s->warnings,
                         "capability %s is not in skiff's own bounding set: the container "
                         "cannot have it",
                         rt_cap_name(c));
        p->caps.bounding &= own;
        p->caps.effective &= own;
        p->caps.permitted &= own;
        p->caps.inheritable &= own;
        p->caps.ambient &= own;
    }
    return 0;
}

int rt_spec_parse(json_t *doc, const char *bundle, struct rt_spec **ret, struct sk_error *err)
{
    struct rt_spec *s = sk_calloc(1, sizeof(*s));
    s->doc = json_incref(doc);
    s->bundle = sk_strdup(bundle);
    int r = -1;
    if (!json_is_object(doc)) {
        sk_error_set(err, EINVAL, "config.json: want an object");
        goto out;
    }
    const char *version, *root_path;
    const json_t *root, *proc, *arr, *l, *hooks;
    if (get_str(doc, "ociVersion", "ociVersion", &version, err) < 0)
        goto out;
    if (!version || strncmp(version, "1.", 2) != 0) {
        sk_error_set(err, EINVAL, "ociVersion: \"%s\" is not a 1.x version",
                     version ? version : "");
        goto out;
    }
    if (get_object(doc, "root", "root", &root, err) < 0)
        goto out;
    if (!root) {
        sk_error_set(err, EINVAL, "root.path: missing");
        goto out;
    }
    if (get_str(root, "path", "root.path", &root_path, err) < 0)
        goto out;
    if (!root_path || !root_path[0]) {
        sk_error_set(err, EINVAL, "root.path: missing");
        goto out;
    }
    if (get_bool(root, "readonly", "root.readonly", &s->root_readonly, err) < 0)
        goto out;
    s->rootfs =
        root_path[0] == '/' ? sk_strdup(root_path) : sk_asprintf("%s/%s", bundle, root_path);
    /* Whether it exists is create's business (rt_spec_check_rootfs): exec
     * and delete read a saved config whose bundle may be gone. */
    char *real = realpath(s->rootfs, NULL);
    if (real) {
        free(s->rootfs);
        s->rootfs = real;
    }
    if (get_str(doc, "hostname", "hostname", &s->hostname, err) < 0 ||
        get_str(doc, "domainname", "domainname", &s->domainname, err) < 0 ||
        get_object(doc, "process", "process", &proc, err) < 0 ||
        get_array(doc, "mounts", "mounts", &arr, err) < 0 ||
        get_object(doc, "linux", "linux", &l, err) < 0 ||
        get_object(doc, "hooks", "hooks", &hooks, err) < 0 ||
        get_object(doc, "annotations", "annotations", (const json_t **)&s->annotations, err) < 0)
        goto out;
    if (proc) {
        s->has_process = true;
        if (rt_process_parse(proc, &s->process, &s->warnings, err) < 0)
            goto out;
        s->process.keep_groups = rt_spec_keep_groups(s);
    }
    if (arr && parse_mounts(s, arr, err) < 0)
        goto out;
    if (l && parse_linux(s, l, err) < 0)
        goto out;
    if (hooks && parse_hooks(s, hooks, err) < 0)
        goto out;
    if (validate(s, err) < 0)
        goto out;
    r = 0;
out:
    if (r < 0) {
        rt_spec_free(s);
        return -1;
    }
    *ret = s;
    return 0;
}

int rt_spec_check_rootfs(const struct rt_spec *s, struct sk_error *err)
{
    struct stat st;
    if (stat(s->rootfs, &st) < 0)
        return sk_error_errno(err, errno, "root.path %s", s->rootfs);
    if (!S_ISDIR(st.st_mode))
        return sk_error_set(err, ENOTDIR, "root.path %s: not a directory", s->rootfs);
    return 0;
}

int rt_spec_load(const char *bundle, struct rt_spec **ret, struct sk_error *err)
{
    _cleanup_free_ char *path = sk_asprintf("%s/config.json", bundle);
    _cleanup_json_ json_t *doc = sk_json_load_file(path, err);
    if (!doc)
        return -1;
    if (rt_spec_parse(doc, bundle, ret, err) < 0)
        return sk_error_prefix(err, "%s", path);
    return 0;
}

void rt_spec_free(struct rt_spec *s)
{
    if (!s)
        return;
    rt_process_free(&s->process);
    for (size_t i = 0; i < s->nmounts; i++) {
        free(s->mounts[i].source);
        free(s->mounts[i].data);
    }
    free(s->mounts);
    for (int k = 0; k < RT_HOOK_COUNT; k++) {
        for (size_t i = 0; i < s->hooks[k].n; i++) {
            free(s->hooks[k].list[i].args);
            free(s->hooks[k].list[i].env);
        }
        free(s->hooks[k].list);
    }
    free(s->uid_maps);
    free(s->gid_maps);
    free(s->devices);
    free(s->resources.devices);
    free(s->resources.hugepages);
    free(s->masked_paths);
    free(s->readonly_paths);
    free(s->sysctls);
    rt_seccomp_free(s->seccomp);
    sk_strv_free(s->warnings);
    free(s->bundle);
    free(s->rootfs);
    json_decref(s->doc);
    free(s);
}
