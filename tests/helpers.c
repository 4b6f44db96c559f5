/*
 * helpers.c - assertion back-ends and small proctrace helpers for the tests.
 */
#include <stdio.h>
#include <string.h>

#include "tests.h"

const char *err_str(int r)
{
	return r >= 0 ? "OK" : pt_err_name(r);
}

const char *last_errmsg(void)
{
	static char buf[1024];
	snprintf(buf, sizeof buf, "%s", pt_errmsg());
	return buf;
}

int check_ok_impl(int r, const char *expr, const char *file, int line)
{
	if (r < 0) {
		const char *msg = last_errmsg(); /* before other calls */
		test_fail(file, line, "%s: %s (%s): %s", expr, pt_err_name(r),
			  pt_strerror(r), msg);
	}
	return r;
}

void check_err_impl(int r, int code, const char *expr, const char *file,
		    int line)
{
	if (r == code)
		return;
	const char *msg = last_errmsg();
	if (r >= 0)
		test_fail(file, line, "%s: succeeded (%d), expected %s", expr,
			  r, pt_err_name(code));
	test_fail(file, line, "%s: got %s (%s), expected %s; message: %s",
		  expr, pt_err_name(r), pt_strerror(r), pt_err_name(code), msg);
}

pt_thread *only_thread(pt_process *p)
{
	pt_thread *ts[8];
	size_t n = pt_process_threads(p, ts, 8);
	CHECKF(n == 1, "expected 1 thread, found %zu", n);
	CHECK(ts[0] != NULL);
	return ts[0];
}

pt_stop_cause cause_of(pt_thread *t)
{
	pt_stop_cause c;
	memset(&c, 0, sizeof c);
	c.sz = sizeof c;
	CHECK_OK(pt_thread_stop_cause(t, &c));
	return c;
}

const char *cause_str(const pt_stop_cause *c)
{
	static char buf[2][512];
	static int next;
	char *b = buf[next++ % 2];
	char text[256];
	if (pt_stop_cause_format(c, text, sizeof text) < 0)
		snprintf(text, sizeof text, "?");
	snprintf(b, sizeof buf[0],
		 "%s [kind %s, signo %d, code %d, status %d, addr %#llx]", text,
		 pt_stop_kind_name(c->kind), c->signo, c->code, c->status,
		 (unsigned long long)c->addr);
	return b;
}

void wait_stopped(pt_process *p)
{
	int r = pt_wait(p, WAIT_MS);
	if (r == PT_ETIMEDOUT)
		FAIL("pt_wait: process %d did not stop within %d ms",
		     (int)pt_process_pid(p), WAIT_MS);
	CHECK_OK(r);
	pt_proc_state st = pt_process_state(p);
	if (st == PT_PROC_EXITED) {
		int code = -2, sig = -2;
		pt_process_exit(p, &code, &sig);
		FAIL("process exited (status %d, signal %d) instead of "
		     "stopping",
		     code, sig);
	}
	CHECKF(st == PT_PROC_STOPPED, "after pt_wait: state %s, expected %s",
	       pt_proc_state_name(st), pt_proc_state_name(PT_PROC_STOPPED));
}

const char *all_causes(pt_process *p)
{
	static char buf[1024];
	pt_thread *ts[16];
	size_t n = pt_process_threads(p, ts, 16), len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && i < 16 && len < sizeof buf; i++) {
		pt_stop_cause c;
		memset(&c, 0, sizeof c);
		c.sz = sizeof c;
		int r = pt_thread_stop_cause(ts[i], &c);
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d: %s",
					i ? "; " : "", (int)pt_thread_tid(ts[i]),
					r < 0 ? err_str(r) : cause_str(&c));
	}
	return buf;
}

pt_thread *wait_event(pt_process *p, pt_stop_kind kind, pt_stop_cause *c)
{
	wait_stopped(p);
	pt_thread *t = pt_process_event_thread(p);
	CHECKF(t != NULL,
	       "stopped, but pt_process_event_thread is NULL (expected a %s "
	       "stop); threads: %s",
	       pt_stop_kind_name(kind), all_causes(p));
	*c = cause_of(t);
	CHECKF(c->kind == kind, "expected a stop of kind %s, got: %s",
	       pt_stop_kind_name(kind), cause_str(c));
	return t;
}

pt_thread *continue_until(pt_process *p, pt_stop_kind kind, pt_stop_cause *c)
{
	CHECK_OK(pt_continue(p));
	return wait_event(p, kind, c);
}

