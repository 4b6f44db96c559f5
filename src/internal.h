/*
 * internal.h - the objects behind the opaque handles, and the contracts
 * between the engine's modules.
 *
 * Modules (each file opens with what it owns):
 *   engine.c     the tracer thread: its loop, requests, the doorbell
 *   stop.c       wait events: dispatch and stop decoding
 *   allstop.c    resume, interrupt, the step-over queue; waiting for a stop
 *   thread.c     process/thread objects, tid table, set_state, registers
 *   fork.c       children of traced processes
 *   bptable.c    software breakpoints in the tracee's memory
 *   watchtable.c hardware watchpoints in every thread's debug registers
 *   memio.c      raw memory access
 *   procfs.c     /proc parsing (procfs.h)     waitstatus.c  wait statuses
 *   error.c, log.c (log.h), cause.c           errors, logging, names
 *   arch/        per-architecture tables (arch.h); never includes this file
 * The public API is in process.c (control, queries), launch.c, attach.c,
 * breakpoint.c, watchpoint.c, memory.c and regs.c.  They call the modules
 * above; no module above calls them (make check-layout checks it).
 *
 * ---- Rules: the lock and the tracer thread --------------------------------
 *
 * 1. One mutex per engine (struct pt__engine.lock, taken with pt__lock)
 *    guards the engine, its processes, their threads, breakpoints and
 *    watchpoints.  Every API call takes it on entry (pt__proc_enter,
 *    pt__thread_enter) and holds it until it returns, except where it
 *    waits: pt__engine_call and pt__wait_stop_since release it while they
 *    sleep (pt__cond_wait), so any state may change across those calls.
 * 2. Every ptrace request, and every waitpid, is made by the engine's
 *    tracer thread (Linux accepts a tracee's requests only from the thread
 *    that attached it), with the lock held.  Functions marked ENGINE below
 *    run only there; pt__ptrace asserts it (PT__ASSERT_TRACER).  An API
 *    call hands such work over with pt__engine_call (waits for the
 *    result) or pt__engine_post (pt_continue, pt_thread_step: does not).
 * 3. The tracer thread lets the lock go only (a) while it sleeps in
 *    waitpid or on req_sem (engine_main, pt__engine_pump), (b) while the
 *    application's function of pt_call_on_tracer runs
 *    (pt__engine_run_user).  A request function (struct pt__req.fn) never
 *    does: it runs from start to end with the lock held.
 * 4. Requests run in FIFO order, each to its end before the next starts
 *    (engine.c run_requests).  On the tracer thread itself (a proctrace
 *    call inside pt_call_on_tracer's function) pt__engine_call first runs
 *    whatever is queued, then its own request in place, so the order seen
 *    by the application is still the order of its calls.
 * 5. Waiters sleep on the engine's state_cond; the tracer thread
 *    broadcasts it after unlocking (notify_pending), never while holding
 *    the lock for long.  A waiter rechecks its condition: a broadcast means
 *    "something changed", not "your event came".
 * 6. Fields read without the lock, always with __atomic loads, and written
 *    with __atomic stores under the lock: p->state (pt_process_state, the
 *    spin-wait of pt__wait_stop_since), p->arch (register-table calls),
 *    e->req_head (the tracer thread's spin for a request), e->started and
 *    e->shutdown.  Everything else: lock held.
 * 7. Rules 1 and 2 are checked at run time in the debug build
 *    (make check-debug: -DPT_DEBUG): PT__ASSERT_LOCKED, PT__ASSERT_TRACER.
 */
#ifndef PT_INTERNAL_H
#define PT_INTERNAL_H

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "proctrace.h"
#include "arch/arch.h"
#include "log.h"
#include "waitstatus.h"

#define PT__PROC_MAGIC 0x70745072u /* "ptPr" */
#define PT__THREAD_MAGIC 0x70745468u /* "ptTh" */

/* ---- the thread state machine ------------------------------------------
 *
 * A thread's state changes only in pt__thread_set_state (thread.c); the
 * events that change it are decoded in stop.c, the resumes and interrupts
 * are made in allstop.c, detach and kill in process.c / allstop.c.
 *
 *   NEW ------(first stop)-------------> STOPPED, or RUNNING (resumed at once)
 *   STOPPED --(PTRACE_CONT)------------> RUNNING
 *   STOPPED --(PTRACE_SINGLESTEP)------> STEPPING
 *   STOPPED --(PTRACE_LISTEN: job-control stop)--> LISTENING
 *   STOPPED --(resumed past its exit event, or ESRCH: SIGKILLed)--> EXITING
 *   STOPPED --(PTRACE_DETACH)----------> DETACHED   (end: not ours any more)
 *   RUNNING --(event the user sees)----> STOPPED  -> all-stop of the others
 *   RUNNING --(event nobody sees)------> STOPPED  -> resumed at once
 *   RUNNING, STEPPING, LISTENING --(PTRACE_INTERRUPT)--> STOPPING
 *   STOPPING -(interrupt-stop, or another stop)--> STOPPED (requested)
 *   STEPPING -(trap)-------------------> STOPPED (step), or on to the next
 *                                        step-over / resume
 *   LISTENING (SIGCONT: interrupt-stop)-> RUNNING
 *   any but DETACHED --(exit event, SIGKILL)--> EXITING
 *   EXITING, or any --(reaped by waitpid)--> EXITED  (end)
 */

