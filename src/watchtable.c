/*
 * watchtable.c - hardware watchpoints and breakpoints: one table per
 * process, copied into the debug registers of every thread.
 *
 * The user sees watchpoints per process; the CPU has debug registers per
 * thread.  The table (p->watch) says what every thread should hold, and a
 * generation number (p->watch.gen, bumped by every change) says whether a
 * thread holds it (t->watch_gen).  A change is written at once into every
 * stopped thread; a thread that could not be written then, and every new
 * thread, is brought in line at its first stop and before it next resumes
 * (pt__watch_sync, called from stop.c and allstop.c).  The kernel
 * does not copy debug registers to a new thread or a forked child (it
 * copies only the DR7 value that PTRACE_PEEKUSER reads back, with nothing
 * armed behind it), and clears them at exec.
 *
 * Hits: a watchpoint fires with a SIGTRAP (si_code TRAP_HWBKPT, or
 * TRAP_TRACE when a single-step completed in the same instruction); DR6
 * says which slot fired and whether the step completed.  on_sigtrap in
 * stop.c asks pt__watch_on_trap first, which reads DR6, clears it, and
 * turns the trap into PT_STOP_WATCHPOINT.  A user's single-step that ends
 * with a watchpoint hit is reported once, as the watchpoint with
 * stepped = 1: the step is over as well.  As with breakpoints, an interrupt
 * can overtake the SIGTRAP of a hit; pt__watch_interrupted reports that hit
 * at the interrupt-stop and the SIGTRAP is swallowed when it comes.
 *
 * An execution breakpoint fires before its instruction runs, with the PC on
 * it.  The kernel sets the resume flag (EFLAGS.RF) so that the instruction
 * runs on resume without firing again; we set it too, in the register
 * cache, so a register write-back cannot lose it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "procfs.h"

int pt__watch_nslots(const struct pt_process *p)
{
	return pt__arch_watch_slots(p->arch);
}

const char *pt__watch_kind_name(pt_watch_kind k)
{
	switch (k) {
	case PT_WATCH_EXEC:
		return "exec";
	case PT_WATCH_WRITE:
		return "write";
	case PT_WATCH_RW:
		return "read/write";
	}
	return "?";
}

void pt__watch_bump_gen(struct pt__watchtab *w)
{
	if (++w->gen == 0) /* 0 means "never set" in a thread */
		w->gen = 1;
}

/* ---- the engine side --------------------------------------------------------- */

/* ENGINE: write the table into stopped thread t.  0 or -errno. */
static int sync_thread(struct pt_thread *t)
{
	struct pt_process *p = t->proc;
	struct pt__watchtab *w = &p->watch;
	if (t->watch_gen == w->gen)
		return 0;
	if (w->count == 0 && t->watch_gen == 0) {
		/* never had any of ours, and there are none */
		t->watch_gen = w->gen;
		return 0;
	}
	w->used = true;
	int r = pt__arch_watch_write(p->arch, t->tid, w->slot, pt__watch_nslots(p));
	if (r == 0) {
		t->watch_gen = w->gen;
		PT__LOGD("thread %d: %d watchpoint(s) written", (int)t->tid,
			 w->count);
	} else {
		pt__thread_vanished(t, r, "write the debug registers");
	}
	return r;
}

void pt__watch_sync(struct pt_thread *t)
{
	PT__ASSERT_TRACER(t->proc->eng);
	if (t->watch_gen == t->proc->watch.gen || t->state != PT__TS_STOPPED ||
	    t->at_exit)
		return;
	int r = sync_thread(t);
	if (r < 0 && r != -ESRCH)
		pt__log(PT_LOG_WARN,
			"thread %d: cannot set the watchpoints: %s (tried again "
			"before it next resumes)",
			(int)t->tid, pt_strerror(r));
}

/* ENGINE: write the table into every stopped thread.  The first failure
 * other than a thread dying is returned, with the thread in *failed. */
int pt__watch_sync_all(struct pt_process *p, struct pt_thread **failed)
{
	PT__ASSERT_TRACER(p->eng);
	for (struct pt_thread *t = p->live_head, *n; t; t = n) {
		n = t->live_next;
		if (t->state != PT__TS_STOPPED || t->at_exit)
			continue;
		int r = sync_thread(t);
		if (r < 0 && r != -ESRCH) {
			if (failed)
				*failed = t;
			return r;
		}
	}
	return 0;
}

/* The watchpoint cause for the slots in hits, or PT__WATCH_NONE /
 * PT__WATCH_HIDDEN when only removed slots fired. */
