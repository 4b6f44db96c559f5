/*
 * memcheck.h - the reader's side of targets/bigbuf.c: a destination buffer
 * with every page already faulted in, and a check of the bytes read.
 */
#ifndef BENCH_MEMCHECK_H
#define BENCH_MEMCHECK_H

#include <sys/mman.h>

#include "common.h"

/* len bytes, every page written once, so that reading into it costs no
 * page fault. */
static unsigned char *bench_membuf(size_t len)
{
	unsigned char *b = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		bench_die("mmap %zu: %s", len, strerror(errno));
	memset(b, 0x5a, len);
	return b;
}

/* Byte i of bigbuf's buffer is (i * 7 + i / 4096) & 0xff: check one byte
 * per 509 (a prime, so every offset within a page comes up), and the last. */
static unsigned char bench_membyte(size_t i)
{
	return (unsigned char)((i * 7 + i / 4096) & 0xff);
}

static void bench_memcheck1(const unsigned char *b, size_t i)
{
	if (b[i] != bench_membyte(i))
		bench_die("byte %zu read as 0x%02x, expected 0x%02x", i, b[i],
			  bench_membyte(i));
}

static void bench_memcheck(const unsigned char *b, size_t len)
{
	for (size_t i = 0; i < len; i += 509)
		bench_memcheck1(b, i);
	if (len)
		bench_memcheck1(b, len - 1);
}

#endif
