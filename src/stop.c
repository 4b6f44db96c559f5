/*
 * stop.c - wait-event dispatch and stop decoding, on the tracer thread.
 *
 * Every wait event of a known thread goes through pt__thread_on_wait(),
 * which decides the thread's new state and its stop cause: the first stop
 * of a new thread, ptrace events (clone, fork, exec, exit, interrupt),
 * SIGTRAPs (breakpoint, single-step, watchpoint: on_sigtrap), other
 * signals, and the end of a thread (on_reaped).  Events of tids nobody
 * knows yet (a clone child reporting before its parent) go through
 * pt__engine_on_unknown.  Stops the user must see make the thread the
 * event thread and start an all-stop (allstop.c); others resume the thread
 * at once.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"


void pt__proc_mark_exited(struct pt_process *p, int code, int sig)
{
	if (p->state == PT_PROC_EXITED || p->state == PT_PROC_DETACHED)
		return;
	for (struct pt_thread *t = p->live_head, *n; t; t = n) {
		n = t->live_next;
		pt__thread_set_state(t, PT__TS_EXITED);
	}
	p->exit_code = code;
	p->term_signal = sig;
	pt__proc_set_state(p, PT_PROC_EXITED);
	p->stop_seq++;
	p->stopping = p->resuming = false;
	p->stepq_head = p->stepq_tail = NULL;
	pt__mem_close(p);
	pt__log(PT_LOG_INFO, "process %d: exited (%s %d)", (int)p->pid,
		sig ? "signal" : "status", sig ? sig : code);
	pt__event_fd_set(p, true);
	pt__notify(p);
}

/* ---- stops ------------------------------------------------------------------ */

static bool event_wanted(const struct pt_process *p, pt_stop_kind k)
{
	switch (k) {
	case PT_STOP_THREAD_CREATE:
		/* While attaching, threads met half-way through a clone or
		 * an exit are simply stopped threads, as the header says. */
		return (p->events & PT_EVENT_THREAD_CREATE) && !p->attaching;
	case PT_STOP_THREAD_EXIT:
		return (p->events & PT_EVENT_THREAD_EXIT) && !p->attaching;
	case PT_STOP_EXEC:
		return p->events & PT_EVENT_EXEC;
	case PT_STOP_FORK:
		return p->events & PT_EVENT_FORK;
	default:
		return true;
	}
}

/* Whether signal sig is pending for t alone (not for the whole
 * process); false if t is gone. */
/* Whether a thread will die without ever stopping again: a zombie, or one
 * with SIGKILL pending (exit_group and fatal signals send every other thread
 * SIGKILL; such threads do not stop for PTRACE_INTERRUPT, and a zombie
 * leader is not reported until the last thread is gone). */
static bool thread_doomed(const struct pt_thread *t)
{
	char buf[2048];
	if (!pt__procfs_read_status(pt__thread_tgid(t), t->tid, buf, sizeof buf))
		return true;
	char st = pt__procfs_status_state(buf);
	return st == 'Z' || st == 'X' || pt__procfs_status_sigpnd(buf, SIGKILL);
}

/* ENGINE: after a thread-exit stop, stop waiting for threads that are
 * dying with it. */
static void mark_doomed(struct pt_process *p, const struct pt_thread *except)
{
	for (struct pt_thread *t = p->live_head; t; t = t->live_next)
		if (t != except && pt__tstate_is_running(t->state) &&
		    t->state != PT__TS_NEW && thread_doomed(t))
			pt__thread_set_state(t, PT__TS_EXITING);
}

