/*
 * test-mt-attach.c - attaching to busy multi-threaded processes: a process
 * creating and destroying threads all the time, a process whose leader is a
 * zombie, and job control (SIGSTOP/SIGCONT from outside) of a traced
 * multi-threaded process.  The target is tests/targets/mt-tracee.c.
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mt.h"

/* Nothing of pid is left in a (traced or job-control) stop. */
static void check_none_stopped(pid_t pid, const char *when)
{
	pid_t tids[512];
	size_t n = mt_tasks(pid, tids, 512);
	CHECKF(n > 0, "%s: process %d has no threads", when, (int)pid);
	for (size_t i = 0; i < n; i++) {
		char st = task_state(pid, tids[i]);
		CHECKF(st != 't' && st != 'T', "%s: thread %d in state '%c'",
		       when, (int)tids[i], st);
	}
}

static int cause_errors;
static char first_cause_error[600];

/* Just after an attach: every thread the process has (but those on their
 * way out) is listed and stopped, and every listed thread is stopped. */
static void check_attached(pt_process *p, int iter)
{
	const pid_t pid = pt_process_pid(p);
	CHECKF(pt_process_state(p) == PT_PROC_STOPPED,
	       "attach %d: state %s", iter,
	       pt_proc_state_name(pt_process_state(p)));
	size_t n;
	pt_thread **ts = mt_threads(p, &n);
	/* The leader, 3 long-lived threads and 2 churners at least. */
	CHECKF(n >= 6, "attach %d: %zu threads listed", iter, n);
	CHECKF(pt_thread_tid(ts[0]) == pid, "attach %d: first thread %d",
	       iter, (int)pt_thread_tid(ts[0]));
	for (size_t i = 0; i < n; i++) {
		pid_t tid = pt_thread_tid(ts[i]);
		char st = task_state(pid, tid);
		if (st != 't') {
			char s = mt_settle(pid, tid);
			if (s == 'x')
				continue; /* on its way out */
			CHECKF(s == 't', "attach %d: listed thread %d in state "
			       "'%c', then '%c'", iter, (int)tid, st, s);
		}
		pt_stop_cause c;
		memset(&c, 0, sizeof c);
		c.sz = sizeof c;
		int r = pt_thread_stop_cause(ts[i], &c);
		CHECKF(r == 0, "attach %d: thread %d: pt_thread_stop_cause: %s",
		       iter, (int)tid, err_str(r));
		/* The header: attach leaves every thread with cause
		 * PT_STOP_REQUESTED.  Counted, and checked at the end, so
		 * that the other checks run on all iterations. */
		if (c.kind != PT_STOP_REQUESTED && ++cause_errors == 1)
			snprintf(first_cause_error, sizeof first_cause_error,
				 "attach %d: thread %d: %s (expected "
				 "requested)", iter, (int)tid, cause_str(&c));
	}
	if (pt_process_event_thread(p) != NULL && cause_errors == 0) {
		cause_errors++;
		snprintf(first_cause_error, sizeof first_cause_error,
			 "attach %d: an event thread after attach", iter);
	}
	pid_t tids[512];
	size_t nt = mt_tasks(pid, tids, 512);
	for (size_t i = 0; i < nt; i++) {
		if (mt_find(ts, n, tids[i]) != NULL)
			continue;
		char st = task_state(pid, tids[i]);
		if (st != 't' && mt_settle(pid, tids[i]) == 'x')
			continue;
		FAIL("attach %d: thread %d (state '%c', then '%c', TracerPid "
		     "%d) is not in pt_process_threads (%zu listed)",
		     iter, (int)tids[i], st, task_state(pid, tids[i]),
		     (int)proc_tracer(tids[i]), n);
	}
	free(ts);
}

/* 1,000 attach/detach cycles on a process that creates and joins threads
 * in a tight loop.  Each cycle costs a few milliseconds (a tracer thread is
 * started per attach); on a slow build (sanitizers) or a loaded machine the
 * test stops after BUDGET_MS, if it has done MIN_ITERS cycles by then. */
