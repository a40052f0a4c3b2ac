/* linux.seccomp -> a libseccomp filter. Parsed (and checked) at create time;
 * built in the container before "created"; loaded just before execve.
 * Syscall names this libseccomp does not know are skipped (a profile written
 * for a newer kernel still loads), as runc does. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

struct rt_seccomp_arg {
    unsigned index;
    uint64_t value, value_two;
    enum scmp_compare op;
};

struct rt_seccomp_rule {
    const char **names;
    uint32_t action;
    struct rt_seccomp_arg *args;
    size_t nargs;
};

struct rt_seccomp {
    uint32_t default_action;
    uint32_t *arches;
    size_t narches;
    bool flag_tsync, flag_log, flag_spec_allow;
    struct rt_seccomp_rule *rules;
    size_t nrules;
};

/* errno_ret < 0: not given. */
static int parse_action(const char *name, int64_t errno_ret, const char *what, uint32_t *ret,
                        struct sk_error *err)
{
    int e = errno_ret >= 0 ? (int)errno_ret : EPERM;
    if (strcmp(name, "SCMP_ACT_KILL") == 0 || strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
        *ret = SCMP_ACT_KILL_THREAD;
    else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
        *ret = SCMP_ACT_KILL_PROCESS;
    else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
        *ret = SCMP_ACT_TRAP;
    else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
        *ret = SCMP_ACT_ERRNO((uint16_t)e);
    else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
        *ret = SCMP_ACT_TRACE((uint16_t)e);
    else if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
        *ret = SCMP_ACT_ALLOW;
    else if (strcmp(name, "SCMP_ACT_LOG") == 0)
        *ret = SCMP_ACT_LOG;
    else if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
        return sk_error_set(err, ENOTSUP, "%s: SCMP_ACT_NOTIFY is not supported yet", what);
    else
        return sk_error_set(err, EINVAL, "%s: unknown action \"%s\"", what, name);
    if (errno_ret > 0xffff)
        return sk_error_set(err, EINVAL, "%s: errnoRet %lld is out of range", what,
                            (long long)errno_ret);
    return 0;
}

static int parse_op(const char *name, enum scmp_compare *ret)
{
    static const struct {
        const char *name;
        enum scmp_compare op;
    } ops[] = {
        {"SCMP_CMP_NE", SCMP_CMP_NE},
        {"SCMP_CMP_LT", SCMP_CMP_LT},
        {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ},
        {"SCMP_CMP_GE", SCMP_CMP_GE},
        {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    };
    for (size_t i = 0; i < SK_ARRAY_SIZE(ops); i++)
        if (strcmp(ops[i].name, name) == 0) {
            *ret = ops[i].op;
            return 0;
        }
    return -1;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token. */
static int parse_arch(const char *name, uint32_t *ret)
{
    if (strncmp(name, "SCMP_ARCH_", 10) != 0)
        return -1;
    char lower[32];
    size_t n = strlen(name + 10);
    if (n == 0 || n >= sizeof(lower))
        return -1;
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)tolower((unsigned char)name[10 + i]);
    uint32_t a = seccomp_arch_resolve_name(lower);
    if (a == 0)
        return -1;
    *ret = a;
    return 0;
}

static int parse_args(const json_t *arr, struct rt_seccomp_rule *r, const char *what,
                      struct sk_error *err)
{
    size_t i;
    json_t *e;
    r->args = sk_calloc(json_array_size(arr) + 1, sizeof(*r->args));
    json_array_foreach(arr, i, e)
    {
        struct rt_seccomp_arg *a = &r->args[r->nargs++];
        json_t *index = json_object_get(e, "index"), *value = json_object_get(e, "value"),
               *value2 = json_object_get(e, "valueTwo");
        const char *op = json_string_value(json_object_get(e, "op"));
        if (!json_is_integer(index) || json_integer_value(index) < 0 ||
            json_integer_value(index) > 5)
            return sk_error_set(err, EINVAL, "%s.args[%zu].index: want 0 to 5", what, i);
        if (!json_is_integer(value) || (value2 && !json_is_integer(value2)))
            return sk_error_set(err, EINVAL, "%s.args[%zu]: value and valueTwo must be integers",
                                what, i);
        if (!op || parse_op(op, &a->op) < 0)
            return sk_error_set(err, EINVAL, "%s.args[%zu].op: unknown operator \"%s\"", what, i,
                                op ? op : "");
        a->index = (unsigned)json_integer_value(index);
        a->value = (uint64_t)json_integer_value(value);
        a->value_two = value2 ? (uint64_t)json_integer_value(value2) : 0;
    }
    return 0;
}

int rt_seccomp_parse(const json_t *j, struct rt_seccomp **ret, char ***warnings,
                     struct sk_error *err)
{
    struct rt_seccomp *s = sk_calloc(1, sizeof(*s));
    const char *def = json_string_value(json_object_get(j, "defaultAction"));
    if (!def) {
        rt_seccomp_free(s);
        return sk_error_set(err, EINVAL, "defaultAction: missing");
    }
    json_t *v = json_object_get(j, "defaultErrnoRet");
    if (parse_action(def, json_is_integer(v) ? json_integer_value(v) : -1, "defaultAction",
                     &s->default_action, err) < 0)
        goto fail;
    json_t *arr = json_object_get(j, "architectures");
    size_t i;
    json_t *e;
    if (json_is_array(arr)) {
        s->arches = sk_calloc(json_array_size(arr) + 1, sizeof(uint32_t));
        json_array_foreach(arr, i, e)
        {
            const char *name = json_string_value(e);
            if (!name || parse_arch(name, &s->arches[s->narches]) < 0) {
                sk_error_set(err, EINVAL, "architectures[%zu]: unknown architecture \"%s\"", i,
                             name ? name : "");
                goto fail;
            }
            s->narches++;
        }
    }
    arr = json_object_get(j, "flags");
    if (json_is_array(arr)) {
        json_array_foreach(arr, i, e)
        {
            const char *f = json_string_value(e);
            if (f && strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
                s->flag_tsync = true;
            else if (f && strcmp(f, "SECCOMP_FILTER_FLAG_LOG") == 0)
                s->flag_log = true;
            else if (f && strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
                s->flag_spec_allow = true;
            else {
                sk_error_set(err, EINVAL, "flags[%zu]: unsupported flag \"%s\"", i, f ? f : "");
                goto fail;
            }
        }
    }
    if (json_object_get(j, "listenerPath"))
        rt_warnf(warnings, "linux.seccomp.listenerPath is not supported yet: ignored");
    arr = json_object_get(j, "syscalls");
    if (arr && !json_is_array(arr)) {
        sk_error_set(err, EINVAL, "syscalls: want an array");
        goto fail;
    }
    s->rules = sk_calloc(json_array_size(arr) + 1, sizeof(*s->rules));
    json_array_foreach(arr, i, e)
    {
        char what[40];
        snprintf(what, sizeof(what), "syscalls[%zu]", i);
        struct rt_seccomp_rule *r = &s->rules[s->nrules++];
        json_t *names = json_object_get(e, "names");
        const char *action = json_string_value(json_object_get(e, "action"));
        if (!json_is_array(names) || json_array_size(names) == 0) {
            sk_error_set(err, EINVAL, "%s.names: want a non-empty array", what);
            goto fail;
        }
        r->names = sk_calloc(json_array_size(names) + 1, sizeof(char *));
        size_t k;
        json_t *n;
        json_array_foreach(names, k, n)
        {
            if (!json_is_string(n)) {
                sk_error_set(err, EINVAL, "%s.names[%zu]: want a string", what, k);
                goto fail;
            }
            r->names[k] = json_string_value(n);
        }
        if (!action) {
            sk_error_set(err, EINVAL, "%s.action: missing", what);
            goto fail;
        }
        json_t *er = json_object_get(e, "errnoRet");
        if (parse_action(action, json_is_integer(er) ? json_integer_value(er) : -1, what,
                         &r->action, err) < 0)
            goto fail;
        json_t *args = json_object_get(e, "args");
        if (json_is_array(args) && parse_args(args, r, what, err) < 0)
            goto fail;
    }
    *ret = s;
    return 0;
fail:
    rt_seccomp_free(s);
    return -1;
}

void rt_seccomp_free(struct rt_seccomp *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nrules; i++) {
        free(s->rules[i].names);
        free(s->rules[i].args);
    }
    free(s->rules);
    free(s->arches);
    free(s);
}

static int add_rule(scmp_filter_ctx ctx, const struct rt_seccomp_rule *r, int nr, const char *name,
                    struct sk_error *err)
{
    struct scmp_arg_cmp cmps[6];
    bool distinct = r->nargs <= 6;
    for (size_t i = 0; i < r->nargs && distinct; i++)
        for (size_t k = 0; k < i; k++)
            if (r->args[k].index == r->args[i].index)
                distinct = false;
    int rc;
    if (r->nargs == 0) {
        rc = seccomp_rule_add(ctx, r->action, nr, 0);
    } else if (distinct) {
        /* One rule: every comparison must hold. */
        for (size_t i = 0; i < r->nargs; i++)
            cmps[i] = (struct scmp_arg_cmp){r->args[i].index, r->args[i].op, r->args[i].value,
                                            r->args[i].value_two};
        rc = seccomp_rule_add_array(ctx, r->action, nr, (unsigned)r->nargs, cmps);
    } else {
        /* The same argument twice: libseccomp needs one rule per comparison. */
        rc = 0;
        for (size_t i = 0; i < r->nargs && rc == 0; i++) {
            cmps[0] = (struct scmp_arg_cmp){r->args[i].index, r->args[i].op, r->args[i].value,
                                            r->args[i].value_two};
            rc = seccomp_rule_add_array(ctx, r->action, nr, 1, cmps);
        }
    }
    if (rc < 0)
        return sk_error_errno(err, -rc, "seccomp rule for %s", name);
    return 0;
}

int rt_seccomp_build(const struct rt_seccomp *s, void **ret_ctx, struct sk_error *err)
{
    scmp_filter_ctx ctx = seccomp_init(s->default_action);
    if (!ctx)
        return sk_error_set(err, EINVAL, "seccomp: cannot initialize the filter");
    int rc;
    for (size_t i = 0; i < s->narches; i++) {
        rc = seccomp_arch_add(ctx, s->arches[i]);
        if (rc < 0 && rc != -EEXIST) {
            seccomp_release(ctx);
            return sk_error_errno(err, -rc, "seccomp: add architecture");
        }
    }
    /* No implicit no_new_privs: that is process.noNewPrivileges' call. */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (s->flag_tsync)
        seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (s->flag_log && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1) < 0) {
        seccomp_release(ctx);
        return sk_error_set(err, ENOTSUP, "seccomp: SECCOMP_FILTER_FLAG_LOG is not supported");
    }
    if (s->flag_spec_allow && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1) < 0) {
        seccomp_release(ctx);
        return sk_error_set(err, ENOTSUP,
                            "seccomp: SECCOMP_FILTER_FLAG_SPEC_ALLOW is not supported");
    }
    for (size_t i = 0; i < s->nrules; i++) {
        const struct rt_seccomp_rule *r = &s->rules[i];
        if (r->action == s->default_action)
            continue; /* libseccomp refuses a rule that changes nothing */
        for (size_t k = 0; r->names[k]; k++) {
            int nr = seccomp_syscall_resolve_name(r->names[k]);
            if (nr == __NR_SCMP_ERROR)
                continue;
            if (add_rule(ctx, r, nr, r->names[k], err) < 0) {
                seccomp_release(ctx);
                return -1;
            }
        }
    }
    *ret_ctx = ctx;
    return 0;
}

int rt_seccomp_load(void *ctx, struct sk_error *err)
{
    int rc = seccomp_load((scmp_filter_ctx)ctx);
    if (rc < 0)
        return sk_error_errno(err, -rc, "load the seccomp filter");
    return 0;
}

void rt_seccomp_release(void *ctx)
{
    if (ctx)
        seccomp_release((scmp_filter_ctx)ctx);
}
