/*
 * x86_debugreg.c - the x86 debug registers, for hardware watchpoints and
 * breakpoints.
 *
 * A tracer reaches a thread's debug registers through the user area:
 * PTRACE_PEEKUSER / PTRACE_POKEUSER at offsetof(struct user, u_debugreg[n]).
 * A 64-bit tracer uses that layout for any tracee, 32-bit ones included.
 *
 *   DR0-DR3  the addresses of the four slots
 *   DR6      status: B0-B3 (bits 0-3) which slots fired, BS (bit 14) a
 *            single-step completed; the other bits read as 1 when idle
 *            (Linux keeps a per-thread "virtual" DR6, written by its #DB
 *            handler and by ptrace, never the CPU's own register)
 *   DR7      control: for slot i, enable bit L_i = bit 2i, condition
 *            RW_i = bits 16+4i..17+4i (00 execute, 01 write, 11 read or
 *            write), length LEN_i = bits 18+4i..19+4i (00 one byte, 01 two,
 *            11 four, 10 eight)
 *
 * Linux (arch/x86/kernel/ptrace.c) turns these writes into perf hardware
 * breakpoint events of the thread and checks each one: an address outside
 * user space, a misaligned one for its length, an execution breakpoint of
 * length other than 1, or the I/O condition are refused with EINVAL, and
 * ENOSPC means the slot is taken by another perf user.  The check runs
 * whenever an address or DR7 is written, against the slot's current length
 * and condition, so the order of writes matters: see watch_write.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "arch/arch.h"

#if defined(__x86_64__)

#define DR_NSLOTS 4
#define DR6_HITS 0xfull        /* B0-B3 */
#define DR6_BS (1ull << 14)   /* single-step */
#define EFLAGS_RF (1ull << 16) /* resume flag */

_Static_assert(DR_NSLOTS <= PT__ARCH_WATCH_MAX, "PT__ARCH_WATCH_MAX too small");

static void *dr_offset(int n)
{
	return (void *)offsetof(struct user, u_debugreg[n]);
}

int pt__arch_debugreg_read(const struct pt__arch *a, pid_t tid, int n,
			   uint64_t *val)
{
	(void)a;
	if (n < 0 || n > 7 || n == 4 || n == 5)
		return -EINVAL;
	errno = 0;
	long v = ptrace(PTRACE_PEEKUSER, tid, dr_offset(n), NULL);
	if (v == -1 && errno)
		return -errno;
	*val = (uint64_t)v;
	return 0;
}

int pt__arch_debugreg_write(const struct pt__arch *a, pid_t tid, int n,
			    uint64_t val)
{
	(void)a;
	if (n < 0 || n > 7 || n == 4 || n == 5)
		return -EINVAL;
	if (ptrace(PTRACE_POKEUSER, tid, dr_offset(n), (void *)(uintptr_t)val) <
	    0)
		return -errno;
	return 0;
}

int pt__arch_watch_slots(const struct pt__arch *a)
{
	(void)a;
	return DR_NSLOTS;
}

const char *pt__arch_watch_check(const struct pt__arch *a, uint64_t addr,
				 size_t len, pt_watch_kind kind)
{
	(void)a;
	switch (kind) {
	case PT_WATCH_EXEC:
		if (len != 1)
			return "a hardware breakpoint (PT_WATCH_EXEC) must "
			       "have length 1";
		return NULL;
	case PT_WATCH_WRITE:
	case PT_WATCH_RW:
		break;
	default:
		return "unknown kind (PT_WATCH_EXEC, PT_WATCH_WRITE or "
		       "PT_WATCH_RW)";
	}
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return "the length must be 1, 2, 4 or 8 bytes";
	if (addr & (len - 1))
		return "the address is not aligned to the length";
	return NULL;
}

/* DR7 bits of slot i. */
static uint64_t dr7_bits(int i, const struct pt__hwslot *s)
{
	uint64_t rw, ln;
	switch (s->kind) {
	case PT_WATCH_WRITE:
		rw = 1;
		break;
	case PT_WATCH_RW:
		rw = 3;
		break;
	default:
		rw = 0;
		break;
	}
	switch (s->kind == PT_WATCH_EXEC ? 1 : s->len) {
	case 2:
		ln = 1;
		break;
	case 4:
		ln = 3;
		break;
	case 8:
		ln = 2;
		break;
	default:
		ln = 0;
		break;
	}
	return (1ull << (2 * i)) | (rw << (16 + 4 * i)) | (ln << (18 + 4 * i));
}

/* First DR7 = 0: every slot disabled and turned into a one-byte execution
 * breakpoint, for which any user address is valid, so the addresses can be
 * written next whatever the slots held before; then DR7 with the slots'
 * conditions and lengths, which the kernel checks against the new
 * addresses.  If that last write fails the kernel restores the previous
 * DR7, which is 0: nothing is armed. */
int pt__arch_watch_write(const struct pt__arch *a, pid_t tid,
			 const struct pt__hwslot *slots, int n)
{
	int r = pt__arch_debugreg_write(a, tid, 7, 0);
	if (r < 0)
		return r;
	uint64_t dr7 = 0;
	for (int i = 0; i < n && i < DR_NSLOTS; i++) {
		if (!slots[i].used)
			continue;
		r = pt__arch_debugreg_write(a, tid, i, slots[i].addr);
		if (r < 0)
			return r;
		dr7 |= dr7_bits(i, &slots[i]);
	}
	return dr7 ? pt__arch_debugreg_write(a, tid, 7, dr7) : 0;
}

int pt__arch_watch_clear(const struct pt__arch *a, pid_t tid)
{
	int r = pt__arch_debugreg_write(a, tid, 7, 0);
	if (r < 0)
		return r;
	for (int i = 0; i < DR_NSLOTS; i++) {
		uint64_t v = 0;
		/* write only the slots that hold something: writing an
		 * address into an empty slot makes the kernel create a
		 * breakpoint event for it */
		if (pt__arch_debugreg_read(a, tid, i, &v) == 0 && v != 0 &&
		    (r = pt__arch_debugreg_write(a, tid, i, 0)) < 0)
			return r;
	}
	unsigned hits;
	bool stepped;
	return pt__arch_watch_status(a, tid, &hits, &stepped, true);
}

int pt__arch_watch_status(const struct pt__arch *a, pid_t tid,
			  unsigned *hits, bool *stepped, bool clear)
{
	uint64_t dr6 = 0;
	int r = pt__arch_debugreg_read(a, tid, 6, &dr6);
	if (r < 0)
		return r;
	*hits = (unsigned)(dr6 & DR6_HITS);
	*stepped = (dr6 & DR6_BS) != 0;
	if (clear && (dr6 & (DR6_HITS | DR6_BS)))
		r = pt__arch_debugreg_write(a, tid, 6,
					    dr6 & ~(DR6_HITS | DR6_BS));
	return r;
}

void pt__arch_watch_exec_resume(const struct pt__arch *a, void *gregs)
{
	/* through the register table, whichever layout a's buffer has */
	for (int i = 0; i < a->nregs; i++) {
		if (a->regs[i].role == PT_ROLE_FLAGS) {
			pt__arch_set_reg_u64(a, gregs, i,
					     pt__arch_reg_u64(a, gregs, i) |
						     EFLAGS_RF);
			return;
		}
	}
}

#endif
