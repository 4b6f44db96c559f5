/*
 * test-resume.c - per-thread resume (pt_resume): one thread steps while the
 * others run, one thread runs while the others stay stopped, held events
 * are not reported twice, new threads, a held process's end, bad actions.
 * The target is tests/targets/mt-tracee.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mt.h"

static pt_thread *thread_of(pt_process *p, uint64_t tid_var)
{
	pid_t tid = (pid_t)mt_peek_u64(pt_process_pid(p), mt_sym(tid_var ==
		0 ? "sw_tid_a" : "sw_tid_b"));
	pt_thread *t = pt_process_thread(p, tid);
	CHECKF(t != NULL, "no thread %d", (int)tid);
	return t;
}

/* Run p to its end (through any stops), which must be exit status 0;
 * free it. */
static void run_to_exit0(pt_process *p, struct child_io *io)
{
	while (mt_wait(p, WAIT_MS))
		CHECK_OK(pt_continue(p));
	int code = -1;
	CHECK_OK(pt_process_exit(p, &code, NULL));
	CHECK_EQ_INT(code, 0);
	pt_process_free(p);
	io_close(io);
}

/* Launch step-wait, run it to "step-wait ready" and stop it: thread A
 * spins until thread B, blocked on stdin, sets sw_go. */
static pt_process *step_wait(struct child_io *io, pt_thread **a,
			     pt_thread **b)
{
	pt_process *p = launch_target(io, MT, ARGS("step-wait"));
	mt_continue_to_line(p, io, "step-wait ready");
	CHECK_OK(pt_stop(p));
	*a = thread_of(p, 0);
	*b = thread_of(p, 1);
	return p;
}

/* gdb's `next` over a spin-wait: thread A is stepped while the other
 * threads run, so B can set the flag A waits for.  With the others kept
 * stopped (pt_thread_step), A would spin for ever. */
TEST(resume_step_others_run)
{
	struct child_io io;
	pt_thread *a, *b;
	pt_process *p = step_wait(&io, &a, &b);
	const uint64_t hit = mt_sym("mt_hit");
	io_write(&io, "x"); /* B's read can return once B runs */
	int steps = 0;
	uint64_t pc = pc_of(a);
	while (pc != hit) {
		CHECKF(++steps <= 200000,
		       "thread A still spinning after %d steps: the other "
		       "threads did not run", steps - 1);
		pt_resume_action act = { a, PT_RESUME_STEP };
		CHECK_OK(pt_resume(p, &act, 1, PT_RESUME_CONTINUE));
		CHECKF(mt_wait(p, WAIT_MS), "exited while stepping");
		pt_thread *ev = pt_process_event_thread(p);
		int ak = cause_of(a).kind;
		if (ev == a) {
			CHECK_EQ_INT(ak, PT_STOP_STEP);
		} else {
			/* another thread's event (B's exit) stopped the step:
			 * made or not yet */
			CHECKF(ev != NULL, "step %d: a stop with no event",
			       steps);
			CHECKF(cause_of(ev).kind != PT_STOP_REQUESTED,
			       "step %d: event thread without an event",
			       steps);
			CHECKF(ak == PT_STOP_STEP || ak == PT_STOP_REQUESTED,
			       "step %d: thread A's cause %d", steps, ak);
		}
		pc = pc_of(a);
	}
	CHECKF(mt_peek_u64(pt_process_pid(p), mt_sym("sw_go")) == 1,
	       "A left its loop without sw_go");
	io_close_stdin(&io);
	mt_continue_to_line(p, &io, "step-wait done");
	mt_continue_to_line(p, &io, "DONE");
	run_to_exit0(p, &io);
	return TEST_PASS;
}

/* gdb's scheduler-locking: thread A runs alone; B, whose input is there,
 * is held and never sets sw_go.  Then everyone runs, and A gets through. */
