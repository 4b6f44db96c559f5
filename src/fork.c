/*
 * fork.c - children of traced processes: fork, vfork, and clone without
 * CLONE_THREAD.
 *
 * The kernel traces such a child automatically (PTRACE_O_TRACEFORK and
 * friends) and holds it at a first stop, so that it cannot run a single
 * instruction before we decide.  Its first stop and its parent's event can
 * reach us in either order; a pending-child record (struct pt__fork) meets
 * the two.
 *
 * With PT_EVENT_CLONE_THREADS, a clone child (PTRACE_EVENT_CLONE of a new
 * thread group) on its parent's memory (CLONE_VM) becomes a thread of its
 * parent's process instead, as gdb's LWPs (pt__fork_clone_thread).
 *
 * A child has a copy of its parent's memory, our int3 bytes included: left
 * alone it would die of SIGTRAP at the first breakpoint it reaches.  So:
 *   - followed (PT_EVENT_FORK): it becomes a process of its own, traced by
 *     the same tracer thread, with a copy of the parent's breakpoint table
 *     (the instructions are already in its memory), and the parent reports
 *     PT_STOP_FORK;
 *   - not followed: the original bytes are written back into the child's
 *     memory and it is detached.  A vfork child shares the parent's memory,
 *     so there the breakpoints are lifted in that shared memory until the
 *     parent's PTRACE_EVENT_VFORK_DONE (as gdb does); the parent is
 *     suspended by vfork meanwhile, its other threads may run past them.
 * A followed vfork child and its parent keep two tables on one memory
 * until the child execs or ends (pt__fork_vm_partner): in bptable.c a
 * removal takes the other's entry out with the instruction, and a new
 * entry takes its original bytes from the other's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kcmp.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

struct pt__fork {
	pid_t child;
	struct pt_process *parent; /* NULL until the parent's event */
	pid_t parent_pid;
	bool vfork;
	bool child_stopped;        /* its first stop has arrived */
	/* Not followed: the parent's breakpoints at its event, which are
	 * the int3 bytes in the child's copy of the memory.  The parent's
	 * table may change before the child's first stop (a removal under
	 * an all-stop that met the event), or be gone (detached). */
	struct pt__bp *bps;
	size_t nbps, bp_len;
	bool snapshot;             /* bps is the snapshot (else: none) */
	bool orphan;               /* its parent was freed: let go at its
				    * first stop (or the engine's end) */
	struct pt__fork *next;
};

static struct pt__fork *fork_find(struct pt__engine *e, pid_t child,
				  bool create)
{
	for (struct pt__fork *f = e->forks; f; f = f->next)
		if (f->child == child)
			return f;
	if (!create)
		return NULL;
	struct pt__fork *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->child = child;
	f->next = e->forks;
	e->forks = f;
	return f;
}

