/*
 * test-events.c - optional events (thread exit, exec) and their mask,
 * pt_wait in one thread while another controls the process, logging.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

TEST(events_thread_exit)
{
	/* On by default: the exit is seen before the process is gone, with
	 * registers and memory still readable. */
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("exit:7"));
	pt_stop_cause c;
	pt_thread *t = continue_until(p, PT_STOP_THREAD_EXIT, &c);
	CHECKF(c.status == 7 && c.signo == 0, "thread exit: %s",
	       cause_str(&c));
	CHECK_EQ_INT(pt_thread_tid(t), pt_process_pid(p));
	CHECK(pc_of(t) != 0);
	unsigned char b = 0;
	CHECK_OK(pt_mem_read(p, sym("tracee", "bp_func"), &b, 1, NULL));
	CHECK_EQ_HEX(b, 0x89);
	CHECK_OK(pt_continue(p));
	CHECK_OK(pt_wait(p, WAIT_MS));
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_EXITED);
	int code = -2, sig = -2;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(code, 7);
	pt_process_free(p);
	io_close(&io);

	/* Masked: straight to the end. */
	p = launch_target(&io, "tracee", ARGS("exit:7"));
	CHECK_OK(pt_process_set_events(p, PT_EVENT_ALL & ~PT_EVENT_THREAD_EXIT));
	CHECK_OK(pt_continue(p));
	CHECK_OK(pt_wait(p, WAIT_MS));
	if (pt_process_state(p) == PT_PROC_STOPPED) {
		c = cause_of(pt_process_event_thread(p));
		FAIL("stopped although thread-exit events are masked: %s",
		     cause_str(&c));
	}
	CHECK_EQ_INT(pt_process_state(p), PT_PROC_EXITED);
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(code, 7);
	pt_process_free(p);
	return TEST_PASS;
}

TEST(events_exec)
{
	/* The target executes itself again: an EXEC stop. */
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("exec", "exit:3"));
	pid_t pid = pt_process_pid(p);
	pt_stop_cause c;
	pt_thread *t = continue_until(p, PT_STOP_EXEC, &c);
	CHECK_EQ_INT(c.pid, pid);
	CHECK_EQ_INT(pt_thread_tid(t), pid);
	CHECK(only_thread(p) == t);
	/* The new image is the one running: break in it. */
	uint64_t f = sym("tracee", "sync_point");
	CHECK_EQ_INT(pt_breakpoint_count(p), 0);
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 3);
	pt_process_free(p);
	io_close(&io);

	/* Breakpoints set in the new image work. */
	p = launch_target(&io, "tracee", ARGS("exec", "sync"));
	continue_until(p, PT_STOP_EXEC, &c);
	CHECK_OK(pt_breakpoint_add(p, f));
	continue_to_bp(p, f);
	CHECK_OK(pt_breakpoint_remove(p, f));
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "DONE\n");
	pt_process_free(p);
	io_close(&io);

	/* Masked: no stop, the program simply goes on. */
	p = launch_target(&io, "tracee", ARGS("exec", "env:PT_X"));
	CHECK_OK(pt_process_set_events(p, PT_EVENT_ALL & ~PT_EVENT_EXEC));
	run_to_exit(p, &code, &sig); /* fails on an EXEC stop */
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "env PT_X unset\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

struct waiter {
	pt_process *p;
	int timeout_ms;
	pid_t tid;
	int result;
	pt_proc_state state;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	__atomic_store_n(&w->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	w->result = pt_wait(w->p, w->timeout_ms);
	w->state = pt_process_state(w->p);
	return NULL;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Start a thread blocked in pt_wait(p) (as far as we can tell: it sleeps). */
static void start_waiter(pthread_t *th, struct waiter *w, pt_process *p)
{
	memset(w, 0, sizeof *w);
	w->p = p;
	w->timeout_ms = 3 * WAIT_MS;
	CHECK(pthread_create(th, NULL, waiter_main, w) == 0);
	long long deadline = now_ms() + WAIT_MS;
	for (;;) {
		pid_t tid = __atomic_load_n(&w->tid, __ATOMIC_SEQ_CST);
		if (tid > 0 && task_state(getpid(), tid) == 'S')
			return;
		CHECKF(now_ms() < deadline, "the waiter thread never blocks");
	}
}

/* pt_wait in one thread returns when another thread stops or kills. */
TEST(wait_other_thread)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("spin"));
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "spinning");

	pthread_t th;
	struct waiter w;
	start_waiter(&th, &w, p);
	CHECK_OK(pt_stop(p));
	CHECK(pthread_join(th, NULL) == 0);
	CHECKF(w.result == 0 && w.state == PT_PROC_STOPPED,
	       "waiter: pt_wait gave %s, state %s", err_str(w.result),
	       pt_proc_state_name(w.state));

	CHECK_OK(pt_continue(p));
	start_waiter(&th, &w, p);
	CHECK_OK(pt_kill(p));
	CHECK(pthread_join(th, NULL) == 0);
	CHECKF(w.result == 0 && w.state == PT_PROC_EXITED,
	       "waiter: pt_wait gave %s, state %s", err_str(w.result),
	       pt_proc_state_name(w.state));
	pt_process_free(p);
	return TEST_PASS;
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[16384];
static size_t log_len;
static int log_lines, log_bad_user, log_bad_level;
static int log_marker;
static pt_log_level log_max;

static void log_cb(pt_log_level level, const char *msg, void *user)
{
	pthread_mutex_lock(&log_lock);
	log_lines++;
	if (user != &log_marker)
		log_bad_user++;
	if (level > log_max)
		log_bad_level++;
	size_t n = strlen(msg);
	if (log_len + n + 2 < sizeof log_text) {
		memcpy(log_text + log_len, msg, n);
		log_len += n;
		log_text[log_len++] = '\n';
		log_text[log_len] = '\0';
	}
	pthread_mutex_unlock(&log_lock);
}

static int log_count(void)
{
	pthread_mutex_lock(&log_lock);
	int n = log_lines;
	pthread_mutex_unlock(&log_lock);
	return n;
}

static void launch_and_run(void)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("exit:0"));
	int code, sig;
	run_to_exit(p, &code, &sig);
	pt_process_free(p);
	io_close(&io);
}

TEST(log_callback)
{
	log_max = PT_LOG_DEBUG;
	pt_set_log(log_cb, &log_marker, PT_LOG_DEBUG);
	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("exit:0"));
	pid_t pid = pt_process_pid(p);
	int code, sig;
	run_to_exit(p, &code, &sig);
	pt_process_free(p);
	io_close(&io);

	pthread_mutex_lock(&log_lock);
	int lines = log_lines;
	bool named = has_number(log_text, pid);
	pthread_mutex_unlock(&log_lock);
	CHECKF(lines > 0, "no log lines at PT_LOG_DEBUG");
	CHECKF(named, "the log never names process %d:\n%s", (int)pid,
	       log_text);
	CHECK_EQ_INT(log_bad_user, 0);
	CHECK_EQ_INT(log_bad_level, 0);

	/* Only errors: a normal run says nothing. */
	log_max = PT_LOG_ERROR;
	pt_set_log(log_cb, &log_marker, PT_LOG_ERROR);
	lines = log_count();
	launch_and_run();
	CHECK_EQ_INT(log_bad_level, 0);

	/* Off. */
	pt_set_log(NULL, NULL, PT_LOG_DEBUG);
	lines = log_count();
	launch_and_run();
	CHECKF(log_count() == lines, "%d log lines after logging was off",
	       log_count() - lines);
	return TEST_PASS;
}
