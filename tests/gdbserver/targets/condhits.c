/* condhits: four threads call hitp(id) 200 times each, all at once, so
 * that threads whose hits gdb's condition rejects (`if id == 0`) and the
 * thread whose hits it takes stop at hitp in the same all-stop.  Every
 * hit of thread 0 must reach gdb: 200. */
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 4
#define NHITS 200

volatile int total;

__attribute__((noinline)) void hitp(int id)
{
	__atomic_add_fetch(&total, id + 1, __ATOMIC_SEQ_CST);
}

static pthread_barrier_t start;

static void *run(void *arg)
{
	int id = (int)(long)arg;
	pthread_barrier_wait(&start);
	for (int i = 0; i < NHITS; i++)
		hitp(id);
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, run, (void *)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("total %d\n", total);
	return 0;
}
