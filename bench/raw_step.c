/*
 * raw_step.c - the floor: single-steps per second with bare ptrace(2).
 *
 *   raw_step STEPS ADDRESS PROGRAM [ARGS...]
 *
 * Runs PROGRAM (targets/straight.c) under ptrace up to an int3 at ADDRESS
 * (step_loop, hex, non-PIE), takes the int3 out and rewinds, then times
 * STEPS rounds of PTRACE_SINGLESTEP + waitpid (each checked to be a
 * SIGTRAP).  Kills PROGRAM and prints
 * "STEPS SECONDS STEPS_PER_SECOND CPU_SECONDS" (CPU: this process, user +
 * system, during the timed loop).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "common.h"

static pid_t child;

static void die(const char *what)
{
	int e = errno;
	if (child > 0)
		kill(child, SIGKILL);
	bench_die("%s: %s", what, strerror(e));
}

static void wait_trap(const char *what)
{
	int st;
	if (waitpid(child, &st, 0) < 0)
		die("waitpid");
	if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP) {
		kill(child, SIGKILL);
		bench_die("%s: unexpected wait status 0x%x", what, st);
	}
}

int main(int argc, char **argv)
{
	bench_prog = "raw_step";
	if (argc < 4)
		bench_die("usage: raw_step STEPS ADDRESS PROGRAM [ARGS...]");
	long steps = atol(argv[1]);
	uintptr_t addr = (uintptr_t)strtoull(argv[2], NULL, 16);

	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv(argv[3], argv + 3);
		_exit(127);
	}
	wait_trap("exec");
	if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)(long)PTRACE_O_EXITKILL) < 0)
		die("PTRACE_SETOPTIONS");
	errno = 0;
	long orig = ptrace(PTRACE_PEEKTEXT, child, (void *)addr, NULL);
	if (errno)
		die("PTRACE_PEEKTEXT");
	long trap = (long)(((unsigned long)orig & ~0xfful) | 0xcc);
	if (ptrace(PTRACE_POKETEXT, child, (void *)addr, (void *)trap) < 0 ||
	    ptrace(PTRACE_CONT, child, NULL, NULL) < 0)
		die("insert int3, continue");
	wait_trap("breakpoint");
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, child, NULL, &regs) < 0)
		die("PTRACE_GETREGS");
	if (regs.rip - 1 != addr) {
		kill(child, SIGKILL);
		bench_die("trap at 0x%llx, not the breakpoint", regs.rip - 1);
	}
	regs.rip = addr;
	if (ptrace(PTRACE_SETREGS, child, NULL, &regs) < 0 ||
	    ptrace(PTRACE_POKETEXT, child, (void *)addr, (void *)orig) < 0)
		die("rewind, remove int3");

	double c0 = bench_cpu(), t0 = bench_now();
	for (long n = 0; n < steps; n++) {
		if (ptrace(PTRACE_SINGLESTEP, child, NULL, NULL) < 0)
			die("PTRACE_SINGLESTEP");
		wait_trap("single-step");
	}
	double secs = bench_now() - t0, cpu = bench_cpu() - c0;

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	printf("%ld %.6f %.1f %.6f\n", steps, secs, (double)steps / secs, cpu);
	return 0;
}
