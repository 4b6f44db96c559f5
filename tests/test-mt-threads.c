/*
 * test-mt-threads.c - many threads: concurrent breakpoint hits, thread
 * creation and exit events, threads born while the process is being
 * stopped, phantom breakpoint hits, and the fair choice of the event thread.
 * The target is tests/targets/mt-tracee.c.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mt.h"

/* 100 threads call mt_hit(i, j) for j in 0..K-1 at once: every hit is
 * reported exactly once, in order, on the thread that made it. */
TEST(mt_bp_100_threads)
{
	enum { N = 100, K = 50 };
	char arg[64];
	snprintf(arg, sizeof arg, "bp-threads:%d:%d", N, K);
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS(arg));
	const uint64_t f = mt_sym("mt_hit");
	CHECK_OK(pt_breakpoint_add(p, f));

	pid_t tid_of[N];
	int hits[N];
	memset(tid_of, 0, sizeof tid_of);
	memset(hits, 0, sizeof hits);
	int total = 0, creates = 0, stops = 0;
	while (mt_continue_wait(p)) {
		CHECKF(++stops <= N * K + 2 * N + 50, "too many stops (%d)",
		       stops);
		CHECKF(pt_process_event_thread(p) != NULL,
		       "stop %d without an event thread", stops);
		size_t n;
		pt_thread **ts = mt_threads(p, &n);
		for (size_t i = 0; i < n; i++) {
			pt_stop_cause c = cause_of(ts[i]);
			pid_t tid = pt_thread_tid(ts[i]);
			switch (c.kind) {
			case PT_STOP_BREAKPOINT: {
				CHECK_EQ_HEX(c.addr, f);
				uint64_t pc = pc_of(ts[i]);
				CHECKF(pc == f, "thread %d: breakpoint at %#llx "
				       "with the PC at %#llx", (int)tid,
				       (unsigned long long)f,
				       (unsigned long long)pc);
				uint64_t idx = reg(ts[i], "rdi");
				uint64_t j = reg(ts[i], "rsi");
				CHECKF(idx < N, "thread %d: mt_hit(%llu, %llu)",
				       (int)tid, (unsigned long long)idx,
				       (unsigned long long)j);
				if (tid_of[idx] == 0) {
					for (int k = 0; k < N; k++)
						CHECKF(tid_of[k] != tid,
						       "thread %d calls as "
						       "index %d and %d",
						       (int)tid, k, (int)idx);
					tid_of[idx] = tid;
				}
				CHECKF(tid_of[idx] == tid,
				       "index %d: hits from threads %d and %d",
				       (int)idx, (int)tid_of[idx], (int)tid);
				CHECKF(j == (uint64_t)hits[idx],
				       "thread %d (index %d): hit for call %llu, "
				       "expected call %d (a hit lost or seen "
				       "twice)",
				       (int)tid, (int)idx, (unsigned long long)j,
				       hits[idx]);
				hits[idx]++;
				total++;
				break;
			}
			case PT_STOP_THREAD_CREATE:
				creates++;
				break;
			case PT_STOP_THREAD_EXIT:
			case PT_STOP_REQUESTED:
				break;
			default:
				FAIL("thread %d: unexpected stop: %s", (int)tid,
				     cause_str(&c));
			}
		}
		free(ts);
	}
	for (int i = 0; i < N; i++)
		CHECKF(hits[i] == K, "thread index %d (tid %d): %d hits, "
		       "expected %d", i, (int)tid_of[i], hits[i], K);
	CHECK_EQ_INT(total, N * K);
	CHECK_EQ_INT(creates, N);
	int code = -2, sig = -2;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(code, 0);
	CHECK_EQ_INT(sig, 0);
	char want[64];
	snprintf(want, sizeof want, "bp-threads %d %d\nDONE\n", N, K);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), want);
	pt_process_free(p);
	return TEST_PASS;
}

/* Threads leaving with syscall(SYS_exit, S + i): each one's exit is a stop
 * with its own status and readable registers; then it leaves the list. */
