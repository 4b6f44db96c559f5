/*
 * process.c - the public calls on a process once it is traced: stop,
 * continue, wait, single-step, detach, kill, free, pt_call_on_tracer, and
 * the queries (pid, state, exit status, threads, stop causes, signals).
 * pt_launch is in launch.c, pt_attach in attach.c.
 *
 * Each call locks the engine (pt__proc_enter), checks the state, hands the
 * ptrace work to the tracer thread (pt__engine_call, or pt__engine_post
 * for the calls that return at once) and, where the call's contract says
 * so, waits for the state it promises (pt__wait_stop_since).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

const char *pt_version(void)
{
#define PT__STR2(x) #x
#define PT__STR(x) PT__STR2(x)
	return PT__STR(PT_VERSION_MAJOR) "." PT__STR(PT_VERSION_MINOR) "." PT__STR(
		PT_VERSION_PATCH);
}
/* ---- stop / continue / wait / step ------------------------------------------- */

static int do_interrupt(struct pt__req *r)
{
	return pt__proc_interrupt_all(r->proc);
}

/* Lock held. */
static int stop_locked(pt_process *p, const char *op)
{
	if (pt__proc_gone(p))
		return pt__fail_state(p, NULL, op);
	if (p->state == PT_PROC_RUNNING) {
		/* Done once every thread has stopped after this call began,
		 * even if another thread resumes the process before this one
		 * sees it: it is the other thread's to stop then. */
		unsigned long seq0 = p->stop_seq;
		int r = pt__engine_call(p->eng, do_interrupt, p, NULL);
		if (r < 0)
			return pt__fail(r, p, NULL, op, "%s", pt_strerror(r));
		pt__wait_stop_since(p, -1, seq0);
	}
	if (p->state == PT_PROC_EXITED)
		return pt__fail(PT_EEXITED, p, NULL, op,
				"the process exited");
	p->wait_owed = false; /* this stop is returned: a wait probes */
	return 0;
}

int pt_stop(pt_process *p)
{
	int r = pt__proc_enter(p, "cannot stop");
	if (r < 0)
		return r;
	r = stop_locked(p, "cannot stop");
	pt__proc_leave(p);
	return r;
}

static int do_resume(struct pt__req *r)
{
	struct pt_process *p = r->proc;
	p->resume_queued = false;
	int rc = pt__proc_resume(p);
	if (rc < 0)
		pt__log(PT_LOG_WARN, "process %d: continue: %s", (int)p->pid,
			pt_strerror(rc));
	pt__proc_update_state(p);
	return rc;
}

/* Lock held, p stopped, every thread's plan set: hand the resume to the
 * tracer thread without waiting.  From here on the process counts as
 * running.  Unlocks. */
static void post_resume(pt_process *p)
{
	p->resume_req = (struct pt__req){ .fn = do_resume, .proc = p };
	p->resume_queued = true;
	p->wait_owed = true;
	pt__proc_set_state(p, PT_PROC_RUNNING);
	pt__event_fd_set(p, false);
	pt__engine_post(p->eng, &p->resume_req);
	enum pt__kick k = pt__engine_kick_kind(p->eng);
	pt__proc_leave(p);
	pt__engine_kick(p->eng, k); /* after unlocking: no contention */
}

/* Followed children the application never took (pt__proc_take_unclaimed):
 * let go as if not followed, with their handles. */
#define PT__TAKE_MAX 8
static void free_taken(struct pt_process **kids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		PT__LOGD("process %d: followed child never taken by the "
			 "application: let go", (int)kids[i]->pid);
		pt_process_free(kids[i]);
	}
}

/* Let go the followed children of p that the application never took,
 * before p is detached, killed or freed. */
static void release_unclaimed(pt_process *p)
{
	for (;;) {
		struct pt_process *kids[PT__TAKE_MAX];
		pt__lock(p->eng);
		size_t n = pt__proc_take_unclaimed(p, kids, PT__TAKE_MAX);
		pt__unlock(p->eng);
		if (n == 0)
			return;
		free_taken(kids, n);
	}
}

