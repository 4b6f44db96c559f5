/* hitloop: calls tick() for ever (ended by SIGALRM after 60 s if nobody
 * kills it): a breakpoint there is hit again as soon as the program runs. */
#include <unistd.h>

volatile unsigned long ticks;

__attribute__((noinline)) void tick(void)
{
	ticks++;
}

int main(void)
{
	alarm(60);
	for (;;)
		tick();
}