TEST(thread_exit_status)
{
	enum { N = 8, S = 20 };
	char arg[64];
	snprintf(arg, sizeof arg, "thread-exits:%d:%d", N, S);
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS(arg, "exit:3"));
	const pid_t pid = pt_process_pid(p);
	bool seen[N] = {false};
	int leader_exits = 0, stops = 0;
	pt_thread *gone[N + 1];
	size_t ngone = 0;

	while (mt_continue_wait(p)) {
		CHECKF(++stops < 10 * N, "too many stops");
		size_t n;
		pt_thread **ts = mt_threads(p, &n);
		/* The threads that reported their exit at the previous stop
		 * are gone now. */
		for (size_t g = 0; g < ngone; g++) {
			CHECKF(mt_find(ts, n, pt_thread_tid(gone[g])) == NULL,
			       "thread %d still listed after its exit stop "
			       "and a continue", (int)pt_thread_tid(gone[g]));
			uint64_t pc;
			int r = pt_thread_pc(gone[g], &pc);
			CHECKF(r == PT_EEXITED, "pt_thread_pc on exited thread "
			       "%d: %s, expected PT_EEXITED (message: %s)",
			       (int)pt_thread_tid(gone[g]), err_str(r),
			       last_errmsg());
		}
		ngone = 0;
		for (size_t i = 0; i < n; i++) {
			pt_stop_cause c = cause_of(ts[i]);
			pid_t tid = pt_thread_tid(ts[i]);
			if (c.kind == PT_STOP_THREAD_CREATE ||
			    c.kind == PT_STOP_REQUESTED)
				continue;
			CHECKF(c.kind == PT_STOP_THREAD_EXIT,
			       "thread %d: unexpected stop: %s", (int)tid,
			       cause_str(&c));
			CHECKF(c.signo == 0, "thread %d: %s", (int)tid,
			       cause_str(&c));
			/* Registers are readable at the exit stop. */
			uint64_t pc = 0;
			CHECK_OK(pt_thread_pc(ts[i], &pc));
			CHECK(pc != 0);
			CHECKF(task_state(pid, tid) == 't',
			       "thread %d in state '%c' at its exit stop",
			       (int)tid, task_state(pid, tid));
			if (tid == pid) {
				CHECKF(c.status == 3, "leader: %s",
				       cause_str(&c));
				leader_exits++;
			} else {
				CHECKF(c.status >= S && c.status < S + N,
				       "thread %d: %s", (int)tid,
				       cause_str(&c));
				CHECKF(!seen[c.status - S], "status %d "
				       "reported twice", c.status);
				seen[c.status - S] = true;
				/* syscall(SYS_exit, N): N is in rdi. */
				uint64_t rdi = reg(ts[i], "rdi");
				CHECKF(rdi == (uint64_t)c.status,
				       "thread %d: exit status %d, but it "
				       "called exit(%llu)", (int)tid, c.status,
				       (unsigned long long)rdi);
				CHECK_EQ_INT(reg(ts[i], "orig_rax"), 60);
			}
			gone[ngone++] = ts[i];
		}
		free(ts);
	}
	for (int i = 0; i < N; i++)
		CHECKF(seen[i], "no exit stop with status %d", S + i);
	CHECK_EQ_INT(leader_exits, 1);
	for (size_t g = 0; g < ngone; g++) {
		uint64_t pc;
		CHECK_ERR(pt_thread_pc(gone[g], &pc), PT_EEXITED);
	}
	pt_thread *none[1];
	CHECK_EQ_INT(pt_process_threads(p, none, 1), 0);
	mt_check_after_exit(p, 3, 0, gone, ngone);
	char want[64];
	snprintf(want, sizeof want, "exited %d\n", N);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), want);
	pt_process_free(p);
	return TEST_PASS;
}

/* 4 threads each start 50 threads one after another: every creation stop
 * names a new, stopped, listed thread. */
TEST(thread_create_orders)
{
	enum { C = 4, M = 50, TOTAL = C + C * M };
	char arg[64];
	snprintf(arg, sizeof arg, "spawn-many:%d:%d", C, M);
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS(arg));
	const pid_t pid = pt_process_pid(p);
	pid_t seen[TOTAL];
	int creates = 0, stops = 0;

	while (mt_continue_wait(p)) {
		CHECKF(++stops < 4 * TOTAL, "too many stops");
		size_t n;
		pt_thread **ts = mt_threads(p, &n);
		for (size_t i = 0; i < n; i++) {
			pid_t tid = pt_thread_tid(ts[i]);
			pt_stop_cause c = cause_of(ts[i]);
			char st = task_state(pid, tid);
			CHECKF(st == 't', "listed thread %d in state '%c' at a "
			       "stop (cause: %s)", (int)tid, st,
			       cause_str(&c));
			if (c.kind == PT_STOP_THREAD_EXIT ||
			    c.kind == PT_STOP_REQUESTED)
				continue;
			CHECKF(c.kind == PT_STOP_THREAD_CREATE,
			       "thread %d: unexpected stop: %s", (int)tid,
			       cause_str(&c));
			CHECKF(c.thread != NULL, "creation stop without a "
			       "thread: %s", cause_str(&c));
			CHECK_EQ_INT(pt_thread_tid(c.thread), c.pid);
			CHECK(pt_thread_process(c.thread) == p);
			CHECKF(c.pid != tid, "thread %d created itself",
			       (int)tid);
			CHECKF(mt_find(ts, n, c.pid) == c.thread,
			       "new thread %d is not in pt_process_threads",
			       (int)c.pid);
			CHECK(pt_process_thread(p, c.pid) == c.thread);
			pt_stop_cause nc;
			memset(&nc, 0, sizeof nc);
			nc.sz = sizeof nc;
			int r = pt_thread_stop_cause(c.thread, &nc);
			CHECKF(r == 0 && nc.kind != PT_STOP_NONE,
			       "new thread %d is not stopped: %s", (int)c.pid,
			       r < 0 ? err_str(r) : cause_str(&nc));
			uint64_t pc;
			CHECK_OK(pt_thread_pc(c.thread, &pc));
			CHECKF(task_state(pid, c.pid) == 't',
			       "new thread %d in state '%c'", (int)c.pid,
			       task_state(pid, c.pid));
			for (int k = 0; k < creates; k++)
				CHECKF(seen[k] != c.pid, "thread %d created "
				       "twice", (int)c.pid);
			CHECKF(creates < TOTAL, "more than %d creations",
			       TOTAL);
			seen[creates++] = c.pid;
		}
		free(ts);
	}
	CHECK_EQ_INT(creates, TOTAL);
	int code = -2, sig = -2;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(code, 0);
	char want[64];
	snprintf(want, sizeof want, "spawned %d\nDONE\n", C * M);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), want);
	pt_process_free(p);
	return TEST_PASS;
}