bool continue_stopped(pt_process *p)
{
	CHECK_OK(pt_continue(p));
	int r = pt_wait(p, WAIT_MS);
	CHECKF(r == 0, "pt_wait: %s", err_str(r));
	return pt_process_state(p) != PT_PROC_EXITED;
}

void run_to_exit(pt_process *p, int *exit_code, int *term_signal)
{
	for (int rounds = 0;; rounds++) {
		pt_proc_state st = pt_process_state(p);
		if (st == PT_PROC_EXITED)
			break;
		CHECKF(rounds < 100, "process does not exit");
		CHECKF(st == PT_PROC_STOPPED || st == PT_PROC_RUNNING,
		       "process in state %s", pt_proc_state_name(st));
		if (st == PT_PROC_STOPPED)
			CHECK_OK(pt_continue(p));
		int r = pt_wait(p, WAIT_MS);
		if (r == PT_ETIMEDOUT)
			FAIL("process %d neither stopped nor exited within %d "
			     "ms",
			     (int)pt_process_pid(p), WAIT_MS);
		CHECK_OK(r);
		if (pt_process_state(p) != PT_PROC_STOPPED)
			continue;
		pt_thread *t = pt_process_event_thread(p);
		CHECKF(t != NULL, "stopped, but no event thread");
		pt_stop_cause c = cause_of(t);
		CHECKF(c.kind == PT_STOP_THREAD_EXIT,
		       "unexpected stop on the way to exit: %s", cause_str(&c));
	}
	CHECK_OK(pt_process_exit(p, exit_code, term_signal));
}

void run_to_end(pt_process *p, struct child_io *io, const char *want)
{
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_EQ_INT(sig, 0);
	CHECK_STREQ(io_read_all(io, WAIT_MS), want);
	pt_process_free(p);
}

void finish_getppid(pt_process *p, struct child_io *io)
{
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	char want[64];
	snprintf(want, sizeof want, "ppid %d", (int)getpid());
	io_expect_line(io, want);
	pt_process_free(p);
	io_close(io);
}

uint64_t reg(pt_thread *t, const char *name)
{
	uint64_t v = 0;
	int r = pt_thread_reg_get_name(t, name, &v);
	if (r < 0) {
		const char *msg = last_errmsg();
		FAIL("reading register %s: %s: %s", name, pt_err_name(r), msg);
	}
	return v;
}

uint64_t pc_of(pt_thread *t)
{
	uint64_t pc = 0;
	CHECK_OK(pt_thread_pc(t, &pc));
	return pc;
}

pt_thread *wait_bp(pt_process *p, uint64_t addr)
{
	pt_stop_cause c;
	pt_thread *t = wait_event(p, PT_STOP_BREAKPOINT, &c);
	CHECKF(c.addr == addr, "breakpoint stop at %#llx, expected %#llx",
	       (unsigned long long)c.addr, (unsigned long long)addr);
	uint64_t pc = pc_of(t);
	CHECKF(pc == addr, "at the breakpoint %#llx, the PC is %#llx",
	       (unsigned long long)addr, (unsigned long long)pc);
	return t;
}

pt_thread *continue_to_bp(pt_process *p, uint64_t addr)
{
	CHECK_OK(pt_continue(p));
	return wait_bp(p, addr);
}

void set_reg(pt_thread *t, const char *name, uint64_t val)
{
	int r = pt_thread_reg_set_name(t, name, val);
	if (r < 0) {
		const char *msg = last_errmsg();
		FAIL("setting register %s: %s: %s", name, pt_err_name(r), msg);
	}
}

bool has_number(const char *text, long n)
{
	char num[32];
	snprintf(num, sizeof num, "%ld", n);
	size_t len = strlen(num);
	for (const char *s = text; (s = strstr(s, num)) != NULL; s++) {
		bool digit_before = s > text && s[-1] >= '0' && s[-1] <= '9';
		bool digit_after = s[len] >= '0' && s[len] <= '9';
		if (!digit_before && !digit_after)
			return true;
	}
	return false;
}

void fp_pattern_vec(int seed, int i, uint8_t *out, size_t n)
{
	for (size_t k = 0; k < n; k++)
		out[k] = (uint8_t)(seed * 101 + i * 7 + (int)k * 13 + 1);
}

void fp_pattern_st(int seed, int j, uint8_t out[10])
{
	uint64_t m = (1ull << 63) |
		     ((0x0123456789abcdefull * (uint64_t)(j + 1 + 8 * seed)) >> 1);
	uint16_t se = (uint16_t)(((j & 1) << 15) | (0x3ffc + j + 10 * seed));
	memcpy(out, &m, 8);
	memcpy(out + 8, &se, 2);
}
