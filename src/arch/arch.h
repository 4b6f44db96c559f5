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
};

/* The architecture of processes like the caller's. */
const struct pt__arch *pt__arch_native(void);

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

/* ---- hardware debug registers (x86_debugreg.c) ------------------------ */

#define PT__ARCH_WATCH_MAX 4 /* most debug register slots of any arch */

/* What one debug register slot watches. */
struct pt__hwslot {
	bool used;
	uint64_t addr;
	size_t len;
	pt_watch_kind kind;
};

/* Number of watchpoint slots of a (at most PT__ARCH_WATCH_MAX). */
int pt__arch_watch_slots(const struct pt__arch *a);
/* NULL if (addr, len, kind) can be watched; else why not, for a message. */
const char *pt__arch_watch_check(const struct pt__arch *a, uint64_t addr,
				 size_t len, pt_watch_kind kind);
/* Program the debug registers of the stopped thread tid with slots[0..n)
 * (n = pt__arch_watch_slots), a slot not used being disabled.  On failure
 * nothing of ours is left armed in it.  0 or -errno (EINVAL: the kernel
 * refused an address; ENOSPC: no debug register free for it). */
int pt__arch_watch_write(const struct pt__arch *a, pid_t tid,
			 const struct pt__hwslot *slots, int n);
/* Disable every slot and zero the addresses.  0 or -errno. */
int pt__arch_watch_clear(const struct pt__arch *a, pid_t tid);
/* The debug status of tid after a trap: *hits gets bit i for each slot
 * that fired, *stepped whether a single-step completed.  With clear, those
 * bits are then reset in the thread.  0 or -errno. */
int pt__arch_watch_status(const struct pt__arch *a, pid_t tid,
			  unsigned *hits, bool *stepped, bool clear);
/* An execution breakpoint fired and left the PC on its instruction: make
 * the next resume execute it without firing again (x86: EFLAGS.RF). */
void pt__arch_watch_exec_resume(const struct pt__arch *a, void *gregs);
/* Raw access to debug register n (x86: 0-3, 6, 7) of tid, for tests and
 * diagnostics.  0 or -errno. */
int pt__arch_debugreg_read(const struct pt__arch *a, pid_t tid, int n,
			   uint64_t *val);
int pt__arch_debugreg_write(const struct pt__arch *a, pid_t tid, int n,
			    uint64_t val);

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