static enum pt__watch_trap report(struct pt_thread *t, unsigned hits,
				  bool stepped, pt_stop_cause *c)
{
	struct pt_process *p = t->proc;
	struct pt__watchtab *w = &p->watch;
	for (int i = 0; i < pt__watch_nslots(p); i++) {
		if (!(hits & (1u << i)) || !w->slot[i].used)
			continue;
		*c = (pt_stop_cause){
			.kind = PT_STOP_WATCHPOINT,
			.addr = w->slot[i].addr,
			.watch = w->id[i],
			.stepped = stepped && t->state == PT__TS_STEPPING &&
				   t->step_is_user,
		};
		if (w->slot[i].kind == PT_WATCH_EXEC &&
		    pt__thread_fetch_regs(t) == 0) {
			pt__arch_watch_exec_resume(p->arch, t->regs.bytes);
			t->regs_dirty = true;
		}
		PT__LOGD("thread %d: watchpoint %d (0x%llx) hit%s", (int)t->tid,
			 c->watch, (unsigned long long)c->addr,
			 c->stepped ? ", step done" : "");
		return PT__WATCH_HIT;
	}
	PT__LOGD("thread %d: hit of a removed watchpoint hidden (DR6 0x%x)",
		 (int)t->tid, hits);
	/* a step that completed with it still has to be reported */
	return stepped ? PT__WATCH_NONE : PT__WATCH_HIDDEN;
}

enum pt__watch_trap pt__watch_on_trap(struct pt_thread *t, pt_stop_cause *c)
{
	struct pt_process *p = t->proc;
	if (!p->watch.used)
		return PT__WATCH_NONE;
	unsigned hits;
	bool stepped;
	if (pt__arch_watch_status(p->arch, t->tid, &hits, &stepped, true) < 0 ||
	    !hits)
		return PT__WATCH_NONE;
	return report(t, hits, stepped, c);
}

void pt__watch_interrupted(struct pt_thread *t, pt_stop_cause *c)
{
	struct pt_process *p = t->proc;
	if (!p->watch.used || c->kind != PT_STOP_REQUESTED || t->swallow_trap)
		return;
	unsigned hits;
	bool stepped;
	if (pt__arch_watch_status(p->arch, t->tid, &hits, &stepped, false) <
		    0 ||
	    !hits)
		return;
	/* A slot bit is set only by a hit not reported yet (we clear them
	 * at each report), whose SIGTRAP the interrupt overtook. */
	bool pending =
		pt__procfs_sig_pending(pt__thread_tgid(t), t->tid, SIGTRAP);
	pt__arch_watch_status(p->arch, t->tid, &hits, &stepped, true);
	if (!pending)
		return;
	PT__LOGD("thread %d: interrupted with a watchpoint SIGTRAP pending",
		 (int)t->tid);
	t->swallow_trap = true;
	report(t, hits, stepped, c);
}

bool pt__watch_covers(const struct pt_process *p, uint64_t addr, size_t len)
{
	const struct pt__watchtab *w = &p->watch;
	for (int i = 0; i < PT__ARCH_WATCH_MAX && w->count; i++) {
		const struct pt__hwslot *s = &w->slot[i];
		if (s->used && s->kind != PT_WATCH_EXEC &&
		    addr < s->addr + s->len && s->addr < addr + len)
			return true;
	}
	return false;
}

void pt__watch_forget_all(struct pt_process *p)
{
	struct pt__watchtab *w = &p->watch;
	if (w->count == 0)
		return;
	memset(w->slot, 0, sizeof w->slot);
	w->count = 0;
	pt__watch_bump_gen(w);
	/* the kernel cleared the exec'ing thread's debug registers; the
	 * other threads are gone */
	for (struct pt_thread *t = p->live_head; t; t = t->live_next)
		t->watch_gen = w->gen;
	PT__LOGD("process %d: exec: watchpoints dropped", (int)p->pid);
}

int pt__watch_detach(struct pt_process *p)
{
	PT__ASSERT_TRACER(p->eng);
	struct pt__watchtab *w = &p->watch;
	if (!w->used)
		return 0;
	memset(w->slot, 0, sizeof w->slot);
	w->count = 0;
	pt__watch_bump_gen(w);
	int first = 0;
	for (struct pt_thread *t = p->live_head; t; t = t->live_next) {
		if (t->state != PT__TS_STOPPED)
			continue;
		int r = pt__arch_watch_clear(p->arch, t->tid);
		if (r == 0)
			t->watch_gen = w->gen;
		else if (r != -ESRCH && !first)
			first = r;
	}
	return first;
}
