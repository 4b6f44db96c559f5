/*
 * pt_step.c - single-steps per second through proctrace.
 *
 *   pt_step STEPS ADDRESS PROGRAM [ARGS...]
 *
 * The same job as raw_step.c, the way a proctrace user writes it: launch,
 * breakpoint at ADDRESS (step_loop), pt_continue, pt_wait, remove the
 * breakpoint; then time STEPS rounds of pt_thread_step + pt_wait, each
 * checked to end with cause PT_STOP_STEP.  Kills PROGRAM and prints
 * "STEPS SECONDS STEPS_PER_SECOND CPU_SECONDS" (CPU: this process, the
 * library's tracer thread included, during the timed loop).
 *
 * With PT_BENCH_ON_TRACER=1 in the environment the timed loop runs inside
 * pt_call_on_tracer (the same calls, made on the tracer thread).
 */
#include <inttypes.h>

#include <proctrace.h>

#include "common.h"

static void fail(const char *what, int err)
{
	const char *msg = pt_errmsg();
	bench_die("%s: %s", what, *msg ? msg : pt_strerror(err));
}

struct job {
	pt_thread *t;
	long steps;
};

static int step_loop(pt_process *p, void *arg)
{
	struct job *j = arg;
	pt_stop_cause c = { .sz = sizeof c };
	int r;
	for (long n = 0; n < j->steps; n++) {
		if ((r = pt_thread_step(j->t)) < 0)
			return r;
		if ((r = pt_wait(p, -1)) < 0)
			return r;
		c.sz = sizeof c;
		if ((r = pt_thread_stop_cause(j->t, &c)) < 0 ||
		    c.kind != PT_STOP_STEP)
			bench_die("step %ld: stop %s, not a step", n,
				  pt_stop_kind_name(c.kind));
	}
	return 0;
}

int main(int argc, char **argv)
{
	bench_prog = "pt_step";
	if (argc < 4)
		bench_die("usage: pt_step STEPS ADDRESS PROGRAM [ARGS...]");
	long steps = atol(argv[1]);
	uint64_t addr = strtoull(argv[2], NULL, 16);

	pt_process *p = NULL;
	int r = pt_launch(argv[3], argv + 3, NULL, &p);
	if (r < 0)
		fail("launch", r);
	if ((r = pt_breakpoint_add(p, addr)) < 0 || (r = pt_continue(p)) < 0 ||
	    (r = pt_wait(p, -1)) < 0)
		fail("run to step_loop", r);
	pt_thread *t = pt_process_event_thread(p);
	pt_stop_cause c = { .sz = sizeof c };
	if (!t || pt_thread_stop_cause(t, &c) < 0 || c.kind != PT_STOP_BREAKPOINT)
		bench_die("did not stop at step_loop (%s)", pt_stop_kind_name(c.kind));
	if ((r = pt_breakpoint_remove(p, addr)) < 0)
		fail("breakpoint remove", r);

	struct job j = { .t = t, .steps = steps };
	double c0 = bench_cpu(), t0 = bench_now();
	r = bench_on_tracer() ? pt_call_on_tracer(p, step_loop, &j) : step_loop(p, &j);
	if (r < 0)
		fail("step", r);
	double secs = bench_now() - t0, cpu = bench_cpu() - c0;

	if ((r = pt_kill(p)) < 0)
		fail("kill", r);
	pt_process_free(p);
	printf("%ld %.6f %.1f %.6f\n", steps, secs, (double)steps / secs, cpu);
	return 0;
}