TEST(attach_churn_1000)
{
	enum { ITERS = 1000, MIN_ITERS = 250, BUDGET_MS = 15000 };
	const long long start = mt_now_ms();
	struct child_io io;
	spawn_target(&io, MT, ARGS("churn:3:2"));
	io_expect_line(&io, "churning");
	const pid_t pid = io.pid;
	const uint64_t counter = mt_sym("churn_count");
	uint64_t last = mt_peek_u64(pid, counter);

	int i;
	for (i = 0; i < ITERS; i++) {
		if (i >= MIN_ITERS && mt_now_ms() - start > BUDGET_MS)
			break;
		pt_process *p = NULL;
		int r = pt_attach(pid, &p);
		CHECKF(r == 0, "attach %d: %s: %s", i, err_str(r),
		       last_errmsg());
		check_attached(p, i);
		CHECK_OK(pt_detach(p));
		CHECK_EQ_INT(pt_process_state(p), PT_PROC_DETACHED);
		pt_process_free(p);
		char when[32];
		snprintf(when, sizeof when, "after detach %d", i);
		check_none_stopped(pid, when);
		CHECKF(proc_tracer(pid) == 0, "%s: TracerPid %d", when,
		       (int)proc_tracer(pid));
		/* It runs: threads are created between two attaches. */
		long long deadline = mt_now_ms() + WAIT_MS;
		uint64_t v;
		while ((v = mt_peek_u64(pid, counter)) == last) {
			CHECKF(mt_now_ms() < deadline, "%s: the churn counter "
			       "is stuck at %llu", when,
			       (unsigned long long)v);
			sched_yield();
		}
		last = v;
	}
	CHECKF(cause_errors == 0, "%d of %d attaches left a thread with a "
	       "cause other than requested; the first: %s", cause_errors, i,
	       first_cause_error);
	/* Still alive, still making progress. */
	io_write(&io, "x\n");
	char line[128];
	CHECK(io_read_line(&io, line, sizeof line, WAIT_MS) == 1);
	unsigned long count = 0;
	CHECKF(sscanf(line, "count %lu", &count) == 1, "target said: %s",
	       line);
	CHECKF(count >= last + 20, "count %lu, but %llu before", count,
	       (unsigned long long)last);
	io_close_stdin(&io);
	io_expect_line(&io, "churned");
	io_expect_line(&io, "DONE");
	int status = io_reap(&io, WAIT_MS);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "wait status %#x", status);
	return TEST_PASS;
}

