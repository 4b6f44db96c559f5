/* sigpair: two threads wait in pause(), each counting the SIGUSR1s its
 * handler takes.  ROUNDS times, main calls ready() (gdb breaks there and
 * sends each thread a SIGUSR1 while the process is stopped, so that both
 * report their signal at the next resume, often in one stop: one reported,
 * one held), then waits up to 5 s for both handlers.  A signal lost prints
 * "lost in round R (A B)" and exits 1; else "hits A B", exit 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile int hits[2];
static volatile pid_t tids[2];

static void handler(int sig)
{
	(void)sig;
	pid_t me = (pid_t)syscall(SYS_gettid);
	for (int i = 0; i < 2; i++)
		if (tids[i] == me)
			hits[i]++;
}

static void *waiter(void *arg)
{
	int i = (int)(long)arg;
	tids[i] = (pid_t)syscall(SYS_gettid);
	for (;;)
		pause();
	return NULL;
}

void ready(void)
{
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

#define ROUNDS 32

int main(void)
{
	struct sigaction sa = { .sa_handler = handler };
	sigaction(SIGUSR1, &sa, NULL);
	pthread_t t[2];
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, waiter, (void *)i);
	while (!tids[0] || !tids[1])
		sched_yield();
	for (int r = 1; r <= ROUNDS; r++) {
		ready();
		long long end = now_ms() + 5000;
		while ((hits[0] < r || hits[1] < r) && now_ms() < end)
			sched_yield();
		if (hits[0] != r || hits[1] != r) {
			printf("lost in round %d (%d %d)\n", r, hits[0], hits[1]);
			return 1;
		}
	}
	printf("hits %d %d\n", hits[0], hits[1]);
	fflush(stdout);
	return 0;
}