/* ENGINE: t has stopped with cause c.  Decide what happens next. */
static void thread_stopped(struct pt_thread *t, const pt_stop_cause *c)
{
	struct pt_process *p = t->proc;
	bool was_stepover = pt__thread_in_step(t) && !t->step_is_user;
	bool was_user_step = pt__thread_in_step(t) && t->step_is_user;
	t->cause = *c;
	t->cause.sz = sizeof t->cause;
	t->stop_gen = p->bp_gen;
	pt__thread_set_state(t, PT__TS_STOPPED);
	if (t->stepping_over) {
		/* stopped now, so even the ptrace fallback can write */
		pt__bp_insert(p, t->stepping_over);
		t->stepping_over = NULL;
	}

	if (p->launching) {
		/* Between fork and exec: let everything but the exec go. */
		if (c->kind == PT_STOP_EXEC) {
			p->launching = false;
			pt__proc_update_state(p);
		} else {
			pt__thread_resume(t, false);
		}
		return;
	}

	bool stepover_done = was_stepover && c->kind == PT_STOP_STEP;
	if (stepover_done && p->resuming && !p->stopping) {
		/* Past its breakpoint, it waits for the other step-overs; if
		 * a stop ends the continue first, it was simply stopped (not
		 * a step of the user's). */
		t->cause.kind = PT_STOP_REQUESTED;
		pt__proc_resume_next(p);
		return;
	}
	if (stepover_done)
		t->cause.kind = PT_STOP_REQUESTED;

	if (!event_wanted(p, c->kind)) {
		t->cause.thread = NULL; /* not shown: may be freed */
		t->cause.process = NULL;
		if (!p->stopping && !p->resuming) {
			/* A step that met an event nobody asked for (a clone
			 * with thread events off) goes on as the same step:
			 * it ends where it would have, at the system call's
			 * exit, and is not made a continue. */
			if (was_user_step)
				t->in_syscall_stop = false;
			pt__thread_resume(t, was_user_step);
			/* Let go past its exit, it may have been the last
			 * thread running: a zombie leader never reports
			 * again, so nothing else would end the run. */
			if (t->state == PT__TS_EXITING)
				pt__proc_update_state(p);
			return;
		}
		t->cause.kind = PT_STOP_REQUESTED;
	} else {
		pt__thread_shown(c->thread); /* the cause hands it out */
	}

	if (t->cause.kind != PT_STOP_REQUESTED) {
		if (!p->event_thread)
			p->event_thread = t;
		if (p->resuming) {
			/* A step-over raised an event: the continue ends
			 * here; the other threads never left. */
			p->resuming = false;
			p->stepq_head = p->stepq_tail = NULL;
		}
		if (!p->stopping)
			pt__proc_interrupt_all(p);
		if (c->kind == PT_STOP_THREAD_EXIT)
			mark_doomed(p, t);
	}
	pt__proc_update_state(p);
}

static void fill_signal_cause(struct pt_thread *t, int sig, pt_stop_cause *c)
{
	*c = (pt_stop_cause){ .kind = PT_STOP_SIGNAL, .signo = sig };
	if (pt__ptrace(PTRACE_GETSIGINFO, t, NULL, &t->siginfo) < 0) {
		memset(&t->siginfo, 0, sizeof t->siginfo);
		return;
	}
	c->code = t->siginfo.si_code;
	switch (sig) {
	case SIGSEGV:
	case SIGBUS:
	case SIGILL:
	case SIGFPE:
	case SIGTRAP:
		if (t->siginfo.si_code > 0)
			c->addr = (uint64_t)(uintptr_t)t->siginfo.si_addr;
		break;
	default:
		break;
	}
	if (t->siginfo.si_code <= 0 || sig == SIGCHLD)
		c->pid = t->siginfo.si_pid;
}

/* t's registers fetched: if its PC is just past one of our breakpoints,
 * rewind it there and stop t with that hit (true). */
static bool stopped_at_hit(struct pt_thread *t)
{
	const struct pt__arch *a = t->proc->arch;
	uint64_t at = pt__thread_pc(t) - a->pc_after_bp;
	struct pt__bp *bp = pt__bp_find(t->proc, at);
	if (!bp)
		return false;
	pt__arch_set_reg_u64(a, t->regs.bytes, a->pc_index, at);
	t->regs_dirty = true;
	pt_stop_cause c = { .kind = PT_STOP_BREAKPOINT, .addr = at };
	thread_stopped(t, &c);
	return true;
}

/* A SIGTRAP signal-delivery-stop: our breakpoint, a finished single-step,
 * or a real SIGTRAP for the program. */
