/*
 * test-watch.c - hardware watchpoints and breakpoints (the x86 debug
 * registers), with the target tests/targets/watch.c.
 *
 * Two groups:
 *  - what works on any machine: argument and state errors, the debug
 *    registers of every thread (read back through pt__thread_debugreg, a
 *    diagnostic of the static library), new threads, exec, detach, and the
 *    decoding of a hit from DR6;
 *  - real hits, which need a CPU whose debug registers fire.  Some virtual
 *    machines accept the registers but never raise the debug exception;
 *    there hw_fires() (a raw ptrace watchpoint on a child of the test, no
 *    proctrace involved) says so and these tests are skipped, not passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"
#include "watchpoint.h"

#define W "watch"

/* DR7 bits of debug register i: enabled, condition rw, length code ln. */
#define DR7_SLOT(i, rw, ln)                                                    \
	((1ull << (2 * (i))) | ((uint64_t)(rw) << (16 + 4 * (i))) |           \
	 ((uint64_t)(ln) << (18 + 4 * (i))))
#define RW_EXEC 0
#define RW_WRITE 1
#define RW_RW 3
#define LEN1 0
#define LEN4 3
#define LEN8 2
#define DR6_IDLE 0xffff0ff0ull

static uint64_t wsym(const char *name)
{
	return sym(W, name);
}

static uint64_t dr(pt_thread *t, int n)
{
	uint64_t v = 0;
	CHECK_OK(pt__thread_debugreg(t, n, &v, false));
	return v;
}

static void set_dr(pt_thread *t, int n, uint64_t v)
{
	CHECK_OK(pt__thread_debugreg(t, n, &v, true));
}

static uint64_t peek_u64(pt_process *p, uint64_t addr)
{
	uint64_t v = 0;
	CHECK_OK(pt_mem_read(p, addr, &v, sizeof v, NULL));
	return v;
}

static void check_msg(const char *want)
{
	const char *m = last_errmsg();
	CHECKF(strstr(m, want) != NULL, "message \"%s\" lacks \"%s\"", m, want);
}

/* ---- does the CPU fire at all? ------------------------------------------------ */

static volatile long probe_var;

/* A raw ptrace watchpoint on a child: 1 if the write traps. */
static bool hw_fires(void)
{
	static int known = -1;
	if (known >= 0)
		return known;
	pid_t pid = fork();
	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		probe_var = 1;
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st));
	void *dr0 = (void *)offsetof(struct user, u_debugreg[0]);
	void *dr7 = (void *)offsetof(struct user, u_debugreg[7]);
	if (ptrace(PTRACE_POKEUSER, pid, dr0, (void *)&probe_var) < 0 ||
	    ptrace(PTRACE_POKEUSER, pid, dr7,
		   (void *)(uintptr_t)DR7_SLOT(0, RW_WRITE, LEN8)) < 0)
		FAIL("probe: cannot set a debug register: %s", strerror(errno));
	CHECK(ptrace(PTRACE_CONT, pid, NULL, NULL) == 0);
	CHECK(waitpid(pid, &st, 0) == pid);
	known = WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP;
	if (WIFSTOPPED(st)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	return known;
}

#define NEED_HW()                                                              \
	do {                                                                   \
		if (!hw_fires())                                               \
			SKIP("the CPU's debug registers never fire on this "   \
			     "machine (a raw ptrace watchpoint did not trap)"); \
	} while (0)

/* ---- on any machine -------------------------------------------------------------- */

/* pt_watchpoints_fire gives the raw probe's answer, asks the kernel once,
 * runs none of the application's atfork handlers, reaps its own child and
 * no other (a child of the test that has exited keeps its status) and says
 * what it found through the log. */
static int probe_atfork_calls;
static void probe_on_prepare(void)
{
	__atomic_add_fetch(&probe_atfork_calls, 1, __ATOMIC_RELAXED);
}

static char probe_log[256];
static void probe_log_cb(pt_log_level level, const char *msg, void *user)
{
	(void)level;
	(void)user;
	if (strstr(msg, "hardware watchpoints:"))
		snprintf(probe_log, sizeof probe_log, "%s", msg);
}

