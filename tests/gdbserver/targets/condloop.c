/* condloop: calls tick(n) for n = 0..999, then prints "done".  gdb's
 * `break tick if n % 100 == 99` stops there 10 times; evaluated by the
 * server (ConditionalBreakpoints+), only those 10 stops reach gdb. */
#include <stdio.h>

__attribute__((noinline)) void tick(int n)
{
	__asm__ volatile("" ::"r"(n));
}

int main(void)
{
	for (int n = 0; n < 1000; n++)
		tick(n);
	puts("done");
	return 0;
}
