/* tls: a thread-local variable that main and a second thread each set to
 * their own value (11 and 22) before main calls tls_stop(), where gdb
 * prints it in both threads (qGetTLSAddr through libthread_db).  The
 * worker waits on a barrier meanwhile, so both threads exist at the stop. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>

__thread int tls_var = 1;
static pthread_barrier_t ready, go;

void tls_stop(void)
{
}

static void *worker(void *arg)
{
	(void)arg;
	tls_var = 22;
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&go);
	return (void *)(long)tls_var;
}

int main(void)
{
	pthread_t t;
	void *r;
	pthread_barrier_init(&ready, NULL, 2);
	pthread_barrier_init(&go, NULL, 2);
	tls_var = 11;
	pthread_create(&t, NULL, worker, NULL);
	pthread_barrier_wait(&ready);
	tls_stop();
	pthread_barrier_wait(&go);
	pthread_join(t, &r);
	printf("tls %d %ld\n", tls_var, (long)r);
	return 0;
}
