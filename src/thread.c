/*
 * thread.c - the process and thread objects: creating and freeing them,
 * the tid table, pt__thread_set_state (the one place a thread's state
 * changes), the ptrace wrapper, and each thread's register cache.
 *
 * Every change of a thread's state goes through pt__thread_set_state(),
 * which keeps the counters the rest of the engine relies on (threads still
 * running per process, wait events still owed per engine) and logs the
 * transition.  The state machine itself (which event moves a thread from
 * which state to which) is drawn in internal.h; stop.c decodes events,
 * allstop.c resumes and interrupts.
 *
 * Register cache: the general registers are read once per stop (on first
 * use) and written back before the thread resumes, only if changed; the
 * extended state (x87, SSE, AVX...) likewise, and only if asked for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "internal.h"

#define XREGS_MAX ((size_t)1 << 20) /* no register block is larger */

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
	t->sys_nr = -1;
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
	PT__ASSERT_LOCKED(t->proc->eng);
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
		if (t->before_clone) {
			/* its clone event is still to come: remember that
			 * the tid was a thread (out of memory: the event is
			 * then taken for a new process, as before) */
			if (p->n_early_gone == p->cap_early_gone) {
				size_t cap = p->cap_early_gone ? 2 * p->cap_early_gone : 16;
				pid_t *n = realloc(p->early_gone, cap * sizeof *n);
				if (n) {
					p->early_gone = n;
					p->cap_early_gone = cap;
				}
			}
			if (p->n_early_gone < p->cap_early_gone)
				p->early_gone[p->n_early_gone++] = t->tid;
			t->before_clone = false;
		}
	}
	PT__LOGD("thread %d: %s -> %s", (int)t->tid, pt__tstate_name(old),
		 pt__tstate_name(st));
}

bool pt__thread_early_gone_take(struct pt_process *p, pid_t tid)
{
	for (size_t i = 0; i < p->n_early_gone; i++)
		if (p->early_gone[i] == tid) {
			p->early_gone[i] = p->early_gone[--p->n_early_gone];
			return true;
		}
	return false;
}

/* ENGINE: t was reaped.  If the application never got a handle to it
 * (pt__thread_shown) and nothing of ours points to it, free it now rather
 * than at pt_process_free: a traced program that churns through threads
 * would otherwise cost 1 KiB of memory per thread it ever ran, and a page
 * fault every few threads. */
void pt__thread_forget_unseen(struct pt_thread *t)
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
	free(p->early_gone);
	p->early_gone = NULL;
	p->n_early_gone = p->cap_early_gone = 0;
	p->tid_hash = NULL;
	p->tid_hash_cap = 0;
}

/* ---- ptrace and registers ------------------------------------------------- */

int pt__thread_vanished(struct pt_thread *t, int err, const char *what)
{
	PT__ASSERT_TRACER(t->proc->eng);
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
	PT__ASSERT_TRACER(t->proc->eng);
	errno = 0;
	long r = ptrace((enum __ptrace_request)req, t->tid, addr, data);
	if (r < 0 && errno != 0)
		return pt__thread_vanished(t, -errno, "ptrace request");
	return r < 0 ? 0 : r;
}

int pt__thread_fetch_regs(struct pt_thread *t)
{
	PT__ASSERT_TRACER(t->proc->eng);
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
	PT__ASSERT_TRACER(t->proc->eng);
	int r = pt__thread_flush_xregs(t);
	if (r < 0 || !t->regs_valid || !t->regs_dirty)
		return r;
	r = pt__arch_set_gregs(t->proc->arch, t->tid, t->regs.bytes);
	if (r < 0)
		return pt__thread_vanished(t, r, "write registers");
	t->regs_dirty = false;
	return 0;
}

uint64_t pt__thread_pc(struct pt_thread *t)
{
	const struct pt__arch *a = t->proc->arch;
	return pt__arch_reg_u64(a, t->regs.bytes, a->pc_index);
}



static int grow_xregs(struct pt_thread *t, size_t cap)
{
	unsigned char *n = realloc(t->xregs, cap);
	if (!n)
		return PT_ENOMEM;
	t->xregs = n;
	t->xregs_cap = cap;
	return 0;
}

/* ENGINE: the extended state is read only when asked for: a stop where
 * nobody looks at the floating-point registers costs nothing more. */
int pt__thread_fetch_xregs(struct pt_thread *t)
{
	PT__ASSERT_TRACER(t->proc->eng);
	const struct pt__arch *a = t->proc->arch;
	if (t->xregs_valid)
		return 0;
	if (!a->xregs_size)
		return PT_ENOREG;
	size_t len = 0;
	int r;
	for (;;) {
		if (t->xregs_cap < a->xregs_size &&
		    grow_xregs(t, a->xregs_size) < 0)
			return PT_ENOMEM;
		r = a->xregs_get(t->tid, t->xregs, t->xregs_cap, &len);
		if (r != -ENOSPC)
			break;
		/* xregs_size is a first guess from the CPU, which a virtual
		 * one can get wrong: grow until the kernel's block fits */
		if (t->xregs_cap >= XREGS_MAX)
			return PT_EIO;
		if (grow_xregs(t, t->xregs_cap * 2) < 0)
			return PT_ENOMEM;
	}
	if (r < 0)
		return pt__thread_vanished(t, r, "read extended registers");
	t->xregs_len = len;
	t->xregs_valid = true;
	t->xregs_dirty = false;
	PT__LOGD("thread %d: extended registers read (%zu bytes)", (int)t->tid,
		 len);
	return 0;
}

