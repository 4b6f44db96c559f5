/*
 * pt_bphit_mt.c - many threads hitting one breakpoint, through proctrace.
 *
 *   pt_bphit_mt ADDRESS PROGRAM THREADS CALLS
 *
 * The same job as raw_bphit_mt.c, the way a proctrace user writes it:
 * start PROGRAM THREADS CALLS (targets/mtloop.c), wait for its "ready",
 * pt_attach, mask the optional events (thread exits would be all-stops the
 * floor does not make), one breakpoint at ADDRESS, pt_continue.  Timed from
 * opening the gate to the exit of the process: pt_wait, then count the
 * threads whose stop cause is our breakpoint (several can hit it in one
 * all-stop), pt_continue.
 *
 * Checks that it counted exactly THREADS * CALLS hits and that PROGRAM
 * exited 0, then prints "HITS SECONDS HITS_PER_SECOND STOPS".
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <proctrace.h>

#include "common.h"

static pid_t child;

static void kill_child(void)
{
	if (child > 0)
		kill(child, SIGKILL);
}

static void fail(const char *what, int err)
{
	const char *msg = pt_errmsg();
	bench_die("%s: %s", what, *msg ? msg : pt_strerror(err));
}

int main(int argc, char **argv)
{
	bench_prog = "pt_bphit_mt";
	if (argc != 5) {
		fprintf(stderr,
			"usage: pt_bphit_mt ADDRESS PROGRAM THREADS CALLS\n");
		return 2;
	}
	uint64_t addr = strtoull(argv[1], NULL, 16);
	long expect = atol(argv[3]) * atol(argv[4]);
	int in_fd, out_fd;
	child = bench_spawn(argv + 2, &in_fd, &out_fd);
	atexit(kill_child);
	bench_wait_ready(out_fd);

	pt_process *p = NULL;
	int r = pt_attach(child, &p);
	if (r < 0)
		fail("attach", r);
	if ((r = pt_process_set_events(p, 0)) < 0)
		fail("set events", r);
	if ((r = pt_breakpoint_add(p, addr)) < 0)
		fail("breakpoint", r);
	size_t cap = pt_process_threads(p, NULL, 0) + 16;
	pt_thread **th = calloc(cap, sizeof *th);
	if (!th)
		bench_die("out of memory");
	if ((r = pt_continue(p)) < 0)
		fail("continue", r);

	long hits = 0, stops = 0;
	double t0 = bench_now();
	if (write(in_fd, "g", 1) != 1)
		bench_die("cannot open the gate: %s", strerror(errno));
	for (;;) {
		if ((r = pt_wait(p, -1)) < 0)
			fail("wait", r);
		if (pt_process_state(p) == PT_PROC_EXITED)
			break;
		stops++;
		size_t n = pt_process_threads(p, th, cap);
		if (n > cap) {
			cap = n + 16;
			free(th);
			if (!(th = calloc(cap, sizeof *th)))
				bench_die("out of memory");
			n = pt_process_threads(p, th, cap);
		}
		for (size_t i = 0; i < n; i++) {
			pt_stop_cause c = { .sz = sizeof c };
			if ((r = pt_thread_stop_cause(th[i], &c)) < 0)
				fail("stop cause", r);
			if (c.kind == PT_STOP_BREAKPOINT && c.addr == addr) {
				hits++;
			} else if (c.kind != PT_STOP_REQUESTED) {
				char buf[128];
				pt_stop_cause_format(&c, buf, sizeof buf);
				bench_die("thread %d: unexpected stop: %s",
					  (int)pt_thread_tid(th[i]), buf);
			}
		}
		if ((r = pt_continue(p)) < 0)
			fail("continue", r);
	}
	double secs = bench_now() - t0;
	free(th);

	int code = -1, sig = 0;
	pt_process_exit(p, &code, &sig);
	pt_process_free(p);
	/* The tracer thread, in our own thread group, has reaped it. */
	while (waitpid(child, NULL, __WALL) < 0 && errno == EINTR)
		;
	child = 0;
	if (code != 0 || sig != 0)
		bench_die("target ended with status %d, signal %d", code, sig);
	if (hits != expect)
		bench_die("counted %ld hits, expected %ld", hits, expect);
	printf("%ld %.6f %.1f %ld\n", hits, secs, (double)hits / secs, stops);
	return 0;
}
