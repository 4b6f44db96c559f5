/* watchloop: two threads each add 1 to their own counter, without a
 * pause, until it reaches LIMIT; main joins them and prints "total N".
 * With a watchpoint on each counter, both threads hit at about the same
 * time: one hit is reported while the other thread's waits.  Every hit
 * must be reported, each "Old value = k, New value = k+1". */
#include <pthread.h>
#include <stdio.h>

#define LIMIT 20

volatile int counters[2];

static void *worker(void *arg)
{
	volatile int *c = &counters[(long)arg];
	while (*c < LIMIT)
		(*c)++;
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("total %d\n", counters[0] + counters[1]);
	return 0;
}
