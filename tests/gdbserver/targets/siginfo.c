/* siginfo: `siginfo segv` faults writing address 0x10; `siginfo` queues
 * itself SIGUSR1 with the value 7 (sigqueue) to an SA_SIGINFO handler
 * that prints the value it receives ("sival N"). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int got = -1;

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	got = si->si_value.sival_int;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "segv") == 0)
		*(volatile int *)0x10 = 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	union sigval v = { .sival_int = 7 };
	sigqueue(getpid(), SIGUSR1, v);
	printf("sival %d\n", got);
	return 0;
}