int pt_continue(pt_process *p)
{
	int r = pt__proc_enter(p, "cannot continue");
	if (r < 0)
		return r;
	if (p->state != PT_PROC_STOPPED) {
		r = pt__fail_state(p, NULL, "cannot continue");
	} else {
		for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
			t->plan = PT__PLAN_CONT;
			t->plan_hit = t->plan_sysexit = false;
		}
		/* The stop's followed children nobody took: let go. */
		struct pt_process *kids[PT__TAKE_MAX];
		size_t n = pt__proc_take_unclaimed(p, kids, PT__TAKE_MAX);
		post_resume(p);
		free_taken(kids, n);
		return 0;
	}
	pt__proc_leave(p);
	return r;
}

static int plan_of(int kind)
{
	if (kind & PT_RESUME_SYSCALL_EXIT_STEP) {
		kind &= ~PT_RESUME_SYSCALL_EXIT_STEP;
		if ((kind & ~PT_RESUME_NO_STEP_OVER) != PT_RESUME_STEP)
			return -1;
	}
	if (kind & PT_RESUME_NO_STEP_OVER) {
		kind &= ~PT_RESUME_NO_STEP_OVER;
		if (kind != PT_RESUME_CONTINUE && kind != PT_RESUME_STEP)
			return -1;
	}
	switch (kind) {
	case PT_RESUME_HOLD:
		return PT__PLAN_HOLD;
	case PT_RESUME_CONTINUE:
		return PT__PLAN_CONT;
	case PT_RESUME_STEP:
		return PT__PLAN_STEP;
	default:
		return -1;
	}
}

/* Lock held, p stopped: check the actions and set every thread's plan. */
static int set_plans(pt_process *p, const pt_resume_action *acts, size_t n,
		     int others)
{
	static const char op[] = "cannot resume";
	int dflt = plan_of(others);
	if (dflt < 0)
		return pt__fail(PT_EINVAL, p, NULL, op,
				"unknown resume kind %d for the other threads",
				others);
	if (n > 0 && !acts)
		return pt__fail(PT_EINVAL, p, NULL, op,
				"%zu actions but no array", n);
	/* A mark per listed thread: the plan of each is set from its action
	 * below; 0xff marks "listed" while checking. */
	for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
		t->plan = (uint8_t)dflt;
		t->plan_hit = (others & PT_RESUME_NO_STEP_OVER) != 0;
		t->plan_sysexit = (others & PT_RESUME_SYSCALL_EXIT_STEP) != 0;
	}
	int err = 0;
	size_t i;
	for (i = 0; i < n && !err; i++) {
		struct pt_thread *t = acts[i].thread;
		int plan = plan_of(acts[i].kind);
		if (pt__check_thread(t) < 0 || t->proc != p)
			err = pt__fail(PT_EINVAL, p, NULL, op,
				       "action %zu: not a thread of this "
				       "process", i);
		else if (plan < 0)
			err = pt__fail(PT_EINVAL, p, t, op,
				       "unknown resume kind %d", acts[i].kind);
		else if (plan != PT__PLAN_HOLD &&
			 (!t->in_live_list || pt__tstate_is_gone(t->state) ||
			  t->state == PT__TS_EXITING))
			err = pt__fail(PT_EEXITED, p, t, op,
				       "the thread has exited");
		else if (t->plan == 0xff)
			err = pt__fail(PT_EINVAL, p, t, op,
				       "the thread is listed twice");
		else if (plan == PT__PLAN_STEP && t->at_exit)
			err = pt__fail(PT_ESTATE, p, t, "cannot single-step",
				       "it is exiting");
		else
			t->plan = 0xff;
	}
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		acts[i].thread->plan = (uint8_t)plan_of(acts[i].kind);
		acts[i].thread->plan_hit =
			(acts[i].kind & PT_RESUME_NO_STEP_OVER) != 0;
		acts[i].thread->plan_sysexit =
			(acts[i].kind & PT_RESUME_SYSCALL_EXIT_STEP) != 0;
	}
	for (struct pt_thread *t = p->live_head; t; t = t->live_next)
		if (t->state == PT__TS_STOPPED && t->plan != PT__PLAN_HOLD)
			return 0;
	return pt__fail(PT_EINVAL, p, NULL, op,
			"every thread would stay stopped");
}

int pt_resume(pt_process *p, const pt_resume_action *acts, size_t n,
	      int others)
{
	int r = pt__proc_enter(p, "cannot resume");
	if (r < 0)
		return r;
	if (p->state != PT_PROC_STOPPED)
		r = pt__fail_state(p, NULL, "cannot resume");
	else
		r = set_plans(p, acts, n, others);
	if (r == 0) {
		struct pt_process *kids[PT__TAKE_MAX];
		size_t nk = pt__proc_take_unclaimed(p, kids, PT__TAKE_MAX);
		post_resume(p);
		free_taken(kids, nk);
		return 0;
	}
	/* Nothing was resumed: the plans are read only by a resume. */
	pt__proc_leave(p);
	return r;
}

