/*
 * pt_memread.c - read a tracee's memory through proctrace.
 *
 *   pt_memread READS BUFVAR ADDRESS PROGRAM [ARGS...]
 *
 * The same job as raw_memread.c, the way a proctrace user writes it:
 * launch PROGRAM (targets/bigbuf.c), breakpoint at ADDRESS (buf_ready),
 * pt_continue, pt_wait; read bench_mem (buffer address, length) at BUFVAR
 * with pt_mem_read; then, READS times, one pt_mem_read of the whole buffer
 * into a buffer of ours that was written beforehand.  Checks the bytes,
 * kills PROGRAM, prints "BYTES SECONDS MIB_PER_SECOND" for all the reads
 * together.
 */
#include <inttypes.h>

#include <proctrace.h>

#include "common.h"
#include "memcheck.h"

static void fail(const char *what, int err)
{
	const char *msg = pt_errmsg();
	bench_die("%s: %s", what, *msg ? msg : pt_strerror(err));
}

int main(int argc, char **argv)
{
	bench_prog = "pt_memread";
	if (argc < 5)
		bench_die("usage: pt_memread READS BUFVAR ADDRESS PROGRAM [ARGS...]");
	long reads = atol(argv[1]);
	uint64_t var = strtoull(argv[2], NULL, 16);
	uint64_t addr = strtoull(argv[3], NULL, 16);

	pt_process *p = NULL;
	int r = pt_launch(argv[4], argv + 4, NULL, &p);
	if (r < 0)
		fail("launch", r);
	if ((r = pt_breakpoint_add(p, addr)) < 0 || (r = pt_continue(p)) < 0 ||
	    (r = pt_wait(p, -1)) < 0)
		fail("run to buf_ready", r);
	uint64_t vars[2];
	size_t done = 0;
	if ((r = pt_mem_read(p, var, vars, sizeof vars, &done)) < 0)
		fail("read bench_mem", r);
	size_t len = (size_t)vars[1];
	unsigned char *dst = bench_membuf(len);

	double secs = 0;
	for (long i = 0; i < reads; i++) {
		double t0 = bench_now();
		r = pt_mem_read(p, vars[0], dst, len, &done);
		secs += bench_now() - t0;
		if (r < 0)
			fail("pt_mem_read", r);
		if (done != len)
			bench_die("pt_mem_read: %zu bytes of %zu", done, len);
		bench_memcheck(dst, len);
	}

	if ((r = pt_kill(p)) < 0)
		fail("kill", r);
	pt_process_free(p);
	double bytes = (double)len * (double)reads;
	printf("%.0f %.6f %.1f\n", bytes, secs, bytes / 1048576.0 / secs);
	return 0;
}
