/* detachsig FILE: raises SIGUSR1 three times (the handler counts them),
 * then writes "handled N" to FILE (a FIFO the test reads) and exits.  A
 * debugger that detaches at the first signal decides whether that one is
 * delivered. */
#include <signal.h>
#include <stdio.h>

volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	signal(SIGUSR1, on_usr1);
	for (int i = 0; i < 3; i++)
		raise(SIGUSR1);
	FILE *f = fopen(argv[1], "w");
	if (!f)
		return 1;
	fprintf(f, "handled %d\n", (int)handled);
	return fclose(f) == 0 ? 0 : 1;
}
