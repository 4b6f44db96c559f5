/*
 * loop.c - benchmark target: calls bench_hit() N times, single-threaded.
 *
 *   loop N
 *
 * Built -no-pie so that the address of bench_hit is the one `nm` prints.
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) long bench_hit(long i);
__attribute__((noinline)) long bench_hit(long i)
{
	__asm__ volatile("" ::: "memory"); /* keep the call, keep it tiny */
	return i & 1;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s N\n", argv[0]);
		return 2;
	}
	long n = atol(argv[1]), sum = 0;
	for (long i = 0; i < n; i++)
		sum += bench_hit(i);
	return sum == n / 2 ? 0 : 1;
}
