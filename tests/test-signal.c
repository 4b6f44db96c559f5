/*
 * test-signal.c - signal stops: delivery, suppression, change, the sender,
 * fault addresses, the program's own int3, stepping into a handler.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"

/* Launch `handlers raise-usr1` and run to the SIGUSR1 stop. */
static pt_process *stop_at_sigusr1(struct child_io *io, pt_thread **tp)
{
	pt_process *p =
		launch_target(io, "tracee", ARGS("handlers", "raise-usr1"));
	pt_stop_cause c;
	pt_thread *t = continue_until(p, PT_STOP_SIGNAL, &c);
	CHECKF(c.signo == SIGUSR1, "expected SIGUSR1: %s", cause_str(&c));
	CHECKF(c.code == SI_TKILL, "raise() should give si_code SI_TKILL: %s",
	       cause_str(&c));
	CHECK_EQ_INT(c.pid, pt_process_pid(p));
	CHECK_EQ_INT(pt_thread_signal(t), SIGUSR1);
	*tp = t;
	return p;
}

TEST(signal_delivered)
{
	struct child_io io;
	pt_thread *t;
	pt_process *p = stop_at_sigusr1(&io, &t);
	run_to_end(p, &io, "handled SIGUSR1\nraised\nDONE\n");
	return TEST_PASS;
}

TEST(signal_suppressed)
{
	struct child_io io;
	pt_thread *t;
	pt_process *p = stop_at_sigusr1(&io, &t);
	CHECK_OK(pt_thread_set_signal(t, 0));
	CHECK_EQ_INT(pt_thread_signal(t), 0);
	run_to_end(p, &io, "raised\nDONE\n");
	return TEST_PASS;
}

TEST(signal_changed)
{
	struct child_io io;
	pt_thread *t;
	pt_process *p = stop_at_sigusr1(&io, &t);
	CHECK_OK(pt_thread_set_signal(t, SIGUSR2));
	CHECK_EQ_INT(pt_thread_signal(t), SIGUSR2);
	CHECK_ERR(pt_thread_set_signal(t, 65), PT_EINVAL);
	CHECK_ERR(pt_thread_set_signal(t, -1), PT_EINVAL);
	CHECK_EQ_INT(pt_thread_signal(t), SIGUSR2);
	run_to_end(p, &io, "handled SIGUSR2\nraised\nDONE\n");
	return TEST_PASS;
}

/* A signal sent by another process names its sender. */
TEST(signal_sender)
{
	struct child_io io;
	pt_process *p =
		launch_target(&io, "tracee", ARGS("handlers", "wait-stdin"));
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "waiting");
	CHECK(kill(pt_process_pid(p), SIGUSR1) == 0);

	pt_stop_cause c;
	pt_thread *t = wait_event(p, PT_STOP_SIGNAL, &c);
	CHECKF(c.signo == SIGUSR1 && c.code == SI_USER && c.pid == getpid(),
	       "expected SIGUSR1 from kill() by %d: %s", (int)getpid(),
	       cause_str(&c));
	CHECK_EQ_INT(pt_thread_signal(t), SIGUSR1);
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "handled SIGUSR1");
	io_write(&io, "x\n");
	io_expect_line(&io, "got x");
	run_to_end(p, &io, "DONE\n");
	return TEST_PASS;
}

TEST(signal_segv_addr)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("segv"));
	pt_stop_cause c;
	pt_thread *t = continue_until(p, PT_STOP_SIGNAL, &c);
	CHECKF(c.signo == SIGSEGV && c.addr == 0x1234 && c.code == SEGV_MAPERR,
	       "expected SIGSEGV (SEGV_MAPERR) at 0x1234: %s", cause_str(&c));
	CHECK_EQ_INT(pt_thread_signal(t), SIGSEGV);
	char text[128];
	pt_stop_cause_format(&c, text, sizeof text);
	CHECKF(strstr(text, "SIGSEGV") && strstr(text, "0x1234"),
	       "formatted: \"%s\"", text);

	/* Delivered on continue: the default action kills it. */
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, -1);
	CHECK_EQ_INT(sig, SIGSEGV);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "");
	pt_process_free(p);
	return TEST_PASS;
}

/* An int3 compiled into the program is a SIGTRAP, not our breakpoint. */
TEST(signal_program_int3)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("handlers", "int3"));
	pt_stop_cause c;
	CHECK_OK(pt_continue(p));
	wait_stopped(p);
	pt_thread *t = pt_process_event_thread(p);
	CHECK(t != NULL);
	c = cause_of(t);
	CHECKF(c.kind == PT_STOP_SIGNAL && c.signo == SIGTRAP,
	       "expected a SIGTRAP signal stop: %s", cause_str(&c));
	/* The PC is after the int3, as the program will see it. */
	CHECK_EQ_HEX(pc_of(t), sym("tracee", "program_int3_after"));
	CHECK_EQ_INT(pt_thread_signal(t), SIGTRAP);
	run_to_end(p, &io, "handled SIGTRAP\nafter int3\nDONE\n");
	return TEST_PASS;
}

