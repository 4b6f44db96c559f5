/*
 * mtloop.c - benchmark target: T threads, each calling bench_hit() K times,
 * all starting at once.
 *
 *   mtloop T K
 *
 * Starts T worker threads, which wait at a gate; prints "ready" on stdout;
 * reads one byte from stdin (or EOF), opens the gate, joins the workers
 * and exits 0 if every one of them made its K calls.  The main thread never
 * calls bench_hit().  Built -no-pie so that `nm` gives the address of
 * bench_hit.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) long bench_hit(long i);
__attribute__((noinline)) long bench_hit(long i)
{
	__asm__ volatile("" ::: "memory"); /* keep the call, keep it tiny */
	return i & 1;
}

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open;
static long calls;

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&gate_lock);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	long sum = 0;
	for (long i = 0; i < calls; i++)
		sum += bench_hit(i);
	return (void *)(intptr_t)sum;
}

int main(int argc, char **argv)
{
	if (argc != 3 || atol(argv[1]) < 1 || atol(argv[2]) < 0) {
		fprintf(stderr, "usage: %s THREADS CALLS\n", argv[0]);
		return 2;
	}
	long nthreads = atol(argv[1]);
	calls = atol(argv[2]);
	pthread_t *th = calloc((size_t)nthreads, sizeof *th);
	if (!th)
		return 1;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	size_t stack = 64 * 1024;
	if (stack < PTHREAD_STACK_MIN)
		stack = PTHREAD_STACK_MIN;
	pthread_attr_setstacksize(&attr, stack);
	for (long i = 0; i < nthreads; i++) {
		int rc = pthread_create(&th[i], &attr, worker, NULL);
		if (rc != 0) {
			fprintf(stderr, "mtloop: thread %ld: %s\n", i,
				strerror(rc));
			return 1;
		}
	}
	printf("ready %ld %ld\n", nthreads, calls);
	fflush(stdout);
	char c;
	while (read(0, &c, 1) < 0 && errno == EINTR)
		; /* EOF or an error opens the gate too */
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	int bad = 0;
	for (long i = 0; i < nthreads; i++) {
		void *ret;
		pthread_join(th[i], &ret);
		if ((long)(intptr_t)ret != calls / 2)
			bad = 1;
	}
	free(th);
	return bad;
}
