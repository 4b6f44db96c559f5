/*
 * tracee32.c - the scripted target of the 32-bit tests (tests/test-i386.c),
 * built with -m32 (Makefile: tests/targets32/).
 *
 * Like tracee.c: each argument is a command, run in order; at the end the
 * program prints "DONE" and exits 0 unless a command ended it first.
 * Output is unbuffered.
 *
 *   exit:N        exit with status N at once
 *   regs          load eax=0xa1a2a3a4 ebx=0xb1b2b3b4 ecx=0xc1c2c3c4
 *                 edx=0xd1d2d3d4 esi=0x51525354 edi=0xd0d1d2d3, reach the
 *                 global label regs_here (a nop) with them, then print
 *                 "regs A B C D S D" (hex, the values after the label)
 *   loop:N        call bp_func(i) for i in 0..N-1, print "sum S"
 *   step-seq      call step_seq() (getpid through int $0x80), print
 *                 "step_seq V" (V = pid + 13)
 *   vsyscall      call vsys_seq() (getpid through the vDSO's
 *                 __kernel_vsyscall, the AT_SYSINFO entry), print "vsys V"
 *                 (V = pid + 7), or "vsys none" if there is no vDSO
 *   mem           print "mem_buf 0xADDR", call sync_point(), print
 *                 "mem TEXT" (mem_buf as a string)
 *   counter       print "ready", then for each line read: call bp_func(n)
 *                 and get_value() and print "value V"; until EOF
 *   threads:N     start N threads that each call bp_func(i), join them,
 *                 print "threads N"
 *   thread-exits:N:S  start N threads; thread i calls syscall(SYS_exit,
 *                 S+i) directly; join them, print "exited N"
 *   gate          call gate_seq(): far jump into 64-bit code (selector
 *                 0x33), eax = 5 + 1 there, the global label gate64_bp
 *                 (push %rbx there), pop, eax += 2, back to 32-bit code;
 *                 print "gate V" (V = 8)
 *   emul:N        call emul32(i) for i in 0..N-1 (instructions stepped
 *                 over by emulation at emul32..emul32_6), print "emul S"
 *   fpregs        load xmm0-7, st0-7 (8 pushes: all valid, TOP 0), the
 *                 x87 control word and MXCSR from the pattern of seed 0
 *                 (below), reach the global label fp32_stop (a nop; the last
 *                 x87 instruction before it is the fldt at fp32_last_fld,
 *                 then an fnstenv), then print every register as it is
 *                 after the label: "xmmN HEX" (N 0-7), "stN HEX" (popped in
 *                 order), and from fnstenv (its 32-bit format) "fctrl 0xV",
 *                 "ftag 0xV", "fip 0xV", "fcs 0xV", "fdp 0xV", "fds 0xV",
 *                 "fop 0xV", then "fip0 0xV" .. "fop0 0xV" (the same five
 *                 from the fnstenv before the label) and "mxcsr 0xV"
 *   fpregs-avx    the same with whole ymm0-7 (label fp32_avx_stop, last
 *                 x87 instruction at fp32_avx_last_fld), and "ymmNh HEX"
 *                 lines for the upper halves; "unsupported fpregs-avx"
 *                 where the CPU or the OS has no AVX
 *   exec:PATH     execute PATH with the remaining arguments
 *
 * HEX is a register's bytes in memory order, two digits each.  The pattern
 * of the fpregs commands (tests/test-i386.c computes the same):
 *   byte k of ymm i: (uint8_t)(seed * 101 + i * 7 + k * 13 + 1)
 *   st j: mantissa (1 << 63) | ((0x0123456789abcdef * (j + 1 + 8 * seed))
 *         >> 1), sign and exponent ((j & 1) << 15) | (0x3ffc + j + 10 * seed)
 *   fctrl 0x027f, mxcsr 0x3f80.
 */
#include <cpuid.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__i386__)
#error "tracee32.c is built with -m32"
#endif

int bp_func(int x);   /* returns 2 * x + 1 */
int get_value(void);  /* returns 42 */
int step_seq(void);   /* returns getpid() + 13 */
int vsys_seq(void);   /* returns getpid() + 7, through vsyscall_entry */
int gate_seq(void);   /* returns 8, computed partly in 64-bit mode */
int emul32(int x);    /* returns 2 * x */
void regs_seq(uint32_t out[6]);

uint32_t vsyscall_entry; /* AT_SYSINFO: __kernel_vsyscall */

