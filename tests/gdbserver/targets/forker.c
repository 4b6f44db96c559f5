/* forker [vfork]: fork (or vfork) a child that calls child_fn (gdb has a
 * breakpoint there in the parent: the child must not die of it) and exits
 * 3 (vfork: 4); the parent waits for it, prints its status, and calls
 * after_fork. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) void child_fn(void)
{
	__asm__ volatile("");
}

__attribute__((noinline)) void after_fork(int st)
{
	__asm__ volatile("" ::"r"(st));
}

int main(int argc, char **argv)
{
	pid_t c;
	if (argc > 1 && strcmp(argv[1], "vfork") == 0) {
		c = vfork();
		if (c == 0) {
			child_fn();
			_exit(4);
		}
	} else {
		c = fork();
		if (c == 0) {
			child_fn();
			_exit(3);
		}
	}
	int st = 0;
	waitpid(c, &st, 0);
	printf("child exit %d\n",
	       WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
	after_fork(st);
	return 0;
}
