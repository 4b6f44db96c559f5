/* bphits: four threads call hit() 25 times each, all at once, so that
 * several threads stop at one breakpoint in the same all-stop.  The
 * server must report every hit: gdb counts 100. */
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 4
#define NHITS 25

volatile int total;

void hit(void)
{
	__atomic_add_fetch(&total, 1, __ATOMIC_SEQ_CST);
}

static pthread_barrier_t start;

static void *run(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (int i = 0; i < NHITS; i++)
		hit();
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, run, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("total %d\n", total);
	return 0;
}