/* The registers the fpregs commands load and find. */
struct fpbuf32 {
	uint8_t ymm[8][32]; /* xmm in 0-15, the ymm upper half in 16-31 */
	uint8_t st[8][16];  /* 256: st(j) in bytes 0-9 */
	uint16_t fcw;       /* 384 */
	uint16_t pad;
	uint32_t mxcsr;     /* 388 */
	uint32_t env[7];    /* 392: fnstenv, 32-bit protected-mode format:
			       fcw, fsw, ftw, fip, fcs | fop << 16, fdp, fds */
	uint32_t env0[7];   /* 420: the same, before the stop */
};
_Static_assert(offsetof(struct fpbuf32, st) == 256, "layout");
_Static_assert(offsetof(struct fpbuf32, fcw) == 384, "layout");
_Static_assert(offsetof(struct fpbuf32, mxcsr) == 388, "layout");
_Static_assert(offsetof(struct fpbuf32, env) == 392, "layout");
_Static_assert(offsetof(struct fpbuf32, env0) == 420, "layout");

/* void fp32_sse / fp32_avx(const struct fpbuf32 *in, struct fpbuf32 *out) */
void fp32_sse(const struct fpbuf32 *in, struct fpbuf32 *out);
void fp32_avx(const struct fpbuf32 *in, struct fpbuf32 *out);