enum pt__tstate {
	PT__TS_NEW,      /* traced by the kernel, first stop not seen yet */
	PT__TS_RUNNING,  /* resumed with PTRACE_CONT */
	PT__TS_STEPPING, /* resumed with PTRACE_SINGLESTEP */
	PT__TS_LISTENING, /* in a job-control stop, resumed with PTRACE_LISTEN:
	                     runs again on SIGCONT */
	PT__TS_STOPPING, /* PTRACE_INTERRUPT sent, stop not seen yet */
	PT__TS_STOPPED,  /* in a ptrace-stop; cause is valid */
	PT__TS_EXITING,  /* past its exit event (or killed), not reaped yet */
	PT__TS_EXITED,   /* reaped: gone */
	PT__TS_DETACHED,
};

const char *pt__tstate_name(enum pt__tstate s);

/* States in which the kernel still owes us a wait event for the thread. */
static inline bool pt__tstate_awaits_event(enum pt__tstate s)
{
	return s == PT__TS_NEW || s == PT__TS_RUNNING ||
	       s == PT__TS_STEPPING || s == PT__TS_STOPPING ||
	       s == PT__TS_LISTENING || s == PT__TS_EXITING;
}
/* States that keep the process from being "all stopped".  An exiting
 * thread does not: a zombie leader may stay unreaped for ever. */
static inline bool pt__tstate_is_running(enum pt__tstate s)
{
	return s == PT__TS_NEW || s == PT__TS_RUNNING ||
	       s == PT__TS_STEPPING || s == PT__TS_STOPPING ||
	       s == PT__TS_LISTENING;
}
static inline bool pt__tstate_is_gone(enum pt__tstate s)
{
	return s == PT__TS_EXITED || s == PT__TS_DETACHED;
}

struct pt__bp;

struct pt_thread {
	uint32_t magic;
	pid_t tid;
	/* Its thread group when not proc->pid: a child made by clone
	 * without CLONE_THREAD taken as a thread (PT_EVENT_CLONE_THREADS),
	 * and the threads it makes.  0: proc->pid.  See pt__thread_tgid. */
	pid_t tgid;
	struct pt_process *proc;
	enum pt__tstate state;

	/* Why it stopped (valid in STOPPED, and EXITED for the last cause). */
	pt_stop_cause cause;
	int pending_sig;       /* delivered on resume */
	siginfo_t siginfo;     /* of the last signal-delivery-stop */

	/* Register cache: read once per stop, written back if dirty. */
	bool regs_valid, regs_dirty;
	union {
		unsigned char bytes[PT__ARCH_REGS_MAX];
		uint64_t align;
	} regs;
	/* Extended registers (x87, SSE, AVX...: xregs_len bytes in a buffer
	 * of xregs_cap, allocated on first use): read when first asked for
	 * at a stop, written back (with the general ones) if dirty. */
	bool xregs_valid, xregs_dirty;
	size_t xregs_len, xregs_cap;
	unsigned char *xregs;

	/* Single-step bookkeeping. */
	struct pt__bp *stepping_over; /* bp lifted for this step */
	struct pt__bp *resume_bp;     /* pt__proc_resume: sits on this bp */
	/* A handle to it may be in the application's hands (it was returned
	 * by some call): then it lives until pt_process_free.  A thread never
	 * shown is freed when it is reaped (pt__thread_forget_unseen). */
	bool seen;
	bool step_is_user;            /* report PT_STOP_STEP at the end */
	uint8_t plan;                 /* its part in the resume under way:
				       * PT__PLAN_* (pt_resume) */
	bool plan_hit;                /* and a breakpoint under its PC is
				       * hit, not stepped over
				       * (PT_RESUME_NO_STEP_OVER) */
	bool step_onto_bp;            /* the user step under way began on
				       * one of our breakpoints, to hit it
				       * (at step_bp_at) */
	uint64_t step_bp_at;
	bool plan_sysexit;            /* a step from inside a syscall ends
				       * at its exit
				       * (PT_RESUME_SYSCALL_EXIT_STEP) */
	bool resume_step;             /* last resume was SINGLESTEP */
	bool in_syscall_stop;         /* stopped at an event inside a syscall */
	bool step_skip_sysexit;       /* first step trap is the syscall exit */
	bool at_exit;                 /* stopped at its exit (EVENT_EXIT) */
	bool before_clone;            /* its first stop came before its
				       * creator's clone event */
	long sys_nr;                  /* the system call it is in (its entry
				       * stop seen), or -1 */
	bool swallow_trap;            /* a SIGTRAP of a hit seen is pending */
	bool interrupted_step;        /* PTRACE_INTERRUPT sent mid-step */
	bool recheck_bp;              /* may sit on a breakpoint it has
				       * already hit: the next continue
				       * checks for a step-over */
	bool sig_stop;                /* its stop is a signal-delivery-stop,
				       * whose resume can carry a signal */
	int inject_sig;               /* sent with tgkill (the stop it was
				       * set at could not carry it): pass
				       * its delivery-stop on silently */
	unsigned stop_gen;            /* p->bp_gen when it stopped */
	unsigned watch_gen;           /* p->watch.gen its debug registers
				       * hold (watchtable.c); 0: never set */
	unsigned long event_seq;      /* when it was last the event thread */