static void on_sigtrap(struct pt_thread *t)
{
	struct pt_process *p = t->proc;
	const struct pt__arch *a = p->arch;
	pt_stop_cause c = { .kind = PT_STOP_SIGNAL, .signo = SIGTRAP };

	if (t->swallow_trap) {
		/* the SIGTRAP of a hit already dealt with (pending_hit) */
		PT__LOGD("thread %d: pending SIGTRAP swallowed", (int)t->tid);
		t->swallow_trap = false;
		pt__thread_rerun(t);
		return;
	}
	switch (pt__watch_on_trap(t, &c)) { /* watchtable.c */
	case PT__WATCH_HIT:
		thread_stopped(t, &c);
		return;
	case PT__WATCH_HIDDEN:
		pt__thread_rerun(t);
		return;
	case PT__WATCH_NONE:
		break;
	}
	if (pt__thread_in_step(t) && !t->step_is_user && !t->step_skip_sysexit) {
		/* Our own step over a breakpoint: nothing else traps here
		 * but the step (a signal would show as another stop). */
		c.kind = PT_STOP_STEP;
		thread_stopped(t, &c);
		return;
	}
	/* A running thread, or one we were already interrupting (several
	 * threads can hit breakpoints at once), may have hit one of ours. */
	if ((t->state == PT__TS_RUNNING ||
	     (t->state == PT__TS_STOPPING && !t->interrupted_step)) &&
	    p->bps.count && pt__thread_fetch_regs(t) == 0) {
		if (stopped_at_hit(t))
			return;
	}
	fill_signal_cause(t, SIGTRAP, &c);
	enum pt__trap_kind k = a->classify_trap(&t->siginfo);
	if (k == PT__TRAP_BREAKPOINT && !pt__thread_in_step(t) &&
	    pt__thread_fetch_regs(t) == 0) {
		uint64_t at = pt__thread_pc(t) - a->pc_after_bp;
		if (pt__bp_recently_removed(p, at)) {
			/* A hit queued before its breakpoint was removed (it
			 * was behind our interrupt): rewind, and hide it. */
			PT__LOGD("thread %d: phantom hit at 0x%llx hidden",
				 (int)t->tid, (unsigned long long)at);
			pt__arch_set_reg_u64(a, t->regs.bytes, a->pc_index, at);
			t->regs_dirty = true;
			if (pt__thread_flush_regs(t) == 0)
				pt__thread_rerun(t);
			return;
		}
	}
	if (k == PT__TRAP_BREAKPOINT && pt__thread_in_step(t) &&
	    t->step_is_user && p->bps.count && pt__thread_fetch_regs(t) == 0) {
		/* A step of a thread that sat on one of our breakpoints and
		 * was to hit it (PT_RESUME_NO_STEP_OVER): the int3 it
		 * executed is the step, and its end a hit.  (Told from a
		 * step that ends just past a breakpoint by si_code.) */
		if (stopped_at_hit(t))
			return;
	}
	if (pt__thread_in_step(t) && t->step_skip_sysexit) {
		t->step_skip_sysexit = false;
		if (k == PT__TRAP_STEP_SYSCALL) {
			pt__thread_rerun(t); /* now the real instruction step */
			return;
		}
	}
	if (pt__thread_in_step(t) && (k == PT__TRAP_STEP || k == PT__TRAP_STEP_SYSCALL)) {
		c = (pt_stop_cause){ .kind = PT_STOP_STEP };
		thread_stopped(t, &c);
		return;
	}
	t->pending_sig = SIGTRAP;
	thread_stopped(t, &c);
}

/* A thread interrupted just after it executed one of our breakpoint
 * instructions: the kernel reports our PTRACE_INTERRUPT before the SIGTRAP
 * the instruction raised, which stays pending.  Its PC is just past the
 * breakpoint.  Seen here, the hit is reported now (or hidden, if the
 * breakpoint is gone), the PC rewound, and the pending SIGTRAP swallowed
 * when it arrives; left alone, the user would see a PC inside an
 * instruction, and the SIGTRAP would kill the program after a detach. */
static void pending_hit(struct pt_thread *t, pt_stop_cause *c)
{
	struct pt_process *p = t->proc;
	const struct pt__arch *a = p->arch;
	/* Already seen (the SIGTRAP of a hit reported earlier, still
	 * pending): the PC may well be just past the breakpoint now, moved
	 * there by an emulated step-over. */
	if (t->swallow_trap || (p->bps.count == 0 && p->nremoved == 0) ||
	    pt__thread_fetch_regs(t) < 0)
		return;
	uint64_t at = pt__thread_pc(t) - a->pc_after_bp;
	struct pt__bp *bp = pt__bp_find(p, at);
	if (!bp && !pt__bp_recently_removed(p, at))
		return;
	if (!pt__procfs_sig_pending(pt__thread_tgid(t), t->tid, SIGTRAP))
		return;
	PT__LOGD("thread %d: interrupted with a %s hit at 0x%llx pending",
		 (int)t->tid, bp ? "breakpoint" : "phantom",
		 (unsigned long long)at);
	pt__arch_set_reg_u64(a, t->regs.bytes, a->pc_index, at);
	t->regs_dirty = true;
	t->swallow_trap = true;
	if (bp)
		*c = (pt_stop_cause){ .kind = PT_STOP_BREAKPOINT, .addr = at };
}

/* A thread interrupted while it single-stepped, whose interrupt came
 * first.  If the instruction was executed, its step's SIGTRAP is pending:
 * the step is done (swallow the trap when it comes).  But a step onto a
 * breakpoint to hit (PT_RESUME_NO_STEP_OVER) executed our int3, not the
 * instruction: its pending SIGTRAP is the hit, the PC to be rewound
 * (bp_step_hit_interrupted).  If nothing was executed, a step-over
 * is still to be made: the thread sits on the breakpoint it hit, which the
 * next continue must step it over, not hit again. */
