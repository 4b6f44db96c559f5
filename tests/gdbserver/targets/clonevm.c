/* clonevm: main makes a child with clone(CLONE_VM | CLONE_FILES), no
 * CLONE_THREAD and no exit signal: a new thread group on main's memory,
 * which gdb counts as a thread of the program (an LWP).  The child calls
 * in_clone() and returns 7; main waits for it (__WALL) and prints
 * "clone exit 7". */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

volatile int clone_calls;

void in_clone(void)
{
	clone_calls++;
}

static int fn(void *arg)
{
	(void)arg;
	in_clone();
	return 7;
}

int main(void)
{
	enum { STACK = 64 * 1024 };
	char *stack = malloc(STACK);
	int st = 0;
	pid_t c = clone(fn, stack + STACK, CLONE_VM | CLONE_FILES, NULL);
	if (c < 0 || waitpid(c, &st, __WALL) != c) {
		perror("clone");
		return 1;
	}
	printf("clone exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	free(stack);
	return 0;
}
