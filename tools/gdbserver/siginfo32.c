/*
 * siginfo32.c - an i386 program's siginfo for qXfer:siginfo: the tracer
 * (64-bit) gets and sets a native siginfo_t, gdb reads and writes the
 * program's own 128-byte layout (the kernel's compat siginfo).  Which
 * member of the union is live follows the kernel's rule (siginfo_layout in
 * kernel/signal.c); only that member's fields are carried over, as the
 * kernel does when it converts for a 32-bit process.
 */
#include "siginfo32.h"
#include "packet.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The i386 siginfo, offsets in comments (the static asserts hold them). */
struct si32 {
	int32_t signo;                          /* 0 */
	int32_t err;                            /* 4 */
	int32_t code;                           /* 8 */
	union {                                 /* 12 */
		int32_t pad[29];
		struct {                        /* kill, rt, SIGCHLD */
			int32_t pid;            /* 12: sender, or child */
			uint32_t uid;           /* 16 */
			union {
				int32_t value;  /* 20: rt's sigval */
				struct {
					int32_t status; /* 20 */
					int32_t utime;  /* 24: clock_t */
					int32_t stime;  /* 28 */
				} chld;
			} x;
		} proc;
		struct {
			int32_t tid;            /* 12 */
			int32_t overrun;        /* 16 */
			int32_t value;          /* 20: sigval, int or pointer */
		} timer;
		struct {
			uint32_t addr;          /* 12 */
			union {
				int16_t lsb;    /* 16: BUS_MCEERR_* */
				struct {        /* SEGV_BNDERR */
					uint32_t pad;
					uint32_t lower; /* 20 */
					uint32_t upper; /* 24 */
				} bnd;
				struct {        /* SEGV_PKUERR */
					uint32_t pad;
					uint32_t pkey;  /* 20 */
				} pkey;
				struct {        /* TRAP_PERF */
					uint32_t data;  /* 16 */
					uint32_t type;  /* 20 */
					uint32_t flags; /* 24 */
				} perf;
			} x;
		} fault;
		struct {
			int32_t band;           /* 12: long */
			int32_t fd;             /* 16 */
		} poll;
		struct {
			uint32_t call_addr;     /* 12 */
			int32_t nr;             /* 16 */
			uint32_t arch;          /* 20 */
		} sys;
	} u;
};