__asm__(
	".text\n"

	/* int bp_func(int x) { return 2 * x + 1; }  (cdecl) */
	".globl bp_func, bp_func_1, bp_func_2, bp_func_3\n"
	".type bp_func, @function\n"
	"bp_func:\n"
	"	mov 4(%esp), %eax\n" /* 4 bytes */
	"bp_func_1:\n"
	"	add %eax, %eax\n" /* 2 bytes */
	"bp_func_2:\n"
	"	add $1, %eax\n" /* 3 bytes */
	"bp_func_3:\n"
	"	ret\n"
	".size bp_func, .-bp_func\n"

	/* int get_value(void) { return 42; } */
	".globl get_value, get_value_ret\n"
	".type get_value, @function\n"
	"get_value:\n"
	"	mov $42, %eax\n"
	"get_value_ret:\n"
	"	ret\n"
	".size get_value, .-get_value\n"

	/* void regs_seq(uint32_t out[6]): known values in the six
	 * registers at regs_here; what they hold after it goes to out[]. */
	".globl regs_seq, regs_here\n"
	".type regs_seq, @function\n"
	"regs_seq:\n"
	"	push %ebp\n"
	"	push %ebx\n"
	"	push %esi\n"
	"	push %edi\n"
	"	mov $0xa1a2a3a4, %eax\n"
	"	mov $0xb1b2b3b4, %ebx\n"
	"	mov $0xc1c2c3c4, %ecx\n"
	"	mov $0xd1d2d3d4, %edx\n"
	"	mov $0x51525354, %esi\n"
	"	mov $0xd0d1d2d3, %edi\n"
	"regs_here:\n"
	"	nop\n"
	"	push %edi\n" /* out: 20(%esp) + 4 saved + the return address */
	"	mov 24(%esp), %edi\n"
	"	mov %eax, 0(%edi)\n"
	"	mov %ebx, 4(%edi)\n"
	"	mov %ecx, 8(%edi)\n"
	"	mov %edx, 12(%edi)\n"
	"	mov %esi, 16(%edi)\n"
	"	pop %eax\n"
	"	mov %eax, 20(%edi)\n"
	"	pop %edi\n"
	"	pop %esi\n"
	"	pop %ebx\n"
	"	pop %ebp\n"
	"	ret\n"
	".size regs_seq, .-regs_seq\n"

	/* int step_seq(void): registers after each step are checked by
	 * the i386_step_sequence test. */
	".globl step_seq\n"
	".globl step_seq_1, step_seq_2, step_seq_3, step_seq_4, step_seq_5\n"
	".globl step_seq_6, step_seq_7, step_seq_8, step_seq_9\n"
	".type step_seq, @function\n"
	"step_seq:\n"
	"	push %ebx\n" /* esp -= 4 */
	"step_seq_1:\n"
	"	mov $1, %eax\n" /* eax = 1 */
	"step_seq_2:\n"
	"	mov $2, %ecx\n" /* ecx = 2 */
	"step_seq_3:\n"
	"	add %ecx, %eax\n" /* eax = 3 */
	"step_seq_4:\n"
	"	lea 10(%eax), %edx\n" /* edx = 13 */
	"step_seq_5:\n"
	"	mov $20, %eax\n" /* __NR_getpid of i386 */
	"step_seq_6:\n"
	"	int $0x80\n" /* eax = pid */
	"step_seq_7:\n"
	"	add %edx, %eax\n" /* eax = pid + 13 */
	"step_seq_8:\n"
	"	pop %ebx\n"
	"step_seq_9:\n"
	"	ret\n"
	".size step_seq, .-step_seq\n"

	/* int vsys_seq(void): getpid through __kernel_vsyscall (sysenter
	 * or syscall, as the vDSO chose for this CPU). */
	".globl vsys_seq, vsys_call, vsys_after\n"
	".type vsys_seq, @function\n"
	"vsys_seq:\n"
	"	push %ebx\n"
	"	mov $20, %eax\n"
	"vsys_call:\n"
	"	call *vsyscall_entry\n"
	"vsys_after:\n"
	"	add $7, %eax\n"
	"	pop %ebx\n"
	"	ret\n"
	".size vsys_seq, .-vsys_seq\n"

	/* int gate_seq(void): a far jump to the 64-bit user code segment and
	 * back.  The 64-bit part is written with instructions that encode
	 * the same in both modes; the way back is a far jump through the
	 * pointer gate_back (m16:32), with an absolute address (ModRM 2c,
	 * SIB 25: no base, no index), which is not RIP-relative in 64-bit
	 * mode.  (Not lretq: QEMU's TCG reads its stack as the kernel, which
	 * SMAP forbids, and the guest kernel oopses.) */
	".globl gate_seq, gate64, gate64_bp, gate64_2\n"
	".type gate_seq, @function\n"
	"gate_seq:\n"
	"	mov $5, %eax\n"
	"	ljmp $0x33, $gate64\n"
	"gate64:\n"
	"	add $1, %eax\n" /* 64-bit mode from here */
	"gate64_bp:\n"
	"	push %ebx\n" /* push %rbx: 8 bytes here */
	"gate64_2:\n"
	"	pop %ebx\n"
	"	add $2, %eax\n"
	"	.byte 0xff, 0x2c, 0x25\n" /* ljmp *gate_back */
	"	.long gate_back\n"
	"gate32:\n"
	"	ret\n"
	".size gate_seq, .-gate_seq\n"
	/* int emul32(int x): returns 2 * x, through instructions that are
	 * stepped over by emulation (all but emul32_3's, which reads
	 * memory); push %esp stores the value before the push. */
	".globl emul32, emul32_1, emul32_2, emul32_3, emul32_4, emul32_5\n"
	".globl emul32_6\n"
	".type emul32, @function\n"
	"emul32:\n"
	"	push %ebp\n"
	"emul32_1:\n"
	"	mov %esp, %ebp\n"
	"emul32_2:\n"
	"	push %ebx\n"
	"emul32_3:\n"
	"	mov 8(%ebp), %ebx\n"
	"emul32_4:\n"
	"	mov %ebx, %eax\n"
	"emul32_5:\n"
	"	nopw 0(%eax,%eax,1)\n"
	"	add %eax, %eax\n"
	"emul32_6:\n"
	"	push %esp\n"
	"	pop %ecx\n"
	"	sub %esp, %ecx\n" /* 0 */
	"	add %ecx, %eax\n"
	"	pop %ebx\n"
	"	pop %ebp\n"
	"	ret\n"
	".size emul32, .-emul32\n"

	".data\n"
	"gate_back:\n"
	"	.long gate32\n"
	"	.word 0x23\n" /* the 32-bit user code segment */
	".text\n");

volatile uint32_t spin_counter;
/* x87 and MXCSR in from (%eax), out to (%edx); fnstenv right after the
 * last fldt (to env0) and first after the stop (to env), before any other
 * x87 instruction, so that both see the instruction and operand pointers
 * of that fldt (fnstenv is a control instruction: it leaves them; it masks
 * the exceptions, which the control words used here have masked already);
 * then back to the ABI's defaults. */
#define X87_LOAD32(last)                                                       \
	"	fninit\n"                                                      \
	"	fldcw 384(%eax)\n"                                             \
	"	ldmxcsr 388(%eax)\n"                                           \
	"	.irp j,7,6,5,4,3,2,1\n"                                        \
	"	fldt 256+\\j*16(%eax)\n"                                       \
	"	.endr\n"                                                       \
	last ":\n"                                                             \
	"	fldt 256(%eax)\n"                                              \
	"	fnstenv 420(%edx)\n"
