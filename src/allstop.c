/*
 * allstop.c - all-stop control: resuming, interrupting and the step-over
 * queue, on the tracer thread; and the application side's wait for a stop.
 *
 * All-stop: the first thread to report an event that the user must see
 * becomes the process's event thread (stop.c); every other running thread
 * is sent PTRACE_INTERRUPT (pt__proc_interrupt_all); the process is STOPPED
 * once no thread is running (pt__proc_update_state).  A PTRACE_INTERRUPT
 * that crosses a stop already on its way leaves a PTRACE_EVENT_STOP
 * pending in the kernel; it arrives after the next resume, while we believe
 * the thread runs, and is swallowed by resuming the thread the same way
 * again.
 *
 * Continue (pt__proc_resume): threads whose PC sits on one of our
 * breakpoints are stepped over it one at a time (breakpoint lifted, or the
 * instruction emulated; PTRACE_SINGLESTEP; put back) while every other
 * thread stays stopped; then all are resumed.  Each thread's plan
 * (pt_resume: t->plan) says whether it runs, single-steps or stays
 * stopped; pt_continue's plan is "every thread runs".
 *
 * Waiting (pt__wait_stop_since): application threads sleep on the engine's
 * state_cond and count stops (p->stop_seq), so that a stop undone at once
 * by another application thread still ends their wait.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"


/* ---- notification ---------------------------------------------------------- */

void pt__notify(struct pt_process *p)
{
	PT__ASSERT_LOCKED(p->eng);
	p->eng->notify_pending = true;
}

void pt__event_fd_set(struct pt_process *p, bool ready)
{
	if (p->event_fd < 0)
		return;
	uint64_t v = 1;
	if (ready) {
		ssize_t r = write(p->event_fd, &v, sizeof v);
		(void)r;
	} else {
		ssize_t r = read(p->event_fd, &v, sizeof v);
		(void)r;
	}
}

void pt__proc_update_state(struct pt_process *p)
{
	PT__ASSERT_LOCKED(p->eng);
	if (p->state == PT_PROC_EXITED || p->state == PT_PROC_DETACHED)
		return;
	bool any_stopped = false, held_at_exit = false;
	struct pt_thread *fair = NULL;
	if (p->nrunning == 0) {
		/* All stopped.  Of the threads with an event of their own,
		 * the one longest without being the event thread becomes it:
		 * a thread hitting breakpoints all the time cannot hide the
		 * others' events from a loop that looks at the event thread
		 * only. */
		for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
			if (t->state != PT__TS_STOPPED)
				continue;
			any_stopped = true;
			held_at_exit |= t->at_exit;
			if (t->cause.kind != PT_STOP_REQUESTED &&
			    t->cause.kind != PT_STOP_NONE &&
			    (!fair || t->event_seq < fair->event_seq))
				fair = t;
		}
	}
	/* A dying process is not "stopped" just because its killed threads
	 * leave only requested stops behind: that would be a stop without a
	 * reason.  It runs on to its end, unless a thread has an event of its
	 * own to report or is held at its exit (the thread whose exit_group
	 * killed the others: the end waits for it). */
	/* Not while a pt_continue or pt_thread_step is queued: the process
	 * runs as far as the API is concerned (a thread reaped meanwhile
	 * must not make it "stopped" for a moment: waiters count stops). */
	pt_proc_state ns = (p->nrunning == 0 && any_stopped &&
			    p->fork_waiting == 0 && !p->resume_queued &&
			    (!p->dying || fair || held_at_exit))
				   ? PT_PROC_STOPPED
				   : PT_PROC_RUNNING;
	if (ns == p->state)
		return;
	pt__proc_set_state(p, ns);
	if (ns == PT_PROC_STOPPED) {
		p->stop_seq++;
		if (fair) {
			p->event_thread = fair;
			fair->event_seq = ++p->event_seq;
		}
		p->stopping = false;
		pt__event_fd_set(p, true);
		PT__LOGD("process %d: all threads stopped (event thread %d)",
			 (int)p->pid, fair ? (int)fair->tid : 0);
		pt__notify(p);
	} else {
		pt__event_fd_set(p, false);
	}
}

