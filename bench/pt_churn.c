/*
 * pt_churn.c - thread churn followed through proctrace.
 *
 *   pt_churn [-q] PROGRAM [ARGS...]
 *
 * The same job as raw_churn.c, the way a proctrace user writes it: launch
 * PROGRAM (targets/churn.c N), stop on thread creation and thread exit
 * (pt_process_set_events), then pt_continue/pt_wait until it exits.  Each
 * stop's thread-create and thread-exit causes are counted.  Timed from the
 * launch to the exit of PROGRAM, which must exit 0.  Prints
 * "SECONDS CREATE_STOPS EXIT_STOPS ALL_STOPS".
 *
 * -q: the events are followed by the library (every thread is traced and
 * tracked) but not reported (pt_process_set_events(p, 0)), as the raw
 * follower does: no all-stop per event.  Prints "SECONDS - - ALL_STOPS".
 */
#include <stdbool.h>

#include <proctrace.h>

#include "common.h"

static void fail(const char *what, int err)
{
	const char *msg = pt_errmsg();
	bench_die("%s: %s", what, *msg ? msg : pt_strerror(err));
}

int main(int argc, char **argv)
{
	bench_prog = "pt_churn";
	bool quiet = argc > 1 && strcmp(argv[1], "-q") == 0;
	if (quiet) {
		argv++;
		argc--;
	}
	if (argc < 2)
		bench_die("usage: pt_churn [-q] PROGRAM [ARGS...]");

	double t0 = bench_now();
	pt_process *p = NULL;
	int r = pt_launch(argv[1], argv + 1, NULL, &p);
	if (r < 0)
		fail("launch", r);
	if ((r = pt_process_set_events(p, quiet ? 0
						     : PT_EVENT_THREAD_CREATE |
							       PT_EVENT_THREAD_EXIT)) < 0)
		fail("set events", r);
	long creates = 0, exits = 0, stops = 0;
	pt_thread *ts[64];
	for (;;) {
		if ((r = pt_continue(p)) < 0)
			fail("continue", r);
		if ((r = pt_wait(p, -1)) < 0)
			fail("wait", r);
		if (pt_process_state(p) == PT_PROC_EXITED)
			break;
		stops++;
		size_t n = pt_process_threads(p, ts, 64);
		for (size_t i = 0; i < n && i < 64; i++) {
			pt_stop_cause c = { .sz = sizeof c };
			if (pt_thread_stop_cause(ts[i], &c) < 0)
				continue;
			creates += c.kind == PT_STOP_THREAD_CREATE;
			exits += c.kind == PT_STOP_THREAD_EXIT;
		}
	}
	double secs = bench_now() - t0;
	int code = -1, sig = 0;
	if ((r = pt_process_exit(p, &code, &sig)) < 0)
		fail("exit status", r);
	if (code != 0)
		bench_die("%s ended with code %d, signal %d", argv[1], code, sig);
	pt_process_free(p);
	if (quiet)
		printf("%.6f - - %ld\n", secs, stops);
	else
		printf("%.6f %ld %ld %ld\n", secs, creates, exits, stops);
	return 0;
}
