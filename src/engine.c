/*
 * engine.c - the tracer thread.
 *
 * Linux accepts ptrace requests for a tracee only from the one thread that
 * attached to it.  So every traced process belongs to an engine: an
 * internal thread that attaches (or forks the launched child), issues every
 * ptrace request, and collects every wait event.  Application threads hand
 * it requests (pt__engine_call, pt__engine_post) and wait on the engine's
 * state_cond for state changes; all shared state is guarded by the engine's
 * one mutex.
 *
 * The tracer thread sleeps in one of two places:
 *   - when some traced thread owes us a wait event, in
 *     waitpid(-1, __WALL | __WNOTHREAD).  __WNOTHREAD restricts it to the
 *     children and tracees of this very thread, so the application's own
 *     children are never seen, let alone reaped;
 *   - otherwise on a semaphore, posted with the next request.
 * It never sleeps holding the lock, and it wakes waiters only after letting
 * the lock go, so that a woken application thread does not at once block on
 * the mutex (on a two-CPU machine that contention doubled the context
 * switches of every breakpoint hit).
 *
 * A request that arrives while it sleeps in waitpid (say pt_stop on a running
 * process) must wake it without a signal handler.  For that the engine keeps
 * a doorbell: a tiny forked child that blocks reading a pipe and stops itself
 * with SIGSTOP for each message written.  Its stop is a wait event of the
 * tracer thread, so waitpid returns; the engine runs the queued requests and
 * sends the doorbell SIGCONT.  The doorbell is a program of its own
 * (arch/x86_64_bell.c, started from a memfd), closes every other file
 * descriptor (it must not keep the application's pipes open) and dies with
 * the tracer thread (PR_SET_PDEATHSIG).
 *
 * The tracer thread blocks every signal (SIGCHLD aside, see engine_sigmask):
 * signals for the application keep going to the application's own threads.
 * No child is made with fork(): the doorbell with posix_spawn (or _Fork
 * where a memfd cannot be executed), launched programs with _Fork
 * (launch.c); none of them runs the application's pthread_atfork
 * handlers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "arch/bell.h"

bool pt__spin_while(bool (*cond)(const void *), const void *arg, long ns)
{
	if (ns <= 0)
		return !cond(arg);
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 1;; i++) {
		if (!cond(arg))
			return true;
		pt__cpu_relax();
		if ((i & 63) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			long el = (now.tv_sec - t0.tv_sec) * 1000000000L +
				  (now.tv_nsec - t0.tv_nsec);
			if (el >= ns)
				return !cond(arg);
		}
	}
}

/* Spin-then-block.  A wake-up through the kernel (futex, semaphore) costs
 * a few microseconds and, across CPUs, an interrupt; on a virtual machine
 * far more.  When the thing waited for usually comes quickly (the next
 * request of an application single-stepping in a loop; the stop of a
 * thread that was just resumed), spinning for it is faster.  So both the
 * tracer thread (for requests) and pt_wait (for the stop) spin up to a
 * budget before they block, but only while the recent waits, averaged,
 * were shorter than the budget: a process that runs for long stretches
 * costs no spinning.  Never with a single allowed CPU, where the spinner
 * would hold the CPU the awaited thread needs.  PROCTRACE_SPIN_US sets
 * the budget in microseconds (0: never spin). */
#define PT__SPIN_DEFAULT_US 0 /* off unless measured to pay */

static long spin_budget_ns(void)
{
	const char *env = getenv("PROCTRACE_SPIN_US");
	long us = env && *env ? atol(env) : PT__SPIN_DEFAULT_US;
	if (us <= 0)
		return 0;
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) < 2)
		return 0;
	return us * 1000L;
}

long pt__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

bool pt__spin_worth(const struct pt__engine *e, long avg_ns)
{
	return e->spin_ns > 0 && avg_ns <= e->spin_ns;
}

void pt__wait_learn(long *avg_ns, long since_ns)
{
	long d = pt__now_ns() - since_ns;
	*avg_ns += (d - *avg_ns) / 8;
}

