/*
 * watchpoint.c - hardware watchpoints and breakpoints: one table per
 * process, copied into the debug registers of every thread.
 *
 * The user sees watchpoints per process; the CPU has debug registers per
 * thread.  The table (p->watch) says what every thread should hold, and a
 * generation number (p->watch.gen, bumped by every change) says whether a
 * thread holds it (t->watch_gen).  A change is written at once into every
 * stopped thread; a thread that could not be written then, and every new
 * thread, is brought in line at its first stop and before it next resumes
 * (pt__watch_sync, called from the state machine in thread.c).  The kernel
 * does not copy debug registers to a new thread or a forked child (it
 * copies only the DR7 value that PTRACE_PEEKUSER reads back, with nothing
 * armed behind it), and clears them at exec.
 *
 * Hits: a watchpoint fires with a SIGTRAP (si_code TRAP_HWBKPT, or
 * TRAP_TRACE when a single-step completed in the same instruction); DR6
 * says which slot fired and whether the step completed.  on_sigtrap in
 * thread.c asks pt__watch_on_trap first, which reads DR6, clears it, and
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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "watchpoint.h"

static int nslots(const struct pt_process *p)
{
	return pt__arch_watch_slots(p->arch);
}

static const char *kind_name(pt_watch_kind k)
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

static void bump_gen(struct pt__watchtab *w)
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
	int r = pt__arch_watch_write(p->arch, t->tid, w->slot, nslots(p));
	if (r == 0) {
		t->watch_gen = w->gen;
		PT__LOGD("thread %d: %d watchpoint(s) written", (int)t->tid,
			 w->count);
	} else if (r == -ESRCH && t->state == PT__TS_STOPPED) {
		/* only SIGKILL takes a thread out of a ptrace-stop */
		p->dying = true;
		pt__thread_set_state(t, PT__TS_EXITING);
	}
	return r;
}

