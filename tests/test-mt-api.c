/*
 * test-mt-api.c - the API used the way a multi-threaded debugger uses it:
 * calls from a thread other than the one waiting, two processes driven by
 * one epoll loop, the application's own children beside traced ones, and
 * the three memory access paths.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mt.h"

/* ---- api_from_second_thread ------------------------------------------ */

struct api_shared {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pt_process *p;
	uint64_t f, counter;
	pid_t a_tid;
	int a_round;       /* round A may start (set by B) */
	int a_done;        /* rounds A finished */
	int a_in_wait;     /* round whose pt_wait A is calling */
	int a_result[3];   /* pt_wait results */
	pt_proc_state a_state[3];
	pt_thread *a_event[3];
	pt_stop_cause a_cause[3];
	char b_error[512]; /* B's failure, if any */
};

static void *api_a_main(void *arg)
{
	struct api_shared *s = arg;
	__atomic_store_n(&s->a_tid, (pid_t)syscall(SYS_gettid),
			 __ATOMIC_SEQ_CST);
	for (int round = 0; round < 3; round++) {
		pthread_mutex_lock(&s->lock);
		while (s->a_round < round && s->b_error[0] == '\0')
			pthread_cond_wait(&s->cond, &s->lock);
		bool give_up = s->b_error[0] != '\0';
		pthread_mutex_unlock(&s->lock);
		if (give_up)
			return NULL;
		__atomic_store_n(&s->a_in_wait, round, __ATOMIC_SEQ_CST);
		int r = pt_wait(s->p, -1);
		pt_proc_state st = pt_process_state(s->p);
		pt_thread *t = st == PT_PROC_STOPPED
				       ? pt_process_event_thread(s->p)
				       : NULL;
		pt_stop_cause c;
		memset(&c, 0, sizeof c);
		c.sz = sizeof c;
		if (t != NULL)
			pt_thread_stop_cause(t, &c);
		pthread_mutex_lock(&s->lock);
		s->a_result[round] = r;
		s->a_state[round] = st;
		s->a_event[round] = t;
		s->a_cause[round] = c;
		s->a_done = round + 1;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

/* In B: fail by recording the reason (the test checks it after joining). */
#define B_CHECK(sh, ok, ...)                                                   \
	do {                                                                   \
		if (!(ok)) {                                                   \
			pthread_mutex_lock(&(sh)->lock);                       \
			snprintf((sh)->b_error, sizeof(sh)->b_error,           \
				 __VA_ARGS__);                                 \
			pthread_cond_broadcast(&(sh)->cond);                   \
			pthread_mutex_unlock(&(sh)->lock);                     \
			return NULL;                                           \
		}                                                              \
	} while (0)

/* In B: let A call pt_wait for `round`. */
static void a_go(struct api_shared *s, int round)
{
	pthread_mutex_lock(&s->lock);
	s->a_round = round;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

/* In B: let A call pt_wait for `round`, and wait until it is blocked
 * (sleeping) in there. */
static bool a_blocked(struct api_shared *s, int round)
{
	a_go(s, round);
	long long deadline = mt_now_ms() + WAIT_MS;
	while (__atomic_load_n(&s->a_in_wait, __ATOMIC_SEQ_CST) != round ||
	       task_state(getpid(), __atomic_load_n(&s->a_tid,
						    __ATOMIC_SEQ_CST)) != 'S') {
		if (mt_now_ms() > deadline)
			return false;
		sched_yield();
	}
	return true;
}

/* In B: wait until A has finished `round`. */
static bool a_finished(struct api_shared *s, int round)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	bool ok = true;
	pthread_mutex_lock(&s->lock);
	while (s->a_done <= round && ok)
		ok = pthread_cond_timedwait(&s->cond, &s->lock, &ts) == 0 ||
		     s->a_done > round;
	ok = s->a_done > round;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static void *api_b_main(void *arg)
{
	struct api_shared *s = arg;
	pt_process *p = s->p;
	int r;

	/* Round 0: A waits on the running process; B stops it. */
	B_CHECK(s, a_blocked(s, 0), "A never blocks in pt_wait (round 0)");
	r = pt_stop(p);
	B_CHECK(s, r == 0, "pt_stop: %s", err_str(r));
	B_CHECK(s, pt_process_state(p) == PT_PROC_STOPPED, "state %s",
		pt_proc_state_name(pt_process_state(p)));
	B_CHECK(s, a_finished(s, 0), "A's pt_wait did not return after "
		"B's pt_stop");
	pt_thread *t = pt_process_thread(p, pt_process_pid(p));
	B_CHECK(s, t != NULL, "no leader");
	uint64_t pc = 0, sp = 0, c1 = 0, c2 = 0;
	B_CHECK(s, pt_thread_pc(t, &pc) == 0 && pc != 0, "pc: %s",
		last_errmsg());
	B_CHECK(s, pt_thread_sp(t, &sp) == 0 && sp != 0, "sp: %s",
		last_errmsg());
	B_CHECK(s, pt_mem_read(p, s->counter, &c1, 8, NULL) == 0,
		"mem read: %s", last_errmsg());
	B_CHECK(s, pt_mem_read(p, s->counter, &c2, 8, NULL) == 0 && c1 == c2,
		"counter moves while stopped (%llu, %llu)",
		(unsigned long long)c1, (unsigned long long)c2);
	r = pt_breakpoint_add(p, s->f);
	B_CHECK(s, r == 0, "pt_breakpoint_add: %s: %s", err_str(r),
		last_errmsg());

	/* Round 1: B continues; A and B wait; both see the hit. */
	r = pt_continue(p);
	B_CHECK(s, r == 0, "pt_continue: %s: %s", err_str(r), last_errmsg());
	a_go(s, 1);
	r = pt_wait(p, WAIT_MS);
	B_CHECK(s, r == 0 && pt_process_state(p) == PT_PROC_STOPPED,
		"B's pt_wait: %s, state %s", err_str(r),
		pt_proc_state_name(pt_process_state(p)));
	B_CHECK(s, a_finished(s, 1), "A's pt_wait did not return at the "
		"breakpoint");
	pt_thread *e = pt_process_event_thread(p);
	B_CHECK(s, e == t, "event thread %p, expected the leader", (void *)e);
	uint64_t rdi = 0, now = 0;
	B_CHECK(s, pt_thread_reg_get_name(t, "rdi", &rdi) == 0, "rdi: %s",
		last_errmsg());
	B_CHECK(s, pt_mem_read(p, s->counter, &now, 8, NULL) == 0,
		"mem read: %s", last_errmsg());
	B_CHECK(s, rdi == now && rdi % 4096 == 0 && rdi >= c1,
		"mt_hit(%llu) with the counter at %llu (was %llu)",
		(unsigned long long)rdi, (unsigned long long)now,
		(unsigned long long)c1);
	r = pt_breakpoint_remove(p, s->f);
	B_CHECK(s, r == 0, "pt_breakpoint_remove: %s", err_str(r));

	/* Round 2: B continues; A waits; B kills. */
	r = pt_continue(p);
	B_CHECK(s, r == 0, "pt_continue: %s: %s", err_str(r), last_errmsg());
	B_CHECK(s, a_blocked(s, 2), "A never blocks in pt_wait (round 2)");
	B_CHECK(s, pt_wait(p, 0) == PT_ETIMEDOUT, "not running");
	r = pt_kill(p);
	B_CHECK(s, r == 0, "pt_kill: %s: %s", err_str(r), last_errmsg());
	B_CHECK(s, a_finished(s, 2), "A's pt_wait did not return after "
		"B's pt_kill");
	return NULL;
}

TEST(api_from_second_thread)
{
	struct child_io io;
	struct api_shared s;
	memset(&s, 0, sizeof s);
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	s.p = launch_target(&io, MT, ARGS("spin-hit"));
	s.f = mt_sym("mt_hit");
	s.counter = mt_sym("spin_counter");
	s.a_round = -1;
	s.a_in_wait = -1;
	CHECK_OK(pt_continue(s.p));
	io_expect_line(&io, "spinning");

	pthread_t a, b;
	CHECK(pthread_create(&a, NULL, api_a_main, &s) == 0);
	CHECK(pthread_create(&b, NULL, api_b_main, &s) == 0);
	CHECK(pthread_join(b, NULL) == 0);
	if (s.b_error[0] != '\0') {
		/* Let A go if it waits for ever. */
		pt_kill(s.p);
		FAIL("thread B: %s", s.b_error);
	}
	CHECK(pthread_join(a, NULL) == 0);

	for (int i = 0; i < 2; i++)
		CHECKF(s.a_result[i] == 0 && s.a_state[i] == PT_PROC_STOPPED,
		       "A, round %d: pt_wait %s, state %s", i,
		       err_str(s.a_result[i]),
		       pt_proc_state_name(s.a_state[i]));
	CHECKF(s.a_event[0] == NULL, "A, round 0: an event thread after a "
	       "pt_stop");
	CHECKF(s.a_event[1] != NULL && s.a_cause[1].kind == PT_STOP_BREAKPOINT &&
		       s.a_cause[1].addr == s.f,
	       "A, round 1: %s", cause_str(&s.a_cause[1]));
	CHECKF(s.a_result[2] == 0 && s.a_state[2] == PT_PROC_EXITED,
	       "A, round 2: pt_wait %s, state %s", err_str(s.a_result[2]),
	       pt_proc_state_name(s.a_state[2]));
	int code = -2, sig = -2;
	CHECK_OK(pt_process_exit(s.p, &code, &sig));
	CHECK_EQ_INT(sig, SIGKILL);
	pt_process_free(s.p);
	pthread_mutex_destroy(&s.lock);
	pthread_cond_destroy(&s.cond);
	return TEST_PASS;
}

/* ---- event_fd_epoll --------------------------------------------------- */

TEST(event_fd_epoll)
{
	enum { NP = 2 };
	const int loops[NP] = {30, 45}, codes[NP] = {3, 4};
	struct child_io io[NP];
	pt_process *p[NP];
	const uint64_t f = sym("tracee", "bp_func");
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0);
	for (int i = 0; i < NP; i++) {
		char l[32], e[32];
		snprintf(l, sizeof l, "loop:%d", loops[i]);
		snprintf(e, sizeof e, "exit:%d", codes[i]);
		p[i] = launch_target(&io[i], "tracee", ARGS(l, e));
		CHECK_OK(pt_breakpoint_add(p[i], f));
		int fd = CHECK_OK(pt_process_event_fd(p[i]));
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	}
	/* Both stopped at their exec: both ready. */
	struct epoll_event evs[4];
	int nr = epoll_wait(ep, evs, 4, 0);
	CHECKF(nr == NP, "%d of %d event fds ready at the exec stops", nr, NP);
	for (int i = 0; i < NP; i++)
		CHECK_OK(pt_continue(p[i]));

	int hits[NP] = {0}, exits[NP] = {0}, alive = NP, rounds = 0;
	while (alive > 0) {
		CHECKF(++rounds < 1000, "too many epoll rounds");
		nr = epoll_wait(ep, evs, 4, WAIT_MS);
		CHECKF(nr > 0, "no event fd ready within %d ms (hits %d, %d)",
		       WAIT_MS, hits[0], hits[1]);
		for (int k = 0; k < nr; k++) {
			int i = (int)evs[k].data.u32;
			CHECK(i >= 0 && i < NP);
			/* Ready means pt_wait(p, 0) has something. */
			int r = pt_wait(p[i], 0);
			CHECKF(r == 0, "process %d: event fd ready, but "
			       "pt_wait(p, 0) gives %s", i, err_str(r));
			pt_proc_state st = pt_process_state(p[i]);
			if (st == PT_PROC_EXITED) {
				int code = -2, sig = -2;
				CHECK_OK(pt_process_exit(p[i], &code, &sig));
				CHECKF(code == codes[i] && sig == 0,
				       "process %d: exit status %d, signal %d",
				       i, code, sig);
				CHECK(epoll_ctl(ep, EPOLL_CTL_DEL,
						pt_process_event_fd(p[i]),
						NULL) == 0);
				exits[i]++;
				alive--;
				continue;
			}
			CHECKF(st == PT_PROC_STOPPED, "process %d: ready, state "
			       "%s", i, pt_proc_state_name(st));
			pt_thread *t = pt_process_event_thread(p[i]);
			CHECK(t != NULL);
			pt_stop_cause c = cause_of(t);
			if (c.kind == PT_STOP_BREAKPOINT) {
				CHECK_EQ_HEX(c.addr, f);
				CHECKF(reg(t, "rdi") == (uint64_t)hits[i],
				       "process %d: hit %d: bp_func(%llu)", i,
				       hits[i],
				       (unsigned long long)reg(t, "rdi"));
				hits[i]++;
			} else {
				CHECKF(c.kind == PT_STOP_THREAD_EXIT &&
					       c.status == codes[i],
				       "process %d: unexpected stop: %s", i,
				       cause_str(&c));
			}
			CHECK_OK(pt_continue(p[i]));
		}
	}
	for (int i = 0; i < NP; i++) {
		CHECKF(hits[i] == loops[i] && exits[i] == 1,
		       "process %d: %d hits, %d exits", i, hits[i], exits[i]);
		char want[64];
		snprintf(want, sizeof want, "sum %d\n", loops[i] * loops[i]);
		CHECK_STREQ(io_read_all(&io[i], WAIT_MS), want);
		pt_process_free(p[i]);
	}
	close(ep);
	return TEST_PASS;
}

/* ---- app_child_reaped_by_app ------------------------------------------ */

TEST(app_child_reaped_by_app)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("loop:100000"));
	const uint64_t f = sym("tracee", "bp_func");
	CHECK_OK(pt_breakpoint_add(p, f));

	/* Our own child, untraced: exits with 42 when told. */
	int go[2];
	CHECK(pipe2(go, O_CLOEXEC) == 0);
	fflush(NULL);
	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		char b;
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(2);
		_exit(42);
	}
	close(go[0]);
	int status = 0;
	CHECK_EQ_INT(waitpid(child, &status, WNOHANG), 0);

	long hit = 0, after = -1;
	for (;;) {
		pt_thread *t = continue_to_bp(p, f);
		CHECK_EQ_INT(reg(t, "rdi"), hit);
		hit++;
		if (hit == 20)
			CHECK(write(go[1], "x", 1) == 1);
		if (after < 0 && hit > 20 && proc_state(child) == 'Z')
			after = 0; /* it has exited; nobody reaped it */
		if (after >= 0 && ++after == 20)
			break;
		CHECKF(hit < 50000, "our child %d never exits (state '%c')",
		       (int)child, proc_state(child));
	}
	CHECKF(proc_state(child) == 'Z', "our child %d in state '%c' after "
	       "20 more hits (reaped by someone?)", (int)child,
	       proc_state(child));
	pid_t r = waitpid(child, &status, WNOHANG);
	CHECKF(r == child, "waitpid(%d): %d (%s)", (int)child, (int)r,
	       r < 0 ? strerror(errno) : "not ready");
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 42,
	       "our child's wait status %#x, expected exit 42", status);
	close(go[1]);

	/* The traced process goes on as before. */
	pt_thread *t = continue_to_bp(p, f);
	CHECK_EQ_INT(reg(t, "rdi"), hit);
	CHECK_OK(pt_kill(p));
	pt_process_free(p);
	return TEST_PASS;
}

