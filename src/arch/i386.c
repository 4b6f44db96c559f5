/*
 * i386.c - 32-bit x86 programs traced by the 64-bit library: the i386
 * register table, its trap and exit details, and which of our two x86
 * architectures a task runs.
 *
 * The registers of a 32-bit tracee are read and written with
 * PTRACE_GETREGSET / PTRACE_SETREGSET NT_PRSTATUS, which a 64-bit tracer gets
 * in the i386 layout (the kernel's struct user_regs_struct32, 17 words) for a
 * task running 32-bit code.  PTRACE_GETREGS would give the 64-bit layout
 * instead; the regset is preferred because the kernel's 32-bit write path
 * (putreg32) applies the fix-ups of a 32-bit debugger: orig_eax == -1 turns
 * syscall restart off, and eax is taken as a 32-bit -ERESTART* code.
 *
 * Which layout the kernel gives depends on the code segment the thread is in
 * at that stop (user_64bit_mode()), not on the program: a 32-bit program that
 * far-jumps into 64-bit code (a "heaven's gate") is given the 64-bit layout
 * while it is there.  pt__arch_get_gregs then shows the low halves in the
 * i386 view, and writes them back into the 64-bit block it read.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <unistd.h>

#include "arch/arch.h"
#include "arch/x86_xstate.h"

#if defined(__x86_64__)

/* The kernel's struct user_regs_struct32 (arch/x86/include/asm/user32.h),
 * which is also <sys/user.h>'s user_regs_struct of i386: segment selectors
 * are 16 bits in a 32-bit word. */
struct i386_gregs {
	uint32_t ebx, ecx, edx, esi, edi, ebp, eax;
	uint32_t ds, es, fs, gs;
	uint32_t orig_eax, eip, cs, eflags, esp, ss;
};
_Static_assert(sizeof(struct i386_gregs) == 68, "i386 layout is 17 words");

/* The cache buffer holds the i386 block first; behind it, for a thread met
 * in 64-bit mode, a marker and the 64-bit block it was converted from. */
#define I386_MODE_OFF 68u  /* uint32_t: I386_MODE64 if converted */
#define I386_MODE64 0x36344d44u /* "DM64" */
#define I386_WIDE_OFF 72u  /* struct user_regs_struct, 216 bytes */
_Static_assert(I386_WIDE_OFF + sizeof(struct user_regs_struct) <=
		       PT__ARCH_REGS_MAX,
	       "the register buffer holds an i386 and an x86-64 block");

#define GREG32(field, gdbno, set, role, type)                                  \
	{ #field, 4, offsetof(struct i386_gregs, field), set, gdbno, role,     \
	  type }

/* Order and gdb numbers follow gdb's i386 Linux target description
 * (features i386/32bit-core, 32bit-sse, 32bit-linux, 32bit-avx and
 * 32bit-avx512): eax ecx edx ebx esp ebp esi edi 0-7, eip 8, eflags 9, cs ss
 * ds es fs gs 10-15, then the x87 rows st0-7 16-23 and fctrl fstat ftag
 * fiseg fioff foseg fooff fop 24-31, xmm0-7 32-39, mxcsr 40 (x86_xstate.c),
 * orig_eax 41, then ymm0h-7h from 42 and k0-7, zmm0h-7h after them where the
 * CPU has AVX and AVX-512 (x86_xstate.c).  gdb shows no fs_base/gs_base for
 * i386: a 32-bit task's thread pointer is a GDT descriptor selected by gs,
 * not a base register, and the i386 regset has no such fields.
 *
 * The x87/SSE/AVX state of a 32-bit task is the same XSAVE image as a 64-bit
 * one's: a 64-bit kernel saves every task with the 64-bit forms (xsave64 and
 * its variants, fxsaveq), and PTRACE_GETREGSET NT_X86_XSTATE (or
 * NT_PRXFPREG) hands that image to a 64-bit tracer unconverted.  So the
 * FXSAVE area is in its 64-bit format here too: FIP is 64 bits at offset 8
 * and FDP 64 bits at 16, and the FPU's CS and DS selectors are not stored
 * at all (nor restored).  The rows show what is stored, as for x86-64:
 * fioff and fooff are the low halves, the 32-bit offsets the program's own
 * fnstenv gives; fiseg and foseg are bytes 12-15 and 20-23, the high halves
 * of FIP and FDP, which are 0 for code running in 32-bit mode.  They are not
 * made up from cs and ds as the kernel's legacy FSAVE view (NT_PRFPREG of a
 * 32-bit task, convert_from_fxsr) does, and a write to them sets those high
 * halves, which 32-bit code does not see.  Where the CPU does not save the
 * error pointers without a pending exception (AMD before XSAVEERPTR) or
 * saves zeros (QEMU's TCG), fioff, fooff and fop read 0 or stale values.
 * (Test i386_fpregs.) */