static bool no_request(const void *arg)
{
	const struct pt__engine *e = arg;
	return __atomic_load_n(&e->req_head, __ATOMIC_ACQUIRE) == NULL &&
	       !__atomic_load_n(&e->shutdown, __ATOMIC_ACQUIRE);
}

pid_t pt__gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

bool pt__on_engine_thread(const struct pt__engine *e)
{
	/* pthread_self, not gettid: this runs on every call (no system
	 * call wanted); tracer_self is set before started. */
	return __atomic_load_n(&e->started, __ATOMIC_ACQUIRE) &&
	       pthread_equal(pthread_self(), e->tracer_self);
}

/* ---- the doorbell ----------------------------------------------------------- */

/* The doorbell is the program of arch/x86_64_bell.c, embedded in the
 * library: written to a memfd and started with posix_spawn (vfork-like:
 * no copy of the application's memory, no pthread_atfork handlers), its
 * pipe as fd 0, every signal blocked (SIGSTOP/SIGCONT/SIGKILL aside) and
 * at its default action.  Where a memfd cannot be executed, a _Fork child
 * runs the same code (pt__bell_loop) instead. */
static int bell_spawn(struct pt__engine *e, pid_t parent)
{
	int mfd = memfd_create(PT__BELL_NAME, MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	for (size_t off = 0; off < pt__bell_image_len;) {
		ssize_t w = write(mfd, pt__bell_image + off,
				  pt__bell_image_len - off);
		if (w <= 0) {
			int err = w < 0 ? errno : EIO;
			close(mfd);
			return -err;
		}
		off += (size_t)w;
	}
	char path[40], pbuf[24];
	snprintf(path, sizeof path, "/proc/self/fd/%d", mfd);
	snprintf(pbuf, sizeof pbuf, "%d", (int)parent);
	char *argv[] = { (char *)PT__BELL_NAME, pbuf, NULL };
	char *envp[] = { NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t all;
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, e->bell_rfd, 0);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&at, &all);
	posix_spawnattr_setsigdefault(&at, &all);
	pid_t pid;
	int rc = posix_spawn(&pid, path, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	close(mfd);
	if (rc != 0)
		return -rc;
	e->bell_pid = pid;
	return 0;
}

static void bell_send(struct pt__engine *e, int32_t msg);

/* Ring once and wait for the doorbell's stop: by then it has closed the
 * application's fds and named itself (before that, ps and /proc show a
 * copy of the application), and it is known to work. */
static int bell_ready(struct pt__engine *e)
{
	bell_send(e, 0);
	int raw = 0;
	pid_t w;
	while ((w = waitpid(e->bell_pid, &raw, __WALL | WUNTRACED)) < 0 &&
	       errno == EINTR)
		;
	struct pt__wstatus ws;
	pt__wstatus_decode(raw, 0, &ws);
	if (w != e->bell_pid || ws.kind != PT__W_UNTRACED_STOP) {
		pt__log(PT_LOG_WARN, "engine: the doorbell did not start (%s)",
			w < 0 ? strerror(errno) : pt__wkind_name(ws.kind));
		if (w == e->bell_pid) /* it ended: reaped */
			e->bell_pid = 0;
		return -ECHILD;
	}
	kill(e->bell_pid, SIGCONT);
	return 0;
}

static int bell_start(struct pt__engine *e)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	e->bell_rfd = fds[0];
	e->bell_wfd = fds[1];
	fcntl(e->bell_wfd, F_SETFL, O_NONBLOCK);
	pid_t parent = getpid();
	/* PROCTRACE_DOORBELL=fork: the fallback, for the tests */
	const char *how = getenv("PROCTRACE_DOORBELL");
	int r = how && !strcmp(how, "fork") ? -ENOEXEC : bell_spawn(e, parent);
	if (r == 0)
		return bell_ready(e);
	pt__log(PT_LOG_INFO, "engine: doorbell program not started (%s): "
		"forking it", strerror(-r));
	pid_t pid = _Fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		pt__bell_loop(e->bell_rfd, parent); /* never returns */
	e->bell_pid = pid;
	return bell_ready(e);
}

