/*
 * test-mt-kill.c - SIGKILL sent from outside to a traced multi-threaded
 * process while it runs, while it is stopped, and while one of its threads
 * single-steps through a blocking system call: the end is reported once,
 * and no call hangs afterwards.  The target is tests/targets/mt-tracee.c.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mt.h"

/* After a SIGKILL: pt_wait reports the end.  A library may show the
 * threads' exit events on the way (a stop whose event thread exits with
 * SIGKILL), but a stop with no reason (no event thread, only "requested"
 * threads) is a false report. */
static void wait_killed(pt_process *p)
{
	for (int stops = 0;; stops++) {
		CHECKF(stops < 100, "the killed process keeps stopping");
		if (!mt_wait(p, WAIT_MS))
			break;
		pt_thread *e = pt_process_event_thread(p);
		CHECKF(e != NULL, "killed, but reported stopped without an "
		       "event thread (stop %d; %zu threads: %s)", stops,
		       pt_process_threads(p, NULL, 0), all_causes(p));
		pt_stop_cause ec = cause_of(e);
		CHECKF((ec.kind == PT_STOP_THREAD_EXIT ||
			ec.kind == PT_STOP_EXITED) && ec.signo == SIGKILL,
		       "killed, but stopped with: %s", cause_str(&ec));
		size_t n;
		pt_thread **ts = mt_threads(p, &n);
		for (size_t i = 0; i < n; i++) {
			pt_stop_cause c;
			memset(&c, 0, sizeof c);
			c.sz = sizeof c;
			if (pt_thread_stop_cause(ts[i], &c) < 0)
				continue;
			CHECKF(c.kind == PT_STOP_REQUESTED ||
				       ((c.kind == PT_STOP_THREAD_EXIT ||
					 c.kind == PT_STOP_EXITED) &&
					c.signo == SIGKILL),
			       "killed, but thread %d stopped with: %s",
			       (int)pt_thread_tid(ts[i]), cause_str(&c));
		}
		free(ts);
		int r = pt_continue(p);
		CHECKF(r == 0 || r == PT_EEXITED, "pt_continue of the killed "
		       "process: %s: %s", err_str(r), last_errmsg());
	}
}

/* After a SIGKILL: every thread of pid is dying (it may sit in its exit
 * event stop, for the tracer to let go), or gone. */
static void all_dying(pid_t pid, pt_thread **ts, size_t n)
{
	long long deadline = mt_now_ms() + WAIT_MS;
	for (size_t i = 0; i < n; i++) {
		pid_t tid = pt_thread_tid(ts[i]);
		while (!mt_task_dying(pid, tid))
			CHECKF(mt_now_ms() < deadline, "thread %d does not die "
			       "of SIGKILL (state '%c')", (int)tid,
			       task_state(pid, tid));
	}
}

/* A running process with 4 spinning threads; fills *ts with its threads. */
static pt_process *launch_spinning(struct child_io *io, pt_thread ***ts,
				   size_t *n)
{
	pt_process *p = launch_target(io, MT, ARGS("spin-threads:3"));
	mt_continue_to_line(p, io, "spinning");
	CHECK_OK(pt_stop(p));
	*ts = mt_threads(p, n);
	CHECKF(*n == 4, "%zu threads", *n);
	return p;
}

TEST(sigkill_during_continue)
{
	struct child_io io;
	pt_thread **ts;
	size_t n;
	pt_process *p = launch_spinning(&io, &ts, &n);
	const pid_t pid = pt_process_pid(p);
	CHECK_OK(pt_continue(p));
	CHECK_ERR(pt_wait(p, 0), PT_ETIMEDOUT);
	CHECK(kill(pid, SIGKILL) == 0);
	wait_killed(p);
	mt_check_after_exit(p, -1, SIGKILL, ts, n);
	pt_process_free(p);
	free(ts);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "");
	CHECKF(count_children() == 0, "a child process was left behind");
	return TEST_PASS;
}

TEST(sigkill_during_stop)
{
	struct child_io io;
	pt_thread **ts;
	size_t n;
	pt_process *p = launch_spinning(&io, &ts, &n);
	const pid_t pid = pt_process_pid(p);
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
	for (size_t i = 0; i < n; i++)
		CHECK(task_state(pid, pt_thread_tid(ts[i])) == 't');
	CHECK(kill(pid, SIGKILL) == 0);
	all_dying(pid, ts, n);

	/* All-stopped, the library may only notice at the next call that
	 * touches the tracee: this one. */
	pt_proc_state s = pt_process_state(p);
	CHECKF(s == PT_PROC_STOPPED || s == PT_PROC_EXITED, "state %s",
	       pt_proc_state_name(s));
	if (s == PT_PROC_STOPPED) {
		int r = pt_continue(p);
		CHECKF(r == 0 || r == PT_EEXITED, "pt_continue of the killed "
		       "process: %s: %s", err_str(r), last_errmsg());
	}
	wait_killed(p);
	mt_check_after_exit(p, -1, SIGKILL, ts, n);
	pt_process_free(p);
	free(ts);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "");
	CHECKF(count_children() == 0, "a child process was left behind");
	return TEST_PASS;
}

