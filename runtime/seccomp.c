/* linux.seccomp -> a BPF program, made by libseccomp. Parsed (and checked)
 * at create time; compiled by the runtime before it forks the container's
 * processes (rt_seccomp_compile), which inherit the program; loaded with
 * seccomp(2) just before execve. Syscall names this libseccomp does not know
 * are skipped (a profile written for a newer kernel still loads), as runc
 * does.
 *
 * Compiled programs are cached: libseccomp takes 10-20 ms of CPU to turn
 * podman's default profile (some 400 syscalls on 3 architectures) into BPF,
 * more than everything else a container start costs. The cache is a
 * directory of files <state root>/.cache/seccomp/<hash>, each holding its
 * full key (everything the program depends on: the profile as parsed, the
 * libseccomp version and kernel API level, the machine and kernel release)
 * then the program; a file is used only when its key is the same byte for
 * byte, so a hash collision only costs a compile. Files are replaced
 * atomically; a cache that cannot be read or written is skipped. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define CACHE_DIR ".cache/seccomp" /* under the state root; list skips dot dirs */
#define CACHE_KEY_VERSION "skiff seccomp bpf 1"

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
    struct sock_filter *bpf; /* the compiled program, or NULL until compiled */
    size_t bpf_len;          /* in instructions */
};

/* What rt_seccomp_build hands out and rt_seccomp_load loads. */
struct rt_seccomp_prog {
    struct sock_fprog prog;
    unsigned flags; /* SECCOMP_FILTER_FLAG_* */
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
    free(s->bpf);
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

static int filter_new(const struct rt_seccomp *s, scmp_filter_ctx *ret, struct sk_error *err)
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
    *ret = ctx;
    return 0;
}

/* libseccomp's filter as BPF (exported through a memfd: 2.5 writes to an fd). */
static int compile(const struct rt_seccomp *s, struct sock_filter **ret, size_t *ret_len,
                   struct sk_error *err)
{
    scmp_filter_ctx ctx = NULL;
    if (filter_new(s, &ctx, err) < 0)
        return -1;
    _cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
    int rc = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    if (rc < 0)
        return sk_error_errno(err, -rc, "seccomp: generate the filter");
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
        size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
        return sk_error_set(err, EINVAL, "seccomp: the filter is %lld bytes: too large",
                            (long long)size);
    struct sock_filter *bpf = sk_malloc((size_t)size);
    if (pread(fd, bpf, (size_t)size, 0) != size) {
        free(bpf);
        return sk_error_errno(err, errno, "seccomp: read the filter");
    }
    *ret = bpf;
    *ret_len = (size_t)size / sizeof(struct sock_filter);
    return 0;
}

/* Everything the compiled program depends on, as text. */
static char *cache_key(const struct rt_seccomp *s, size_t *ret_len)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    const struct scmp_version *v = seccomp_version();
    struct utsname u;
    if (uname(&u) < 0)
        memset(&u, 0, sizeof(u));
    fprintf(f, "%s\nlibseccomp %u.%u.%u api %u\n%s %s %s\n", CACHE_KEY_VERSION, v->major,
            v->minor, v->micro, seccomp_api_get(), u.sysname, u.release, u.machine);
    fprintf(f, "default %u flags %d%d%d arches", s->default_action, s->flag_tsync, s->flag_log,
            s->flag_spec_allow);
    for (size_t i = 0; i < s->narches; i++)
        fprintf(f, " %u", s->arches[i]);
    for (size_t i = 0; i < s->nrules; i++) {
        const struct rt_seccomp_rule *r = &s->rules[i];
        fprintf(f, "\nrule %u", r->action);
        for (size_t k = 0; k < r->nargs; k++)
            fprintf(f, " arg %u %d %llu %llu", r->args[k].index, (int)r->args[k].op,
                    (unsigned long long)r->args[k].value,
                    (unsigned long long)r->args[k].value_two);
        for (size_t k = 0; r->names[k]; k++)
            fprintf(f, " %s", r->names[k]);
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    *ret_len = len;
    return buf;
}

/* FNV-1a, 64 bits: a file name, not a check (the key inside is compared). */
static uint64_t key_hash(const char *key, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)key[i]) * 0x100000001b3ULL;
    return h;
}

/* The program cached under name for key: 0 and *ret_bpf set, or -1. The
 * file holds the key, a NUL, then the program. */
