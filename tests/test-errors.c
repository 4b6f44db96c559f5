/*
 * test-errors.c - error codes and messages: NULL handles, wrong states,
 * breakpoint and register errors, calls after exit; printable forms.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"

/* r must be one of two codes. */
#define CHECK_ERR2(expr, c1, c2)                                               \
	do {                                                                   \
		int r__ = (expr);                                              \
		const char *m__ = last_errmsg();                               \
		CHECKF(r__ == (c1) || r__ == (c2),                             \
		       "%s: got %s, expected %s or %s; message: %s", #expr,    \
		       err_str(r__), pt_err_name(c1), pt_err_name(c2), m__);   \
	} while (0)

TEST(errors_null_handles)
{
	uint64_t v;
	size_t done;
	char buf[8];
	pt_stop_cause c = {.sz = sizeof c};

	CHECK_ERR(pt_continue(NULL), PT_EINVAL);
	CHECKF(pt_errmsg()[0] != '\0', "no message for pt_continue(NULL)");
	CHECK_ERR(pt_stop(NULL), PT_EINVAL);
	CHECK_ERR(pt_wait(NULL, 0), PT_EINVAL);
	CHECK_ERR(pt_detach(NULL), PT_EINVAL);
	CHECK_ERR(pt_kill(NULL), PT_EINVAL);
	CHECK_ERR(pt_process_exit(NULL, NULL, NULL), PT_EINVAL);
	CHECK_ERR(pt_process_set_events(NULL, PT_EVENT_ALL), PT_EINVAL);
	CHECK_ERR(pt_process_event_fd(NULL), PT_EINVAL);
	CHECK_ERR(pt_breakpoint_add(NULL, 0x401000), PT_EINVAL);
	CHECK_ERR(pt_breakpoint_remove(NULL, 0x401000), PT_EINVAL);
	CHECK_ERR(pt_mem_read(NULL, 0x401000, buf, 1, &done), PT_EINVAL);
	CHECK_ERR(pt_mem_write(NULL, 0x401000, buf, 1, &done), PT_EINVAL);
	CHECK_ERR(pt_process_reg_index(NULL, "rip"), PT_EINVAL);
	CHECK_ERR(pt_thread_step(NULL), PT_EINVAL);
	CHECK_ERR(pt_thread_stop_cause(NULL, &c), PT_EINVAL);
	CHECK_ERR(pt_thread_signal(NULL), PT_EINVAL);
	CHECK_ERR(pt_thread_set_signal(NULL, 0), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_get(NULL, 0, &v), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_set(NULL, 0, 0), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_get_name(NULL, "rip", &v), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_set_name(NULL, "rip", 0), PT_EINVAL);
	CHECK_ERR(pt_thread_pc(NULL, &v), PT_EINVAL);
	CHECK_ERR(pt_thread_set_pc(NULL, 0), PT_EINVAL);
	CHECK_ERR(pt_thread_sp(NULL, &v), PT_EINVAL);
	CHECK_ERR(pt_thread_set_sp(NULL, 0), PT_EINVAL);
	pt_process_free(NULL);

	/* Launch and attach without their required arguments. */
	char *argv[] = {"tracee", NULL};
	pt_process *p = NULL;
	CHECK_ERR(pt_launch(NULL, argv, NULL, &p), PT_EINVAL);
	CHECK_ERR(pt_launch(target_path("tracee"), argv, NULL, NULL),
		  PT_EINVAL);
	CHECK(p == NULL);
	CHECKF(count_children() == 0, "a child process was left behind");
	struct child_io io;
	spawn_target(&io, "tracee", ARGS("wait-stdin"));
	io_expect_line(&io, "waiting");
	CHECK_ERR(pt_attach(io.pid, NULL), PT_EINVAL);
	CHECKF(proc_tracer(io.pid) == 0, "the process was attached to");

	/* Error names and texts for all codes, and for other errno values. */
	CHECK_STREQ(pt_err_name(PT_ESTATE), "PT_ESTATE");
	CHECK_STREQ(pt_err_name(PT_EDETACHED), "PT_EDETACHED");
	CHECK_STREQ(pt_err_name(-ENOEXEC), "ENOEXEC");
	CHECK(pt_strerror(-ENOEXEC) != NULL && pt_strerror(-ENOEXEC)[0]);
	CHECK(pt_strerror(-99999) != NULL);
	CHECK(pt_err_name(-99999) != NULL);
#define CHECK_TEXT(name, value, desc)                                          \
	CHECK_STREQ(pt_strerror(name), desc);                                  \
	CHECK_STREQ(pt_err_name(name), #name);
	PT_ERROR_LIST(CHECK_TEXT)
#undef CHECK_TEXT
	return TEST_PASS;
}

TEST(errors_running_state)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("spin"));
	pt_thread *t = only_thread(p);
	pid_t tid = pt_thread_tid(t);
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "spinning");

	CHECK_ERR(pt_continue(p), PT_ESTATE);
	CHECK_ERR(pt_thread_step(t), PT_ESTATE);
	/* "thread 4242: cannot single-step: it is running" */
	const char *msg = pt_errmsg();
	CHECKF(has_number(msg, tid) && strstr(msg, "running") != NULL,
	       "message for a step of running thread %d: \"%s\"", (int)tid,
	       msg);
	CHECK_ERR(pt_wait(p, 0), PT_ETIMEDOUT);
	CHECK_ERR(pt_wait(p, 20), PT_ETIMEDOUT);
	pt_stop_cause c = {.sz = sizeof c};
	CHECK_ERR(pt_thread_stop_cause(t, &c), PT_ESTATE);
	CHECK_ERR(pt_breakpoint_add(p, sym("tracee", "bp_func")), PT_ESTATE);
	CHECK_EQ_INT(pt_breakpoint_count(p), 0);
	CHECK_ERR(pt_thread_set_signal(t, 0), PT_ESTATE);
	uint64_t v;
	CHECK_ERR(pt_thread_reg_get_name(t, "rip", &v), PT_ESTATE);
	CHECK_ERR(pt_thread_set_pc(t, 0x401000), PT_ESTATE);
	CHECK_ERR(pt_process_exit(p, NULL, NULL), PT_ESTATE);
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_RUNNING);

	/* Memory can be read while running. */
	CHECK_OK(pt_mem_read(p, sym("tracee", "spin_counter"), &v, sizeof v,
			     NULL));

	/* Once stopped, the same calls work. */
	CHECK_OK(pt_stop(p));
	CHECK_OK(pt_thread_stop_cause(t, &c));
	CHECK_OK(pt_thread_reg_get_name(t, "rip", &v));
	CHECK_OK(pt_thread_step(t));
	wait_event(p, PT_STOP_STEP, &c);
	CHECK_OK(pt_kill(p));
	pt_process_free(p);
	return TEST_PASS;
}

