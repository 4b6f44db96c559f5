/* signals: raises SIGUSR1 three times; the handler counts them. */
#include <signal.h>
#include <stdio.h>

volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

void after_signals(void)
{
}

int main(void)
{
	signal(SIGUSR1, on_usr1);
	for (int i = 0; i < 3; i++)
		raise(SIGUSR1);
	after_signals();
	printf("handled %d\n", (int)handled);
	return 0;
}