static int cache_read(int dirfd, const char *name, const char *key, size_t keylen,
                      struct sock_filter **ret_bpf, size_t *ret_len)
{
    _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    /* Ours and nobody else's to write, like the directory (checked by the
     * caller): a filter is only as trustworthy as the file it comes from. */
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 022))
        return -1;
    size_t size = (size_t)st.st_size;
    if (size <= keylen + 1 || size > keylen + 1 + BPF_MAXINSNS * sizeof(struct sock_filter) ||
        (size - keylen - 1) % sizeof(struct sock_filter) != 0)
        return -1;
    _cleanup_free_ char *data = sk_malloc(size);
    if (pread(fd, data, size, 0) != (ssize_t)size || memcmp(data, key, keylen) != 0 ||
        data[keylen] != '\0')
        return -1;
    size_t n = size - keylen - 1;
    *ret_bpf = sk_malloc(n);
    memcpy(*ret_bpf, data + keylen + 1, n);
    *ret_len = n / sizeof(struct sock_filter);
    return 0;
}

/* Store the program under name (best effort: a cache we cannot write only
 * costs the next container a compile). */
static void cache_write(const char *cache_root, const char *name, const char *key,
                        size_t keylen, const struct sock_filter *bpf, size_t len)
{
    _cleanup_free_ char *parent = sk_asprintf("%s/.cache", cache_root);
    _cleanup_free_ char *dir = sk_asprintf("%s/" CACHE_DIR, cache_root);
    if ((mkdir(parent, 0700) < 0 && errno != EEXIST) || (mkdir(dir, 0700) < 0 && errno != EEXIST))
        return;
    size_t n = len * sizeof(*bpf);
    _cleanup_free_ char *data = sk_malloc(keylen + 1 + n);
    memcpy(data, key, keylen);
    data[keylen] = '\0';
    memcpy(data + keylen + 1, bpf, n);
    _cleanup_free_ char *path = sk_asprintf("%s/%s", dir, name);
    sk_write_file_atomic(path, data, keylen + 1 + n, 0600, NULL);
}

int rt_seccomp_compile(struct rt_seccomp *s, const char *cache_root, struct sk_error *err)
{
    if (s->bpf)
        return 0;
    size_t keylen = 0;
    _cleanup_free_ char *key = cache_root ? cache_key(s, &keylen) : NULL;
    if (!key)
        return compile(s, &s->bpf, &s->bpf_len, err);
    char name[32];
    snprintf(name, sizeof(name), "%016llx", (unsigned long long)key_hash(key, keylen));
    _cleanup_free_ char *dir = sk_asprintf("%s/" CACHE_DIR, cache_root);
    _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (dirfd >= 0 && fstat(dirfd, &st) == 0 && st.st_uid == geteuid() && !(st.st_mode & 022) &&
        cache_read(dirfd, name, key, keylen, &s->bpf, &s->bpf_len) == 0)
        return 0;
    if (compile(s, &s->bpf, &s->bpf_len, err) < 0)
        return -1;
    cache_write(cache_root, name, key, keylen, s->bpf, s->bpf_len);
    return 0;
}

int rt_seccomp_build(const struct rt_seccomp *s, void **ret_ctx, struct sk_error *err)
{
    struct rt_seccomp_prog *p = sk_calloc(1, sizeof(*p));
    struct sock_filter *bpf = NULL;
    size_t len = s->bpf_len;
    if (s->bpf) {
        bpf = sk_malloc(len * sizeof(*bpf));
        memcpy(bpf, s->bpf, len * sizeof(*bpf));
    } else if (compile(s, &bpf, &len, err) < 0) {
        free(p);
        return -1;
    }
    p->prog = (struct sock_fprog){.len = (unsigned short)len, .filter = bpf};
    /* The flags libseccomp's seccomp_load would pass for these attributes. */
    p->flags = (s->flag_tsync ? SECCOMP_FILTER_FLAG_TSYNC : 0) |
               (s->flag_log ? SECCOMP_FILTER_FLAG_LOG : 0) |
               (s->flag_spec_allow ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0);
    *ret_ctx = p;
    return 0;
}

int rt_seccomp_load(void *ctx, struct sk_error *err)
{
    struct rt_seccomp_prog *p = ctx;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &p->prog) < 0)
        return sk_error_errno(err, errno, "load the seccomp filter");
    return 0;
}

void rt_seccomp_release(void *ctx)
{
    struct rt_seccomp_prog *p = ctx;
    if (!p)
        return;
    free(p->prog.filter);
    free(p);
}
