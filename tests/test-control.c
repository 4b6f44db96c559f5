/*
 * test-control.c - all-stop control: pt_stop on a running process, the
 * event fd, pt_kill, and a multi-threaded smoke test.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tests.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t read_u64(pt_process *p, uint64_t addr)
{
	uint64_t v = 0;
	CHECK_OK(pt_mem_read(p, addr, &v, sizeof v, NULL));
	return v;
}

/* While p runs, wait until the 64-bit counter at addr exceeds `than`. */
static uint64_t wait_counter_above(pt_process *p, uint64_t addr, uint64_t than)
{
	long long deadline = now_ms() + WAIT_MS;
	for (;;) {
		uint64_t v = read_u64(p, addr);
		if (v > than)
			return v;
		CHECKF(now_ms() < deadline,
		       "counter stuck at %llu: the process does not run",
		       (unsigned long long)v);
	}
}

static int poll_fd(int fd, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int r = poll(&pfd, 1, timeout_ms);
	CHECK(r >= 0);
	return r;
}

TEST(stop_running)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("spin"));
	uint64_t counter = sym("tracee", "spin_counter");
	uint64_t spin = sym("tracee", "spin_forever");
	uint64_t spin_len = sym_size("tracee", "spin_forever");
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "spinning");
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_RUNNING);
	CHECK_ERR(pt_wait(p, 0), PT_ETIMEDOUT);

	/* Memory reads work while it runs: the counter moves. */
	uint64_t c0 = wait_counter_above(p, counter, 0);

	CHECK_OK(pt_stop(p));
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
	CHECK_OK(pt_wait(p, 0));
	pt_thread *t = only_thread(p);
	pt_stop_cause c = cause_of(t);
	CHECKF(c.kind == PT_STOP_REQUESTED, "after pt_stop: %s", cause_str(&c));
	CHECK(pt_process_event_thread(p) == NULL);
	uint64_t pc = pc_of(t);
	CHECKF(pc >= spin && pc < spin + spin_len,
	       "PC %#llx not in spin_forever [%#llx, %#llx)",
	       (unsigned long long)pc, (unsigned long long)spin,
	       (unsigned long long)(spin + spin_len));
	uint64_t c1 = read_u64(p, counter);
	CHECK(c1 >= c0);
	CHECK_EQ_INT(read_u64(p, counter), c1); /* really stopped */
	CHECK_OK(pt_stop(p));                  /* a no-op now */
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
	CHECK_EQ_INT(read_u64(p, counter), c1);

	/* It runs again, and stops again. */
	CHECK_OK(pt_continue(p));
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_RUNNING);
	wait_counter_above(p, counter, c1);
	CHECK_OK(pt_stop(p));
	c = cause_of(t);
	CHECKF(c.kind == PT_STOP_REQUESTED, "after pt_stop: %s", cause_str(&c));

	/* pt_kill ends it: killed by SIGKILL. */
	CHECK_OK(pt_kill(p));
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_EXITED);
	int code = -2, sig = -2;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(code, -1);
	CHECK_EQ_INT(sig, SIGKILL);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "");
	pt_process_free(p);
	CHECKF(count_children() == 0, "a child process was left behind");
	return TEST_PASS;
}

/* The event fd is readable exactly when pt_wait(p, 0) would return 0. */
TEST(event_fd)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("loop:2"));
	int fd = CHECK_OK(pt_process_event_fd(p));
	CHECK_EQ_INT(pt_process_event_fd(p), fd);

	/* Stopped at exec: readable. */
	CHECKF(poll_fd(fd, 0) == 1, "event fd not readable at the first stop");
	uint64_t f = sym("tracee", "bp_func");
	CHECK_OK(pt_breakpoint_add(p, f));

	/* Readable again when the breakpoint stops it. */
	for (int hit = 0; hit < 2; hit++) {
		CHECK_OK(pt_continue(p));
		CHECKF(poll_fd(fd, WAIT_MS) == 1,
		       "event fd not readable within %d ms", WAIT_MS);
		CHECK_OK(pt_wait(p, 0));
		CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
		pt_stop_cause c = cause_of(only_thread(p));
		CHECKF(c.kind == PT_STOP_BREAKPOINT, "stop: %s", cause_str(&c));
		CHECK(poll_fd(fd, 0) == 1); /* still, until resumed */
	}
	CHECK_OK(pt_kill(p));
	CHECK(poll_fd(fd, 0) == 1);
	pt_process_free(p);
	io_close(&io);

	/* A running process: not readable; then pt_stop makes it so. */
	p = launch_target(&io, "tracee", ARGS("spin"));
	fd = CHECK_OK(pt_process_event_fd(p));
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "spinning");
	CHECKF(poll_fd(fd, 0) == 0, "event fd readable while running");
	CHECK_OK(pt_stop(p));
	CHECK(poll_fd(fd, 0) == 1);
	CHECK_OK(pt_continue(p));
	CHECKF(poll_fd(fd, 0) == 0, "event fd readable after pt_continue");

	/* Killed while running: readable, state EXITED. */
	CHECK_OK(pt_kill(p));
	CHECK(poll_fd(fd, 0) == 1);
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_EXITED);
	pt_process_free(p);
	return TEST_PASS;
}