static void check_no_child(void)
{
	int st;
	errno = 0;
	pid_t w = waitpid(-1, &st, __WALL | WNOHANG);
	CHECKF(w < 0 && errno == ECHILD,
	       "a child is left (waitpid gave %d, %s)", (int)w,
	       strerror(errno));
}

TEST(watch_fire_probe)
{
	pid_t other = fork();
	CHECK(other >= 0);
	if (other == 0)
		_exit(7);
	siginfo_t si;
	/* its exit, awaited without reaping it */
	CHECK(waitid(P_PID, (id_t)other, &si, WEXITED | WNOWAIT) == 0);
	CHECK(pthread_atfork(probe_on_prepare, NULL, NULL) == 0);
	pt_set_log(probe_log_cb, NULL, PT_LOG_INFO);
	int r = pt_watchpoints_fire();
	pt_set_log(NULL, NULL, PT_LOG_ERROR);
	CHECKF(r == 0 || r == 1, "pt_watchpoints_fire: %d (%s)", r,
	       last_errmsg());
	CHECK_EQ_INT(__atomic_load_n(&probe_atfork_calls, __ATOMIC_RELAXED), 0);
	int st;
	CHECKF(waitpid(other, &st, WNOHANG) == other && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 7, "the test's own child was reaped");
	check_no_child();
	CHECKF(strstr(probe_log, r ? "trapped" : "did not trap"),
	       "log: \"%s\" for %d", probe_log, r);
	/* asked once: no second child, no second message */
	probe_log[0] = '\0';
	pt_set_log(probe_log_cb, NULL, PT_LOG_INFO);
	CHECK_EQ_INT(pt_watchpoints_fire(), r);
	pt_set_log(NULL, NULL, PT_LOG_ERROR);
	CHECKF(probe_log[0] == '\0', "probed again: %s", probe_log);
	/* the same answer as a raw ptrace watchpoint (which forks with
	 * fork(): the handler runs there, not before) */
	CHECK_EQ_INT(hw_fires(), r);
	check_no_child();
	return TEST_PASS;
}

/* A process that may not be traced (here a seccomp filter makes
 * PTRACE_TRACEME fail with EPERM, in this thread and the children it
 * forks; only TRACEME: LeakSanitizer attaches to the test at its exit):
 * PT_EPERM with what went wrong, no child left, and no answer
 * remembered. */