/* Wait (no sleep) until the 64-bit counter at addr of the running
 * process pid moves past `than`. */
static uint64_t wait_progress(pid_t pid, uint64_t addr, uint64_t than)
{
	long long deadline = mt_now_ms() + WAIT_MS;
	for (;;) {
		uint64_t v = mt_peek_u64(pid, addr);
		if (v > than)
			return v;
		CHECKF(mt_now_ms() < deadline,
		       "counter stuck at %llu: the process makes no progress",
		       (unsigned long long)v);
		sched_yield();
	}
}

/* After pt_stop, every thread (listed or in /proc) that is not exiting is
 * stopped, and every such thread in /proc is listed. */
static void check_all_stopped(pt_process *p, const char *when)
{
	const pid_t pid = pt_process_pid(p);
	CHECKF(pt_process_state(p) == PT_PROC_STOPPED, "%s: state %s", when,
	       pt_proc_state_name(pt_process_state(p)));
	size_t n;
	pt_thread **ts = mt_threads(p, &n);
	for (size_t i = 0; i < n; i++) {
		pid_t tid = pt_thread_tid(ts[i]);
		char st = task_state(pid, tid);
		if (st == 't')
			continue;
		char s = mt_settle(pid, tid);
		CHECKF(s == 'x' || s == 't',
		       "%s: listed thread %d is in state '%c', then '%c'", when,
		       (int)tid, st, s);
	}
	pid_t tids[512];
	size_t nt = mt_tasks(pid, tids, 512);
	CHECK(nt > 0);
	for (size_t i = 0; i < nt; i++) {
		char st = task_state(pid, tids[i]), st0 = st;
		if (st != 't')
			st = mt_settle(pid, tids[i]);
		if (st == 'x')
			continue;
		if (st != 't') {
			pt_thread *h = pt_process_thread(p, tids[i]);
			pt_stop_cause c;
			memset(&c, 0, sizeof c);
			c.sz = sizeof c;
			int r = h ? pt_thread_stop_cause(h, &c) : 0;
			FAIL("%s: thread %d is in state '%c', then '%c' "
			     "(TracerPid %d); %s; pt_process_thread: %s, "
			     "cause %s",
			     when, (int)tids[i], st0, st,
			     (int)proc_tracer(tids[i]),
			     mt_find(ts, n, tids[i]) ? "listed" : "not listed",
			     h ? "known" : "NULL",
			     !h ? "-" : r < 0 ? err_str(r) : cause_str(&c));
		}
		CHECKF(mt_find(ts, n, tids[i]) != NULL,
		       "%s: stopped thread %d is not in pt_process_threads",
		       when, (int)tids[i]);
	}
	free(ts);
}

/* Threads created while pt_stop is stopping the process are stopped too. */
TEST(threads_born_during_stop)
{
	enum { ROUNDS = 150 };
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("churn:2:3"));
	const pid_t pid = pt_process_pid(p);
	const uint64_t counter = mt_sym("churn_count");
	CHECK_OK(pt_process_set_events(p, 0));
	mt_continue_to_line(p, &io, "churning");
	uint64_t seen = wait_progress(pid, counter, 0);

	for (int round = 0; round < ROUNDS; round++) {
		/* Mostly with creation/exit events masked, so that threads
		 * come and go while the process runs; some rounds with the
		 * default events, where stops are the process's own. */
		bool masked = round % 5 != 4;
		CHECK_OK(pt_process_set_events(p, masked ? 0 :
						   PT_EVENT_DEFAULT));
		CHECK_OK(pt_stop(p));
		char when[64];
		snprintf(when, sizeof when, "round %d (%s)", round,
			 masked ? "events masked" : "default events");
		check_all_stopped(p, when);
		size_t n;
		pt_thread **ts = mt_threads(p, &n);
		for (size_t i = 0; i < n; i++) {
			if (mt_task_exiting(pid, pt_thread_tid(ts[i])))
				continue;
			pt_stop_cause c = cause_of(ts[i]);
			CHECKF(c.kind == PT_STOP_REQUESTED ||
				       c.kind == PT_STOP_THREAD_CREATE ||
				       c.kind == PT_STOP_THREAD_EXIT,
			       "%s: thread %d: %s", when,
			       (int)pt_thread_tid(ts[i]), cause_str(&c));
		}
		free(ts);
		CHECK_OK(pt_continue(p));
		if (masked)
			seen = wait_progress(pid, counter, seen);
	}
	CHECK_OK(pt_process_set_events(p, 0));
	CHECK_OK(pt_stop(p));
	CHECK_OK(pt_continue(p));
	io_close_stdin(&io);
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "churned\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* No thread may be left with (or given) a SIGTRAP of ours. */
/* Whether SIGTRAP is pending for thread tid alone (SigPnd). */
static bool sigtrap_pending(pid_t pid, pid_t tid)
{
	char path[80], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/task/%d/status", (int)pid,
		 (int)tid);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return false;
	bool pending = false;
	while (fgets(buf, sizeof buf, fp))
		if (strncmp(buf, "SigPnd:", 7) == 0)
			pending = strtoull(buf + 7, NULL, 16) &
				  (1ull << (SIGTRAP - 1));
	fclose(fp);
	return pending;
}