/* Several threads hit one breakpoint; every event is seen once. */
TEST(mt_smoke)
{
	enum { N = 4 };
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("threads:4"));
	uint64_t f = sym("tracee", "bp_func");
	CHECK_OK(pt_breakpoint_add(p, f));

	int hits = 0, creates = 0, stops = 0;
	for (;;) {
		CHECKF(stops++ < 100, "too many stops");
		CHECK_OK(pt_continue(p));
		int r = pt_wait(p, WAIT_MS);
		CHECKF(r != PT_ETIMEDOUT, "no stop within %d ms", WAIT_MS);
		CHECK_OK(r);
		if (pt_process_state(p) == PT_PROC_EXITED)
			break;
		CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
		CHECK(pt_process_event_thread(p) != NULL);

		pt_thread *ts[16];
		size_t n = pt_process_threads(p, ts, 16);
		CHECK(n >= 1 && n <= N + 1);
		CHECK_EQ_INT(pt_thread_tid(ts[0]), pt_process_pid(p));
		for (size_t i = 0; i < n; i++) {
			pt_stop_cause c = cause_of(ts[i]); /* all stopped */
			CHECKF(c.kind != PT_STOP_NONE,
			       "thread %d has no stop cause; threads: %s",
			       (int)pt_thread_tid(ts[i]), all_causes(p));
			if (c.kind == PT_STOP_BREAKPOINT) {
				CHECK_EQ_HEX(c.addr, f);
				CHECK_EQ_HEX(pc_of(ts[i]), f);
				hits++;
			} else if (c.kind == PT_STOP_THREAD_CREATE) {
				CHECK(c.thread != NULL);
				CHECK_EQ_INT(pt_thread_tid(c.thread), c.pid);
				creates++;
			}
		}
	}
	CHECKF(hits == N && creates == N,
	       "%d breakpoint hits and %d thread creations, expected %d each",
	       hits, creates, N);
	int code = -2, sig = -2;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "threads 4\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

struct launch_job {
	struct child_io io;
	pt_process *p;
};

static void *launch_job_main(void *arg)
{
	struct launch_job *j = arg;
	j->p = launch_target(&j->io, "tracee", ARGS("loop:3"));
	return NULL;
}

/* Two traced processes at once, one launched from another thread: each
 * has its own stops, and waiting on one never consumes the other's. */
TEST(two_processes)
{
	struct launch_job a;
	pthread_t th;
	CHECK(pthread_create(&th, NULL, launch_job_main, &a) == 0);
	CHECK(pthread_join(th, NULL) == 0);
	struct child_io io_b;
	pt_process *b = launch_target(&io_b, "tracee", ARGS("loop:2"));
	CHECK(a.p != b && pt_process_pid(a.p) != pt_process_pid(b));

	uint64_t f = sym("tracee", "bp_func");
	CHECK_OK(pt_breakpoint_add(a.p, f));
	CHECK_OK(pt_breakpoint_add(b, f));
	CHECK_OK(pt_continue(a.p));
	CHECK_OK(pt_continue(b));
	pt_thread *tb = wait_bp(b, f);
	pt_thread *ta = wait_bp(a.p, f);
	CHECK_EQ_INT(reg(ta, "rdi"), 0);
	CHECK_EQ_INT(reg(tb, "rdi"), 0);

	/* Only b runs on. */
	tb = continue_to_bp(b, f);
	CHECK_EQ_INT(reg(tb, "rdi"), 1);
	CHECK_EQ_INT(pt_process_state(a.p), PT_PROC_STOPPED);
	CHECK_EQ_INT(reg(ta, "rdi"), 0);
	CHECK_EQ_HEX(pc_of(ta), f);

	/* a runs while b waits at its breakpoint. */
	ta = continue_to_bp(a.p, f);
	CHECK_EQ_INT(reg(ta, "rdi"), 1);
	CHECK_OK(pt_breakpoint_remove(a.p, f));
	CHECK_EQ_INT(pt_breakpoint_count(b), 1);
	CHECK_OK(pt_continue(a.p));
	CHECK_EQ_INT(pt_process_state(b), PT_PROC_STOPPED);
	int code = -2, sig = -2;
	run_to_exit(a.p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&a.io, WAIT_MS), "sum 9\nDONE\n");

	CHECK_EQ_HEX(pc_of(tb), f);
	run_to_exit(b, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io_b, WAIT_MS), "sum 4\nDONE\n");
	pt_process_free(a.p);
	pt_process_free(b);
	return TEST_PASS;
}