/* ENGINE: is a stopped process still there?  While every thread is
 * stopped the tracer thread does not wait for events, so a SIGKILL from
 * outside goes unseen.  A killed thread has left its stop: on its way out
 * a request to it fails (ESRCH); at its exit event stop it answers, but
 * has a new wait status.  Either marks it exiting (pt__thread_vanished):
 * the dead are then awaited and reaped, and the exit is reported. */
static int do_probe(struct pt__req *r)
{
	struct pt_process *p = r->proc;
	unsigned long msg;
	for (struct pt_thread *t = p->live_head, *n; t; t = n) {
		n = t->live_next;
		if (t->state != PT__TS_STOPPED)
			continue;
		if (pt__ptrace(PTRACE_GETEVENTMSG, t, NULL, &msg) == -ESRCH)
			continue; /* one is gone: look at the others too */
		int raw = 0;
		pid_t w;
		while ((w = waitpid(t->tid, &raw, __WALL | WNOHANG)) < 0 &&
		       errno == EINTR)
			;
		if (w != t->tid)
			break; /* still in its stop: so is the process */
		/* Out of its stop, which only SIGKILL does (ptrace-notes P4):
		 * exiting; its status is its first step out. */
		pt__thread_vanished(t, -ESRCH, "probe");
		struct pt__wstatus ws;
		pt__wstatus_decode(raw, 1, &ws);
		pt__thread_on_wait(t, &ws);
	}
	pt__proc_update_state(p);
	return 0;
}

int pt_wait(pt_process *p, int timeout_ms)
{
	int r = pt__proc_enter(p, "wait");
	if (r < 0)
		return r;
	/* The first wait after a resume returns a stop the tracer thread
	 * has just seen: no probe (it would cost a hand-off per stop to a
	 * caller that waits once the event fd says the process stopped).
	 * A stop returned before is probed: a kill since would be unseen. */
	if (p->state == PT_PROC_STOPPED && !p->resume_queued && !p->wait_owed)
		pt__engine_call(p->eng, do_probe, p, NULL);
	if (p->state == PT_PROC_DETACHED)
		r = pt__fail_state(p, NULL, "cannot wait");
	else if ((r = pt__wait_not_running(p, timeout_ms)) == PT_ETIMEDOUT)
		pt__fail(r, p, NULL, "wait", "still running after %d ms",
			 timeout_ms);
	else if (r < 0) /* on the tracer thread: nothing left to wait for */
		pt__fail(r, p, NULL, "wait", "running, but no thread of it "
			 "owes the tracer an event");
	else if (p->async_err) {
		/* a queued continue or single-step could not start */
		r = p->async_err;
		struct pt_thread *t = pt__thread_find(p, p->async_err_tid);
		pt__fail(r, p, t, "resume", "%s", pt_strerror(r));
		p->async_err = 0;
	}
	if (r != PT_ETIMEDOUT)
		p->wait_owed = false;
	pt__proc_leave(p);
	return r;
}

int pt_process_event_fd(pt_process *p)
{
	int r = pt__proc_enter(p, "event fd");
	if (r < 0)
		return r;
	if (p->event_fd < 0) {
		p->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->event_fd < 0)
			r = pt__fail(-errno, p, NULL, "event fd",
				     "cannot create an eventfd: %s",
				     strerror(errno));
		else if (p->state != PT_PROC_RUNNING)
			pt__event_fd_set(p, true);
	}
	if (r == 0)
		r = p->event_fd;
	pt__proc_leave(p);
	return r;
}

/* ENGINE: the work of pt_thread_step, queued like a continue. */
static int do_step(struct pt__req *r)
{
	struct pt_thread *t = r->arg;
	struct pt_process *p = r->proc;
	p->resume_queued = false;
	p->event_thread = NULL;
	p->all_running = p->run_new = false;
	for (struct pt_thread *o = p->live_head; o; o = o->live_next)
		if (o != t && o->state == PT__TS_STOPPED && !o->at_exit)
			o->cause.kind = PT_STOP_REQUESTED;
	t->plan_hit = false; /* pt_thread_step steps over a breakpoint */
	t->plan_sysexit = false; /* and executes one instruction */
	int rc = t->state == PT__TS_STOPPED ? pt__thread_start_step(t, true)
					    : -ESRCH;
	if (rc < 0 && rc != -ESRCH) {
		/* for the next pt_wait to report */
		p->async_err = rc;
		p->async_err_tid = t->tid;
	}
	pt__proc_update_state(p);
	return rc;
}