/* Attach to a process whose main thread called pthread_exit. */
TEST(attach_zombie_leader)
{
	struct child_io io;
	spawn_target(&io, MT, ARGS("zombie-leader"));
	io_expect_line(&io, "worker ready");
	const pid_t pid = io.pid;
	char st = mt_wait_proc_state(pid, "Z", WAIT_MS);
	CHECKF(st == 'Z', "the leader of %d is in state '%c', not a zombie",
	       (int)pid, st);

	pt_process *p = NULL;
	CHECK_OK(pt_attach(pid, &p));
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
	size_t n;
	pt_thread **ts = mt_threads(p, &n);
	CHECKF(n == 2, "%zu threads listed, expected the 2 live ones", n);
	for (size_t i = 0; i < n; i++) {
		pid_t tid = pt_thread_tid(ts[i]);
		CHECKF(tid != pid, "the zombie leader %d is listed", (int)pid);
		CHECKF(task_state(pid, tid) == 't', "thread %d in state '%c'",
		       (int)tid, task_state(pid, tid));
		pt_stop_cause c = cause_of(ts[i]);
		CHECKF(c.kind == PT_STOP_REQUESTED, "thread %d: %s", (int)tid,
		       cause_str(&c));
		CHECK(pc_of(ts[i]) != 0);
		CHECK(reg(ts[i], "rsp") != 0);
	}
	const uint64_t magic = mt_sym("zl_magic"), ticks = mt_sym("zl_ticks");
	uint64_t v = 0;
	CHECK_OK(pt_mem_read(p, magic, &v, sizeof v, NULL));
	CHECK_EQ_HEX(v, 0x5a17c0de12345678ull);

	/* Stop and continue a few times; it runs in between. */
	uint64_t t0 = 0, t1 = 0;
	CHECK_OK(pt_mem_read(p, ticks, &t0, sizeof t0, NULL));
	for (int round = 0; round < 5; round++) {
		CHECK_OK(pt_continue(p));
		CHECK_ERR(pt_wait(p, 0), PT_ETIMEDOUT);
		long long deadline = mt_now_ms() + WAIT_MS;
		do {
			CHECKF(mt_now_ms() < deadline, "round %d: the ticker "
			       "does not run", round);
			CHECK_OK(pt_mem_read(p, ticks, &t1, sizeof t1, NULL));
		} while (t1 == t0);
		CHECK_OK(pt_stop(p));
		CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
		for (size_t i = 0; i < n; i++) {
			pid_t tid = pt_thread_tid(ts[i]);
			CHECKF(task_state(pid, tid) == 't',
			       "round %d: thread %d in state '%c'", round,
			       (int)tid, task_state(pid, tid));
			pt_stop_cause c = cause_of(ts[i]);
			CHECKF(c.kind == PT_STOP_REQUESTED, "thread %d: %s",
			       (int)tid, cause_str(&c));
		}
		CHECK_OK(pt_mem_read(p, ticks, &t0, sizeof t0, NULL));
		CHECK(t0 >= t1);
	}

	/* A breakpoint hit by the echo thread. */
	const uint64_t f = mt_sym("mt_hit");
	CHECK_OK(pt_breakpoint_add(p, f));
	CHECK_OK(pt_continue(p));
	io_write(&io, "a\n");
	pt_thread *t = wait_bp(p, f);
	CHECK(t != NULL && pt_thread_tid(t) != pid);
	CHECK(mt_find(ts, n, pt_thread_tid(t)) == t);
	CHECK_EQ_INT(reg(t, "rdi"), 0);
	CHECK_OK(pt_mem_read(p, magic, &v, sizeof v, NULL));
	CHECK_EQ_HEX(v, 0x5a17c0de12345678ull);
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "echo a");
	CHECK_OK(pt_stop(p));
	free(ts);

	/* Detach (with the breakpoint still in): it carries on. */
	CHECK_OK(pt_detach(p));
	pt_process_free(p);
	pid_t tids[16];
	size_t nt = mt_tasks(pid, tids, 16);
	for (size_t i = 0; i < nt; i++) {
		char s = task_state(pid, tids[i]);
		if (tids[i] == pid)
			CHECKF(s == 'Z', "leader in state '%c'", s);
		else
			CHECKF(s != 't' && s != 'T',
			       "thread %d in state '%c' after detach",
			       (int)tids[i], s);
	}
	io_write(&io, "b\n");
	io_expect_line(&io, "echo b");
	io_close_stdin(&io);
	io_expect_line(&io, "DONE");
	int status = io_reap(&io, WAIT_MS);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "wait status %#x", status);
	return TEST_PASS;
}

/* Wait (no sleep) until every thread of pid is in state `want`. */
static void wait_all_tasks(pid_t pid, char want, const char *when)
{
	long long deadline = mt_now_ms() + WAIT_MS;
	for (;;) {
		pid_t tids[64];
		size_t n = mt_tasks(pid, tids, 64);
		size_t good = 0;
		char bad = 0;
		pid_t bad_tid = 0;
		for (size_t i = 0; i < n; i++) {
			char s = task_state(pid, tids[i]);
			if (s == want) {
				good++;
			} else {
				bad = s;
				bad_tid = tids[i];
			}
		}
		if (n > 0 && good == n)
			return;
		CHECKF(mt_now_ms() < deadline,
		       "%s: thread %d in state '%c', expected '%c'", when,
		       (int)bad_tid, bad, want);
		sched_yield();
	}
}

/* No line from the target within ms (it is stopped). */
static void expect_silence(struct child_io *io, int ms, const char *when)
{
	char line[256];
	int r = io_read_line(io, line, sizeof line, ms);
	CHECKF(r < 0, "%s: the target printed \"%s\"", when,
	       r > 0 ? line : "(EOF)");
}