#define SI32_AT(field, off) \
	_Static_assert(offsetof(struct si32, field) == (off), #field " at " #off)
_Static_assert(sizeof(struct si32) == GS_SIGINFO32_SIZE, "i386 siginfo is 128 bytes");
SI32_AT(err, 4);
SI32_AT(code, 8);
SI32_AT(u, 12);
SI32_AT(u.proc.uid, 16);
SI32_AT(u.proc.x.value, 20);
SI32_AT(u.proc.x.chld.status, 20);
SI32_AT(u.proc.x.chld.utime, 24);
SI32_AT(u.proc.x.chld.stime, 28);
SI32_AT(u.timer.value, 20);
SI32_AT(u.fault.x.lsb, 16);
SI32_AT(u.fault.x.bnd.lower, 20);
SI32_AT(u.fault.x.bnd.upper, 24);
SI32_AT(u.fault.x.pkey.pkey, 20);
SI32_AT(u.fault.x.perf.data, 16);
SI32_AT(u.fault.x.perf.flags, 24);
SI32_AT(u.poll.fd, 16);
SI32_AT(u.sys.arch, 20);

/* TRAP_PERF's fields, which glibc's siginfo_t does not name: the kernel's
 * { unsigned long data; u32 type, flags; } sits where si_addr_lsb (data)
 * and si_lower (type, then flags) are. */
#define PERF_DATA offsetof(siginfo_t, si_addr_lsb)
#define PERF_TYPE offsetof(siginfo_t, si_lower)
#define PERF_FLAGS (PERF_TYPE + 4)
#ifdef __x86_64__
_Static_assert(PERF_DATA == 24 && PERF_TYPE == 32, "x86-64 siginfo _perf");
#endif

/* The kernel's si_code limits per signal (NSIGILL and the others, Linux
 * 6.6 and later: SEGV_CPERR made NSIGSEGV 10); <signal.h> has none. */
enum { N_ILL = 11, N_FPE = 15, N_SEGV = 10, N_BUS = 5, N_TRAP = 6,
       N_CHLD = 6, N_POLL = 6, N_SYS = 2 };
/* Codes from <asm-generic/siginfo.h>, which cannot be included with
 * <signal.h>. */
enum { C_BUS_MCEERR_AR = 4, C_BUS_MCEERR_AO = 5, C_SEGV_BNDERR = 3,
       C_SEGV_PKUERR = 4, C_TRAP_PERF = 6 };

enum layout { L_KILL, L_TIMER, L_RT, L_CHLD, L_POLL, L_SYS, L_FAULT,
	      L_FAULT_MCEERR, L_FAULT_BNDERR, L_FAULT_PKUERR, L_FAULT_PERF };

/* The live member of the union for signal sig with code code. */
static enum layout layout_of(int sig, int code)
{
	if (code > SI_USER && code < SI_KERNEL) {
		int limit = 0;
		enum layout l = L_KILL;
		switch (sig) {
		case SIGILL: limit = N_ILL; l = L_FAULT; break;
		case SIGFPE: limit = N_FPE; l = L_FAULT; break;
		case SIGSEGV: limit = N_SEGV; l = L_FAULT; break;
		case SIGBUS: limit = N_BUS; l = L_FAULT; break;
		case SIGTRAP: limit = N_TRAP; l = L_FAULT; break;
		case SIGCHLD: limit = N_CHLD; l = L_CHLD; break;
		case SIGPOLL: limit = N_POLL; l = L_POLL; break;
		case SIGSYS: limit = N_SYS; l = L_SYS; break;
		}
		if (code > limit)
			return code <= N_POLL ? L_POLL : L_KILL;
		if (sig == SIGBUS && (code == C_BUS_MCEERR_AR || code == C_BUS_MCEERR_AO))
			return L_FAULT_MCEERR;
		if (sig == SIGSEGV && code == C_SEGV_BNDERR)
			return L_FAULT_BNDERR;
		if (sig == SIGSEGV && code == C_SEGV_PKUERR)
			return L_FAULT_PKUERR;
		if (sig == SIGTRAP && code == C_TRAP_PERF)
			return L_FAULT_PERF;
		return l;
	}
	if (code == SI_TIMER)
		return L_TIMER;
	if (code == SI_SIGIO)
		return L_POLL;
	return code < 0 ? L_RT : L_KILL;
}

static uint32_t ptr32(void *p)
{
	return (uint32_t)(uintptr_t)p;
}

static void *ptr64(uint32_t v)
{
	return (void *)(uintptr_t)v;
}

void gs_siginfo_to32(const siginfo_t *si, unsigned char out[GS_SIGINFO32_SIZE])
{
	struct si32 c;
	memset(&c, 0, sizeof c);
	c.signo = si->si_signo;
	c.err = si->si_errno;
	c.code = si->si_code;
	enum layout l = layout_of(si->si_signo, si->si_code);
	switch (l) {
	case L_KILL:
	case L_RT:
	case L_CHLD:
		c.u.proc.pid = si->si_pid;
		c.u.proc.uid = si->si_uid;
		if (l == L_RT)
			c.u.proc.x.value = si->si_value.sival_int;
		if (l == L_CHLD) {
			c.u.proc.x.chld.status = si->si_status;
			c.u.proc.x.chld.utime = (int32_t)si->si_utime;
			c.u.proc.x.chld.stime = (int32_t)si->si_stime;
		}
		break;
	case L_TIMER:
		c.u.timer.tid = si->si_timerid;
		c.u.timer.overrun = si->si_overrun;
		c.u.timer.value = si->si_value.sival_int; /* same bytes as _timer's */
		break;
	case L_POLL:
		c.u.poll.band = (int32_t)si->si_band;
		c.u.poll.fd = si->si_fd;
		break;
	case L_SYS:
		c.u.sys.call_addr = ptr32(si->si_call_addr);
		c.u.sys.nr = si->si_syscall;
		c.u.sys.arch = si->si_arch;
		break;
	default: /* L_FAULT and its variants */
		c.u.fault.addr = ptr32(si->si_addr);
		if (l == L_FAULT_MCEERR)
			c.u.fault.x.lsb = si->si_addr_lsb;
		if (l == L_FAULT_BNDERR) {
			c.u.fault.x.bnd.lower = ptr32(si->si_lower);
			c.u.fault.x.bnd.upper = ptr32(si->si_upper);
		}
		if (l == L_FAULT_PKUERR)
			c.u.fault.x.pkey.pkey = si->si_pkey;
		if (l == L_FAULT_PERF) {
			unsigned long data;
			memcpy(&data, (const char *)si + PERF_DATA, sizeof data);
			c.u.fault.x.perf.data = (uint32_t)data;
			memcpy(&c.u.fault.x.perf.type, (const char *)si + PERF_TYPE, 4);
			memcpy(&c.u.fault.x.perf.flags, (const char *)si + PERF_FLAGS, 4);
		}
		break;
	}
	memcpy(out, &c, sizeof c);
}

void gs_siginfo_from32(const unsigned char in[GS_SIGINFO32_SIZE], siginfo_t *si)
{
	struct si32 c;
	memcpy(&c, in, sizeof c);
	memset(si, 0, sizeof *si);
	si->si_signo = c.signo;
	si->si_errno = c.err;
	si->si_code = c.code;
	enum layout l = layout_of(c.signo, c.code);
	switch (l) {
	case L_KILL:
	case L_RT:
	case L_CHLD:
		si->si_pid = c.u.proc.pid;
		si->si_uid = c.u.proc.uid;
		if (l == L_RT)
			si->si_value.sival_int = c.u.proc.x.value;
		if (l == L_CHLD) {
			si->si_status = c.u.proc.x.chld.status;
			si->si_utime = c.u.proc.x.chld.utime;
			si->si_stime = c.u.proc.x.chld.stime;
		}
		break;
	case L_TIMER:
		si->si_timerid = c.u.timer.tid;
		si->si_overrun = c.u.timer.overrun;
		si->si_value.sival_int = c.u.timer.value;
		break;
	case L_POLL:
		si->si_band = c.u.poll.band;
		si->si_fd = c.u.poll.fd;
		break;
	case L_SYS:
		si->si_call_addr = ptr64(c.u.sys.call_addr);
		si->si_syscall = c.u.sys.nr;
		si->si_arch = c.u.sys.arch;
		break;
	default: /* L_FAULT and its variants */
		si->si_addr = ptr64(c.u.fault.addr);
		if (l == L_FAULT_MCEERR)
			si->si_addr_lsb = c.u.fault.x.lsb;
		if (l == L_FAULT_BNDERR) {
			si->si_lower = ptr64(c.u.fault.x.bnd.lower);
			si->si_upper = ptr64(c.u.fault.x.bnd.upper);
		}
		if (l == L_FAULT_PKUERR)
			si->si_pkey = c.u.fault.x.pkey.pkey;
		if (l == L_FAULT_PERF) {
			unsigned long data = c.u.fault.x.perf.data;
			memcpy((char *)si + PERF_DATA, &data, sizeof data);
			memcpy((char *)si + PERF_TYPE, &c.u.fault.x.perf.type, 4);
			memcpy((char *)si + PERF_FLAGS, &c.u.fault.x.perf.flags, 4);
		}
		break;
	}
}

/* ---- self-test (--selftest) ---------------------------------------------- */

static struct gs_selftest st;

/* The little-endian 32-bit word at off of an i386 siginfo. */
static uint32_t at32(const unsigned char *b, size_t off)
{
	return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 |
	       (uint32_t)b[off + 2] << 16 | (uint32_t)b[off + 3] << 24;
}

/* Every byte of b from off on is 0. */
static bool zero_from(const unsigned char *b, size_t off)
{
	for (size_t i = off; i < GS_SIGINFO32_SIZE; i++)
		if (b[i])
			return false;
	return true;
}

static siginfo_t st_si(int signo, int code)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = signo;
	si.si_code = code;
	return si;
}

