/*
 * test-ontracer.c - pt_call_on_tracer: the application's code run on the
 * tracer thread, where proctrace calls run in place and pt_wait waits in
 * waitpid itself.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

struct bp_job {
	uint64_t bp;
	pid_t caller_tid, ran_tid;
	int hits;
};

static int bp_loop(pt_process *p, void *arg)
{
	struct bp_job *j = arg;
	j->ran_tid = gettid_();
	for (; j->hits < 5; j->hits++) {
		pt_thread *t = continue_to_bp(p, j->bp); /* in place, here */
		CHECK_EQ_INT(reg(t, "rdi"), j->hits);
	}
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_EQ_INT(sig, 0);
	return 1000 + j->hits;
}

/* The breakpoint loop of bp_loop_count, run on the tracer thread. */
TEST(ontracer_bp_loop)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("loop:5"));
	struct bp_job j = { .bp = sym("tracee", "bp_func"),
			    .caller_tid = gettid_() };
	CHECK_OK(pt_breakpoint_add(p, j.bp));
	CHECK_EQ_INT(pt_call_on_tracer(p, bp_loop, &j), 1005);
	CHECK_EQ_INT(j.hits, 5);
	CHECKF(j.ran_tid != j.caller_tid && j.ran_tid > 0,
	       "fn ran on thread %d, the caller is %d", (int)j.ran_tid,
	       (int)j.caller_tid);
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_EXITED);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "sum 25\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

struct step_job {
	pt_thread *t;
	uint64_t want[3];
};

static int step3(pt_process *p, void *arg)
{
	struct step_job *j = arg;
	for (int i = 0; i < 3; i++) {
		CHECK_OK(pt_thread_step(j->t));
		pt_stop_cause c;
		wait_event(p, PT_STOP_STEP, &c);
		CHECK_EQ_HEX(pc_of(j->t), j->want[i]);
	}
	/* the same thread's registers, read and written in place */
	CHECK_EQ_INT(reg(j->t, "rax"), 3);
	return 0;
}

TEST(ontracer_step)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("step-seq"));
	uint64_t start = sym("tracee", "step_seq");
	CHECK_OK(pt_breakpoint_add(p, start));
	struct step_job j = { .t = continue_to_bp(p, start),
			      .want = { sym("tracee", "step_seq_1"),
					sym("tracee", "step_seq_2"),
					sym("tracee", "step_seq_3") } };
	CHECK_OK(pt_call_on_tracer(p, step3, &j));
	/* and from the application's thread again afterwards */
	CHECK_OK(pt_thread_step(j.t));
	pt_stop_cause c;
	wait_event(p, PT_STOP_STEP, &c);
	CHECK_EQ_HEX(pc_of(j.t), sym("tracee", "step_seq_4"));
	pt_process_free(p);
	return TEST_PASS;
}

struct spin_job {
	uint64_t counter;
	uint64_t seen;
};

static int spin_timeouts(pt_process *p, void *arg)
{
	struct spin_job *j = arg;
	CHECK_OK(pt_continue(p));
	CHECK_ERR(pt_wait(p, 0), PT_ETIMEDOUT);
	/* a finite timeout on the tracer thread: the doorbell's alarm ends
	 * the waitpid (without it this would hang until the runner's
	 * timeout) */
	CHECK_ERR(pt_wait(p, 30), PT_ETIMEDOUT);
	CHECK_ERR(pt_wait(p, 1), PT_ETIMEDOUT);
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_RUNNING);
	/* memory of the running process, read from the tracer thread */
	CHECK_OK(pt_mem_read(p, j->counter, &j->seen, sizeof j->seen, NULL));
	/* stopping needs the pump too */
	CHECK_OK(pt_stop(p));
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
	uint64_t v = 0;
	CHECK_OK(pt_mem_read(p, j->counter, &v, sizeof v, NULL));
	CHECK(v >= j->seen);
	j->seen = v;
	return 0;
}

TEST(ontracer_wait_timeout_stop)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("spin"));
	struct spin_job j = { .counter = sym("tracee", "spin_counter") };
	CHECK_OK(pt_call_on_tracer(p, spin_timeouts, &j));
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_STOPPED);
	uint64_t v = 0;
	CHECK_OK(pt_mem_read(p, j.counter, &v, sizeof v, NULL));
	CHECK_EQ_INT(v, j.seen); /* still stopped: the counter did not move */
	pt_process_free(p);
	return TEST_PASS;
}

struct other_stop {
	pt_process *p;
	int wait_result;
	pt_proc_state state_after;
};

