/*
 * straight.c - benchmark target for single-stepping: step_loop() is a long
 * straight run of one-cycle instructions (4096 adds), then a jump back to
 * its start, for ever.  A tracer puts a breakpoint on step_loop, continues
 * to it, removes it, and single-steps.  Never exits by itself.
 *
 * Built -no-pie so that `nm` gives the address of step_loop.
 */
__attribute__((noinline)) void step_loop(void);
__attribute__((noinline)) void step_loop(void)
{
	__asm__ volatile("1:\n\t"
			 ".rept 4096\n\t"
			 "addq $1, %%rax\n\t"
			 ".endr\n\t"
			 "jmp 1b\n" ::: "rax", "cc");
}

int main(void)
{
	step_loop();
	return 0;
}
