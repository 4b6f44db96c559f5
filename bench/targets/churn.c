/*
 * churn.c - benchmark target for thread churn.
 *
 *   churn N
 *
 * Creates N short-lived threads, one after the other, each joined before
 * the next is created (64 KiB stacks), and exits 0 if every thread ran.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *worker(void *arg)
{
	return (void *)((long)arg + 1);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s N\n", argv[0]);
		return 2;
	}
	long n = atol(argv[1]), sum = 0;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	for (long i = 0; i < n; i++) {
		pthread_t t;
		void *ret;
		if (pthread_create(&t, &a, worker, (void *)i) != 0) {
			perror("pthread_create");
			return 1;
		}
		pthread_join(t, &ret);
		sum += (long)ret - i;
	}
	return sum == n ? 0 : 1;
}
