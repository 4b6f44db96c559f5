/*
 * x86_xstate.c - x87, SSE, AVX and AVX-512 registers of x86 tracees: the
 * rows of the register table and the XSAVE / FXSAVE block they live in.
 * See x86_xstate.h.
 *
 * Facts this file relies on (Intel SDM vol. 1 ch. 10 and 13, AMD APM vol. 2
 * 11.5; Linux arch/x86/kernel/fpu/regset.c and xstate.c):
 *   - The FXSAVE area (the first 512 bytes of both images): FCW at 0, FSW at
 *     2, the abridged tag byte at 4, FOP at 6, FIP at 8, FCS (or FIP's upper
 *     half in the 64-bit format the kernel uses) at 12, FDP at 16, FDS (or
 *     FDP's upper half) at 20, MXCSR at 24, MXCSR_MASK at 28, st0-st7 at 32
 *     (16 bytes apart, 10 used), xmm0-15 at 160, bytes 464-511 for software.
 *   - XSAVE header at 512: xstate_bv (u64), the components whose state the
 *     image holds; a clear bit means the component is in its initial state
 *     (zero, except FCW 0x037f and MXCSR 0x1f80), whatever its bytes say.
 *   - PTRACE_GETREGSET NT_X86_XSTATE gives the standard (uncompacted) format,
 *     with the kernel's mask of user components (its XCR0) in the first u64
 *     of the software bytes at 464.  SETREGSET wants the whole image back,
 *     as long as the kernel made it, and rejects reserved MXCSR bits.
 *   - CPUID leaf 0xD: sub-leaf 0 ECX is the largest image the enabled
 *     components can need; sub-leaf i (i >= 2) gives component i's size
 *     (EAX) and standard-format offset (EBX).
 */
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "arch/x86_xstate.h"
#include "log.h"

#if defined(__x86_64__) || defined(__i386__)

#include <cpuid.h>

/* Offsets in the FXSAVE area / XSAVE image. */
enum {
	FX_FCW = 0,
	FX_FSW = 2,
	FX_FTW = 4,
	FX_FOP = 6,
	FX_FIP = 8,
	FX_FCS = 12,
	FX_FDP = 16,
	FX_FDS = 20,
	FX_MXCSR = 24,
	FX_MXCSR_MASK = 28,
	FX_ST = 32,
	FX_XMM = 160,
	FX_SIZE = 512,
	FX_SW_XCR0 = 464,   /* the kernel's mask of user components */
	XS_XSTATE_BV = 512, /* XSAVE header */
	XS_HEADER_END = 576,
};

/* How a register is stored (struct pt__xreg.conv). */
enum {
	XCONV_PLAIN = 0, /* size bytes as they are */
	XCONV_U16,       /* a 16-bit field shown as a 4-byte register */
	XCONV_FTAG,      /* the full tag word, from the abridged tag byte */
	XCONV_MXCSR,     /* 4 bytes; writes checked against MXCSR_MASK */
};

#define BIT(c) (1ull << (c))

/* ---- the machine ------------------------------------------------------- */