TEST(resume_hold_others)
{
	struct child_io io;
	pt_thread *a, *b;
	pt_process *p = step_wait(&io, &a, &b);
	pid_t pid = pt_process_pid(p);
	const uint64_t spins = mt_sym("sw_spins"), go = mt_sym("sw_go");
	CHECK_OK(pt_breakpoint_add(p, mt_sym("mt_hit")));
	io_write(&io, "x");
	pt_resume_action act = { a, PT_RESUME_CONTINUE };
	CHECK_OK(pt_resume(p, &act, 1, PT_RESUME_HOLD));
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_RUNNING);
	CHECK_EQ_INT(pt_continue(p), PT_ESTATE); /* running */
	/* A runs: its counter moves (read from /proc, no stop needed). */
	uint64_t s0 = mt_peek_u64(pid, spins);
	long long deadline = mt_now_ms() + WAIT_MS;
	while (mt_peek_u64(pid, spins) < s0 + 1000000)
		CHECKF(mt_now_ms() < deadline, "thread A does not run");
	CHECK_OK(pt_stop(p));
	CHECKF(mt_peek_u64(pid, go) == 0,
	       "sw_go set: thread B ran while held");
	CHECK_EQ_INT(cause_of(b).kind, PT_STOP_REQUESTED);
	/* Held twice more, then all run: B reads, A reaches mt_hit. */
	CHECK_OK(pt_resume(p, &act, 1, PT_RESUME_HOLD));
	CHECK_OK(pt_stop(p));
	CHECKF(mt_peek_u64(pid, go) == 0, "sw_go set while B was held");
	CHECK_OK(pt_continue(p));
	int stops = 0;
	while (mt_wait(p, WAIT_MS) &&
	       cause_of(a).kind != PT_STOP_BREAKPOINT) {
		CHECKF(++stops < 20, "no breakpoint hit by A");
		CHECK_OK(pt_continue(p));
	}
	CHECK_EQ_INT(cause_of(a).kind, PT_STOP_BREAKPOINT);
	CHECK_OK(pt_kill(p));
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}

/* Workers other than `not` still to run (the main thread only joins). */
static int workers_left(pt_thread **ts, size_t n, pt_thread *not, pid_t pid)
{
	int k = 0;
	for (size_t i = 0; i < n; i++) {
		int kind = cause_of(ts[i]).kind;
		if (ts[i] != not && pt_thread_tid(ts[i]) != pid &&
		    kind != PT_STOP_EXITED && kind != PT_STOP_THREAD_EXIT)
			k++;
	}
	return k;
}

/* Threads hit mt_hit; the one held at its hit is stepped over the
 * breakpoint when it runs again, not stopped by it a second time, and a
 * step of a thread sitting on a breakpoint leaves the breakpoint in. */