static int wait_forever(pt_process *p, void *arg)
{
	struct other_stop *o = arg;
	CHECK_OK(pt_continue(p));
	o->wait_result = pt_wait(p, -1); /* ended by pt_stop from main */
	o->state_after = pt_process_state(p);
	return 0;
}

static void *call_thread(void *arg)
{
	struct other_stop *o = arg;
	CHECK_OK(pt_call_on_tracer(o->p, wait_forever, o));
	return NULL;
}

/* Launch the spinning tracee and, from a second thread, have fn continue
 * it and wait for ever: returns once the tracee runs. */
static void start_waiting_fn(struct other_stop *o, struct child_io *io,
			     pthread_t *th)
{
	o->p = launch_target(io, "tracee", ARGS("spin"));
	o->wait_result = 1;
	CHECK(pthread_create(th, NULL, call_thread, o) == 0);
	io_expect_line(io, "spinning"); /* fn has continued the process */
}

/* Join that thread: fn's pt_wait must have returned 0 with the process
 * in state want. */
static void end_waiting_fn(struct other_stop *o, pthread_t th,
			   pt_proc_state want)
{
	CHECK(pthread_join(th, NULL) == 0);
	CHECK_EQ_INT(o->wait_result, 0);
	CHECK_EQ_INT(o->state_after, want);
}

/* A pt_wait(-1) in fn ends when another application thread stops the
 * process: its request reaches the tracer thread while fn waits. */
TEST(ontracer_stop_from_other_thread)
{
	struct child_io io;
	struct other_stop o;
	pthread_t th;
	start_waiting_fn(&o, &io, &th);
	pt_process *p = o.p;
	CHECK_OK(pt_stop(p));
	end_waiting_fn(&o, th, PT_PROC_STOPPED);
	pt_thread *t = only_thread(p);
	CHECK_EQ_INT(cause_of(t).kind, PT_STOP_REQUESTED);
	pt_process_free(p);
	return TEST_PASS;
}

static int inner(pt_process *p, void *arg)
{
	(void)p;
	*(pid_t *)arg = gettid_();
	return 42;
}

static int outer(pt_process *p, void *arg)
{
	pid_t *tids = arg;
	tids[0] = gettid_();
	int r = pt_call_on_tracer(p, inner, &tids[1]);
	CHECK_EQ_INT(r, 42);
	pt_process_free(p); /* allowed: fn may free p */
	return 7;
}

TEST(ontracer_nested_free_errors)
{
	CHECK_ERR(pt_call_on_tracer(NULL, inner, NULL), PT_EINVAL);
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("spin"));
	CHECK_ERR(pt_call_on_tracer(p, NULL, NULL), PT_EINVAL);
	CHECKF(strstr(last_errmsg(), "no function") != NULL, "message: %s",
	       last_errmsg());
	pid_t tids[2] = { 0, 0 };
	CHECK_EQ_INT(pt_call_on_tracer(p, outer, tids), 7);
	CHECK(tids[0] > 0 && tids[0] == tids[1] && tids[0] != gettid_());
	/* p was launched, so freeing it killed it: stdout reaches EOF */
	io_read_all(&io, WAIT_MS);
	CHECK_EQ_INT(count_children(), 0);
	return TEST_PASS;
}

static int stop_it(pt_process *p, void *arg)
{
	(void)arg;
	CHECK_OK(pt_stop(p)); /* on the tracer thread too, nested */
	return 5;
}

struct second_call {
	pt_process *p;
	int result;
};

static void *second_caller(void *arg)
{
	struct second_call *s = arg;
	s->result = pt_call_on_tracer(s->p, stop_it, NULL);
	return NULL;
}

/* Another thread's pt_call_on_tracer runs inside fn's pt_wait, and the
 * stop it makes ends that wait. */
TEST(ontracer_call_from_other_thread)
{
	struct child_io io;
	struct other_stop o;
	pthread_t th1, th2;
	start_waiting_fn(&o, &io, &th1);
	struct second_call s = { .p = o.p, .result = -1 };
	CHECK(pthread_create(&th2, NULL, second_caller, &s) == 0);
	CHECK(pthread_join(th2, NULL) == 0);
	end_waiting_fn(&o, th1, PT_PROC_STOPPED);
	CHECK_EQ_INT(s.result, 5);
	pt_process_free(o.p);
	return TEST_PASS;
}

/* The tracee is killed from outside while fn waits for it: fn's pt_wait
 * returns with the process exited, and nothing is left behind. */
