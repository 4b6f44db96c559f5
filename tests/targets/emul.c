/*
 * emul.c - target for the step-over-by-emulation tests: small functions
 * in assembly whose first instruction (and a few inner ones, at global
 * labels) is one of those the engine emulates instead of single-stepping.
 * Each function's result depends on that instruction having had exactly
 * its effect, so a wrong emulation shows in the output.
 *
 *   emul N      call every function N times with varied arguments; print
 *               "emul ok N" or "emul bad FUNC ARG GOT WANT", then "DONE"
 *   patch       wait for a line on stdin (the tracer rewrites emul_patch
 *               meanwhile), call emul_patch(41) and print its result
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t emul_push_rbp(uint64_t x);   /* push %rbp; mov %rsp,%rbp */
uint64_t emul_push_r12(uint64_t x);   /* push %r12 (REX.B) */
uint64_t emul_push_rsp(uint64_t x);   /* push %rsp: stores the old rsp */
uint64_t emul_mov32(uint64_t x);      /* mov %edi,%eax: zero-extends */
uint64_t emul_mov8b(uint64_t x);      /* mov %rdi,%rax as 48 8b c7 */
uint64_t emul_r15(uint64_t x);        /* push %r15; mov %rdi,%r15 */
uint64_t emul_endbr(uint64_t x);      /* endbr64 */
uint64_t emul_nopw(uint64_t x);       /* nopw 0x0(%rax,%rax,1) */
uint64_t emul_nop(uint64_t x);        /* nop */
uint64_t emul_patch(uint64_t x);      /* push %rbp; pop %rbp: patched */

__asm__(".text\n"
	".globl emul_push_rbp\n"
	"emul_push_rbp:\n"
	"	push %rbp\n"
	".globl emul_push_rbp_mov\n"
	"emul_push_rbp_mov:\n"
	"	mov %rsp, %rbp\n"
	"	mov 0(%rbp), %rax\n" /* what the push stored */
	"	pop %rbp\n"
	"	sub %rbp, %rax\n"    /* 0 only if it was rbp */
	"	add %rdi, %rax\n"
	"	add $1, %rax\n"
	"	ret\n"

	".globl emul_push_r12\n"
	"emul_push_r12:\n"
	"	push %r12\n"
	"	mov %rdi, %r12\n"
	"	lea 2(%r12), %rax\n"
	"	pop %r12\n"
	"	ret\n"

	".globl emul_push_rsp\n"
	"emul_push_rsp:\n"
	"	push %rsp\n"
	"	pop %rax\n"           /* the rsp before the push */
	"	sub %rsp, %rax\n"     /* 0 */
	"	add %rdi, %rax\n"
	"	ret\n"

	".globl emul_mov32\n"
	"emul_mov32:\n"
	"	mov %edi, %eax\n"
	"	add $3, %rax\n"
	"	ret\n"

	".globl emul_mov8b\n"
	"emul_mov8b:\n"
	"	.byte 0x48, 0x8b, 0xc7\n" /* mov %rdi, %rax */
	"	add $6, %rax\n"
	"	ret\n"

	".globl emul_r15\n"
	"emul_r15:\n"
	"	push %r15\n"
	".globl emul_r15_mov\n"
	"emul_r15_mov:\n"
	"	mov %rdi, %r15\n"
	"	lea 7(%r15), %rax\n"
	"	pop %r15\n"
	"	ret\n"

	".globl emul_endbr\n"
	"emul_endbr:\n"
	"	.byte 0xf3, 0x0f, 0x1e, 0xfa\n" /* endbr64 */
	"	lea 4(%rdi), %rax\n"
	"	ret\n"

	".globl emul_nopw\n"
	"emul_nopw:\n"
	"	.byte 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00\n"
	"	lea 5(%rdi), %rax\n"
	"	ret\n"

	".globl emul_nop\n"
	"emul_nop:\n"
	"	nop\n"
	"	lea 8(%rdi), %rax\n"
	"	ret\n"

	".globl emul_patch\n"
	"emul_patch:\n"
	"	push %rbp\n"
	"	pop %rbp\n"
	"	lea 1(%rdi), %rax\n"
	"	ret\n");

struct fn {
	const char *name;
	uint64_t (*f)(uint64_t);
	uint64_t add;
	int low32; /* the result keeps only the argument's low 32 bits */
};

static const struct fn fns[] = {
	{ "emul_push_rbp", emul_push_rbp, 1, 0 },
	{ "emul_push_r12", emul_push_r12, 2, 0 },
	{ "emul_push_rsp", emul_push_rsp, 0, 0 },
	{ "emul_mov32", emul_mov32, 3, 1 },
	{ "emul_mov8b", emul_mov8b, 6, 0 },
	{ "emul_r15", emul_r15, 7, 0 },
	{ "emul_endbr", emul_endbr, 4, 0 },
	{ "emul_nopw", emul_nopw, 5, 0 },
	{ "emul_nop", emul_nop, 8, 0 },
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && strcmp(argv[1], "patch") == 0) {
		char line[64];
		if (!fgets(line, sizeof line, stdin))
			return 1;
		printf("patch %llu\n", (unsigned long long)emul_patch(41));
		printf("DONE\n");
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "emul") != 0) {
		fprintf(stderr, "usage: %s emul N | patch\n", argv[0]);
		return 2;
	}
	int n = atoi(argv[2]);
	for (int i = 0; i < n; i++) {
		/* high bits set: a 32-bit mov must drop them */
		uint64_t arg = ((uint64_t)(i + 1) << 40) | (uint64_t)i;
		for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
			uint64_t got = fns[k].f(arg);
			uint64_t want = (fns[k].low32 ? (uint32_t)arg : arg) +
					fns[k].add;
			if (got != want) {
				printf("emul bad %s %llu %llu %llu\n",
				       fns[k].name, (unsigned long long)arg,
				       (unsigned long long)got,
				       (unsigned long long)want);
				return 1;
			}
		}
	}
	printf("emul ok %d\n", n);
	printf("DONE\n");
	return 0;
}