/* ---- resuming ---------------------------------------------------------------- */

/* ENGINE: let a stopped thread run (or single-step), with its pending
 * signal. */
int pt__thread_resume(struct pt_thread *t, bool step)
{
	PT__ASSERT_TRACER(t->proc->eng);
	int r = pt__thread_flush_regs(t);
	if (r < 0)
		return r;
	pt__watch_sync(t); /* hardware watchpoints (watchtable.c) */
	int sig = t->pending_sig;
	bool exiting = t->at_exit;
	/* A thread in a job-control stop stays stopped, as it would
	 * untraced, until a SIGCONT: PTRACE_LISTEN, not PTRACE_CONT. */
	bool listen = t->cause.kind == PT_STOP_GROUP && !step;
	if (sig && (!t->sig_stop || listen) && !exiting) {
		/* Only a signal-delivery-stop delivers the signal its resume
		 * names; from any other stop (an event, an interrupt, a
		 * job-control stop) the kernel drops it.  Queue it to the
		 * thread instead; its delivery-stop is passed on unseen
		 * (pt__thread_on_wait). */
		if (syscall(SYS_tgkill, (int)pt__thread_tgid(t), (int)t->tid,
			    sig) == 0)
			t->inject_sig = sig;
		else
			pt__log(PT_LOG_WARN, "thread %d: cannot send %s: %s",
				(int)t->tid, pt_signal_name(sig),
				strerror(errno));
		sig = 0;
	}
	long rc = pt__ptrace(listen ? PTRACE_LISTEN
			     : step ? PTRACE_SINGLESTEP
				    : pt__cont_request(t->proc),
			     t, NULL, (void *)(intptr_t)(listen ? 0 : sig));
	if (rc < 0)
		return (int)rc;
	t->interrupted_step = t->recheck_bp = t->sig_stop = false;
	if (listen) {
		t->pending_sig = 0;
		t->resume_step = false;
		t->cause.kind = PT_STOP_NONE;
		pt__thread_set_state(t, PT__TS_LISTENING);
		return 0;
	}
	t->pending_sig = 0;
	t->resume_step = step;
	/* A step from a stop inside a syscall (an exec or clone event) is
	 * first reported at the syscall's exit, before any instruction: that
	 * report is the user's step only with PT_RESUME_SYSCALL_EXIT_STEP. */
	t->step_skip_sysexit = step && t->in_syscall_stop &&
			       !(t->step_is_user && t->plan_sysexit);
	t->in_syscall_stop = false;
	t->cause.kind = PT_STOP_NONE;
	pt__thread_set_state(t, exiting ? PT__TS_EXITING
					: step ? PT__TS_STEPPING
					       : PT__TS_RUNNING);
	return 0;
}

int pt__cont_request(const struct pt_process *p)
{
	return p->syscall_mode != PT_SYSCALLS_OFF ? PTRACE_SYSCALL
						  : PTRACE_CONT;
}

/* ENGINE: re-issue the resume a thread was last given (after a stop we
 * swallow). */
void pt__thread_rerun_sig(struct pt_thread *t, int sig)
{
	/* Its registers may have been read at this stop (the state does
	 * not change, so pt__thread_set_state does not drop them): after
	 * it runs they are stale.  A change not yet written goes first. */
	int fr = pt__thread_flush_regs(t);
	if (fr < 0)
		pt__log(PT_LOG_WARN, "thread %d: cannot write registers: %s",
			(int)t->tid, strerror(-fr));
	t->regs_valid = t->xregs_valid = false;
	long rc = pt__ptrace(t->resume_step ? PTRACE_SINGLESTEP
					    : pt__cont_request(t->proc),
			     t, NULL, (void *)(intptr_t)sig);
	if (rc < 0)
		pt__log(PT_LOG_WARN, "thread %d: cannot resume: %s",
			(int)t->tid, strerror((int)-rc));
}

