/* sleeper: for attach.  Prints "ready PID" then calls tick() every 10 ms
 * until its stdin closes... or for at most 60 s. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

volatile long ticks;

void tick(void)
{
	ticks++;
}

int main(void)
{
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	for (int i = 0; i < 6000; i++) {
		tick();
		nanosleep(&ts, NULL);
	}
	return 0;
}
