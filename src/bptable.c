/*
 * bptable.c - the software breakpoint table (engine side).
 *
 * Breakpoints stay in the tracee's memory while it is stopped: inserting and
 * removing every one of them on each stop and resume (as the 2009 seed did)
 * makes a stop cost grow with their number.  Instead memory reads overlay
 * the saved bytes (pt__bp_shadow) and writes update them
 * (pt__bp_absorb_write).  The table is an open-addressing hash keyed by
 * address: finding the breakpoint under a trapped PC is O(1).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static size_t bp_hash(uint64_t addr, size_t cap)
{
	return (size_t)((addr * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

struct pt__bp *pt__bp_find(struct pt_process *p, uint64_t addr)
{
	struct pt__bptab *tab = &p->bps;
	if (!tab->count)
		return NULL;
	for (size_t i = bp_hash(addr, tab->cap), n = 0; n < tab->cap;
	     i = (i + 1) & (tab->cap - 1), n++) {
		struct pt__bp *b = &tab->slots[i];
		if (!b->used && !b->tomb)
			return NULL;
		if (b->used && b->addr == addr)
			return b;
	}
	return NULL;
}

static int tab_grow(struct pt__bptab *tab)
{
	size_t ncap = tab->cap ? tab->cap * 2 : 16;
	if (tab->count * 2 < tab->cap)
		ncap = tab->cap; /* only tombstones to clear */
	struct pt__bp *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return PT_ENOMEM;
	for (size_t i = 0; i < tab->cap; i++) {
		struct pt__bp *b = &tab->slots[i];
		if (!b->used)
			continue;
		size_t j = bp_hash(b->addr, ncap);
		while (ns[j].used)
			j = (j + 1) & (ncap - 1);
		ns[j] = *b;
	}
	free(tab->slots);
	tab->slots = ns;
	tab->cap = ncap;
	tab->tombs = 0;
	return 0;
}

static struct pt__bp *tab_add(struct pt__bptab *tab, uint64_t addr)
{
	if ((tab->count + tab->tombs + 1) * 4 > tab->cap * 3 &&
	    tab_grow(tab) < 0)
		return NULL;
	size_t i = bp_hash(addr, tab->cap);
	while (tab->slots[i].used)
		i = (i + 1) & (tab->cap - 1);
	struct pt__bp *b = &tab->slots[i];
	if (b->tomb)
		tab->tombs--;
	*b = (struct pt__bp){ .addr = addr, .used = true };
	tab->count++;
	return b;
}

static void tab_del(struct pt__bptab *tab, struct pt__bp *b)
{
	b->used = false;
	b->tomb = true;
	tab->count--;
	tab->tombs++;
}

void pt__bptab_free(struct pt__bptab *tab)
{
	free(tab->slots);
	*tab = (struct pt__bptab){ 0 };
}

/* While a vfork child runs on the parent's memory, every breakpoint is
 * lifted (fork.c): lifting and inserting one are then no-ops. */
int pt__bp_lift(struct pt_process *p, struct pt__bp *bp)
{
	PT__ASSERT_LOCKED(p->eng);
	size_t done;
	if (p->vfork_lifted)
		return 0;
	return pt__mem_write_raw(p, bp->addr, bp->orig, p->arch->bp_len,
				 &done);
}

int pt__bp_insert(struct pt_process *p, struct pt__bp *bp)
{
	PT__ASSERT_LOCKED(p->eng);
	size_t done;
	if (p->vfork_lifted)
		return 0;
	return pt__mem_write_raw(p, bp->addr, p->arch->bp_insn,
				 p->arch->bp_len, &done);
}

static void write_all(struct pt_process *p, bool insn)
{
	size_t done, blen = p->arch->bp_len;
	for (size_t i = 0; i < p->bps.cap; i++) {
		struct pt__bp *b = &p->bps.slots[i];
		if (b->used)
			pt__mem_write_raw(p, b->addr,
					  insn ? p->arch->bp_insn : b->orig,
					  blen, &done);
	}
}

void pt__bp_lift_all(struct pt_process *p)
{
	write_all(p, false);
}

void pt__bp_insert_all(struct pt_process *p)
{
	write_all(p, true);
}

void pt__bp_lift_unshared(struct pt_process *p, struct pt_process *q)
{
	PT__ASSERT_LOCKED(p->eng);
	size_t done, blen = p->arch->bp_len;
	for (size_t i = 0; i < p->bps.cap; i++) {
		struct pt__bp *b = &p->bps.slots[i];
		if (b->used && !pt__bp_find(q, b->addr))
			pt__mem_write_raw(p, b->addr, b->orig, blen, &done);
	}
}

/* Calls fn for every breakpoint overlapping [addr, addr+len): by probing
 * each address when the range is short, by walking the table when long.
 * The cost is min(len, number of breakpoints). */