void pt__thread_rerun(struct pt_thread *t)
{
	pt__thread_rerun_sig(t, 0);
}

static void stepq_push(struct pt_process *p, struct pt_thread *t)
{
	t->stepq_next = NULL;
	if (p->stepq_tail)
		p->stepq_tail->stepq_next = t;
	else
		p->stepq_head = t;
	p->stepq_tail = t;
}

struct pt_thread *pt__stepq_pop(struct pt_process *p)
{
	struct pt_thread *t = p->stepq_head;
	if (t) {
		p->stepq_head = t->stepq_next;
		if (!p->stepq_head)
			p->stepq_tail = NULL;
		t->stepq_next = NULL;
	}
	return t;
}

/* Whether t's last resume was a single-step whose end is still to come or
 * is coming now: stepping, or interrupted while stepping (the step's trap
 * and our PTRACE_INTERRUPT race; either can arrive first). */
bool pt__thread_in_step(const struct pt_thread *t)
{
	return t->state == PT__TS_STEPPING ||
	       (t->state == PT__TS_STOPPING && t->interrupted_step);
}

/* ENGINE: start a single-step of t, lifting our breakpoint under its PC. */
int pt__thread_start_step(struct pt_thread *t, bool user)
{
	PT__ASSERT_TRACER(t->proc->eng);
	struct pt_process *p = t->proc;
	struct pt__bp *bp = NULL;
	/* Only then is the PC needed: a user step of a thread to hit a
	 * breakpoint under its PC (PT_RESUME_NO_STEP_OVER) executes it. */
	if (p->bps.count > 0 && !(user && t->plan_hit)) {
		int r = pt__thread_fetch_regs(t);
		if (r < 0)
			return r;
		bp = pt__bp_find(p, pt__thread_pc(t));
	}
	int r;
	if (bp) {
		r = pt__bp_lift(p, bp);
		if (r < 0)
			return r;
	}
	t->stepping_over = bp;
	t->step_is_user = user;
	/* Stepped onto a breakpoint it is to hit: its int3 runs, and that
	 * trap may come behind an interrupt (interrupted_step_stop). */
	t->step_onto_bp = false;
	if (user && t->plan_hit && p->bps.count > 0 &&
	    pt__thread_fetch_regs(t) == 0 &&
	    pt__bp_find(p, pt__thread_pc(t))) {
		t->step_onto_bp = true;
		t->step_bp_at = pt__thread_pc(t);
	}
	r = pt__thread_resume(t, true);
	if (r < 0 && bp) {
		pt__bp_insert(p, bp);
		t->stepping_over = NULL;
	}
	return r;
}