static void interrupted_step_stop(struct pt_thread *t, pt_stop_cause *c)
{
	/* A SIGTRAP pending from before (an earlier hit's, to swallow):
	 * the thread takes it before it runs anything, so nothing ran. */
	if (!t->swallow_trap &&
	    pt__procfs_sig_pending(pt__thread_tgid(t), t->tid, SIGTRAP)) {
		const struct pt__arch *a = t->proc->arch;
		t->swallow_trap = true;
		if (t->step_onto_bp && pt__thread_fetch_regs(t) == 0 &&
		    pt__thread_pc(t) == t->step_bp_at + a->pc_after_bp) {
			PT__LOGD("thread %d: interrupted with the hit of its "
				 "step at 0x%llx pending", (int)t->tid,
				 (unsigned long long)t->step_bp_at);
			pt__arch_set_reg_u64(a, t->regs.bytes, a->pc_index,
					     t->step_bp_at);
			t->regs_dirty = true;
			if (pt__bp_find(t->proc, t->step_bp_at))
				*c = (pt_stop_cause){ .kind = PT_STOP_BREAKPOINT,
						      .addr = t->step_bp_at };
			return;
		}
		PT__LOGD("thread %d: interrupted with its step done",
			 (int)t->tid);
		c->kind = PT_STOP_STEP;
	} else if (!t->step_is_user && t->stepping_over) {
		t->recheck_bp = true;
	}
}

/* ENGINE, detaching: a stopped thread whose breakpoint SIGTRAP is still
 * pending (pending_hit) would die of it once let go.  Let it take the
 * signal under our eyes first: resume it and wait for the SIGTRAP stop,
 * passing on whatever else comes before. */
void pt__thread_drop_pending_trap(struct pt_thread *t)
{
	if (!t->swallow_trap || t->state != PT__TS_STOPPED)
		return;
	t->swallow_trap = false;
	if (pt__thread_flush_regs(t) < 0)
		return;
	int sig = 0;
	for (int i = 0; i < 16; i++) {
		if (ptrace(PTRACE_CONT, t->tid, NULL, (void *)(intptr_t)sig) < 0)
			return;
		int raw;
		pid_t w;
		while ((w = waitpid(t->tid, &raw, __WALL)) < 0 && errno == EINTR)
			;
		if (w != t->tid)
			return;
		struct pt__wstatus ws;
		pt__wstatus_decode(raw, 1, &ws);
		if (ws.kind == PT__W_EXITED || ws.kind == PT__W_SIGNALED) {
			pt__thread_set_state(t, PT__TS_EXITED);
			return;
		}
		if (ws.kind == PT__W_SIGNAL_STOP && ws.sig == SIGTRAP)
			return; /* taken: stopped again, nothing pending */
		/* another signal first: deliver it; anything else: go on */
		sig = ws.kind == PT__W_SIGNAL_STOP ? ws.sig : 0;
	}
	pt__log(PT_LOG_WARN, "thread %d: pending SIGTRAP not taken",
		(int)t->tid);
}

/* Whether tid is a thread of thread group tgid: tgkill with signal 0
 * sends nothing and fails with ESRCH unless it is (a zombie leader
 * included).  Cheaper than a look in /proc, once per new thread. */
static bool is_thread_of(pid_t tgid, pid_t tid)
{
	return syscall(SYS_tgkill, (int)tgid, (int)tid, 0) == 0 ||
	       errno == EPERM;
}

/* A new thread's first stop (PTRACE_EVENT_STOP of an auto-attached
 * clone). */
static void initial_stop(struct pt_thread *t, const struct pt__wstatus *ws)
{
	struct pt_process *p = t->proc;
	pt_stop_cause c = { .kind = PT_STOP_REQUESTED };
	if (ws->kind == PT__W_GROUP_STOP) {
		c.kind = PT_STOP_GROUP;
		c.signo = ws->sig;
	}
	t->cause = c;
	t->cause.sz = sizeof t->cause;
	t->stop_gen = p->bp_gen;
	pt__thread_set_state(t, PT__TS_STOPPED);
	pt__watch_sync(t); /* before it runs: watchpoints are per process */
	/* A first stop before the creator's clone event, with creations
	 * reported: the event is on its way (the creator is past the clone;
	 * only its death stops the event, and that takes this thread too).
	 * Hold the thread until the event, which reports it, or it could run
	 * to its end first and its creation be lost
	 * (pt__thread_early_gone_take). */
	bool hold = t->before_clone && c.kind == PT_STOP_REQUESTED &&
		    event_wanted(p, PT_STOP_THREAD_CREATE);
	if (hold)
		PT__LOGD("thread %d: first stop before its creator's clone "
			 "event: held until it", (int)t->tid);
	if (!hold && (p->all_running || p->run_new) && !p->stopping &&
	    c.kind == PT_STOP_REQUESTED) {
		/* The process runs: so does its new thread. */
		pt__thread_resume(t, false);
		if (t->before_clone)
			PT__LOGD("thread %d: first stop before its creator's "
				 "clone event: runs on", (int)t->tid);
		return;
	}
	pt__proc_update_state(p);
	if (t == p->leader)
		pt__fork_child_settled(p);
}