#define X87_STORE32                                                            \
	"	fnstenv 392(%edx)\n"                                           \
	"	stmxcsr 388(%edx)\n"                                           \
	"	.irp j,0,1,2,3,4,5,6,7\n"                                      \
	"	fstpt 256+\\j*16(%edx)\n"                                      \
	"	.endr\n"                                                       \
	"	fninit\n"                                                      \
	"	push $0x1f80\n"                                                \
	"	ldmxcsr (%esp)\n"                                              \
	"	add $4, %esp\n"

__asm__(
	".text\n"
	".globl fp32_sse, fp32_stop, fp32_last_fld\n"
	".type fp32_sse, @function\n"
	"fp32_sse:\n"
	"	mov 4(%esp), %eax\n"
	"	mov 8(%esp), %edx\n"
	"	.irp i,0,1,2,3,4,5,6,7\n"
	"	movdqu \\i*32(%eax), %xmm\\i\n"
	"	.endr\n"
	X87_LOAD32("fp32_last_fld")
	"fp32_stop:\n"
	"	nop\n"
	X87_STORE32
	"	.irp i,0,1,2,3,4,5,6,7\n"
	"	movdqu %xmm\\i, \\i*32(%edx)\n"
	"	.endr\n"
	"	ret\n"
	".size fp32_sse, .-fp32_sse\n"

	".globl fp32_avx, fp32_avx_stop, fp32_avx_last_fld\n"
	".type fp32_avx, @function\n"
	"fp32_avx:\n"
	"	mov 4(%esp), %eax\n"
	"	mov 8(%esp), %edx\n"
	"	.irp i,0,1,2,3,4,5,6,7\n"
	"	vmovdqu \\i*32(%eax), %ymm\\i\n"
	"	.endr\n"
	X87_LOAD32("fp32_avx_last_fld")
	"fp32_avx_stop:\n"
	"	nop\n"
	X87_STORE32
	"	.irp i,0,1,2,3,4,5,6,7\n"
	"	vmovdqu %ymm\\i, \\i*32(%edx)\n"
	"	.endr\n"
	"	vzeroupper\n"
	"	ret\n"
	".size fp32_avx, .-fp32_avx\n");

static void fp_fill(struct fpbuf32 *b, int seed)
{
	memset(b, 0, sizeof *b);
	for (int i = 0; i < 8; i++)
		for (int k = 0; k < 32; k++)
			b->ymm[i][k] = (uint8_t)(seed * 101 + i * 7 + k * 13 + 1);
	for (int j = 0; j < 8; j++) {
		uint64_t m = (1ull << 63) |
			     ((0x0123456789abcdefull *
			       (uint64_t)(j + 1 + 8 * seed)) >> 1);
		uint16_t se = (uint16_t)(((j & 1) << 15) | (0x3ffc + j + 10 * seed));
		memcpy(b->st[j], &m, 8);
		memcpy(b->st[j] + 8, &se, 2);
	}
	b->fcw = 0x027f;
	b->mxcsr = 0x3f80;
}

static void print_hex(const char *name, int n, const char *suffix,
		      const uint8_t *p, size_t len)
{
	char line[128];
	int o = snprintf(line, sizeof line, "%s%d%s ", name, n, suffix);
	for (size_t i = 0; i < len; i++)
		o += snprintf(line + o, sizeof line - o, "%02x", p[i]);
	puts(line);
}

/* AVX usable: the CPU has it and the OS saves the ymm state (XCR0 bits 1
 * and 2). */
static int have_avx(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) ||
	    !(c & bit_AVX))
		return 0;
	uint32_t lo, hi;
	__asm__ __volatile__(".byte 0x0f, 0x01, 0xd0" /* xgetbv */
			     : "=a"(lo), "=d"(hi)
			     : "c"(0));
	(void)hi;
	return (lo & 6) == 6;
}

