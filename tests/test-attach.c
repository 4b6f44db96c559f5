/*
 * test-attach.c - pt_attach to running processes, registers, detach, and the
 * attach errors (no such process, not permitted, already traced).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"

/* The process must run untraced: not in a (traced) stop, no tracer. */
static void check_untraced(pid_t pid)
{
	char st = proc_state(pid);
	CHECKF(st != 't' && st != 'T' && st != 0,
	       "process %d is in state '%c' after detach", (int)pid, st);
	CHECKF(proc_tracer(pid) == 0, "process %d still has tracer %d",
	       (int)pid, (int)proc_tracer(pid));
}

/* A counter target, waiting for its next input line. */
static void spawn_counter(struct child_io *io)
{
	spawn_target(io, "tracee", ARGS("counter"));
	io_expect_line(io, "ready");
	io_write(io, "a\n");
	io_expect_line(io, "value 42");
}

static void finish_counter(struct child_io *io)
{
	io_write(io, "last\n");
	io_expect_line(io, "value 42");
	io_close_stdin(io);
	io_expect_line(io, "DONE");
	int status = io_reap(io, WAIT_MS);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "wait status %#x, expected exit 0", status);
}

TEST(attach_regs_detach)
{
	struct child_io io;
	spawn_counter(&io);

	pt_process *p = NULL;
	CHECK_OK(pt_attach(io.pid, &p));
	CHECK(p != NULL);
	CHECK_EQ_INT(pt_process_pid(p), io.pid);
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
	pt_thread *t = only_thread(p);
	CHECK_EQ_INT(pt_thread_tid(t), io.pid);
	pt_stop_cause c = cause_of(t);
	CHECKF(c.kind == PT_STOP_REQUESTED, "after attach: %s", cause_str(&c));
	CHECK(pt_process_event_thread(p) == NULL);
	CHECKF(proc_state(io.pid) == 't', "attached process in state '%c'",
	       proc_state(io.pid));
	CHECK(proc_tracer(io.pid) > 0);

	/* The PC and SP, by name, by index and by role, agree. */
	int rip = CHECK_OK(pt_process_reg_index(p, "rip"));
	int rsp = CHECK_OK(pt_process_reg_index(p, "rsp"));
	CHECK(rip < pt_process_reg_count(p) && rsp < pt_process_reg_count(p));
	const pt_reg_info *ri = pt_process_reg_info(p, rip);
	CHECK(ri != NULL);
	CHECK_STREQ(ri->name, "rip");
	CHECK_EQ_INT(ri->size, 8);
	CHECK_EQ_INT(ri->role, PT_ROLE_PC);
	CHECK_EQ_INT(pt_process_reg_info(p, rsp)->role, PT_ROLE_SP);
	uint64_t pc_name = reg(t, "rip"), pc_index = 0, pc = 0;
	CHECK_OK(pt_thread_reg_get(t, rip, &pc_index));
	CHECK_OK(pt_thread_pc(t, &pc));
	CHECK(pc_name != 0);
	CHECK_EQ_HEX(pc_name, pc_index);
	CHECK_EQ_HEX(pc_name, pc);
	uint64_t sp_name = reg(t, "rsp"), sp_index = 0, sp = 0;
	CHECK_OK(pt_thread_reg_get(t, rsp, &sp_index));
	CHECK_OK(pt_thread_sp(t, &sp));
	CHECK(sp_name != 0);
	CHECK_EQ_HEX(sp_name, sp_index);
	CHECK_EQ_HEX(sp_name, sp);

	/* Set/get round trip on a callee-saved register, then put it back
	 * (the thread sits in a read() system call). */
	int r15 = CHECK_OK(pt_process_reg_index(p, "r15"));
	uint64_t r15_orig = reg(t, "r15"), v = 0;
	set_reg(t, "r15", 0x1122334455667788ull);
	CHECK_OK(pt_thread_reg_get(t, r15, &v));
	CHECK_EQ_HEX(v, 0x1122334455667788ull);
	CHECK_OK(pt_thread_reg_set(t, r15, r15_orig));
	CHECK_EQ_HEX(reg(t, "r15"), r15_orig);

	/* Stop where get_value() returns, and make it return 1234. */
	uint64_t ret = sym("tracee", "get_value_ret");
	CHECK_OK(pt_breakpoint_add(p, ret));
	CHECK_OK(pt_continue(p));
	io_write(&io, "b\n");
	t = wait_bp(p, ret);
	CHECK_EQ_HEX(reg(t, "rax"), 42);
	set_reg(t, "rax", 1234);
	int rax = CHECK_OK(pt_process_reg_index(p, "rax"));
	CHECK_OK(pt_thread_reg_get(t, rax, &v));
	CHECK_EQ_HEX(v, 1234);

	/* Detach right there: the new value is what the program sees. */
	CHECK_OK(pt_detach(p));
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_DETACHED);
	io_expect_line(&io, "value 1234");
	check_untraced(io.pid);
	finish_counter(&io);
	pt_process_free(p);
	return TEST_PASS;
}