/* The user-mode PC of a stopped thread as the kernel has it: the last
 * field of /proc/PID/task/TID/syscall ("-1 SP PC" outside a system call,
 * "NR ARGS... SP PC" inside one); 0 if it cannot be read. */
static uint64_t kernel_pc(pid_t pid, pid_t tid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", (int)pid,
		 (int)tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = '\0';
	char *last = strrchr(buf, ' ');
	return last ? strtoull(last + 1, NULL, 0) : 0;
}

static void check_no_sigtrap(pt_process *p, uint64_t f, int round,
			     int *bp_threads)
{
	size_t n;
	pt_thread **ts = mt_threads(p, &n);
	int here = 0;
	for (size_t i = 0; i < n; i++) {
		pt_stop_cause c = cause_of(ts[i]);
		/* The registers shown are this stop's, not an older one's
		 * (a thread resumed inside the engine, as after a hidden
		 * phantom hit, must not keep a stale copy).  Past an int3
		 * of ours the library rewinds the PC onto the breakpoint
		 * (written back at the next resume). */
		uint64_t kpc = kernel_pc(pt_process_pid(p),
					 pt_thread_tid(ts[i]));
		CHECKF(kpc == pc_of(ts[i]) || (kpc == f + 1 && pc_of(ts[i]) == f),
		       "round %d: thread %d: PC shown %#llx, the kernel's "
		       "%#llx (%s)", round, (int)pt_thread_tid(ts[i]),
		       (unsigned long long)pc_of(ts[i]),
		       (unsigned long long)kpc, cause_str(&c));
		if (c.kind == PT_STOP_BREAKPOINT) {
			CHECKF(c.addr == f && pc_of(ts[i]) == f,
			       "round %d: thread %d: %s, PC %#llx", round,
			       (int)pt_thread_tid(ts[i]), cause_str(&c),
			       (unsigned long long)pc_of(ts[i]));
			here++;
			continue;
		}
		CHECKF(c.kind == PT_STOP_REQUESTED,
		       "round %d: thread %d: unexpected stop: %s", round,
		       (int)pt_thread_tid(ts[i]), cause_str(&c));
		/* Interrupted just after the int3, its SIGTRAP pending: the
		 * PC must not be shown inside the instruction (past the
		 * int3, where the program never was). */
		CHECKF(pc_of(ts[i]) != f + 1 ||
			       !sigtrap_pending(pt_process_pid(p),
						pt_thread_tid(ts[i])),
		       "round %d: thread %d stopped (requested) just past "
		       "the breakpoint, PC %#llx, with SIGTRAP pending",
		       round, (int)pt_thread_tid(ts[i]),
		       (unsigned long long)pc_of(ts[i]));
		CHECKF(pt_thread_signal(ts[i]) == 0,
		       "round %d: thread %d would get signal %d", round,
		       (int)pt_thread_tid(ts[i]), pt_thread_signal(ts[i]));
	}
	free(ts);
	if (bp_threads != NULL)
		*bp_threads = here;
}

/* Set a breakpoint at f, continue until threads stop on it, check. */
static void hit_round(pt_process *p, uint64_t f, int round)
{
	CHECK_OK(pt_breakpoint_add(p, f));
	CHECK_OK(pt_continue(p));
	wait_stopped(p);
	int here = 0;
	check_no_sigtrap(p, f, round, &here);
	CHECKF(here > 0, "round %d: stopped, but no thread on the "
	       "breakpoint: %s", round, all_causes(p));
}

/* Threads hammer mt_hit; at each hit the breakpoint is removed.  Hits that
 * were on their way when it was removed must never reach the program as a
 * SIGTRAP (it has no handler: it would die). */
TEST(phantom_bp_hidden)
{
	enum { ROUNDS = 200 };
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("hammer:3"));
	const uint64_t f = mt_sym("mt_hit");
	mt_continue_to_line(p, &io, "hammering");
	/* Creation/exit events are not the subject here. */
	CHECK_OK(pt_process_set_events(p, 0));

	for (int round = 0; round < ROUNDS; round++) {
		CHECK_OK(pt_stop(p));
		check_no_sigtrap(p, f, round, NULL);
		hit_round(p, f, round);
		CHECK_OK(pt_breakpoint_remove(p, f));
		CHECK_OK(pt_continue(p));
	}
	CHECK_OK(pt_stop(p));
	check_no_sigtrap(p, f, ROUNDS, NULL);
	CHECK_OK(pt_continue(p));
	io_close_stdin(&io);
	/* Any stop now (the events are masked) is a stray signal. */
	if (mt_wait(p, WAIT_MS)) {
		pt_thread *t = pt_process_event_thread(p);
		CHECK(t != NULL);
		pt_stop_cause c = cause_of(t);
		uint64_t pc = pc_of(t);
		FAIL("after the last round, thread %d: %s, at PC %#llx (the "
		     "breakpoint was at %#llx)", (int)pt_thread_tid(t),
		     cause_str(&c), (unsigned long long)pc,
		     (unsigned long long)f);
	}
	int code = -2, sig = -2;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECKF(code == 0 && sig == 0, "exit status %d, signal %d", code, sig);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "hammered\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* Busy-wait us microseconds: varies when a stop request lands (no
 * synchronisation rests on it). */