	bool in_live_list;
	struct pt_thread *live_next, *live_prev; /* live list, discovery order */
	struct pt_thread *all_next, *all_prev;   /* every thread kept, for free */
	struct pt_thread *hash_next;             /* tid hash chain */
	struct pt_thread *stepq_next;            /* step-over queue */
};

/* ---- breakpoints (bptable.c; the API in breakpoint.c) ------------------- */

struct pt__bp {
	uint64_t addr;
	uint8_t orig[PT__ARCH_BP_MAX]; /* the bytes our instruction covers */
	struct pt__emul emul;          /* how to step over it, if emulated */
	bool used;                     /* slot in use (open addressing) */
	bool tomb;                     /* deleted slot */
};

struct pt__bptab {
	struct pt__bp *slots;
	size_t cap;   /* power of two */
	size_t count; /* used */
	size_t tombs;
};

struct pt__bp *pt__bp_find(struct pt_process *p, uint64_t addr);
/* Restore the original bytes / put our instruction back.  ENGINE or caller
 * with the lock; they only write memory. */
int pt__bp_lift(struct pt_process *p, struct pt__bp *bp);
int pt__bp_insert(struct pt_process *p, struct pt__bp *bp);
/* Overlay saved bytes onto buf (a copy of [addr, addr+len) of memory). */
void pt__bp_shadow(struct pt_process *p, uint64_t addr, uint8_t *buf,
		   size_t len);
/* Whether a breakpoint's bytes meet [addr, addr+len). */
bool pt__bp_any_in(struct pt_process *p, uint64_t addr, size_t len);
/* A write over breakpoints in [addr, addr+len): if patch, put our
 * instruction bytes into it; if newbytes, make them the saved copies. */
void pt__bp_absorb_write(struct pt_process *p, uint64_t addr,
			 const uint8_t *newbytes, uint8_t *patch, size_t len);
void pt__bp_forget_all(struct pt_process *p); /* exec: old image gone */
/* ENGINE: step t, stopped on bp, over it by emulating the instruction;
 * false if it must be single-stepped. */
bool pt__bp_emulate_stepover(struct pt_thread *t, struct pt__bp *bp);
/* Memory was written at [addr, addr+len): instructions decoded for
 * emulation there are stale. */
void pt__bp_code_written(struct pt_process *p, uint64_t addr, size_t len);

/* Whether a breakpoint trap at addr is a late hit of a breakpoint removed
 * there (and not the program's own int3). */
bool pt__bp_recently_removed(struct pt_process *p, uint64_t addr);
int pt__bp_remove_all(struct pt_process *p);  /* detach */
/* Lock held, p stopped: read the bytes at addr, put our instruction there,
 * record the breakpoint.  0 or an error; *write_failed tells whether the
 * write (not the read) failed. */
int pt__bp_set(struct pt_process *p, uint64_t addr, bool *write_failed);
/* Lock held: drop b from the table (its bytes already put back), keeping
 * a note of it for late hits (pt__bp_recently_removed). */
void pt__bp_forget(struct pt_process *p, struct pt__bp *b);
/* Remove b: its bytes restored, and forgotten; a stopped vfork partner
 * sharing the memory (pt__fork_vm_partner) forgets its own entry there. */
int pt__bp_unset(struct pt_process *p, struct pt__bp *b);
void pt__bp_lift_all(struct pt_process *p);
/* Restore the bytes of p's breakpoints that q has none at (q shares p's
 * memory: a vfork partner). */
void pt__bp_lift_unshared(struct pt_process *p, struct pt_process *q);
void pt__bp_insert_all(struct pt_process *p);
void pt__bptab_free(struct pt__bptab *tab);

/* ---- hardware watchpoints (watchtable.c; the API in watchpoint.c) ----- */

struct pt__watchtab {
	struct pt__hwslot slot[PT__ARCH_WATCH_MAX]; /* debug register i */
	int id[PT__ARCH_WATCH_MAX];                  /* the user's ids */
	int count;     /* slots used */
	int next_id;
	unsigned gen;  /* bumped at every change of the table */
	bool used;     /* ever set: threads may hold our debug registers */
};

/* ENGINE: make a stopped thread's debug registers hold the table (new
 * threads at their first stop, any thread before it resumes).  No-op if
 * they already do. */
void pt__watch_sync(struct pt_thread *t);
/* ENGINE: at a SIGTRAP stop, before anything else looks at it. */
enum pt__watch_trap {
	PT__WATCH_NONE,   /* not a watchpoint: carry on */
	PT__WATCH_HIT,    /* *c is the watchpoint cause: report it */
	PT__WATCH_HIDDEN, /* a hit of a watchpoint removed since: resume */
};
enum pt__watch_trap pt__watch_on_trap(struct pt_thread *t, pt_stop_cause *c);
/* ENGINE: at an interrupt-stop with cause *c: a watchpoint hit whose
 * SIGTRAP is still pending becomes the cause, and the SIGTRAP is swallowed
 * when it comes. */
