/*
 * thread.c - the thread state machine and the all-stop logic.
 *
 * Every change of a thread's state goes through pt__thread_set_state(),
 * which keeps the counters the rest of the engine relies on (threads still
 * running per process, wait events still owed per engine) and logs the
 * transition.  Every wait event goes through pt__thread_on_wait(), which
 * decides the thread's new state and stop cause:
 *
 *   NEW ------(first stop)-------> STOPPED or RUNNING (resumed at once)
 *   RUNNING --(event)------------> STOPPED      -> all-stop of the others
 *   RUNNING --(PTRACE_INTERRUPT)-> STOPPING --> STOPPED (requested)
 *   STEPPING -(trap)-------------> STOPPED (step) or on to the next resume
 *   STOPPED --(resume)-----------> RUNNING / STEPPING / EXITING (past exit)
 *   any ------(reaped)-----------> EXITED
 *
 * All-stop: the first thread to report an event that the user must see
 * becomes the process's event thread; every other running thread is sent
 * PTRACE_INTERRUPT; the process is STOPPED once no thread is running.  A
 * PTRACE_INTERRUPT that crosses a stop already on its way leaves a
 * PTRACE_EVENT_STOP pending in the kernel; it arrives after the next resume,
 * while we believe the thread runs, and is swallowed by resuming the thread
 * the same way again.
 *
 * Continue: threads whose PC sits on one of our breakpoints are stepped over
 * it one at a time (breakpoint lifted, PTRACE_SINGLESTEP, put back) while
 * every other thread stays stopped; then all are resumed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"

const char *pt__tstate_name(enum pt__tstate s)
{
	static const char *const names[] = {
		[PT__TS_NEW] = "new",         [PT__TS_RUNNING] = "running",
		[PT__TS_STEPPING] = "stepping", [PT__TS_STOPPING] = "stopping",
		[PT__TS_LISTENING] = "listening",
		[PT__TS_STOPPED] = "stopped", [PT__TS_EXITING] = "exiting",
		[PT__TS_EXITED] = "exited",   [PT__TS_DETACHED] = "detached",
	};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* ---- thread table ------------------------------------------------------- */

static size_t tid_slot(const struct pt_process *p, pid_t tid)
{
	return ((uint32_t)tid * 2654435761u) & (p->tid_hash_cap - 1);
}

static int tid_hash_grow(struct pt_process *p)
{
	size_t ncap = p->tid_hash_cap ? p->tid_hash_cap * 2 : 64;
	struct pt_thread **nh = calloc(ncap, sizeof *nh);
	if (!nh)
		return PT_ENOMEM;
	size_t ocap = p->tid_hash_cap;
	struct pt_thread **oh = p->tid_hash;
	p->tid_hash = nh;
	p->tid_hash_cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		for (struct pt_thread *t = oh[i], *n; t; t = n) {
			n = t->hash_next;
			size_t s = tid_slot(p, t->tid);
			t->hash_next = nh[s];
			nh[s] = t;
		}
	}
	free(oh);
	return 0;
}

struct pt_thread *pt__thread_find(struct pt_process *p, pid_t tid)
{
	if (!p->tid_hash_cap)
		return NULL;
	for (struct pt_thread *t = p->tid_hash[tid_slot(p, tid)]; t;
	     t = t->hash_next)
		if (t->tid == tid)
			return t;
	return NULL;
}

static void tid_hash_remove(struct pt_thread *t)
{
	struct pt_process *p = t->proc;
	if (!p->tid_hash_cap)
		return;
	for (struct pt_thread **pp = &p->tid_hash[tid_slot(p, t->tid)]; *pp;
	     pp = &(*pp)->hash_next) {
		if (*pp == t) {
			*pp = t->hash_next;
			t->hash_next = NULL;
			return;
		}
	}
}

static void live_remove(struct pt_thread *t)
{
	struct pt_process *p = t->proc;
	if (!t->in_live_list)
		return;
	if (t->live_prev)
		t->live_prev->live_next = t->live_next;
	else
		p->live_head = t->live_next;
	if (t->live_next)
		t->live_next->live_prev = t->live_prev;
	else
		p->live_tail = t->live_prev;
	t->live_next = t->live_prev = NULL;
	t->in_live_list = false;
	p->nlive--;
}

