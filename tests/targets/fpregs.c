/*
 * fpregs.c - a target that puts known values in its x87, SSE, AVX and
 * AVX-512 registers, stops where a test can look at them and change them,
 * then prints what the registers hold when it goes on.
 *
 * Each argument is a command, run in order; then "DONE" and exit 0.
 *
 *   sse       load xmm0-15, st0-7 (8 pushes: all valid, TOP 0), the x87
 *             control word and MXCSR from the pattern of seed 0 (below),
 *             stop at the symbol fp_sse_stop (a nop), then print every
 *             register as it is after the stop: lines "xmmN HEX",
 *             "stN HEX", "fctrl 0xV", "ftag 0xV" (the tag word fnstenv
 *             gives, before any pop), "mxcsr 0xV".
 *   avx       the same with whole ymm0-15 (stop at fp_avx_stop), and lines
 *             "ymmNh HEX" for the upper halves too.
 *   avx512    the same with whole zmm0-31 and k0-7 (stop at
 *             fp_avx512_stop), and lines for xmm16-31, ymm0h-31h, zmm0h-31h
 *             (the upper 256 bits) and "kN HEX".
 *   init      fninit, and where the CPU has AVX vzeroupper: the upper
 *             halves of ymm0-15 (and zmm0-15) are zero, the x87 stack
 *             empty; stop at fp_init_stop, then print "ymmNh HEX" (where
 *             AVX exists) and "fctrl 0xV", "ftag 0xV".
 *
 * A command the CPU cannot run prints "unsupported CMD" instead.  HEX is
 * the register's bytes in memory order (byte 0 first), two digits each.
 *
 * The pattern (the tests compute the same):
 *   byte k of zmm i:  (uint8_t)(seed * 101 + i * 7 + k * 13 + 1)
 *   st j: mantissa (1 << 63) | ((0x0123456789abcdef * (j + 1 + 8 * seed))
 *         >> 1), sign and exponent ((j & 1) << 15) | (0x3ffc + j + 10 * seed)
 *   k i:  0x0101010101010101 * (i + 1) ^ (seed ? 0xf0f0f0f0f0f0f0f0 : 0)
 *   fctrl: seed 0: 0x027f; mxcsr: seed 0: 0x3f80.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct fpbuf {
	uint8_t zmm[32][64]; /* 0: xmm in 0-15, ymm upper half 16-31, zmm
			        upper 256 bits 32-63 */
	uint64_t k[8];       /* 2048 */
	uint8_t st[8][16];   /* 2112: st(j) in bytes 0-9 */
	uint16_t fcw;        /* 2240 */
	uint16_t pad;
	uint32_t mxcsr;      /* 2244 */
	uint8_t env[28];     /* 2248: fnstenv (tag word at +8) */
};
_Static_assert(offsetof(struct fpbuf, k) == 2048, "layout");
_Static_assert(offsetof(struct fpbuf, st) == 2112, "layout");
_Static_assert(offsetof(struct fpbuf, fcw) == 2240, "layout");
_Static_assert(offsetof(struct fpbuf, mxcsr) == 2244, "layout");
_Static_assert(offsetof(struct fpbuf, env) == 2248, "layout");

/* void fp_LEVEL(const struct fpbuf *in, struct fpbuf *out) */
void fp_sse(const struct fpbuf *in, struct fpbuf *out);
void fp_avx(const struct fpbuf *in, struct fpbuf *out);
void fp_avx512(const struct fpbuf *in, struct fpbuf *out);
void fp_init(struct fpbuf *out, int avx);

/* x87 and MXCSR in from (%rdi), out to (%rsi); then back to the ABI's
 * defaults (empty x87 stack, default control words). */
#define X87_LOAD                                                               \
	"	fninit\n"                                                      \
	"	fldcw 2240(%rdi)\n"                                            \
	"	ldmxcsr 2244(%rdi)\n"                                          \
	"	.irp j,7,6,5,4,3,2,1,0\n"                                      \
	"	fldt 2112+\\j*16(%rdi)\n"                                      \
	"	.endr\n"
#define X87_STORE                                                              \
	"	fnstcw 2240(%rsi)\n"                                           \
	"	stmxcsr 2244(%rsi)\n"                                          \
	"	fnstenv 2248(%rsi)\n"                                          \
	"	.irp j,0,1,2,3,4,5,6,7\n"                                      \
	"	fstpt 2112+\\j*16(%rsi)\n"                                     \
	"	.endr\n"                                                       \
	"	fninit\n"                                                      \
	"	ldmxcsr mxcsr_default(%rip)\n"