/* ENGINE: next phase of a continue: the next step-over, or resume all. */
int pt__proc_resume_next(struct pt_process *p)
{
	PT__ASSERT_TRACER(p->eng);
	struct pt_thread *t;
	while ((t = pt__stepq_pop(p))) {
		if (t->state != PT__TS_STOPPED)
			continue;
		int r = pt__thread_start_step(t, false);
		if (r == 0) {
			pt__proc_update_state(p);
			return 0;
		}
		pt__log(PT_LOG_WARN, "thread %d: step-over failed: %s",
			(int)t->tid, pt_strerror(r));
	}
	p->resuming = false;
	/* The plans (pt_resume): held threads stay, the others run or
	 * step.  New threads run only if some thread was continued. */
	bool every = true, any_cont = false;
	for (t = p->live_head; t; t = t->live_next) {
		if (t->state != PT__TS_STOPPED)
			continue;
		every &= t->plan == PT__PLAN_CONT;
		any_cont |= t->plan == PT__PLAN_CONT;
	}
	p->all_running = every;
	p->run_new = any_cont;
	/* Write back every changed register set first (emulated step-overs
	 * leave many), so that the loop below that lets the threads go is
	 * as short as it can be: a thread let go early that hits a
	 * breakpoint again while the last ones are still held would start
	 * the next all-stop with the threads out of step, and each later
	 * stop would gather fewer hits (100 threads on one breakpoint:
	 * 4,500 all-stops for 20,000 hits instead of 250).  A failure here
	 * is met again, and reported, by pt__thread_resume. */
	int first_err = 0;
	for (t = p->live_head; t; t = t->live_next) {
		if (t->state != PT__TS_STOPPED || t->plan == PT__PLAN_HOLD)
			continue;
		int r = pt__thread_flush_regs(t);
		if (r < 0 && r != -ESRCH) {
			/* The kernel refuses a register value: nothing is let
			 * go (pt_wait reports the error, the process stays
			 * stopped). */
			p->async_err = r;
			p->async_err_tid = t->tid;
			p->all_running = p->run_new = false;
			pt__proc_update_state(p);
			return r;
		}
	}
	for (t = p->live_head; t; t = t->live_next) {
		if (t->state != PT__TS_STOPPED || t->plan == PT__PLAN_HOLD)
			continue;
		int r = t->plan == PT__PLAN_STEP ? pt__thread_start_step(t, true)
						 : pt__thread_resume(t, false);
		if (r < 0 && r != -ESRCH && !first_err) {
			first_err = r;
			if (t->plan == PT__PLAN_STEP) {
				/* for the next pt_wait to report */
				p->async_err = r;
				p->async_err_tid = t->tid;
			}
		}
	}
	pt__proc_update_state(p);
	return first_err;
}

#define PT__CONTENDED_RESUMES 64

/* A thread that does not run now (held, or left stopped by a lone step):
 * its event was reported with the stop it came with.  Made a requested
 * stop, so that it is not the event of the next one; if it was a hit, the
 * thread still sits on the breakpoint, and its next resume steps it over
 * (recheck_bp). */
static void consume_event(struct pt_thread *t)
{
	if (t->cause.kind == PT_STOP_REQUESTED || t->cause.kind == PT_STOP_NONE)
		return;
	t->cause.kind = PT_STOP_REQUESTED;
	t->recheck_bp = true;
}