static void bell_stop(struct pt__engine *e)
{
	if (e->bell_pid > 0) {
		kill(e->bell_pid, SIGKILL);
		int st;
		while (waitpid(e->bell_pid, &st, __WALL) < 0 && errno == EINTR)
			;
		e->bell_pid = 0;
	}
	if (e->bell_rfd >= 0)
		close(e->bell_rfd);
	if (e->bell_wfd >= 0)
		close(e->bell_wfd);
	e->bell_rfd = e->bell_wfd = -1;
}

static void bell_send(struct pt__engine *e, int32_t msg)
{
	/* EAGAIN: the pipe is full, so a ring is pending anyway. */
	ssize_t r = write(e->bell_wfd, &msg, sizeof msg);
	(void)r;
}

static void bell_ring(struct pt__engine *e)
{
	bell_send(e, 0);
}

/* ---- waking the tracer thread ------------------------------------------------ */

/* Decide, under the lock, how to wake the tracer thread for a request just
 * queued; do it (pt__engine_kick) after unlocking. */
enum pt__kick pt__engine_kick_kind(const struct pt__engine *e)
{
	PT__ASSERT_LOCKED(e);
	if (e->in_wait)
		return PT__KICK_BELL;
	if (e->idle)
		return PT__KICK_SEM;
	return PT__KICK_NONE; /* busy: it looks at the queue before sleeping */
}

void pt__engine_kick(struct pt__engine *e, enum pt__kick k)
{
	if (k == PT__KICK_BELL)
		bell_ring(e);
	else if (k == PT__KICK_SEM)
		sem_post(&e->req_sem);
}

/* ---- the loop ------------------------------------------------------------------- */

static struct pt_process *proc_of_tid(struct pt__engine *e, pid_t tid,
				      struct pt_thread **tout)
{
	for (struct pt_process *p = e->procs; p; p = p->eng_next) {
		struct pt_thread *t = pt__thread_find(p, tid);
		if (t) {
			*tout = t;
			return p;
		}
	}
	*tout = NULL;
	return NULL;
}

static void handle_wait(struct pt__engine *e, pid_t pid, int raw)
{
	struct pt__wstatus ws;
	if (pid == e->bell_pid) {
		pt__wstatus_decode(raw, 0, &ws);
		if (ws.kind == PT__W_UNTRACED_STOP)
			kill(pid, SIGCONT);
		else if (ws.kind == PT__W_EXITED || ws.kind == PT__W_SIGNALED)
			e->bell_pid = 0; /* should not happen; requests still run */
		return;
	}
	struct pt_thread *t;
	proc_of_tid(e, pid, &t);
	pt__wstatus_decode(raw, 1, &ws);
	if (!t) {
		pt__engine_on_unknown(e, pid, &ws);
		return;
	}
	pt__thread_on_wait(t, &ws);
}

static void run_requests(struct pt__engine *e)
{
	while (e->req_head) {
		struct pt__req *r = e->req_head;
		__atomic_store_n(&e->req_head, r->next, __ATOMIC_RELEASE);
		if (!e->req_head)
			e->req_tail = NULL;
		sem_t *done = r->done_sem;
		bool in_user = e->in_user;
		e->in_user = false; /* engine code now, not the user's */
		r->result = r->fn(r);
		e->in_user = in_user;
		r->done = true;
		e->notify_pending = true;
		if (done)
			sem_post(done); /* r may be gone from here on */
	}
}

/* The tracer thread blocks every signal, with one exception.  The kernel
 * sends the tracer's process a SIGCHLD for every stop of a tracee.  With
 * SIGCHLD at its default disposition (ignore) the kernel drops it at once,
 * but only if the thread it is sent to (the tracer thread) does not block
 * it; if it did, the signal would be queued and wake one of the
 * application's threads on every stop, for nothing.  So when the
 * application has no SIGCHLD handler, the tracer thread leaves SIGCHLD
 * unblocked; when it has one, SIGCHLD stays blocked here so that the
 * handler always runs on the application's own threads. */
static void engine_sigmask(void)
{
	sigset_t set;
	sigfillset(&set);
	struct sigaction sa;
	if (sigaction(SIGCHLD, NULL, &sa) == 0 &&
	    !(sa.sa_flags & SA_SIGINFO) &&
	    (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN))
		sigdelset(&set, SIGCHLD);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
}