TEST(watch_fire_probe_eperm)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ptrace, 0, 3),
		/* the low half of the request (little-endian) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PTRACE_TRACEME, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECKF(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0,
	       "seccomp: %s", strerror(errno));
	CHECK(ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 && errno == EPERM);
	CHECK_ERR(pt_watchpoints_fire(), PT_EPERM);
	check_msg("probe watchpoints");
	check_msg("could not be traced");
	check_no_child();
	CHECK_ERR(pt_watchpoints_fire(), PT_EPERM);
	check_no_child();
	return TEST_PASS;
}

TEST(watch_errors)
{
	struct child_io io;
	pt_process *p = launch_target(&io, W, ARGS("wait-stdin", "write:1"));
	uint64_t w = wsym("watched"), w2 = wsym("watched2");
	uint64_t f = wsym("hw_func");

	CHECK_ERR(pt_watchpoint_add(NULL, w, 4, PT_WATCH_WRITE), PT_EINVAL);
	CHECK_ERR(pt_watchpoint_add(p, w + 1, 4, PT_WATCH_WRITE), PT_EINVAL);
	check_msg("add watchpoint");
	check_msg("aligned");
	CHECK_ERR(pt_watchpoint_add(p, w + 2, 8, PT_WATCH_RW), PT_EINVAL);
	CHECK_ERR(pt_watchpoint_add(p, w, 3, PT_WATCH_WRITE), PT_EINVAL);
	check_msg("1, 2, 4 or 8");
	CHECK_ERR(pt_watchpoint_add(p, w, 16, PT_WATCH_WRITE), PT_EINVAL);
	CHECK_ERR(pt_watchpoint_add(p, w, 0, PT_WATCH_RW), PT_EINVAL);
	CHECK_ERR(pt_watchpoint_add(p, f, 4, PT_WATCH_EXEC), PT_EINVAL);
	check_msg("length 1");
	CHECK_ERR(pt_watchpoint_add(p, w, 4, (pt_watch_kind)7), PT_EINVAL);
	check_msg("kind");
	/* aligned, but no user-space address: the kernel says no */
	CHECK_ERR(pt_watchpoint_add(p, 0xffffffff81000000ull, 8,
				    PT_WATCH_WRITE),
		  PT_EINVAL);
	check_msg("kernel refused");

	int ids[4];
	ids[0] = CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE));
	ids[1] = CHECK_OK(pt_watchpoint_add(p, w + 4, 4, PT_WATCH_RW));
	ids[2] = CHECK_OK(pt_watchpoint_add(p, w2, 8, PT_WATCH_WRITE));
	ids[3] = CHECK_OK(pt_watchpoint_add(p, f, 1, PT_WATCH_EXEC));
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < i; j++)
			CHECKF(ids[i] != ids[j], "ids %d and %d are both %d", i,
			       j, ids[i]);
	CHECK_ERR(pt_watchpoint_add(p, w2, 4, PT_WATCH_RW), PT_ENOSLOT);
	check_msg("add watchpoint");
	check_msg("in use");

	uint64_t a = 0;
	size_t len = 0;
	pt_watch_kind k = PT_WATCH_EXEC;
	CHECK_OK(pt_watchpoint_info(p, ids[1], &a, &len, &k));
	CHECK_EQ_HEX(a, w + 4);
	CHECK_EQ_INT(len, 4);
	CHECK_EQ_INT(k, PT_WATCH_RW);
	CHECK_OK(pt_watchpoint_info(p, ids[3], &a, &len, &k));
	CHECK_EQ_HEX(a, f);
	CHECK_EQ_INT(len, 1);
	CHECK_EQ_INT(k, PT_WATCH_EXEC);
	CHECK_OK(pt_watchpoint_info(p, ids[2], NULL, NULL, NULL));

	CHECK_OK(pt_watchpoint_remove(p, ids[1]));
	CHECK_ERR(pt_watchpoint_info(p, ids[1], &a, &len, &k), PT_ENOWATCH);
	CHECK_ERR(pt_watchpoint_remove(p, ids[1]), PT_ENOWATCH);
	check_msg("remove watchpoint");
	CHECK_ERR(pt_watchpoint_remove(p, 12345), PT_ENOWATCH);
	CHECK_ERR(pt_watchpoint_remove(p, -1), PT_ENOWATCH);
	CHECK_ERR(pt_watchpoint_remove(NULL, ids[0]), PT_EINVAL);
	/* the freed register is usable again, under a new id */
	int again = CHECK_OK(pt_watchpoint_add(p, w2, 4, PT_WATCH_RW));
	CHECK(again != ids[1]);
	CHECK_ERR(pt_watchpoint_add(p, w2, 4, PT_WATCH_RW), PT_ENOSLOT);
	CHECK_OK(pt_watchpoint_remove(p, again));
	for (int i = 0; i < 4; i++)
		if (i != 1)
			CHECK_OK(pt_watchpoint_remove(p, ids[i]));

	/* running: add and remove need a stopped process */
	int id = CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE));
	CHECK_OK(pt_watchpoint_remove(p, id));
	id = CHECK_OK(pt_watchpoint_add(p, w2, 8, PT_WATCH_WRITE));
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "waiting");
	CHECK_ERR(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE), PT_ESTATE);
	check_msg("running");
	CHECK_ERR(pt_watchpoint_remove(p, id), PT_ESTATE);
	CHECK_OK(pt_watchpoint_info(p, id, &a, NULL, NULL)); /* any state */
	CHECK_EQ_HEX(a, w2);
	CHECK_OK(pt_stop(p));
	CHECK_OK(pt_watchpoint_remove(p, id));
	io_write(&io, "go\n");
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "wrote 1 value 1\nDONE\n");
	CHECK_ERR(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE), PT_EEXITED);
	pt_process_free(p);
	return TEST_PASS;
}

/* Every thread holds every watchpoint, in the debug register the library
 * chose (the first free one); removal takes it out of every thread. */