static void spin_us(long us)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000L +
		       (b.tv_nsec - a.tv_nsec) / 1000 < us);
}

/* Nine threads spin through a breakpoint left in: each continue steps the
 * threads that hit it over it, one at a time, and a stop asked for
 * 0-195 us after the continue often lands in the middle.  A thread that
 * had finished its step-over by then was reported as PT_STOP_STEP, never
 * having been stepped (gdbserver: "received signal SIGTRAP" just past the
 * breakpoint, in detach-step-over.exp): about 300 in 2,000 stops. */
TEST(stop_during_stepovers)
{
	enum { ROUNDS = 400 };
	/* real single-steps (an emulated step-over has no step to cut) */
	setenv("PROCTRACE_STEPOVER", "single", 1);
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("spin-threads:8"));
	const uint64_t f = mt_sym("mt_spin_bp");
	mt_continue_to_line(p, &io, "spinning");
	CHECK_OK(pt_process_set_events(p, 0));
	CHECK_OK(pt_stop(p));
	CHECK_OK(pt_breakpoint_add(p, f));
	int hits = 0;
	for (int round = 0; round < ROUNDS; round++) {
		CHECK_OK(pt_continue(p));
		if (round % 2) {
			spin_us(round / 2 % 40 * 5);
			CHECK_OK(pt_stop(p));
		}
		wait_stopped(p);
		size_t n;
		pt_thread **ts = mt_threads(p, &n);
		for (size_t i = 0; i < n; i++) {
			pt_stop_cause c = cause_of(ts[i]);
			CHECKF(c.kind != PT_STOP_STEP, "round %d: thread %d: %s "
			       "at PC %#llx, never stepped", round,
			       (int)pt_thread_tid(ts[i]), cause_str(&c),
			       (unsigned long long)pc_of(ts[i]));
			hits += c.kind == PT_STOP_BREAKPOINT;
		}
		free(ts);
	}
	CHECKF(hits >= ROUNDS / 4, "only %d hits in %d rounds", hits, ROUNDS);
	unsetenv("PROCTRACE_STEPOVER");
	pt_process_free(p);
	return TEST_PASS;
}

/* Attach, let hammering threads hit a breakpoint, detach: over and over.
 * A thread interrupted just after its int3 has the SIGTRAP pending (the
 * kernel reports PTRACE_INTERRUPT first); if that signal were let through
 * at detach, the program (no SIGTRAP handler) would die of it. */
TEST(detach_with_hit_pending)
{
	enum { ROUNDS = 150 };
	struct child_io io;
	spawn_target(&io, MT, ARGS("hammer:4"));
	io_expect_line(&io, "hammering");
	const pid_t pid = io.pid;
	const uint64_t f = mt_sym("mt_hit");
	for (int round = 0; round < ROUNDS; round++) {
		pt_process *p = NULL;
		int r = pt_attach(pid, &p);
		CHECKF(r == 0, "round %d: attach: %s: %s", round, err_str(r),
		       last_errmsg());
		CHECK_OK(pt_process_set_events(p, 0));
		hit_round(p, f, round);
		CHECK_OK(pt_detach(p));
		pt_process_free(p);
		CHECKF(proc_tracer(pid) == 0, "round %d: still traced", round);
	}
	io_close_stdin(&io);
	io_expect_line(&io, "hammered");
	io_expect_line(&io, "DONE");
	int status = io_reap(&io, WAIT_MS);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the target ended with status %#x (signal %d)", status,
	       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return TEST_PASS;
}

/* The target prints "waiting", then exits by exit_group once its stdin is
 * closed: run p to that line, close its stdin, and run it to the entry of
 * exit_group (thread exits on the way are passed). */
static void continue_to_exit_group(pt_process *p, struct child_io *io)
{
	mt_continue_to_line(p, io, "waiting");
	CHECK_OK(pt_stop(p));
	const int nr = SYS_exit_group;
	CHECK_OK(pt_process_catch_syscalls(p, PT_SYSCALLS_SOME, &nr, 1));
	io_close_stdin(io);
	pt_stop_cause c;
	for (;;) {
		CHECKF(mt_continue_wait(p), "exited before exit_group's stop");
		pt_thread *t = pt_process_event_thread(p);
		CHECK(t != NULL);
		c = cause_of(t);
		if (c.kind == PT_STOP_SYSCALL_ENTRY)
			break;
		CHECKF(c.kind == PT_STOP_THREAD_EXIT, "stop: %s",
		       cause_str(&c));
	}
	CHECK_EQ_INT(c.syscall, SYS_exit_group);
}

/* Detach from a process that dies while we detach it: the leader stops at
 * the entry of exit_group (caught), 300 threads wait on a pipe, each with
 * a register changed (written back at detach, as a breakpoint hit's PC
 * is).  Detached first, the leader's exit_group kills the others while the
 * detach goes on; a thread killed before its registers are written back is
 * beyond ptrace's reach (ESRCH), which is no error of the detach.  The
 * program exits 0. */
