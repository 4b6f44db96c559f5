/* sigchain: a thread whose SIGALRM handler raises SIGALRM again, for ever:
 * at almost any moment a SIGALRM is pending or being delivered.  Prints
 * "ready PID" once the chain runs.  A debugger that attaches and detaches
 * must not lose the pending signal: if the chain breaks, raise() returns
 * and the program prints "signal lost" and exits with status 3.  With the
 * argument "single" the chain runs in the main thread, no thread made.
 * Ends after 60 s at most (alarm-free: a time check in the handler). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static time_t t_end;

static void on_alrm(int sig)
{
	if (time(NULL) > t_end)
		_exit(0);
	raise(sig);
}

static void *chain(void *arg)
{
	(void)arg;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alrm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	raise(SIGALRM);
	printf("signal lost\n");
	fflush(stdout);
	exit(3);
}

int main(int argc, char **argv)
{
	t_end = time(NULL) + 60;
	if (argc > 1 && strcmp(argv[1], "single") == 0) {
		chain(NULL);
		return 0;
	}
	pthread_t th;
	pthread_create(&th, NULL, chain, NULL);
	pthread_join(th, NULL);
	return 0;
}