/* si to the i386 layout into b: the header at 0, 4, 8; then back to the
 * native layout and to i386 again, both round trips exact (si holds only
 * its member's fields, each fitting 32 bits). */
static void st_convert(const siginfo_t *si, unsigned char b[GS_SIGINFO32_SIZE],
		       const char *what)
{
	unsigned char again[GS_SIGINFO32_SIZE];
	siginfo_t back;
	gs_siginfo_to32(si, b);
	gs_siginfo_from32(b, &back);
	gs_siginfo_to32(&back, again);
	gs_selftest_check(&st, at32(b, 0) == (uint32_t)si->si_signo &&
			  at32(b, 4) == (uint32_t)si->si_errno &&
			  at32(b, 8) == (uint32_t)si->si_code, what);
	gs_selftest_check(&st, memcmp(&back, si, sizeof back) == 0, what);
	gs_selftest_check(&st, memcmp(again, b, sizeof again) == 0, what);
}

int gs_siginfo32_selftest(int *failed)
{
	unsigned char b[GS_SIGINFO32_SIZE];
	siginfo_t si, back;
	st.ran = st.failed = 0;

	si = st_si(SIGSEGV, SEGV_MAPERR);
	si.si_errno = 5;
	si.si_addr = (void *)0xdeadbeefUL;
	st_convert(&si, b, "siginfo32: SIGSEGV round trip");
	gs_selftest_check(&st, at32(b, 12) == 0xdeadbeef && zero_from(b, 16),
			  "siginfo32: SIGSEGV fault address at 12");

	si = st_si(SIGCHLD, CLD_EXITED);
	si.si_pid = 1234;
	si.si_uid = 1000;
	si.si_status = 7;
	si.si_utime = 11;
	si.si_stime = 22;
	st_convert(&si, b, "siginfo32: SIGCHLD round trip");
	gs_selftest_check(&st, at32(b, 12) == 1234 && at32(b, 16) == 1000 &&
			  at32(b, 20) == 7 && at32(b, 24) == 11 &&
			  at32(b, 28) == 22 && zero_from(b, 32),
			  "siginfo32: SIGCHLD pid 12, uid 16, status 20, utime 24, stime 28");

	si = st_si(SIGUSR1, SI_USER);
	si.si_pid = 4321;
	si.si_uid = 1001;
	st_convert(&si, b, "siginfo32: kill round trip");
	gs_selftest_check(&st, at32(b, 12) == 4321 && at32(b, 16) == 1001 &&
			  zero_from(b, 20), "siginfo32: kill (SI_USER) pid 12, uid 16");

	si = st_si(SIGRTMIN, SI_QUEUE);
	si.si_pid = 99;
	si.si_uid = 7;
	si.si_value.sival_int = 0x2a;
	st_convert(&si, b, "siginfo32: SI_QUEUE round trip");
	gs_selftest_check(&st, at32(b, 12) == 99 && at32(b, 16) == 7 &&
			  at32(b, 20) == 0x2a && zero_from(b, 24),
			  "siginfo32: SI_QUEUE pid 12, uid 16, sigval 20");

	si = st_si(SIGALRM, SI_TIMER);
	si.si_timerid = 3;
	si.si_overrun = 2;
	si.si_value.sival_int = -5;
	st_convert(&si, b, "siginfo32: SI_TIMER round trip");
	gs_selftest_check(&st, at32(b, 12) == 3 && at32(b, 16) == 2 &&
			  at32(b, 20) == (uint32_t)-5 && zero_from(b, 24),
			  "siginfo32: SI_TIMER tid 12, overrun 16, sigval 20");

	si = st_si(SIGSYS, 1 /* SYS_SECCOMP */);
	si.si_call_addr = (void *)0x8049000UL;
	si.si_syscall = 20;
	si.si_arch = 0x40000003; /* AUDIT_ARCH_I386 */
	st_convert(&si, b, "siginfo32: SIGSYS round trip");
	gs_selftest_check(&st, at32(b, 12) == 0x8049000 && at32(b, 16) == 20 &&
			  at32(b, 20) == 0x40000003 && zero_from(b, 24),
			  "siginfo32: SIGSYS call_addr 12, syscall 16, arch 20");

	si = st_si(SIGIO, POLL_IN);
	si.si_band = -1;
	si.si_fd = 9;
	st_convert(&si, b, "siginfo32: SIGIO round trip");
	gs_selftest_check(&st, at32(b, 12) == 0xffffffff && at32(b, 16) == 9 &&
			  zero_from(b, 20), "siginfo32: SIGIO band 12, fd 16");
	gs_siginfo_from32(b, &back);
	gs_selftest_check(&st, back.si_band == -1L,
			  "siginfo32: SIGIO band sign-extended");

	si = st_si(SIGBUS, C_BUS_MCEERR_AR);
	si.si_addr = (void *)0xfff00000UL;
	si.si_addr_lsb = 12;
	st_convert(&si, b, "siginfo32: BUS_MCEERR_AR round trip");
	gs_selftest_check(&st, at32(b, 12) == 0xfff00000 && at32(b, 16) == 12 &&
			  zero_from(b, 20), "siginfo32: MCEERR addr 12, addr_lsb 16");
	gs_siginfo_from32(b, &back);
	gs_selftest_check(&st, back.si_addr == (void *)0xfff00000UL,
			  "siginfo32: a fault address zero-extended");

	si = st_si(SIGSEGV, C_SEGV_BNDERR);
	si.si_addr = (void *)0x1000UL;
	si.si_lower = (void *)0x2000UL;
	si.si_upper = (void *)0x3000UL;
	st_convert(&si, b, "siginfo32: SEGV_BNDERR round trip");
	gs_selftest_check(&st, at32(b, 12) == 0x1000 && at32(b, 16) == 0 &&
			  at32(b, 20) == 0x2000 && at32(b, 24) == 0x3000 &&
			  zero_from(b, 28), "siginfo32: BNDERR lower 20, upper 24");

	si = st_si(SIGSEGV, C_SEGV_PKUERR);
	si.si_addr = (void *)0x1000UL;
	si.si_pkey = 6;
	st_convert(&si, b, "siginfo32: SEGV_PKUERR round trip");
	gs_selftest_check(&st, at32(b, 20) == 6 && zero_from(b, 24),
			  "siginfo32: PKUERR pkey 20");

	si = st_si(SIGTRAP, C_TRAP_PERF);
	si.si_addr = (void *)0x4000UL;
	{
		unsigned long data = 0x5000;
		uint32_t type = 2, flags = 1;
		memcpy((char *)&si + PERF_DATA, &data, sizeof data);
		memcpy((char *)&si + PERF_TYPE, &type, 4);
		memcpy((char *)&si + PERF_FLAGS, &flags, 4);
	}
	st_convert(&si, b, "siginfo32: TRAP_PERF round trip");
	gs_selftest_check(&st, at32(b, 12) == 0x4000 && at32(b, 16) == 0x5000 &&
			  at32(b, 20) == 2 && at32(b, 24) == 1 && zero_from(b, 28),
			  "siginfo32: TRAP_PERF data 16, type 20, flags 24");

	/* The kernel's choice of member, where the code is not the signal's. */
	si = st_si(SIGTRAP, SI_KERNEL); /* int3 */
	si.si_pid = 5;  /* as a fault: address 5, nothing at 16 */
	si.si_uid = 6;
	gs_siginfo_to32(&si, b);
	gs_selftest_check(&st, at32(b, 12) == 5 && at32(b, 16) == 6 &&
			  zero_from(b, 20), "siginfo32: SIGTRAP SI_KERNEL is kill");
	si = st_si(SIGUSR1, POLL_OUT);
	si.si_band = 4;
	si.si_fd = 3;
	gs_siginfo_to32(&si, b);
	gs_selftest_check(&st, at32(b, 12) == 4 && at32(b, 16) == 3,
			  "siginfo32: a code up to NSIGPOLL of another signal is poll");
	si = st_si(SIGSEGV, 42);
	si.si_pid = 8;
	gs_siginfo_to32(&si, b);
	gs_selftest_check(&st, at32(b, 12) == 8 && zero_from(b, 16),
			  "siginfo32: a code past every limit is kill");
	si = st_si(SIGTRAP, TRAP_BRKPT);
	si.si_addr = (void *)0x8048000UL;
	gs_siginfo_to32(&si, b);
	gs_selftest_check(&st, at32(b, 12) == 0x8048000 && zero_from(b, 16),
			  "siginfo32: SIGTRAP TRAP_BRKPT is a fault");

	/* Narrowing: the low 32 bits of a sigval pointer, a clock_t. */
	si = st_si(SIGRTMIN, SI_QUEUE);
	si.si_value.sival_ptr = (void *)0x1234567890UL;
	gs_siginfo_to32(&si, b);
	gs_selftest_check(&st, at32(b, 20) == 0x34567890,
			  "siginfo32: sigval cut to 32 bits");
	si = st_si(SIGCHLD, CLD_KILLED);
	si.si_utime = -3;
	gs_siginfo_to32(&si, b);
	gs_siginfo_from32(b, &back);
	gs_selftest_check(&st, at32(b, 24) == (uint32_t)-3 && back.si_utime == -3,
			  "siginfo32: utime sign-extended");

	*failed = st.failed;
	return st.ran;
}