#define FOR_EACH_BP_IN(p, addr, len, b)                                        \
	for (size_t i_ = 0, n_ = bp_scan_count(p, len); i_ < n_; i_++)          \
		if (((b) = bp_scan_at(p, addr, len, i_)) != NULL)

static size_t bp_scan_count(struct pt_process *p, size_t len)
{
	size_t blen = p->arch->bp_len;
	if (!p->bps.count)
		return 0;
	return len + blen - 1 < p->bps.cap ? len + blen - 1 : p->bps.cap;
}

static struct pt__bp *bp_scan_at(struct pt_process *p, uint64_t addr,
				 size_t len, size_t i)
{
	size_t blen = p->arch->bp_len;
	if (len + blen - 1 < p->bps.cap) {
		/* probe: breakpoints starting in [addr-blen+1, addr+len) */
		return pt__bp_find(p, addr - (blen - 1) + i);
	}
	struct pt__bp *b = &p->bps.slots[i];
	if (!b->used || b->addr + blen <= addr || b->addr >= addr + len)
		return NULL;
	return b;
}

void pt__bp_shadow(struct pt_process *p, uint64_t addr, uint8_t *buf,
		   size_t len)
{
	struct pt__bp *b;
	size_t blen = p->arch->bp_len;
	FOR_EACH_BP_IN (p, addr, len, b) {
		for (size_t k = 0; k < blen; k++) {
			uint64_t a = b->addr + k;
			if (a >= addr && a < addr + len)
				buf[a - addr] = b->orig[k];
		}
	}
}

bool pt__bp_any_in(struct pt_process *p, uint64_t addr, size_t len)
{
	struct pt__bp *b;
	FOR_EACH_BP_IN (p, addr, len, b)
		return true;
	return false;
}

void pt__bp_absorb_write(struct pt_process *p, uint64_t addr,
			 const uint8_t *newbytes, uint8_t *patch, size_t len)
{
	struct pt__bp *b;
	size_t blen = p->arch->bp_len;
	FOR_EACH_BP_IN (p, addr, len, b) {
		for (size_t k = 0; k < blen; k++) {
			uint64_t a = b->addr + k;
			if (a < addr || a >= addr + len)
				continue;
			if (patch && !p->vfork_lifted)
				patch[a - addr] = p->arch->bp_insn[k];
			if (newbytes)
				b->orig[k] = newbytes[a - addr];
		}
	}
}

void pt__bp_forget_all(struct pt_process *p)
{
	pt__bptab_free(&p->bps);
	memset(p->removed, 0, sizeof p->removed);
	p->nremoved = 0;
}

int pt__bp_remove_all(struct pt_process *p)
{
	int first = 0;
	p->vfork_lifted = 0; /* lift for real, whatever the state */
	for (size_t i = 0; i < p->bps.cap; i++) {
		struct pt__bp *b = &p->bps.slots[i];
		if (!b->used)
			continue;
		int r = pt__bp_lift(p, b);
		if (r < 0 && !first)
			first = r;
	}
	pt__bptab_free(&p->bps);
	return first;
}

/* A trap of a breakpoint instruction just before addr is a hit of ours
 * removed since if the program's own byte there is not a breakpoint
 * instruction: nothing else of the program's could have trapped there. */
bool pt__bp_recently_removed(struct pt_process *p, uint64_t addr)
{
	for (unsigned i = 0; i < PT__REMOVED_MAX; i++)
		if (p->removed[i].valid && p->removed[i].addr == addr)
			return p->removed[i].orig0 != p->arch->bp_insn[0];
	return false;
}

static void removed_forget(struct pt_process *p, uint64_t addr)
{
	for (unsigned i = 0; i < PT__REMOVED_MAX; i++)
		if (p->removed[i].valid && p->removed[i].addr == addr)
			p->removed[i].valid = false;
}

/* ---- step-over by emulation (src/arch/arch.h) ------------------------- */

#define PT__INSN_MAX 15 /* the longest x86 instruction; enough for all */

/* Decode the instruction under a new breakpoint, as the program has it
 * (our other breakpoints shadowed). */
static void bp_decode(struct pt_process *p, struct pt__bp *b)
{
	b->emul = (struct pt__emul){ .kind = PT__EMUL_NONE };
	if (!p->arch->emul_decode)
		return;
	uint8_t insn[PT__INSN_MAX];
	size_t got = 0;
	pt__mem_read_raw(p, b->addr, insn, sizeof insn, &got);
	pt__bp_shadow(p, b->addr, insn, got);
	if (got)
		p->arch->emul_decode(insn, got, &b->emul);
}

