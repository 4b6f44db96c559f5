/*
 * raw_bphit.c - the floor: breakpoint hits per second with bare ptrace(2).
 *
 *   raw_bphit HITS ADDRESS PROGRAM [ARGS...]
 *
 * Runs PROGRAM under ptrace with an int3 at ADDRESS (hex, non-PIE) and
 * handles HITS hits with the minimum of work a debugger must do per hit:
 *
 *   waitpid, GETREGS, rip -= 1, SETREGS, restore the original byte,
 *   SINGLESTEP, waitpid, re-insert int3, CONT
 *
 * then kills PROGRAM and prints "HITS SECONDS HITS_PER_SECOND CPU_SECONDS".  No
 * proctrace here: bench/pt_bphit.c does the same through the library.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static pid_t child;

static void die(const char *what)
{
	fprintf(stderr, "raw_bphit: %s: %s\n", what, strerror(errno));
	if (child > 0)
		kill(child, SIGKILL);
	exit(1);
}

static void xptrace(enum __ptrace_request req, void *addr, void *data,
		    const char *what)
{
	if (ptrace(req, child, addr, data) < 0)
		die(what);
}

/* Wait for the next stop, which must be a SIGTRAP. */
static void wait_trap(const char *what)
{
	int st;
	if (waitpid(child, &st, 0) < 0)
		die("waitpid");
	if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP) {
		fprintf(stderr, "raw_bphit: %s: unexpected wait status 0x%x\n",
			what, st);
		kill(child, SIGKILL);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: raw_bphit HITS ADDRESS PROGRAM [ARGS...]\n");
		return 2;
	}
	long hits = atol(argv[1]);
	uintptr_t addr = (uintptr_t)strtoull(argv[2], NULL, 16);

	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv(argv[3], argv + 3);
		_exit(127);
	}
	wait_trap("exec"); /* stopped after execve */
	xptrace(PTRACE_SETOPTIONS, NULL, (void *)(long)PTRACE_O_EXITKILL,
		"PTRACE_SETOPTIONS");

	errno = 0;
	long orig = ptrace(PTRACE_PEEKTEXT, child, (void *)addr, NULL);
	if (errno)
		die("PTRACE_PEEKTEXT");
	long trap = (long)(((unsigned long)orig & ~0xfful) | 0xcc);
	xptrace(PTRACE_POKETEXT, (void *)addr, (void *)trap, "insert int3");

	struct user_regs_struct regs;
	double c0 = bench_cpu(), t0 = bench_now();
	for (long n = 0; n < hits; n++) {
		xptrace(PTRACE_CONT, NULL, NULL, "PTRACE_CONT");
		wait_trap("breakpoint");
		xptrace(PTRACE_GETREGS, NULL, &regs, "PTRACE_GETREGS");
		if (regs.rip - 1 != addr) {
			fprintf(stderr, "raw_bphit: trap at 0x%llx, not the breakpoint\n",
				regs.rip - 1);
			kill(child, SIGKILL);
			return 1;
		}
		regs.rip = addr; /* back onto the original instruction */
		xptrace(PTRACE_SETREGS, NULL, &regs, "PTRACE_SETREGS");
		xptrace(PTRACE_POKETEXT, (void *)addr, (void *)orig, "remove int3");
		xptrace(PTRACE_SINGLESTEP, NULL, NULL, "PTRACE_SINGLESTEP");
		wait_trap("single-step");
		xptrace(PTRACE_POKETEXT, (void *)addr, (void *)trap, "insert int3");
	}
	double secs = bench_now() - t0, cpu = bench_cpu() - c0;

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	printf("%ld %.6f %.1f %.6f\n", hits, secs, (double)hits / secs, cpu);
	return 0;
}
