/*
 * regs.c - register access through the architecture's register table.
 * Registers are read from the kernel once per stop (on first use) and
 * written back when the thread resumes, only if something changed.  Two
 * caches per thread: the general registers (t->regs, one PTRACE_GETREGS)
 * and the extended state (t->xregs: x87, SSE, AVX..., one block the arch
 * reads and writes), each fetched only when a register of its own is
 * asked for.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int do_fetch(struct pt__req *r)
{
	struct pt_thread *t = r->arg;
	if (t->state != PT__TS_STOPPED)
		return PT_ESTATE;
	return pt__thread_fetch_regs(t);
}

/* ENGINE: write the general registers now: the kernel checks some values
 * (x86: segment selectors, fs_base/gs_base) and refuses bad ones with
 * EIO, which must reach the caller that set them, not a later resume. */
static int do_write_gregs(struct pt__req *r)
{
	struct pt_thread *t = r->arg;
	if (t->state != PT__TS_STOPPED)
		return PT_ESTATE;
	int e = pt__arch_set_gregs(t->proc->arch, t->tid, t->regs.bytes);
	if (e < 0)
		return pt__thread_vanished(t, e, "write registers");
	t->regs_dirty = false;
	return 0;
}

static int do_fetch_x(struct pt__req *r)
{
	struct pt_thread *t = r->arg;
	if (t->state != PT__TS_STOPPED)
		return PT_ESTATE;
	return pt__thread_fetch_xregs(t);
}

/* Lock held.  Make valid the cache that holds register idx of t, or fail
 * naming op. */
static int regs_ready(struct pt_thread *t, int idx, const char *op)
{
	if (!pt__thread_stopped(t))
		return pt__fail_state(t->proc, t, op);
	bool ext = pt__arch_reg_is_ext(t->proc->arch, idx);
	if (ext ? t->xregs_valid : t->regs_valid)
		return 0;
	int r = pt__engine_call(t->proc->eng, ext ? do_fetch_x : do_fetch,
				t->proc, t);
	if (r < 0) {
		if (r == PT_ESTATE || r == -ESRCH)
			return pt__fail_state(t->proc, t, op);
		return pt__fail(r, t->proc, t, op, "%s", pt_strerror(r));
	}
	return 0;
}

/* Lock held, cache valid: copy register idx (its size bytes) out / in. */
static void reg_copy_out(pt_thread *t, int idx, void *out)
{
	const struct pt__arch *a = t->proc->arch;
	if (pt__arch_reg_is_ext(a, idx))
		a->xreg_read(a, t->xregs, idx, out);
	else
		memcpy(out, t->regs.bytes + a->regs[idx].offset,
		       a->regs[idx].size);
}

static int reg_copy_in(pt_thread *t, int idx, const void *in, const char *op)
{
	const struct pt__arch *a = t->proc->arch;
	/* The thread's PC may now be on a breakpoint: the next continue
	 * checks whether to step it over. */
	t->recheck_bp = true;
	if (!pt__arch_reg_is_ext(a, idx)) {
		const pt_reg_info *ri = &a->regs[idx];
		uint64_t old = 0, val = 0;
		memcpy(&old, t->regs.bytes + ri->offset, ri->size);
		memcpy(&val, in, ri->size);
		memcpy(t->regs.bytes + ri->offset, in, ri->size);
		t->regs_dirty = true;
		int r = pt__engine_call(t->proc->eng, do_write_gregs, t->proc,
					t);
		if (r == 0)
			return 0;
		memcpy(t->regs.bytes + ri->offset, &old, ri->size);
		if (r == PT_ESTATE || r == -ESRCH)
			return pt__fail_state(t->proc, t, op);
		return pt__fail(PT_EINVAL, t->proc, t, op,
				"the kernel refuses %s = 0x%llx (%s)", ri->name,
				(unsigned long long)val, pt_err_name(r));
	}
	const char *why = "invalid value";
	int r = a->xreg_write(a, t->xregs, idx, in, &why);
	if (r < 0)
		return pt__fail(r, t->proc, t, op, "%s: %s", a->regs[idx].name,
				why);
	t->xregs_dirty = true;
	return 0;
}

/* Lock held.  PT_ENOREG for an index out of the table, PT_EINVAL for a
 * register that does not fit in 64 bits. */
static int check_narrow(pt_thread *t, int index, const char *op)
{
	const struct pt__arch *a = t->proc->arch;
	if (index < 0 || index >= a->nregs)
		return pt__fail(PT_ENOREG, t->proc, t, op,
				"no register with index %d", index);
	if (a->regs[index].size > 8)
		return pt__fail(PT_EINVAL, t->proc, t, op,
				"%s is %u bytes wide: use pt_thread_reg_%s",
				a->regs[index].name, a->regs[index].size,
				strcmp(op, "read register") == 0 ? "read"
								 : "write");
	return 0;
}

int pt_thread_reg_get(pt_thread *t, int index, uint64_t *val)
{
	int r = pt__thread_enter(t, "cannot read registers");
	if (r < 0)
		return r;
	if ((r = check_narrow(t, index, "read register")) < 0)
		;
	else if (!val)
		r = pt__fail(PT_EINVAL, t->proc, t, "read register",
			     "value pointer is NULL");
	else if ((r = regs_ready(t, index, "cannot read registers")) == 0) {
		uint64_t v = 0;
		reg_copy_out(t, index, &v);
		*val = v;
	}
	pt__thread_leave(t);
	return r;
}

