/*
 * arch.h - what the engine needs to know about a machine architecture.
 *
 * An architecture is data: a register table, the breakpoint instruction,
 * where the PC points after it traps, and how to tell a single-step trap from
 * a breakpoint trap.  Everything that depends on the CPU lives behind this
 * interface, in src/arch/: x86_64.c (the native table), i386.c (32-bit
 * programs), x86_xstate.c (x87/SSE/AVX state), x86_debugreg.c (debug
 * registers), and this header.  No file outside src/arch/ tests
 * __x86_64__ or __i386__, and src/arch/ never includes the engine's
 * internal.h (make check-layout checks both).
 */
#ifndef PT_ARCH_H
#define PT_ARCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* Where a register of the extended state lives (see struct pt__arch). */
struct pt__xreg {
	uint32_t off;  /* byte offset in the thread's extended-state block */
	uint8_t comp;  /* the state component that holds it (x86: XSAVE bit) */
	uint8_t conv;  /* how it is stored: 0 as is, else the arch's own code */
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

	/* The extended state (floating point and vectors): every row whose
	 * set is neither PT_REGSET_GENERAL nor PT_REGSET_SYSTEM lives in one
	 * block per thread (0: no such rows), at xreg[row] (xreg has nregs
	 * entries).  xregs_get reads the block of a stopped thread into buf
	 * (cap bytes; *len: bytes read), with the components the machine
	 * keeps in their initial state filled in as such; -ENOSPC if the
	 * block may not have fit (try again with more room: xregs_size is
	 * only a first guess).  xregs_set writes it back (len bytes).  Both
	 * return 0 or -errno.  xreg_read copies row idx (its size bytes) out
	 * of the block; xreg_write stores it and marks its component live,
	 * or returns PT_EINVAL with *why set if the register cannot hold the
	 * value. */
	size_t xregs_size;
	const struct pt__xreg *xreg;
	int (*xregs_get)(pid_t tid, void *buf, size_t cap, size_t *len);
	int (*xregs_set)(pid_t tid, const void *buf, size_t len);
	void (*xreg_read)(const struct pt__arch *a, const void *blk, int idx,
			  void *out);
	int (*xreg_write)(const struct pt__arch *a, void *blk, int idx,
			  const void *in, const char **why);
};

/* Whether row idx lives in the extended state rather than in the general
 * register block. */
static inline bool pt__arch_reg_is_ext(const struct pt__arch *a, int idx)
{
	unsigned set = a->regs[idx].set;
	return set != PT_REGSET_GENERAL && set != PT_REGSET_SYSTEM;
}

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