__asm__(
	".section .rodata\n"
	"mxcsr_default: .long 0x1f80\n"
	".text\n"

	".globl fp_sse, fp_sse_stop\n"
	".type fp_sse, @function\n"
	"fp_sse:\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu \\i*64(%rdi), %xmm\\i\n"
	"	.endr\n"
	X87_LOAD
	"fp_sse_stop:\n"
	"	nop\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	movdqu %xmm\\i, \\i*64(%rsi)\n"
	"	.endr\n"
	X87_STORE
	"	ret\n"
	".size fp_sse, .-fp_sse\n"

	".globl fp_avx, fp_avx_stop\n"
	".type fp_avx, @function\n"
	"fp_avx:\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqu \\i*64(%rdi), %ymm\\i\n"
	"	.endr\n"
	X87_LOAD
	"fp_avx_stop:\n"
	"	nop\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqu %ymm\\i, \\i*64(%rsi)\n"
	"	.endr\n"
	X87_STORE
	"	vzeroupper\n"
	"	ret\n"
	".size fp_avx, .-fp_avx\n"

	".globl fp_avx512, fp_avx512_stop\n"
	".type fp_avx512, @function\n"
	"fp_avx512:\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,"
	"22,23,24,25,26,27,28,29,30,31\n"
	"	vmovdqu64 \\i*64(%rdi), %zmm\\i\n"
	"	.endr\n"
	"	.irp i,0,1,2,3,4,5,6,7\n"
	"	kmovq 2048+\\i*8(%rdi), %k\\i\n"
	"	.endr\n"
	X87_LOAD
	"fp_avx512_stop:\n"
	"	nop\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,"
	"22,23,24,25,26,27,28,29,30,31\n"
	"	vmovdqu64 %zmm\\i, \\i*64(%rsi)\n"
	"	.endr\n"
	"	.irp i,0,1,2,3,4,5,6,7\n"
	"	kmovq %k\\i, 2048+\\i*8(%rsi)\n"
	"	.endr\n"
	X87_STORE
	"	vzeroupper\n"
	"	ret\n"
	".size fp_avx512, .-fp_avx512\n"

	/* void fp_init(struct fpbuf *out, int avx) */
	".globl fp_init, fp_init_stop\n"
	".type fp_init, @function\n"
	"fp_init:\n"
	"	fninit\n"
	"	test %esi, %esi\n"
	"	jz 1f\n"
	"	vzeroupper\n"
	"1:\n"
	"fp_init_stop:\n"
	"	nop\n"
	"	fnstcw 2240(%rdi)\n"
	"	fnstenv 2248(%rdi)\n"
	"	fninit\n"
	"	test %esi, %esi\n"
	"	jz 2f\n"
	"	.irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqu %ymm\\i, \\i*64(%rdi)\n"
	"	.endr\n"
	"	vzeroupper\n"
	"2:\n"
	"	ret\n"
	".size fp_init, .-fp_init\n");

static void fill(struct fpbuf *b, int seed)
{
	memset(b, 0, sizeof *b);
	for (int i = 0; i < 32; i++)
		for (int k = 0; k < 64; k++)
			b->zmm[i][k] = (uint8_t)(seed * 101 + i * 7 + k * 13 + 1);
	for (int j = 0; j < 8; j++) {
		uint64_t m = (1ull << 63) |
			     ((0x0123456789abcdefull *
			       (uint64_t)(j + 1 + 8 * seed)) >> 1);
		uint16_t se = (uint16_t)(((j & 1) << 15) | (0x3ffc + j + 10 * seed));
		memcpy(b->st[j], &m, 8);
		memcpy(b->st[j] + 8, &se, 2);
	}
	for (int i = 0; i < 8; i++)
		b->k[i] = 0x0101010101010101ull * (uint64_t)(i + 1) ^
			  (seed ? 0xf0f0f0f0f0f0f0f0ull : 0);
	b->fcw = 0x027f;
	b->mxcsr = 0x3f80;
}

static void print_hex(const char *name, int n, const uint8_t *p, size_t len)
{
	char line[256];
	int o = snprintf(line, sizeof line, "%s", name);
	if (n >= 0)
		o += snprintf(line + o, sizeof line - o, "%d", n);
	if (name[0] == 'y' || name[0] == 'z')
		o += snprintf(line + o, sizeof line - o, "h");
	o += snprintf(line + o, sizeof line - o, " ");
	for (size_t i = 0; i < len; i++)
		o += snprintf(line + o, sizeof line - o, "%02x", p[i]);
	puts(line);
}

static void print_x87(const struct fpbuf *b, int with_st)
{
	if (with_st)
		for (int j = 0; j < 8; j++)
			print_hex("st", j, b->st[j], 10);
	uint16_t tag;
	memcpy(&tag, b->env + 8, 2);
	printf("fctrl %#x\n", b->fcw);
	printf("ftag %#x\n", tag);
}

static void print_report(const struct fpbuf *b, int level)
{
	int nxmm = level == 2 ? 32 : 16;
	for (int i = 0; i < nxmm; i++)
		print_hex("xmm", i, b->zmm[i], 16);
	if (level >= 1)
		for (int i = 0; i < nxmm; i++)
			print_hex("ymm", i, b->zmm[i] + 16, 16);
	if (level >= 2) {
		for (int i = 0; i < 32; i++)
			print_hex("zmm", i, b->zmm[i] + 32, 32);
		for (int i = 0; i < 8; i++)
			print_hex("k", i, (const uint8_t *)&b->k[i], 8);
	}
	print_x87(b, 1);
	printf("mxcsr %#x\n", b->mxcsr);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	__builtin_cpu_init();
	int avx = __builtin_cpu_supports("avx");
	int avx512 = __builtin_cpu_supports("avx512f") &&
		     __builtin_cpu_supports("avx512bw");
	static struct fpbuf in, out;
	for (int a = 1; a < argc; a++) {
		const char *c = argv[a];
		fill(&in, 0);
		memset(&out, 0, sizeof out);
		if (strcmp(c, "sse") == 0) {
			fp_sse(&in, &out);
			print_report(&out, 0);
		} else if (strcmp(c, "avx") == 0) {
			if (!avx) {
				printf("unsupported %s\n", c);
				continue;
			}
			fp_avx(&in, &out);
			print_report(&out, 1);
		} else if (strcmp(c, "avx512") == 0) {
			if (!avx512) {
				printf("unsupported %s\n", c);
				continue;
			}
			fp_avx512(&in, &out);
			print_report(&out, 2);
		} else if (strcmp(c, "init") == 0) {
			fp_init(&out, avx);
			if (avx)
				for (int i = 0; i < 16; i++)
					print_hex("ymm", i, out.zmm[i] + 16, 16);
			print_x87(&out, 0);
		} else {
			printf("unknown command %s\n", c);
			return 2;
		}
	}
	puts("DONE");
	return 0;
}