TEST(resume_held_hit_once)
{
	enum { N = 4, K = 3 };
	char arg[64];
	snprintf(arg, sizeof arg, "bp-threads:%d:%d", N, K);
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS(arg));
	pid_t pid = pt_process_pid(p);
	const uint64_t f = mt_sym("mt_hit");
	CHECK_OK(pt_breakpoint_add(p, f));
	int hits[N] = { 0 };
	int total = 0, stops = 0, holds = 0, lone_steps = 0, hit_stops = 0;
	CHECK_OK(pt_continue(p));
	while (mt_wait(p, WAIT_MS)) {
		CHECKF(++stops < 10 * N * K + 4 * N, "too many stops");
		size_t n;
		pt_thread **ts = mt_threads(p, &n);
		pt_thread *hitter = NULL;
		for (size_t i = 0; i < n; i++) {
			pt_stop_cause c = cause_of(ts[i]);
			if (c.kind != PT_STOP_BREAKPOINT)
				continue;
			uint64_t idx = reg(ts[i], "rdi"), j = reg(ts[i], "rsi");
			CHECKF(idx < N && j < K, "mt_hit(%llu, %llu)",
			       (unsigned long long)idx,
			       (unsigned long long)j);
			CHECKF((int)j == hits[idx],
			       "thread %d (index %d): hit for call %llu, "
			       "expected call %d (a held hit reported again?)",
			       (int)pt_thread_tid(ts[i]), (int)idx,
			       (unsigned long long)j, hits[idx]);
			hits[idx]++;
			total++;
			hitter = ts[i];
		}
		if (hitter && hit_stops++ % 2 == 1) {
			/* step the hitter alone off its breakpoint */
			pt_resume_action act = { hitter, PT_RESUME_STEP };
			CHECK_OK(pt_resume(p, &act, 1, PT_RESUME_CONTINUE));
			CHECKF(mt_wait(p, WAIT_MS), "exited in a step");
			CHECK_EQ_INT(cause_of(hitter).kind, PT_STOP_STEP);
			CHECKF(pc_of(hitter) != f, "step did not move");
			CHECK_EQ_INT(mt_peek_u64(pid, f) & 0xff, 0xcc);
			for (size_t i = 0; i < n; i++) {
				int k = cause_of(ts[i]).kind;
				CHECKF(ts[i] == hitter ||
				       k == PT_STOP_REQUESTED ||
				       k == PT_STOP_EXITED,
				       "thread %d: cause %d after a lone step",
				       (int)pt_thread_tid(ts[i]), k);
			}
			lone_steps++;
			CHECK_OK(pt_continue(p));
		} else if (hitter && workers_left(ts, n, hitter, pid) > 0) {
			/* hold it while the others run */
			pt_resume_action act = { hitter, PT_RESUME_HOLD };
			CHECK_OK(pt_resume(p, &act, 1, PT_RESUME_CONTINUE));
			holds++;
		} else {
			CHECK_OK(pt_continue(p));
		}
		free(ts);
	}
	for (int i = 0; i < N; i++)
		CHECKF(hits[i] == K, "index %d: %d hits, expected %d", i,
		       hits[i], K);
	CHECKF(holds > 0 && lone_steps > 0, "holds %d, lone steps %d", holds,
	       lone_steps);
	run_to_exit0(p, &io);
	return TEST_PASS;
}

/* Threads born while only some threads were resumed run if one of them
 * was continued: the main thread alone starts the workers, which hit. */
TEST(resume_new_threads_run)
{
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("bp-threads:3:1"));
	CHECK_OK(pt_process_set_events(p, PT_EVENT_EXEC));
	CHECK_OK(pt_breakpoint_add(p, mt_sym("mt_hit")));
	pt_thread *main_t = pt_process_thread(p, pt_process_pid(p));
	pt_resume_action act = { main_t, PT_RESUME_CONTINUE };
	CHECK_OK(pt_resume(p, &act, 1, PT_RESUME_HOLD));
	CHECKF(mt_wait(p, WAIT_MS), "exited before any hit");
	pt_thread *ev = pt_process_event_thread(p);
	CHECKF(ev && ev != main_t, "no worker's hit");
	CHECK_EQ_INT(cause_of(ev).kind, PT_STOP_BREAKPOINT);
	CHECK_OK(pt_kill(p));
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}

/* The only resumed thread ends the process while the others are held:
 * the process exits, nothing hangs. */
TEST(resume_held_process_exits)
{
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("block-read:3"));
	mt_continue_to_line(p, &io, "waiting");
	CHECK_OK(pt_stop(p));
	pt_thread *main_t = pt_process_thread(p, pt_process_pid(p));
	io_close_stdin(&io);
	pt_resume_action act = { main_t, PT_RESUME_CONTINUE };
	CHECK_OK(pt_resume(p, &act, 1, PT_RESUME_HOLD));
	/* the held threads' exits, if reported, are stops too */
	io_expect_line(&io, "read 0");
	io_expect_line(&io, "DONE");
	run_to_exit0(p, &io);
	return TEST_PASS;
}

/* The leader, run alone (the others held), calls pthread_exit; its exit
 * is not asked for.  Nothing is left running, so the process stops with
 * no event thread: a zombie leader never reports again (it hung). */