int pt_thread_step(pt_thread *t)
{
	int r = pt__check_thread(t);
	if (r < 0)
		return pt__fail(r, NULL, NULL, "cannot single-step",
				"invalid thread handle");
	pt_process *p = t->proc;
	pt__lock(p->eng);
	pt__clear_error();
	if (t->state != PT__TS_STOPPED || p->state != PT_PROC_STOPPED ||
	    p->resume_queued) {
		r = pt__fail_state(p, t, "cannot single-step");
	} else if (t->at_exit) {
		r = pt__fail(PT_ESTATE, p, t, "cannot single-step",
			     "it is exiting");
	} else {
		/* Handed over without waiting, as pt_continue does: one
		 * wake-up of the tracer thread per step, not two. */
		p->resume_req = (struct pt__req){ .fn = do_step, .proc = p,
						  .arg = t };
		p->resume_queued = true;
		p->wait_owed = true;
		pt__proc_set_state(p, PT_PROC_RUNNING);
		pt__event_fd_set(p, false);
		pt__engine_post(p->eng, &p->resume_req);
		struct pt_process *kids[PT__TAKE_MAX];
		size_t n = pt__proc_take_unclaimed(p, kids, PT__TAKE_MAX);
		enum pt__kick k = pt__engine_kick_kind(p->eng);
		pt__unlock(p->eng);
		pt__engine_kick(p->eng, k);
		free_taken(kids, n);
		return 0;
	}
	pt__unlock(p->eng);
	return r;
}

/* ---- detach / kill / free ---------------------------------------------------- */

/* ENGINE: t's PTRACE_DETACH found it out of a ptrace-stop: killed meanwhile
 * (another thread's exit_group: SIGKILL ends a ptrace-stop) and on its way
 * to its end.  Linux (6.18) still stops such a thread at its exit event,
 * and there it would stay, traced, holding its thread group (and its
 * parent's wait) while the engine, owed no event, waits no more.  So wait
 * for it here: detach it at that stop, or reap its end.  Not for a thread
 * group leader (the process leader, or a clone child taken as a thread):
 * its end is reported only once its group is empty, and a launched one is
 * the application's to reap. */
static void detach_dying(struct pt_thread *t)
{
	for (int tries = 0; tries < 8;) {
		int raw;
		pid_t w = waitpid(t->tid, &raw, __WALL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w != t->tid)
			return;
		struct pt__wstatus ws;
		pt__wstatus_decode(raw, 1, &ws);
		if (ws.kind == PT__W_EXITED || ws.kind == PT__W_SIGNALED)
			return;
		int sig = ws.kind == PT__W_SIGNAL_STOP ? ws.sig : 0;
		if (ptrace(PTRACE_DETACH, t->tid, NULL, (void *)(intptr_t)sig) ==
			    0 ||
		    errno != ESRCH)
			return;
		tries++;
	}
}

static int do_detach(struct pt__req *r)
{
	struct pt_process *p = r->proc;
	pt__fork_release_children(p);
	int first = pt__fork_unbreak_detaching(p);
	int wr = pt__watch_detach(p); /* debug registers of every thread */
	if (wr < 0 && !first)
		first = wr;
	for (struct pt_thread *t = p->live_head, *n; t; t = n) {
		n = t->live_next;
		int sig = 0;
		pt__thread_drop_pending_trap(t);
		if (t->state == PT__TS_EXITED)
			continue;
		if (t->state == PT__TS_STOPPED) {
			/* A thread killed meanwhile (the process exits while
			 * we detach: another thread's exit_group, let go
			 * before it) is beyond ptrace (ESRCH): nothing to
			 * write back, nothing to detach. */
			int fr = pt__thread_flush_regs(t);
			if (fr < 0 && fr != -ESRCH && !first)
				first = fr;
			sig = t->pending_sig;
		}
		long rc = ptrace(PTRACE_DETACH, t->tid, NULL,
				 (void *)(intptr_t)sig);
		if (rc < 0 && errno != ESRCH && !first)
			first = -errno;
		if (rc < 0 && errno == ESRCH && t->tid != pt__thread_tgid(t)) {
			PT__LOGD("thread %d: not in a ptrace-stop at detach "
				 "(killed meanwhile): waited for",
				 (int)t->tid);
			detach_dying(t);
		}
		pt__thread_set_state(t, PT__TS_DETACHED);
	}
	pt__mem_close(p);
	pt__proc_set_state(p, PT_PROC_DETACHED);
	pt__notify(p);
	return first;
}