TEST(watch_regs_all_threads)
{
	struct child_io io;
	pt_process *p = launch_target(&io, W, ARGS("spawn", "sync", "go"));
	CHECK_OK(pt_process_set_events(p, 0));
	uint64_t w = wsym("watched"), f = wsym("hw_func");
	uint64_t sp = wsym("sync_point");
	CHECK_OK(pt_breakpoint_add(p, sp));
	continue_to_bp(p, sp);
	CHECK_OK(pt_breakpoint_remove(p, sp));
	pt_thread *ts[4];
	size_t n = pt_process_threads(p, ts, 4);
	CHECK_EQ_INT(n, 2);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_HEX(dr(ts[i], 7), 0);

	int a = CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE));
	int b = CHECK_OK(pt_watchpoint_add(p, f, 1, PT_WATCH_EXEC));
	int c = CHECK_OK(pt_watchpoint_add(p, w, 8, PT_WATCH_RW));
	uint64_t want = DR7_SLOT(0, RW_WRITE, LEN4) |
			DR7_SLOT(1, RW_EXEC, LEN1) | DR7_SLOT(2, RW_RW, LEN8);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ_HEX(dr(ts[i], 0), w);
		CHECK_EQ_HEX(dr(ts[i], 1), f);
		CHECK_EQ_HEX(dr(ts[i], 2), w);
		CHECK_EQ_HEX(dr(ts[i], 7), want);
	}
	CHECK_OK(pt_watchpoint_remove(p, a));
	want &= ~DR7_SLOT(0, RW_WRITE, LEN4);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_HEX(dr(ts[i], 7), want);
	/* the free register 0 is taken again, with other settings */
	a = CHECK_OK(pt_watchpoint_add(p, w + 6, 2, PT_WATCH_RW));
	want |= DR7_SLOT(0, RW_RW, 1);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ_HEX(dr(ts[i], 0), w + 6);
		CHECK_EQ_HEX(dr(ts[i], 7), want);
	}
	CHECK_OK(pt_watchpoint_remove(p, a));
	CHECK_OK(pt_watchpoint_remove(p, b));
	CHECK_OK(pt_watchpoint_remove(p, c));
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_HEX(dr(ts[i], 7), 0);
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS),
		    "spawned\njoined value 100\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* A thread created after the watchpoint was set has it from its first
 * stop, before it runs an instruction.  (The kernel copies none of the
 * parent's debug registers to a new thread: DR0 would read 0.) */
TEST(watch_new_thread_regs)
{
	struct child_io io;
	pt_process *p = launch_target(&io, W, ARGS("thread-write:2"));
	uint64_t w = wsym("watched");
	int id = CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE));
	pt_stop_cause c;
	pt_thread *creator = continue_until(p, PT_STOP_THREAD_CREATE, &c);
	CHECK(c.thread != NULL && c.thread != creator);
	CHECK_EQ_HEX(dr(c.thread, 0), w);
	CHECK_EQ_HEX(dr(c.thread, 7), DR7_SLOT(0, RW_WRITE, LEN4));
	CHECK_EQ_HEX(dr(creator, 0), w);
	CHECK_EQ_HEX(dr(creator, 7), DR7_SLOT(0, RW_WRITE, LEN4));
	CHECK_OK(pt_watchpoint_remove(p, id));
	CHECK_EQ_HEX(dr(c.thread, 7), 0);
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS),
		    "thread wrote 2 value 2\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* Detach clears the debug registers of every thread.  The kernel does not
 * (Linux 6.18 keeps them across PTRACE_DETACH): the test attaches again
 * with raw ptrace and reads them. */