static void fork_drop(struct pt__engine *e, struct pt__fork *f)
{
	for (struct pt__fork **pp = &e->forks; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	free(f->bps);
	free(f);
}

static void release_child(struct pt__engine *e, struct pt__fork *f);

void pt__fork_forget_parent(struct pt__engine *e, struct pt_process *p)
{
	/* followed children still owed to it, or it to its parent */
	for (struct pt_process *o = e->procs; o; o = o->eng_next)
		if (o->fork_parent == p)
			o->fork_parent = NULL;
	pt__fork_child_settled(p);
	/* Children whose first stop is still to come (not on the tracer
	 * thread here: no ptrace): orphans, let go at that stop with the
	 * snapshot of the breakpoints, or when the engine ends. */
	for (struct pt__fork *f = e->forks; f; f = f->next)
		if (f->parent == p) {
			f->parent = NULL;
			f->orphan = true;
		}
}

/* ENGINE: f's child, its first stop awaited here if it has not come:
 * let go (release_child).  A child that died first is only forgotten. */
static void release_now(struct pt__engine *e, struct pt__fork *f)
{
	while (!f->child_stopped) {
		int raw;
		pid_t w = waitpid(f->child, &raw, __WALL);
		if (w < 0 && errno == EINTR)
			continue;
		struct pt__wstatus ws = { 0 };
		if (w == f->child)
			pt__wstatus_decode(raw, 1, &ws);
		if (w != f->child || ws.kind == PT__W_EXITED ||
		    ws.kind == PT__W_SIGNALED) {
			fork_drop(e, f);
			return;
		}
		f->child_stopped = true;
	}
	release_child(e, f);
}

void pt__fork_release_children(struct pt_process *p)
{
	PT__ASSERT_TRACER(p->eng);
	struct pt__engine *e = p->eng;
	for (struct pt__fork *f = e->forks, *n; f; f = n) {
		n = f->next;
		if (f->parent == p)
			release_now(e, f);
	}
}

/* Write the original bytes of breakpoints bps[0..n) (slots, the unused
 * ones skipped) over our instructions in the child's own memory. */
static void unbreak_child(const struct pt__bp *bps, size_t n, size_t blen,
			  pid_t child)
{
	if (!n)
		return;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)child);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	for (size_t i = 0; i < n; i++) {
		const struct pt__bp *b = &bps[i];
		if (!b->used)
			continue;
		bool ok = fd >= 0 && pwrite(fd, b->orig, blen, (off_t)b->addr) ==
					     (ssize_t)blen;
		for (size_t k = 0; !ok && k < blen; k += sizeof(long)) {
			/* no /proc/PID/mem: word-wise through ptrace */
			uint64_t a = (b->addr + k) & ~(uint64_t)(sizeof(long) - 1);
			errno = 0;
			long w = ptrace(PTRACE_PEEKDATA, child, (void *)a, NULL);
			if (w == -1 && errno)
				break;
			for (size_t j = 0; j < blen; j++) {
				uint64_t at = b->addr + j;
				if (at >= a && at < a + sizeof(long))
					((uint8_t *)&w)[at - a] = b->orig[j];
			}
			ptrace(PTRACE_POKEDATA, child, (void *)a, (void *)w);
			ok = true;
		}
	}
	if (fd >= 0)
		close(fd);
}

/* A child on a memory of its own: our breakpoints out of it, with the
 * parent's table as it is now. */
static void unbreak_child_now(struct pt_process *parent, pid_t child)
{
	unbreak_child(parent->bps.slots, parent->bps.count ? parent->bps.cap : 0,
		      parent->arch->bp_len, child);
}

/* ENGINE: both halves are in: let a child we do not follow go, its
 * memory as it was before our breakpoints. */
static void release_child(struct pt__engine *e, struct pt__fork *f)
{
	if (f->vfork)
		; /* the parent's memory: lifted there until VFORK_DONE */
	else if (f->snapshot)
		unbreak_child(f->bps, f->nbps, f->bp_len, f->child);
	else if (f->parent)
		unbreak_child_now(f->parent, f->child);
	if (ptrace(PTRACE_DETACH, f->child, NULL, NULL) < 0)
		pt__log(PT_LOG_WARN, "process %d: cannot let child %d go: %s",
			(int)f->parent_pid, (int)f->child, strerror(errno));
	else
		PT__LOGD("process %d: child %d let go", (int)f->parent_pid,
			 (int)f->child);
	fork_drop(e, f);
}

/* The parent's breakpoints now, into f (its memory as the child got it). */
static void snapshot_bps(struct pt__fork *f, struct pt_process *p)
{
	f->bp_len = p->arch->bp_len;
	f->snapshot = p->bps.count == 0;
	if (!p->bps.count)
		return;
	f->bps = malloc(p->bps.count * sizeof *f->bps);
	if (!f->bps) {
		pt__log(PT_LOG_WARN, "process %d: child %d: out of memory: its "
			"breakpoints are taken out as they are at its first stop",
			(int)p->pid, (int)f->child);
		return;
	}
	for (size_t i = 0; i < p->bps.cap; i++)
		if (p->bps.slots[i].used)
			f->bps[f->nbps++] = p->bps.slots[i];
	f->snapshot = true;
}