/* ---- mem_paths -------------------------------------------------------- */

/* What the "mmap" command of tracee stores at each offset. */
static unsigned char mmap_pattern(size_t off)
{
	return (unsigned char)(off * 7 + (off >> 12) * 0x55 + 3);
}

static void mem_checks(const char *mode)
{
	const char *m = mode ? mode : "default";
	if (mode)
		CHECK(setenv("PROCTRACE_MEM_PATH", mode, 1) == 0);
	else
		CHECK(unsetenv("PROCTRACE_MEM_PATH") == 0);
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee",
				      ARGS("mmap", "patch", "wait-stdin"));
	const uint64_t sync = sym("tracee", "sync_point");
	const uint64_t f = sym("tracee", "ret_one");
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)io.pid);
	int mem = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(mem >= 0);

	/* ret_one: b8 01 00 00 00  mov $1,%eax;  c3  ret */
	unsigned char orig[16], buf[16], raw[8];
	CHECK_OK(pt_mem_read(p, f - 4, orig, sizeof orig, NULL));
	CHECKF(orig[4] == 0xb8 && orig[5] == 0x01 && orig[9] == 0xc3,
	       "%s: ret_one reads as %02x %02x .. %02x", m, orig[4], orig[5],
	       orig[9]);
	CHECK_OK(pt_breakpoint_add(p, f));
	CHECK_OK(pt_breakpoint_add(p, sync));
	CHECK(proc_mem_read(mem, f, raw, 1) == 1);
	CHECK_EQ_HEX(raw[0], 0xcc);
	/* Reads never show our int3, whatever the span. */
	for (size_t off = 0; off < 8; off++) {
		memset(buf, 0, sizeof buf);
		size_t len = sizeof orig - off;
		CHECK_OK(pt_mem_read(p, f - 4 + off, buf, len, NULL));
		CHECKF(memcmp(buf, orig + off, len) == 0,
		       "%s: a read at ret_one-%d shows other bytes (%02x)", m,
		       (int)(4 - (int)off), buf[4 - off]);
	}

	/* Page boundaries: the target mapped 3 pages and unmapped the
	 * third. */
	continue_to_bp(p, sync);
	char line[128];
	CHECK(io_read_line(&io, line, sizeof line, WAIT_MS) == 1);
	uint64_t base = 0;
	CHECKF(sscanf(line, "mmap %" SCNx64, &base) == 1 && base != 0,
	       "bad line from the target: %s", line);
	const uint64_t hole = base + 2 * page;
	unsigned char *big = malloc(2 * page);
	CHECK(big != NULL);
	size_t done = 12345;
	CHECK_OK(pt_mem_read(p, base + page - 100, big, 200, &done));
	CHECK_EQ_INT(done, 200);
	for (size_t i = 0; i < 200; i++)
		CHECKF(big[i] == mmap_pattern(page - 100 + i),
		       "%s: across the page boundary, byte %zu: %#x", m, i,
		       big[i]);
	done = 12345;
	CHECK_ERR(pt_mem_read(p, base + page + 100, big, 5000, &done),
		  PT_EFAULT);
	CHECKF(done == page - 100, "%s: read into the hole: %zu bytes, "
	       "expected %zu", m, done, page - 100);
	for (size_t i = 0; i < page - 100; i++)
		CHECKF(big[i] == mmap_pattern(page + 100 + i),
		       "%s: short read, byte %zu: %#x", m, i, big[i]);
	done = 12345;
	CHECK_ERR(pt_mem_read(p, hole - 1, big, 2, &done), PT_EFAULT);
	CHECKF(done == 1, "%s: read of hole-1: %zu bytes", m, done);
	CHECK_EQ_HEX(big[0], mmap_pattern(2 * page - 1));
	done = 12345;
	CHECK_ERR(pt_mem_read(p, hole, big, 10, &done), PT_EFAULT);
	CHECKF(done == 0, "%s: read at the hole: %zu bytes", m, done);
	const unsigned char w[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	done = 12345;
	CHECK_ERR(pt_mem_write(p, hole - 5, w, sizeof w, &done), PT_EFAULT);
	CHECKF(done == 5, "%s: write into the hole: %zu bytes", m, done);
	CHECK_OK(pt_mem_read(p, hole - 6, big, 6, NULL));
	CHECK_EQ_HEX(big[0], mmap_pattern(2 * page - 6));
	CHECK(memcmp(big + 1, w, 5) == 0);
	free(big);

	/* A write into read-only text, under a breakpoint: ret_one returns
	 * 2 from now on. */
	const unsigned char mov2[5] = {0xb8, 0x02, 0x00, 0x00, 0x00};
	done = 0;
	CHECK_OK(pt_mem_write(p, f, mov2, sizeof mov2, &done));
	CHECK_EQ_INT(done, sizeof mov2);
	CHECK_OK(pt_mem_read(p, f, buf, 6, NULL));
	CHECKF(memcmp(buf, mov2, 5) == 0 && buf[5] == 0xc3,
	       "%s: ret_one after the write: %02x %02x", m, buf[0], buf[1]);
	CHECK(proc_mem_read(mem, f, raw, 6) == 6);
	CHECKF(raw[0] == 0xcc && raw[1] == 0x02 && raw[5] == 0xc3,
	       "%s: in the process: %02x %02x .. %02x", m, raw[0], raw[1],
	       raw[5]);

	/* patch: ret_one(), sync_point(), ret_one(); then wait-stdin. */
	continue_to_bp(p, f);
	continue_to_bp(p, sync);
	continue_to_bp(p, f);
	CHECK_OK(pt_breakpoint_remove(p, sync));
	CHECK_OK(pt_continue(p));
	char bytes[64];
	snprintf(bytes, sizeof bytes, "mmap bytes %d %d", mmap_pattern(0),
		 mmap_pattern(page));
	io_expect_line(&io, bytes);
	io_expect_line(&io, "ret_one 2");
	io_expect_line(&io, "ret_one 2");
	io_expect_line(&io, "waiting");

	/* Running: the ptrace path needs a stopped process. */
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_RUNNING);
	memset(buf, 0, sizeof buf);
	int r = pt_mem_read(p, f, buf, 6, &done);
	if (mode != NULL && strcmp(mode, "ptrace") == 0) {
		CHECKF(r == PT_ESTATE, "%s: read while running: %s, expected "
		       "PT_ESTATE", m, err_str(r));
	} else {
		CHECKF(r == 0, "%s: read while running: %s: %s", m,
		       err_str(r), last_errmsg());
		CHECKF(memcmp(buf, mov2, 5) == 0,
		       "%s: read while running shows %02x %02x", m, buf[0],
		       buf[1]);
	}
	CHECK_OK(pt_stop(p));
	CHECK_OK(pt_mem_read(p, f, buf, 6, NULL));
	CHECK(memcmp(buf, mov2, 5) == 0);
	CHECK_OK(pt_breakpoint_remove(p, f));
	CHECK(proc_mem_read(mem, f, raw, 1) == 1);
	CHECK_EQ_HEX(raw[0], 0xb8);
	CHECK_OK(pt_continue(p));
	io_write(&io, "x\n");
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECKF(code == 0 && sig == 0, "%s: exit status %d, signal %d", m,
	       code, sig);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "got x\nDONE\n");
	close(mem);
	pt_process_free(p);
	io_close(&io);
}

TEST(mem_paths)
{
	mem_checks(NULL);
	mem_checks("procmem");
	mem_checks("ptrace");
	return TEST_PASS;
}
