/* sigloop: raises SIGUSR1 N times (argv[1], default 2000) in a loop; the
 * handler counts them; prints "handled N". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	signal(SIGUSR1, on_usr1);
	for (int i = 0; i < n; i++)
		raise(SIGUSR1);
	printf("handled %d\n", (int)handled);
	return 0;
}
