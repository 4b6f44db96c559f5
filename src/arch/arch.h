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

/* Stepping over a breakpoint without executing the instruction under it:
 * a few instructions common at function entries (no-ops, push of a
 * register, register-to-register mov) are decoded once when the breakpoint
 * is set and applied to the thread's registers at continue, which saves
 * lifting the breakpoint, a single-step and its stop, and putting it back
 * (the kernel's uprobes do the same).  Anything else is single-stepped. */
enum pt__emul_kind {
	PT__EMUL_NONE = 0, /* not emulated: single-step it */
	PT__EMUL_NOP,      /* only the PC moves */
	PT__EMUL_PUSH,     /* push register src */
	PT__EMUL_MOV,      /* register dst = register src (width bytes) */
};

struct pt__emul {
	uint8_t kind;      /* enum pt__emul_kind */
	uint8_t len;       /* instruction length */
	uint8_t dst, src;  /* register numbers, the arch's own */
	uint8_t width;     /* operand bytes */
};

/* A memory store an emulated instruction makes. */
struct pt__emul_store {
	uint64_t addr;
	size_t len; /* 0: none */
	uint8_t bytes[16];
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
	/* Decode the n bytes of the instruction at a breakpoint; false (and
	 * kind NONE) if it is not one we emulate.  NULL: none are. */
	bool (*emul_decode)(const uint8_t *insn, size_t n,
			    struct pt__emul *out);
	/* Apply e to a stopped thread's registers, PC included; *store gets
	 * the memory store the instruction makes (len 0: none).  false, with
	 * gregs untouched, when it must be single-stepped after all (the
	 * program has the trap flag set, say). */
	bool (*emul_apply)(const struct pt__emul *e, void *gregs,
			   struct pt__emul_store *store);
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