/* ENGINE: make the followed child a process of its own. */
static struct pt_process *adopt_child(struct pt_process *parent, pid_t child,
				      bool child_stopped, bool vfork)
{
	struct pt_process *cp;
	if (pt__proc_create(parent->eng, child, &cp) < 0)
		return NULL;
	cp->events = parent->events;
	cp->pass_sigs = parent->pass_sigs;
	cp->pass_any = parent->pass_any;
	cp->syscall_mode = parent->syscall_mode;
	memcpy(cp->syscall_set, parent->syscall_set, sizeof cp->syscall_set);
	cp->arch = parent->arch;
	cp->vfork_parent = vfork ? parent->pid : 0;
	if (parent->bps.cap) {
		cp->bps.slots = malloc(parent->bps.cap * sizeof *cp->bps.slots);
		if (cp->bps.slots) {
			memcpy(cp->bps.slots, parent->bps.slots,
			       parent->bps.cap * sizeof *cp->bps.slots);
			cp->bps.cap = parent->bps.cap;
			cp->bps.count = parent->bps.count;
			cp->bps.tombs = parent->bps.tombs;
		}
	}
	struct pt_thread *leader = pt__thread_new(cp, child, PT__TS_NEW);
	if (!leader)
		return cp; /* ENOMEM: the process reports nothing; rare */
	pt__mem_open(cp);
	if (!child_stopped) {
		/* The parent's fork stop hands the child out stopped: it is
		 * not reported before the child's first stop. */
		cp->fork_parent = parent;
		parent->fork_waiting++;
	}
	if (child_stopped) {
		struct pt__wstatus ws = { .kind = PT__W_INTERRUPT,
					  .sig = SIGTRAP };
		pt__thread_on_wait(leader, &ws);
	}
	/* The library's until the application reads the fork stop that
	 * hands it out (pt__proc_claim). */
	if (parent->nunclaimed == parent->cap_unclaimed) {
		size_t cap = parent->cap_unclaimed ? 2 * parent->cap_unclaimed : 4;
		struct pt_process **u =
			realloc(parent->unclaimed, cap * sizeof *u);
		if (u) {
			parent->unclaimed = u;
			parent->cap_unclaimed = cap;
		}
	}
	if (parent->nunclaimed < parent->cap_unclaimed)
		parent->unclaimed[parent->nunclaimed++] = cp;
	PT__LOGD("process %d: following child %d", (int)parent->pid,
		 (int)child);
	return cp;
}

struct pt_process *pt__fork_parent_event(struct pt_thread *t, pid_t child,
					 bool vfork)
{
	PT__ASSERT_TRACER(t->proc->eng);
	struct pt_process *p = t->proc;
	struct pt__engine *e = p->eng;
	struct pt__fork *f = fork_find(e, child, true);
	if (!f)
		return NULL;
	if (p->events & PT_EVENT_FORK) {
		bool stopped = f->child_stopped;
		fork_drop(e, f);
		return adopt_child(p, child, stopped, vfork);
	}
	f->parent = p;
	f->parent_pid = p->pid;
	f->vfork = vfork;
	if (!vfork)
		snapshot_bps(f, p);
	if (vfork) {
		/* shared memory: lift every breakpoint until VFORK_DONE */
		if (p->vfork_lifted++ == 0)
			pt__bp_lift_all(p);
	}
	if (f->child_stopped)
		release_child(e, f);
	return NULL;
}

/* Whether tasks a and b share one address space (kcmp(2), KCMP_VM; false
 * where the kernel cannot tell). */
static bool same_vm(pid_t a, pid_t b)
{
	return syscall(SYS_kcmp, (int)a, (int)b, KCMP_VM, 0UL, 0UL) == 0;
}

