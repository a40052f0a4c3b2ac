/* Unit tests for runtime/cgroups_devices_bpf.c: the programs generated from
 * device rules, run here by a small interpreter of the instructions they use
 * (so the test says which accesses a rule list allows, as a container would
 * see it), and loaded into the kernel when we may (the verifier accepts
 * them). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/internal.h"

#define M BPF_DEVCG_ACC_MKNOD
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define CHR BPF_DEVCG_DEV_CHAR
#define BLK BPF_DEVCG_DEV_BLOCK

/* Run prog on one access; fails the test on an instruction the generator
 * should not emit, a jump out of the program or a missing exit. */
static int run(const struct bpf_insn *prog, size_t n, int type, int rights, uint32_t major,
               uint32_t minor)
{
    struct bpf_cgroup_dev_ctx ctx = {(uint32_t)(rights << 16 | type), major, minor};
    uint64_t reg[11] = {0};
    for (size_t pc = 0; pc < n; pc++) {
        const struct bpf_insn *i = &prog[pc];
        uint64_t *d = &reg[i->dst_reg];
        uint64_t k = (uint64_t)(int64_t)i->imm;
        switch (i->code) {
        case BPF_LDX | BPF_MEM | BPF_W:
            assert_int_equal(i->src_reg, 1);
            assert_true(i->off >= 0 && (size_t)i->off + 4 <= sizeof(ctx));
            uint32_t v;
            memcpy(&v, (const char *)&ctx + i->off, 4);
            *d = v;
            break;
        case BPF_ALU64 | BPF_MOV | BPF_X:
            *d = reg[i->src_reg];
            break;
        case BPF_ALU64 | BPF_MOV | BPF_K:
            *d = k;
            break;
        case BPF_ALU64 | BPF_AND | BPF_K:
            *d &= k;
            break;
        case BPF_ALU64 | BPF_RSH | BPF_K:
            *d >>= i->imm;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            if (*d == k)
                pc += (size_t)i->off;
            break;
        case BPF_JMP | BPF_JNE | BPF_K:
            if (*d != k)
                pc += (size_t)i->off;
            break;
        case BPF_JMP | BPF_EXIT:
            assert_true(reg[0] <= 1);
            return (int)reg[0];
        default:
            fail_msg("unexpected instruction %#x at %zu", i->code, pc);
        }
        assert_true(pc < n);
    }
    fail_msg("the program ran past its end");
    return -1;
}

struct prog {
    struct bpf_insn *insns;
    size_t n;
};

static struct prog build(const struct rt_device_rule *rules, size_t n)
{
    struct prog p;
    p.n = rt_devices_bpf_program(rules, n, &p.insns);
    return p;
}

#define ALLOWED(p, type, rights, major, minor)                                                     \
    assert_int_equal(run((p).insns, (p).n, type, rights, major, minor), 1)
#define DENIED(p, type, rights, major, minor)                                                      \
    assert_int_equal(run((p).insns, (p).n, type, rights, major, minor), 0)

/* podman's list: deny everything, then the devices it creates. */
static void test_allowlist(void **state)
{
    const struct rt_device_rule rules[] = {
        {false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 3, "rwm"}, {true, 'c', 136, -1, "rwm"},
        {true, 'c', 5, 2, "rw"},     {true, 'b', 8, 0, "r"},
    };
    struct prog p = build(rules, SK_ARRAY_SIZE(rules));
    ALLOWED(p, CHR, R, 1, 3);
    ALLOWED(p, CHR, R | W, 1, 3);
    ALLOWED(p, CHR, M, 1, 3);
    DENIED(p, CHR, R, 1, 5);
    DENIED(p, CHR, W, 3, 1);
    ALLOWED(p, CHR, R | W, 136, 0);
    ALLOWED(p, CHR, R | W, 136, 41);
    DENIED(p, BLK, R, 136, 0); /* the type counts */
    ALLOWED(p, CHR, W, 5, 2);
    DENIED(p, CHR, M, 5, 2); /* no mknod for ptmx */
    ALLOWED(p, BLK, R, 8, 0);
    DENIED(p, BLK, R | W, 8, 0);
    DENIED(p, BLK, R, 8, 1);
    DENIED(p, CHR, R, 8, 0);
    free(p.insns);
}

static void test_no_rule_allows(void **state)
{
    struct prog p = build(NULL, 0);
    ALLOWED(p, CHR, R | W | M, 1, 3);
    ALLOWED(p, BLK, R, 8, 0);
    free(p.insns);
    /* Without a deny-all, only what a rule refuses is refused. */
    const struct rt_device_rule rules[] = {{false, 'c', 1, 3, "w"}};
    p = build(rules, 1);
    ALLOWED(p, CHR, R, 1, 3);
    DENIED(p, CHR, W, 1, 3);
    DENIED(p, CHR, R | W, 1, 3); /* O_RDWR asks for both */
    ALLOWED(p, CHR, R | W, 1, 5);
    free(p.insns);
}

