/* linux.resources.devices on cgroup v2: the kernel has no devices.allow
 * there; a cgroup2 directory takes an eBPF program instead
 * (BPF_PROG_TYPE_CGROUP_DEVICE, attached as BPF_CGROUP_DEVICE), which the
 * kernel runs on every mknod and open of a device node by a process in the
 * cgroup or below. It returns 1 to allow, 0 to refuse (EPERM). We generate
 * the program from the rules ourselves: a handful of instructions per rule,
 * no compiler, no libbpf.
 *
 * Semantics, as the v1 controller and other runtimes apply the list: the last
 * rule that matches decides; with no matching rule the access is allowed (a
 * new v1 cgroup under an unrestricted parent allows everything), so a list
 * meant as an allowlist starts with a deny-all, as podman's and runc's specs
 * do. An access can ask for several rights at once (open O_RDWR asks read and
 * write): each right is decided on its own, and the access is allowed when
 * every one of them is. So [deny all, allow c 1:3 r, allow c 1:3 w] lets
 * /dev/null be opened for reading and writing, and [deny c 1:3 w] refuses
 * O_RDWR, as the v1 controller does.
 *
 * Program layout. The context is struct bpf_cgroup_dev_ctx {access_type,
 * major, minor}, each a u32; access_type holds the device type in its low 16
 * bits (BPF_DEVCG_DEV_BLOCK or _CHAR) and the rights asked in its high 16
 * (BPF_DEVCG_ACC_MKNOD, _READ, _WRITE). Registers: r1 the context, r2 the
 * rights still undecided, r3 the type, r4 the major, r5 the minor.
 *
 *   r2 = ctx->access_type; r3 = r2 & 0xffff; r2 >>= 16
 *   r4 = ctx->major; r5 = ctx->minor
 *   then one block per rule, the LAST rule first:
 *     if r3 != TYPE goto next        (not for type "a")
 *     if r4 != MAJOR goto next       (not for a wildcard major)
 *     if r5 != MINOR goto next       (not for a wildcard minor)
 *     r0 = r2; r0 &= RIGHTS; if r0 == 0 goto next
 *     deny:  r0 = 0; exit            (an undecided right is refused)
 *     allow: r2 &= ~RIGHTS; if r2 != 0 goto next; r0 = 1; exit
 *   r0 = 1; exit                     (what no rule decided is allowed)
 *
 * A rule matching every device and right (a deny-all or allow-all) decides
 * every access that reaches it, so the rules before it are left out.
 *
 * Attaching. BPF_F_ALLOW_MULTI: programs attached below the container's
 * cgroup (a runtime or systemd inside the container) run in addition to
 * ours, and every one must allow, so they can only narrow what we allow
 * (with the default flags nothing could be attached below; with
 * BPF_F_ALLOW_OVERRIDE a program below would replace ours). The program is
 * attached once, at create, before any process is in the cgroup; exec adds
 * a process to the cgroup and changes nothing, and the runtime has no
 * update. Should the directory already hold programs (a cgroupsPath given on
 * purpose, a directory left behind), they stay and apply too: the result can
 * only be narrower. The cgroup holds the program: we close our fds, and the
 * kernel frees it when the directory is removed at delete. */
#include "runtime/internal.h"
#include "common/cleanup.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The registers of the layout above. */
enum { R_RET = 0, R_CTX = 1, R_RIGHTS = 2, R_TYPE = 3, R_MAJOR = 4, R_MINOR = 5 };