static struct pt__x86_xlayout layout;
static pthread_once_t layout_once = PTHREAD_ONCE_INIT;

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	/* xgetbv, spelled as bytes for old assemblers */
	__asm__ __volatile__(".byte 0x0f, 0x01, 0xd0"
			     : "=a"(lo), "=d"(hi)
			     : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/* Keep component c if CPUID describes it as a user component of at least
 * min bytes inside an image of size bytes. */
static bool take_component(struct pt__x86_xlayout *l, int c, uint32_t min)
{
	unsigned eax, ebx, ecx, edx;
	if (!(l->xcr0 & BIT(c)))
		return false;
	__cpuid_count(0xd, c, eax, ebx, ecx, edx);
	(void)edx;
	if (eax < min || (ecx & 1) || ebx < XS_HEADER_END ||
	    (size_t)ebx + eax > l->size) {
		l->xcr0 &= ~BIT(c);
		return false;
	}
	l->off[c] = ebx;
	l->len[c] = eax;
	return true;
}

static void layout_init(void)
{
	struct pt__x86_xlayout *l = &layout;
	l->xsave = false;
	l->xcr0 = BIT(PT__XC_X87) | BIT(PT__XC_SSE);
	l->size = FX_SIZE;

	const char *force = getenv("PROCTRACE_XSTATE");
	if (force && strcmp(force, "fxsave") == 0)
		return;
	unsigned eax, ebx, ecx, edx;
	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE))
		return; /* no XSAVE, or the OS does not use it */
	if (__get_cpuid_max(0, NULL) < 0xd)
		return;
	uint64_t xcr0 = xgetbv0();
	if ((xcr0 & 3) != 3)
		return;
	__cpuid_count(0xd, 0, eax, ebx, ecx, edx);
	size_t size = ecx > ebx ? ecx : ebx;
	if (size < XS_HEADER_END)
		return;
	l->xsave = true;
	/* Room for the image, and 64 bytes more: a full buffer may be a
	 * truncated image (block_get).  Regsets come in u64s. */
	l->size = ((size + 63) & ~(size_t)63) + 64;
	l->xcr0 = xcr0 & (BIT(PT__XC_X87) | BIT(PT__XC_SSE) | BIT(PT__XC_AVX) |
			  BIT(PT__XC_OPMASK) | BIT(PT__XC_ZMM_HI256) |
			  BIT(PT__XC_HI16_ZMM));
	take_component(l, PT__XC_AVX, 16 * 16);
	bool k = take_component(l, PT__XC_OPMASK, 8 * 8);
	bool z = take_component(l, PT__XC_ZMM_HI256, 16 * 32);
	bool h = take_component(l, PT__XC_HI16_ZMM, 16 * 64);
	if (!(k && z && h) || !(l->xcr0 & BIT(PT__XC_AVX)))
		/* AVX-512 is all three, on top of AVX, or nothing */
		l->xcr0 &= ~(BIT(PT__XC_OPMASK) | BIT(PT__XC_ZMM_HI256) |
			     BIT(PT__XC_HI16_ZMM));
}

const struct pt__x86_xlayout *pt__x86_xlayout(void)
{
	pthread_once(&layout_once, layout_init);
	return &layout;
}

/* ---- the rows ------------------------------------------------------------ */

#define N8(p, s) p "0" s, p "1" s, p "2" s, p "3" s, p "4" s, p "5" s, \
		 p "6" s, p "7" s
#define N16(p, s) N8(p, s), p "8" s, p "9" s, p "10" s, p "11" s, p "12" s, \
		  p "13" s, p "14" s, p "15" s
#define N32(p, s) N16(p, s), p "16" s, p "17" s, p "18" s, p "19" s,       \
		  p "20" s, p "21" s, p "22" s, p "23" s, p "24" s, p "25" s, \
		  p "26" s, p "27" s, p "28" s, p "29" s, p "30" s, p "31" s

static const char *const st_names[8] = { N8("st", "") };
static const char *const k_names[8] = { N8("k", "") };
static const char *const xmm_names[32] = { N32("xmm", "") };
static const char *const ymmh_names[32] = { N32("ymm", "h") };
static const char *const zmmh_names[32] = { N32("zmm", "h") };

void pt__x86_tab_add(struct pt__x86_tab *t, const pt_reg_info *ri)
{
	if (t->n >= t->cap) {
		t->overflow = true;
		return;
	}
	t->rows[t->n] = *ri;
	t->xreg[t->n] = (struct pt__xreg){ 0 };
	t->n++;
	t->gdbno = ri->gdb_regnum + 1;
}

static void add_x(struct pt__x86_tab *t, const char *name, unsigned size,
		  pt_reg_set set, pt_reg_type type, uint32_t off, int comp,
		  int conv)
{
	pt_reg_info ri = { name, size, off, set, t->gdbno, PT_ROLE_NONE,
			   type };
	pt__x86_tab_add(t, &ri);
	if (!t->overflow)
		t->xreg[t->n - 1] = (struct pt__xreg){ off, (uint8_t)comp,
						       (uint8_t)conv };
}