static void on_event(struct pt_thread *t, const struct pt__wstatus *ws)
{
	struct pt_process *p = t->proc;
	unsigned long msg = 0;
	pt_stop_cause c = { 0 };
	if (ws->event == PTRACE_EVENT_EXIT && p->all_running &&
	    !p->stopping && !p->resuming &&
	    !event_wanted(p, PT_STOP_THREAD_EXIT)) {
		/* Nobody will see this exit, and nothing waits on it: let
		 * the thread go, without reading its status or registers
		 * (a tracee that churns through threads pays for each).
		 * Only while every thread runs: if the others are stopped
		 * (one thread single-steps), whether this exit is a kill
		 * decides whether they form a stop, so the slow path
		 * below must look at it. */
		t->at_exit = true;
		pt__thread_set_state(t, PT__TS_EXITING);
		pt__thread_rerun(t);
		pt__proc_update_state(p);
		return;
	}
	pt__ptrace(PTRACE_GETEVENTMSG, t, NULL, &msg);

	t->in_syscall_stop = true;
	switch (ws->event) {
	case PTRACE_EVENT_CLONE: {
		pid_t ntid = (pid_t)msg;
		struct pt_thread *nt = pt__thread_find(p, ntid);
		if (nt)
			nt->before_clone = false;
		if (!nt && pt__thread_early_gone_take(p, ntid)) {
			/* A thread that came (its first stop before this
			 * event) and went already: no new process, nothing
			 * to report (taken for a fork child, it was waited
			 * for for ever). */
			PT__LOGD("thread %d: clone event of %d, gone already",
				 (int)t->tid, (int)ntid);
			c.kind = PT_STOP_REQUESTED;
			if (t->state == PT__TS_STOPPING)
				break;
			pt__thread_rerun(t);
			return;
		}
		if (!nt && !is_thread_of(pt__thread_tgid(t), ntid) &&
		    (p->events & PT_EVENT_CLONE_THREADS))
			nt = pt__fork_clone_thread(t, ntid);
		if (!nt && !is_thread_of(pt__thread_tgid(t), ntid)) {
			/* clone without CLONE_THREAD: a new process */
			c.kind = PT_STOP_FORK;
			c.code = PT_FORK_CLONE;
			c.pid = ntid;
			c.process = pt__fork_parent_event(t, ntid, false);
			break;
		}
		if (!nt) {
			nt = pt__thread_new(p, ntid, PT__TS_NEW);
			if (nt) /* a thread of a clone child taken as one */
				nt->tgid = t->tgid;
		}
		c.kind = PT_STOP_THREAD_CREATE;
		c.pid = ntid;
		c.thread = nt;
		break;
	}
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		c.kind = PT_STOP_FORK;
		c.code = ws->event == PTRACE_EVENT_VFORK ? PT_FORK_VFORK
							 : PT_FORK_FORK;
		c.pid = (pid_t)msg;
		c.process = pt__fork_parent_event(
			t, (pid_t)msg, ws->event == PTRACE_EVENT_VFORK);
		break;
	case PTRACE_EVENT_VFORK_DONE:
		pt__fork_vfork_done(p);
		if (p->events & PT_EVENT_VFORK_DONE) {
			c.kind = PT_STOP_VFORK_DONE;
			c.pid = (pid_t)msg;
			break;
		}
		c.kind = PT_STOP_REQUESTED; /* nothing to report */
		if (t->state == PT__TS_STOPPING)
			break;
		pt__thread_rerun(t);
		return;
	case PTRACE_EVENT_EXEC:
		p->dying = false; /* the others died for the exec */
		p->vfork_parent = 0; /* a memory of its own now */
		c.kind = PT_STOP_EXEC;
		c.pid = (pid_t)msg;
		if (c.pid != t->tid) {
			/* A non-leader thread exec'd: it now has the leader's
			 * tid (this object) and its old tid is gone.  The
			 * other threads were killed by the exec. */
			struct pt_thread *old = pt__thread_find(p, c.pid);
			/* What this object knew was the old leader's, whose
			 * exit (forced by the exec) may have passed unseen
			 * (on_event's quick path): now it is the thread
			 * that exec'd, inside execve, not at its exit. */
			t->at_exit = t->swallow_trap = false;
			t->inject_sig = 0;
			t->sys_nr = old ? old->sys_nr : -1;
			if (old) {
				old->cause = (pt_stop_cause){
					.sz = sizeof old->cause,
					.kind = PT_STOP_EXITED };
				pt__thread_set_state(old, PT__TS_EXITED);
			}
			mark_doomed(p, t);
		}
		/* The old image and its breakpoints are gone; memory must be
		 * reopened for the new one, whose architecture may differ
		 * (x86-64 <-> i386). */
		pt__proc_pick_arch(p, t->tid, true);
		/* Nothing may point into the breakpoint table freed now (a
		 * step over a breakpoint on the execve itself ends here). */
		for (struct pt_thread *o = p->live_head; o; o = o->live_next) {
			o->stepping_over = o->resume_bp = NULL;
			o->recheck_bp = false;
		}
		p->resuming = false;
		while (pt__stepq_pop(p))
			;
		pt__bp_forget_all(p);
		pt__watch_forget_all(p);
		pt__mem_close(p);
		pt__mem_open(p);
		break;
	case PTRACE_EVENT_EXIT: {
		if (pt__thread_fetch_regs(t) == 0 &&
		    !p->arch->exit_is_voluntary(t->regs.bytes)) {
			/* Killed by a signal: another thread's exit_group or
			 * execve, a fatal signal, SIGKILL.  Collateral, not an
			 * event of its own (the process's end is reported
			 * when it comes), and stopping the others for it
			 * could deadlock: an execve waits for this thread to
			 * die. */
			p->dying = true;
			pt__thread_set_state(t, PT__TS_EXITING);
			pt__thread_rerun(t);
			pt__proc_update_state(p);
			return;
		}
		t->at_exit = true;
		struct pt__wstatus es;
		pt__wstatus_decode((int)msg, 1, &es);
		c.kind = PT_STOP_THREAD_EXIT;
		if (es.kind == PT__W_SIGNALED)
			c.signo = es.sig;
		else
			c.status = es.status;
		break;
	}
	default:
		/* fork/vfork/seccomp events are not asked for. */
		pt__thread_rerun(t);
		return;
	}
	thread_stopped(t, &c);
}

