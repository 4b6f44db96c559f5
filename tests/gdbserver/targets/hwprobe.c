/* hwprobe: does this CPU raise the debug exception for a data watchpoint?
 * A raw ptrace watchpoint (no proctrace) on a forked child; exits 0 and
 * prints "fires" if the write traps, exits 1 with "never fires" if not. */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long target_word;

int main(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		target_word = 42;
		_exit(0);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		return 2;
	/* DR0 = the address; DR7: slot 0 enabled (bit 0), write (01) at
	 * bits 16-17, 8 bytes (10) at bits 18-19. */
	uint64_t dr7 = 1u | (1u << 16) | (2u << 18);
	if (ptrace(PTRACE_POKEUSER, pid, (void *)offsetof(struct user, u_debugreg[0]),
		   (void *)&target_word) < 0 ||
	    ptrace(PTRACE_POKEUSER, pid, (void *)offsetof(struct user, u_debugreg[7]),
		   (void *)(uintptr_t)dr7) < 0) {
		puts("cannot set debug registers");
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return 1;
	}
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	waitpid(pid, &st, 0);
	int fires = WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP;
	if (WIFSTOPPED(st)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	puts(fires ? "fires" : "never fires");
	return fires ? 0 : 1;
}
