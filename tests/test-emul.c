/*
 * test-emul.c - stepping over breakpoints by emulating the instruction
 * under them (src/arch/x86_64.c, src/bptable.c) instead of lifting the
 * breakpoint and single-stepping.
 *
 * emul_decode_table checks the decoder and the register effects on byte
 * sequences (no process needed); the other tests run tests/targets/emul.c,
 * whose functions start with emulated instructions and whose results
 * depend on those instructions having had exactly their effect.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/user.h>

#include "tests.h"
#include "arch/arch.h"

static const char *const FUNCS[] = {
	"emul_push_rbp", "emul_push_rbp_mov", "emul_push_r12",
	"emul_push_rsp", "emul_mov32",        "emul_mov8b",
	"emul_r15",      "emul_r15_mov",      "emul_endbr",
	"emul_nopw",     "emul_nop",
};
enum { NFUNCS = sizeof FUNCS / sizeof FUNCS[0] };

struct decode_case {
	const char *what;
	uint8_t bytes[15];
	size_t n;
	enum pt__emul_kind kind;
	unsigned len, dst, src, width;
};

TEST(emul_decode_table)
{
	const struct pt__arch *a = pt__arch_native();
	CHECK(a->emul_decode != NULL && a->emul_apply != NULL);
	static const struct decode_case cases[] = {
		{ "nop", { 0x90 }, 1, PT__EMUL_NOP, 1, 0, 0, 0 },
		{ "pause", { 0xf3, 0x90 }, 2, PT__EMUL_NOP, 2, 0, 0, 0 },
		{ "endbr64", { 0xf3, 0x0f, 0x1e, 0xfa }, 4, PT__EMUL_NOP, 4, 0, 0, 0 },
		{ "nopl (%rax)", { 0x0f, 0x1f, 0x00 }, 3, PT__EMUL_NOP, 3, 0, 0, 0 },
		{ "nopl 0(%rax)", { 0x0f, 0x1f, 0x40, 0 }, 4, PT__EMUL_NOP, 4, 0, 0, 0 },
		{ "nopl 0(%rax,%rax)", { 0x0f, 0x1f, 0x44, 0, 0 }, 5,
		  PT__EMUL_NOP, 5, 0, 0, 0 },
		{ "nopw 0(%rax,%rax)", { 0x66, 0x0f, 0x1f, 0x44, 0, 0 }, 6,
		  PT__EMUL_NOP, 6, 0, 0, 0 },
		{ "nopl 0L(%rax)", { 0x0f, 0x1f, 0x80, 0, 0, 0, 0 }, 7,
		  PT__EMUL_NOP, 7, 0, 0, 0 },
		{ "nopw %cs:0L(%rax,%rax)",
		  { 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0 }, 10,
		  PT__EMUL_NOP, 10, 0, 0, 0 },
		{ "nopl cut short", { 0x0f, 0x1f, 0x80, 0, 0 }, 5,
		  PT__EMUL_NONE, 0, 0, 0, 0 },
		{ "push %rbp", { 0x55 }, 1, PT__EMUL_PUSH, 1, 0, 5, 8 },
		{ "push %r12", { 0x41, 0x54 }, 2, PT__EMUL_PUSH, 2, 0, 12, 8 },
		{ "push %rsp", { 0x54 }, 1, PT__EMUL_PUSH, 1, 0, 4, 8 },
		{ "mov %rsp,%rbp", { 0x48, 0x89, 0xe5 }, 3, PT__EMUL_MOV, 3, 5,
		  4, 8 },
		{ "mov %rdi,%rax (8b)", { 0x48, 0x8b, 0xc7 }, 3, PT__EMUL_MOV,
		  3, 0, 7, 8 },
		{ "mov %rdi,%r15", { 0x49, 0x89, 0xff }, 3, PT__EMUL_MOV, 3, 15,
		  7, 8 },
		{ "mov %r9,%rsi", { 0x4c, 0x89, 0xce }, 3, PT__EMUL_MOV, 3, 6, 9,
		  8 },
		{ "mov %edi,%eax", { 0x89, 0xf8 }, 2, PT__EMUL_MOV, 2, 0, 7, 4 },
		/* not emulated */
		{ "xchg %rax,%r8", { 0x41, 0x90 }, 2, PT__EMUL_NONE, 0, 0, 0, 0 },
		{ "mov %rdi,(%rax)", { 0x48, 0x89, 0x38 }, 3, PT__EMUL_NONE, 0, 0, 0, 0 },
		{ "sub $8,%rsp", { 0x48, 0x83, 0xec, 8 }, 4, PT__EMUL_NONE, 0, 0, 0, 0 },
		{ "push %ax", { 0x66, 0x50 }, 2, PT__EMUL_NONE, 0, 0, 0, 0 },
		{ "syscall", { 0x0f, 0x05 }, 2, PT__EMUL_NONE, 0, 0, 0, 0 },
		{ "ret", { 0xc3 }, 1, PT__EMUL_NONE, 0, 0, 0, 0 },
		{ "int3", { 0xcc }, 1, PT__EMUL_NONE, 0, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct decode_case *c = &cases[i];
		struct pt__emul e;
		bool ok = a->emul_decode(c->bytes, c->n, &e);
		CHECKF(ok == (c->kind != PT__EMUL_NONE) && e.kind == c->kind,
		       "%s: decoded as kind %d (ok %d), expected %d", c->what,
		       e.kind, ok, c->kind);
		if (c->kind == PT__EMUL_NONE)
			continue;
		CHECKF(e.len == c->len, "%s: length %u, expected %u", c->what,
		       e.len, c->len);
		if (c->kind == PT__EMUL_PUSH || c->kind == PT__EMUL_MOV)
			CHECKF(e.src == c->src && e.width == c->width,
			       "%s: src %u width %u", c->what, e.src, e.width);
		if (c->kind == PT__EMUL_MOV)
			CHECKF(e.dst == c->dst, "%s: dst %u", c->what, e.dst);
	}

	/* Effects on registers. */
	struct user_regs_struct r;
	memset(&r, 0, sizeof r);
	r.rip = 0x1000;
	r.rsp = 0x7fff0000;
	r.rbp = 0x1111222233334444ull;
	r.rdi = 0xaaaabbbbccccddddull;
	struct pt__emul e;
	struct pt__emul_store st;
	CHECK(a->emul_decode((const uint8_t[]){ 0x55 }, 1, &e));
	CHECK(a->emul_apply(&e, &r, &st));
	CHECK_EQ_HEX(r.rip, 0x1001);
	CHECK_EQ_HEX(r.rsp, 0x7fff0000 - 8);
	CHECK(st.len == 8 && st.addr == 0x7fff0000 - 8);
	uint64_t v;
	memcpy(&v, st.bytes, 8);
	CHECK_EQ_HEX(v, 0x1111222233334444ull);
	CHECK(a->emul_decode((const uint8_t[]){ 0x54 }, 1, &e)); /* push %rsp */
	CHECK(a->emul_apply(&e, &r, &st));
	memcpy(&v, st.bytes, 8);
	CHECK_EQ_HEX(v, 0x7fff0000 - 8); /* the value before the push */
	CHECK_EQ_HEX(r.rsp, 0x7fff0000 - 16);
	CHECK(a->emul_decode((const uint8_t[]){ 0x89, 0xf8 }, 2, &e));
	r.rax = ~0ull;
	CHECK(a->emul_apply(&e, &r, &st));
	CHECK(st.len == 0);
	CHECK_EQ_HEX(r.rax, 0xccccddddull); /* zero-extended */
	CHECK(a->emul_decode((const uint8_t[]){ 0x49, 0x89, 0xff }, 3, &e));
	CHECK(a->emul_apply(&e, &r, &st));
	CHECK_EQ_HEX(r.r15, 0xaaaabbbbccccddddull);
	/* A program tracing itself (TF set) gets the real instruction. */
	r.eflags |= 0x100;
	uint64_t rip = r.rip;
	CHECK(!a->emul_apply(&e, &r, &st));
	CHECK_EQ_HEX(r.rip, rip);
	return TEST_PASS;
}