struct pt_thread *pt__thread_new(struct pt_process *p, pid_t tid,
				 enum pt__tstate st)
{
	if (p->nlive + 1 > p->tid_hash_cap / 2 && tid_hash_grow(p) < 0)
		return NULL;
	struct pt_thread *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->magic = PT__THREAD_MAGIC;
	t->tid = tid;
	t->proc = p;
	size_t s = tid_slot(p, tid);
	t->hash_next = p->tid_hash[s];
	p->tid_hash[s] = t;
	t->all_next = p->all_threads;
	if (p->all_threads)
		p->all_threads->all_prev = t;
	p->all_threads = t;
	t->live_prev = p->live_tail;
	if (p->live_tail)
		p->live_tail->live_next = t;
	else
		p->live_head = t;
	p->live_tail = t;
	t->in_live_list = true;
	p->nlive++;
	if (tid == p->pid)
		p->leader = t;
	t->state = st;
	p->nrunning += pt__tstate_is_running(st);
	p->eng->nawait += pt__tstate_awaits_event(st);
	PT__LOGD("thread %d: new, %s", (int)tid, pt__tstate_name(st));
	return t;
}

void pt__thread_set_state(struct pt_thread *t, enum pt__tstate st)
{
	enum pt__tstate old = t->state;
	if (old == st)
		return;
	struct pt_process *p = t->proc;
	struct pt__engine *e = p->eng;
	p->nrunning += pt__tstate_is_running(st);
	p->nrunning -= pt__tstate_is_running(old);
	e->nawait += pt__tstate_awaits_event(st);
	e->nawait -= pt__tstate_awaits_event(old);
	t->state = st;
	if (st != PT__TS_STOPPED)
		t->regs_valid = t->xregs_valid = false;
	if (pt__tstate_is_gone(st)) {
		/* gone: out of the lookup table and the list; the object
		 * stays, so the user's handle stays valid */
		tid_hash_remove(t);
		live_remove(t);
		/* its registers can no longer be read: the extended-state
		 * buffer (kilobytes with AVX-512) goes now, not at
		 * pt_process_free, for a process that churns threads */
		free(t->xregs);
		t->xregs = NULL;
		t->xregs_len = t->xregs_cap = 0;
		if (t == p->io_thread)
			p->io_thread = NULL;
	}
	PT__LOGD("thread %d: %s -> %s", (int)t->tid, pt__tstate_name(old),
		 pt__tstate_name(st));
}

/* ENGINE: t was reaped.  If the application never got a handle to it
 * (pt__thread_shown) and nothing of ours points to it, free it now rather
 * than at pt_process_free: a traced program that churns through threads
 * would otherwise cost 1 KiB of memory per thread it ever ran, and a page
 * fault every few threads. */
static void thread_forget_unseen(struct pt_thread *t)
{
	struct pt_process *p = t->proc;
	if (t->seen || t == p->leader || t == p->event_thread ||
	    t == p->io_thread || t->stepq_next || t == p->stepq_tail ||
	    t->state != PT__TS_EXITED)
		return;
	if (t->all_prev)
		t->all_prev->all_next = t->all_next;
	else
		p->all_threads = t->all_next;
	if (t->all_next)
		t->all_next->all_prev = t->all_prev;
	PT__LOGD("thread %d: forgotten (never shown)", (int)t->tid);
	t->magic = 0;
	free(t->xregs);
	free(t);
}

void pt__proc_free_threads(struct pt_process *p)
{
	for (struct pt_thread *t = p->all_threads, *n; t; t = n) {
		n = t->all_next;
		t->magic = 0;
		free(t->xregs);
		free(t);
	}
	p->all_threads = NULL;
	p->live_head = p->live_tail = NULL;
	p->leader = NULL;
	free(p->tid_hash);
	p->tid_hash = NULL;
	p->tid_hash_cap = 0;
}

/* ---- ptrace and registers ------------------------------------------------- */

int pt__thread_vanished(struct pt_thread *t, int err, const char *what)
{
	if (err == -ESRCH && t->state == PT__TS_STOPPED) {
		/* It was stopped a moment ago: only SIGKILL takes a thread
		 * out of a ptrace-stop.  Its death will be reported; await
		 * it. */
		pt__log(PT_LOG_INFO, "thread %d: %s: gone (%s)", (int)t->tid,
			what, strerror(-err));
		t->proc->dying = true;
		pt__thread_set_state(t, PT__TS_EXITING);
	}
	return err;
}