TEST(detach_while_exiting)
{
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("block-read:300"));
	continue_to_exit_group(p, &io);
	size_t n;
	pt_thread **ts = mt_threads(p, &n);
	CHECK(n > 100);
	for (size_t i = 1; i < n; i++) {
		uint64_t v = 0;
		CHECK_OK(pt_thread_reg_get_name(ts[i], "r12", &v));
		CHECK_OK(pt_thread_reg_set_name(ts[i], "r12", v ^ 1));
	}
	free(ts);
	int r = pt_detach(p);
	CHECKF(r == 0, "detach: %s: %s", err_str(r), last_errmsg());
	pt_process_free(p);
	io_expect_line(&io, "read 0");
	int status = io_reap(&io, WAIT_MS);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the target ended with status %#x", status);
	return TEST_PASS;
}

static int detach_esrch;

static void count_detach_esrch(pt_log_level level, const char *msg, void *user)
{
	(void)level;
	(void)user;
	if (strstr(msg, "not in a ptrace-stop at detach"))
		__atomic_fetch_add(&detach_esrch, 1, __ATOMIC_RELAXED);
}

/* The process dies while we detach it, killed by a thread detached first:
 * mt-tracee's exit-race thread (the first thread made, so the first
 * detached) stops at the entry of exit_group, 300 threads wait on a pipe.
 * Its exit_group kills the others while the detach goes on; a thread met
 * between that SIGKILL and its exit stop is out of ptrace's reach
 * (PTRACE_DETACH: ESRCH), and then stops at its exit event all the same.
 * Such threads were left there, traced, while the tracer thread, owed no
 * event by the other process it still traced, waited no more: the program
 * never ended (gdb.threads/process-dies-while-detaching.exp through
 * proctrace-gdbserver: 2 to 5 timeouts in each of 4 runs, none in 3 runs
 * since).  The detach now waits for such threads and lets them go.  Here
 * the race is met in most runs (the count printed), but the old code did
 * not fail this test (0 of 8 runs: something else let its threads go
 * here; the gdb test is the check that failed), so it guards the path,
 * not that bug.  The program ends with status 0. */
TEST(detach_while_killed)
{
	/* Another process, stopped all along, keeps the tracer thread
	 * alive (as gdbserver's other inferior does): the end of the last
	 * process would release every tracee. */
	struct child_io io2;
	pt_process *keep = launch_target(&io2, MT, ARGS("block-read:1"));
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("exit-race:300"));
	continue_to_exit_group(p, &io);
	CHECK(pt_thread_tid(pt_process_event_thread(p)) != pt_process_pid(p));
	__atomic_store_n(&detach_esrch, 0, __ATOMIC_RELAXED);
	pt_set_log(count_detach_esrch, NULL, PT_LOG_DEBUG);
	int r = pt_detach(p);
	pt_set_log(NULL, NULL, PT_LOG_ERROR);
	CHECKF(r == 0, "detach: %s: %s", err_str(r), last_errmsg());
	pt_process_free(p);
	int status = io_reap(&io, WAIT_MS);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the target ended with status %#x", status);
	printf("  %d threads out of a ptrace-stop at detach\n",
	       __atomic_load_n(&detach_esrch, __ATOMIC_RELAXED));
	CHECK_OK(pt_kill(keep));
	pt_process_free(keep);
	io_close(&io2);
	return TEST_PASS;
}

/* Thread A hits X all the time, thread B hits Y now and then (it sleeps a
 * millisecond between calls, then spins until A has made two calls: so A
 * was alone the event thread of a stop between two hits of B, however the
 * threads are scheduled, and B's hit comes together with one of A's): a
 * loop that looks only at the event thread still sees every one of B's
 * hits. */
TEST(fairness_event_thread)
{
	enum { NB = 30 };
	char arg[64];
	snprintf(arg, sizeof arg, "fair:%d:%d", NB, 1000);
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS(arg));
	const uint64_t x = mt_sym("mt_hit_a"), y = mt_sym("mt_hit_b");
	CHECK_OK(pt_breakpoint_add(p, x));
	CHECK_OK(pt_breakpoint_add(p, y));

	long seen_a = 0, seen_b = 0, both = 0;
	int stops = 0;
	char missed[1200] = "none";
	while (mt_continue_wait(p)) {
		CHECKF(++stops < 1000000, "too many stops");
		pt_thread *t = pt_process_event_thread(p);
		CHECKF(t != NULL, "stop without an event thread: %s",
		       all_causes(p));
		pt_stop_cause c = cause_of(t);
		if (c.kind == PT_STOP_THREAD_CREATE ||
		    c.kind == PT_STOP_THREAD_EXIT)
			continue;
		CHECKF(c.kind == PT_STOP_BREAKPOINT, "unexpected stop: %s",
		       cause_str(&c));
		if (c.addr == x) {
			seen_a++;
		} else {
			CHECKF(c.addr == y, "breakpoint stop at %#llx",
			       (unsigned long long)c.addr);
			uint64_t j = reg(t, "rdi");
			CHECKF(j == (uint64_t)seen_b,
			       "B's call %llu seen, expected call %ld (last "
			       "hidden hit: %s)",
			       (unsigned long long)j, seen_b, missed);
			seen_b++;
		}
		/* For the message: how often both had a hit, and the last
		 * stop where B's hit was not the event. */
		size_t n;
		pt_thread **ts = mt_threads(p, &n);
		int hits = 0;
		for (size_t i = 0; i < n; i++) {
			pt_stop_cause ci = cause_of(ts[i]);
			if (ci.kind != PT_STOP_BREAKPOINT)
				continue;
			hits++;
			if (ci.addr == y && ts[i] != t)
				snprintf(missed, sizeof missed,
					 "stop %d: B's call %llu hidden behind "
					 "the event thread %d; threads: %s",
					 stops,
					 (unsigned long long)reg(ts[i], "rdi"),
					 (int)pt_thread_tid(t), all_causes(p));
		}
		both += hits > 1;
		free(ts);
	}
	int code = -2, sig = -2;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(code, 0);
	const char *out = io_read_all(&io, WAIT_MS);
	long b_calls = -1, a_calls = -1;
	CHECKF(sscanf(out, "b calls %ld\na calls %ld\nDONE\n", &b_calls,
		      &a_calls) == 2,
	       "target output: %s", out);
	CHECK_EQ_INT(b_calls, NB);
	CHECKF(seen_b == b_calls,
	       "the event thread showed %ld of B's %ld hits (A: %ld of %ld; "
	       "%ld stops with both on a breakpoint; last hidden hit: %s)",
	       seen_b, b_calls, seen_a, a_calls, both, missed);
	CHECKF(seen_a <= a_calls, "%ld hits of A seen, it made %ld", seen_a,
	       a_calls);
	pt_process_free(p);
	return TEST_PASS;
}