struct pt_thread *pt__fork_clone_thread(struct pt_thread *t, pid_t child)
{
	PT__ASSERT_TRACER(t->proc->eng);
	struct pt_process *p = t->proc;
	/* Only on the same memory: breakpoints, step-overs and memory
	 * calls all work on the process's one address space. */
	if (!same_vm(t->tid, child))
		return NULL;
	struct pt__fork *f = fork_find(p->eng, child, false);
	bool stopped = f && f->child_stopped;
	struct pt_thread *nt = pt__thread_new(p, child, PT__TS_NEW);
	if (!nt)
		return NULL; /* taken for a new process, as before */
	if (f)
		fork_drop(p->eng, f);
	nt->tgid = child;
	PT__LOGD("process %d: clone child %d taken as a thread", (int)p->pid,
		 (int)child);
	if (stopped) {
		struct pt__wstatus ws = { .kind = PT__W_INTERRUPT,
					  .sig = SIGTRAP };
		pt__thread_on_wait(nt, &ws);
	}
	return nt;
}

void pt__fork_unbreak_clone_threads(struct pt_process *p)
{
	for (struct pt_thread *t = p->live_head; t; t = t->live_next)
		if (t->tgid == t->tid && !pt__tstate_is_gone(t->state))
			unbreak_child_now(p, t->tid);
}

void pt__fork_child_settled(struct pt_process *p)
{
	struct pt_process *parent = p->fork_parent;
	if (!parent)
		return;
	p->fork_parent = NULL;
	if (parent->fork_waiting > 0)
		parent->fork_waiting--;
	pt__proc_update_state(parent);
}

struct pt_process *pt__fork_vm_partner(struct pt_process *p)
{
	PT__ASSERT_LOCKED(p->eng);
	for (struct pt_process *o = p->eng->procs; o; o = o->eng_next) {
		if (o == p || o->state == PT_PROC_EXITED ||
		    o->state == PT_PROC_DETACHED)
			continue;
		if ((p->vfork_parent && o->pid == p->vfork_parent) ||
		    o->vfork_parent == p->pid)
			return o;
	}
	return NULL;
}

void pt__fork_vfork_done(struct pt_process *p)
{
	if (p->vfork_lifted > 0 && --p->vfork_lifted == 0)
		pt__bp_insert_all(p);
}

int pt__fork_unbreak_detaching(struct pt_process *p)
{
	pt__fork_unbreak_clone_threads(p);
	struct pt_process *par = NULL;
	for (struct pt_process *o = p->eng->procs; o && p->vfork_parent;
	     o = o->eng_next)
		if (o != p && o->pid == p->vfork_parent &&
		    o->state != PT_PROC_EXITED && o->state != PT_PROC_DETACHED)
			par = o;
	if (!par)
		return pt__bp_remove_all(p);
	/* Restoring the bytes here would take them out of the parent, whose
	 * table still counts them in: lift them as the parent's instead (put
	 * back at its PTRACE_EVENT_VFORK_DONE), and drop the child's copy of
	 * the table. */
	PT__LOGD("process %d: vfork child detached: breakpoints of %d lifted "
		 "until its vfork is done", (int)p->pid, (int)par->pid);
	if (par->vfork_lifted++ == 0)
		pt__bp_lift_all(par);
	/* and the child's own, which the parent has not (added to the
	 * child alone) */
	pt__bp_lift_unshared(p, par);
	pt__bp_forget_all(p);
	return 0;
}

bool pt__fork_child_stop(struct pt__engine *e, pid_t child)
{
	struct pt__fork *f = fork_find(e, child, true);
	if (!f)
		return false;
	f->child_stopped = true;
	if (f->parent || f->orphan)
		release_child(e, f);
	return true;
}

void pt__fork_free_all(struct pt__engine *e)
{
	PT__ASSERT_TRACER(e);
	/* Orphans still owed a first stop: let go now, their memory
	 * cleaned (the tracer thread is ending: the kernel would let them
	 * go as they are). */
	for (struct pt__fork *f = e->forks, *n; f; f = n) {
		n = f->next;
		if (f->orphan)
			release_now(e, f);
	}
	while (e->forks)
		fork_drop(e, e->forks);
}
