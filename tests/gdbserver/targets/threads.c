/* threads: four workers that each reach worker_ready() and then wait for
 * main to release them, so "info threads" sees five threads at once. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>

#define NWORKERS 4

static pthread_barrier_t ready, go;
volatile int worker_sum;

void worker_ready(int id)
{
	__atomic_add_fetch(&worker_sum, id, __ATOMIC_SEQ_CST);
}

void all_ready(void)
{
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	char name[16];
	snprintf(name, sizeof name, "worker-%d", id);
	pthread_setname_np(pthread_self(), name);
	worker_ready(id);
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&go);
	return NULL;
}

int main(void)
{
	pthread_t t[NWORKERS];
	pthread_barrier_init(&ready, NULL, NWORKERS + 1);
	pthread_barrier_init(&go, NULL, NWORKERS + 1);
	for (long i = 0; i < NWORKERS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	pthread_barrier_wait(&ready);
	all_ready();
	pthread_barrier_wait(&go);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(t[i], NULL);
	printf("sum %d\n", worker_sum);
	return 0;
}
