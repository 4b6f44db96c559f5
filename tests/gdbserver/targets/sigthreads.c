/* sigthreads: main installs a SIGUSR1 handler, starts a worker that spins
 * until `go` is set and then calls b_stop(), and calls main_stop(); main
 * then joins the worker and prints "handled N" (the last signal its
 * handler took).  gdb stops main at main_stop, sets go, runs the worker
 * alone (scheduler-locking) to b_stop, then queues SIGUSR1 on main and
 * continues: main must enter the handler first, not re-report main_stop. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

volatile int go;
volatile int handled;

void handler(int sig)
{
	handled = sig;
}

void b_stop(void)
{
}

void main_stop(void)
{
}

static void *worker(void *arg)
{
	(void)arg;
	while (!go)
		;
	b_stop();
	return NULL;
}

int main(void)
{
	pthread_t t;
	signal(SIGUSR1, handler);
	pthread_create(&t, NULL, worker, NULL);
	main_stop();
	pthread_join(t, NULL);
	printf("handled %d\n", handled);
	return 0;
}
