/*
 * sleepers.c - benchmark target: a process of N threads (the main thread
 * included), every one of them blocked in pause().
 *
 *   sleepers N
 *
 * Prints "ready N" on stdout once all N-1 extra threads run and have
 * reached pause(), then sleeps for ever (end it with a signal).  Stacks are
 * small so that thousands of threads cost little memory.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int up;

static void *sleeper(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&up, 1, __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2 || atol(argv[1]) < 1) {
		fprintf(stderr, "usage: %s NTHREADS\n", argv[0]);
		return 2;
	}
	long n = atol(argv[1]);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	size_t stack = 64 * 1024;
	if (stack < PTHREAD_STACK_MIN)
		stack = PTHREAD_STACK_MIN;
	pthread_attr_setstacksize(&attr, stack);
	for (long i = 1; i < n; i++) {
		pthread_t th;
		int rc = pthread_create(&th, &attr, sleeper, NULL);
		if (rc != 0) {
			fprintf(stderr, "sleepers: thread %ld: %s\n", i,
				strerror(rc));
			return 1;
		}
	}
	while (__atomic_load_n(&up, __ATOMIC_ACQUIRE) < n - 1)
		usleep(1000);
	usleep(10000); /* the last ones from the counter into pause() */
	printf("ready %ld\n", n);
	fflush(stdout);
	for (;;)
		pause();
}