static int forgotten;

static void count_forgotten(pt_log_level level, const char *msg, void *user)
{
	(void)level;
	(void)user;
	if (strstr(msg, "forgotten (never shown)"))
		__atomic_fetch_add(&forgotten, 1, __ATOMIC_RELAXED);
}

/* Thread objects the application never got a handle to are freed when
 * their thread is reaped (a program that churns through threads must not
 * grow the tracer); handles it did get stay valid until pt_process_free. */
TEST(threads_unseen_freed)
{
	enum { N = 8 };
	char arg[32];
	snprintf(arg, sizeof arg, "threads:%d", N);
	pt_set_log(count_forgotten, NULL, PT_LOG_DEBUG);

	/* no events asked for: no thread is ever shown but the leader */
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS(arg));
	CHECK_OK(pt_process_set_events(p, 0));
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK(code == 0 && sig == 0);
	pt_process_free(p);
	io_close(&io);
	CHECK_EQ_INT(__atomic_load_n(&forgotten, __ATOMIC_RELAXED), N);

	/* creations reported: each new thread is shown by its creator's
	 * cause, and its handle outlives the thread */
	__atomic_store_n(&forgotten, 0, __ATOMIC_RELAXED);
	p = launch_target(&io, "tracee", ARGS(arg));
	CHECK_OK(pt_process_set_events(p, PT_EVENT_THREAD_CREATE));
	pt_thread *born[N];
	int nborn = 0;
	while (continue_stopped(p)) {
		pt_stop_cause c = cause_of(pt_process_event_thread(p));
		CHECKF(c.kind == PT_STOP_THREAD_CREATE, "stop: %s",
		       cause_str(&c));
		CHECK(nborn < N && c.thread != NULL);
		born[nborn++] = c.thread;
	}
	CHECK_EQ_INT(nborn, N);
	for (int i = 0; i < N; i++) {
		CHECK(pt_thread_tid(born[i]) > 0);
		CHECK_EQ_INT(cause_of(born[i]).kind, PT_STOP_EXITED);
	}
	pt_process_free(p);
	io_close(&io);
	pt_set_log(NULL, NULL, PT_LOG_ERROR);
	CHECK_EQ_INT(__atomic_load_n(&forgotten, __ATOMIC_RELAXED), 0);
	return TEST_PASS;
}

static int early_gone, early_first;
static pid_t race_pid, race_creator, race_max_tid;

/* On the tracer thread: block until task tid has a report (a stop, or its
 * end), leaving the report to the engine (WNOWAIT). */
static void wait_report(pid_t tid)
{
	siginfo_t si;
	while (waitid(P_PID, (id_t)tid, &si,
		      WSTOPPED | WEXITED | WNOWAIT | __WALL) < 0 &&
	       errno == EINTR)
		;
}

/* The log callback, on the tracer thread (tests/targets/mt-tracee.c's
 * quick:1:N: one thread, not the leader, creates threads one at a time,
 * each returning at once, and joins each).  It counts, and it steers each
 * creation into the race lost under load.  When a created thread has been
 * reaped, the creator goes on to its next clone with no help from the
 * tracer: the tracer waits for the creator's clone event and for the new
 * thread's first stop, so that both are pending (the kernel's wait then
 * returns the newer task's stop first).  When a thread runs on from such
 * an early first stop, the tracer waits until that thread has reached its
 * exit.  With the old code the thread was then reaped before its
 * creator's clone event was read, and its creation went unreported. */