TEST(watch_detach_clears)
{
	struct child_io io;
	pt_process *p = launch_target(
		&io, W, ARGS("spawn", "sync", "wait-stdin", "go", "write:3"));
	CHECK_OK(pt_process_set_events(p, 0));
	uint64_t w = wsym("watched"), w2 = wsym("watched2");
	uint64_t sp = wsym("sync_point");
	CHECK_OK(pt_breakpoint_add(p, sp));
	continue_to_bp(p, sp);
	CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE));
	CHECK_OK(pt_watchpoint_add(p, wsym("hw_func"), 1, PT_WATCH_EXEC));
	CHECK_OK(pt_watchpoint_add(p, w2, 8, PT_WATCH_RW));
	pt_thread *ts[4];
	size_t n = pt_process_threads(p, ts, 4);
	CHECK_EQ_INT(n, 2);
	pid_t tids[2];
	for (size_t i = 0; i < n; i++) {
		tids[i] = pt_thread_tid(ts[i]);
		CHECK(dr(ts[i], 7) != 0); /* so the test can fail */
	}
	pid_t pid = pt_process_pid(p);
	CHECK_OK(pt_detach(p));
	pt_process_free(p);
	io_expect_line(&io, "spawned");
	io_expect_line(&io, "waiting"); /* main blocks in read, the writer
					 * in read too */
	for (size_t i = 0; i < n; i++) {
		pid_t t = tids[i];
		CHECKF(ptrace(PTRACE_SEIZE, t, NULL, NULL) == 0, "seize %d: %s",
		       (int)t, strerror(errno));
		CHECK(ptrace(PTRACE_INTERRUPT, t, NULL, NULL) == 0);
		int st;
		CHECK(waitpid(t, &st, __WALL) == t && WIFSTOPPED(st));
		for (int r = 0; r < 8; r++) {
			if (r == 4 || r == 5)
				continue;
			errno = 0;
			long v = ptrace(PTRACE_PEEKUSER, t,
					(void *)offsetof(struct user,
							 u_debugreg[r]),
					NULL);
			CHECKF(errno == 0, "peek DR%d: %s", r, strerror(errno));
			if (r == 6)
				CHECKF((v & 0x400f) == 0,
				       "thread %d: DR6 %#lx after detach",
				       (int)t, v);
			else
				CHECKF(v == 0, "thread %d: DR%d %#lx after detach",
				       (int)t, r, v);
		}
		CHECK(ptrace(PTRACE_DETACH, t, NULL, NULL) == 0);
	}
	CHECK_EQ_INT(proc_tracer(pid), 0);
	/* untraced, it writes the variables that were watched */
	io_write(&io, "go\n");
	CHECK_STREQ(io_read_all(&io, WAIT_MS),
		    "joined value 100\nwrote 3 value 3\nDONE\n");
	int st = io_reap(&io, WAIT_MS);
	CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	return TEST_PASS;
}

/* exec: the kernel clears the debug registers, and the watchpoints of the
 * old image are dropped (the same address means something else in the new
 * one).  This program is exec'd again, so the address is the same
 * variable: with working debug registers the new image's writes would
 * stop it if anything were left. */
TEST(watch_exec_drops)
{
	struct child_io io;
	pt_process *p = launch_target(&io, W, ARGS("exec", "write:2"));
	uint64_t w = wsym("watched"), w2 = wsym("watched2");
	pt_thread *t = only_thread(p);
	int id = CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE));
	CHECK_EQ_HEX(dr(t, 7), DR7_SLOT(0, RW_WRITE, LEN4));
	pt_stop_cause c;
	t = continue_until(p, PT_STOP_EXEC, &c);
	CHECK_ERR(pt_watchpoint_info(p, id, NULL, NULL, NULL), PT_ENOWATCH);
	CHECK_EQ_HEX(dr(t, 0), 0);
	CHECK_EQ_HEX(dr(t, 7), 0);
	/* all four registers are free again */
	const uint64_t addrs[4] = { w, w + 4, w2, w2 + 4 };
	int ids[4];
	for (int i = 0; i < 4; i++)
		ids[i] = CHECK_OK(pt_watchpoint_add(p, addrs[i], 4,
						    PT_WATCH_RW));
	for (int i = 0; i < 4; i++)
		CHECK_OK(pt_watchpoint_remove(p, ids[i]));
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig); /* fails on a watchpoint stop */
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "wrote 2 value 2\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* How a hit is decoded, on any machine: the status the kernel leaves after
 * a hit (DR6 with the register's bit set) is written into DR6, and the
 * program's int3 raises the SIGTRAP a hit would.  The engine must report
 * the watchpoint (id, address, on that thread), clear DR6, and not deliver
 * the SIGTRAP; a bit of a register no watchpoint uses (a watchpoint removed
 * since) must be hidden. */
TEST(watch_trap_decode)
{
	struct child_io io;
	pt_process *p = launch_target(&io, W, ARGS("int3", "int3"));
	uint64_t w = wsym("watched");
	pt_thread *t = only_thread(p);
	int id = CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE));
	CHECK_EQ_HEX(dr(t, 6) & 0x400f, 0);
	set_dr(t, 6, DR6_IDLE | 0x1); /* B0: register 0 fired */
	CHECK_EQ_HEX(dr(t, 6), DR6_IDLE | 0x1);
	pt_stop_cause c;
	pt_thread *e = continue_until(p, PT_STOP_WATCHPOINT, &c);
	CHECK(e == t);
	CHECK_EQ_INT(c.watch, id);
	CHECK_EQ_HEX(c.addr, w);
	CHECK_EQ_INT(c.stepped, 0);
	CHECK_EQ_HEX(pc_of(t), wsym("watch_int3_after"));
	CHECK_EQ_HEX(dr(t, 6), DR6_IDLE); /* cleared */
	CHECK_EQ_INT(pt_thread_signal(t), 0);
	char text[128], want[128];
	pt_stop_cause_format(&c, text, sizeof text);
	snprintf(want, sizeof want, "watchpoint %d at %#llx", id,
		 (unsigned long long)w);
	CHECK_STREQ(text, want);
	/* B3: register 3 holds nothing: hidden, the program runs on */
	set_dr(t, 6, DR6_IDLE | 0x8);
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_EQ_INT(sig, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS),
		    "after int3\nafter int3\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* ---- real hits ------------------------------------------------------------------ */