/* ENGINE: the work of pt_continue. */
int pt__proc_resume(struct pt_process *p)
{
	PT__ASSERT_TRACER(p->eng);
	p->resume_gen++;
	p->event_thread = NULL;
	p->stopping = false;
	p->stepq_head = p->stepq_tail = NULL;
	struct pt_thread *lone = NULL;
	for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
		t->resume_bp = NULL;
		if (t->state != PT__TS_STOPPED)
			continue;
		if (t->plan == PT__PLAN_HOLD)
			consume_event(t);
		else if (t->plan == PT__PLAN_STEP && !t->plan_hit && !lone &&
			 p->bps.count &&
			 pt__thread_fetch_regs(t) == 0 &&
			 pt__bp_find(p, pt__thread_pc(t)))
			lone = t;
	}
	if (lone) {
		/* A thread to step sits on one of our breakpoints, which is
		 * lifted for its step: nobody else may run meanwhile.  It
		 * steps alone, and its step's end is the stop. */
		for (struct pt_thread *t = p->live_head; t; t = t->live_next)
			if (t != lone && t->state == PT__TS_STOPPED)
				consume_event(t);
		p->all_running = p->run_new = false;
		int r = pt__thread_start_step(lone, true);
		if (r < 0 && r != -ESRCH) {
			p->async_err = r;
			p->async_err_tid = lone->tid;
		}
		pt__proc_update_state(p);
		return r;
	}
	size_t nhit = 0;
	pid_t hitter = 0;
	for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
		if (t->state != PT__TS_STOPPED || t->at_exit ||
		    t->plan != PT__PLAN_CONT)
			continue;
		/* Only a thread that reported an event of its own, whose
		 * registers were changed (the PC moved onto a breakpoint), or
		 * that stopped before the newest breakpoint was set can be
		 * sitting on one of our breakpoints without about to hit it
		 * afresh.  Not "registers read": pending_hit reads those of
		 * every interrupted thread, and one interrupted right on a
		 * breakpoint it has not executed must hit it, not be stepped
		 * over it (found by i386_threads under QEMU, where interrupts
		 * land on call targets). */
		bool check = t->regs_dirty || t->recheck_bp ||
			     t->cause.kind != PT_STOP_REQUESTED ||
			     t->stop_gen != p->bp_gen;
		t->resume_bp = NULL;
		if (!check || p->bps.count == 0 || t->plan_hit)
			continue;
		if (pt__thread_fetch_regs(t) < 0)
			continue;
		t->resume_bp = pt__bp_find(p, pt__thread_pc(t));
		if (t->resume_bp)
			nhit++, hitter = t->tid;
	}
	if (nhit > 0) {
		/* Emulated step-overs let a thread run on at once, which is
		 * what makes one thread's breakpoint hits cheap.  But when
		 * several threads keep hitting breakpoints, the thread let go
		 * first hits again before the others have run, and every
		 * all-stop gathers one hit instead of one per thread (100
		 * threads on one breakpoint: 4,000-11,000 all-stops for 20,000
		 * hits against 210-400 with single-steps; docs/performance.md).
		 * So once two different threads have hit, single-step for the
		 * next PT__CONTENDED_RESUMES resumes with hits. */
		bool contended = nhit > 1 || (p->last_hit_tid &&
					      p->last_hit_tid != hitter);
		if (contended)
			p->bp_contended = PT__CONTENDED_RESUMES;
		else if (p->bp_contended > 0)
			p->bp_contended--;
		p->last_hit_tid = hitter;
	}
	for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
		struct pt__bp *bp = t->resume_bp;
		if (!bp || t->state != PT__TS_STOPPED || t->at_exit)
			continue;
		t->resume_bp = NULL;
		if (p->bp_contended > 0 || !pt__bp_emulate_stepover(t, bp)) {
			/* Its event is consumed by this continue: if a stop
			 * comes before its turn, it is not reported again,
			 * and the next continue steps it over. */
			t->cause.kind = PT_STOP_REQUESTED;
			t->recheck_bp = true;
			stepq_push(p, t);
		}
	}
	p->resuming = true;
	return pt__proc_resume_next(p);
}

/* ENGINE: PTRACE_INTERRUPT every running thread (all-stop). */
int pt__proc_interrupt_all(struct pt_process *p)
{
	PT__ASSERT_TRACER(p->eng);
	p->stopping = true;
	p->all_running = p->run_new = false;
	/* A continue still stepping threads over breakpoints ends here: the
	 * threads still queued stay stopped (recheck_bp). */
	p->resuming = false;
	while (pt__stepq_pop(p))
		;
	for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
		if (t->state != PT__TS_RUNNING && t->state != PT__TS_STEPPING &&
		    t->state != PT__TS_LISTENING)
			continue;
		/* Its step's trap and our interrupt race: see
		 * interrupted_step_stop. */
		t->interrupted_step = t->state == PT__TS_STEPPING;
		long rc = pt__ptrace(PTRACE_INTERRUPT, t, NULL, NULL);
		if (rc == 0)
			pt__thread_set_state(t, PT__TS_STOPPING);
		else if (rc == -ESRCH)
			pt__thread_set_state(t, PT__TS_EXITING);
	}
	pt__proc_update_state(p);
	return 0;
}

static void proc_cond_wait(struct pt_process *p)
{
	/* A state change that is ours to see may still be waiting for the
	 * engine to release the lock: it broadcasts right after. */
	pt__cond_wait(p->eng);
}

/* Lock held: wait until p is no longer running (or timeout_ms passes). */
static bool proc_running(const void *arg)
{
	const struct pt_process *p = arg;
	return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == PT_PROC_RUNNING;
}

/* Whether the wait that began when p->stop_seq was seq0 is over: the
 * process is not running, or it has stopped (all threads) at least once
 * since; another application thread may have resumed it since, and a
 * waiter that slept through that stop must not wait for the next one. */
