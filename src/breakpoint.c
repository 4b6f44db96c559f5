/*
 * breakpoint.c - the public breakpoint calls (pt_breakpoint_add/remove/
 * count).  The table and the work on the tracee's memory are in bptable.c.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"


/* ---- public API -------------------------------------------------------------- */

int pt_breakpoint_add(pt_process *p, uint64_t addr)
{
	int r = pt__proc_enter(p, "add breakpoint");
	if (r < 0)
		return r;
	if (p->state != PT_PROC_STOPPED) {
		r = pt__fail_state(p, NULL, "cannot add breakpoint");
		goto out;
	}
	if (pt__bp_find(p, addr)) {
		r = pt__fail(PT_EBPEXIST, p, NULL, "add breakpoint",
			     "a breakpoint already exists at 0x%llx",
			     (unsigned long long)addr);
		goto out;
	}
	bool wrote = false;
	r = pt__bp_set(p, addr, &wrote);
	if (r == PT_ENOMEM) {
		r = pt__fail(r, p, NULL, "add breakpoint", NULL);
		goto out;
	}
	if (r < 0) {
		r = pt__fail(r, p, NULL, "add breakpoint", "cannot %s 0x%llx: %s",
			     wrote ? "write" : "read", (unsigned long long)addr,
			     pt_strerror(r));
		goto out;
	}
	PT__LOGD("process %d: breakpoint at 0x%llx", (int)p->pid,
		 (unsigned long long)addr);
out:
	pt__unlock(p->eng);
	return r;
}

int pt_breakpoint_remove(pt_process *p, uint64_t addr)
{
	int r = pt__proc_enter(p, "remove breakpoint");
	if (r < 0)
		return r;
	if (p->state != PT_PROC_STOPPED) {
		r = pt__fail_state(p, NULL, "cannot remove breakpoint");
		goto out;
	}
	struct pt__bp *b = pt__bp_find(p, addr);
	if (!b) {
		r = pt__fail(PT_ENOBP, p, NULL, "remove breakpoint",
			     "no breakpoint at 0x%llx",
			     (unsigned long long)addr);
		goto out;
	}
	r = pt__bp_unset(p, b);
	if (r < 0)
		r = pt__fail(r, p, NULL, "remove breakpoint",
			     "cannot restore 0x%llx: %s",
			     (unsigned long long)addr, pt_strerror(r));
out:
	pt__unlock(p->eng);
	return r;
}

size_t pt_breakpoint_count(pt_process *p)
{
	if (pt__check_proc(p) < 0)
		return 0;
	pt__lock(p->eng);
	size_t n = p->bps.count;
	pt__unlock(p->eng);
	return n;
}