long pt__ptrace(int req, struct pt_thread *t, void *addr, void *data)
{
	errno = 0;
	long r = ptrace((enum __ptrace_request)req, t->tid, addr, data);
	if (r < 0 && errno != 0)
		return pt__thread_vanished(t, -errno, "ptrace request");
	return r < 0 ? 0 : r;
}

int pt__thread_fetch_regs(struct pt_thread *t)
{
	if (t->regs_valid)
		return 0;
	int r = pt__arch_get_gregs(t->proc->arch, t->tid, t->regs.bytes);
	if (r < 0)
		return pt__thread_vanished(t, r, "read registers");
	t->regs_valid = true;
	t->regs_dirty = false;
	return 0;
}

int pt__thread_flush_regs(struct pt_thread *t)
{
	int r = pt__thread_flush_xregs(t);
	if (r < 0 || !t->regs_valid || !t->regs_dirty)
		return r;
	r = pt__arch_set_gregs(t->proc->arch, t->tid, t->regs.bytes);
	if (r < 0)
		return pt__thread_vanished(t, r, "write registers");
	t->regs_dirty = false;
	return 0;
}

static uint64_t thread_pc(struct pt_thread *t)
{
	const struct pt__arch *a = t->proc->arch;
	return pt__arch_reg_u64(a, t->regs.bytes, a->pc_index);
}

/* ---- notification ---------------------------------------------------------- */

