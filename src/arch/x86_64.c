/*
 * x86_64.c - the x86-64 architecture: register table and trap details.
 */
#include <pthread.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <errno.h>
#include <sys/syscall.h>

#include "arch/arch.h"
#include "arch/x86_xstate.h"

#if defined(__x86_64__)

#define GREG(field, gdbno, set, role, type)                                   \
	{ #field, sizeof(((struct user_regs_struct *)0)->field),              \
	  offsetof(struct user_regs_struct, field), set, gdbno, role, type }

/* gdb's amd64 Linux target description, in its order: 0-15 integer
 * registers, 16 rip, 17 eflags, 18-23 segment selectors (feature
 * i386.core, whose x87 part 24-39 x86_xstate.c adds, then xmm0-15 40-55
 * and mxcsr 56, i386.sse), 57 orig_rax (i386.linux), 58-59 fs_base and
 * gs_base (i386.segments), then AVX from 60 and AVX-512 (x86_xstate.c). */
static const pt_reg_info x86_64_gregs[] = {
	GREG(rax, 0, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rbx, 1, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rcx, 2, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rdx, 3, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rsi, 4, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rdi, 5, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rbp, 6, PT_REGSET_GENERAL, PT_ROLE_FP, PT_REGTYPE_ADDR),
	GREG(rsp, 7, PT_REGSET_GENERAL, PT_ROLE_SP, PT_REGTYPE_ADDR),
	GREG(r8, 8, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r9, 9, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r10, 10, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r11, 11, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r12, 12, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r13, 13, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r14, 14, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r15, 15, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rip, 16, PT_REGSET_GENERAL, PT_ROLE_PC, PT_REGTYPE_ADDR),
	GREG(eflags, 17, PT_REGSET_GENERAL, PT_ROLE_FLAGS, PT_REGTYPE_INT),
	GREG(cs, 18, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(ss, 19, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(ds, 20, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(es, 21, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(fs, 22, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(gs, 23, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
};

static const pt_reg_info x86_64_sysregs[] = {
	GREG(orig_rax, 57, PT_REGSET_SYSTEM, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(fs_base, 58, PT_REGSET_SYSTEM, PT_ROLE_NONE, PT_REGTYPE_ADDR),
	GREG(gs_base, 59, PT_REGSET_SYSTEM, PT_ROLE_NONE, PT_REGTYPE_ADDR),
};

#define NGREGS (sizeof x86_64_gregs / sizeof x86_64_gregs[0])
#define NSYSREGS (sizeof x86_64_sysregs / sizeof x86_64_sysregs[0])
#define NREGS_MAX (NGREGS + NSYSREGS + PT__X86_XROWS_MAX)

/* How x86-64 Linux reports a SIGTRAP (si_code):
 *   SI_KERNEL    int3 executed;
 *   TRAP_TRACE   single-step of an ordinary instruction;
 *   TRAP_BRKPT   single-step over a syscall instruction (reported at
 *                syscall exit by user_single_step_report);
 *   SIGTRAP (5)  single-step into a signal handler (ptrace_notify on
 *                signal delivery; equals TRAP_UNK in newer headers);
 *   TRAP_HWBKPT  debug-register breakpoint or watchpoint;
 *   <= 0         sent by a process with kill/tgkill/sigqueue. */
static enum pt__trap_kind x86_64_classify(const siginfo_t *si)
{
	switch (si->si_code) {
	case SI_KERNEL:
		return PT__TRAP_BREAKPOINT;
	case TRAP_BRKPT:
		return PT__TRAP_STEP_SYSCALL;
	case TRAP_TRACE:
	case SIGTRAP:
		return PT__TRAP_STEP;
	default:
		return PT__TRAP_OTHER;
	}
}

static bool x86_64_exit_is_voluntary(const void *gregs)
{
	/* Inside exit or exit_group, which never return: rax still holds
	 * the -ENOSYS the syscall entry put there.  A thread killed as
	 * collateral is elsewhere (another syscall, or user mode). */
	const struct user_regs_struct *r = gregs;
	return (r->orig_rax == SYS_exit || r->orig_rax == SYS_exit_group) &&
	       (long long)r->rax == -ENOSYS;
}

/* ---- step-over by emulation ------------------------------------------- */

/* ModRM register numbers (with REX.R/REX.B) to struct user_regs_struct. */
static const size_t x86_64_greg_off[16] = {
	offsetof(struct user_regs_struct, rax),
	offsetof(struct user_regs_struct, rcx),
	offsetof(struct user_regs_struct, rdx),
	offsetof(struct user_regs_struct, rbx),
	offsetof(struct user_regs_struct, rsp),
	offsetof(struct user_regs_struct, rbp),
	offsetof(struct user_regs_struct, rsi),
	offsetof(struct user_regs_struct, rdi),
	offsetof(struct user_regs_struct, r8),
	offsetof(struct user_regs_struct, r9),
	offsetof(struct user_regs_struct, r10),
	offsetof(struct user_regs_struct, r11),
	offsetof(struct user_regs_struct, r12),
	offsetof(struct user_regs_struct, r13),
	offsetof(struct user_regs_struct, r14),
	offsetof(struct user_regs_struct, r15),
};

/* Length of a ModRM operand (ModRM byte, SIB, displacement) at m, or 0 if
 * the n bytes there do not hold all of it. */
static size_t modrm_len(const uint8_t *m, size_t n)
{
	if (n < 1)
		return 0;
	unsigned mod = m[0] >> 6, rm = m[0] & 7;
	size_t len = 1;
	if (mod == 3)
		return len;
	if (rm == 4) { /* SIB */
		if (n < 2)
			return 0;
		len++;
		if (mod == 0 && (m[1] & 7) == 5)
			len += 4;
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		len += 4; /* disp32 (RIP-relative when mod 0, rm 5) */
	return len <= n ? len : 0;
}

static bool x86_64_emul_decode(const uint8_t *b, size_t n, struct pt__emul *e)
{
	*e = (struct pt__emul){ .kind = PT__EMUL_NONE };
	if (n >= 1 && b[0] == 0x90) { /* nop (not xchg: no REX) */
		*e = (struct pt__emul){ .kind = PT__EMUL_NOP, .len = 1 };
		return true;
	}
	if (n >= 2 && b[0] == 0xf3 && b[1] == 0x90) { /* pause */
		*e = (struct pt__emul){ .kind = PT__EMUL_NOP, .len = 2 };
		return true;
	}
	if (n >= 4 && b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e &&
	    (b[3] == 0xfa || b[3] == 0xfb)) { /* endbr64, endbr32 */
		*e = (struct pt__emul){ .kind = PT__EMUL_NOP, .len = 4 };
		return true;
	}
	/* The multi-byte nop, 0f 1f /0, after operand-size and CS prefixes
	 * as compilers pad with them. */
	size_t i = 0;
	while (i < n && i < 6 && (b[i] == 0x66 || b[i] == 0x2e))
		i++;
	if (i + 2 < n && b[i] == 0x0f && b[i + 1] == 0x1f &&
	    ((b[i + 2] >> 3) & 7) == 0) {
		size_t ml = modrm_len(b + i + 2, n - i - 2);
		if (ml) {
			*e = (struct pt__emul){ .kind = PT__EMUL_NOP,
						.len = (uint8_t)(i + 2 + ml) };
			return true;
		}
	}
	uint8_t rex = 0;
	size_t j = 0;
	if (n >= 1 && (b[0] & 0xf0) == 0x40) {
		rex = b[0];
		j = 1;
	}
	if (j < n && b[j] >= 0x50 && b[j] <= 0x57) { /* push r64 */
		*e = (struct pt__emul){ .kind = PT__EMUL_PUSH,
					.len = (uint8_t)(j + 1),
					.src = (uint8_t)((b[j] - 0x50) |
							 (rex & 1 ? 8 : 0)),
					.width = 8 };
		return true;
	}
	if (j + 1 < n && (b[j] == 0x89 || b[j] == 0x8b) &&
	    (b[j + 1] >> 6) == 3) { /* mov r32/r64 between registers */
		uint8_t reg = (uint8_t)(((b[j + 1] >> 3) & 7) | (rex & 4 ? 8 : 0));
		uint8_t rm = (uint8_t)((b[j + 1] & 7) | (rex & 1 ? 8 : 0));
		bool to_rm = b[j] == 0x89;
		*e = (struct pt__emul){ .kind = PT__EMUL_MOV,
					.len = (uint8_t)(j + 2),
					.dst = to_rm ? rm : reg,
					.src = to_rm ? reg : rm,
					.width = rex & 8 ? 8 : 4 };
		return true;
	}
	return false;
}

static bool x86_64_emul_apply(const struct pt__emul *e, void *gregs,
			      struct pt__emul_store *store)
{
	struct user_regs_struct *r = gregs;
	char *base = gregs;
	store->len = 0;
	/* A program that single-steps itself expects a trap after the
	 * instruction: let the CPU do it. */
	if (r->eflags & 0x100)
		return false;
	switch (e->kind) {
	case PT__EMUL_NOP:
		break;
	case PT__EMUL_PUSH: {
		uint64_t v;
		__builtin_memcpy(&v, base + x86_64_greg_off[e->src], 8);
		r->rsp -= 8; /* push %rsp stores the value before this */
		store->addr = r->rsp;
		store->len = 8;
		__builtin_memcpy(store->bytes, &v, 8);
		break;
	}
	case PT__EMUL_MOV: {
		uint64_t v;
		__builtin_memcpy(&v, base + x86_64_greg_off[e->src], 8);
		if (e->width == 4)
			v = (uint32_t)v; /* 32-bit results zero-extend */
		__builtin_memcpy(base + x86_64_greg_off[e->dst], &v, 8);
		break;
	}
	default:
		return false;
	}
	r->rip += e->len;
	return true;
}

/* The table depends on the machine (AVX, AVX-512): built once, on first
 * use. */
static pt_reg_info x86_64_regs[NREGS_MAX];
static struct pt__xreg x86_64_xreg[NREGS_MAX];
static pthread_once_t x86_64_once = PTHREAD_ONCE_INIT;

static struct pt__arch x86_64_arch = {
	.name = "x86-64",
	.regs = x86_64_regs,
	.pc_index = 16,
	.sp_index = 7,
	.gregs_size = sizeof(struct user_regs_struct),
	.pc_user_offset = offsetof(struct user, regs.rip),
	.bp_insn = { 0xcc },
	.bp_len = 1,
	.pc_after_bp = 1,
	.classify_trap = x86_64_classify,
	.exit_is_voluntary = x86_64_exit_is_voluntary,
	.emul_decode = x86_64_emul_decode,
	.emul_apply = x86_64_emul_apply,
};

static void x86_64_build(void)
{
	struct pt__x86_tab t = { .rows = x86_64_regs, .xreg = x86_64_xreg,
				 .cap = (int)NREGS_MAX };
	for (size_t i = 0; i < NGREGS; i++)
		pt__x86_tab_add(&t, &x86_64_gregs[i]);
	pt__x86_tab_add_fp(&t, 16);
	for (size_t i = 0; i < NSYSREGS; i++)
		pt__x86_tab_add(&t, &x86_64_sysregs[i]);
	pt__x86_tab_add_ext(&t, 16, true);
	x86_64_arch.nregs = t.n; /* all of them: the arrays are sized for it */
	pt__x86_arch_xstate(&x86_64_arch, x86_64_xreg, false);
}

_Static_assert(sizeof(struct user_regs_struct) <= PT__ARCH_REGS_MAX,
	       "register block too large");

const struct pt__arch *pt__arch_native(void)
{
	pthread_once(&x86_64_once, x86_64_build);
	return &x86_64_arch;
}

int pt__arch_get_gregs(const struct pt__arch *a, pid_t tid, void *buf)
{
	if (a->get_gregs) /* another layout (i386.c) */
		return a->get_gregs(tid, buf);
	return ptrace(PTRACE_GETREGS, tid, 0, buf) < 0 ? -errno : 0;
}

int pt__arch_set_gregs(const struct pt__arch *a, pid_t tid, const void *buf)
{
	if (a->set_gregs) /* another layout (i386.c) */
		return a->set_gregs(tid, buf);
	return ptrace(PTRACE_SETREGS, tid, 0, buf) < 0 ? -errno : 0;
}

#else
#error "proctrace supports x86-64 only for now (src/arch/)"
#endif
