/*
 * bigbuf.c - benchmark target for memory reads.
 *
 *   bigbuf MIB
 *
 * Maps MIB MiB of private anonymous memory, writes every byte (byte i holds
 * (i * 7 + i / 4096) & 0xff, so that a reader can check what it got), stores
 * the address and the length in the global bench_mem (buf, then len), then
 * calls buf_ready(): a tracer's breakpoint goes there.  Then it exits.
 *
 * Built -no-pie so that `nm` gives the addresses of bench_mem and of
 * buf_ready.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

struct {
	unsigned char *buf;
	unsigned long len;
} bench_mem;

__attribute__((noinline)) void buf_ready(void);
__attribute__((noinline)) void buf_ready(void)
{
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s MIB\n", argv[0]);
		return 2;
	}
	unsigned long len = strtoul(argv[1], NULL, 10) << 20;
	unsigned char *b = mmap(NULL, len ? len : 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (unsigned long i = 0; i < len; i++)
		b[i] = (unsigned char)((i * 7 + i / 4096) & 0xff);
	bench_mem.buf = b;
	bench_mem.len = len;
	buf_ready();
	return 0;
}