/* Whether a clone child taken as a thread (PT_EVENT_CLONE_THREADS), or a
 * thread of one, is still there. */
static bool clone_threads_live(const struct pt_process *p)
{
	for (const struct pt_thread *t = p->live_head; t; t = t->live_next)
		if (t->tgid && !pt__tstate_is_gone(t->state))
			return true;
	return false;
}

static void on_reaped(struct pt_thread *t, const struct pt__wstatus *ws)
{
	struct pt_process *p = t->proc;
	pt_stop_cause c = { .sz = sizeof c, .kind = PT_STOP_EXITED };
	if (ws->kind == PT__W_SIGNALED)
		c.signo = ws->sig;
	else
		c.status = ws->status;
	t->cause = c;
	if (t->stepping_over) {
		/* the thread died mid-step: put the breakpoint back */
		pt__bp_insert(p, t->stepping_over);
		t->stepping_over = NULL;
	}
	pt__thread_set_state(t, PT__TS_EXITED);
	int code = ws->kind == PT__W_EXITED ? ws->status : -1;
	int sig = ws->kind == PT__W_SIGNALED ? ws->sig : 0;
	if (t == p->leader) {
		pt__fork_child_settled(p);
		if (!clone_threads_live(p)) {
			if (!p->event_thread)
				p->event_thread = t;
			pt__proc_mark_exited(p, code, sig);
			return;
		}
		/* Clone children taken as threads live on: the process
		 * ends with the last of them, with this status. */
		p->leader_reaped = true;
		p->leader_code = code;
		p->leader_sig = sig;
	} else if (p->leader && pt__tstate_is_gone(p->leader->state) &&
		   !p->live_head) {
		/* The leader was a zombie we could not trace (or it exec'd
		 * away): the last traced thread's end is the process's. */
		if (!p->event_thread)
			p->event_thread = t;
		if (p->leader_reaped)
			pt__proc_mark_exited(p, p->leader_code, p->leader_sig);
		else
			pt__proc_mark_exited(p, code, sig);
		return;
	}
	if (p->resuming && !p->stepq_head) {
		/* the step-over thread died: carry on with the others */
		bool stepping = false;
		for (struct pt_thread *o = p->live_head; o; o = o->live_next)
			if (o->state == PT__TS_STEPPING)
				stepping = true;
		if (!stepping)
			pt__proc_resume_next(p);
	}
	pt__proc_update_state(p);
	pt__thread_forget_unseen(t);
}

/* ENGINE: a syscall-stop (PTRACE_SYSCALL with TRACESYSGOOD).  The kernel
 * says whether it is an entry or an exit (PTRACE_GET_SYSCALL_INFO, Linux
 * 5.3); where it cannot, entries and exits alternate. */
