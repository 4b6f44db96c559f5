/*
 * test-stress.c - four application threads calling the API at random on
 * one traced program whose threads hammer a breakpoint, with pt_stop
 * racing continues and single-steps (issue 10's stress test).  It passes
 * if no call hangs, no call fails other than as the state allows, the
 * program is never killed (by our SIGTRAP or anything else) and it ends
 * normally once let go.  The rounds add up to STRESS_ROUNDS (10,000);
 * PT_STRESS_ROUNDS in the environment changes that.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mt.h"

#define STRESS_ROUNDS 10000
#define STRESS_THREADS 4

struct stress {
	pt_process *p;
	uint64_t bp, bp2;
	int rounds;         /* per thread */
	int stops, steps, waits, continues, hits;
	char failure[256];  /* first failure seen by a worker */
	pthread_mutex_t lock;
};

static void stress_fail(struct stress *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void stress_fail(struct stress *s, const char *fmt, ...)
{
	pthread_mutex_lock(&s->lock);
	if (!s->failure[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->failure, sizeof s->failure, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&s->lock);
}

/* Errors a call may give when another thread changed the state under it. */
static bool benign(int r)
{
	return r >= 0 || r == PT_ESTATE || r == PT_ETIMEDOUT ||
	       r == PT_EEXITED;
}

static void check_stop(struct stress *s, const char *op)
{
	pt_thread *e = pt_process_event_thread(s->p);
	if (!e)
		return;
	pt_stop_cause c = { .sz = sizeof c };
	if (pt_thread_stop_cause(e, &c) < 0)
		return; /* resumed by another thread meanwhile */
	if (c.kind == PT_STOP_BREAKPOINT)
		__atomic_add_fetch(&s->hits, 1, __ATOMIC_RELAXED);
	if (c.kind == PT_STOP_SIGNAL && c.signo == SIGTRAP)
		stress_fail(s, "%s: stopped with %s", op, cause_str(&c));
	if (c.kind == PT_STOP_EXITED)
		stress_fail(s, "%s: the program ended: %s", op, cause_str(&c));
}

static void *stress_worker(void *arg)
{
	struct stress *s = arg;
	unsigned seed = (unsigned)(uintptr_t)pthread_self();
	pt_thread *ts[16];
	for (int i = 0; i < s->rounds && !s->failure[0]; i++) {
		int op = rand_r(&seed) % 10, r = 0;
		const char *name = "?";
		switch (op) {
		case 0:
		case 1:
			name = "continue";
			r = pt_continue(s->p);
			if (r == 0)
				__atomic_add_fetch(&s->continues, 1,
						   __ATOMIC_RELAXED);
			break;
		case 2:
		case 3:
			name = "stop";
			r = pt_stop(s->p);
			if (r == 0) {
				__atomic_add_fetch(&s->stops, 1,
						   __ATOMIC_RELAXED);
				check_stop(s, name);
			}
			break;
		case 4:
			name = "wait";
			r = pt_wait(s->p, rand_r(&seed) % 3);
			if (r == 0) {
				__atomic_add_fetch(&s->waits, 1,
						   __ATOMIC_RELAXED);
				check_stop(s, name);
			}
			break;
		case 5:
		case 6: {
			name = "step";
			size_t n = pt_process_threads(s->p, ts, 16);
			if (n == 0)
				break;
			pt_thread *t = ts[(size_t)rand_r(&seed) % (n < 16 ? n : 16)];
			r = pt_thread_step(t);
			if (r == 0)
				__atomic_add_fetch(&s->steps, 1,
						   __ATOMIC_RELAXED);
			break;
		}
		case 7: {
			name = "read registers";
			size_t n = pt_process_threads(s->p, ts, 16);
			uint64_t v;
			for (size_t k = 0; k < n && k < 16 && r >= 0; k++)
				r = pt_thread_pc(ts[k], &v);
			break;
		}
		case 8: {
			name = "read memory";
			uint8_t b[16];
			r = pt_mem_read(s->p, s->bp, b, sizeof b, NULL);
			if (r == 0 && b[0] == 0xcc)
				stress_fail(s, "a read shows our int3");
			break;
		}
		case 9:
			/* a second breakpoint, on the same function, comes
			 * and goes: hits queued behind it become phantoms */
			name = "toggle breakpoint";
			r = pt_breakpoint_add(s->p, s->bp2);
			if (r == PT_EBPEXIST)
				r = pt_breakpoint_remove(s->p, s->bp2);
			if (r == PT_ENOBP || r == PT_EBPEXIST)
				r = 0; /* another thread toggled it first */
			break;
		}
		if (!benign(r))
			stress_fail(s, "round %d: %s: %s: %s", i, name,
				    err_str(r), last_errmsg());
		if (pt_process_state(s->p) == PT_PROC_EXITED) {
			int code = -2, sig = -2;
			pt_process_exit(s->p, &code, &sig);
			stress_fail(s, "round %d (%s): the program ended: "
				    "status %d, signal %s", i, name, code,
				    pt_signal_name(sig) ? pt_signal_name(sig)
							: "0");
		}
	}
	return NULL;
}

static void stress_run(bool single_step_overs)
{
	const char *env = getenv("PT_STRESS_ROUNDS");
	int total = env && atoi(env) > 0 ? atoi(env) : STRESS_ROUNDS;
	if (single_step_overs)
		setenv("PROCTRACE_STEPOVER", "single", 1);
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("hammer:3"));
	unsetenv("PROCTRACE_STEPOVER");
	CHECK_OK(pt_process_set_events(p, 0)); /* no thread-create stops */
	mt_continue_to_line(p, &io, "hammering");
	CHECK_OK(pt_stop(p));
	struct stress s = { .p = p, .rounds = total / STRESS_THREADS / 2 };
	s.bp = mt_sym("mt_hit");
	/* the second instruction of mt_hit: not the first (a different
	 * address), still in every call */
	uint8_t insn[1];
	CHECK_OK(pt_mem_read(p, s.bp, insn, 1, NULL));
	s.bp2 = s.bp + (insn[0] == 0xf3 ? 4 : 1); /* endbr64 or push %rbp */
	pthread_mutex_init(&s.lock, NULL);
	CHECK_OK(pt_breakpoint_add(p, s.bp));

	pthread_t th[STRESS_THREADS];
	for (int i = 0; i < STRESS_THREADS; i++)
		CHECK(pthread_create(&th[i], NULL, stress_worker, &s) == 0);
	for (int i = 0; i < STRESS_THREADS; i++)
		pthread_join(th[i], NULL);
	CHECKF(!s.failure[0], "%s", s.failure);

	/* Let it go, and end. */
	int r = pt_stop(p);
	CHECKF(r == 0, "final stop: %s: %s", err_str(r), last_errmsg());
	CHECK_OK(pt_breakpoint_remove(p, s.bp));
	if (pt_breakpoint_remove(p, s.bp2) < 0)
		CHECK_EQ_INT(pt_breakpoint_count(p), 0);
	CHECK_OK(pt_continue(p));
	io_close_stdin(&io);
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECKF(code == 0 && sig == 0, "exit status %d, signal %d", code, sig);
	const char *out = io_read_all(&io, WAIT_MS);
	CHECKF(strstr(out, "hammered\n"), "output: %s", out);
	printf("# %s: %d rounds: %d continues, %d steps, %d stops, %d waits, "
	       "%d breakpoint stops seen\n",
	       single_step_overs ? "single-stepped step-overs" : "default",
	       s.rounds * STRESS_THREADS, s.continues, s.steps, s.stops,
	       s.waits, s.hits);
	pt_process_free(p);
	pthread_mutex_destroy(&s.lock);
}

TEST(stress_random_api)
{
	stress_run(false);
	stress_run(true);
	return TEST_PASS;
}