/* A write from a second thread stops that thread, just past the writing
 * instruction. */
TEST(watch_write_second_thread)
{
	NEED_HW();
	struct child_io io;
	pt_process *p = launch_target(&io, W, ARGS("spawn", "sync", "go"));
	CHECK_OK(pt_process_set_events(p, 0));
	uint64_t w = wsym("watched"), sp = wsym("sync_point");
	CHECK_OK(pt_breakpoint_add(p, sp));
	pt_thread *main_t = continue_to_bp(p, sp);
	CHECK_OK(pt_breakpoint_remove(p, sp));
	int id = CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE));
	pt_stop_cause c;
	pt_thread *t = continue_until(p, PT_STOP_WATCHPOINT, &c);
	CHECK(t != main_t);
	CHECK(pt_thread_tid(t) != pt_process_pid(p));
	CHECK_EQ_INT(c.watch, id);
	CHECK_EQ_HEX(c.addr, w);
	CHECK_EQ_INT(c.stepped, 0);
	CHECK_EQ_HEX(pc_of(t), wsym("watch_write_after"));
	CHECK_EQ_INT(peek_u64(p, w), 100);
	CHECK_EQ_INT(cause_of(main_t).kind, PT_STOP_REQUESTED);
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS),
		    "spawned\njoined value 100\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* PT_WATCH_RW stops on reads; PT_WATCH_WRITE does not. */
TEST(watch_read_rw)
{
	NEED_HW();
	struct child_io io;
	pt_process *p = launch_target(
		&io, W, ARGS("read:3", "sync", "read:2", "write:2"));
	uint64_t w = wsym("watched"), sp = wsym("sync_point");
	int id = CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_RW));
	CHECK_OK(pt_breakpoint_add(p, sp));
	pt_stop_cause c;
	for (int i = 0; i < 3; i++) {
		pt_thread *t = continue_until(p, PT_STOP_WATCHPOINT, &c);
		CHECK_EQ_INT(c.watch, id);
		CHECK_EQ_HEX(pc_of(t), wsym("watch_read_after"));
	}
	continue_to_bp(p, sp);
	CHECK_OK(pt_watchpoint_remove(p, id));
	int id2 = CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE));
	for (int i = 1; i <= 2; i++) {
		pt_thread *t = continue_until(p, PT_STOP_WATCHPOINT, &c);
		CHECK_EQ_INT(c.watch, id2);
		CHECK_EQ_HEX(pc_of(t), wsym("watch_write_after"));
		CHECK_EQ_INT(peek_u64(p, w), i);
	}
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS),
		    "read 3 sum 0\nread 2 sum 0\nwrote 2 value 2\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* A hardware breakpoint on a function in read-only text: the text is never
 * written, each call stops once with the PC on the function, and
 * continuing (or stepping) runs the instruction without stopping again. */