void pt__watch_sync(struct pt_thread *t)
{
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
static int sync_all(struct pt_process *p, struct pt_thread **failed)
{
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
	for (int i = 0; i < nslots(p); i++) {
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

/* Whether SIGTRAP is pending for thread t alone. */
static bool sigtrap_pending(const struct pt_thread *t)
{
	char path[80], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/task/%d/status",
		 (int)t->proc->pid, (int)t->tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	const char *pnd = strstr(buf, "\nSigPnd:");
	return pnd &&
	       (strtoull(pnd + 9, NULL, 16) & (1ull << (SIGTRAP - 1)));
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
	bool pending = sigtrap_pending(t);
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
	bump_gen(w);
	/* the kernel cleared the exec'ing thread's debug registers; the
	 * other threads are gone */
	for (struct pt_thread *t = p->live_head; t; t = t->live_next)
		t->watch_gen = w->gen;
	PT__LOGD("process %d: exec: watchpoints dropped", (int)p->pid);
}

int pt__watch_detach(struct pt_process *p)
{
	struct pt__watchtab *w = &p->watch;
	if (!w->used)
		return 0;
	memset(w->slot, 0, sizeof w->slot);
	w->count = 0;
	bump_gen(w);
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

/* ---- the public API ------------------------------------------------------------- */

static int proc_enter(pt_process *p, const char *op)
{
	if (pt__check_proc(p) < 0)
		return pt__fail(PT_EINVAL, NULL, NULL, op,
				"invalid process handle");
	pthread_mutex_lock(&p->eng->lock);
	pt__clear_error();
	return 0;
}

static void proc_leave(pt_process *p)
{
	pthread_mutex_unlock(&p->eng->lock);
}

static int find_id(const struct pt_process *p, int id)
{
	for (int i = 0; i < nslots(p); i++)
		if (p->watch.slot[i].used && p->watch.id[i] == id)
			return i;
	return -1;
}

struct add_args {
	int slot;
	pid_t failed_tid;
};

/* ENGINE: the table has the new slot; write it everywhere, or undo. */
static int do_add(struct pt__req *req)
{
	struct pt_process *p = req->proc;
	struct add_args *aa = req->arg;
	struct pt__watchtab *w = &p->watch;
	bump_gen(w);
	struct pt_thread *failed = NULL;
	int r = sync_all(p, &failed);
	if (r < 0) {
		aa->failed_tid = failed ? failed->tid : 0;
		memset(&w->slot[aa->slot], 0, sizeof w->slot[aa->slot]);
		w->count--;
		bump_gen(w);
		sync_all(p, NULL);
	}
	return r;
}

/* ENGINE: the slot is gone from the table; take it out of the threads. */
static int do_remove(struct pt__req *req)
{
	struct pt_process *p = req->proc;
	bump_gen(&p->watch);
	struct pt_thread *failed = NULL;
	int r = sync_all(p, &failed);
	if (r < 0)
		pt__log(PT_LOG_WARN,
			"thread %d: cannot update the watchpoints: %s (tried "
			"again before it resumes)",
			failed ? (int)failed->tid : 0, pt_strerror(r));
	return 0;
}

int pt_watchpoint_add(pt_process *p, uint64_t addr, size_t len,
		      pt_watch_kind kind)
{
	static const char op[] = "add watchpoint";
	int r = proc_enter(p, op);
	if (r < 0)
		return r;
	struct pt__watchtab *w = &p->watch;
	const char *why;
	int slot = -1;
	if (p->state != PT_PROC_STOPPED) {
		r = pt__fail_state(p, NULL, "cannot add watchpoint");
		goto out;
	}
	if ((why = pt__arch_watch_check(p->arch, addr, len, kind))) {
		r = pt__fail(PT_EINVAL, p, NULL, op,
			     "%zu byte(s) at 0x%llx, kind %d: %s", len,
			     (unsigned long long)addr, (int)kind, why);
		goto out;
	}
	for (int i = 0; i < nslots(p) && slot < 0; i++)
		if (!w->slot[i].used)
			slot = i;
	if (slot < 0) {
		r = pt__fail(PT_ENOSLOT, p, NULL, op,
			     "all %d hardware debug registers are in use "
			     "(remove a watchpoint first)",
			     nslots(p));
		goto out;
	}
	if (w->next_id <= 0)
		w->next_id = 1;
	int id = w->next_id;
	while (find_id(p, id) >= 0) /* after a wrap-around only */
		id = id == __INT_MAX__ ? 1 : id + 1;
	w->next_id = id == __INT_MAX__ ? 1 : id + 1;
	w->slot[slot] = (struct pt__hwslot){
		.used = true, .addr = addr, .len = len, .kind = kind
	};
	w->id[slot] = id;
	w->count++;
	struct add_args aa = { .slot = slot };
	r = pt__engine_call(p->eng, do_add, p, &aa);
	if (r == -EINVAL) {
		r = pt__fail(PT_EINVAL, p, NULL, op,
			     "thread %d: the kernel refused to watch %zu "
			     "byte(s) at 0x%llx (not a user-space address?)",
			     (int)aa.failed_tid, len, (unsigned long long)addr);
	} else if (r == -ENOSPC) {
		r = pt__fail(PT_ENOSLOT, p, NULL, op,
			     "thread %d: the kernel has no debug register free "
			     "(another perf user holds it)",
			     (int)aa.failed_tid);
	} else if (r < 0) {
		r = pt__fail(r, p, NULL, op, "thread %d: %s",
			     (int)aa.failed_tid, pt_strerror(r));
	} else {
		r = id;
		PT__LOGD("process %d: watchpoint %d: %s, %zu byte(s) at 0x%llx "
			 "(debug register %d)",
			 (int)p->pid, id, kind_name(kind), len,
			 (unsigned long long)addr, slot);
	}
out:
	proc_leave(p);
	return r;
}

int pt_watchpoint_remove(pt_process *p, int id)
{
	static const char op[] = "remove watchpoint";
	int r = proc_enter(p, op);
	if (r < 0)
		return r;
	int slot = find_id(p, id);
	if (slot < 0) {
		r = pt__fail(PT_ENOWATCH, p, NULL, op,
			     "no watchpoint with id %d", id);
	} else if (p->state != PT_PROC_STOPPED) {
		r = pt__fail_state(p, NULL, "cannot remove watchpoint");
	} else {
		memset(&p->watch.slot[slot], 0, sizeof p->watch.slot[slot]);
		p->watch.count--;
		r = pt__engine_call(p->eng, do_remove, p, NULL);
		PT__LOGD("process %d: watchpoint %d removed", (int)p->pid, id);
	}
	proc_leave(p);
	return r;
}

int pt_watchpoint_info(pt_process *p, int id, uint64_t *addr, size_t *len,
		       pt_watch_kind *kind)
{
	static const char op[] = "watchpoint info";
	int r = proc_enter(p, op);
	if (r < 0)
		return r;
	int slot = find_id(p, id);
	if (slot < 0) {
		r = pt__fail(PT_ENOWATCH, p, NULL, op,
			     "no watchpoint with id %d", id);
	} else {
		const struct pt__hwslot *s = &p->watch.slot[slot];
		if (addr)
			*addr = s->addr;
		if (len)
			*len = s->len;
		if (kind)
			*kind = s->kind;
	}
	proc_leave(p);
	return r;
}

/* ---- diagnostics (watchpoint.h) ---------------------------------------------- */

struct dr_args {
	struct pt_thread *t;
	int n;
	uint64_t *val;
	bool write;
};

static int do_debugreg(struct pt__req *req)
{
	struct dr_args *da = req->arg;
	if (da->t->state != PT__TS_STOPPED)
		return PT_ESTATE;
	const struct pt__arch *a = req->proc->arch;
	if (da->write) {
		req->proc->watch.used = true; /* detach clears them */
		return pt__arch_debugreg_write(a, da->t->tid, da->n, *da->val);
	}
	return pt__arch_debugreg_read(a, da->t->tid, da->n, da->val);
}

int pt__thread_debugreg(pt_thread *t, int n, uint64_t *val, bool write)
{
	static const char op[] = "debug register";
	if (pt__check_thread(t) < 0 || !val)
		return pt__fail(PT_EINVAL, NULL, NULL, op, "invalid argument");
	pthread_mutex_lock(&t->proc->eng->lock);
	pt__clear_error();
	int r;
	if (!pt__thread_stopped(t)) {
		r = pt__fail_state(t->proc, t, op);
	} else {
		struct dr_args da = { t, n, val, write };
		r = pt__engine_call(t->proc->eng, do_debugreg, t->proc, &da);
		if (r < 0)
			r = pt__fail(r, t->proc, t, op, "DR%d: %s", n,
				     pt_strerror(r));
	}
	pthread_mutex_unlock(&t->proc->eng->lock);
	return r;
}