TEST(errors_breakpoints)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("loop:2"));
	uint64_t f = sym("tracee", "bp_func");

	CHECK_OK(pt_breakpoint_add(p, f));
	CHECK_ERR(pt_breakpoint_add(p, f), PT_EBPEXIST);
	CHECK_EQ_INT(pt_breakpoint_count(p), 1);
	CHECK_ERR(pt_breakpoint_remove(p, f + 1), PT_ENOBP);
	CHECK_OK(pt_breakpoint_remove(p, f));
	CHECK_ERR(pt_breakpoint_remove(p, f), PT_ENOBP);
	CHECK_EQ_INT(pt_breakpoint_count(p), 0);

	/* Addresses that cannot be written. */
	CHECK_ERR2(pt_breakpoint_add(p, 0x10), PT_EFAULT, PT_EIO);
	CHECK_ERR2(pt_breakpoint_add(p, 0xffffffffff600000ull), PT_EFAULT,
		   PT_EIO);
	CHECK_ERR2(pt_breakpoint_add(p, 0xffff800000001000ull), PT_EFAULT,
		   PT_EIO);
	CHECK_EQ_INT(pt_breakpoint_count(p), 0);
	CHECK_ERR(pt_breakpoint_remove(p, 0x10), PT_ENOBP);

	/* Nothing was left in the text: the program runs normally. */
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "sum 4\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