TEST(ontracer_tracee_killed)
{
	struct child_io io;
	struct other_stop o;
	pthread_t th;
	start_waiting_fn(&o, &io, &th);
	pt_process *p = o.p;
	CHECK(kill(pt_process_pid(p), SIGKILL) == 0);
	end_waiting_fn(&o, th, PT_PROC_EXITED);
	int code = -1, sig = -1;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(sig, SIGKILL);
	pt_process_free(p);
	CHECK_EQ_INT(count_children(), 0);
	return TEST_PASS;
}

/* ---- pt_tracer_run: the calling thread lent as the tracer thread ------------ */

struct lend_job {
	pid_t lender_tid, fn_tid;
	pid_t tracer[2], ppid[2];
	uint64_t sp;
};

/* Two programs launched from fn, on another thread than the lender: both
 * are traced by the lending thread (TracerPid), and run to their end. */
static int lend_fn(void *arg)
{
	struct lend_job *j = arg;
	j->fn_tid = gettid_();
	struct child_io io[2];
	pt_process *p[2];
	for (int i = 0; i < 2; i++) {
		p[i] = launch_target(&io[i], "tracee", ARGS("getppid", "sync"));
		j->tracer[i] = proc_tracer(pt_process_pid(p[i]));
		CHECK_OK(pt_breakpoint_add(p[i], j->sp));
	}
	for (int i = 0; i < 2; i++) {
		continue_to_bp(p[i], j->sp);
		char line[64];
		CHECK(io_read_line(&io[i], line, sizeof line, WAIT_MS) == 1);
		CHECKF(sscanf(line, "ppid %d", &j->ppid[i]) == 1, "target: %s",
		       line);
		int code = -2, sig = -2;
		run_to_exit(p[i], &code, &sig);
		CHECK_EQ_INT(code, 0);
		pt_process_free(p[i]);
		io_close(&io[i]);
	}
	return 77;
}

/* Called from the test process's main thread, pt_tracer_run makes that
 * thread the tracer: TracerPid is the test's pid, the programs' parent
 * too, as with gdb or gdbserver; fn ran on a thread of its own; the
 * caller's signal mask is back afterwards. */
TEST(tracer_run_lent_thread)
{
	struct lend_job j = { .lender_tid = gettid_(),
			      .sp = sym("tracee", "sync_point") };
	CHECK_EQ_INT(j.lender_tid, getpid());
	sigset_t before, after;
	pthread_sigmask(SIG_SETMASK, NULL, &before);
	CHECK_EQ_INT(pt_tracer_run(lend_fn, &j), 77);
	pthread_sigmask(SIG_SETMASK, NULL, &after);
	for (int s = 1; s < NSIG; s++)
		CHECKF(sigismember(&before, s) == sigismember(&after, s),
		       "signal %d: mask changed", s);
	CHECKF(j.fn_tid != j.lender_tid && j.fn_tid > 0, "fn ran on %d",
	       (int)j.fn_tid);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_INT(j.tracer[i], getpid());
		CHECK_EQ_INT(j.ppid[i], getpid());
	}
	/* afterwards, a launch has a tracer thread of its own again */
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("sync"));
	pid_t tr = proc_tracer(pt_process_pid(p));
	CHECKF(tr > 0 && tr != getpid(), "TracerPid %d, pid %d", (int)tr,
	       (int)getpid());
	CHECK_OK(pt_kill(p));
	pt_process_free(p);
	io_close(&io);
	return TEST_PASS;
}

static int lend_nested(void *arg)
{
	(void)arg;
	CHECK_ERR(pt_tracer_run(lend_nested, NULL), PT_ESTATE);
	CHECKF(strstr(pt_errmsg(), "under way") != NULL, "message: %s",
	       pt_errmsg());
	return 5;
}

/* Bad uses: no function; a second one while one is under way; a lending
 * thread with a child of its own (which proctrace's waits would reap: it
 * is left alone). */
TEST(tracer_run_errors)
{
	CHECK_ERR(pt_tracer_run(NULL, NULL), PT_EINVAL);
	CHECK_EQ_INT(pt_tracer_run(lend_nested, NULL), 5);
	pid_t kid = fork();
	CHECK(kid >= 0);
	if (kid == 0) {
		pause();
		_exit(0);
	}
	CHECK_ERR(pt_tracer_run(lend_nested, NULL), PT_ESTATE);
	CHECKF(strstr(pt_errmsg(), "children") != NULL, "message: %s",
	       pt_errmsg());
	kill(kid, SIGKILL);
	int st = 0;
	CHECK_EQ_INT(waitpid(kid, &st, 0), kid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	return TEST_PASS;
}