static void count_early_gone(pt_log_level level, const char *msg, void *user)
{
	(void)level;
	(void)user;
	if (strstr(msg, "gone already"))
		__atomic_fetch_add(&early_gone, 1, __ATOMIC_RELAXED);
	pid_t pid = __atomic_load_n(&race_pid, __ATOMIC_RELAXED);
	const char *m = strstr(msg, "thread ");
	if (!m || !pid)
		return;
	pid_t tid = atoi(m + 7);
	if (tid > race_max_tid)
		race_max_tid = tid;
	if (tid != pid && strstr(msg, "event-stop sig 5 event 3 "))
		race_creator = tid; /* PTRACE_EVENT_CLONE */
	if (race_creator && tid != race_creator && tid != pid &&
	    strstr(msg, ": exiting -> exited")) {
		wait_report(race_creator);
		unsigned long nt = 0;
		if (ptrace(PTRACE_GETEVENTMSG, race_creator, NULL, &nt) == 0 &&
		    (pid_t)nt > race_max_tid && task_state(pid, (pid_t)nt))
			wait_report((pid_t)nt);
		return;
	}
	if (!strstr(msg, "first stop before its creator's clone event"))
		return;
	__atomic_fetch_add(&early_first, 1, __ATOMIC_RELAXED);
	if (strstr(msg, "runs on"))
		wait_report(tid);
}

/* With creation events asked for, every creation is reported, also of a
 * thread that returns at once and whose first stop came before its
 * creator's clone event.  Such a thread was resumed at its first stop, ran
 * to its end before the clone event was read, and its creation was lost
 * (threads_unseen_freed saw 7 creations of 8 under load); it is held at
 * its first stop until the clone event now.  The log callback above
 * forces that order (without a sleep: it waits for the reports). */
TEST(thread_create_none_lost)
{
	enum { N = 16 };
	char arg[32];
	snprintf(arg, sizeof arg, "quick:1:%d", N);
	__atomic_store_n(&early_gone, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&early_first, 0, __ATOMIC_RELAXED);
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS(arg));
	CHECK_OK(pt_process_set_events(p, PT_EVENT_THREAD_CREATE));
	race_creator = race_max_tid = 0;
	race_pid = pt_process_pid(p);
	pt_set_log(count_early_gone, NULL, PT_LOG_DEBUG);
	int n = 0;
	while (continue_stopped(p)) {
		pt_stop_cause c = cause_of(pt_process_event_thread(p));
		CHECKF(c.kind == PT_STOP_THREAD_CREATE, "stop: %s",
		       cause_str(&c));
		n++;
	}
	pt_set_log(NULL, NULL, PT_LOG_ERROR);
	race_pid = 0;
	int code = -1, sig = -1;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK(code == 0 && sig == 0);
	pt_process_free(p);
	io_close(&io);
	int first = __atomic_load_n(&early_first, __ATOMIC_RELAXED);
	/* the creator thread itself, and its N */
	CHECKF(n == N + 1,
	       "%d creations reported of %d (%d first stops before the clone "
	       "event, %d clone events of threads gone already)",
	       n, N + 1, first,
	       __atomic_load_n(&early_gone, __ATOMIC_RELAXED));
	/* the order was met (else the test proves nothing) */
	CHECKF(first > 0, "no first stop came before its clone event");
	return TEST_PASS;
}

/* A new thread's first stop can come before its creator's clone event, and
 * a thread that returns at once can end before that event too.  The late
 * clone event then named a tid that was no thread any more: it was taken
 * for a new process (clone without CLONE_THREAD) and, with PT_EVENT_FORK,
 * the creator's stop waited for that "child"'s first stop for ever (gdb's
 * multi-create.exp hung under proctrace-gdbserver).  4 threads create and
 * join 300 threads each; the program must run to its end with no fork
 * reported. */
TEST(clone_event_after_thread_end)
{
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("quick:4:300"));
	CHECK_OK(pt_process_set_events(p, PT_EVENT_FORK));
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK(code == 0 && sig == 0);
	io_expect_line_eventually(&io, "quick 4 300");
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}

/* With some system calls caught (PTRACE_SYSCALL), threads blocked in read(2)
 * and in pthread_join are stopped: the interrupt ends each blocking call
 * with a syscall-exit stop, which is the interrupt's stop (the kernel
 * takes any stop for it; no PTRACE_EVENT_STOP follows).  Resumed, they
 * block again; at the end their calls still return as they would. */
TEST(stop_blocked_syscalls_caught)
{
	struct child_io io;
	pt_process *p = launch_target(&io, MT, ARGS("block-read:2"));
	mt_continue_to_line(p, &io, "waiting");
	CHECK_OK(pt_stop(p));
	const int nr = SYS_getppid; /* never called: no stop of its own */
	CHECK_OK(pt_process_catch_syscalls(p, PT_SYSCALLS_SOME, &nr, 1));
	for (int i = 0; i < 20; i++) {
		CHECK_OK(pt_continue(p));
		/* blocked again (or on the way) */
		CHECK(mt_wait_proc_state(pt_process_pid(p), "S", WAIT_MS) ==
		      'S');
		CHECK_OK(pt_stop(p));
		CHECK(pt_process_event_thread(p) == NULL);
	}
	CHECK_OK(pt_continue(p));
	io_close_stdin(&io);
	io_expect_line(&io, "read 0");
	int code = -1, sig = -1;
	while (mt_wait(p, WAIT_MS))
		CHECK_OK(pt_continue(p));
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECKF(code == 0 && sig == 0, "exit status %d, signal %d", code, sig);
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}