static void do_fpregs(int avx)
{
	static struct fpbuf32 in, out;
	if (avx && !have_avx()) {
		printf("unsupported fpregs-avx\n");
		return;
	}
	fp_fill(&in, 0);
	memset(&out, 0, sizeof out);
	if (avx)
		fp32_avx(&in, &out);
	else
		fp32_sse(&in, &out);
	for (int i = 0; i < 8; i++)
		print_hex("xmm", i, "", out.ymm[i], 16);
	if (avx)
		for (int i = 0; i < 8; i++)
			print_hex("ymm", i, "h", out.ymm[i] + 16, 16);
	for (int j = 0; j < 8; j++)
		print_hex("st", j, "", out.st[j], 10);
	printf("fctrl %#x\n", out.env[0] & 0xffff);
	printf("ftag %#x\n", out.env[2] & 0xffff);
	printf("fip %#x\n", out.env[3]);
	printf("fcs %#x\n", out.env[4] & 0xffff);
	printf("fop %#x\n", (out.env[4] >> 16) & 0x7ff);
	printf("fdp %#x\n", out.env[5]);
	printf("fds %#x\n", out.env[6] & 0xffff);
	printf("fip0 %#x\n", out.env0[3]);
	printf("fcs0 %#x\n", out.env0[4] & 0xffff);
	printf("fop0 %#x\n", (out.env0[4] >> 16) & 0x7ff);
	printf("fdp0 %#x\n", out.env0[5]);
	printf("fds0 %#x\n", out.env0[6] & 0xffff);
	printf("mxcsr %#x\n", out.mxcsr);
}

static volatile int sink;
char mem_buf[64] = "proctrace i386 memory";

__attribute__((noinline)) void sync_point(void)
{
	__asm__ volatile("" ::: "memory");
}

static void *thread_main(void *arg)
{
	sink = bp_func((int)(intptr_t)arg);
	return NULL;
}

static void do_threads(int n)
{
	pthread_t th[64];
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, thread_main, (void *)(intptr_t)i);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("threads %d\n", n);
}

static void *exit_thread(void *arg)
{
	/* The kernel's exit, not pthread_exit: the status is ours. */
	syscall(SYS_exit, (int)(intptr_t)arg);
	return NULL;
}

static void do_thread_exits(int n, int s)
{
	pthread_t th[64];
	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, exit_thread,
			       (void *)(intptr_t)(s + i));
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("exited %d\n", n);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	vsyscall_entry = (uint32_t)getauxval(AT_SYSINFO);
	for (int i = 1; i < argc; i++) {
		const char *cmd = argv[i];
		char line[256];

		if (strncmp(cmd, "exit:", 5) == 0) {
			exit(atoi(cmd + 5));
		} else if (strcmp(cmd, "regs") == 0) {
			uint32_t r[6];
			regs_seq(r);
			printf("regs %x %x %x %x %x %x\n", r[0], r[1], r[2],
			       r[3], r[4], r[5]);
		} else if (strncmp(cmd, "loop:", 5) == 0) {
			int n = atoi(cmd + 5), sum = 0;
			for (int j = 0; j < n; j++)
				sum += bp_func(j);
			printf("sum %d\n", sum);
		} else if (strcmp(cmd, "step-seq") == 0) {
			printf("step_seq %d\n", step_seq());
		} else if (strcmp(cmd, "vsyscall") == 0) {
			if (vsyscall_entry)
				printf("vsys %d\n", vsys_seq());
			else
				printf("vsys none\n");
		} else if (strcmp(cmd, "mem") == 0) {
			printf("mem_buf %p\n", (void *)mem_buf);
			sync_point();
			printf("mem %s\n", mem_buf);
		} else if (strcmp(cmd, "counter") == 0) {
			int n = 0;
			printf("ready\n");
			while (fgets(line, sizeof line, stdin) != NULL) {
				sink = bp_func(n++);
				printf("value %d\n", get_value());
			}
		} else if (strncmp(cmd, "threads:", 8) == 0) {
			do_threads(atoi(cmd + 8));
		} else if (strncmp(cmd, "thread-exits:", 13) == 0) {
			int n = atoi(cmd + 13), s = 0;
			const char *c = strchr(cmd + 13, ':');
			if (c)
				s = atoi(c + 1);
			do_thread_exits(n, s);
		} else if (strncmp(cmd, "emul:", 5) == 0) {
			int n = atoi(cmd + 5), sum = 0;
			for (int j = 0; j < n; j++)
				sum += emul32(j);
			printf("emul %d\n", sum);
		} else if (strcmp(cmd, "gate") == 0) {
			printf("gate %d\n", gate_seq());
		} else if (strcmp(cmd, "fpregs") == 0) {
			do_fpregs(0);
		} else if (strcmp(cmd, "fpregs-avx") == 0) {
			do_fpregs(1);
		} else if (strncmp(cmd, "exec:", 5) == 0) {
			argv[i] = (char *)cmd + 5;
			execv(cmd + 5, argv + i);
			perror("execv");
			return 98;
		} else {
			fprintf(stderr, "tracee32: unknown command '%s'\n", cmd);
			return 99;
		}
	}
	printf("DONE\n");
	return 0;
}
