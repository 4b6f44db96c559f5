/* rawfork: forks with a bare syscall instruction at the global label
 * fork_insn (a breakpoint and a stepi there: the step is interrupted by
 * the fork event, inside the call); the child exits 0 at once, the parent
 * reaps it and exits 0. */
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long raw_fork(void)
{
	long r;
	__asm__ volatile(".globl fork_insn\n"
			 "fork_insn: syscall"
			 : "=a"(r)
			 : "a"((long)SYS_fork)
			 : "rcx", "r11", "memory");
	return r;
}

int main(void)
{
	long c = raw_fork();
	if (c == 0)
		_exit(0);
	waitpid((pid_t)c, NULL, 0);
	return 0;
}