TEST(attach_detach_running)
{
	struct child_io io;
	spawn_counter(&io);

	pt_process *p = NULL;
	CHECK_OK(pt_attach(io.pid, &p));
	/* Breakpoints that the next input would hit, left in place. */
	CHECK_OK(pt_breakpoint_add(p, sym("tracee", "bp_func")));
	CHECK_OK(pt_breakpoint_add(p, sym("tracee", "get_value")));
	CHECK_OK(pt_continue(p));
	CHECK_ERR(pt_wait(p, 0), PT_ETIMEDOUT);
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_RUNNING);

	/* Detach from the running process. */
	CHECK_OK(pt_detach(p));
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_DETACHED);
	check_untraced(io.pid);
	finish_counter(&io);
	pt_process_free(p);
	return TEST_PASS;
}

TEST(free_attached_detaches)
{
	struct child_io io;
	spawn_counter(&io);
	pt_process *p = NULL;
	CHECK_OK(pt_attach(io.pid, &p));
	CHECK_OK(pt_breakpoint_add(p, sym("tracee", "get_value")));
	pt_process_free(p);
	check_untraced(io.pid);
	finish_counter(&io);
	return TEST_PASS;
}

TEST(attach_esrch)
{
	/* A pid that just died (and was reaped). */
	pid_t dead = fork();
	CHECK(dead >= 0);
	if (dead == 0)
		_exit(0);
	CHECK(waitpid(dead, NULL, 0) == dead);

	pt_process *p = NULL;
	CHECK_ERR(pt_attach(dead, &p), PT_ESRCH);
	CHECK(p == NULL);
	CHECKF(has_number(pt_errmsg(), dead),
	       "message does not name pid %d: \"%s\"", (int)dead, pt_errmsg());
	CHECK_STREQ(pt_err_name(PT_ESRCH), "PT_ESRCH");

	/* Ourselves: not allowed. */
	CHECK_ERR(pt_attach(getpid(), &p), PT_EINVAL);
	CHECK(p == NULL);
	return TEST_PASS;
}

TEST(attach_eperm)
{
	struct child_io io;
	spawn_target(&io, "tracee", ARGS("wait-stdin"));
	io_expect_line(&io, "waiting");
	CHECKF(getuid() == 0, "this test runs as root");

	fflush(NULL);
	pid_t sub = fork();
	CHECK(sub >= 0);
	if (sub == 0) {
		/* Become "nobody", then try to trace a root process. */
		CHECK(setgroups(0, NULL) == 0);
		CHECK(setresgid(65534, 65534, 65534) == 0);
		CHECK(setresuid(65534, 65534, 65534) == 0);
		pt_process *p = NULL;
		CHECK_ERR(pt_attach(io.pid, &p), PT_EPERM);
		CHECK(p == NULL);
		CHECKF(pt_errmsg()[0] != '\0', "empty pt_errmsg()");
		_exit(0);
	}
	int status;
	CHECK(waitpid(sub, &status, 0) == sub);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "unprivileged attach: subprocess wait status %#x", status);

	/* The target is untouched. */
	check_untraced(io.pid);
	io_write(&io, "x\n");
	io_expect_line(&io, "got x");
	io_expect_line(&io, "DONE");
	return TEST_PASS;
}

TEST(attach_etraced)
{
	struct child_io io;
	spawn_target(&io, "tracee", ARGS("wait-stdin"));
	io_expect_line(&io, "waiting");

	/* The second tracer is forked before this process uses proctrace, and
	 * attaches when told to. */
	int go[2], res[2];
	CHECK(pipe2(go, O_CLOEXEC) == 0 && pipe2(res, O_CLOEXEC) == 0);
	fflush(NULL);
	pid_t sub = fork();
	CHECK(sub >= 0);
	if (sub == 0) {
		close(go[1]);
		close(res[0]);
		char b;
		if (read(go[0], &b, 1) != 1)
			_exit(2);
		pt_process *p = NULL;
		int r = pt_attach(io.pid, &p);
		char msg[1024];
		snprintf(msg, sizeof msg, "%d %s", r, pt_errmsg());
		if (write(res[1], msg, strlen(msg)) < 0)
			_exit(3);
		_exit(0);
	}
	close(go[0]);
	close(res[1]);

	pt_process *p = NULL;
	CHECK_OK(pt_attach(io.pid, &p));
	pid_t tracer = proc_tracer(io.pid);
	CHECK(tracer > 0);
	CHECK(write(go[1], "g", 1) == 1);

	struct pollfd pfd = {.fd = res[0], .events = POLLIN};
	CHECKF(poll(&pfd, 1, WAIT_MS) == 1, "second tracer did not answer");
	char msg[1024];
	ssize_t n = read(res[0], msg, sizeof msg - 1);
	CHECK(n > 0);
	msg[n] = '\0';
	int status;
	CHECK(waitpid(sub, &status, 0) == sub);

	char *text = NULL;
	long r = strtol(msg, &text, 10);
	CHECKF(r == PT_ETRACED, "second attach: got %s, expected PT_ETRACED "
	       "(message: %s)", err_str((int)r), text);
	CHECKF(has_number(text, tracer) || has_number(text, getpid()),
	       "message does not name the tracer (TracerPid %d, pid %d): %s",
	       (int)tracer, (int)getpid(), text);

	/* The first tracer still owns it, and lets it go. */
	CHECK_EQ_INT(proc_tracer(io.pid), tracer);
	CHECK_OK(pt_detach(p));
	check_untraced(io.pid);
	io_write(&io, "x\n");
	io_expect_line(&io, "got x");
	io_expect_line(&io, "DONE");
	pt_process_free(p);
	return TEST_PASS;
}