void pt__watch_interrupted(struct pt_thread *t, pt_stop_cause *c);
/* Whether a data watchpoint (write or read/write) covers any byte of
 * [addr, addr + len): a store there must be done by the CPU, not by us
 * (the step-over emulation), for the debug registers to see it. */
bool pt__watch_covers(const struct pt_process *p, uint64_t addr, size_t len);
void pt__watch_forget_all(struct pt_process *p); /* exec */
int pt__watch_detach(struct pt_process *p);      /* ENGINE: detach */
int pt__watch_nslots(const struct pt_process *p); /* debug registers */
const char *pt__watch_kind_name(pt_watch_kind k);
void pt__watch_bump_gen(struct pt__watchtab *w);  /* the table changed */
/* ENGINE: write the table into every stopped thread; the first that
 * failed in *failed (if not NULL).  0 or that failure. */
int pt__watch_sync_all(struct pt_process *p, struct pt_thread **failed);

/* ---- memory (memio.c; the API in memory.c) ------------------------------ */

/* Raw memory access without breakpoint shadowing.  Return 0 or an error;
 * *done always set. */
int pt__mem_read_raw(struct pt_process *p, uint64_t addr, void *buf,
		     size_t len, size_t *done);
int pt__mem_write_raw(struct pt_process *p, uint64_t addr, const void *buf,
		      size_t len, size_t *done);
void pt__mem_init(struct pt_process *p);
int pt__mem_open(struct pt_process *p);
void pt__mem_close(struct pt_process *p);

/* ---- processes ---------------------------------------------------------- */

struct pt__engine;
struct pt__fork;

/* A request for the tracer thread (engine.c). */
struct pt__req {
	int (*fn)(struct pt__req *req); /* runs on the tracer thread, locked */
	struct pt_process *proc;
	void *arg;
	int result;
	bool done;
	sem_t *done_sem; /* posted when done, if set (pt_call_on_tracer) */
	struct pt__req *next;
};

struct pt_process {
	uint32_t magic;
	pid_t pid;
	struct pt__engine *eng;
	const struct pt__arch *arch;
	pt_proc_state state;
	bool launched;
	unsigned events; /* PT_EVENT_* mask */
	sigset_t pass_sigs;   /* delivered without a stop while running */
	int syscall_mode;     /* PT_SYSCALLS_*: resume with PTRACE_SYSCALL */
	uint64_t syscall_set[PT_SYSCALL_MAX / 64]; /* PT_SYSCALLS_SOME */
	bool pass_any;        /* pass_sigs is not empty */

	/* exit */
	int exit_code, term_signal;
	/* The leader was reaped while clone children taken as threads
	 * (PT_EVENT_CLONE_THREADS) still ran: its status, the process's
	 * when the last of them is gone. */
	bool leader_reaped;
	int leader_code, leader_sig;

	/* threads */
	struct pt_thread *leader;
	struct pt_thread *live_head, *live_tail;
	size_t nlive;
	struct pt_thread *all_threads;
	struct pt_thread **tid_hash;
	size_t tid_hash_cap;
	size_t nrunning;      /* threads in pt__tstate_is_running states */
	struct pt_thread *event_thread; /* first reporter of the current stop */
	unsigned long stop_seq; /* bumped each time every thread has stopped
				 * (and at the end): waiters compare it */
	bool wait_owed;       /* resumed, and no pt_wait or pt_stop has
			       * returned a stop since: the next pt_wait
			       * need not probe (do_probe) */

	/* all-stop */
	bool stopping;        /* an all-stop is under way */
	struct pt_thread *stepq_head, *stepq_tail; /* continue: step-overs */
	bool resuming;        /* continue in progress (step-overs pending) */
	bool all_running;     /* every thread was resumed by a continue */
	bool run_new;         /* threads born now run (a continue of at
			       * least one thread is under way) */
	bool launching;       /* between fork and exec */
	bool attaching;       /* pt_attach under way: no events reported */
	bool stepover_single; /* PROCTRACE_STEPOVER=single: never emulate */
	/* Breakpoint contention (allstop.c, pt__proc_resume): the thread of
	 * the last lone hit, and how many more resumes single-step every
	 * step-over because different threads hit breakpoints. */
	pid_t last_hit_tid;
	int bp_contended;
	bool dying;           /* a thread was killed: the whole process is
			       * ending (or an exec is killing the others) */