/* Unlock; then wake whoever waits for a state change. */
static void engine_unlock(struct pt__engine *e)
{
	bool notify = e->notify_pending;
	e->notify_pending = false;
	pt__unlock(e);
	if (notify)
		pthread_cond_broadcast(&e->state_cond);
}

/* ---- the application's code on the tracer thread ------------------------------ */

static void notify_now(struct pt__engine *e)
{
	if (e->notify_pending) {
		e->notify_pending = false;
		pthread_cond_broadcast(&e->state_cond);
	}
}

/* Lock held, on the tracer thread, while pt_call_on_tracer runs the
 * application's function: one turn of engine_main's loop, so that pt_wait
 * called there waits in waitpid itself instead of handing off.  Runs the
 * queued requests, then takes one wait event.  timeout_ms: 0 polls, -1
 * blocks; n > 0 sets the doorbell's alarm so that waitpid returns within n
 * ms.  Returns 1 after an event, 0 after none (poll, alarm), PT_ESTATE if
 * no thread owes us an event (waiting would never end). */
int pt__engine_pump(struct pt__engine *e, int timeout_ms)
{
	PT__ASSERT_TRACER(e);
	run_requests(e);
	notify_now(e);
	if (e->nawait == 0)
		return PT_ESTATE;
	if (timeout_ms > 0)
		bell_send(e, timeout_ms);
	e->in_wait = true;
	engine_unlock(e);
	int raw = 0;
	pid_t pid = waitpid(-1, &raw, __WALL | __WNOTHREAD | WUNTRACED |
					 (timeout_ms == 0 ? WNOHANG : 0));
	int err = errno;
	pt__lock(e);
	e->in_wait = false;
	if (timeout_ms > 0)
		bell_send(e, -1); /* the caller arms it again if need be */
	int ret = 0;
	if (pid > 0) {
		ret = pid != e->bell_pid;
		handle_wait(e, pid, raw);
	} else if (pid < 0 && err == ECHILD) {
		e->nawait = 0;
	}
	run_requests(e);
	notify_now(e);
	return ret;
}

/* The request pt_call_on_tracer hands over: the application's function,
 * run with the lock released (its proctrace calls take it as usual and,
 * being on the tracer thread, run their requests in place). */
int pt__engine_run_user(struct pt__req *r, int (*fn)(struct pt_process *, void *),
			void *arg)
{
	struct pt__engine *e = r->proc->eng; /* fn may free r->proc */
	bool in_user = e->in_user;
	e->in_user = true;
	engine_unlock(e);
	int res = fn(r->proc, arg);
	pt__lock(e);
	e->in_user = in_user;
	return res;
}

/* The calling thread becomes e's tracer thread: signals blocked, the
 * doorbell started.  Returns with the lock held, or an error (unlocked). */
static int engine_start(struct pt__engine *e)
{
	engine_sigmask();

	pt__lock(e);
	e->tracer_tid = pt__gettid();
	e->tracer_self = pthread_self();
	e->spin_ns = spin_budget_ns();
	e->start_err = bell_start(e);
	__atomic_store_n(&e->started, true, __ATOMIC_RELEASE);
	e->notify_pending = true;
	if (e->start_err) {
		engine_unlock(e);
		return e->start_err;
	}
	return 0;
}

/* The event loop, until the last reference is dropped.  Lock held on
 * entry; released on return. */