/* ENGINE: written back (before the thread resumes) only if changed. */
int pt__thread_flush_xregs(struct pt_thread *t)
{
	PT__ASSERT_TRACER(t->proc->eng);
	if (!t->xregs_valid || !t->xregs_dirty)
		return 0;
	int r = t->proc->arch->xregs_set(t->tid, t->xregs, t->xregs_len);
	if (r < 0)
		return pt__thread_vanished(t, r, "write extended registers");
	t->xregs_dirty = false;
	PT__LOGD("thread %d: extended registers written (%zu bytes)",
		 (int)t->tid, t->xregs_len);
	return 0;
}

/* ---- process objects ------------------------------------------------------- */

long pt__trace_options(bool launched)
{
	/* TRACESYSGOOD: syscall-stops (pt_process_catch_syscalls) are told
	 * from SIGTRAPs by the wait status alone */
	long o = PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |
		 PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
		 PTRACE_O_TRACEVFORKDONE | PTRACE_O_TRACESYSGOOD;
	/* a launched process dies with its tracer; an attached one does not */
	return launched ? o | PTRACE_O_EXITKILL : o;
}

int pt__proc_create(struct pt__engine *e, pid_t pid, struct pt_process **out)
{
	struct pt_process *p = calloc(1, sizeof *p);
	if (!p)
		return PT_ENOMEM;
	p->magic = PT__PROC_MAGIC;
	p->pid = pid;
	p->arch = pt__arch_native();
	p->state = PT_PROC_RUNNING;
	p->events = PT_EVENT_DEFAULT;
	sigemptyset(&p->pass_sigs);
	pt__mem_init(p);
	/* PROCTRACE_STEPOVER=single: single-step over every breakpoint, for
	 * tests and benchmarks of that path. */
	const char *so = getenv("PROCTRACE_STEPOVER");
	p->stepover_single = so && !strcmp(so, "single");
	p->exit_code = -1;
	p->event_fd = -1; /* made on first request: most users never ask */
	pt__engine_attach_proc(e, p);
	e->refs++;
	*out = p;
	return 0;
}

/* ENGINE: make p->arch the architecture of the program that thread tid
 * runs now (at attach and at every exec: a 64-bit program may exec a 32-bit
 * one and back).  See pt__arch_of_task; register caches in the old layout
 * are dropped (none is dirty at these points). */
void pt__proc_pick_arch(struct pt_process *p, pid_t tid, bool stopped)
{
	const struct pt__arch *a = pt__arch_of_task(tid, stopped);
	if (a == p->arch)
		return;
	pt__log(PT_LOG_INFO, "process %d: architecture %s (was %s)",
		(int)p->pid, a->name, p->arch->name);
	for (struct pt_thread *t = p->live_head; t; t = t->live_next)
		t->regs_valid = t->regs_dirty = false;
	__atomic_store_n(&p->arch, a, __ATOMIC_RELEASE);
}

void pt__proc_claim(struct pt_process *p, const pt_stop_cause *c)
{
	PT__ASSERT_LOCKED(p->eng);
	if (!c->process || p->nunclaimed == 0)
		return;
	for (size_t i = 0; i < p->nunclaimed; i++)
		if (p->unclaimed[i] == c->process) {
			p->unclaimed[i] = p->unclaimed[--p->nunclaimed];
			return;
		}
}

size_t pt__proc_take_unclaimed(struct pt_process *p, struct pt_process **out,
			       size_t max)
{
	PT__ASSERT_LOCKED(p->eng);
	size_t n = 0;
	while (p->nunclaimed > 0 && n < max) {
		struct pt_process *kid = p->unclaimed[--p->nunclaimed];
		/* No cause shows it any more: it is about to be freed. */
		for (struct pt_thread *t = p->all_threads; t; t = t->all_next)
			if (t->cause.process == kid)
				t->cause.process = NULL;
		out[n++] = kid;
	}
	return n;
}

/* Lock NOT held; the engine has no ptrace business with p any more. */
void pt__proc_destroy(struct pt_process *p)
{
	struct pt__engine *e = p->eng;
	pt__lock(e);
	pt__engine_detach_proc(e, p);
	pt__fork_forget_parent(e, p);
	pt__unlock(e);
	pt__engine_free(e);
	pt__mem_close(p);
	pt__bptab_free(&p->bps);
	free(p->unclaimed);
	pt__proc_free_threads(p);
	if (p->event_fd >= 0)
		close(p->event_fd);
	p->magic = 0;
	free(p);
}
