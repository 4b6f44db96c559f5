/*
 * x86_xstate.h - the x87, SSE, AVX and AVX-512 registers of x86 tracees,
 * shared by the x86-64 and the i386 register tables.
 *
 * The state is one block per thread: the XSAVE image of PTRACE_GETREGSET
 * NT_X86_XSTATE (standard format: the 512-byte FXSAVE area, the 64-byte
 * header, then each component at the offset CPUID leaf 0xD gives), or, where
 * the machine has no XSAVE, the 512-byte FXSAVE image alone (NT_PRFPREG for
 * x86-64 tracees, NT_PRXFPREG for i386 ones).  Which components exist is
 * found once, at run time (XGETBV, CPUID leaf 0xD), and checked against the
 * kernel's own mask in every block read.
 *
 * A table is built with pt__x86_tab_*: the caller adds its general rows,
 * then pt__x86_tab_add_fp (x87 + SSE), then its system rows (orig_rax,
 * fs_base, gs_base: gdb's "linux" and "segments" features), then
 * pt__x86_tab_add_ext (AVX, AVX-512), so that rows follow gdb's numbering;
 * then pt__x86_arch_xstate plugs the block's operations into the arch.
 *
 * PROCTRACE_XSTATE=fxsave in the environment (read once, when the first
 * table is built) makes the machine look as if it had no XSAVE, for testing.
 */
#ifndef PT_ARCH_X86_XSTATE_H
#define PT_ARCH_X86_XSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"

/* XSAVE state components (bit numbers of XCR0 and of the header's
 * xstate_bv). */
enum {
	PT__XC_X87 = 0,
	PT__XC_SSE = 1,
	PT__XC_AVX = 2,       /* upper halves of ymm0-15 */
	PT__XC_OPMASK = 5,    /* k0-7 */
	PT__XC_ZMM_HI256 = 6, /* upper halves of zmm0-15 */
	PT__XC_HI16_ZMM = 7,  /* zmm16-31 */
	PT__XC_COUNT = 8
};

/* What this machine saves.  off/len: standard-format offset and size of
 * component i (i >= 2) in the XSAVE image. */
struct pt__x86_xlayout {
	bool xsave;        /* NT_X86_XSTATE; else the FXSAVE image only */
	uint64_t xcr0;     /* components present (only those of the enum) */
	size_t size;       /* room for a block (CPUID's size, and 64 more) */
	uint32_t off[PT__XC_COUNT], len[PT__XC_COUNT];
};

/* Found on first use (thread-safe); never NULL. */
const struct pt__x86_xlayout *pt__x86_xlayout(void);

/* Most rows pt__x86_tab_add_fp and pt__x86_tab_add_ext add together:
 * 16 x87 + 17 SSE + 16 AVX + 72 AVX-512. */
#define PT__X86_XROWS_MAX 121

/* A register table being built: rows[] and, parallel to it, xreg[] (where
 * the extended rows live; zero for the others). */
struct pt__x86_tab {
	pt_reg_info *rows;
	struct pt__xreg *xreg;
	int n, cap;   /* rows used, room (both arrays) */
	int gdbno;    /* gdb number of the next row added */
	bool overflow; /* a row did not fit (a bug: size the arrays) */
};

/* Append one row as given (a general or system register); the next gdb
 * number becomes ri->gdb_regnum + 1. */
void pt__x86_tab_add(struct pt__x86_tab *t, const pt_reg_info *ri);
/* Append gdb's x87 rows (st0-st7 as 10-byte PT_REGTYPE_FLOAT80 values;
 * fctrl, fstat, ftag, fiseg, fioff, foseg, fooff, fop as 4-byte integers;
 * set PT_REGSET_X87) and SSE rows (xmm0 .. xmm<nxmm-1>, 16 bytes,
 * PT_REGTYPE_VECTOR; mxcsr, 4 bytes; set PT_REGSET_SSE), numbered from
 * t->gdbno on.  nxmm: 16 (x86-64) or 8 (i386).  Every x86 machine has
 * these. */
void pt__x86_tab_add_fp(struct pt__x86_tab *t, unsigned nxmm);
/* Append what the machine has of: AVX (ymm0h .. ymm<nxmm-1>h, 16 bytes,
 * PT_REGSET_AVX) and, if avx512, AVX-512 (PT_REGSET_AVX512): for nxmm 16
 * xmm16-31 and ymm16h-31h (16 bytes), k0-7 (8, PT_REGTYPE_INT), zmm0h-31h
 * (32); for nxmm 8, k0-7 and zmm0h-7h, as gdb's 32-bit feature has them.
 * AVX-512 rows come only with all three of its components. */
void pt__x86_tab_add_ext(struct pt__x86_tab *t, unsigned nxmm, bool avx512);

/* Fill a's extended-state fields: xregs_size, xreg (= the table's xreg
 * array, which must outlive a), and the operations.  ia32: the tracee is
 * an i386 one (FXSAVE fallback through NT_PRXFPREG, not NT_PRFPREG). */
void pt__x86_arch_xstate(struct pt__arch *a, const struct pt__xreg *xreg,
			 bool ia32);

#endif