void pt__x86_tab_add_fp(struct pt__x86_tab *t, unsigned nxmm)
{
	/* gdb's order: st0-7, fctrl, fstat, ftag, fiseg, fioff, foseg,
	 * fooff, fop; then xmm0.., mxcsr. */
	static const struct {
		const char *name;
		uint32_t off;
		int conv;
	} ctl[] = {
		{ "fctrl", FX_FCW, XCONV_U16 }, { "fstat", FX_FSW, XCONV_U16 },
		{ "ftag", FX_FTW, XCONV_FTAG }, { "fiseg", FX_FCS, XCONV_PLAIN },
		{ "fioff", FX_FIP, XCONV_PLAIN }, { "foseg", FX_FDS, XCONV_PLAIN },
		{ "fooff", FX_FDP, XCONV_PLAIN }, { "fop", FX_FOP, XCONV_U16 },
	};
	for (int i = 0; i < 8; i++)
		add_x(t, st_names[i], 10, PT_REGSET_X87, PT_REGTYPE_FLOAT80,
		      FX_ST + 16u * i, PT__XC_X87, XCONV_PLAIN);
	for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++)
		add_x(t, ctl[i].name, 4, PT_REGSET_X87, PT_REGTYPE_INT,
		      ctl[i].off, PT__XC_X87, ctl[i].conv);
	if (nxmm > 16)
		nxmm = 16;
	for (unsigned i = 0; i < nxmm; i++)
		add_x(t, xmm_names[i], 16, PT_REGSET_SSE, PT_REGTYPE_VECTOR,
		      FX_XMM + 16u * i, PT__XC_SSE, XCONV_PLAIN);
	add_x(t, "mxcsr", 4, PT_REGSET_SSE, PT_REGTYPE_INT, FX_MXCSR,
	      PT__XC_SSE, XCONV_MXCSR);
}

void pt__x86_tab_add_ext(struct pt__x86_tab *t, unsigned nxmm, bool avx512)
{
	const struct pt__x86_xlayout *l = pt__x86_xlayout();
	if (nxmm > 16)
		nxmm = 16;
	if (!(l->xcr0 & BIT(PT__XC_AVX)))
		return;
	for (unsigned i = 0; i < nxmm; i++)
		add_x(t, ymmh_names[i], 16, PT_REGSET_AVX, PT_REGTYPE_VECTOR,
		      l->off[PT__XC_AVX] + 16u * i, PT__XC_AVX, XCONV_PLAIN);
	if (!avx512 || !(l->xcr0 & BIT(PT__XC_OPMASK)))
		return;
	/* gdb's 64-bit feature: xmm16-31, ymm16h-31h, k0-7, zmm0h-31h; the
	 * 32-bit one: k0-7, zmm0h-7h.  zmm16-31 are whole in Hi16_ZMM. */
	uint32_t hi16 = l->off[PT__XC_HI16_ZMM];
	if (nxmm == 16) {
		for (unsigned i = 16; i < 32; i++)
			add_x(t, xmm_names[i], 16, PT_REGSET_AVX512,
			      PT_REGTYPE_VECTOR, hi16 + 64u * (i - 16),
			      PT__XC_HI16_ZMM, XCONV_PLAIN);
		for (unsigned i = 16; i < 32; i++)
			add_x(t, ymmh_names[i], 16, PT_REGSET_AVX512,
			      PT_REGTYPE_VECTOR, hi16 + 64u * (i - 16) + 16,
			      PT__XC_HI16_ZMM, XCONV_PLAIN);
	}
	for (unsigned i = 0; i < 8; i++)
		add_x(t, k_names[i], 8, PT_REGSET_AVX512, PT_REGTYPE_INT,
		      l->off[PT__XC_OPMASK] + 8u * i, PT__XC_OPMASK,
		      XCONV_PLAIN);
	for (unsigned i = 0; i < nxmm; i++)
		add_x(t, zmmh_names[i], 32, PT_REGSET_AVX512,
		      PT_REGTYPE_VECTOR, l->off[PT__XC_ZMM_HI256] + 32u * i,
		      PT__XC_ZMM_HI256, XCONV_PLAIN);
	if (nxmm == 16)
		for (unsigned i = 16; i < 32; i++)
			add_x(t, zmmh_names[i], 32, PT_REGSET_AVX512,
			      PT_REGTYPE_VECTOR, hi16 + 64u * (i - 16) + 32,
			      PT__XC_HI16_ZMM, XCONV_PLAIN);
}