/* Lock held. */
static int detach_locked(pt_process *p)
{
	int r = stop_locked(p, "cannot detach");
	if (r < 0)
		return r;
	r = pt__engine_call(p->eng, do_detach, p, NULL);
	if (r < 0)
		return pt__fail(r, p, NULL, "detach", "%s", pt_strerror(r));
	PT__LOGD("process %d: detached", (int)p->pid);
	return 0;
}

int pt_detach(pt_process *p)
{
	if (pt__check_proc(p) == 0)
		release_unclaimed(p);
	int r = pt__proc_enter(p, "cannot detach");
	if (r < 0)
		return r;
	r = detach_locked(p);
	pt__proc_leave(p);
	return r;
}

static int do_kill(struct pt__req *r)
{
	return pt__proc_kill(r->proc);
}

/* Lock held. */
static int kill_locked(pt_process *p)
{
	if (pt__proc_gone(p))
		return pt__fail_state(p, NULL, "cannot kill");
	int r = pt__engine_call(p->eng, do_kill, p, NULL);
	if (r < 0)
		return pt__fail(r, p, NULL, "kill", "%s", pt_strerror(r));
	pt__wait_not_running(p, -1);
	return 0;
}

int pt_kill(pt_process *p)
{
	if (pt__check_proc(p) == 0)
		release_unclaimed(p);
	int r = pt__proc_enter(p, "cannot kill");
	if (r < 0)
		return r;
	r = kill_locked(p);
	pt__proc_leave(p);
	return r;
}

void pt_process_free(pt_process *p)
{
	if (pt__check_proc(p) < 0)
		return;
	release_unclaimed(p);
	pt__lock(p->eng);
	if (!pt__proc_gone(p)) {
		if (p->launched)
			kill_locked(p);
		else
			detach_locked(p);
	}
	pt__unlock(p->eng);
	pt__proc_destroy(p);
}

/* ---- the application's code on the tracer thread ------------------------------ */

struct user_call {
	int (*fn)(pt_process *, void *);
	void *arg;
};

static int do_user_call(struct pt__req *r)
{
	struct user_call *uc = r->arg;
	return pt__engine_run_user(r, uc->fn, uc->arg);
}

int pt_call_on_tracer(pt_process *p, int (*fn)(pt_process *p, void *arg),
		      void *arg)
{
	int r = pt__check_proc(p);
	if (r < 0)
		return pt__fail(r, NULL, NULL, "call on the tracer thread",
				"invalid process handle");
	if (!fn)
		return pt__fail(PT_EINVAL, p, NULL, "call on the tracer thread",
				"no function");
	struct pt__engine *e = p->eng;
	pt__lock(e);
	pt__clear_error();
	/* fn may free p, and with it p's hold on the engine: keep our own
	 * until fn has returned and we are off the tracer thread. */
	e->refs++;
	struct user_call uc = { .fn = fn, .arg = arg };
	if (pt__on_engine_thread(e)) {
		r = pt__engine_call(e, do_user_call, p, &uc);
		pt__unlock(e);
	} else {
		/* Wait on a semaphore of our own, not on state_cond: fn's
		 * pt_wait calls broadcast that on every stop, and waking this
		 * thread for each would double the cost of fn's loop. */
		sem_t done;
		sem_init(&done, 0, 0);
		struct pt__req rq = { .fn = do_user_call, .proc = p, .arg = &uc,
				      .done_sem = &done };
		pt__engine_post(e, &rq);
		enum pt__kick k = pt__engine_kick_kind(e);
		pt__unlock(e);
		pt__engine_kick(e, k);
		while (sem_wait(&done) < 0 && errno == EINTR)
			;
		r = rq.result;
		sem_destroy(&done);
	}
	pt__engine_free(e);
	return r;
}