/* Stepping with a pending signal ends on the handler's first instruction. */
TEST(step_into_handler)
{
	struct child_io io;
	pt_thread *t;
	pt_process *p = stop_at_sigusr1(&io, &t);
	CHECK_OK(pt_thread_step(t));
	wait_stopped(p);
	CHECK(pt_process_event_thread(p) == t);
	pt_stop_cause c = cause_of(t);
	uint64_t handler = sym("tracee", "on_signal"), pc = pc_of(t);
	CHECKF(c.kind == PT_STOP_STEP,
	       "expected a step stop, got %s, with the PC at %#llx (%s)",
	       cause_str(&c), (unsigned long long)pc,
	       pc == handler ? "the handler's first instruction"
			     : "not the handler");
	CHECK_EQ_HEX(pc, handler);
	CHECK_EQ_INT(reg(t, "rdi"), SIGUSR1);
	CHECK_EQ_INT(pt_thread_signal(t), 0);
	run_to_end(p, &io, "handled SIGUSR1\nraised\nDONE\n");
	return TEST_PASS;
}

/* Detach lets the thread go with the signal it stopped with, or none. */
TEST(detach_delivers_signal)
{
	struct child_io io;
	pt_thread *t;
	pt_process *p = stop_at_sigusr1(&io, &t);
	CHECK_OK(pt_detach(p));
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "handled SIGUSR1\nraised\nDONE\n");
	int status = io_reap(&io, WAIT_MS);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "wait status %#x", status);
	pt_process_free(p);
	io_close(&io);

	p = stop_at_sigusr1(&io, &t);
	CHECK_OK(pt_thread_set_signal(t, 0));
	CHECK_OK(pt_detach(p));
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "raised\nDONE\n");
	status = io_reap(&io, WAIT_MS);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "wait status %#x", status);
	pt_process_free(p);
	return TEST_PASS;
}

/* SIGSTOP from outside: first the signal, then, when delivered, the
 * job-control stop; continuing resumes the program. */
TEST(group_stop)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("wait-stdin"));
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "waiting");
	CHECK(kill(pt_process_pid(p), SIGSTOP) == 0);

	pt_stop_cause c;
	wait_event(p, PT_STOP_SIGNAL, &c);
	CHECKF(c.signo == SIGSTOP && c.code == SI_USER && c.pid == getpid(),
	       "expected SIGSTOP from %d: %s", (int)getpid(), cause_str(&c));
	continue_until(p, PT_STOP_GROUP, &c);
	CHECKF(c.signo == SIGSTOP, "group stop: %s", cause_str(&c));
	CHECKF(proc_state(pt_process_pid(p)) == 't',
	       "process in state '%c' at a group stop",
	       proc_state(pt_process_pid(p)));
	/* Job control holds: continuing leaves it stopped (PTRACE_LISTEN),
	 * as it would be untraced, until a SIGCONT. */
	CHECK_OK(pt_continue(p));
	CHECK_EQ_INT(pt_wait(p, 0), PT_ETIMEDOUT);
	CHECKF(proc_state(pt_process_pid(p)) == 't' ||
		       proc_state(pt_process_pid(p)) == 'T',
	       "process in state '%c' after continue from a group stop",
	       proc_state(pt_process_pid(p)));
	CHECK(kill(pt_process_pid(p), SIGCONT) == 0);
	wait_event(p, PT_STOP_SIGNAL, &c);
	CHECKF(c.signo == SIGCONT, "after SIGCONT: %s", cause_str(&c));
	CHECK_OK(pt_continue(p));
	io_write(&io, "x\n");
	io_expect_line(&io, "got x");
	run_to_end(p, &io, "DONE\n");
	io_close(&io);

	/* Suppressed: no job-control stop at all. */
	p = launch_target(&io, "tracee", ARGS("wait-stdin"));
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "waiting");
	CHECK(kill(pt_process_pid(p), SIGSTOP) == 0);
	pt_thread *t = wait_event(p, PT_STOP_SIGNAL, &c);
	CHECK_EQ_INT(c.signo, SIGSTOP);
	CHECK_OK(pt_thread_set_signal(t, 0));
	CHECK_OK(pt_continue(p));
	io_write(&io, "y\n");
	io_expect_line(&io, "got y");
	run_to_end(p, &io, "DONE\n");
	return TEST_PASS;
}