/* Breakpoints leave no trace in the text once detached. */
TEST(detach_restores_text)
{
	struct child_io io;
	spawn_counter(&io);

	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)io.pid);
	int mem = open(path, O_RDONLY | O_CLOEXEC);
	CHECKF(mem >= 0, "open %s: %s", path, strerror(errno));
	const char *funcs[] = {"bp_func", "get_value"};
	unsigned char before[2][64], after[2][64];
	size_t len[2];
	for (int i = 0; i < 2; i++) {
		len[i] = sym_size("tracee", funcs[i]);
		CHECK(len[i] > 0 && len[i] <= sizeof before[i]);
		CHECK(proc_mem_read(mem, sym("tracee", funcs[i]), before[i],
				    len[i]) == (ssize_t)len[i]);
	}

	pt_process *p = NULL;
	CHECK_OK(pt_attach(io.pid, &p));
	const char *bps[] = {"bp_func", "bp_func_1", "bp_func_3", "get_value",
			     "get_value_ret"};
	for (int i = 0; i < 5; i++)
		CHECK_OK(pt_breakpoint_add(p, sym("tracee", bps[i])));
	CHECK_EQ_INT(pt_breakpoint_count(p), 5);

	/* One input line runs through all of them, in order. */
	CHECK_OK(pt_continue(p));
	io_write(&io, "b\n");
	for (int i = 0; i < 5; i++) {
		if (i > 0)
			CHECK_OK(pt_continue(p));
		pt_thread *t = wait_bp(p, sym("tracee", bps[i]));
		if (i == 0)
			CHECK_EQ_HEX(reg(t, "rdi"), 1);
	}
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "value 42");

	/* Detach while sitting on a breakpoint. */
	io_write(&io, "c\n");
	wait_bp(p, sym("tracee", "bp_func"));
	CHECK_OK(pt_detach(p));

	for (int i = 0; i < 2; i++) {
		CHECK(proc_mem_read(mem, sym("tracee", funcs[i]), after[i],
				    len[i]) == (ssize_t)len[i]);
		for (size_t j = 0; j < len[i]; j++)
			CHECKF(before[i][j] == after[i][j],
			       "%s+%zu: byte %#x before attach, %#x after "
			       "detach",
			       funcs[i], j, before[i][j], after[i][j]);
	}
	io_expect_line(&io, "value 42");
	check_untraced(io.pid);
	finish_counter(&io);
	close(mem);
	pt_process_free(p);
	return TEST_PASS;
}

/* Attach takes every thread of the process. */
TEST(attach_threads)
{
	enum { N = 3 };
	struct child_io io;
	spawn_target(&io, "tracee", ARGS("threads-wait:3"));
	io_expect_line(&io, "threads ready");

	pt_process *p = NULL;
	CHECK_OK(pt_attach(io.pid, &p));
	pt_thread *ts[8];
	size_t n = pt_process_threads(p, ts, 8);
	CHECKF(n == N + 1, "%zu threads, expected %d", n, N + 1);
	CHECK_EQ_INT(pt_thread_tid(ts[0]), io.pid);
	CHECK_EQ_INT(pt_process_threads(p, ts, 2), N + 1); /* count, not cap */
	n = pt_process_threads(p, ts, 8);
	for (size_t i = 0; i < n; i++) {
		pid_t tid = pt_thread_tid(ts[i]);
		pt_stop_cause c = cause_of(ts[i]);
		CHECKF(c.kind == PT_STOP_REQUESTED, "thread %d: %s", (int)tid,
		       cause_str(&c));
		CHECK(pt_process_thread(p, tid) == ts[i]);
		CHECK(pt_thread_process(ts[i]) == p);
		char st = task_state(io.pid, tid);
		CHECKF(st == 't', "thread %d in state '%c'", (int)tid, st);
		CHECK(pc_of(ts[i]) != 0);
		for (size_t j = 0; j < i; j++)
			CHECK(pt_thread_tid(ts[j]) != tid);
	}

	CHECK_OK(pt_detach(p));
	for (size_t i = 0; i < n; i++) {
		char st = task_state(io.pid, pt_thread_tid(ts[i]));
		CHECKF(st != 't' && st != 'T', "thread %d in state '%c'",
		       (int)pt_thread_tid(ts[i]), st);
	}
	io_write(&io, "go\n");
	io_expect_line(&io, "threads joined");
	io_expect_line(&io, "DONE");
	int status = io_reap(&io, WAIT_MS);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "wait status %#x", status);
	pt_process_free(p);
	return TEST_PASS;
}