TEST(resume_leader_exits_alone)
{
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("zombie-leader"));
	CHECK_OK(pt_process_set_events(p, PT_EVENT_THREAD_CREATE));
	pt_thread *l = pt_process_thread(p, io.pid);
	CHECK(l != NULL);
	for (int creates = 0; creates < 2; creates++) {
		CHECKF(mt_continue_wait(p), "exited before its threads ran");
		CHECK(pt_process_event_thread(p) == l);
		pt_stop_cause c = cause_of(l);
		CHECKF(c.kind == PT_STOP_THREAD_CREATE, "stop: %s",
		       cause_str(&c));
	}
	pt_resume_action act = { l, PT_RESUME_CONTINUE };
	CHECK_OK(pt_resume(p, &act, 1, PT_RESUME_HOLD));
	CHECKF(mt_wait(p, WAIT_MS), "the process exited");
	CHECKF(pt_process_event_thread(p) == NULL, "an event thread: %s",
	       all_causes(p));
	CHECK(mt_wait_proc_state(io.pid, "Z", WAIT_MS) == 'Z');
	io_close_stdin(&io);
	while (mt_continue_wait(p))
		;
	int code = -1;
	CHECK_OK(pt_process_exit(p, &code, NULL));
	CHECK_EQ_INT(code, 0);
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}

/* Bad actions: an error that names the problem, and the process still
 * stopped and whole. */
TEST(resume_bad_actions)
{
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("block-read:2"));
	mt_continue_to_line(p, &io, "waiting");
	CHECK_OK(pt_stop(p));
	size_t n;
	pt_thread **ts = mt_threads(p, &n);
	CHECK_EQ_INT(n, 3);
	pt_resume_action two[2] = { { ts[1], PT_RESUME_STEP },
				    { ts[1], PT_RESUME_CONTINUE } };
	CHECK_EQ_INT(pt_resume(p, two, 2, PT_RESUME_CONTINUE), PT_EINVAL);
	CHECKF(strstr(pt_errmsg(), "twice") != NULL, "message: %s",
	       pt_errmsg());
	pt_resume_action bad = { ts[1], 7 };
	CHECK_EQ_INT(pt_resume(p, &bad, 1, PT_RESUME_CONTINUE), PT_EINVAL);
	CHECK_EQ_INT(pt_resume(p, NULL, 0, 42), PT_EINVAL);
	CHECK_EQ_INT(pt_resume(p, NULL, 1, PT_RESUME_CONTINUE), PT_EINVAL);
	pt_resume_action none = { NULL, PT_RESUME_CONTINUE };
	CHECK_EQ_INT(pt_resume(p, &none, 1, PT_RESUME_HOLD), PT_EINVAL);
	CHECK_EQ_INT(pt_resume(p, NULL, 0, PT_RESUME_HOLD), PT_EINVAL);
	CHECKF(strstr(pt_errmsg(), "stay stopped") != NULL, "message: %s",
	       pt_errmsg());
	CHECK_EQ_INT(pt_resume(NULL, NULL, 0, PT_RESUME_CONTINUE), PT_EINVAL);
	/* a thread of another process */
	struct child_io io2;
	pt_process *q = launch_target(&io2, MT, ARGS("exit:0"));
	pt_thread *qt = pt_process_thread(q, pt_process_pid(q));
	pt_resume_action other = { qt, PT_RESUME_CONTINUE };
	CHECK_EQ_INT(pt_resume(p, &other, 1, PT_RESUME_CONTINUE), PT_EINVAL);
	CHECK_OK(pt_kill(q));
	pt_process_free(q);
	io_close(&io2);
	/* none of that resumed anything */
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_INT(cause_of(ts[i]).kind, PT_STOP_REQUESTED);
	/* a resume while running */
	pt_resume_action one = { ts[0], PT_RESUME_CONTINUE };
	CHECK_OK(pt_resume(p, &one, 1, PT_RESUME_HOLD));
	CHECK_EQ_INT(pt_resume(p, &one, 1, PT_RESUME_HOLD), PT_ESTATE);
	CHECK_OK(pt_stop(p));
	/* and the process is whole */
	io_close_stdin(&io);
	free(ts);
	run_to_exit0(p, &io);
	return TEST_PASS;
}

/* t (of stopped p) has exited: running or stepping it is refused with
 * PT_EEXITED and resumes nothing; held, the others run. */