void pt__bp_code_written(struct pt_process *p, uint64_t addr, size_t len)
{
	struct pt__bp *b;
	uint64_t from = addr > PT__INSN_MAX - 1 ? addr - (PT__INSN_MAX - 1) : 0;
	FOR_EACH_BP_IN (p, from, len + (addr - from), b)
		b->emul = (struct pt__emul){ .kind = PT__EMUL_NONE };
}

bool pt__bp_emulate_stepover(struct pt_thread *t, struct pt__bp *bp)
{
	PT__ASSERT_TRACER(t->proc->eng);
	struct pt_process *p = t->proc;
	const struct pt__arch *a = p->arch;
	/* Not with a signal to deliver (its handler must run first), nor
	 * with the SIGTRAP of this very hit still pending: a single-step
	 * takes that SIGTRAP at once, under our eyes, before the thread can
	 * be seen just past the breakpoint with it still pending. */
	if (bp->emul.kind == PT__EMUL_NONE || p->stepover_single ||
	    t->pending_sig != 0 || t->swallow_trap || !a->emul_apply)
		return false;
	unsigned char saved[PT__ARCH_REGS_MAX];
	memcpy(saved, t->regs.bytes, a->gregs_size);
	struct pt__emul_store st;
	if (!a->emul_apply(&bp->emul, t->regs.bytes, &st))
		return false;
	if (st.len && pt__watch_covers(p, st.addr, st.len)) {
		/* a watched store: the CPU must make it, for its debug
		 * registers to see it */
		memcpy(t->regs.bytes, saved, a->gregs_size);
		return false;
	}
	if (st.len) {
		size_t done;
		if (pt__mem_write_raw(p, st.addr, st.bytes, st.len, &done) < 0) {
			/* let the CPU fault, as it would untraced */
			memcpy(t->regs.bytes, saved, a->gregs_size);
			return false;
		}
	}
	t->regs_dirty = true;
	PT__LOGD("thread %d: stepped over 0x%llx by emulation", (int)t->tid,
		 (unsigned long long)bp->addr);
	return true;
}

/* ---- adding and removing ------------------------------------------------ */

int pt__bp_set(struct pt_process *p, uint64_t addr, bool *write_failed)
{
	PT__ASSERT_LOCKED(p->eng);
	uint8_t orig[PT__ARCH_BP_MAX];
	size_t blen = p->arch->bp_len, done = 0;
	*write_failed = false;
	/* On memory shared with a vfork partner that has one here, the
	 * memory holds its int3: the original bytes are in its entry. */
	struct pt_process *q = pt__fork_vm_partner(p);
	struct pt__bp *qb = q ? pt__bp_find(q, addr) : NULL;
	int r = 0;
	if (qb)
		memcpy(orig, qb->orig, blen);
	else
		r = pt__mem_read_raw(p, addr, orig, blen, &done);
	if (r < 0)
		return r;
	struct pt__bp *b = tab_add(&p->bps, addr);
	if (!b)
		return PT_ENOMEM;
	memcpy(b->orig, orig, blen);
	bp_decode(p, b);
	r = pt__bp_insert(p, b);
	if (r < 0) {
		tab_del(&p->bps, b);
		*write_failed = true;
		return r;
	}
	p->bp_gen++;
	/* set again: a late hit is now a hit of this one */
	removed_forget(p, addr);
	return 0;
}

int pt__bp_unset(struct pt_process *p, struct pt__bp *b)
{
	PT__ASSERT_LOCKED(p->eng);
	int r = pt__bp_lift(p, b);
	if (r < 0)
		return r;
	/* Shared memory (vfork): the instruction is gone for the partner
	 * too, so is its entry (left in, the partner would count on an int3
	 * that is not there; an int3 left for it would stop this process's
	 * threads unannounced).  Not while the partner runs: one of its
	 * threads may be stepping over that entry. */
	struct pt_process *q = pt__fork_vm_partner(p);
	struct pt__bp *qb = q && q->state == PT_PROC_STOPPED
				    ? pt__bp_find(q, b->addr)
				    : NULL;
	if (qb) {
		PT__LOGD("process %d: breakpoint at 0x%llx removed from the "
			 "memory it shares with process %d, and from its table",
			 (int)p->pid, (unsigned long long)b->addr, (int)q->pid);
		pt__bp_forget(q, qb);
	}
	pt__bp_forget(p, b);
	return 0;
}

void pt__bp_forget(struct pt_process *p, struct pt__bp *b)
{
	PT__ASSERT_LOCKED(p->eng);
	unsigned slot = p->nremoved++ % PT__REMOVED_MAX;
	p->removed[slot].addr = b->addr;
	p->removed[slot].orig0 = b->orig[0];
	p->removed[slot].valid = true;
	tab_del(&p->bps, b);
}
