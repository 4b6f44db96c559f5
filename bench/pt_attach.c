/*
 * pt_attach.c - attach-and-stop through proctrace.
 *
 *   pt_attach PID
 *
 * Times pt_attach() (it returns once every thread is stopped) and
 * pt_detach(), checks that every thread was stopped, and prints
 * "TASKS ATTACH_MS DETACH_MS FREE_MS" (FREE_MS: pt_process_free after the
 * detach, which ends the tracer thread; not part of the comparison).  Then
 * (untimed) it checks that the process is left running, as raw_attach.c
 * does.
 */
#include <stdlib.h>

#include <proctrace.h>

#include "common.h"

static void fail(const char *what, int err)
{
	const char *msg = pt_errmsg();
	bench_die("%s: %s", what, *msg ? msg : pt_strerror(err));
}

int main(int argc, char **argv)
{
	bench_prog = "pt_attach";
	if (argc != 2) {
		fprintf(stderr, "usage: pt_attach PID\n");
		return 2;
	}
	pid_t pid = (pid_t)atoi(argv[1]);

	pt_process *p = NULL;
	double t0 = bench_now();
	int r = pt_attach(pid, &p);
	double t1 = bench_now();
	if (r < 0)
		fail("attach", r);

	/* untimed: is it really all stopped? */
	if (pt_process_state(p) != PT_PROC_STOPPED)
		bench_die("attach returned with the process %s",
			  pt_proc_state_name(pt_process_state(p)));
	size_t n = pt_process_threads(p, NULL, 0);
	pt_thread **th = calloc(n ? n : 1, sizeof *th);
	if (!th)
		bench_die("out of memory");
	n = pt_process_threads(p, th, n);
	for (size_t i = 0; i < n; i++) {
		pt_stop_cause c = { .sz = sizeof c };
		if ((r = pt_thread_stop_cause(th[i], &c)) < 0)
			fail("stop cause", r);
	}
	free(th);

	double t2 = bench_now();
	r = pt_detach(p);
	double t3 = bench_now();
	if (r < 0)
		fail("detach", r);
	pt_process_free(p);
	double t4 = bench_now();

	bench_check_running(pid);
	printf("%zu %.3f %.3f %.3f\n", n, (t1 - t0) * 1e3, (t3 - t2) * 1e3,
	       (t4 - t3) * 1e3);
	return 0;
}