static const pt_reg_info i386_gregs[] = {
	GREG32(eax, 0, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG32(ecx, 1, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG32(edx, 2, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG32(ebx, 3, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG32(esp, 4, PT_REGSET_GENERAL, PT_ROLE_SP, PT_REGTYPE_ADDR),
	GREG32(ebp, 5, PT_REGSET_GENERAL, PT_ROLE_FP, PT_REGTYPE_ADDR),
	GREG32(esi, 6, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG32(edi, 7, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG32(eip, 8, PT_REGSET_GENERAL, PT_ROLE_PC, PT_REGTYPE_ADDR),
	GREG32(eflags, 9, PT_REGSET_GENERAL, PT_ROLE_FLAGS, PT_REGTYPE_INT),
	GREG32(cs, 10, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG32(ss, 11, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG32(ds, 12, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG32(es, 13, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG32(fs, 14, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
	GREG32(gs, 15, PT_REGSET_GENERAL, PT_ROLE_NONE, PT_REGTYPE_INT),
};

static const pt_reg_info i386_sysregs[] = {
	GREG32(orig_eax, 41, PT_REGSET_SYSTEM, PT_ROLE_NONE, PT_REGTYPE_INT),
};

#define NGREGS (sizeof i386_gregs / sizeof i386_gregs[0])
#define NSYSREGS (sizeof i386_sysregs / sizeof i386_sysregs[0])
#define NREGS_MAX (NGREGS + NSYSREGS + PT__X86_XROWS_MAX)

/* The SIGTRAP si_codes of a 32-bit task are those of x86-64: the kernel
 * raises them in the same places (int3: SI_KERNEL; single-step: TRAP_TRACE;
 * a step over int $0x80, sysenter or syscall, reported at the syscall's
 * exit: TRAP_BRKPT; a step into a signal handler: SIGTRAP; debug
 * registers: TRAP_HWBKPT; <= 0: sent by a process). */
static enum pt__trap_kind i386_classify(const siginfo_t *si)
{
	switch (si->si_code) {
	case SI_KERNEL:
		return PT__TRAP_BREAKPOINT;
	case TRAP_BRKPT:
		return PT__TRAP_STEP_SYSCALL;
	case TRAP_TRACE:
	case SIGTRAP:
		return PT__TRAP_STEP;
	default:
		return PT__TRAP_OTHER;
	}
}

/* The i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl);
 * <sys/syscall.h> of a 64-bit build has the x86-64 ones. */
#define I386_NR_exit 1
#define I386_NR_exit_group 252

static bool i386_exit_is_voluntary(const void *gregs)
{
	/* As on x86-64: inside exit or exit_group, which never return, eax
	 * still holds the -ENOSYS the syscall entry put there. */
	const struct i386_gregs *r = gregs;
	return (r->orig_eax == I386_NR_exit ||
		r->orig_eax == I386_NR_exit_group) &&
	       (int32_t)r->eax == -ENOSYS;
}

/* ---- step-over by emulation (arch.h) -------------------------------------
 * The same few instructions as on x86-64, in their 32-bit forms: nop,
 * pause, endbr32/64, the multi-byte nop, push r32, and mov between 32-bit
 * registers.  There is no REX in 32-bit code (0x40-0x4f are inc/dec). */

/* ModRM register numbers to the i386 layout. */
static const size_t i386_greg_off[8] = {
	offsetof(struct i386_gregs, eax), offsetof(struct i386_gregs, ecx),
	offsetof(struct i386_gregs, edx), offsetof(struct i386_gregs, ebx),
	offsetof(struct i386_gregs, esp), offsetof(struct i386_gregs, ebp),
	offsetof(struct i386_gregs, esi), offsetof(struct i386_gregs, edi),
};

/* Length of a ModRM operand with 32-bit addressing (ModRM, SIB,
 * displacement) at m, or 0 if the n bytes there do not hold all of it. */
static size_t modrm32_len(const uint8_t *m, size_t n)
{
	if (n < 1)
		return 0;
	unsigned mod = m[0] >> 6, rm = m[0] & 7;
	size_t len = 1;
	if (mod == 3)
		return len;
	if (rm == 4) { /* SIB */
		if (n < 2)
			return 0;
		len++;
		if (mod == 0 && (m[1] & 7) == 5)
			len += 4;
	}
	if (mod == 1)
		len += 1;
	else if (mod == 2 || (mod == 0 && rm == 5))
		len += 4; /* disp32 (absolute when mod 0, rm 5) */
	return len <= n ? len : 0;
}

static bool i386_emul_decode(const uint8_t *b, size_t n, struct pt__emul *e)
{
	*e = (struct pt__emul){ .kind = PT__EMUL_NONE };
	if (n >= 1 && b[0] == 0x90) { /* nop */
		*e = (struct pt__emul){ .kind = PT__EMUL_NOP, .len = 1 };
		return true;
	}
	if (n >= 2 && b[0] == 0xf3 && b[1] == 0x90) { /* pause */
		*e = (struct pt__emul){ .kind = PT__EMUL_NOP, .len = 2 };
		return true;
	}
	if (n >= 4 && b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e &&
	    (b[3] == 0xfa || b[3] == 0xfb)) { /* endbr64, endbr32 */
		*e = (struct pt__emul){ .kind = PT__EMUL_NOP, .len = 4 };
		return true;
	}
	/* 0f 1f /0 after operand-size and CS prefixes (no 0x67: 16-bit
	 * addressing has other lengths) */
	size_t i = 0;
	while (i < n && i < 6 && (b[i] == 0x66 || b[i] == 0x2e))
		i++;
	if (i + 2 < n && b[i] == 0x0f && b[i + 1] == 0x1f &&
	    ((b[i + 2] >> 3) & 7) == 0) {
		size_t ml = modrm32_len(b + i + 2, n - i - 2);
		if (ml) {
			*e = (struct pt__emul){ .kind = PT__EMUL_NOP,
						.len = (uint8_t)(i + 2 + ml) };
			return true;
		}
	}
	if (n >= 1 && b[0] >= 0x50 && b[0] <= 0x57) { /* push r32 */
		*e = (struct pt__emul){ .kind = PT__EMUL_PUSH, .len = 1,
					.src = (uint8_t)(b[0] - 0x50),
					.width = 4 };
		return true;
	}
	if (n >= 2 && (b[0] == 0x89 || b[0] == 0x8b) && (b[1] >> 6) == 3) {
		uint8_t reg = (b[1] >> 3) & 7, rm = b[1] & 7;
		bool to_rm = b[0] == 0x89;
		*e = (struct pt__emul){ .kind = PT__EMUL_MOV, .len = 2,
					.dst = to_rm ? rm : reg,
					.src = to_rm ? reg : rm, .width = 4 };
		return true;
	}
	return false;
}

static bool i386_emul_apply(const struct pt__emul *e, void *gregs,
			    struct pt__emul_store *store)
{
	struct i386_gregs *r = gregs;
	char *base = gregs;
	store->len = 0;
	uint32_t mode;
	memcpy(&mode, base + I386_MODE_OFF, sizeof mode);
	/* In 64-bit code (see the top) the bytes mean other instructions
	 * (push is 8 bytes, 0x4X a REX prefix); with TF set the program
	 * expects its own trap.  The CPU does those. */
	if (mode == I386_MODE64 || (r->eflags & 0x100))
		return false;
	uint32_t v;
	switch (e->kind) {
	case PT__EMUL_NOP:
		break;
	case PT__EMUL_PUSH:
		memcpy(&v, base + i386_greg_off[e->src & 7], 4);
		r->esp -= 4; /* push %esp stores the value before this */
		store->addr = r->esp;
		store->len = 4;
		memcpy(store->bytes, &v, 4);
		break;
	case PT__EMUL_MOV:
		memcpy(&v, base + i386_greg_off[e->src & 7], 4);
		memcpy(base + i386_greg_off[e->dst & 7], &v, 4);
		break;
	default:
		return false;
	}
	r->eip += e->len;
	return true;
}

static int i386_get_gregs(pid_t tid, void *buf);
static int i386_set_gregs(pid_t tid, const void *buf);

/* The table depends on the machine (AVX, AVX-512): built once, on first
 * use, as x86_64.c builds its own. */
static pt_reg_info i386_regs[NREGS_MAX];
static struct pt__xreg i386_xreg[NREGS_MAX];
static pthread_once_t i386_once = PTHREAD_ONCE_INIT;

static struct pt__arch i386_arch = {
	.name = "i386",
	.regs = i386_regs,
	.pc_index = 8,
	.sp_index = 4,
	.gregs_size = sizeof(struct i386_gregs),
	/* PTRACE_PEEKUSER of a 64-bit tracer uses the 64-bit struct user
	 * whatever the tracee runs: eip is rip, zero-extended. */
	.pc_user_offset = offsetof(struct user, regs.rip),
	.bp_insn = { 0xcc },
	.bp_len = 1,
	.pc_after_bp = 1,
	.classify_trap = i386_classify,
	.exit_is_voluntary = i386_exit_is_voluntary,
	.get_gregs = i386_get_gregs,
	.set_gregs = i386_set_gregs,
	.emul_decode = i386_emul_decode,
	.emul_apply = i386_emul_apply,
};

static void i386_build(void)
{
	struct pt__x86_tab t = { .rows = i386_regs, .xreg = i386_xreg,
				 .cap = (int)NREGS_MAX };
	for (size_t i = 0; i < NGREGS; i++)
		pt__x86_tab_add(&t, &i386_gregs[i]);
	pt__x86_tab_add_fp(&t, 8);
	for (size_t i = 0; i < NSYSREGS; i++)
		pt__x86_tab_add(&t, &i386_sysregs[i]);
	pt__x86_tab_add_ext(&t, 8, true);
	i386_arch.nregs = t.n; /* all of them: the arrays are sized for it */
	/* ia32: without XSAVE the FXSAVE image comes through NT_PRXFPREG
	 * (NT_PRFPREG of a 32-bit task is the legacy FSAVE format). */
	pt__x86_arch_xstate(&i386_arch, i386_xreg, true);
}

const struct pt__arch *pt__arch_i386(void)
{
	pthread_once(&i386_once, i386_build);
	return &i386_arch;
}

/* The i386 view of a thread in 64-bit mode: the low halves. */
static void narrow(const struct user_regs_struct *w, struct i386_gregs *r)
{
	*r = (struct i386_gregs){
		.ebx = (uint32_t)w->rbx, .ecx = (uint32_t)w->rcx,
		.edx = (uint32_t)w->rdx, .esi = (uint32_t)w->rsi,
		.edi = (uint32_t)w->rdi, .ebp = (uint32_t)w->rbp,
		.eax = (uint32_t)w->rax, .ds = (uint32_t)w->ds,
		.es = (uint32_t)w->es,   .fs = (uint32_t)w->fs,
		.gs = (uint32_t)w->gs,   .orig_eax = (uint32_t)w->orig_rax,
		.eip = (uint32_t)w->rip, .cs = (uint32_t)w->cs,
		.eflags = (uint32_t)w->eflags, .esp = (uint32_t)w->rsp,
		.ss = (uint32_t)w->ss,
	};
}

/* Replace the low half of a 64-bit register, keeping the high half. */
static void widen1(unsigned long long *w, uint32_t v)
{
	*w = (*w & ~0xffffffffull) | v;
}

static void widen(const struct i386_gregs *r, struct user_regs_struct *w)
{
	widen1(&w->rbx, r->ebx);
	widen1(&w->rcx, r->ecx);
	widen1(&w->rdx, r->edx);
	widen1(&w->rsi, r->esi);
	widen1(&w->rdi, r->edi);
	widen1(&w->rbp, r->ebp);
	widen1(&w->rax, r->eax);
	widen1(&w->orig_rax, r->orig_eax);
	widen1(&w->rip, r->eip);
	widen1(&w->eflags, r->eflags);
	widen1(&w->rsp, r->esp);
	/* selectors are 16 bits: whole */
	w->ds = r->ds;
	w->es = r->es;
	w->fs = r->fs;
	w->gs = r->gs;
	w->cs = r->cs;
	w->ss = r->ss;
}

static int i386_get_gregs(pid_t tid, void *buf)
{
	unsigned char *b = buf;
	struct iovec iov = { .iov_base = b + I386_WIDE_OFF,
			     .iov_len = sizeof(struct user_regs_struct) };
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return -errno;
	uint32_t mode = 0;
	if (iov.iov_len == sizeof(struct i386_gregs)) {
		memmove(b, b + I386_WIDE_OFF, sizeof(struct i386_gregs));
	} else if (iov.iov_len == sizeof(struct user_regs_struct)) {
		/* in 64-bit code just now: keep the block for the write */
		struct i386_gregs r;
		narrow((const struct user_regs_struct *)(b + I386_WIDE_OFF),
		       &r);
		memcpy(b, &r, sizeof r);
		mode = I386_MODE64;
	} else {
		return -EIO;
	}
	memcpy(b + I386_MODE_OFF, &mode, sizeof mode);
	return 0;
}

static int i386_set_gregs(pid_t tid, const void *buf)
{
	const unsigned char *b = buf;
	uint32_t mode;
	memcpy(&mode, b + I386_MODE_OFF, sizeof mode);
	struct i386_gregs r;
	memcpy(&r, b, sizeof r);
	struct user_regs_struct w;
	struct iovec iov;
	if (mode == I386_MODE64) {
		memcpy(&w, b + I386_WIDE_OFF, sizeof w);
		widen(&r, &w);
		iov = (struct iovec){ .iov_base = &w, .iov_len = sizeof w };
	} else {
		iov = (struct iovec){ .iov_base = &r, .iov_len = sizeof r };
	}
	/* The kernel takes the block in the layout of the thread's mode,
	 * which cannot have changed since the read: it has been stopped. */
	if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return -errno;
	return 0;
}

/* ---- which architecture a task runs ------------------------------------ */

/* From the ELF header of the executable: e_ident's class and e_machine.
 * NULL if it cannot be read (an execute-only file, a task gone) or is no
 * x86 program. */
static const struct pt__arch *arch_from_exe(pid_t tid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/exe", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	unsigned char h[EI_NIDENT + 4]; /* e_ident, e_type, e_machine */
	ssize_t n;
	while ((n = pread(fd, h, sizeof h, 0)) < 0 && errno == EINTR)
		;
	close(fd);
	if (n != (ssize_t)sizeof h || memcmp(h, ELFMAG, SELFMAG) != 0 ||
	    h[EI_DATA] != ELFDATA2LSB)
		return NULL;
	unsigned machine = h[EI_NIDENT + 2] | (unsigned)h[EI_NIDENT + 3] << 8;
	if (h[EI_CLASS] == ELFCLASS32 && machine == EM_386)
		return pt__arch_i386();
	/* x86-64, and x32 (ELFCLASS32 with EM_X86_64: 64-bit mode) */
	if (machine == EM_X86_64 &&
	    (h[EI_CLASS] == ELFCLASS64 || h[EI_CLASS] == ELFCLASS32))
		return pt__arch_native();
	return NULL;
}

/* From the size of the general registers the kernel gives for a stopped
 * task: the mode of the code it is in at this stop. */
static const struct pt__arch *arch_from_regset(pid_t tid)
{
	unsigned char buf[sizeof(struct user_regs_struct)];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &iov) < 0)
		return NULL;
	if (iov.iov_len == sizeof(struct i386_gregs))
		return pt__arch_i386();
	if (iov.iov_len == sizeof(struct user_regs_struct))
		return pt__arch_native();
	return NULL;
}

const struct pt__arch *pt__arch_of_task(pid_t tid, bool stopped)
{
	const struct pt__arch *a = arch_from_exe(tid);
	if (!a && stopped)
		a = arch_from_regset(tid);
	return a ? a : pt__arch_native();
}

#endif
