/* lastexit: main starts one thread, which calls thread_done() and returns;
 * main joins it and prints "joined".  With scheduler-locking on, a
 * continue from thread_done runs only that thread, which exits: no thread
 * is left running (gdb: "No unwaited-for children left."). */
#include <pthread.h>
#include <stdio.h>

void thread_done(void)
{
}

static void *worker(void *arg)
{
	(void)arg;
	thread_done();
	return NULL;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	printf("joined\n");
	return 0;
}