	/* breakpoints */
	struct pt__bptab bps;
	unsigned bp_gen;      /* bumped when a breakpoint is added */
	unsigned resume_gen;  /* bumped by every continue */
	/* Removed breakpoints: a hit already queued when one was removed
	 * (a PTRACE_INTERRUPT is reported before a pending SIGTRAP, as often
	 * as it is sent) arrives after some later resume and must be hidden.
	 * The last PT__REMOVED_MAX removals, each with the byte put back. */
#define PT__REMOVED_MAX 64
	struct { uint64_t addr; uint8_t orig0; bool valid; }
		removed[PT__REMOVED_MAX];
	unsigned nremoved;
	unsigned long event_seq; /* for a fair choice of the event thread */
	unsigned vfork_lifted;   /* vfork children running on our memory */
	/* fork.c: a followed child and its parent until the child's first
	 * stop: the parent's PT_STOP_FORK waits for it (fork_waiting). */
	struct pt_process *fork_parent;
	pid_t vfork_parent;      /* a followed vfork child, until its exec:
				  * the process whose memory it runs on */
	unsigned fork_waiting;
	/* Followed children handed out in a PT_STOP_FORK cause that the
	 * application has not read (pt_thread_stop_cause): it cannot hold
	 * their handles, so they are the library's, let go (detached and
	 * freed) at the next resume, detach, kill or free of this process
	 * (pt__proc_take_unclaimed), never left stopped for ever. */
	struct pt_process **unclaimed;
	size_t nunclaimed, cap_unclaimed;
	/* Threads whose first stop came before their creator's clone event
	 * and that ended before it too: their clone event, when it comes,
	 * is no new process (pt__thread_early_gone_take). */
	pid_t *early_gone;         /* malloc'd; at most one per creator
	                              stopped at its clone event */
	size_t n_early_gone, cap_early_gone;

	struct pt__watchtab watch; /* hardware watchpoints */

	/* memory: through a live thread's tid (the leader may be a zombie) */
	struct pt_thread *io_thread; /* whose /proc/TID/mem is mem_fd */
	struct pt_thread *event_thread_io; /* ENGINE: the thread whose ptrace
	                              event is being handled: in a ptrace-stop
	                              though not yet PT__TS_STOPPED, so the
	                              ptrace memory path may use it */
	int mem_fd;           /* /proc/TID/mem, -1 if unavailable */
	bool vm_readv_broken;

	/* pt_continue and pt_thread_step hand this to the tracer thread and
	 * return */
	struct pt__req resume_req;
	bool resume_queued;
	bool mem_api; /* memory.c: a pt_mem_read/write is under way */
	int async_err;        /* a queued step that failed, for pt_wait */
	pid_t async_err_tid;

	/* notification (waiters use the engine's state_cond) */
	int event_fd;

	struct pt_process *eng_next;
};

/* ---- engine (engine.c) ------------------------------------------------------ */

struct pt__engine {
	pthread_mutex_t lock;
	pthread_cond_t state_cond; /* any state change; request done */
	int lock_owner;            /* PT_DEBUG: tid holding the lock, or 0 */
	sem_t req_sem;             /* wakes the idle tracer thread */
	pthread_t thread;
	pid_t tracer_tid;
	pthread_t tracer_self;
	struct pt__req *req_head, *req_tail;
	size_t nawait;             /* threads owing us a wait event */
	bool in_wait;              /* blocked in waitpid */
	bool idle;                 /* blocked on req_sem */
	bool in_user;              /* running pt_call_on_tracer's function
				    * (not inside a request of ours) */
	bool notify_pending;       /* broadcast state_cond once unlocked */
	bool shutdown;
	int refs;                  /* processes using this engine */
	bool lent;                 /* pt_tracer_run's: its tracer thread is
				    * the application's, which frees it */
	struct pt_process *procs;
	struct pt__fork *forks;    /* children met half-way (fork.c) */
	/* doorbell: a tiny child whose stop wakes waitpid */
	pid_t bell_pid;
	int bell_wfd, bell_rfd;
	int start_err;
	bool started;
	long spin_ns; /* spin-then-block budget; 0: off */
	long idle_avg_ns;     /* tracer thread: recent waits for a request */
	long stop_avg_ns;     /* pt_wait: recent waits for a stop */
};

enum pt__kick { PT__KICK_NONE, PT__KICK_SEM, PT__KICK_BELL };

/* An engine for a new process, with a hold of the caller's: a new one, or
 * pt_tracer_run's.  Once the process is made on it (pt__proc_create, which
 * takes its own reference), pt__engine_unhold (lock held) drops the hold;
 * before, pt__engine_free does. */
int pt__engine_new(struct pt__engine **out);
void pt__engine_unhold(struct pt__engine *e);
/* pt_tracer_run: the calling thread serves as the tracer thread of every
 * launch and attach while fn runs on a new thread; 0 and *result = fn's
 * result, or an error: PT__LEND_BUSY (another is under way),
 * PT__LEND_CHILDREN (the caller has children), a PT_E* code. */
#define PT__LEND_BUSY 1
#define PT__LEND_CHILDREN 2
int pt__engine_lend(int (*fn)(void *), void *arg, int *result);
void pt__engine_free(struct pt__engine *e);
/* Run req->fn on the tracer thread and wait for it.  Lock held on entry and
 * exit (released while waiting). */
int pt__engine_call(struct pt__engine *e, int (*fn)(struct pt__req *),
		    struct pt_process *p, void *arg);
bool pt__on_engine_thread(const struct pt__engine *e);
/* On the tracer thread, lock held: one turn of the event loop (engine.c). */
int pt__engine_pump(struct pt__engine *e, int timeout_ms);
/* Run the application's fn for pt_call_on_tracer (lock released meanwhile). */
int pt__engine_run_user(struct pt__req *r,
			int (*fn)(struct pt_process *, void *), void *arg);
