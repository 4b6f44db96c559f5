/* forkloop: four threads fork (and reap) children in a loop while main
 * calls step_a() and step_b() for ever, so that forks (and their fork
 * events) land in the middle of gdb's `next` over those calls.  Ends by
 * SIGALRM after 60 s if nobody kills it. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define NFORKERS 4

static void *forker(void *arg)
{
	(void)arg;
	for (;;) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(11);
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) != pid ||
		    !WIFEXITED(st) || WEXITSTATUS(st) != 11)
			abort();
		usleep(4000); /* the pace of the forks: not a synchronisation */
	}
	return NULL;
}

static volatile unsigned long spins;

__attribute__((noinline)) static void work(void)
{
	for (int i = 0; i < 2000000; i++)
		spins++;
}

__attribute__((noinline)) void step_a(void)
{
	work();
}

__attribute__((noinline)) void step_b(void)
{
	work();
}

int main(void)
{
	alarm(60);
	pthread_t t[NFORKERS];
	for (int i = 0; i < NFORKERS; i++)
		pthread_create(&t[i], NULL, forker, NULL);
	for (;;) {
		step_a(); /* line a */
		step_b(); /* line b */
	}
	return 0;
}