static void resume_gone_thread(pt_process *p, pt_thread *t)
{
	pt_resume_action run = { t, PT_RESUME_CONTINUE };
	CHECK_EQ_INT(pt_resume(p, &run, 1, PT_RESUME_HOLD), PT_EEXITED);
	CHECKF(strstr(pt_errmsg(), "exited") != NULL, "message: %s",
	       pt_errmsg());
	CHECK_EQ_INT(pt_resume(p, &run, 1, PT_RESUME_CONTINUE), PT_EEXITED);
	pt_resume_action step = { t, PT_RESUME_STEP };
	CHECK_EQ_INT(pt_resume(p, &step, 1, PT_RESUME_CONTINUE), PT_EEXITED);
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
	pt_resume_action hold = { t, PT_RESUME_HOLD };
	CHECK_OK(pt_resume(p, &hold, 1, PT_RESUME_CONTINUE));
}

/* A leader that called pthread_exit is past its exit event (a zombie until
 * the process ends): the handle from before names a thread that has
 * exited, which cannot be run or stepped (PT_EEXITED, nothing resumed) but
 * may be named to hold while the others run. */
TEST(resume_zombie_leader)
{
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("zombie-leader"));
	pt_thread *l = pt_process_thread(p, io.pid);
	CHECK(l != NULL);
	mt_continue_to_line(p, &io, "worker ready");
	/* Run (through thread-create stops) until the leader is a zombie and
	 * the library has seen its exit: it is no longer listed. */
	for (int i = 0;; i++) {
		CHECKF(i < 1000, "the leader never became a zombie");
		if (pt_process_state(p) != PT_PROC_STOPPED) {
			mt_wait_proc_state(io.pid, "Z", 50);
			CHECK_OK(pt_stop(p));
		}
		size_t n;
		pt_thread **ts = mt_threads(p, &n);
		bool listed = false;
		for (size_t k = 0; k < n; k++)
			listed |= ts[k] == l;
		free(ts);
		if (!listed)
			break;
		CHECK_OK(pt_continue(p));
	}
	CHECK(mt_wait_proc_state(io.pid, "Z", 0) == 'Z');
	resume_gone_thread(p, l);
	io_close_stdin(&io);
	io_expect_line(&io, "DONE");
	run_to_exit0(p, &io);
	return TEST_PASS;
}

/* A thread at its exit cannot be stepped; once gone it cannot be run, but
 * may be named to hold. */
TEST(resume_exited_thread)
{
	struct child_io io;
	pt_process *p =
		launch_target(&io, MT, ARGS("thread-exits:1:0", "block-read:0"));
	pt_thread *x = NULL;
	int stops = 0;
	while (!x && mt_continue_wait(p)) {
		CHECKF(++stops < 10, "no thread exit stop");
		size_t n;
		pt_thread **ts = mt_threads(p, &n);
		for (size_t i = 0; i < n; i++)
			if (cause_of(ts[i]).kind == PT_STOP_THREAD_EXIT)
				x = ts[i];
		free(ts);
	}
	CHECKF(x != NULL, "exited without a thread exit stop");
	pt_resume_action step = { x, PT_RESUME_STEP };
	CHECK_EQ_INT(pt_resume(p, &step, 1, PT_RESUME_CONTINUE), PT_ESTATE);
	CHECKF(strstr(pt_errmsg(), "exiting") != NULL, "message: %s",
	       pt_errmsg());
	mt_continue_to_line(p, &io, "exited 1");
	mt_continue_to_line(p, &io, "waiting");
	CHECK_OK(pt_stop(p));
	/* The program has joined the thread, but the kernel may not have
	 * reported its end to us yet (pthread_join returns when the tid is
	 * cleared, before the task is a zombie): until it is reaped it is
	 * exiting, not gone.  Let the process run until it is. */
	const pid_t xt = pt_thread_tid(x);
	for (int i = 0; pt_process_thread(p, xt) && i < 1000; i++) {
		CHECK_OK(pt_continue(p));
		CHECK_OK(pt_stop(p));
	}
	CHECKF(pt_process_thread(p, xt) == NULL, "thread %d never reaped",
	       (int)xt);
	resume_gone_thread(p, x);
	io_close_stdin(&io);
	io_expect_line(&io, "read 0");
	run_to_exit0(p, &io);
	return TEST_PASS;
}