int pt_tracer_run(int (*fn)(void *arg), void *arg)
{
	static const char op[] = "lend the tracer thread";
	pt__clear_error();
	if (!fn)
		return pt__fail(PT_EINVAL, NULL, NULL, op, "no function");
	int result = 0;
	int r = pt__engine_lend(fn, arg, &result);
	if (r == PT__LEND_BUSY)
		return pt__fail(PT_ESTATE, NULL, NULL, op,
				"another pt_tracer_run is under way");
	if (r == PT__LEND_CHILDREN)
		return pt__fail(PT_ESTATE, NULL, NULL, op,
				"the calling thread has children of its own");
	if (r < 0)
		return pt__fail(r, NULL, NULL, op, "cannot start: %s",
				pt_strerror(r));
	return result;
}

/* ---- accessors ----------------------------------------------------------------- */

pid_t pt_process_pid(const pt_process *p)
{
	return pt__check_proc(p) < 0 ? -1 : p->pid;
}

pt_proc_state pt_process_state(pt_process *p)
{
	if (pt__check_proc(p) < 0)
		return PT_PROC_EXITED;
	pt__lock(p->eng);
	pt_proc_state s = p->state;
	pt__unlock(p->eng);
	return s;
}

int pt_process_exit(pt_process *p, int *exit_code, int *term_signal)
{
	int r = pt__proc_enter(p, "exit status");
	if (r < 0)
		return r;
	if (p->state != PT_PROC_EXITED) {
		r = pt__fail_state(p, NULL, "no exit status");
	} else {
		if (exit_code)
			*exit_code = p->exit_code;
		if (term_signal)
			*term_signal = p->term_signal;
	}
	pt__proc_leave(p);
	return r;
}

int pt_process_set_events(pt_process *p, unsigned mask)
{
	int r = pt__proc_enter(p, "set events");
	if (r < 0)
		return r;
	const unsigned known =
		PT_EVENT_ALL | PT_EVENT_VFORK_DONE | PT_EVENT_CLONE_THREADS;
	if (mask & ~known)
		r = pt__fail(PT_EINVAL, p, NULL, "set events",
			     "unknown event bits 0x%x", mask & ~known);
	else
		p->events = mask;
	pt__proc_leave(p);
	return r;
}

int pt_process_pass_signals(pt_process *p, const sigset_t *set)
{
	const char *op = "pass signals";
	int r = pt__proc_enter(p, op);
	if (r < 0)
		return r;
	if (set && (sigismember(set, SIGTRAP) == 1 ||
		    sigismember(set, SIGKILL) == 1 ||
		    sigismember(set, SIGSTOP) == 1)) {
		r = pt__fail(PT_EINVAL, p, NULL, op,
			     "SIGTRAP, SIGKILL and SIGSTOP cannot be passed");
	} else if (pt__proc_gone(p)) {
		r = pt__fail_state(p, NULL, op);
	} else {
		sigemptyset(&p->pass_sigs);
		p->pass_any = false;
		for (int s = 1; set && s < NSIG; s++) {
			if (sigismember(set, s) == 1) {
				sigaddset(&p->pass_sigs, s);
				p->pass_any = true;
			}
		}
	}
	pt__proc_leave(p);
	return r;
}

int pt_process_catch_syscalls(pt_process *p, int mode, const int *nums,
			      size_t n)
{
	const char *op = "catch system calls";
	int r = pt__proc_enter(p, op);
	if (r < 0)
		return r;
	if (mode != PT_SYSCALLS_OFF && mode != PT_SYSCALLS_ALL &&
	    mode != PT_SYSCALLS_SOME) {
		r = pt__fail(PT_EINVAL, p, NULL, op, "unknown mode %d", mode);
		goto out;
	}
	if (mode == PT_SYSCALLS_SOME && n && !nums) {
		r = pt__fail(PT_EINVAL, p, NULL, op, "nums is NULL");
		goto out;
	}
	for (size_t i = 0; mode == PT_SYSCALLS_SOME && i < n; i++) {
		if (nums[i] < 0 || nums[i] >= PT_SYSCALL_MAX) {
			r = pt__fail(PT_EINVAL, p, NULL, op,
				     "system call number %d out of range",
				     nums[i]);
			goto out;
		}
	}
	if (pt__proc_gone(p)) {
		r = pt__fail_state(p, NULL, op);
		goto out;
	}
	memset(p->syscall_set, 0, sizeof p->syscall_set);
	for (size_t i = 0; mode == PT_SYSCALLS_SOME && i < n; i++)
		p->syscall_set[nums[i] / 64] |= 1ull << (nums[i] % 64);
	p->syscall_mode = mode;
out:
	pt__proc_leave(p);
	return r;
}