static void on_syscall(struct pt_thread *t)
{
	struct pt_process *p = t->proc;
	struct __ptrace_syscall_info si;
	memset(&si, 0, sizeof si);
	long n = pt__ptrace(PTRACE_GET_SYSCALL_INFO, t, (void *)sizeof si, &si);
	bool entry;
	if (n > 0 && si.op == PTRACE_SYSCALL_INFO_ENTRY)
		entry = true;
	else if (n > 0 && si.op == PTRACE_SYSCALL_INFO_EXIT)
		entry = false;
	else
		entry = t->sys_nr < 0;
	pt_stop_cause c = { .kind = entry ? PT_STOP_SYSCALL_ENTRY
					  : PT_STOP_SYSCALL_EXIT };
	/* a step from a syscall's entry is first reported at its exit
	 * (allstop.c, step_skip_sysexit), as from an event inside one */
	t->in_syscall_stop = entry;
	if (entry) {
		t->sys_nr = n > 0 ? (long)si.entry.nr : -1;
		c.syscall = t->sys_nr;
	} else {
		c.syscall = t->sys_nr;
		c.sysret = n > 0 ? si.exit.rval : 0;
		t->sys_nr = -1;
	}
	bool wanted = p->syscall_mode == PT_SYSCALLS_ALL ||
		      (p->syscall_mode == PT_SYSCALLS_SOME && c.syscall >= 0 &&
		       c.syscall < PT_SYSCALL_MAX &&
		       (p->syscall_set[c.syscall / 64] >> (c.syscall % 64) & 1));
	if (!wanted && t->state == PT__TS_STOPPING && !t->interrupted_step) {
		/* Our PTRACE_INTERRUPT may be what ended a blocking call
		 * here, and the kernel takes any stop for the interrupt's
		 * (the pending STOP trap is cleared): this is the stop we
		 * wait for.  If the interrupt came after this stop, its
		 * trap is still pending and is swallowed as stale later. */
		c = (pt_stop_cause){ .kind = PT_STOP_REQUESTED };
		thread_stopped(t, &c);
		return;
	}
	if (!wanted || t->state == PT__TS_STEPPING) {
		pt__thread_rerun(t);
		return;
	}
	thread_stopped(t, &c);
}

void pt__thread_on_wait(struct pt_thread *t, const struct pt__wstatus *ws)
{
	PT__ASSERT_TRACER(t->proc->eng);
	struct pt_process *p = t->proc;
	PT__LOGD("thread %d: wait: %s sig %d event %d (state %s)", (int)t->tid,
		 pt__wkind_name(ws->kind), ws->sig, ws->event,
		 pt__tstate_name(t->state));

	if (ws->kind == PT__W_EXITED || ws->kind == PT__W_SIGNALED) {
		on_reaped(t, ws);
		return;
	}
	if (ws->kind != PT__W_SIGNAL_STOP && ws->kind != PT__W_GROUP_STOP &&
	    ws->kind != PT__W_INTERRUPT && ws->kind != PT__W_EVENT &&
	    ws->kind != PT__W_SYSCALL)
		return;

	if (t->state == PT__TS_EXITING &&
	    !(ws->kind == PT__W_EVENT && ws->event == PTRACE_EVENT_EXEC)) {
		/* Killed, or past its exit event: let it die.  (An exec
		 * event is the exec'ing thread, which took this tid.) */
		long rc = pt__ptrace(PTRACE_CONT, t, NULL, NULL);
		(void)rc;
		return;
	}
	t->sig_stop = ws->kind == PT__W_SIGNAL_STOP;
	if (t->state == PT__TS_NEW && ws->kind != PT__W_EVENT &&
	    ws->kind != PT__W_SIGNAL_STOP) {
		initial_stop(t, ws);
		return;
	}

	switch (ws->kind) {
	case PT__W_INTERRUPT:
		if (t->state == PT__TS_LISTENING) {
			/* SIGCONT ended the job-control stop: run on. */
			long rc = pt__ptrace(pt__cont_request(p), t, NULL,
					     NULL);
			if (rc == 0)
				pt__thread_set_state(t, PT__TS_RUNNING);
			return;
		}
		if (t->state == PT__TS_STOPPING) {
			pt_stop_cause c = { .kind = PT_STOP_REQUESTED };
			if (t->interrupted_step)
				interrupted_step_stop(t, &c);
			else
				pending_hit(t, &c);
			pt__watch_interrupted(t, &c);
			thread_stopped(t, &c);
		} else {
			/* a stale PTRACE_INTERRUPT: see the top of this file */
			PT__LOGD("thread %d: stale interrupt swallowed",
				 (int)t->tid);
			pt__thread_rerun(t);
		}
		return;
	case PT__W_GROUP_STOP: {
		pt_stop_cause c = { .kind = PT_STOP_GROUP, .signo = ws->sig };
		thread_stopped(t, &c);
		return;
	}
	case PT__W_SIGNAL_STOP:
		if (t->inject_sig && ws->sig == t->inject_sig &&
		    (t->state == PT__TS_RUNNING || t->state == PT__TS_STEPPING)) {
			/* the signal pt_thread_set_signal asked for, sent by
			 * pt__thread_resume: deliver it, as asked */
			t->inject_sig = 0;
			pt__thread_rerun_sig(t, ws->sig);
			return;
		}
		if (ws->sig == SIGTRAP) {
			on_sigtrap(t);
		} else if (t->proc->pass_any && !t->resume_step &&
			   (t->state == PT__TS_RUNNING ||
			    t->state == PT__TS_STOPPING) &&
			   sigismember(&t->proc->pass_sigs, ws->sig) == 1) {
			/* pt_process_pass_signals: deliver it and run on (a
			 * thread being stopped still stops, for the
			 * interrupt that follows) */
			PT__LOGD("thread %d: %s passed", (int)t->tid,
				 pt_signal_name(ws->sig));
			pt__thread_rerun_sig(t, ws->sig);
		} else {
			pt_stop_cause c;
			fill_signal_cause(t, ws->sig, &c);
			t->pending_sig = ws->sig;
			thread_stopped(t, &c);
		}
		return;
	case PT__W_EVENT:
		p->event_thread_io = t;
		on_event(t, ws);
		p->event_thread_io = NULL;
		return;
	case PT__W_SYSCALL:
		on_syscall(t);
		return;
	default:
		(void)p;
		return;
	}
}

