/*
 * arch.h - what the engine needs to know about a machine architecture.
 *
 * An architecture is data: a register table, the breakpoint instruction,
 * where the PC points after it traps, and how to tell a single-step trap from
 * a breakpoint trap.  Everything that depends on the CPU lives behind this
 * interface, in src/arch/<name>.c; no other file tests __x86_64__.
 */
#ifndef PT_ARCH_H
#define PT_ARCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proctrace.h"

#define PT__ARCH_REGS_MAX 512 /* bytes of the largest general register set */
#define PT__ARCH_BP_MAX 4     /* bytes of the largest breakpoint instruction */

enum pt__trap_kind {
	PT__TRAP_OTHER = 0, /* sent by a process, or unknown */
	PT__TRAP_STEP,      /* single-step completed */
	PT__TRAP_STEP_SYSCALL, /* single-step reported at a syscall's exit */
	PT__TRAP_BREAKPOINT /* a breakpoint instruction executed */
};

struct pt__arch {
	const char *name;
	const pt_reg_info *regs;
	int nregs;
	int pc_index, sp_index;
	size_t gregs_size;         /* bytes of the PTRACE_GETREGS block */
	size_t pc_user_offset;     /* offset of the PC in struct user */
	uint8_t bp_insn[PT__ARCH_BP_MAX];
	size_t bp_len;
	size_t pc_after_bp;        /* PC minus this is the breakpoint address */
	enum pt__trap_kind (*classify_trap)(const siginfo_t *si);
	/* At a thread's exit stop: did it call exit/exit_group itself (as
	 * opposed to being killed by a signal)? */
	bool (*exit_is_voluntary)(const void *gregs);
	/* Read / write the general registers when PTRACE_GETREGS/SETREGS
	 * of the native layout is not the way (i386: PTRACE_GETREGSET).
	 * NULL: the native way. */
	int (*get_gregs)(pid_t tid, void *buf);
	int (*set_gregs)(pid_t tid, const void *buf);
};

/* The architecture of processes like the caller's. */
const struct pt__arch *pt__arch_native(void);

/* 32-bit tracees (i386.c). */
const struct pt__arch *pt__arch_i386(void);
/* The architecture of the program task tid runs: from the ELF header of
 * /proc/TID/exe (class and machine), or, if that cannot be read and the
 * task is in a ptrace-stop, from the size of the general registers the
 * kernel gives for it (PTRACE_GETREGSET NT_PRSTATUS); native if neither
 * tells. */
const struct pt__arch *pt__arch_of_task(pid_t tid, bool stopped);

/* Read / write the general registers of a stopped thread into/from buf
 * (gregs_size bytes).  Return 0 or -errno. */
int pt__arch_get_gregs(const struct pt__arch *a, pid_t tid, void *buf);
int pt__arch_set_gregs(const struct pt__arch *a, pid_t tid, const void *buf);

static inline uint64_t pt__arch_reg_u64(const struct pt__arch *a,
					const void *gregs, int idx)
{
	const pt_reg_info *ri = &a->regs[idx];
	uint64_t v = 0;
	__builtin_memcpy(&v, (const char *)gregs + ri->offset,
			 ri->size < 8 ? ri->size : 8);
	return v;
}

static inline void pt__arch_set_reg_u64(const struct pt__arch *a, void *gregs,
					int idx, uint64_t v)
{
	const pt_reg_info *ri = &a->regs[idx];
	__builtin_memcpy((char *)gregs + ri->offset, &v,
			 ri->size < 8 ? ri->size : 8);
}

/* A hint to the CPU inside a spin loop. */
static inline void pt__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

#endif