/* SIGSTOP and SIGCONT sent from outside to a traced multi-threaded
 * process. */
TEST(kill_stop_cont_outside)
{
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("mt-echo:3"));
	const pid_t pid = pt_process_pid(p);
	mt_continue_to_line(p, &io, "ready");

	CHECK(kill(pid, SIGSTOP) == 0);
	pt_stop_cause c;
	wait_event(p, PT_STOP_SIGNAL, &c);
	CHECKF(c.signo == SIGSTOP && c.pid == getpid(), "expected SIGSTOP "
	       "from %d: %s", (int)getpid(), cause_str(&c));
	/* Delivered: the whole process enters the group stop. */
	continue_until(p, PT_STOP_GROUP, &c);
	CHECKF(c.signo == SIGSTOP, "group stop: %s", cause_str(&c));
	size_t n;
	pt_thread **ts = mt_threads(p, &n);
	CHECK_EQ_INT(n, 4);
	for (size_t i = 0; i < n; i++) {
		pt_stop_cause ci = cause_of(ts[i]);
		CHECKF(ci.kind == PT_STOP_GROUP || ci.kind == PT_STOP_REQUESTED,
		       "thread %d at the group stop: %s",
		       (int)pt_thread_tid(ts[i]), cause_str(&ci));
		CHECKF(ci.kind != PT_STOP_GROUP || ci.signo == SIGSTOP,
		       "thread %d: %s", (int)pt_thread_tid(ts[i]),
		       cause_str(&ci));
	}
	free(ts);
	wait_all_tasks(pid, 't', "at the group stop");

	/* Job control holds: continuing leaves it stopped. */
	CHECK_OK(pt_continue(p));
	CHECK_ERR(pt_wait(p, 0), PT_ETIMEDOUT);
	io_write(&io, "x\n");
	expect_silence(&io, 200, "stopped by SIGSTOP, after pt_continue");
	CHECK_ERR(pt_wait(p, 0), PT_ETIMEDOUT);
	pid_t tids[64];
	size_t nt = mt_tasks(pid, tids, 64);
	CHECK_EQ_INT(nt, 4);
	for (size_t i = 0; i < nt; i++) {
		char s = task_state(pid, tids[i]);
		CHECKF(s == 't' || s == 'T', "after pt_continue from the group "
		       "stop: thread %d in state '%c'", (int)tids[i], s);
	}

	/* SIGCONT from outside: reported, then it runs on. */
	CHECK(kill(pid, SIGCONT) == 0);
	wait_event(p, PT_STOP_SIGNAL, &c);
	CHECKF(c.signo == SIGCONT, "after SIGCONT: %s", cause_str(&c));
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "echo x");
	io_write(&io, "y\n");
	io_expect_line(&io, "echo y");
	io_close_stdin(&io);
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "DONE\n");
	pt_process_free(p);
	io_close(&io);

	/* Detach during the group stop: it stays stopped ('T') until a
	 * SIGCONT. */
	spawn_target(&io, MT, ARGS("mt-echo:3"));
	io_expect_line(&io, "ready");
	CHECK_OK(pt_attach(io.pid, &p));
	CHECK_OK(pt_continue(p));
	CHECK(kill(io.pid, SIGSTOP) == 0);
	wait_event(p, PT_STOP_SIGNAL, &c);
	CHECK_EQ_INT(c.signo, SIGSTOP);
	continue_until(p, PT_STOP_GROUP, &c);
	CHECK_OK(pt_detach(p));
	pt_process_free(p);
	wait_all_tasks(io.pid, 'T', "detached in a group stop");
	CHECKF(proc_tracer(io.pid) == 0, "TracerPid %d after detach",
	       (int)proc_tracer(io.pid));
	io_write(&io, "z\n");
	expect_silence(&io, 200, "detached in a group stop");
	CHECK(kill(io.pid, SIGCONT) == 0);
	io_expect_line(&io, "echo z");
	check_none_stopped(io.pid, "after SIGCONT");
	io_close_stdin(&io);
	io_expect_line(&io, "DONE");
	int status = io_reap(&io, WAIT_MS);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "wait status %#x", status);
	return TEST_PASS;
}