/* ---- the block ------------------------------------------------------------ */

static uint16_t ld16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static uint32_t ld32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static void st16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof v);
}

static void st32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof v);
}

static void st64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof v);
}

/* Components of the table whose bit is clear in xstate_bv: put their
 * initial state in the image, so that reads are plain copies and a write
 * only has to set the bit. */
static void fill_init_state(const struct pt__x86_xlayout *l, uint8_t *b)
{
	uint64_t bv = ld64(b + XS_XSTATE_BV);
	if (!(bv & BIT(PT__XC_X87))) {
		memset(b, 0, FX_MXCSR);
		memset(b + FX_ST, 0, FX_XMM - FX_ST);
		st16(b + FX_FCW, 0x037f);
	}
	if (!(bv & BIT(PT__XC_SSE)))
		memset(b + FX_XMM, 0, 16 * 16);
	if (!(bv & (BIT(PT__XC_SSE) | BIT(PT__XC_AVX))))
		st32(b + FX_MXCSR, 0x1f80);
	for (int c = PT__XC_AVX; c < PT__XC_COUNT; c++)
		if ((l->xcr0 & BIT(c)) && !(bv & BIT(c)))
			memset(b + l->off[c], 0, l->len[c]);
}

static int block_get(pid_t tid, unsigned fx_note, void *buf, size_t cap,
		     size_t *len)
{
	const struct pt__x86_xlayout *l = pt__x86_xlayout();
	uint8_t *b = buf;
	if (cap < l->size)
		return -ENOSPC;
	/* The kernel truncates the image to the room given, and takes back
	 * only the whole of it: a full buffer may be a cut one. */
	struct iovec iov = { buf, l->xsave ? cap & ~(size_t)7 : FX_SIZE };
	if (ptrace(PTRACE_GETREGSET, tid,
		   (void *)(uintptr_t)(l->xsave ? NT_X86_XSTATE : fx_note),
		   &iov) < 0)
		return -errno;
	if (!l->xsave) {
		if (iov.iov_len < FX_SIZE)
			return -EIO;
		*len = FX_SIZE;
		return 0;
	}
	if (iov.iov_len < XS_HEADER_END)
		return -EIO;
	if (iov.iov_len >= (cap & ~(size_t)7))
		return -ENOSPC;
	/* Every component of the table must be in the kernel's image. */
	uint64_t kmask = ld64(b + FX_SW_XCR0);
	for (int c = PT__XC_AVX; c < PT__XC_COUNT; c++) {
		if (!(l->xcr0 & BIT(c)))
			continue;
		if ((kmask && !(kmask & BIT(c))) ||
		    (size_t)l->off[c] + l->len[c] > iov.iov_len) {
			pt__log(PT_LOG_WARN,
				"thread %d: XSAVE component %d missing from "
				"the kernel's image (mask %#llx, %zu bytes)",
				(int)tid, c, (unsigned long long)kmask,
				(size_t)iov.iov_len);
			return -EIO;
		}
	}
	fill_init_state(l, b);
	*len = iov.iov_len;
	return 0;
}

static int block_set(pid_t tid, unsigned fx_note, const void *buf, size_t len)
{
	const struct pt__x86_xlayout *l = pt__x86_xlayout();
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	if (ptrace(PTRACE_SETREGSET, tid,
		   (void *)(uintptr_t)(l->xsave ? NT_X86_XSTATE : fx_note),
		   &iov) < 0)
		return -errno;
	return 0;
}

static int get64(pid_t tid, void *buf, size_t cap, size_t *len)
{
	return block_get(tid, NT_PRFPREG, buf, cap, len);
}

