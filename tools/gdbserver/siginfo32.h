/*
 * siginfo32.h - the siginfo of an i386 program as gdb reads it: the
 * kernel's 128-byte 32-bit compat layout, converted from and to the
 * tracer's own (64-bit) siginfo_t, which is what PTRACE_GETSIGINFO gives
 * a 64-bit tracer whatever the tracee.
 */
#ifndef GS_SIGINFO32_H
#define GS_SIGINFO32_H

#include <signal.h>

#define GS_SIGINFO32_SIZE 128

/* si in the i386 layout: the fields of the union member the kernel would
 * use for its si_signo and si_code, pointers, longs and clock_t cut to 32
 * bits; every other byte 0. */
void gs_siginfo_to32(const siginfo_t *si, unsigned char out[GS_SIGINFO32_SIZE]);

/* The other way: in (i386 layout) as a native siginfo_t, 32-bit values
 * widened (signed ones sign-extended, addresses zero-extended). */
void gs_siginfo_from32(const unsigned char in[GS_SIGINFO32_SIZE], siginfo_t *si);

/* The conversion's self-test (--selftest): returns the number of checks,
 * *failed those that failed. */
int gs_siginfo32_selftest(int *failed);

#endif
