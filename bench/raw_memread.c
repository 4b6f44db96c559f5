/*
 * raw_memread.c - the floor: read a tracee's memory with one
 * process_vm_readv(2) call.
 *
 *   raw_memread READS BUFVAR ADDRESS PROGRAM [ARGS...]
 *
 * Runs PROGRAM (targets/bigbuf.c) under ptrace up to an int3 at ADDRESS
 * (buf_ready, hex, non-PIE).  The tracee is then stopped with its buffer
 * filled; BUFVAR is the address of its global bench_mem (buffer address,
 * length), read with PTRACE_PEEKDATA.  Then, READS times, one
 * process_vm_readv of the whole buffer into a buffer of ours that was
 * written beforehand (so no page fault of ours is timed).  Checks the
 * bytes, kills PROGRAM, prints "BYTES SECONDS MIB_PER_SECOND" for all the
 * reads together.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "common.h"
#include "memcheck.h"

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

static long peek(uintptr_t addr)
{
	errno = 0;
	long v = ptrace(PTRACE_PEEKDATA, child, (void *)addr, NULL);
	if (errno)
		die("PTRACE_PEEKDATA");
	return v;
}

int main(int argc, char **argv)
{
	bench_prog = "raw_memread";
	if (argc < 5)
		bench_die("usage: raw_memread READS BUFVAR ADDRESS PROGRAM [ARGS...]");
	long reads = atol(argv[1]);
	uintptr_t var = (uintptr_t)strtoull(argv[2], NULL, 16);
	uintptr_t addr = (uintptr_t)strtoull(argv[3], NULL, 16);

	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execv(argv[4], argv + 4);
		_exit(127);
	}
	wait_trap("exec");
	if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)(long)PTRACE_O_EXITKILL) < 0)
		die("PTRACE_SETOPTIONS");
	long orig = peek(addr);
	long trap = (long)(((unsigned long)orig & ~0xfful) | 0xcc);
	if (ptrace(PTRACE_POKETEXT, child, (void *)addr, (void *)trap) < 0 ||
	    ptrace(PTRACE_CONT, child, NULL, NULL) < 0)
		die("insert int3, continue");
	wait_trap("breakpoint");

	uintptr_t buf = (uintptr_t)peek(var);
	size_t len = (size_t)peek(var + sizeof(long));
	unsigned char *dst = bench_membuf(len);

	double secs = 0;
	for (long i = 0; i < reads; i++) {
		struct iovec local = { dst, len }, remote = { (void *)buf, len };
		double t0 = bench_now();
		ssize_t n = process_vm_readv(child, &local, 1, &remote, 1, 0);
		secs += bench_now() - t0;
		if (n < 0)
			die("process_vm_readv");
		if ((size_t)n != len) {
			kill(child, SIGKILL);
			bench_die("process_vm_readv: %zd bytes of %zu", n, len);
		}
		bench_memcheck(dst, len);
	}

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	double bytes = (double)len * (double)reads;
	printf("%.0f %.6f %.1f\n", bytes, secs, bytes / 1048576.0 / secs);
	return 0;
}
