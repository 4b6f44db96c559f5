/* spinwait: the main thread waits in a busy loop for a flag that only
 * another thread sets (thread B, 0.3 s after the main thread enters
 * a_waits), while thread C counts ticks for ever.  A `next` over the loop
 * ends only if the other threads run while the main thread is stepped;
 * under `set scheduler-locking on`, ticks must not move while the main
 * thread runs a_work. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>

volatile int at_loop, go, c_ready;
volatile unsigned long spins, ticks;

static void *thread_b(void *arg)
{
	(void)arg;
	while (!at_loop)
		;
	struct timespec ts = { 0, 300000000 };
	nanosleep(&ts, NULL);
	go = 1;
	return NULL;
}

static void *thread_c(void *arg)
{
	(void)arg;
	c_ready = 1;
	for (;;)
		ticks++;
	return NULL;
}

__attribute__((noinline)) void a_mark(void)
{
	__asm__ volatile("");
}

/* A while of work for the main thread alone (tens of milliseconds). */
volatile unsigned long work;
__attribute__((noinline)) void a_work(void)
{
	for (int i = 0; i < 30000000; i++)
		work++;
}

__attribute__((noinline)) void a_waits(void)
{
	at_loop = 1;
	while (!go) spins++; /* one line */
	a_mark();
}

int main(void)
{
	pthread_t b, c;
	pthread_create(&c, NULL, thread_c, NULL);
	while (!c_ready)
		;
	pthread_create(&b, NULL, thread_b, NULL);
	a_work();
	a_waits();
	printf("a done\n");
	pthread_join(b, NULL);
	return 0;
}