static void engine_loop(struct pt__engine *e)
{
	for (;;) {
		run_requests(e);
		if (e->shutdown)
			break;
		if (e->nawait > 0) {
			e->in_wait = true;
			engine_unlock(e);
			int raw = 0;
			pid_t pid = waitpid(-1, &raw, __WALL | __WNOTHREAD |
							 WUNTRACED);
			int err = errno;
			pt__lock(e);
			e->in_wait = false;
			if (pid > 0) {
				handle_wait(e, pid, raw);
			} else if (err == ECHILD) {
				/* Bookkeeping says someone owes us an event
				 * but no child is left: nobody does. */
				pt__log(PT_LOG_WARN,
					"engine: %zu threads awaited, no child",
					e->nawait);
				e->nawait = 0;
			}
			continue;
		}
		e->idle = true;
		engine_unlock(e);
		long since = e->spin_ns ? pt__now_ns() : 0;
		if (pt__spin_worth(e, e->idle_avg_ns))
			pt__spin_while(no_request, e, e->spin_ns);
		if (no_request(e))
			while (sem_wait(&e->req_sem) < 0 && errno == EINTR)
				;
		if (e->spin_ns)
			pt__wait_learn(&e->idle_avg_ns, since);
		pt__lock(e);
		e->idle = false;
	}

	bell_stop(e);
	pt__fork_free_all(e);
	engine_unlock(e);
}

static void *engine_main(void *arg)
{
	struct pt__engine *e = arg;
	if (engine_start(e) == 0)
		engine_loop(e);
	return NULL;
}

static void engine_destroy(struct pt__engine *e)
{
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->state_cond);
	sem_destroy(&e->req_sem);
	free(e);
}

static struct pt__engine *engine_alloc(void)
{
	struct pt__engine *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->bell_rfd = e->bell_wfd = -1;
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->state_cond, &ca);
	pthread_condattr_destroy(&ca);
	sem_init(&e->req_sem, 0, 0);
	return e;
}

/* pt_tracer_run's engine while its function runs: every launch and attach
 * uses it.  Lock order: lent_mu, then an engine's lock. */
static pthread_mutex_t lent_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pt__engine *lent_engine;

int pt__engine_new(struct pt__engine **out)
{
	pthread_mutex_lock(&lent_mu);
	struct pt__engine *l = lent_engine;
	if (l) {
		pt__lock(l);
		l->refs++; /* the caller's hold (pt__engine_unhold) */
		pt__unlock(l);
	}
	pthread_mutex_unlock(&lent_mu);
	if (l) {
		*out = l;
		return 0;
	}
	struct pt__engine *e = engine_alloc();
	if (!e)
		return PT_ENOMEM;
	e->refs = 1; /* the caller's hold */

	/* Create the thread with every signal blocked so that not even the
	 * first instruction of it can take one of the application's signals.
	 * The caller's own mask is restored at once. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&e->thread, NULL, engine_main, e);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		engine_destroy(e);
		return -rc;
	}
	pt__lock(e);
	while (!e->started)
		pt__cond_wait(e);
	int err = e->start_err;
	pt__unlock(e);
	if (err) {
		pthread_join(e->thread, NULL);
		bell_stop(e);
		engine_destroy(e);
		return err;
	}
	*out = e; /* referenced by each process made on it */
	return 0;
}

void pt__engine_unhold(struct pt__engine *e)
{
	PT__ASSERT_LOCKED(e);
	e->refs--; /* a process made on it holds it now */
}

/* ---- pt_tracer_run: the application lends a thread ----------------------- */

struct tracer_run {
	int (*fn)(void *);
	void *arg;
	int result;
	struct pt__engine *e;
	sem_t go;
	bool started;
};

static void *lent_app_main(void *arg)
{
	struct tracer_run *tr = arg;
	while (sem_wait(&tr->go) < 0 && errno == EINTR)
		;
	if (!tr->started)
		return NULL;
	tr->result = tr->fn(tr->arg);
	pthread_mutex_lock(&lent_mu);
	if (lent_engine == tr->e)
		lent_engine = NULL;
	pthread_mutex_unlock(&lent_mu);
	/* pt_tracer_run's own reference: the last one ends the loop */
	pt__engine_free(tr->e);
	return NULL;
}