/* ENGINE: the first stop of thread tid of p (of thread group tgid, 0 for
 * p's own), before its creator's clone event. */
static void adopt_early(struct pt_process *p, pid_t tid, pid_t tgid,
			const struct pt__wstatus *ws)
{
	struct pt_thread *t = pt__thread_new(p, tid, PT__TS_NEW);
	if (!t)
		return;
	t->tgid = tgid;
	t->before_clone = true;
	pt__thread_on_wait(t, ws);
}

void pt__engine_on_unknown(struct pt__engine *e, pid_t tid,
			   const struct pt__wstatus *ws)
{
	PT__ASSERT_TRACER(e);
	if (ws->kind == PT__W_EXITED || ws->kind == PT__W_SIGNALED) {
		PT__LOGD("engine: reaped unknown %d", (int)tid);
		return;
	}
	/* A new thread can report its first stop before its creator reports
	 * the clone event.  Adopt it now; the clone event will find it. */
	pid_t tgid = -1;
	for (struct pt_process *p = e->procs; p; p = p->eng_next) {
		if (p->state != PT_PROC_EXITED &&
		    p->state != PT_PROC_DETACHED && is_thread_of(p->pid, tid)) {
			adopt_early(p, tid, 0, ws);
			return;
		}
	}
	tgid = pt__procfs_tgid(tid);
	if (tgid > 0 && tgid != tid) {
		/* a thread of a clone child taken as a thread */
		for (struct pt_process *p = e->procs; p; p = p->eng_next) {
			struct pt_thread *o = pt__thread_find(p, tgid);
			if (o && o->proc->state != PT_PROC_EXITED &&
			    o->proc->state != PT_PROC_DETACHED && o->tgid) {
				adopt_early(p, tid, tgid, ws);
				return;
			}
		}
	}
	/* A new process: the child of a fork, met half-way (or a clone
	 * child its parent's event will take as a thread). */
	if (tgid == tid && pt__fork_child_stop(e, tid))
		return;
	/* No process of ours owns it.  Chiefly a thread of a process
	 * detached meanwhile whose PTRACE_DETACH found it out of a
	 * ptrace-stop (killed by another thread's exit_group, on its way to
	 * its exit), now at its exit stop: left there, it would hold its
	 * whole thread group, and the parent's wait, until the tracer ends.
	 * Let it go, with its signal if it stopped for one. */
	int sig = ws->kind == PT__W_SIGNAL_STOP ? ws->sig : 0;
	bool exiting = ws->kind == PT__W_EVENT && ws->event == PTRACE_EVENT_EXIT;
	long rc = ptrace(PTRACE_DETACH, tid, NULL, (void *)(intptr_t)sig);
	pt__log(exiting && rc == 0 ? PT_LOG_DEBUG : PT_LOG_WARN,
		"engine: stop of unknown task %d (tgid %d)%s: %s", (int)tid,
		(int)tgid, exiting ? " at its exit" : "",
		rc == 0 ? "detached" : strerror(errno));
}
