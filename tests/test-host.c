/*
 * test-host.c - what proctrace must not do to the application that uses
 * it: install signal handlers, change signal masks, or take signals meant
 * for the application's own threads.
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests.h"

struct sigstate {
	struct sigaction act[65];
	sigset_t mask;
};

static void snapshot(struct sigstate *s)
{
	memset(s, 0, sizeof *s);
	for (int sig = 1; sig <= 64; sig++)
		sigaction(sig, NULL, &s->act[sig]); /* EINVAL for some: fine */
	pthread_sigmask(SIG_BLOCK, NULL, &s->mask);
}

static void compare(const struct sigstate *a, const struct sigstate *b,
		    const char *when)
{
	for (int sig = 1; sig <= 64; sig++) {
		const struct sigaction *x = &a->act[sig], *y = &b->act[sig];
		CHECKF(x->sa_handler == y->sa_handler &&
			       x->sa_flags == y->sa_flags,
		       "%s: the disposition of signal %d (%s) changed", when,
		       sig, pt_signal_name(sig));
	}
	for (int sig = 1; sig <= 64; sig++)
		CHECKF(sigismember(&a->mask, sig) == sigismember(&b->mask, sig),
		       "%s: the mask of signal %d (%s) changed", when, sig,
		       pt_signal_name(sig));
}

static atomic_int usr1_tid;

static void on_usr1(int sig)
{
	(void)sig;
	atomic_store(&usr1_tid, (int)syscall(SYS_gettid));
}

static atomic_int taker_tid;

static void *usr1_taker(void *arg)
{
	(void)arg;
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &m, NULL);
	atomic_store(&taker_tid, (int)syscall(SYS_gettid));
	for (;;)
		pause(); /* woken by each SIGUSR1 */
	return NULL;
}

static unsigned long long task_sigblk(int tid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
	FILE *fp = fopen(path, "r");
	unsigned long long v = 0;
	if (!fp)
		return 0;
	while (fgets(line, sizeof line, fp))
		if (strncmp(line, "SigBlk:", 7) == 0)
			v = strtoull(line + 7, NULL, 16);
	fclose(fp);
	return v;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Launch, stop, hit breakpoints, attach, detach, kill: no handler, no mask
 * of ours changes; a signal sent to our process during all that is
 * handled by our own thread, never by a tracer thread. */
TEST(host_signals_untouched)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2); /* something blocked, to see it stays so */
	sigaddset(&m, SIGUSR1); /* for our other thread to take */
	CHECK(pthread_sigmask(SIG_BLOCK, &m, NULL) == 0);
	pthread_t taker;
	CHECK(pthread_create(&taker, NULL, usr1_taker, NULL) == 0);
	while (atomic_load(&taker_tid) == 0)
		sched_yield();

	struct sigstate before, after;
	snapshot(&before);

	struct child_io io;
	pt_process *p = launch_target(&io, "tracee", ARGS("loop:3"));
	const uint64_t f = sym("tracee", "bp_func");
	CHECK_OK(pt_breakpoint_add(p, f));
	continue_to_bp(p, f);
	snapshot(&after);
	compare(&before, &after, "after launch and a breakpoint hit");

	/* The tracer thread exists now.  Process-directed signals that this
	 * thread blocks must go to our other thread, the only one of ours
	 * that takes SIGUSR1, never to the tracer thread. */
	for (int i = 0; i < 20; i++) {
		atomic_store(&usr1_tid, 0);
		CHECK(kill(getpid(), SIGUSR1) == 0);
		long long deadline = now_ms() + WAIT_MS;
		while (atomic_load(&usr1_tid) == 0) {
			CHECKF(now_ms() < deadline, "SIGUSR1 %d never "
			       "handled", i);
			sched_yield();
		}
		CHECKF(atomic_load(&usr1_tid) == atomic_load(&taker_tid),
		       "SIGUSR1 %d handled by thread %d, not by ours (%d)", i,
		       atomic_load(&usr1_tid), atomic_load(&taker_tid));
	}

	/* And the tracer thread (every thread of ours that is not this one
	 * or the taker) blocks the signals an application uses. */
	int others = 0;
	DIR *d = opendir("/proc/self/task");
	CHECK(d != NULL);
	struct dirent *de;
	while ((de = readdir(d))) {
		int tid = atoi(de->d_name);
		if (tid <= 0 || tid == (int)syscall(SYS_gettid) ||
		    tid == atomic_load(&taker_tid))
			continue;
		others++;
		unsigned long long blk = task_sigblk(tid);
		static const int sigs[] = { SIGUSR1, SIGUSR2, SIGTERM, SIGINT,
					    SIGHUP,  SIGALRM, SIGPIPE, SIGQUIT,
					    SIGWINCH };
		for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++)
			CHECKF(blk & (1ull << (sigs[k] - 1)),
			       "tracer thread %d does not block %s (SigBlk "
			       "%016llx)", tid, pt_signal_name(sigs[k]), blk);
	}
	closedir(d);
	CHECKF(others >= 1, "no tracer thread found");

	continue_to_bp(p, f);
	CHECK_OK(pt_detach(p));
	pt_process_free(p);
	snapshot(&after);
	compare(&before, &after, "after detach");

	/* attach to an untraced process, then kill it through the API */
	struct child_io io2;
	spawn_target(&io2, "tracee", ARGS("wait-stdin"));
	io_expect_line(&io2, "waiting");
	pt_process *q = NULL;
	CHECK_OK(pt_attach(io2.pid, &q));
	snapshot(&after);
	compare(&before, &after, "after attach");
	CHECK_OK(pt_kill(q));
	pt_process_free(q);
	snapshot(&after);
	compare(&before, &after, "after kill");
	pthread_detach(taker); /* it dies with the test's process */
	return TEST_PASS;
}
