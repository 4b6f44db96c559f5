/* condloop: calls tick(n) for n = 0..999 (count = n meanwhile), then
 * prints "done".  gdb's `break tick if count % 100 == 99` stops there 10
 * times; evaluated by the server (ConditionalBreakpoints+), only those 10
 * stops reach gdb.  (A global: gdb's bytecode for a local of clang's code
 * reads a wrong address, which makes every hit a stop.) */
#include <stdio.h>

volatile int count;

__attribute__((noinline)) void tick(int n)
{
	__asm__ volatile("" ::"r"(n));
}

int main(void)
{
	for (int n = 0; n < 1000; n++) {
		count = n;
		tick(n);
	}
	puts("done");
	return 0;
}
