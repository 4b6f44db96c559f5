/* forkkill: fork a child that spins, kill it with SIGKILL, then call
 * after_kill (a breakpoint there is hit while the child's death is
 * still on its way to the tracer, or just arrived); reap the child and
 * exit 0.  The child cannot be reaped by the parent before its tracer
 * has seen it die. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) void after_kill(void)
{
	__asm__ volatile("");
}

int main(void)
{
	pid_t c = fork();
	if (c == 0)
		for (;;)
			__asm__ volatile("");
	kill(c, SIGKILL);
	after_kill();
	waitpid(c, NULL, 0);
	return 0;
}