void pt__notify(struct pt_process *p)
{
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

void pt__proc_update_state(struct pt_process *p)
{
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
static int thread_resume(struct pt_thread *t, bool step)
{
	int r = pt__thread_flush_regs(t);
	if (r < 0)
		return r;
	pt__watch_sync(t); /* hardware watchpoints (watchpoint.c) */
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
		if (syscall(SYS_tgkill, (int)t->proc->pid, (int)t->tid, sig) ==
		    0)
			t->inject_sig = sig;
		else
			pt__log(PT_LOG_WARN, "thread %d: cannot send %s: %s",
				(int)t->tid, pt_signal_name(sig),
				strerror(errno));
		sig = 0;
	}
	long rc = pt__ptrace(listen ? PTRACE_LISTEN
			     : step ? PTRACE_SINGLESTEP
				    : PTRACE_CONT,
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
	 * first reported at the syscall's exit, before any instruction. */
	t->step_skip_sysexit = step && t->in_syscall_stop;
	t->in_syscall_stop = false;
	t->cause.kind = PT_STOP_NONE;
	pt__thread_set_state(t, exiting ? PT__TS_EXITING
					: step ? PT__TS_STEPPING
					       : PT__TS_RUNNING);
	return 0;
}

/* ENGINE: re-issue the resume a thread was last given (after a stop we
 * swallow). */
static void thread_rerun_sig(struct pt_thread *t, int sig)
{
	/* Its registers may have been read at this stop (the state does
	 * not change, so pt__thread_set_state does not drop them): after
	 * it runs they are stale.  A change not yet written goes first. */
	int fr = pt__thread_flush_regs(t);
	if (fr < 0)
		pt__log(PT_LOG_WARN, "thread %d: cannot write registers: %s",
			(int)t->tid, strerror(-fr));
	t->regs_valid = t->xregs_valid = false;
	long rc = pt__ptrace(t->resume_step ? PTRACE_SINGLESTEP : PTRACE_CONT,
			     t, NULL, (void *)(intptr_t)sig);
	if (rc < 0)
		pt__log(PT_LOG_WARN, "thread %d: cannot resume: %s",
			(int)t->tid, strerror((int)-rc));
}

static void thread_rerun(struct pt_thread *t)
{
	thread_rerun_sig(t, 0);
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

static struct pt_thread *stepq_pop(struct pt_process *p)
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
static bool in_step(const struct pt_thread *t)
{
	return t->state == PT__TS_STEPPING ||
	       (t->state == PT__TS_STOPPING && t->interrupted_step);
}

/* ENGINE: start a single-step of t, lifting our breakpoint under its PC. */
int pt__thread_start_step(struct pt_thread *t, bool user)
{
	struct pt_process *p = t->proc;
	struct pt__bp *bp = NULL;
	if (p->bps.count > 0) { /* only then is the PC needed */
		int r = pt__thread_fetch_regs(t);
		if (r < 0)
			return r;
		bp = pt__bp_find(p, thread_pc(t));
	}
	int r;
	if (bp) {
		r = pt__bp_lift(p, bp);
		if (r < 0)
			return r;
	}
	t->stepping_over = bp;
	t->step_is_user = user;
	r = thread_resume(t, true);
	if (r < 0 && bp) {
		pt__bp_insert(p, bp);
		t->stepping_over = NULL;
	}
	return r;
}

/* ENGINE: next phase of a continue: the next step-over, or resume all. */
static int resume_next(struct pt_process *p)
{
	struct pt_thread *t;
	while ((t = stepq_pop(p))) {
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
	p->all_running = true;
	/* Write back every changed register set first (emulated step-overs
	 * leave many), so that the loop below that lets the threads go is
	 * as short as it can be: a thread let go early that hits a
	 * breakpoint again while the last ones are still held would start
	 * the next all-stop with the threads out of step, and each later
	 * stop would gather fewer hits (100 threads on one breakpoint:
	 * 4,500 all-stops for 20,000 hits instead of 250).  A failure here
	 * is met again, and reported, by thread_resume. */
	int first_err = 0;
	for (t = p->live_head; t; t = t->live_next) {
		if (t->state != PT__TS_STOPPED)
			continue;
		int r = pt__thread_flush_regs(t);
		if (r < 0 && r != -ESRCH) {
			/* The kernel refuses a register value: nothing is let
			 * go (pt_wait reports the error, the process stays
			 * stopped). */
			p->async_err = r;
			p->async_err_tid = t->tid;
			p->all_running = false;
			pt__proc_update_state(p);
			return r;
		}
	}
	for (t = p->live_head; t; t = t->live_next) {
		if (t->state != PT__TS_STOPPED)
			continue;
		int r = thread_resume(t, false);
		if (r < 0 && r != -ESRCH && !first_err)
			first_err = r;
	}
	pt__proc_update_state(p);
	return first_err;
}

#define PT__CONTENDED_RESUMES 64

/* ENGINE: the work of pt_continue. */
int pt__proc_resume(struct pt_process *p)
{
	p->resume_gen++;
	p->event_thread = NULL;
	p->stopping = false;
	p->stepq_head = p->stepq_tail = NULL;
	size_t nhit = 0;
	pid_t hitter = 0;
	for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
		t->resume_bp = NULL;
		if (t->state != PT__TS_STOPPED || t->at_exit)
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
		if (!check || p->bps.count == 0)
			continue;
		if (pt__thread_fetch_regs(t) < 0)
			continue;
		t->resume_bp = pt__bp_find(p, thread_pc(t));
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
	return resume_next(p);
}

/* ENGINE: PTRACE_INTERRUPT every running thread (all-stop). */
int pt__proc_interrupt_all(struct pt_process *p)
{
	p->stopping = true;
	p->all_running = false;
	/* A continue still stepping threads over breakpoints ends here: the
	 * threads still queued stay stopped (recheck_bp). */
	p->resuming = false;
	while (stepq_pop(p))
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
static bool thread_sig_pending(const struct pt_thread *t, int sig)
{
	char buf[2048];
	return pt__procfs_read_status(t->proc->pid, t->tid, buf, sizeof buf) &&
	       pt__procfs_status_sigpnd(buf, sig);
}

/* Whether a thread will die without ever stopping again: a zombie, or one
 * with SIGKILL pending (exit_group and fatal signals send every other thread
 * SIGKILL; such threads do not stop for PTRACE_INTERRUPT, and a zombie
 * leader is not reported until the last thread is gone). */
static bool thread_doomed(const struct pt_thread *t)
{
	char buf[2048];
	if (!pt__procfs_read_status(t->proc->pid, t->tid, buf, sizeof buf))
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
	bool was_stepover = in_step(t) && !t->step_is_user;
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
			thread_resume(t, false);
		}
		return;
	}

	bool stepover_done = was_stepover && c->kind == PT_STOP_STEP;
	if (stepover_done && p->resuming && !p->stopping) {
		resume_next(p);
		return;
	}
	if (stepover_done)
		t->cause.kind = PT_STOP_REQUESTED;

	if (!event_wanted(p, c->kind)) {
		t->cause.thread = NULL; /* not shown: may be freed */
		t->cause.process = NULL;
		if (!p->stopping && !p->resuming) {
			thread_resume(t, false);
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
		thread_rerun(t);
		return;
	}
	switch (pt__watch_on_trap(t, &c)) { /* watchpoint.c */
	case PT__WATCH_HIT:
		thread_stopped(t, &c);
		return;
	case PT__WATCH_HIDDEN:
		thread_rerun(t);
		return;
	case PT__WATCH_NONE:
		break;
	}
	if (in_step(t) && !t->step_is_user && !t->step_skip_sysexit) {
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
		uint64_t pc = thread_pc(t);
		struct pt__bp *bp = pt__bp_find(p, pc - a->pc_after_bp);
		if (bp) {
			pt__arch_set_reg_u64(a, t->regs.bytes, a->pc_index,
					     bp->addr);
			t->regs_dirty = true;
			c = (pt_stop_cause){ .kind = PT_STOP_BREAKPOINT,
					     .addr = bp->addr };
			thread_stopped(t, &c);
			return;
		}
	}
	fill_signal_cause(t, SIGTRAP, &c);
	enum pt__trap_kind k = a->classify_trap(&t->siginfo);
	if (k == PT__TRAP_BREAKPOINT && !in_step(t) &&
	    pt__thread_fetch_regs(t) == 0) {
		uint64_t at = thread_pc(t) - a->pc_after_bp;
		if (pt__bp_recently_removed(p, at)) {
			/* A hit queued before its breakpoint was removed (it
			 * was behind our interrupt): rewind, and hide it. */
			PT__LOGD("thread %d: phantom hit at 0x%llx hidden",
				 (int)t->tid, (unsigned long long)at);
			pt__arch_set_reg_u64(a, t->regs.bytes, a->pc_index, at);
			t->regs_dirty = true;
			if (pt__thread_flush_regs(t) == 0)
				thread_rerun(t);
			return;
		}
	}
	if (in_step(t) && t->step_skip_sysexit) {
		t->step_skip_sysexit = false;
		if (k == PT__TRAP_STEP_SYSCALL) {
			thread_rerun(t); /* now the real instruction step */
			return;
		}
	}
	if (in_step(t) && (k == PT__TRAP_STEP || k == PT__TRAP_STEP_SYSCALL)) {
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
	uint64_t at = thread_pc(t) - a->pc_after_bp;
	struct pt__bp *bp = pt__bp_find(p, at);
	if (!bp && !pt__bp_recently_removed(p, at))
		return;
	if (!thread_sig_pending(t, SIGTRAP))
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
 * the step is done (swallow the trap when it comes).  If not, a step-over
 * is still to be made: the thread sits on the breakpoint it hit, which the
 * next continue must step it over, not hit again. */
static void interrupted_step_stop(struct pt_thread *t, pt_stop_cause *c)
{
	if (thread_sig_pending(t, SIGTRAP)) {
		PT__LOGD("thread %d: interrupted with its step done",
			 (int)t->tid);
		t->swallow_trap = true;
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

/* Whether tid is a thread of p: tgkill with signal 0 sends nothing and
 * fails with ESRCH unless tid belongs to thread group p->pid (a zombie
 * leader included).  Cheaper than a look in /proc, once per new thread. */
static bool is_thread_of(const struct pt_process *p, pid_t tid)
{
	return syscall(SYS_tgkill, (int)p->pid, (int)tid, 0) == 0 ||
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
	if (p->all_running && !p->stopping && c.kind == PT_STOP_REQUESTED) {
		/* The process runs: so does its new thread. */
		thread_resume(t, false);
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
		thread_rerun(t);
		pt__proc_update_state(p);
		return;
	}
	pt__ptrace(PTRACE_GETEVENTMSG, t, NULL, &msg);

	t->in_syscall_stop = true;
	switch (ws->event) {
	case PTRACE_EVENT_CLONE: {
		pid_t ntid = (pid_t)msg;
		struct pt_thread *nt = pt__thread_find(p, ntid);
		if (!nt && !is_thread_of(p, ntid)) {
			/* clone without CLONE_THREAD: a new process */
			c.kind = PT_STOP_FORK;
			c.pid = ntid;
			c.process = pt__fork_parent_event(t, ntid, false);
			break;
		}
		if (!nt)
			nt = pt__thread_new(p, ntid, PT__TS_NEW);
		c.kind = PT_STOP_THREAD_CREATE;
		c.pid = ntid;
		c.thread = nt;
		break;
	}
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		c.kind = PT_STOP_FORK;
		c.pid = (pid_t)msg;
		c.process = pt__fork_parent_event(
			t, (pid_t)msg, ws->event == PTRACE_EVENT_VFORK);
		break;
	case PTRACE_EVENT_VFORK_DONE:
		pt__fork_vfork_done(p);
		c.kind = PT_STOP_REQUESTED; /* nothing to report */
		if (t->state == PT__TS_STOPPING)
			break;
		thread_rerun(t);
		return;
	case PTRACE_EVENT_EXEC:
		p->dying = false; /* the others died for the exec */
		c.kind = PT_STOP_EXEC;
		c.pid = (pid_t)msg;
		if (c.pid != t->tid) {
			/* A non-leader thread exec'd: it now has the leader's
			 * tid (this object) and its old tid is gone.  The
			 * other threads were killed by the exec. */
			struct pt_thread *old = pt__thread_find(p, c.pid);
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
		while (stepq_pop(p))
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
			thread_rerun(t);
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
		thread_rerun(t);
		return;
	}
	thread_stopped(t, &c);
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
	if (t == p->leader) {
		pt__fork_child_settled(p);
		if (!p->event_thread)
			p->event_thread = t;
		pt__proc_mark_exited(p, ws->kind == PT__W_EXITED ? ws->status : -1,
				     ws->kind == PT__W_SIGNALED ? ws->sig : 0);
		return;
	}
	if (p->leader && pt__tstate_is_gone(p->leader->state) && !p->live_head) {
		/* The leader was a zombie we could not trace (or it exec'd
		 * away): the last traced thread's end is the process's. */
		if (!p->event_thread)
			p->event_thread = t;
		pt__proc_mark_exited(p, ws->kind == PT__W_EXITED ? ws->status : -1,
				     ws->kind == PT__W_SIGNALED ? ws->sig : 0);
		return;
	}
	if (p->resuming && !p->stepq_head) {
		/* the step-over thread died: carry on with the others */
		bool stepping = false;
		for (struct pt_thread *o = p->live_head; o; o = o->live_next)
			if (o->state == PT__TS_STEPPING)
				stepping = true;
		if (!stepping)
			resume_next(p);
	}
	pt__proc_update_state(p);
	thread_forget_unseen(t);
}

void pt__thread_on_wait(struct pt_thread *t, const struct pt__wstatus *ws)
{
	struct pt_process *p = t->proc;
	PT__LOGD("thread %d: wait: %s sig %d event %d (state %s)", (int)t->tid,
		 pt__wkind_name(ws->kind), ws->sig, ws->event,
		 pt__tstate_name(t->state));

	if (ws->kind == PT__W_EXITED || ws->kind == PT__W_SIGNALED) {
		on_reaped(t, ws);
		return;
	}
	if (ws->kind != PT__W_SIGNAL_STOP && ws->kind != PT__W_GROUP_STOP &&
	    ws->kind != PT__W_INTERRUPT && ws->kind != PT__W_EVENT)
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
			long rc = pt__ptrace(PTRACE_CONT, t, NULL, NULL);
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
			thread_rerun(t);
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
			 * thread_resume: deliver it, as asked */
			t->inject_sig = 0;
			thread_rerun_sig(t, ws->sig);
			return;
		}
		if (ws->sig == SIGTRAP) {
			on_sigtrap(t);
		} else {
			pt_stop_cause c;
			fill_signal_cause(t, ws->sig, &c);
			t->pending_sig = ws->sig;
			thread_stopped(t, &c);
		}
		return;
	case PT__W_EVENT:
		on_event(t, ws);
		return;
	default:
		(void)p;
		return;
	}
}

void pt__engine_on_unknown(struct pt__engine *e, pid_t tid,
			   const struct pt__wstatus *ws)
{
	if (ws->kind == PT__W_EXITED || ws->kind == PT__W_SIGNALED) {
		PT__LOGD("engine: reaped unknown %d", (int)tid);
		return;
	}
	/* A new thread can report its first stop before its creator reports
	 * the clone event.  Adopt it now; the clone event will find it. */
	pid_t tgid = -1;
	for (struct pt_process *p = e->procs; p; p = p->eng_next) {
		if (p->state != PT_PROC_EXITED &&
		    p->state != PT_PROC_DETACHED && is_thread_of(p, tid)) {
			struct pt_thread *t = pt__thread_new(p, tid, PT__TS_NEW);
			if (t)
				pt__thread_on_wait(t, ws);
			return;
		}
	}
	/* A new process: the child of a fork, met half-way. */
	tgid = pt__procfs_tgid(tid);
	if (tgid == tid && pt__fork_child_stop(e, tid))
		return;
	pt__log(PT_LOG_WARN, "engine: stop of unknown task %d (tgid %d)",
		(int)tid, (int)tgid);
}