/* Killed while stopped, the stop already returned (by pt_stop or by a
 * pt_wait): every thread sits in its exit event stop, or is gone.  The
 * next pt_wait looks again (the tracer thread, which waits for no event
 * while every thread is stopped, would not see the kill) and reports the
 * end, not the old stop (ptrace-notes P4). */
static void kill_stopped_then_wait(pt_process *p, struct child_io *io)
{
	const pid_t pid = pt_process_pid(p);
	size_t n;
	pt_thread **ts = mt_threads(p, &n);
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
	CHECK(kill(pid, SIGKILL) == 0);
	all_dying(pid, ts, n);
	CHECK_OK(pt_wait(p, WAIT_MS));
	if (pt_process_state(p) != PT_PROC_EXITED) {
		pt_thread *e = pt_process_event_thread(p);
		CHECKF(e != NULL, "killed, but pt_wait returns the old stop: "
		       "%s", all_causes(p));
		pt_stop_cause ec = cause_of(e);
		CHECKF((ec.kind == PT_STOP_THREAD_EXIT ||
			ec.kind == PT_STOP_EXITED) && ec.signo == SIGKILL,
		       "killed, but pt_wait returns the old stop: %s",
		       all_causes(p));
	}
	wait_killed(p);
	mt_check_after_exit(p, -1, SIGKILL, ts, n);
	pt_process_free(p);
	free(ts);
	io_read_all(io, WAIT_MS);
	CHECKF(count_children() == 0, "a child process was left behind");
}

TEST(sigkill_after_stop_returned)
{
	/* the stop returned by pt_stop (and a pt_wait) */
	struct child_io io;
	pt_thread **ts;
	size_t n;
	pt_process *p = launch_spinning(&io, &ts, &n);
	free(ts);
	CHECK_OK(pt_wait(p, 0));
	kill_stopped_then_wait(p, &io);

	/* a breakpoint stop returned by the pt_wait after the continue (that
	 * wait does not look again: the stop is new) */
	p = launch_target(&io, "tracee", ARGS("loop:100"));
	const uint64_t bp = sym("tracee", "bp_func");
	CHECK_OK(pt_breakpoint_add(p, bp));
	continue_to_bp(p, bp);
	kill_stopped_then_wait(p, &io);
	return TEST_PASS;
}

/* One launch: a thread single-steps into a blocking read(2), and the
 * process is killed while the step is in flight. */
static void kill_during_step(bool masked)
{
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("block-read:2"));
	const pid_t pid = pt_process_pid(p);
	if (masked)
		CHECK_OK(pt_process_set_events(p, 0));
	mt_continue_to_line(p, &io, "waiting");
	/* The leader is blocked in read(0): wait until it sleeps there. */
	long long deadline = mt_now_ms() + WAIT_MS;
	while (task_state(pid, pid) != 'S')
		CHECKF(mt_now_ms() < deadline, "the reader never blocks");
	CHECK_OK(pt_stop(p));
	size_t n;
	pt_thread **ts = mt_threads(p, &n);
	CHECK_EQ_INT(n, 3);
	pt_thread *t = pt_process_thread(p, pid);
	CHECK(t != NULL);
	/* It sits just after a syscall instruction, in read(2). */
	uint64_t pc = pc_of(t);
	unsigned char insn[2] = {0, 0};
	CHECK_OK(pt_mem_read(p, pc - 2, insn, 2, NULL));
	CHECKF(insn[0] == 0x0f && insn[1] == 0x05,
	       "the reader's PC %#llx does not follow a syscall instruction "
	       "(%02x %02x)", (unsigned long long)pc, insn[0], insn[1]);
	CHECK_EQ_INT(reg(t, "orig_rax"), 0); /* SYS_read */

	/* The step restarts the read, which blocks: it stays in flight. */
	CHECK_OK(pt_thread_step(t));
	CHECK_ERR(pt_wait(p, 0), PT_ETIMEDOUT);
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_RUNNING);
	deadline = mt_now_ms() + WAIT_MS;
	while (task_state(pid, pid) != 'S')
		CHECKF(mt_now_ms() < deadline, "the stepped reader is in state "
		       "'%c', never blocks", task_state(pid, pid));
	for (size_t i = 0; i < n; i++)
		if (ts[i] != t)
			CHECKF(task_state(pid, pt_thread_tid(ts[i])) == 't',
			       "thread %d runs during another's step",
			       (int)pt_thread_tid(ts[i]));
	CHECK_ERR(pt_wait(p, 0), PT_ETIMEDOUT);

	CHECK(kill(pid, SIGKILL) == 0);
	wait_killed(p);
	mt_check_after_exit(p, -1, SIGKILL, ts, n);
	pt_process_free(p);
	free(ts);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "");
	io_close(&io);
	CHECKF(count_children() == 0, "a child process was left behind");
}

TEST(sigkill_during_step)
{
	/* A few times: the order in which the threads' deaths reach the
	 * tracer varies. */
	for (int i = 0; i < 8; i++)
		kill_during_step(i % 2 == 1);
	return TEST_PASS;
}