TEST(watch_hw_breakpoint_text)
{
	NEED_HW();
	enum { N = 5 };
	struct child_io io;
	pt_process *p = launch_target(&io, W, ARGS("hwfunc:5"));
	uint64_t f = wsym("hw_func");
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pt_process_pid(p));
	int memfd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(memfd >= 0);
	unsigned char orig[8], now[8];
	CHECK_EQ_INT(proc_mem_read(memfd, f, orig, sizeof orig), sizeof orig);
	CHECK(orig[0] != 0xcc);
	int id = CHECK_OK(pt_watchpoint_add(p, f, 1, PT_WATCH_EXEC));
	CHECK_EQ_INT(proc_mem_read(memfd, f, now, sizeof now), sizeof now);
	CHECK(memcmp(orig, now, sizeof orig) == 0);
	pt_stop_cause c;
	for (int i = 0; i < N; i++) {
		pt_thread *t = continue_until(p, PT_STOP_WATCHPOINT, &c);
		CHECK_EQ_INT(c.watch, id);
		CHECK_EQ_HEX(c.addr, f);
		CHECK_EQ_HEX(pc_of(t), f);
		CHECK_EQ_INT(reg(t, "rdi"), i);
		CHECK_EQ_INT(proc_mem_read(memfd, f, now, sizeof now),
			     sizeof now);
		CHECK(memcmp(orig, now, sizeof orig) == 0);
		if (i == 2) {
			/* a step from the hit runs the instruction */
			CHECK_OK(pt_thread_step(t));
			CHECK(wait_event(p, PT_STOP_STEP, &c) == t);
			CHECK_EQ_HEX(pc_of(t), wsym("hw_func_1"));
			CHECK_EQ_INT(reg(t, "rax"), i + 1);
		}
	}
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig); /* a sixth stop fails here */
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "hwfunc 5 sum 15\nDONE\n");
	close(memfd);
	pt_process_free(p);
	return TEST_PASS;
}

/* A breakpoint on a push, with a write watchpoint on the stack slot the
 * push fills: continuing from the breakpoint must stop on the watchpoint.
 * (A step-over by emulation writes the slot through /proc/PID/mem, which
 * no debug register sees; the library must single-step such a store.) */
TEST(watch_emulated_push)
{
	NEED_HW();
	enum { N = 3 };
	struct child_io io;
	pt_process *p = launch_target(&io, W, ARGS("push:3"));
	CHECK_OK(pt_process_set_events(p, 0));
	const uint64_t f = wsym("push_func"), f1 = wsym("push_func_1");
	CHECK_OK(pt_breakpoint_add(p, f));
	for (int i = 0; i < N; i++) {
		pt_thread *t = continue_to_bp(p, f);
		uint64_t sp = 0;
		CHECK_OK(pt_thread_sp(t, &sp));
		const uint64_t slot = sp - 8;
		int id = CHECK_OK(pt_watchpoint_add(p, slot, 8, PT_WATCH_WRITE));
		CHECK_OK(pt_continue(p));
		CHECK_OK(pt_wait(p, WAIT_MS));
		pt_thread *e = pt_process_event_thread(p);
		CHECK(e == t);
		pt_stop_cause c = cause_of(e);
		CHECKF(c.kind == PT_STOP_WATCHPOINT, "call %d: the push of a "
		       "watched slot stopped with: %s", i, cause_str(&c));
		CHECK_EQ_INT(c.watch, id);
		CHECK_EQ_HEX(c.addr, slot);
		CHECK_EQ_HEX(pc_of(t), f1);
		CHECK_EQ_INT(peek_u64(p, slot), i);
		CHECK_OK(pt_watchpoint_remove(p, id));
	}
	CHECK_OK(pt_breakpoint_remove(p, f));
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "push 3 sum 3\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* A thread created after the watchpoint was set stops on its writes. */
TEST(watch_new_thread_inherits)
{
	NEED_HW();
	struct child_io io;
	pt_process *p = launch_target(&io, W, ARGS("thread-write:3"));
	CHECK_OK(pt_process_set_events(p, 0));
	uint64_t w = wsym("watched");
	int id = CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE));
	pid_t writer = 0;
	pt_stop_cause c;
	for (int i = 1; i <= 3; i++) {
		pt_thread *t = continue_until(p, PT_STOP_WATCHPOINT, &c);
		CHECK_EQ_INT(c.watch, id);
		CHECK(pt_thread_tid(t) != pt_process_pid(p));
		if (i == 1)
			writer = pt_thread_tid(t);
		CHECK_EQ_INT(pt_thread_tid(t), writer);
		CHECK_EQ_HEX(pc_of(t), wsym("watch_write_after"));
		CHECK_EQ_INT(peek_u64(p, w), i);
	}
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS),
		    "thread wrote 3 value 3\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* A single-step over the writing instruction reports the watchpoint with
 * stepped = 1 (and no separate step stop); the library's own step over a
 * breakpoint reports it with stepped = 0. */
