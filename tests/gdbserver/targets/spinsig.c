/* spinsig: installs a SIGUSR1 handler, calls ready(), then spins until
 * two SIGUSR1 have been handled (at most 60 s: alarm). */
#include <signal.h>
#include <unistd.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

__attribute__((noinline)) void ready(void)
{
	__asm__ volatile("");
}

int main(void)
{
	signal(SIGUSR1, on_usr1);
	alarm(60);
	ready();
	while (handled < 2)
		;
	return 0;
}
