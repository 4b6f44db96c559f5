/*
 * watchpoint.c - the public watchpoint calls (pt_watchpoint_add/remove/
 * info) and the debug-register diagnostics for tests (watchpoint.h).  The
 * table and its copy in every thread's debug registers are in
 * watchtable.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
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
