/*
 * watchpoint.c - the public watchpoint calls (pt_watchpoint_add/remove/
 * info), the probe of whether the debug registers fire at all
 * (pt_watchpoints_fire) and the debug-register diagnostics for tests
 * (watchpoint.h).  The table and its copy in every thread's debug
 * registers are in watchtable.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "waitstatus.h"
#include "watchpoint.h"


static int find_id(const struct pt_process *p, int id)
{
	for (int i = 0; i < pt__watch_nslots(p); i++)
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
	pt__watch_bump_gen(w);
	struct pt_thread *failed = NULL;
	int r = pt__watch_sync_all(p, &failed);
	if (r < 0) {
		aa->failed_tid = failed ? failed->tid : 0;
		memset(&w->slot[aa->slot], 0, sizeof w->slot[aa->slot]);
		w->count--;
		pt__watch_bump_gen(w);
		pt__watch_sync_all(p, NULL);
	}
	return r;
}

/* ENGINE: the slot is gone from the table; take it out of the threads. */
static int do_remove(struct pt__req *req)
{
	struct pt_process *p = req->proc;
	pt__watch_bump_gen(&p->watch);
	struct pt_thread *failed = NULL;
	int r = pt__watch_sync_all(p, &failed);
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
	int r = pt__proc_enter(p, op);
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
	for (int i = 0; i < pt__watch_nslots(p) && slot < 0; i++)
		if (!w->slot[i].used)
			slot = i;
	if (slot < 0) {
		r = pt__fail(PT_ENOSLOT, p, NULL, op,
			     "all %d hardware debug registers are in use "
			     "(remove a watchpoint first)",
			     pt__watch_nslots(p));
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
			 (int)p->pid, id, pt__watch_kind_name(kind), len,
			 (unsigned long long)addr, slot);
	}
out:
	pt__proc_leave(p);
	return r;
}

int pt_watchpoint_remove(pt_process *p, int id)
{
	static const char op[] = "remove watchpoint";
	int r = pt__proc_enter(p, op);
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
	pt__proc_leave(p);
	return r;
}

int pt_watchpoint_info(pt_process *p, int id, uint64_t *addr, size_t *len,
		       pt_watch_kind *kind)
{
	static const char op[] = "watchpoint info";
	int r = pt__proc_enter(p, op);
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
	pt__proc_leave(p);
	return r;
}

/* ---- do the debug registers fire? ------------------------------------------ */

/* Some virtual machines accept the debug registers (ptrace writes them,
 * the kernel arms them on every context switch) but never raise the debug
 * exception, so a watchpoint is set and never hits.  Nothing in CPUID says
 * so: the only way to know is to arm one and write to it.  The probe does
 * that on a child of the calling thread (not of the tracer thread, whose
 * waitpid(-1, __WNOTHREAD) must not see it), traced with PTRACE_TRACEME
 * and reaped by its pid. */

static volatile uint64_t probe_word; /* what the probe child writes */
static int probe_known = -1;         /* atomic: -1 not yet, else 0 or 1 */

/* The child, between _Fork and _exit: async-signal-safe calls only. */
static _Noreturn void probe_child(void)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 && raise(SIGSTOP) == 0)
		probe_word = probe_word + 1;
	_exit(0);
}

/* Wait for the probe child's next report: 0, or -errno. */
static int probe_wait(pid_t pid, struct pt__wstatus *ws)
{
	int raw;
	pid_t w;
	while ((w = waitpid(pid, &raw, __WALL)) < 0 && errno == EINTR)
		;
	if (w < 0)
		return -errno;
	pt__wstatus_decode(raw, 1, ws);
	return 0;
}

static bool probe_gone(const struct pt__wstatus *ws)
{
	return ws->kind == PT__W_EXITED || ws->kind == PT__W_SIGNALED;
}

/* 1 or 0, or a PT_E* code with the error set. */
static int probe(void)
{
	static const char op[] = "probe watchpoints";
	const struct pt__arch *a = pt__arch_native();
	if (pt__arch_watch_slots(a) == 0)
		return 0;
	pid_t pid = _Fork(); /* the application's atfork handlers not run */
	if (pid < 0) {
		int err = -errno;
		return pt__fail(err, NULL, NULL, op, "fork: %s",
				pt_strerror(err));
	}
	if (pid == 0)
		probe_child();
	const char *what = "waitpid";
	struct pt__wstatus ws;
	int r = probe_wait(pid, &ws);
	if (r < 0)
		goto fail;
	if (ws.kind != PT__W_SIGNAL_STOP || ws.sig != SIGSTOP) {
		/* PTRACE_TRACEME failed in the child (seccomp, Yama 3) */
		if (!probe_gone(&ws))
			pt__kill_child(pid);
		return pt__fail(PT_EPERM, NULL, NULL, op,
				"the probe child could not be traced (its "
				"first report: %s)",
				pt__wkind_name(ws.kind));
	}
	struct pt__hwslot slot[PT__ARCH_WATCH_MAX] = {
		{ .used = true,
		  .addr = (uint64_t)(uintptr_t)&probe_word,
		  .len = sizeof probe_word,
		  .kind = PT_WATCH_WRITE },
	};
	what = "the kernel refused a debug register";
	if ((r = pt__arch_watch_write(a, pid, slot, pt__arch_watch_slots(a))) <
	    0)
		goto fail;
	what = "PTRACE_CONT";
	if (ptrace(PTRACE_CONT, pid, NULL, NULL) < 0) {
		r = -errno;
		goto fail;
	}
	what = "waitpid";
	if ((r = probe_wait(pid, &ws)) < 0)
		goto fail;
	/* the write trapped: SIGTRAP, with the slot's bit in the status */
	unsigned hits = 0;
	bool stepped;
	int fires = ws.kind == PT__W_SIGNAL_STOP && ws.sig == SIGTRAP &&
		    pt__arch_watch_status(a, pid, &hits, &stepped, false) ==
			    0 &&
		    (hits & 1);
	if (!probe_gone(&ws))
		pt__kill_child(pid);
	pt__log(PT_LOG_INFO,
		"hardware watchpoints: a write to a watched word %s",
		fires ? "trapped: the debug registers work"
		      : "did not trap: the CPU's debug registers never fire "
			"on this machine");
	return fires;
fail:
	pt__kill_child(pid);
	return pt__fail(r, NULL, NULL, op, "probe child %d: %s: %s", (int)pid,
			what, pt_strerror(r));
}

int pt_watchpoints_fire(void)
{
	int known = __atomic_load_n(&probe_known, __ATOMIC_ACQUIRE);
	if (known >= 0)
		return known;
	pt__clear_error();
	int r = probe(); /* two threads may both probe: same answer */
	if (r >= 0)
		__atomic_store_n(&probe_known, r, __ATOMIC_RELEASE);
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
	pt__lock(t->proc->eng);
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
	pt__unlock(t->proc->eng);
	return r;
}