static bool stop_seen(const struct pt_process *p, unsigned long seq0)
{
	return p->state != PT_PROC_RUNNING || p->stop_seq != seq0;
}

/* pt__wait_not_running on the tracer thread itself (in pt_call_on_tracer):
 * nobody else would collect the events, so wait for them here. */
static int pump_not_running(struct pt_process *p, int timeout_ms,
			    unsigned long seq0)
{
	struct pt__engine *e = p->eng;
	long deadline = timeout_ms > 0
				? pt__now_ns() + (long)timeout_ms * 1000000L
				: 0;
	while (!stop_seen(p, seq0)) {
		int left = timeout_ms;
		if (timeout_ms > 0) {
			long ns = deadline - pt__now_ns();
			if (ns <= 0)
				return PT_ETIMEDOUT;
			left = (int)((ns + 999999) / 1000000);
		}
		int r = pt__engine_pump(e, left);
		if (r < 0)
			return stop_seen(p, seq0) ? 0 : r;
		if (r == 0 && timeout_ms == 0 && !stop_seen(p, seq0))
			return PT_ETIMEDOUT;
	}
	return 0;
}

/* Lock held: wait until p has stopped since p->stop_seq was seq0, or is
 * not running (or timeout_ms passes). */
int pt__wait_stop_since(struct pt_process *p, int timeout_ms,
			   unsigned long seq0)
{
	if (pt__on_engine_thread(p->eng))
		return pump_not_running(p, timeout_ms, seq0);
	struct timespec dl;
	if (timeout_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += timeout_ms / 1000;
		dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
	}
	struct pt__engine *e = p->eng;
	long since = 0;
	if (p->state == PT_PROC_RUNNING && timeout_ms != 0 && e->spin_ns) {
		/* spin-then-block (engine.c): a stop that comes within the
		 * budget costs no sleep and no wake-up */
		since = pt__now_ns();
		if (pt__spin_worth(e, e->stop_avg_ns)) {
			pt__unlock(e);
			pt__spin_while(proc_running, p, e->spin_ns);
			pt__lock(e);
		}
	}
	while (!stop_seen(p, seq0)) {
		if (timeout_ms == 0)
			return PT_ETIMEDOUT;
		if (timeout_ms < 0) {
			proc_cond_wait(p);
		} else if (pt__cond_timedwait(e,
						  &dl) == ETIMEDOUT) {
			if (!stop_seen(p, seq0)) {
				if (since)
					pt__wait_learn(&e->stop_avg_ns, since);
				return PT_ETIMEDOUT;
			}
		}
	}
	if (since)
		pt__wait_learn(&e->stop_avg_ns, since);
	return 0;
}

int pt__wait_not_running(struct pt_process *p, int timeout_ms)
{
	return pt__wait_stop_since(p, timeout_ms, p->stop_seq);
}

/* ---- kill ------------------------------------------------------------------------ */

int pt__proc_kill(struct pt_process *p)
{
	PT__ASSERT_TRACER(p->eng);
	if (kill(p->pid, SIGKILL) < 0 && errno != ESRCH)
		return -errno;
	for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
		if (pt__tstate_is_gone(t->state))
			continue;
		if (t->tgid == t->tid) /* a clone child taken as a thread */
			kill(t->tid, SIGKILL);
		/* SIGKILL ends every ptrace-stop but one: a thread held at
		 * its exit (PTRACE_EVENT_EXIT) stays there, since Linux 6.1,
		 * until it is resumed.  Resume every thread we hold; for the
		 * others this fails (ESRCH), as they are already dying. */
		if (t->state == PT__TS_STOPPED)
			pt__ptrace(PTRACE_CONT, t, NULL, NULL);
		pt__thread_set_state(t, PT__TS_EXITING);
	}
	p->stopping = p->resuming = false;
	pt__proc_set_state(p, PT_PROC_RUNNING);
	return 0;
}

void pt__kill_child(pid_t pid)
{
	kill(pid, SIGKILL);
	int st;
	while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
		;
}