TEST(watch_step_stepped)
{
	NEED_HW();
	struct child_io io;
	pt_process *p = launch_target(&io, W, ARGS("write:2"));
	uint64_t w = wsym("watched"), insn = wsym("watch_write_insn");
	uint64_t after = wsym("watch_write_after");
	CHECK_OK(pt_breakpoint_add(p, insn));
	pt_thread *t = continue_to_bp(p, insn);
	int id = CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE));
	CHECK_OK(pt_thread_step(t));
	pt_stop_cause c;
	CHECK(wait_event(p, PT_STOP_WATCHPOINT, &c) == t);
	CHECK_EQ_INT(c.watch, id);
	CHECK_EQ_INT(c.stepped, 1);
	CHECK_EQ_HEX(pc_of(t), after);
	CHECK_EQ_INT(peek_u64(p, w), 1);
	/* the next step is an ordinary one */
	CHECK_OK(pt_thread_step(t));
	CHECK(wait_event(p, PT_STOP_STEP, &c) == t);
	/* second call: continue from the breakpoint steps over it, and that
	 * step writes */
	t = continue_to_bp(p, insn);
	pt_thread *e = continue_until(p, PT_STOP_WATCHPOINT, &c);
	CHECK(e == t);
	CHECK_EQ_INT(c.watch, id);
	CHECK_EQ_INT(c.stepped, 0);
	CHECK_EQ_HEX(pc_of(t), after);
	CHECK_EQ_INT(peek_u64(p, w), 2);
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "wrote 2 value 2\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* Two threads write at once: every write is reported exactly once, on the
 * thread that made it, also when one thread's hit is overtaken by the
 * all-stop interrupt of the other's. */
TEST(watch_hit_count_two_threads)
{
	NEED_HW();
	enum { N = 100 };
	struct child_io io;
	pt_process *p = launch_target(&io, W, ARGS("both:100"));
	CHECK_OK(pt_process_set_events(p, 0));
	uint64_t w = wsym("watched"), after = wsym("watch_write_after");
	int id = CHECK_OK(pt_watchpoint_add(p, w, 4, PT_WATCH_WRITE));
	pid_t tids[2] = { 0, 0 };
	int hits[2] = { 0, 0 };
	for (int rounds = 0;; rounds++) {
		CHECKF(rounds <= 2 * N + 5, "too many stops");
		CHECK_OK(pt_continue(p));
		int r = pt_wait(p, WAIT_MS);
		CHECKF(r != PT_ETIMEDOUT, "no stop within %d ms", WAIT_MS);
		CHECK_OK(r);
		if (pt_process_state(p) == PT_PROC_EXITED)
			break;
		pt_thread *ts[8];
		size_t n = pt_process_threads(p, ts, 8);
		int seen = 0;
		for (size_t i = 0; i < n && i < 8; i++) {
			pt_stop_cause c = cause_of(ts[i]);
			if (c.kind == PT_STOP_REQUESTED)
				continue;
			CHECKF(c.kind == PT_STOP_WATCHPOINT, "unexpected: %s",
			       cause_str(&c));
			CHECK_EQ_INT(c.watch, id);
			CHECK_EQ_HEX(pc_of(ts[i]), after);
			pid_t tid = pt_thread_tid(ts[i]);
			int k = tids[0] == tid ? 0 : tids[1] == tid ? 1 : -1;
			if (k < 0) {
				k = tids[0] == 0 ? 0 : 1;
				CHECKF(tids[k] == 0, "a third writer %d",
				       (int)tid);
				tids[k] = tid;
			}
			hits[k]++;
			seen++;
		}
		CHECKF(seen > 0, "a stop without a watchpoint: %s",
		       all_causes(p));
	}
	CHECK_EQ_INT(hits[0], N);
	CHECK_EQ_INT(hits[1], N);
	int code = -1, sig = -1;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "both 100\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}