static atomic_int emulated;

static void count_emulated(pt_log_level level, const char *msg, void *user)
{
	(void)level;
	(void)user;
	if (strstr(msg, "by emulation"))
		atomic_fetch_add(&emulated, 1);
}

/* Breakpoints on every emulated instruction of the target, N rounds: every
 * hit is counted, the program's results are right, and (unless
 * PROCTRACE_STEPOVER=single) each step-over was emulated. */
static void run_emul(bool single)
{
	enum { N = 40 };
	if (single)
		setenv("PROCTRACE_STEPOVER", "single", 1);
	else
		unsetenv("PROCTRACE_STEPOVER"); /* the suite may run with it */
	pt_set_log(count_emulated, NULL, PT_LOG_DEBUG);
	struct child_io io;
	char arg[16];
	snprintf(arg, sizeof arg, "%d", N);
	pt_process *p = launch_target(&io, "emul", ARGS("emul", arg));
	uint64_t addr[NFUNCS];
	int hits[NFUNCS] = { 0 };
	for (int k = 0; k < NFUNCS; k++) {
		addr[k] = sym("emul", FUNCS[k]);
		CHECK_OK(pt_breakpoint_add(p, addr[k]));
	}
	int total = 0;
	while (continue_stopped(p)) {
		pt_thread *t = pt_process_event_thread(p);
		CHECK(t != NULL);
		pt_stop_cause c = cause_of(t);
		if (c.kind == PT_STOP_THREAD_EXIT)
			continue; /* the end: main returned */
		CHECKF(c.kind == PT_STOP_BREAKPOINT, "stopped with %s",
		       cause_str(&c));
		int k = 0;
		while (k < NFUNCS && addr[k] != c.addr)
			k++;
		CHECKF(k < NFUNCS, "breakpoint at unknown %#llx",
		       (unsigned long long)c.addr);
		hits[k]++;
		total++;
		CHECKF(total <= N * NFUNCS, "too many hits");
	}
	for (int k = 0; k < NFUNCS; k++)
		CHECKF(hits[k] == N, "%s hit %d times, expected %d", FUNCS[k],
		       hits[k], N);
	int code = -1, sig = -1;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	char want[64];
	snprintf(want, sizeof want, "emul ok %d\nDONE\n", N);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), want);
	CHECK(code == 0 && sig == 0);
	pt_process_free(p);
	pt_set_log(NULL, NULL, PT_LOG_ERROR);
	int n = atomic_load(&emulated);
	if (single)
		CHECKF(n == 0, "%d step-overs emulated with "
		       "PROCTRACE_STEPOVER=single", n);
	else
		CHECKF(n == N * NFUNCS, "%d of %d step-overs emulated", n,
		       N * NFUNCS);
}