/* Queue req for the tracer thread without waiting (req must outlive it).
 * The caller then wakes the tracer thread: it picks how with
 * pt__engine_kick_kind while it holds the lock (the tracer thread's
 * in_wait/idle are read under it), and calls pt__engine_kick after
 * unlocking, so that the woken tracer thread does not at once block on the
 * lock (pt_continue, pt_thread_step).  pt__engine_call kicks with the lock
 * held: it goes to sleep on state_cond at once, releasing it. */
void pt__engine_post(struct pt__engine *e, struct pt__req *req);
enum pt__kick pt__engine_kick_kind(const struct pt__engine *e);
void pt__engine_kick(struct pt__engine *e, enum pt__kick k);
void pt__engine_attach_proc(struct pt__engine *e, struct pt_process *p);
void pt__engine_detach_proc(struct pt__engine *e, struct pt_process *p);

/* ---- errors (error.c) ----------------------------------------------------- */

/* Record the calling thread's error message and return err.  The message
 * is "<who>: <op>: <text>" where who names the thread or process. */
int pt__fail(int err, const struct pt_process *p, const struct pt_thread *t,
	     const char *op, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The standard "cannot OP: it is STATE" failure for a thread / process. */
int pt__fail_state(const struct pt_process *p, const struct pt_thread *t,
		   const char *op);
void pt__clear_error(void);

/* ---- the lock, and the debug build's checks of rules 1 and 2 -------------- */

pid_t pt__gettid(void);
#ifdef PT_DEBUG
/* Print where a rule was broken, and abort. */
_Noreturn void pt__assert_fail(const char *what, const char *file, int line,
			       const char *func);
#define PT__ASSERT(cond, what)                                                 \
	((cond) ? (void)0 : pt__assert_fail(what, __FILE__, __LINE__, __func__))
static inline bool pt__lock_mine(const struct pt__engine *e)
{
	return __atomic_load_n(&e->lock_owner, __ATOMIC_RELAXED) ==
	       pt__gettid();
}
static inline void pt__lock_taken(struct pt__engine *e)
{
	__atomic_store_n(&e->lock_owner, pt__gettid(), __ATOMIC_RELAXED);
}
static inline void pt__lock_leaving(struct pt__engine *e)
{
	PT__ASSERT(pt__lock_mine(e), "lock held");
	__atomic_store_n(&e->lock_owner, 0, __ATOMIC_RELAXED);
}
#define PT__ASSERT_LOCKED(e) PT__ASSERT(pt__lock_mine(e), "lock held")
#define PT__ASSERT_TRACER(e)                                                   \
	PT__ASSERT(pt__on_engine_thread(e) && pt__lock_mine(e),                \
		   "on the tracer thread, lock held")
#else
#define PT__ASSERT(cond, what) ((void)0)
#define PT__ASSERT_LOCKED(e) ((void)(e))
#define PT__ASSERT_TRACER(e) ((void)(e))
static inline void pt__lock_taken(struct pt__engine *e) { (void)e; }
static inline void pt__lock_leaving(struct pt__engine *e) { (void)e; }
#endif

static inline void pt__lock(struct pt__engine *e)
{
	pthread_mutex_lock(&e->lock);
	pt__lock_taken(e);
}
static inline void pt__unlock(struct pt__engine *e)
{
	pt__lock_leaving(e);
	pthread_mutex_unlock(&e->lock);
}
/* Sleep on state_cond (the lock is let go meanwhile). */
static inline void pt__cond_wait(struct pt__engine *e)
{
	pt__lock_leaving(e);
	pthread_cond_wait(&e->state_cond, &e->lock);
	pt__lock_taken(e);
}
/* The same until the CLOCK_MONOTONIC time *dl: ETIMEDOUT or 0. */
static inline int pt__cond_timedwait(struct pt__engine *e,
				     const struct timespec *dl)
{
	pt__lock_leaving(e);
	int r = pthread_cond_timedwait(&e->state_cond, &e->lock, dl);
	pt__lock_taken(e);
	return r;
}

/* ---- handles: checking them, entering and leaving the API ----------------- */

static inline int pt__check_proc(const pt_process *p)
{
	return p && p->magic == PT__PROC_MAGIC ? 0 : PT_EINVAL;
}
static inline int pt__check_thread(const pt_thread *t)
{
	return t && t->magic == PT__THREAD_MAGIC && t->proc &&
			       t->proc->magic == PT__PROC_MAGIC
		       ? 0
		       : PT_EINVAL;
}
/* Check the handle, take the lock, clear the caller's error: 0, or the
 * "invalid handle" failure naming op. */
static inline int pt__proc_enter(pt_process *p, const char *op)
{
	if (pt__check_proc(p) < 0)
		return pt__fail(PT_EINVAL, NULL, NULL, op,
				"invalid process handle");
	pt__lock(p->eng);
	pt__clear_error();
	return 0;
}
static inline void pt__proc_leave(pt_process *p)
{
	pt__unlock(p->eng);
}
static inline int pt__thread_enter(pt_thread *t, const char *op)
{
	if (pt__check_thread(t) < 0)
		return pt__fail(PT_EINVAL, NULL, NULL, op,
				"invalid thread handle");
	pt__lock(t->proc->eng);
	pt__clear_error();
	return 0;
}
static inline void pt__thread_leave(pt_thread *t)
{
	pt__unlock(t->proc->eng);
}
/* Exited or detached: nothing left to control. */
static inline bool pt__proc_gone(const pt_process *p)
{
	return p->state == PT_PROC_EXITED || p->state == PT_PROC_DETACHED;
}

/* Stopped as far as the API is concerned: not about to be resumed by a
 * pt_continue still queued for the tracer thread. */
static inline bool pt__thread_stopped(const struct pt_thread *t)
{
	return t->state == PT__TS_STOPPED && !t->proc->resume_queued;
}

/* ---- thread.c: process and thread objects, tid table, registers ------------ */

/* A new process object on engine e (refcount taken). */
int pt__proc_create(struct pt__engine *e, pid_t pid, struct pt_process **out);
/* Lock NOT held; the engine has no ptrace business with p any more. */
void pt__proc_destroy(struct pt_process *p);
/* Lock held: take p's unclaimed children out of it (and out of its
 * threads' causes) into out[max]; how many.  The caller (process.c) lets
 * them go with pt_process_free after unlocking. */
size_t pt__proc_take_unclaimed(struct pt_process *p, struct pt_process **out,
			       size_t max);
/* Lock held: cause c of one of p's threads is being read by the
 * application: its child, if any, is the application's now. */
void pt__proc_claim(struct pt_process *p, const pt_stop_cause *c);
/* ENGINE: p->arch from the program thread tid runs (attach, exec);
 * stopped: tid is in a ptrace-stop. */
void pt__proc_pick_arch(struct pt_process *p, pid_t tid, bool stopped);
/* The ptrace options every tracee gets. */
long pt__trace_options(bool launched);

struct pt_thread *pt__thread_new(struct pt_process *p, pid_t tid,
				 enum pt__tstate st);
struct pt_thread *pt__thread_find(struct pt_process *p, pid_t tid);
/* The thread group t is in: its process's, or for a clone child taken as
 * a thread (PT_EVENT_CLONE_THREADS) its own.  /proc/PID/task/TID paths and
 * tgkill need it. */
static inline pid_t pt__thread_tgid(const struct pt_thread *t)
{
	return t->tgid ? t->tgid : t->proc->pid;
}
/* Lock held: the one place a thread's state changes. */
void pt__thread_set_state(struct pt_thread *t, enum pt__tstate st);
/* Mark t as handed to the application; returns t (NULL stays NULL). */
static inline struct pt_thread *pt__thread_shown(struct pt_thread *t)
{
	if (t)
		t->seen = true;
	return t;
}
/* A reaped thread the application never saw: freed now. */
void pt__thread_forget_unseen(struct pt_thread *t);
/* Was tid a thread that ended before its clone event came?  (Taken out.) */
bool pt__thread_early_gone_take(struct pt_process *p, pid_t tid);
void pt__proc_free_threads(struct pt_process *p);

/* ENGINE: ptrace wrapper: logs; returns 0 (or the value) or -errno. */
long pt__ptrace(int req, struct pt_thread *t, void *addr, void *data);
/* ENGINE: a request on t failed with err.  If that is ESRCH while we held
 * t stopped, only SIGKILL can have taken it out of its ptrace-stop: it is
 * dying (state EXITING), its end is awaited.  Returns err.  The one place
 * that handles "the thread vanished under us". */
int pt__thread_vanished(struct pt_thread *t, int err, const char *what);

/* ENGINE: the register caches of a stopped thread. */
int pt__thread_fetch_regs(struct pt_thread *t);
int pt__thread_flush_regs(struct pt_thread *t); /* both sets */
int pt__thread_fetch_xregs(struct pt_thread *t);
int pt__thread_flush_xregs(struct pt_thread *t);
uint64_t pt__thread_pc(struct pt_thread *t);

/* ---- stop.c: wait events ----------------------------------------------------- */

/* ENGINE: handle one wait event of a thread of p. */
void pt__thread_on_wait(struct pt_thread *t, const struct pt__wstatus *ws);
/* ENGINE: a wait event from a tid nobody knows yet (early clone child). */
void pt__engine_on_unknown(struct pt__engine *e, pid_t tid,
			   const struct pt__wstatus *ws);
void pt__proc_mark_exited(struct pt_process *p, int code, int sig);
void pt__thread_drop_pending_trap(struct pt_thread *t);

/* ---- allstop.c: resume, interrupt, step-over queue, waiting ------------------ */

/* ENGINE: resume / stop / step. */
/* A thread's part in a resume (t->plan): zero, for threads never told
 * otherwise (pt_continue, threads born running), is CONT. */
enum { PT__PLAN_CONT = 0, PT__PLAN_STEP, PT__PLAN_HOLD };
/* ENGINE: resume p, each thread as its plan says (pt_resume; pt_continue
 * with every plan CONT). */
int pt__proc_resume(struct pt_process *p);
int pt__proc_resume_next(struct pt_process *p); /* next step-over, or all */
int pt__proc_interrupt_all(struct pt_process *p);
int pt__thread_start_step(struct pt_thread *t, bool user);
int pt__thread_resume(struct pt_thread *t, bool step);
void pt__thread_rerun(struct pt_thread *t);    /* resume as it was */
void pt__thread_rerun_sig(struct pt_thread *t, int sig);
bool pt__thread_in_step(const struct pt_thread *t);
struct pt_thread *pt__stepq_pop(struct pt_process *p);
/* The request that lets a thread run: PTRACE_SYSCALL while system calls
 * are caught, else PTRACE_CONT. */
int pt__cont_request(const struct pt_process *p);
/* ENGINE: SIGKILL p and release every thread we hold in a ptrace-stop. */
int pt__proc_kill(struct pt_process *p);
/* ENGINE: SIGKILL a child of ours that never became a process object
 * (a failed launch) and reap it. */
void pt__kill_child(pid_t pid);
/* Lock held: recount; STOPPED once no thread runs (wakes waiters). */
void pt__proc_update_state(struct pt_process *p);
void pt__notify(struct pt_process *p); /* state changed: wake waiters
					  * (once the lock is released) */
void pt__event_fd_set(struct pt_process *p, bool ready);
/* Lock held (released while sleeping): wait until p has stopped since
 * p->stop_seq was seq0, or is not running; timeout_ms < 0: no limit.
 * On the tracer thread it pumps the engine itself. */
int pt__wait_stop_since(struct pt_process *p, int timeout_ms,
			unsigned long seq0);
int pt__wait_not_running(struct pt_process *p, int timeout_ms);

/* ---- fork.c: children of traced processes ---------------------------------- */

/* ENGINE: t reported PTRACE_EVENT_FORK/VFORK (or a clone of a new process)
 * of child.  Returns the child's new process when followed, else NULL. */
struct pt_process *pt__fork_parent_event(struct pt_thread *t, pid_t child,
					 bool vfork);
/* ENGINE: t reported PTRACE_EVENT_CLONE of child, a new thread group, and
 * p has PT_EVENT_CLONE_THREADS: if the child shares t's memory, make it a
 * thread of t's process (its first stop taken now if it came first).
 * NULL if it does not (a new process then), or out of memory. */
struct pt_thread *pt__fork_clone_thread(struct pt_thread *t, pid_t child);
/* ENGINE, detaching p: take our breakpoints out of the memory of the clone
 * children it holds as threads (PT_EVENT_CLONE_THREADS).  They share its
 * memory: this only matters if one has since exec'd or unshared it. */
void pt__fork_unbreak_clone_threads(struct pt_process *p);
/* ENGINE: first stop of a task that is no thread of ours: a child whose
 * parent's event may come later.  False if it cannot be recorded. */
bool pt__fork_child_stop(struct pt__engine *e, pid_t child);
void pt__fork_vfork_done(struct pt_process *p);
/* The other live process of ours on p's memory: p's vfork parent (p has
 * not exec'd), or a followed vfork child of p's that has not; else NULL.
 * Their breakpoint tables share the instructions in that memory. */
struct pt_process *pt__fork_vm_partner(struct pt_process *p);
/* ENGINE, detaching p: take our breakpoints out of its memory.  A vfork
 * child shares its parent's: there the parent's breakpoints are lifted
 * until its vfork is done, as for a child not followed. */
int pt__fork_unbreak_detaching(struct pt_process *p);
void pt__fork_forget_parent(struct pt__engine *e, struct pt_process *p);
/* ENGINE: p is being detached: its children not followed whose first stop
 * has not come yet are awaited and let go now, their memory cleaned with
 * the breakpoints of p at their fork (p's table is about to go). */
void pt__fork_release_children(struct pt_process *p);
void pt__fork_free_all(struct pt__engine *e);
/* ENGINE: the first stop (or end) of process p has come: if it is a
 * followed child whose parent waits for it to report the fork, the
 * parent's stop can now be reported. */
void pt__fork_child_settled(struct pt_process *p);

/* ---- atomics and spinning ----------------------------------------------------- */

/* p->state is written under the lock; stores are atomic so that a racy
 * read (a hint) is never torn. */
/* p->arch is changed (exec) under the lock on the tracer thread; readers
 * without the lock load it atomically (it points to a static table). */
static inline const struct pt__arch *pt__proc_arch(const struct pt_process *p)
{
	return __atomic_load_n(&p->arch, __ATOMIC_ACQUIRE);
}
static inline void pt__proc_set_state(struct pt_process *p, pt_proc_state s)
{
	__atomic_store_n(&p->state, s, __ATOMIC_RELEASE);
}
/* Spin for up to ns nanoseconds while cond holds.  True if cond turned
 * false. */
bool pt__spin_while(bool (*cond)(const void *), const void *arg, long ns);
long pt__now_ns(void);
/* Whether recent waits (average avg_ns) were short enough to spin. */
bool pt__spin_worth(const struct pt__engine *e, long avg_ns);
/* Fold a wait that began at since_ns into the average *avg_ns. */
void pt__wait_learn(long *avg_ns, long since_ns);

#endif
