/* zombieleader: the main thread ends with pthread_exit while a worker
 * named "lonely" runs on; the worker calls worker_here() (a place for a
 * breakpoint), then the process exits with status 0 when it returns.
 * The leader is then a zombie: /proc/PID/exe, auxv and maps of the
 * process id itself read nothing. */
#define _GNU_SOURCE
#include <pthread.h>
#include <unistd.h>

volatile int reached;

void worker_here(void)
{
	reached = 1;
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "lonely");
	usleep(200 * 1000); /* the leader has exited by now */
	worker_here();
	return NULL;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	pthread_exit(NULL);
}
