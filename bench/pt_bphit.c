/*
 * pt_bphit.c - breakpoint hits per second through proctrace.
 *
 *   pt_bphit HITS ADDRESS PROGRAM [ARGS...]
 *
 * The same job as raw_bphit.c, the way a proctrace user writes it: launch,
 * one breakpoint at ADDRESS (hex, non-PIE), then pt_continue/pt_wait and
 * check that the stop is our breakpoint, HITS times.  Then kills PROGRAM and
 * prints "HITS SECONDS HITS_PER_SECOND CPU_SECONDS".
 *
 * With PT_BENCH_ON_TRACER=1 in the environment the timed loop runs inside
 * pt_call_on_tracer (the same calls, made on the tracer thread).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <proctrace.h>

#include "common.h"

static int fail(pt_process *p, const char *what, int err)
{
	const char *msg = pt_errmsg();
	fprintf(stderr, "pt_bphit: %s: %s\n", what, *msg ? msg : pt_strerror(err));
	pt_process_free(p);
	return 1;
}

struct job {
	long hits;
	uint64_t addr;
	const char *what;      /* the call that failed */
	long bad_hit;          /* the hit that was not ours */
	const char *bad_kind;
};

/* <0: a call failed (j->what); 1: a stop that is not our breakpoint. */
static int hit_loop(pt_process *p, void *arg)
{
	struct job *j = arg;
	int r;
	for (long n = 0; n < j->hits; n++) {
		if ((r = pt_continue(p)) < 0) {
			j->what = "continue";
			return r;
		}
		if ((r = pt_wait(p, -1)) < 0) {
			j->what = "wait";
			return r;
		}
		pt_stop_cause c = { .sz = sizeof c };
		pt_thread *t = pt_process_event_thread(p);
		if (!t || (r = pt_thread_stop_cause(t, &c)) < 0 ||
		    c.kind != PT_STOP_BREAKPOINT || c.addr != j->addr) {
			j->bad_hit = n;
			j->bad_kind = pt_stop_kind_name(c.kind);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: pt_bphit HITS ADDRESS PROGRAM [ARGS...]\n");
		return 2;
	}
	long hits = atol(argv[1]);
	uint64_t addr = strtoull(argv[2], NULL, 16);

	pt_process *p = NULL;
	int r = pt_launch(argv[3], argv + 3, NULL, &p);
	if (r < 0)
		return fail(NULL, "launch", r);
	if ((r = pt_breakpoint_add(p, addr)) < 0)
		return fail(p, "breakpoint", r);

	struct job j = { .hits = hits, .addr = addr };
	double c0 = bench_cpu(), t0 = bench_now();
	r = bench_on_tracer() ? pt_call_on_tracer(p, hit_loop, &j) : hit_loop(p, &j);
	if (r < 0)
		return fail(p, j.what, r);
	if (r > 0) {
		fprintf(stderr, "pt_bphit: hit %ld: not our breakpoint (%s)\n",
			j.bad_hit, j.bad_kind);
		pt_process_free(p);
		return 1;
	}
	double secs = bench_now() - t0, cpu = bench_cpu() - c0;

	if ((r = pt_kill(p)) < 0)
		return fail(p, "kill", r);
	pt_process_free(p);
	printf("%ld %.6f %.1f %.6f\n", hits, secs, (double)hits / secs, cpu);
	return 0;
}
