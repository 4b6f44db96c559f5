/*
 * demo-target.c - a small multi-threaded program to trace with bpcount.
 *
 *   demo-target NTHREADS ITERATIONS
 *
 * Starts NTHREADS threads; each calls work_item() ITERATIONS times and
 * accumulates the results.  The main thread joins them and prints the total.
 * work_item() is kept a real, out-of-line function so that a breakpoint on
 * its symbol is hit once per call.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct worker {
	pthread_t id;
	int index;
	long iterations;
	uint64_t sum;
};

/* A little arithmetic (an xorshift step).  noinline + a global symbol: the
 * compiler must emit one real call per iteration. */
__attribute__((noinline)) uint64_t work_item(int thread, int i);
__attribute__((noinline)) uint64_t work_item(int thread, int i)
{
	uint64_t x = ((uint64_t)thread << 32) ^ (uint64_t)i ^ 0x9e3779b97f4a7c15u;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x & 0xffff;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (long i = 0; i < w->iterations; i++)
		w->sum += work_item(w->index, (int)i);
	return NULL;
}

static long parse_count(const char *s, const char *what, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max) {
		fprintf(stderr, "demo-target: bad %s '%s' (1..%ld)\n", what, s,
			max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s NTHREADS ITERATIONS\n", argv[0]);
		return 2;
	}
	int nthreads = (int)parse_count(argv[1], "thread count", 1024);
	long iterations = parse_count(argv[2], "iteration count", 1L << 31);

	struct worker *workers = calloc((size_t)nthreads, sizeof *workers);
	if (!workers) {
		perror("demo-target: calloc");
		return 1;
	}
	int started = 0;
	for (; started < nthreads; started++) {
		struct worker *w = &workers[started];
		w->index = started;
		w->iterations = iterations;
		int err = pthread_create(&w->id, NULL, worker_main, w);
		if (err) {
			fprintf(stderr, "demo-target: pthread_create: %s\n",
				strerror(err));
			break;
		}
	}

	uint64_t total = 0;
	for (int t = 0; t < started; t++) {
		pthread_join(workers[t].id, NULL);
		total += workers[t].sum;
	}
	free(workers);
	if (started < nthreads)
		return 1;

	printf("demo-target: %d threads x %ld calls of work_item, total %" PRIu64
	       "\n", nthreads, iterations, total);
	return 0;
}