int pt_thread_reg_set(pt_thread *t, int index, uint64_t val)
{
	int r = pt__thread_enter(t, "cannot write registers");
	if (r < 0)
		return r;
	const struct pt__arch *a = t->proc->arch;
	if ((r = check_narrow(t, index, "write register")) < 0)
		;
	else if (a->regs[index].size < 8 &&
		 (val >> (8 * a->regs[index].size)) != 0)
		r = pt__fail(PT_EINVAL, t->proc, t, "write register",
			     "0x%llx does not fit in %s (%u bytes)",
			     (unsigned long long)val, a->regs[index].name,
			     a->regs[index].size);
	else if ((r = regs_ready(t, index, "cannot write registers")) == 0)
		r = reg_copy_in(t, index, &val, "write register");
	pt__thread_leave(t);
	return r;
}

int pt_thread_reg_read(pt_thread *t, int index, void *buf, size_t len)
{
	int r = pt__thread_enter(t, "cannot read registers");
	if (r < 0)
		return r;
	const struct pt__arch *a = t->proc->arch;
	if (index < 0 || index >= a->nregs)
		r = pt__fail(PT_ENOREG, t->proc, t, "read register",
			     "no register with index %d", index);
	else if (!buf)
		r = pt__fail(PT_EINVAL, t->proc, t, "read register",
			     "buffer is NULL");
	else if (len < a->regs[index].size)
		r = pt__fail(PT_EINVAL, t->proc, t, "read register",
			     "%s is %u bytes: a buffer of %zu is too short",
			     a->regs[index].name, a->regs[index].size, len);
	else if ((r = regs_ready(t, index, "cannot read registers")) == 0) {
		reg_copy_out(t, index, buf);
		r = (int)a->regs[index].size;
	}
	pt__thread_leave(t);
	return r;
}

int pt_thread_reg_write(pt_thread *t, int index, const void *buf, size_t len)
{
	int r = pt__thread_enter(t, "cannot write registers");
	if (r < 0)
		return r;
	const struct pt__arch *a = t->proc->arch;
	if (index < 0 || index >= a->nregs)
		r = pt__fail(PT_ENOREG, t->proc, t, "write register",
			     "no register with index %d", index);
	else if (!buf)
		r = pt__fail(PT_EINVAL, t->proc, t, "write register",
			     "buffer is NULL");
	else if (len != a->regs[index].size)
		r = pt__fail(PT_EINVAL, t->proc, t, "write register",
			     "%s is %u bytes, not %zu", a->regs[index].name,
			     a->regs[index].size, len);
	else if ((r = regs_ready(t, index, "cannot write registers")) == 0)
		r = reg_copy_in(t, index, buf, "write register");
	pt__thread_leave(t);
	return r;
}

int pt_process_reg_count(pt_process *p)
{
	if (pt__check_proc(p) < 0)
		return PT_EINVAL;
	return pt__proc_arch(p)->nregs;
}

const pt_reg_info *pt_process_reg_info(pt_process *p, int index)
{
	if (pt__check_proc(p) < 0)
		return NULL;
	const struct pt__arch *a = pt__proc_arch(p);
	return index >= 0 && index < a->nregs ? &a->regs[index] : NULL;
}

const char *pt_process_arch(pt_process *p)
{
	if (pt__check_proc(p) < 0) {
		pt__fail(PT_EINVAL, NULL, NULL, "architecture",
			 "invalid process handle");
		return NULL;
	}
	return pt__proc_arch(p)->name;
}

int pt_process_reg_index(pt_process *p, const char *name)
{
	if (pt__check_proc(p) < 0 || !name)
		return pt__fail(PT_EINVAL, NULL, NULL, "find register",
				"invalid argument");
	const struct pt__arch *a = pt__proc_arch(p);
	for (int i = 0; i < a->nregs; i++)
		if (strcmp(a->regs[i].name, name) == 0)
			return i;
	return pt__fail(PT_ENOREG, p, NULL, "find register",
			"no register named \"%s\" on %s", name, a->name);
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

static int role_index(pt_thread *t, bool pc, bool set)
{
	if (pt__check_thread(t) < 0)
		return pt__fail(PT_EINVAL, NULL, NULL,
				set ? (pc ? "set PC" : "set SP")
				    : (pc ? "read PC" : "read SP"),
				"invalid thread handle");
	const struct pt__arch *a = pt__proc_arch(t->proc);
	return pc ? a->pc_index : a->sp_index;
}

int pt_thread_pc(pt_thread *t, uint64_t *pc)
{
	int i = role_index(t, true, false);
	return i < 0 ? i : pt_thread_reg_get(t, i, pc);
}

int pt_thread_set_pc(pt_thread *t, uint64_t pc)
{
	int i = role_index(t, true, true);
	return i < 0 ? i : pt_thread_reg_set(t, i, pc);
}

int pt_thread_sp(pt_thread *t, uint64_t *sp)
{
	int i = role_index(t, false, false);
	return i < 0 ? i : pt_thread_reg_get(t, i, sp);
}

int pt_thread_set_sp(pt_thread *t, uint64_t sp)
{
	int i = role_index(t, false, true);
	return i < 0 ? i : pt_thread_reg_set(t, i, sp);
}