int pt__engine_lend(int (*fn)(void *), void *arg, int *result)
{
	pthread_mutex_lock(&lent_mu);
	bool busy = lent_engine != NULL;
	pthread_mutex_unlock(&lent_mu);
	if (busy)
		return PT__LEND_BUSY;
	/* The tracer thread waits for any child of its own (__WNOTHREAD):
	 * children this thread made before would be reaped by us. */
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WNOHANG | WNOWAIT |
				       __WALL | __WNOTHREAD) == 0)
		return PT__LEND_CHILDREN;
	struct pt__engine *e = engine_alloc();
	if (!e)
		return PT_ENOMEM;
	e->lent = true;
	e->refs = 1; /* ours, dropped when fn returns */
	struct tracer_run tr = { .fn = fn, .arg = arg, .e = e };
	sem_init(&tr.go, 0, 0);
	/* fn's thread first, so that it has the caller's signal mask. */
	pthread_t app;
	int rc = pthread_create(&app, NULL, lent_app_main, &tr);
	if (rc != 0) {
		sem_destroy(&tr.go);
		engine_destroy(e);
		return -rc;
	}
	sigset_t old;
	pthread_sigmask(SIG_SETMASK, NULL, &old);
	int err = engine_start(e);
	if (err) {
		bell_stop(e);
	} else {
		pthread_mutex_lock(&lent_mu);
		if (lent_engine)
			err = PT__LEND_BUSY; /* another one started meanwhile */
		else
			lent_engine = e;
		pthread_mutex_unlock(&lent_mu);
		if (err) {
			bell_stop(e);
			pt__unlock(e);
		}
	}
	tr.started = err == 0;
	sem_post(&tr.go);
	if (err == 0)
		engine_loop(e);
	pthread_join(app, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	sem_destroy(&tr.go);
	engine_destroy(e);
	*result = tr.result;
	return err;
}

/* Drop a reference; the last one stops the tracer thread and frees e.  No
 * process may be attached to it then.  Called without the lock. */
void pt__engine_free(struct pt__engine *e)
{
	if (!e)
		return;
	pt__lock(e);
	if (e->refs > 0)
		e->refs--;
	bool last = e->refs == 0;
	enum pt__kick k = PT__KICK_NONE;
	if (last) {
		__atomic_store_n(&e->shutdown, true, __ATOMIC_RELEASE);
		k = pt__engine_kick_kind(e);
	}
	if (last && e->lent) {
		/* pt_tracer_run's thread ends its loop and frees e once it
		 * has the lock: kick it before letting the lock go, and touch
		 * e no more. */
		pt__engine_kick(e, k);
		pt__unlock(e);
		return;
	}
	pt__unlock(e);
	if (!last)
		return;
	pt__engine_kick(e, k);
	pthread_join(e->thread, NULL);
	engine_destroy(e);
}

/* noinline: pt__engine_call queues a request on its own stack and waits
 * until the tracer thread has taken it off the queue; inlined, gcc cannot
 * see that and warns of a dangling pointer. */
__attribute__((noinline)) void pt__engine_post(struct pt__engine *e,
					       struct pt__req *r)
{
	PT__ASSERT_LOCKED(e);
	r->next = NULL;
	r->done = false;
	if (e->req_tail)
		e->req_tail->next = r;
	else
		__atomic_store_n(&e->req_head, r, __ATOMIC_RELEASE);
	e->req_tail = r;
}

int pt__engine_call(struct pt__engine *e, int (*fn)(struct pt__req *),
		    struct pt_process *p, void *arg)
{
	PT__ASSERT_LOCKED(e);
	struct pt__req r = { .fn = fn, .proc = p, .arg = arg };
	if (pt__on_engine_thread(e)) {
		/* In pt_call_on_tracer's function: what it queued before
		 * (a pt_continue) runs first, in order.  Inside a request of
		 * ours (a log callback calling back in), nothing else may
		 * run midway: fn runs alone. */
		if (e->in_user)
			run_requests(e);
		return fn(&r);
	}
	pt__engine_post(e, &r);
	pt__engine_kick(e, pt__engine_kick_kind(e));
	while (!r.done)
		pt__cond_wait(e);
	return r.result;
}

void pt__engine_attach_proc(struct pt__engine *e, struct pt_process *p)
{
	p->eng = e;
	p->eng_next = e->procs;
	e->procs = p;
}

void pt__engine_detach_proc(struct pt__engine *e, struct pt_process *p)
{
	for (struct pt_process **pp = &e->procs; *pp; pp = &(*pp)->eng_next) {
		if (*pp == p) {
			*pp = p->eng_next;
			break;
		}
	}
	p->eng_next = NULL;
}