TEST(errors_registers)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("exit:0"));
	pt_thread *t = only_thread(p);
	uint64_t v = 0;

	CHECK_ERR(pt_process_reg_index(p, "nosuchreg"), PT_ENOREG);
	CHECK_ERR(pt_process_reg_index(p, ""), PT_ENOREG);
	CHECK_ERR(pt_process_reg_index(p, "RIP "), PT_ENOREG);
	CHECK_ERR(pt_thread_reg_get_name(t, "nosuchreg", &v), PT_ENOREG);
	CHECK_ERR(pt_thread_reg_set_name(t, "nosuchreg", 1), PT_ENOREG);

	int n = pt_process_reg_count(p);
	CHECKF(n >= 17, "only %d registers", n);
	CHECK(pt_process_reg_info(p, n) == NULL);
	CHECK(pt_process_reg_info(p, -1) == NULL);
	CHECK_ERR2(pt_thread_reg_get(t, n, &v), PT_ENOREG, PT_EINVAL);
	CHECK_ERR2(pt_thread_reg_get(t, -1, &v), PT_ENOREG, PT_EINVAL);
	CHECK_ERR2(pt_thread_reg_set(t, n, 0), PT_ENOREG, PT_EINVAL);

	/* The table: unique names, sizes, exactly one PC and one SP. */
	int pcs = 0, sps = 0, narrow = -1;
	for (int i = 0; i < n; i++) {
		const pt_reg_info *ri = pt_process_reg_info(p, i);
		CHECKF(ri != NULL && ri->name != NULL && ri->name[0],
		       "register %d has no name", i);
		CHECKF(pt_process_reg_index(p, ri->name) == i,
		       "register %d (%s): index by name is %d", i, ri->name,
		       pt_process_reg_index(p, ri->name));
		CHECKF(ri->size >= 1 && ri->size <= 64, "%s: size %u",
		       ri->name, ri->size);
		pcs += ri->role == PT_ROLE_PC;
		sps += ri->role == PT_ROLE_SP;
		if (narrow < 0 && ri->set == 0 && ri->size < 8 &&
		    ri->type == PT_REGTYPE_INT)
			narrow = i;
	}
	CHECK_EQ_INT(pcs, 1);
	CHECK_EQ_INT(sps, 1);
	static const char *const gprs[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8",
		"r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip"};
	for (size_t i = 0; i < sizeof gprs / sizeof gprs[0]; i++) {
		int idx = pt_process_reg_index(p, gprs[i]);
		CHECKF(idx >= 0, "no register %s: %s", gprs[i], err_str(idx));
		CHECK_EQ_INT(pt_process_reg_info(p, idx)->size, 8);
	}

	/* A value too wide for a narrow register is refused. */
	if (narrow >= 0) {
		const pt_reg_info *ri = pt_process_reg_info(p, narrow);
		uint64_t old = 0, now = 0;
		CHECK_OK(pt_thread_reg_get(t, narrow, &old));
		CHECKF(pt_thread_reg_set(t, narrow, 1ull << (ri->size * 8)) ==
			       PT_EINVAL,
		       "setting %u-byte register %s to 2^%u: not PT_EINVAL",
		       ri->size, ri->name, ri->size * 8);
		CHECK_OK(pt_thread_reg_get(t, narrow, &now));
		CHECK_EQ_HEX(now, old);
	}

	/* PC and SP helpers match the registers they stand for. */
	uint64_t pc = pc_of(t), sp = 0;
	CHECK_OK(pt_thread_sp(t, &sp));
	CHECK_EQ_HEX(reg(t, "rip"), pc);
	CHECK_EQ_HEX(reg(t, "rsp"), sp);
	CHECK_OK(pt_thread_set_pc(t, pc + 1));
	CHECK_EQ_HEX(reg(t, "rip"), pc + 1);
	CHECK_OK(pt_thread_set_sp(t, sp - 8));
	CHECK_EQ_HEX(reg(t, "rsp"), sp - 8);
	CHECK_OK(pt_thread_set_pc(t, pc));
	CHECK_OK(pt_thread_set_sp(t, sp));
	CHECK_EQ_HEX(pc_of(t), pc);

	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	pt_process_free(p);
	return TEST_PASS;
}

TEST(errors_after_exit)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("exit:4"));
	pt_thread *t = only_thread(p);
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 4);

	uint64_t v;
	char buf[4];
	CHECK_ERR2(pt_continue(p), PT_EEXITED, PT_ESTATE);
	CHECK_ERR(pt_stop(p), PT_EEXITED);
	CHECK_OK(pt_wait(p, 0));
	CHECK_OK(pt_wait(p, -1));
	CHECK_ERR(pt_thread_step(t), PT_EEXITED);
	CHECK_ERR(pt_thread_reg_get_name(t, "rip", &v), PT_EEXITED);
	CHECK_ERR(pt_thread_set_signal(t, 0), PT_EEXITED);
	CHECK_ERR2(pt_breakpoint_add(p, sym("tracee", "bp_func")), PT_EEXITED,
		   PT_ESTATE);
	CHECKF(pt_mem_read(p, sym("tracee", "bp_func"), buf, 1, NULL) < 0,
	       "memory read after exit succeeded");
	CHECK_ERR2(pt_detach(p), PT_EEXITED, PT_ESTATE);
	int r = pt_kill(p);
	CHECKF(r == 0 || r == PT_EEXITED, "pt_kill after exit: %s",
	       err_str(r));

	/* The exit status is unchanged by all that. */
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_EXITED);
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(code, 4);
	CHECK_EQ_INT(sig, 0);
	pt_process_free(p);
	return TEST_PASS;
}

