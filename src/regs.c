/*
 * regs.c - register access through the architecture's register table.
 * Registers are read from the kernel once per stop (on first use) and
 * written back when the thread resumes, only if something changed.
 */
#include <string.h>

#include "internal.h"

static int do_fetch(struct pt__req *r)
{
	struct pt_thread *t = r->arg;
	if (t->state != PT__TS_STOPPED)
		return PT_ESTATE;
	return pt__thread_fetch_regs(t);
}

/* Lock held.  Make t's register cache valid, or fail naming op. */
static int regs_ready(struct pt_thread *t, const char *op)
{
	if (!pt__thread_stopped(t))
		return pt__fail_state(t->proc, t, op);
	if (t->regs_valid)
		return 0;
	int r = pt__engine_call(t->proc->eng, do_fetch, t->proc, t);
	if (r < 0) {
		if (r == PT_ESTATE || r == -ESRCH)
			return pt__fail_state(t->proc, t, op);
		return pt__fail(r, t->proc, t, op, "%s", pt_strerror(r));
	}
	return 0;
}

static int thread_enter(pt_thread *t, const char *op)
{
	int r = pt__check_thread(t);
	if (r < 0)
		return pt__fail(r, NULL, NULL, op, "invalid thread handle");
	pthread_mutex_lock(&t->proc->eng->lock);
	pt__clear_error();
	return 0;
}

static void thread_leave(pt_thread *t)
{
	pthread_mutex_unlock(&t->proc->eng->lock);
}

int pt_thread_reg_get(pt_thread *t, int index, uint64_t *val)
{
	int r = thread_enter(t, "cannot read registers");
	if (r < 0)
		return r;
	const struct pt__arch *a = t->proc->arch;
	if (index < 0 || index >= a->nregs)
		r = pt__fail(PT_ENOREG, t->proc, t, "read register",
			     "no register with index %d", index);
	else if (!val)
		r = pt__fail(PT_EINVAL, t->proc, t, "read register",
			     "value pointer is NULL");
	else if ((r = regs_ready(t, "cannot read registers")) == 0)
		*val = pt__arch_reg_u64(a, t->regs.bytes, index);
	thread_leave(t);
	return r;
}

int pt_thread_reg_set(pt_thread *t, int index, uint64_t val)
{
	int r = thread_enter(t, "cannot write registers");
	if (r < 0)
		return r;
	const struct pt__arch *a = t->proc->arch;
	if (index < 0 || index >= a->nregs) {
		r = pt__fail(PT_ENOREG, t->proc, t, "write register",
			     "no register with index %d", index);
	} else if (a->regs[index].size < 8 &&
		   (val >> (8 * a->regs[index].size)) != 0) {
		r = pt__fail(PT_EINVAL, t->proc, t, "write register",
			     "0x%llx does not fit in %s (%u bytes)",
			     (unsigned long long)val, a->regs[index].name,
			     a->regs[index].size);
	} else if ((r = regs_ready(t, "cannot write registers")) == 0) {
		pt__arch_set_reg_u64(a, t->regs.bytes, index, val);
		t->regs_dirty = true;
	}
	thread_leave(t);
	return r;
}

int pt_process_reg_count(pt_process *p)
{
	if (pt__check_proc(p) < 0)
		return PT_EINVAL;
	return p->arch->nregs;
}

const pt_reg_info *pt_process_reg_info(pt_process *p, int index)
{
	if (pt__check_proc(p) < 0 || index < 0 || index >= p->arch->nregs)
		return NULL;
	return &p->arch->regs[index];
}

const char *pt_process_arch(pt_process *p)
{
	if (pt__check_proc(p) < 0)
		return NULL;
	/* p->arch changes at an exec, on the tracer thread, under the lock */
	pthread_mutex_lock(&p->eng->lock);
	const char *name = p->arch->name;
	pthread_mutex_unlock(&p->eng->lock);
	return name;
}

int pt_process_reg_index(pt_process *p, const char *name)
{
	if (pt__check_proc(p) < 0 || !name)
		return pt__fail(PT_EINVAL, NULL, NULL, "find register",
				"invalid argument");
	for (int i = 0; i < p->arch->nregs; i++)
		if (strcmp(p->arch->regs[i].name, name) == 0)
			return i;
	return pt__fail(PT_ENOREG, p, NULL, "find register",
			"no register named \"%s\" on %s", name, p->arch->name);
}

static int reg_index_of(pt_thread *t, const char *name)
{
	if (pt__check_thread(t) < 0)
		return pt__fail(PT_EINVAL, NULL, NULL, "find register",
				"invalid thread handle");
	return pt_process_reg_index(t->proc, name);
}

int pt_thread_reg_get_name(pt_thread *t, const char *name, uint64_t *val)
{
	int i = reg_index_of(t, name);
	return i < 0 ? i : pt_thread_reg_get(t, i, val);
}

int pt_thread_reg_set_name(pt_thread *t, const char *name, uint64_t val)
{
	int i = reg_index_of(t, name);
	return i < 0 ? i : pt_thread_reg_set(t, i, val);
}

static int role_index(pt_thread *t, int pc)
{
	if (pt__check_thread(t) < 0)
		return pt__fail(PT_EINVAL, NULL, NULL,
				pc ? "read PC" : "read SP",
				"invalid thread handle");
	return pc ? t->proc->arch->pc_index : t->proc->arch->sp_index;
}

int pt_thread_pc(pt_thread *t, uint64_t *pc)
{
	int i = role_index(t, 1);
	return i < 0 ? i : pt_thread_reg_get(t, i, pc);
}

int pt_thread_set_pc(pt_thread *t, uint64_t pc)
{
	int i = role_index(t, 1);
	return i < 0 ? i : pt_thread_reg_set(t, i, pc);
}

int pt_thread_sp(pt_thread *t, uint64_t *sp)
{
	int i = role_index(t, 0);
	return i < 0 ? i : pt_thread_reg_get(t, i, sp);
}

int pt_thread_set_sp(pt_thread *t, uint64_t sp)
{
	int i = role_index(t, 0);
	return i < 0 ? i : pt_thread_reg_set(t, i, sp);
}