TEST(emul_stepover)
{
	run_emul(false);
	return TEST_PASS;
}

TEST(emul_stepover_single)
{
	run_emul(true);
	return TEST_PASS;
}

/* The tracer rewrites the instruction under a breakpoint (push %rbp; pop
 * %rbp become two nops) after the breakpoint was set: the step-over must
 * follow the new bytes, not the instruction decoded when it was set (an
 * emulated push without its pop would make the function return to the
 * wrong place). */
TEST(emul_code_rewritten)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "emul", ARGS("patch"));
	uint64_t f = sym("emul", "emul_patch");
	CHECK_OK(pt_breakpoint_add(p, f));
	const uint8_t nops[2] = { 0x90, 0x90 };
	CHECK_OK(pt_mem_write(p, f, nops, 2, NULL));
	uint8_t back[2];
	CHECK_OK(pt_mem_read(p, f, back, 2, NULL));
	CHECK(back[0] == 0x90 && back[1] == 0x90);
	io_write(&io, "go\n");
	pt_thread *t = continue_to_bp(p, f);
	CHECK(t != NULL);
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECKF(code == 0 && sig == 0, "exit %d signal %d", code, sig);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "patch 42\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* N threads each calling mt_hit K times with a breakpoint on it: returns
 * how many step-overs were emulated (every hit counted, the program's
 * output checked). */
static int emulated_in_bp_threads(int n, int k)
{
	unsetenv("PROCTRACE_STEPOVER"); /* the suite may run with it */
	atomic_store(&emulated, 0);
	pt_set_log(count_emulated, NULL, PT_LOG_DEBUG);
	struct child_io io;
	char arg[32];
	snprintf(arg, sizeof arg, "bp-threads:%d:%d", n, k);
	pt_process *p = launch_target(&io, "mt-tracee", ARGS(arg));
	CHECK_OK(pt_process_set_events(p, 0));
	uint64_t hit = sym("mt-tracee", "mt_hit");
	CHECK_OK(pt_breakpoint_add(p, hit));
	int hits = 0;
	while (continue_stopped(p)) {
		pt_thread *ts[64];
		size_t nt = pt_process_threads(p, ts, 64);
		for (size_t i = 0; i < nt && i < 64; i++) {
			pt_stop_cause c = cause_of(ts[i]);
			hits += c.kind == PT_STOP_BREAKPOINT && c.addr == hit;
		}
		CHECKF(hits <= n * k, "too many hits");
	}
	CHECK_EQ_INT(hits, n * k);
	char want[64];
	snprintf(want, sizeof want, "bp-threads %d %d\nDONE\n", n, k);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), want);
	pt_process_free(p);
	pt_set_log(NULL, NULL, PT_LOG_ERROR);
	return atomic_load(&emulated);
}

/* Emulated step-overs pay when one thread keeps hitting breakpoints; when
 * several do, the thread let go first hits again before the others run and
 * all-stops gather one hit each, so after two different threads have hit,
 * step-overs are single-stepped (docs/performance.md, bphit_mt). */
TEST(emul_contended_single_steps)
{
	enum { K = 20 };
	/* one worker hitting (the main thread waits in join): all emulated */
	int n1 = emulated_in_bp_threads(1, K);
	CHECKF(n1 == K, "one thread hitting: %d of %d step-overs emulated", n1,
	       K);
	/* four workers: at most the hits made before a second thread's */
	int n4 = emulated_in_bp_threads(4, K);
	CHECKF(n4 <= K, "four threads hitting: %d of %d step-overs emulated, "
	       "expected at most %d", n4, 4 * K, K);
	return TEST_PASS;
}
