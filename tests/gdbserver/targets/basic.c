/* basic: functions, a global and an exit code, for break/step/finish,
 * registers, memory, set var and run again. */
#include <stdio.h>
#include <stdlib.h>

int global_counter = 7;
volatile long watched;

int add(int a, int b)
{
	int r = a + b; /* line add_body */
	return r;
}

int compute(int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s = add(s, i);
	return s;
}

int main(int argc, char **argv)
{
	int x = compute(5);
	watched = x;
	global_counter += x;
	printf("result %d counter %d\n", x, global_counter);
	fflush(stdout);
	return argc > 1 ? atoi(argv[1]) : 0;
}