static int set64(pid_t tid, const void *buf, size_t len)
{
	return block_set(tid, NT_PRFPREG, buf, len);
}

static int get32(pid_t tid, void *buf, size_t cap, size_t *len)
{
	return block_get(tid, NT_PRXFPREG, buf, cap, len);
}

static int set32(pid_t tid, const void *buf, size_t len)
{
	return block_set(tid, NT_PRXFPREG, buf, len);
}

/* The x87 tag of physical register i (0 valid, 1 zero, 2 special, 3
 * empty), from the abridged tag and the register's contents. */
static unsigned x87_tag(const uint8_t *b, unsigned i)
{
	if (!(b[FX_FTW] & (1u << i)))
		return 3;
	unsigned top = (ld16(b + FX_FSW) >> 11) & 7;
	const uint8_t *r = b + FX_ST + 16 * ((i - top) & 7); /* st(i-top) */
	uint64_t mant = ld64(r);
	unsigned exp = ld16(r + 8) & 0x7fff;
	if (exp == 0x7fff)
		return 2;
	if (exp == 0)
		return mant == 0 ? 1 : 2;
	return (mant >> 63) ? 0 : 2; /* no integer bit: unnormal */
}

static void xreg_read(const struct pt__arch *a, const void *blk, int idx,
		      void *out)
{
	const struct pt__xreg *x = &a->xreg[idx];
	const uint8_t *b = blk;
	uint32_t v;
	switch (x->conv) {
	case XCONV_U16:
		v = ld16(b + x->off);
		memcpy(out, &v, 4);
		return;
	case XCONV_FTAG:
		v = 0;
		for (unsigned i = 0; i < 8; i++)
			v |= x87_tag(b, i) << (2 * i);
		memcpy(out, &v, 4);
		return;
	default:
		memcpy(out, b + x->off, a->regs[idx].size);
		return;
	}
}

static int xreg_write(const struct pt__arch *a, void *blk, int idx,
		      const void *in, const char **why)
{
	const struct pt__x86_xlayout *l = pt__x86_xlayout();
	const struct pt__xreg *x = &a->xreg[idx];
	uint8_t *b = blk;
	uint32_t v = 0;
	if (x->conv != XCONV_PLAIN)
		memcpy(&v, in, 4);
	switch (x->conv) {
	case XCONV_U16:
	case XCONV_FTAG:
		if (v > 0xffff) {
			*why = "the register holds 16 bits";
			return PT_EINVAL;
		}
		if (x->conv == XCONV_U16) {
			st16(b + x->off, (uint16_t)v);
			break;
		}
		/* the abridged tag keeps only empty / not empty */
		b[FX_FTW] = 0;
		for (unsigned i = 0; i < 8; i++)
			if (((v >> (2 * i)) & 3) != 3)
				b[FX_FTW] |= (uint8_t)(1u << i);
		break;
	case XCONV_MXCSR: {
		uint32_t mask = ld32(b + FX_MXCSR_MASK);
		if (!mask)
			mask = 0xffbf; /* the default when the CPU gives 0 */
		if (v & ~mask) {
			*why = "reserved MXCSR bits set";
			return PT_EINVAL;
		}
		st32(b + x->off, v);
		break;
	}
	default:
		memcpy(b + x->off, in, a->regs[idx].size);
		break;
	}
	if (l->xsave) /* the component now holds state of its own */
		st64(b + XS_XSTATE_BV, ld64(b + XS_XSTATE_BV) | BIT(x->comp));
	return 0;
}

void pt__x86_arch_xstate(struct pt__arch *a, const struct pt__xreg *xreg,
			 bool ia32)
{
	const struct pt__x86_xlayout *l = pt__x86_xlayout();
	a->xregs_size = l->size;
	a->xreg = xreg;
	a->xregs_get = ia32 ? get32 : get64;
	a->xregs_set = ia32 ? set32 : set64;
	a->xreg_read = xreg_read;
	a->xreg_write = xreg_write;
}

#endif