#define ALL_RIGHTS (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)
/* The longest block a rule can need. */
#define RULE_MAX_INSNS 10
/* The verifier keeps this long a log for a program it refuses. */
#define VERIFIER_LOG_SIZE 4096

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    return (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static struct bpf_insn load_ctx_u32(uint8_t dst, int16_t off)
{
    return insn(BPF_LDX | BPF_MEM | BPF_W, dst, R_CTX, off, 0);
}

static struct bpf_insn alu_imm(uint8_t op, uint8_t dst, int32_t imm)
{
    return insn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
}

/* A conditional jump to the end of the rule's block; its offset is filled in
 * once the block is complete. */
static struct bpf_insn jump_next(uint8_t op, uint8_t reg, int32_t imm)
{
    return insn(BPF_JMP | op | BPF_K, reg, 0, 0, imm);
}

static struct bpf_insn exit_insn(void)
{
    return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int rights_of(const char *access)
{
    int r = 0;
    for (const char *p = access; *p; p++)
        r |= *p == 'm'   ? BPF_DEVCG_ACC_MKNOD
             : *p == 'r' ? BPF_DEVCG_ACC_READ
             : *p == 'w' ? BPF_DEVCG_ACC_WRITE
                         : 0;
    return r;
}

/* A major or minor no device can have (the kernel's device numbers have 12
 * bits of major and 20 of minor; the compare takes a signed 32-bit
 * immediate): the rule matches nothing. */
static bool out_of_range(int64_t n)
{
    return n > INT32_MAX;
}

/* The block of one rule; returns its length (0: the rule matches nothing). */
static size_t rule_block(const struct rt_device_rule *r, struct bpf_insn b[RULE_MAX_INSNS])
{
    int rights = rights_of(r->access);
    if (!rights || out_of_range(r->major) || out_of_range(r->minor))
        return 0;
    size_t n = 0;
    if (r->type != 'a')
        b[n++] =
            jump_next(BPF_JNE, R_TYPE, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
    if (r->major >= 0)
        b[n++] = jump_next(BPF_JNE, R_MAJOR, (int32_t)r->major);
    if (r->minor >= 0)
        b[n++] = jump_next(BPF_JNE, R_MINOR, (int32_t)r->minor);
    b[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, R_RET, R_RIGHTS, 0, 0);
    b[n++] = alu_imm(BPF_AND, R_RET, rights);
    b[n++] = jump_next(BPF_JEQ, R_RET, 0);
    if (r->allow) {
        b[n++] = alu_imm(BPF_AND, R_RIGHTS, ~rights);
        b[n++] = jump_next(BPF_JNE, R_RIGHTS, 0);
        b[n++] = alu_imm(BPF_MOV, R_RET, 1);
    } else {
        b[n++] = alu_imm(BPF_MOV, R_RET, 0);
    }
    b[n++] = exit_insn();
    /* Every conditional jump goes to the first instruction after the block. */
    for (size_t i = 0; i < n; i++)
        if (BPF_CLASS(b[i].code) == BPF_JMP && BPF_OP(b[i].code) != BPF_EXIT)
            b[i].off = (int16_t)(n - i - 1);
    return n;
}

static bool decides_everything(const struct rt_device_rule *r)
{
    return r->type == 'a' && r->major < 0 && r->minor < 0 && rights_of(r->access) == ALL_RIGHTS;
}

size_t rt_devices_bpf_program(const struct rt_device_rule *rules, size_t n, struct bpf_insn **ret)
{
    struct bpf_insn *p = sk_calloc(n * RULE_MAX_INSNS + 8, sizeof(*p));
    size_t len = 0;
    p[len++] = load_ctx_u32(R_RIGHTS, offsetof(struct bpf_cgroup_dev_ctx, access_type));
    p[len++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, R_TYPE, R_RIGHTS, 0, 0);
    p[len++] = alu_imm(BPF_AND, R_TYPE, 0xffff);
    p[len++] = alu_imm(BPF_RSH, R_RIGHTS, 16);
    p[len++] = load_ctx_u32(R_MAJOR, offsetof(struct bpf_cgroup_dev_ctx, major));
    p[len++] = load_ctx_u32(R_MINOR, offsetof(struct bpf_cgroup_dev_ctx, minor));
    for (size_t i = n; i-- > 0;) {
        len += rule_block(&rules[i], p + len);
        if (decides_everything(&rules[i]))
            break;
    }
    p[len++] = alu_imm(BPF_MOV, R_RET, 1);
    p[len++] = exit_insn();
    *ret = p;
    return len;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
    return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int rt_devices_bpf_load(const struct bpf_insn *prog, size_t n, struct sk_error *err)
{
    /* The license only decides whether the program may call GPL-only helpers;
     * it calls none. */
    static const char license[] = "none";
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)prog;
    attr.insn_cnt = (uint32_t)n;
    attr.license = (uint64_t)(uintptr_t)license;
    snprintf(attr.prog_name, sizeof(attr.prog_name), "skiff_devices");
    int fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0)
        return fd;
    int e = errno;
    if (e != EINVAL && e != EACCES)
        return sk_error_errno(err, e, "load the device eBPF program (%zu instructions)", n);
    /* Refused by the verifier: load again for its explanation. */
    char log[VERIFIER_LOG_SIZE] = "";
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = sizeof(log);
    attr.log_level = 1;
    fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0)
        return fd;
    /* Its last line says why, but for the statistics that may follow. */
    char *why = log, *save = NULL;
    for (char *line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (!sk_str_has_prefix(line, "processed ") && !sk_str_has_prefix(line, "verification ") &&
            !sk_str_has_prefix(line, "stack depth"))
            why = line;
    return sk_error_set(err, e, "the kernel refused the device eBPF program (%zu instructions): %s",
                        n, *why ? why : strerror(e));
}

int rt_devices_bpf_apply(const char *dir, const struct rt_device_rule *rules, size_t n,
                         struct sk_error *err)
{
    _cleanup_free_ struct bpf_insn *prog = NULL;
    size_t len = rt_devices_bpf_program(rules, n, &prog);
    _cleanup_close_ int prog_fd = rt_devices_bpf_load(prog, len, err);
    if (prog_fd < 0)
        return -1;
    _cleanup_close_ int cg_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg_fd < 0)
        return sk_error_errno(err, errno, "open %s", dir);
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cg_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
        return sk_error_errno(err, errno, "attach the device eBPF program to %s", dir);
    return 0;
}
