/*
 * x86_64.c - the x86-64 architecture: register table and trap details.
 */
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <errno.h>
#include <sys/syscall.h>

#include "arch/arch.h"

#if defined(__x86_64__)

#define GREG(field, gdbno, role, type)                                        \
	{ #field, sizeof(((struct user_regs_struct *)0)->field),              \
	  offsetof(struct user_regs_struct, field), 0, gdbno, role, type }

/* Order and gdb numbers follow gdb's amd64 Linux target description:
 * 0-15 integer registers, 16 rip, 17 eflags, 18-23 segment selectors,
 * 57 orig_rax, 58-59 fs_base/gs_base (24-56 are x87/SSE, not in this set). */
static const pt_reg_info x86_64_regs[] = {
	GREG(rax, 0, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rbx, 1, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rcx, 2, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rdx, 3, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rsi, 4, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rdi, 5, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rbp, 6, PT_ROLE_FP, PT_REGTYPE_ADDR),
	GREG(rsp, 7, PT_ROLE_SP, PT_REGTYPE_ADDR),
	GREG(r8, 8, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r9, 9, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r10, 10, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r11, 11, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r12, 12, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r13, 13, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r14, 14, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(r15, 15, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(rip, 16, PT_ROLE_PC, PT_REGTYPE_ADDR),
	GREG(eflags, 17, PT_ROLE_FLAGS, PT_REGTYPE_INT),
	GREG(cs, 18, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(ss, 19, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(ds, 20, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(es, 21, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(fs, 22, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(gs, 23, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG(fs_base, 58, PT_ROLE_NONE, PT_REGTYPE_ADDR),
	GREG(gs_base, 59, PT_ROLE_NONE, PT_REGTYPE_ADDR),
	GREG(orig_rax, 57, PT_ROLE_NONE, PT_REGTYPE_INT),
};

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

static const struct pt__arch x86_64_arch = {
	.name = "x86-64",
	.regs = x86_64_regs,
	.nregs = (int)(sizeof x86_64_regs / sizeof x86_64_regs[0]),
	.pc_index = 16,
	.sp_index = 7,
	.gregs_size = sizeof(struct user_regs_struct),
	.pc_user_offset = offsetof(struct user, regs.rip),
	.bp_insn = { 0xcc },
	.bp_len = 1,
	.pc_after_bp = 1,
	.classify_trap = x86_64_classify,
	.exit_is_voluntary = x86_64_exit_is_voluntary,
};

_Static_assert(sizeof(struct user_regs_struct) <= PT__ARCH_REGS_MAX,
	       "register block too large");

const struct pt__arch *pt__arch_native(void)
{
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
