/*
 * itrace.c - single-step the first instructions of a program.
 *
 *   itrace [-n N] [-v] PROGRAM [ARGS...]
 *   itrace --help                       the usage, on stdout
 *
 * Launches PROGRAM, single-steps its first N instructions (default
 * 1000000, fewer if it exits first) and prints how many distinct
 * addresses they ran and how fast; -v prints every address.  Then lets the
 * program run to its end (still traced, but stopping only for signals:
 * pt_process_set_events(p, 0)) and prints its exit status.
 *
 * The stepping loop runs in pt_call_on_tracer(): on the library's tracer
 * thread each pt_thread_step + pt_wait is a PTRACE_SINGLESTEP and a
 * waitpid, with no hand-off between threads.  The same loop called from
 * main() directly works too, at about two thirds of the speed.
 *
 * Build: cc -std=c11 itrace.c $(pkg-config --cflags --libs proctrace)
 */
#define _POSIX_C_SOURCE 200809L /* getopt */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <proctrace.h>

static int fail(const char *what, int err)
{
	const char *msg = pt_errmsg();
	if (*msg)
		fprintf(stderr, "itrace: %s\n", msg);
	else
		fprintf(stderr, "itrace: %s: %s\n", what, pt_strerror(err));
	return 1;
}

struct trace {
	pt_thread *t;
	long max, done;
	int verbose;
	/* a small open-addressing set of the addresses seen */
	uint64_t *seen;
	size_t cap, distinct;
	pt_stop_kind last; /* why the loop ended early, if it did */
};

static void remember(struct trace *tr, uint64_t pc)
{
	if (tr->distinct * 2 >= tr->cap) {
		size_t ncap = tr->cap ? tr->cap * 2 : 4096;
		uint64_t *n = calloc(ncap, sizeof *n);
		if (!n)
			return; /* counting distinct addresses is best effort */
		for (size_t i = 0; i < tr->cap; i++) {
			uint64_t v = tr->seen[i];
			if (!v)
				continue;
			size_t h = (size_t)(v * 0x9e3779b97f4a7c15ULL) & (ncap - 1);
			while (n[h])
				h = (h + 1) & (ncap - 1);
			n[h] = v;
		}
		free(tr->seen);
		tr->seen = n;
		tr->cap = ncap;
	}
	size_t h = (size_t)(pc * 0x9e3779b97f4a7c15ULL) & (tr->cap - 1);
	while (tr->seen[h] && tr->seen[h] != pc)
		h = (h + 1) & (tr->cap - 1);
	if (!tr->seen[h]) {
		tr->seen[h] = pc;
		tr->distinct++;
	}
}

/* Runs on the tracer thread (pt_call_on_tracer). */
static int step_loop(pt_process *p, void *arg)
{
	struct trace *tr = arg;
	pt_stop_cause c = { .sz = sizeof c };
	while (tr->done < tr->max) {
		uint64_t pc;
		int r = pt_thread_pc(tr->t, &pc);
		if (r < 0)
			return r;
		remember(tr, pc);
		if (tr->verbose)
			printf("%#" PRIx64 "\n", pc);
		if ((r = pt_thread_step(tr->t)) < 0 || (r = pt_wait(p, -1)) < 0)
			return r;
		tr->done++;
		if (pt_process_state(p) == PT_PROC_EXITED)
			return 0;
		c.sz = sizeof c;
		if ((r = pt_thread_stop_cause(tr->t, &c)) < 0)
			return r;
		if (c.kind != PT_STOP_STEP) {
			tr->last = c.kind; /* a signal, a new thread, ... */
			return 0;
		}
	}
	return 0;
}

/* The usage on f; with help, what the options do too. */
static int usage(FILE *f, int help, int status)
{
	fprintf(f, "usage: itrace [-n N] [-v] PROGRAM [ARGS...]\n");
	if (help)
		fprintf(f, "Launch PROGRAM ARGS, single-step its first N instructions and\n"
			   "print how many distinct addresses ran and how fast; then let it\n"
			   "run to its end and print its exit status.\n"
			   "  -n N        the instructions to step (default 1000000)\n"
			   "  -v          print the address of every instruction stepped\n"
			   "  -h, --help  this help\n");
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct trace tr = { .max = 1000000, .last = PT_STOP_STEP };
	int opt;
	/* '+': stop at PROGRAM, leaving the program's own options alone. */
	while ((opt = getopt_long(argc, argv, "+hn:v", longopts, NULL)) != -1) {
		if (opt == 'h')
			return usage(stdout, 1, 0);
		else if (opt == 'n')
			tr.max = atol(optarg);
		else if (opt == 'v')
			tr.verbose = 1;
		else
			return usage(stderr, 0, 2);
	}
	if (optind >= argc)
		return usage(stderr, 0, 2);

	pt_process *p = NULL;
	int r = pt_launch(argv[optind], argv + optind, NULL, &p);
	if (r < 0)
		return fail("launch", r);
	/* Stopped before the first instruction of the new program. */
	tr.t = pt_process_event_thread(p);

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = pt_call_on_tracer(p, step_loop, &tr);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r < 0) {
		fail("step", r);
		pt_process_free(p);
		return 1;
	}
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "itrace: %ld instructions at %zu addresses in %.3f s "
			"(%.0f steps/s)%s%s\n",
		tr.done, tr.distinct, secs, secs > 0 ? (double)tr.done / secs : 0.0,
		tr.last == PT_STOP_STEP ? ""
		: tr.last == PT_STOP_THREAD_EXIT ? "; then it exited"
						 : "; ended by a stop: ",
		tr.last == PT_STOP_STEP || tr.last == PT_STOP_THREAD_EXIT
			? ""
			: pt_stop_kind_name(tr.last));
	free(tr.seen);

	/* Run to the end, stopping only for signals. */
	pt_process_set_events(p, 0);
	while (pt_process_state(p) != PT_PROC_EXITED) {
		if ((r = pt_continue(p)) < 0 || (r = pt_wait(p, -1)) < 0) {
			fail("continue", r);
			pt_process_free(p);
			return 1;
		}
	}
	int code = 0, sig = 0;
	pt_process_exit(p, &code, &sig);
	if (sig)
		fprintf(stderr, "itrace: %s killed by %s\n", argv[optind],
			pt_signal_name(sig));
	else
		fprintf(stderr, "itrace: %s exited with status %d\n",
			argv[optind], code);
	pt_process_free(p);
	return 0;
}