static const char *format(const pt_stop_cause *c)
{
	static char buf[256];
	int n = pt_stop_cause_format(c, buf, sizeof buf);
	CHECKF(n > 0 && (size_t)n == strlen(buf),
	       "pt_stop_cause_format returned %d for \"%s\"", n, buf);
	return buf;
}

#define CHECK_HAS(text, part)                                                  \
	CHECKF(strstr((text), (part)) != NULL, "\"%s\" lacks \"%s\"", (text),  \
	       (part))

TEST(format_stop_cause)
{
	pt_stop_cause c;
	memset(&c, 0, sizeof c);
	c.sz = sizeof c;

	c.kind = PT_STOP_BREAKPOINT;
	c.addr = 0x401136;
	const char *s = format(&c);
	CHECK_HAS(s, "breakpoint");
	CHECK_HAS(s, "0x401136");

	memset(&c, 0, sizeof c);
	c.sz = sizeof c;
	c.kind = PT_STOP_SIGNAL;
	c.signo = SIGSEGV;
	c.code = SEGV_MAPERR;
	c.addr = 0x1234;
	s = format(&c);
	CHECK_HAS(s, "SIGSEGV");
	CHECK_HAS(s, "0x1234");

	memset(&c, 0, sizeof c);
	c.sz = sizeof c;
	c.kind = PT_STOP_THREAD_EXIT;
	c.status = 3;
	s = format(&c);
	CHECK_HAS(s, "exit");
	CHECKF(has_number(s, 3), "\"%s\" lacks the status 3", s);

	c.kind = PT_STOP_EXITED;
	c.status = 0;
	c.signo = SIGKILL;
	s = format(&c);
	CHECK_HAS(s, "SIGKILL");

	memset(&c, 0, sizeof c);
	c.sz = sizeof c;
	c.kind = PT_STOP_THREAD_CREATE;
	c.pid = 4243;
	s = format(&c);
	CHECKF(has_number(s, 4243), "\"%s\" lacks the new tid 4243", s);

	/* snprintf semantics: truncated, NUL-terminated, full length back. */
	c.kind = PT_STOP_BREAKPOINT;
	c.addr = 0x401136;
	char full[256], small[6];
	int n = pt_stop_cause_format(&c, full, sizeof full);
	memset(small, 'x', sizeof small);
	CHECK_EQ_INT(pt_stop_cause_format(&c, small, sizeof small), n);
	CHECK_EQ_INT(strlen(small), sizeof small - 1);
	CHECK(strncmp(small, full, sizeof small - 1) == 0);
	CHECK_EQ_INT(pt_stop_cause_format(&c, NULL, 0), n);

	/* Every kind and state has a distinct name. */
	for (int k = PT_STOP_NONE; k <= PT_STOP_EXITED; k++) {
		memset(&c, 0, sizeof c);
		c.sz = sizeof c;
		c.kind = (pt_stop_kind)k;
		format(&c);
		const char *name = pt_stop_kind_name((pt_stop_kind)k);
		CHECK(name != NULL && name[0]);
		for (int j = PT_STOP_NONE; j < k; j++)
			CHECK(strcmp(name, pt_stop_kind_name((pt_stop_kind)j)));
	}
	for (int st = PT_PROC_RUNNING; st <= PT_PROC_DETACHED; st++) {
		const char *name = pt_proc_state_name((pt_proc_state)st);
		CHECK(name != NULL && name[0]);
		for (int j = PT_PROC_RUNNING; j < st; j++)
			CHECK(strcmp(name, pt_proc_state_name((pt_proc_state)j)));
	}
	return TEST_PASS;
}

TEST(signal_names)
{
	CHECK_STREQ(pt_signal_name(SIGSEGV), "SIGSEGV");
	CHECK_STREQ(pt_signal_name(SIGKILL), "SIGKILL");
	CHECK_STREQ(pt_signal_name(SIGUSR1), "SIGUSR1");
	CHECK_STREQ(pt_signal_name(SIGTRAP), "SIGTRAP");
	CHECK_STREQ(pt_signal_name(SIGCHLD), "SIGCHLD");
	CHECK_STREQ(pt_signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
	CHECK(pt_signal_name(0) == NULL);
	CHECK(pt_signal_name(65) == NULL);
	CHECK(pt_signal_name(-1) == NULL);
	for (int s = 1; s <= 64; s++) {
		const char *name = pt_signal_name(s);
		CHECKF(name != NULL && strncmp(name, "SIG", 3) == 0,
		       "pt_signal_name(%d) = %s", s, name ? name : "NULL");
	}
	return TEST_PASS;
}