/* Listed: threads that exist for the user.  An exiting thread (resumed past
 * its exit event, or dying with its process) has been reported or cannot
 * be, and is gone as far as the API goes. */
static bool thread_listed(const struct pt_thread *t)
{
	return !pt__tstate_is_gone(t->state) && t->state != PT__TS_EXITING;
}

size_t pt_process_threads(pt_process *p, pt_thread **buf, size_t cap)
{
	if (pt__check_proc(p) < 0)
		return 0;
	pt__lock(p->eng);
	size_t n = 0;
	/* leader first */
	if (p->leader && p->leader->in_live_list &&
	    thread_listed(p->leader)) {
		if (buf && n < cap)
			buf[n] = pt__thread_shown(p->leader);
		n++;
	}
	for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
		if (t == p->leader || !thread_listed(t))
			continue;
		if (buf && n < cap)
			buf[n] = pt__thread_shown(t);
		n++;
	}
	pt__unlock(p->eng);
	return n;
}

pt_thread *pt_process_thread(pt_process *p, pid_t tid)
{
	if (pt__check_proc(p) < 0)
		return NULL;
	pt__lock(p->eng);
	pt_thread *t = pt__thread_shown(pt__thread_find(p, tid));
	pt__unlock(p->eng);
	return t;
}

pt_thread *pt_process_event_thread(pt_process *p)
{
	if (pt__check_proc(p) < 0)
		return NULL;
	pt__lock(p->eng);
	pt_thread *t = p->state == PT_PROC_RUNNING
			       ? NULL
			       : pt__thread_shown(p->event_thread);
	pt__unlock(p->eng);
	return t;
}

pid_t pt_thread_tid(const pt_thread *t)
{
	return pt__check_thread(t) < 0 ? -1 : t->tid;
}

pt_process *pt_thread_process(const pt_thread *t)
{
	return pt__check_thread(t) < 0 ? NULL : t->proc;
}

int pt_thread_stop_cause(pt_thread *t, pt_stop_cause *out)
{
	int r = pt__check_thread(t);
	if (r < 0)
		return pt__fail(r, NULL, NULL, "stop cause",
				"invalid thread handle");
	if (!out || out->sz < offsetof(pt_stop_cause, thread) + sizeof(void *))
		return pt__fail(PT_EINVAL, t->proc, t, "stop cause",
				"out is NULL or out->sz is not set");
	pt__lock(t->proc->eng);
	pt__clear_error();
	if (pt__thread_stopped(t) ||
	    (t->state == PT__TS_EXITED && !t->proc->resume_queued)) {
		size_t sz = out->sz < sizeof t->cause ? out->sz : sizeof t->cause;
		memcpy(out, &t->cause, sz);
		out->sz = sz;
		if (sz >= offsetof(pt_stop_cause, process) + sizeof(void *))
			pt__proc_claim(t->proc, &t->cause); /* now yours */
	} else {
		r = pt__fail_state(t->proc, t, "no stop cause");
	}
	pt__unlock(t->proc->eng);
	return r;
}

int pt_thread_signal(pt_thread *t)
{
	int r = pt__check_thread(t);
	if (r < 0)
		return pt__fail(r, NULL, NULL, "pending signal",
				"invalid thread handle");
	pt__lock(t->proc->eng);
	int s = pt__thread_stopped(t) ? t->pending_sig : 0;
	pt__unlock(t->proc->eng);
	return s;
}

int pt_thread_set_signal(pt_thread *t, int signo)
{
	int r = pt__check_thread(t);
	if (r < 0)
		return pt__fail(r, NULL, NULL, "cannot set signal",
				"invalid thread handle");
	pt__lock(t->proc->eng);
	pt__clear_error();
	if (signo < 0 || signo >= 65)
		r = pt__fail(PT_EINVAL, t->proc, t, "set signal",
			     "%d is not a signal number", signo);
	else if (!pt__thread_stopped(t))
		r = pt__fail_state(t->proc, t, "cannot set signal");
	else
		t->pending_sig = signo;
	pt__unlock(t->proc->eng);
	return r;
}