static void test_last_rule_wins(void **state)
{
    const struct rt_device_rule allow_then_deny[] = {
        {false, 'a', -1, -1, "rwm"},
        {true, 'c', 1, 3, "rwm"},
        {false, 'c', 1, 3, "r"},
    };
    struct prog p = build(allow_then_deny, 3);
    DENIED(p, CHR, R, 1, 3);
    ALLOWED(p, CHR, W, 1, 3);
    ALLOWED(p, CHR, M, 1, 3);
    DENIED(p, CHR, R | W, 1, 3);
    free(p.insns);
    const struct rt_device_rule deny_then_allow[] = {
        {false, 'c', 1, 3, "r"},
        {true, 'c', 1, 3, "r"},
    };
    p = build(deny_then_allow, 2);
    ALLOWED(p, CHR, R, 1, 3);
    free(p.insns);
    /* A later deny-all hides every rule before it. */
    const struct rt_device_rule later_deny_all[] = {
        {true, 'c', 1, 3, "rwm"},
        {false, 'a', -1, -1, "rwm"},
        {true, 'c', 1, 5, "rwm"},
    };
    p = build(later_deny_all, 3);
    DENIED(p, CHR, R, 1, 3);
    ALLOWED(p, CHR, R, 1, 5);
    struct prog only_last = build(later_deny_all + 1, 2);
    assert_int_equal(p.n, only_last.n);
    assert_memory_equal(p.insns, only_last.insns, p.n * sizeof(*p.insns));
    free(only_last.insns);
    free(p.insns);
}

/* Each right is decided by the last rule that names it. */
static void test_rights_one_by_one(void **state)
{
    const struct rt_device_rule rules[] = {
        {false, 'a', -1, -1, "rwm"},
        {true, 'c', 1, 3, "r"},
        {true, 'c', 1, 3, "w"},
    };
    struct prog p = build(rules, 3);
    ALLOWED(p, CHR, R | W, 1, 3);
    DENIED(p, CHR, R | W | M, 1, 3);
    DENIED(p, CHR, M, 1, 3);
    free(p.insns);
}

static void test_wildcards_and_ranges(void **state)
{
    const struct rt_device_rule rules[] = {
        {false, 'a', -1, -1, "rwm"},     {true, 'c', -1, 7, "r"}, /* any major, minor 7 */
        {true, 'a', 10, -1, "w"},                                 /* block or char, major 10 */
        {true, 'c', 5000000000, 1, "r"},                          /* no device has that major */
        {true, 'c', 254, 1048575, "r"},
    };
    struct prog p = build(rules, SK_ARRAY_SIZE(rules));
    ALLOWED(p, CHR, R, 1, 7);
    ALLOWED(p, CHR, R, 250, 7);
    DENIED(p, BLK, R, 1, 7);
    ALLOWED(p, BLK, W, 10, 3);
    ALLOWED(p, CHR, W, 10, 200);
    DENIED(p, CHR, R, 10, 200);
    DENIED(p, CHR, R, (uint32_t)(5000000000 & 0xffffffff), 1);
    ALLOWED(p, CHR, R, 254, 1048575);
    free(p.insns);
}

/* The kernel's verifier accepts what we generate (needs CAP_SYS_ADMIN or
 * CAP_BPF; skipped without). */
static void test_kernel_loads_it(void **state)
{
    struct rt_device_rule many[200];
    for (size_t i = 0; i < SK_ARRAY_SIZE(many); i++)
        many[i] = (struct rt_device_rule){i % 3 != 0, "acb"[i % 3], (int64_t)i % 7 - 1,
                                          (int64_t)i % 5 - 1, "rw"};
    many[0] = (struct rt_device_rule){false, 'a', -1, -1, "rwm"};
    const size_t counts[] = {0, 1, 2, SK_ARRAY_SIZE(many)};
    for (size_t c = 0; c < SK_ARRAY_SIZE(counts); c++) {
        struct prog p = build(many, counts[c]);
        struct sk_error err = {0};
        int fd = rt_devices_bpf_load(p.insns, p.n, &err);
        free(p.insns);
        if (fd < 0 && (err.code == EPERM || err.code == ENOSYS))
            skip();
        if (fd < 0)
            fail_msg("%s", err.msg);
        close(fd);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allowlist),
        cmocka_unit_test(test_no_rule_allows),
        cmocka_unit_test(test_last_rule_wins),
        cmocka_unit_test(test_rights_one_by_one),
        cmocka_unit_test(test_wildcards_and_ranges),
        cmocka_unit_test(test_kernel_loads_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
