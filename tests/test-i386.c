/*
 * test-i386.c - 32-bit programs (built with -m32) traced on a 64-bit
 * kernel: the i386 register table, breakpoints, single-steps over int $0x80
 * and through the vDSO, memory, attach, thread events, an exec that
 * changes the architecture both ways, and a 32-bit program running 64-bit
 * code for a while, and the x87, SSE and AVX registers of the i386 view.
 * Their target is tests/targets32/tracee32.c.
 *
 * Each test first calls need_i386(): where the compiler cannot build -m32
 * programs (the Makefile's probe, $(BUILD)/targets/m32.status) or the
 * kernel cannot run them (execve fails with ENOEXEC: IA-32 emulation left
 * out or turned off), the test says skip with the reason.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"
#include "arch/arch.h"
#include "arch/x86_xstate.h"

#define T32 "tracee32"

extern char **environ;

/* Skip unless a 32-bit target exists and this kernel runs it. */
static void need_i386(void)
{
	const char *path = target_path(T32);
	struct stat st;
	if (stat(path, &st) != 0) {
		char why[512] = "";
		FILE *f = fopen(target_path("m32.status"), "r");
		if (f) {
			if (!fgets(why, sizeof why, f))
				why[0] = '\0';
			fclose(f);
			why[strcspn(why, "\n")] = '\0';
		}
		SKIP("no 32-bit target %s: %s", path,
		     why[0] ? why : "not built (see the Makefile's -m32 probe)");
	}
	/* Run it once, untraced: posix_spawn reports execve's error. */
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	char *argv[] = { (char *)path, (char *)"exit:0", NULL };
	pid_t pid;
	int r = posix_spawn(&pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r == ENOEXEC)
		SKIP("this kernel does not run 32-bit programs (execve of %s: "
		     "%s; IA-32 emulation is off or not built in)",
		     path, strerror(r));
	CHECKF(r == 0, "posix_spawn %s: %s", path, strerror(r));
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "%s exit:0 ended with wait status %#x", path, status);
}

static pt_process *launch32(struct child_io *io, const char *const *args)
{
	need_i386();
	pt_process *p = launch_target(io, T32, args);
	CHECK_STREQ(pt_process_arch(p), "i386");
	return p;
}

static uint32_t mem_u32(pt_process *p, uint64_t addr)
{
	uint32_t v = 0;
	CHECK_OK(pt_mem_read(p, addr, &v, sizeof v, NULL));
	return v;
}

/* The rows gdb's i386 Linux description has for the general registers. */
static const struct {
	const char *name;
	int gdb;
	pt_reg_role role;
} gregs32[] = {
	{ "eax", 0, PT_ROLE_NONE },     { "ecx", 1, PT_ROLE_NONE },
	{ "edx", 2, PT_ROLE_NONE },     { "ebx", 3, PT_ROLE_NONE },
	{ "esp", 4, PT_ROLE_SP },       { "ebp", 5, PT_ROLE_FP },
	{ "esi", 6, PT_ROLE_NONE },     { "edi", 7, PT_ROLE_NONE },
	{ "eip", 8, PT_ROLE_PC },       { "eflags", 9, PT_ROLE_FLAGS },
	{ "cs", 10, PT_ROLE_NONE },     { "ss", 11, PT_ROLE_NONE },
	{ "ds", 12, PT_ROLE_NONE },     { "es", 13, PT_ROLE_NONE },
	{ "fs", 14, PT_ROLE_NONE },     { "gs", 15, PT_ROLE_NONE },
	{ "orig_eax", 41, PT_ROLE_NONE },
};
#define NGREGS32 (sizeof gregs32 / sizeof gregs32[0])

static void check_i386_table(pt_process *p)
{
	CHECK_STREQ(pt_process_arch(p), "i386");
	int n = CHECK_OK(pt_process_reg_count(p));
	CHECKF(n >= (int)NGREGS32, "%d registers", n);
	for (size_t i = 0; i < NGREGS32; i++) {
		int k = pt_process_reg_index(p, gregs32[i].name);
		CHECKF(k >= 0, "no register %s: %s", gregs32[i].name,
		       err_str(k));
		const pt_reg_info *ri = pt_process_reg_info(p, k);
		CHECK(ri != NULL);
		CHECK_STREQ(ri->name, gregs32[i].name);
		CHECKF(ri->size == 4, "%s: size %u", ri->name, ri->size);
		CHECKF(ri->gdb_regnum == gregs32[i].gdb, "%s: gdb number %d, "
		       "expected %d", ri->name, ri->gdb_regnum, gregs32[i].gdb);
		CHECKF(ri->role == gregs32[i].role, "%s: role %d", ri->name,
		       (int)ri->role);
		CHECKF(ri->type == (gregs32[i].role == PT_ROLE_NONE ||
						    gregs32[i].role == PT_ROLE_FLAGS
					    ? PT_REGTYPE_INT
					    : PT_REGTYPE_ADDR),
		       "%s: type %d", ri->name, (int)ri->type);
		CHECKF(ri->set == (strcmp(ri->name, "orig_eax") == 0
					   ? PT_REGSET_SYSTEM
					   : PT_REGSET_GENERAL),
		       "%s: set %u", ri->name, ri->set);
	}
	/* In gdb's order; no 64-bit register names. */
	int last = -1;
	for (int k = 0; k < n; k++) {
		const pt_reg_info *ri = pt_process_reg_info(p, k);
		CHECK(ri != NULL);
		if (ri->gdb_regnum < 0)
			continue;
		CHECKF(ri->gdb_regnum > last, "row %d (%s): gdb number %d "
		       "after %d", k, ri->name, ri->gdb_regnum, last);
		last = ri->gdb_regnum;
	}
	/* The x87 and SSE rows (the whole table: i386_fpregs_table). */
	static const struct {
		const char *name;
		int gdb;
	} fp[] = { { "st0", 16 }, { "fctrl", 24 }, { "fop", 31 },
		   { "xmm0", 32 }, { "xmm7", 39 }, { "mxcsr", 40 } };
	for (size_t i = 0; i < sizeof fp / sizeof fp[0]; i++) {
		int k = pt_process_reg_index(p, fp[i].name);
		CHECKF(k >= 0, "no register %s", fp[i].name);
		CHECK_EQ_INT(pt_process_reg_info(p, k)->gdb_regnum, fp[i].gdb);
	}
	CHECK_EQ_INT(n, pt__arch_i386()->nregs);
	static const char *const wide[] = { "rax", "rip", "rsp", "r8",
					    "orig_rax", "fs_base", "xmm8",
					    "ymm8h", "zmm8h", "xmm16" };
	for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
		CHECK_ERR(pt_process_reg_index(p, wide[i]), PT_ENOREG);
}

TEST(i386_regs)
{
	struct child_io io;
	pt_process *p = launch32(&io, ARGS("regs"));
	check_i386_table(p);
	pt_thread *t = only_thread(p);
	/* Stopped at the exec: the PC is a 32-bit address (ld.so's entry). */
	uint64_t pc = pc_of(t);
	CHECK(pc != 0 && pc <= 0xffffffffull);
	CHECK_EQ_HEX(reg(t, "eip"), pc);

	uint64_t here = sym(T32, "regs_here");
	CHECK_OK(pt_breakpoint_add(p, here));
	t = continue_to_bp(p, here);
	CHECK_EQ_HEX(reg(t, "eax"), 0xa1a2a3a4);
	CHECK_EQ_HEX(reg(t, "ebx"), 0xb1b2b3b4);
	CHECK_EQ_HEX(reg(t, "ecx"), 0xc1c2c3c4);
	CHECK_EQ_HEX(reg(t, "edx"), 0xd1d2d3d4);
	CHECK_EQ_HEX(reg(t, "esi"), 0x51525354);
	CHECK_EQ_HEX(reg(t, "edi"), 0xd0d1d2d3);
	CHECK_EQ_HEX(reg(t, "eip"), here);
	/* The selectors of 32-bit user code and data on a 64-bit kernel
	 * (__USER32_CS, __USER_DS), and TLS through gs. */
	CHECK_EQ_HEX(reg(t, "cs"), 0x23);
	CHECK_EQ_HEX(reg(t, "ss"), 0x2b);
	CHECK_EQ_HEX(reg(t, "ds"), 0x2b);
	CHECK_EQ_HEX(reg(t, "es"), 0x2b);
	CHECK(reg(t, "gs") != 0);
	uint64_t fl = reg(t, "eflags");
	CHECKF((fl & 0x2) && !(fl & 0x100), "eflags %#llx",
	       (unsigned long long)fl);
	CHECK_EQ_HEX(reg(t, "orig_eax"), 0xffffffff); /* not in a syscall */
	/* The stack: four saved registers, then the return address into
	 * main, then the argument. */
	uint64_t sp = 0;
	CHECK_OK(pt_thread_sp(t, &sp));
	CHECK_EQ_HEX(reg(t, "esp"), sp);
	CHECK(sp != 0 && sp <= 0xffffffffull && sp % 4 == 0);
	uint64_t main_at = sym(T32, "main"), main_len = sym_size(T32, "main");
	uint32_t ret = mem_u32(p, sp + 16);
	CHECKF(ret > main_at && ret < main_at + main_len,
	       "return address %#x not in main [%#llx, +%llu)", ret,
	       (unsigned long long)main_at, (unsigned long long)main_len);
	uint64_t ebp = reg(t, "ebp");
	CHECKF(ebp > sp, "ebp %#llx (main's frame), esp %#llx",
	       (unsigned long long)ebp, (unsigned long long)sp);

	/* By index, the same; writes must fit in 32 bits. */
	int eax = CHECK_OK(pt_process_reg_index(p, "eax"));
	uint64_t v = 0;
	CHECK_OK(pt_thread_reg_get(t, eax, &v));
	CHECK_EQ_HEX(v, 0xa1a2a3a4);
	CHECK_ERR(pt_thread_reg_set(t, eax, 0x100000000ull), PT_EINVAL);
	CHECK_ERR(pt_thread_set_pc(t, 0x100000000ull), PT_EINVAL);

	/* New values: the program prints what it finds. */
	set_reg(t, "eax", 0x01020304);
	set_reg(t, "ebx", 0x11121314);
	set_reg(t, "ecx", 0x21222324);
	set_reg(t, "edx", 0x31323334);
	set_reg(t, "esi", 0x41424344);
	set_reg(t, "edi", 0x61626364);
	CHECK_EQ_HEX(reg(t, "ecx"), 0x21222324);
	CHECK_OK(pt_breakpoint_remove(p, here));
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS),
		    "regs 1020304 11121314 21222324 31323334 41424344 "
		    "61626364\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

TEST(i386_bp_loop)
{
	enum { N = 5 };
	struct child_io io;
	pt_process *p = launch32(&io, ARGS("loop:5"));
	uint64_t f = sym(T32, "bp_func"), f3 = sym(T32, "bp_func_3");
	CHECK(f <= 0xffffffffull);
	/* Memory reads never show the breakpoint: mov 4(%esp),%eax. */
	static const unsigned char insn[4] = { 0x8b, 0x44, 0x24, 0x04 };
	CHECK_OK(pt_breakpoint_add(p, f));
	CHECK_OK(pt_breakpoint_add(p, f3));
	unsigned char got[4];
	CHECK_OK(pt_mem_read(p, f, got, sizeof got, NULL));
	CHECK(memcmp(got, insn, sizeof insn) == 0);
	for (int i = 0; i < N; i++) {
		pt_thread *t = continue_to_bp(p, f);
		/* cdecl: the argument above the return address */
		uint64_t sp = reg(t, "esp");
		CHECK_EQ_INT(mem_u32(p, sp + 4), i);
		t = continue_to_bp(p, f3);
		CHECK_EQ_HEX(reg(t, "eax"), 2 * i + 1);
		CHECK_EQ_HEX(reg(t, "esp"), sp);
	}
	CHECK_EQ_INT(pt_breakpoint_count(p), 2);
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "sum 25\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

static pt_thread *step(pt_process *p, pt_thread *t)
{
	CHECK_OK(pt_thread_step(t));
	pt_stop_cause c;
	pt_thread *s = wait_event(p, PT_STOP_STEP, &c);
	CHECK(s == t);
	return s;
}

static void step_to(pt_process *p, pt_thread *t, const char *label)
{
	step(p, t);
	uint64_t want = sym(T32, label), pc = pc_of(t);
	CHECKF(pc == want, "after a step: PC %#llx, expected %s (%#llx)",
	       (unsigned long long)pc, label, (unsigned long long)want);
}

TEST(i386_step_sequence)
{
	struct child_io io;
	pt_process *p = launch32(&io, ARGS("step-seq"));
	pid_t pid = pt_process_pid(p);
	uint64_t f = sym(T32, "step_seq");
	CHECK_OK(pt_breakpoint_add(p, f));
	pt_thread *t = continue_to_bp(p, f);
	uint64_t sp0 = reg(t, "esp");
	step_to(p, t, "step_seq_1"); /* push %ebx (over our breakpoint) */
	CHECK_EQ_HEX(reg(t, "esp"), sp0 - 4);
	step_to(p, t, "step_seq_2");
	CHECK_EQ_HEX(reg(t, "eax"), 1);
	step_to(p, t, "step_seq_3");
	CHECK_EQ_HEX(reg(t, "ecx"), 2);
	step_to(p, t, "step_seq_4");
	CHECK_EQ_HEX(reg(t, "eax"), 3);
	step_to(p, t, "step_seq_5");
	CHECK_EQ_HEX(reg(t, "edx"), 13);
	step_to(p, t, "step_seq_6");
	CHECK_EQ_HEX(reg(t, "eax"), 20);
	step_to(p, t, "step_seq_7"); /* int $0x80: the whole system call */
	CHECK_EQ_HEX(reg(t, "eax"), pid);
	CHECK_EQ_HEX(reg(t, "orig_eax"), 20);
	step_to(p, t, "step_seq_8");
	CHECK_EQ_HEX(reg(t, "eax"), pid + 13);
	step_to(p, t, "step_seq_9");
	CHECK_EQ_HEX(reg(t, "esp"), sp0);
	CHECK_OK(pt_breakpoint_remove(p, f));
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	char want[64];
	snprintf(want, sizeof want, "step_seq %d\nDONE\n", (int)pid + 13);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), want);
	pt_process_free(p);
	return TEST_PASS;
}

/* Step through __kernel_vsyscall: sysenter (Intel) or syscall (AMD) in
 * the vDSO, whose return lands past the int $0x80 that follows it. */
TEST(i386_step_vsyscall)
{
	struct child_io io;
	pt_process *p = launch32(&io, ARGS("vsyscall"));
	pid_t pid = pt_process_pid(p);
	uint64_t call = sym(T32, "vsys_call"), after = sym(T32, "vsys_after");
	CHECK_OK(pt_breakpoint_add(p, call));
	CHECK_OK(pt_continue(p));
	CHECK_OK(pt_wait(p, WAIT_MS));
	if (pt_process_state(p) == PT_PROC_EXITED) {
		const char *out = io_read_all(&io, WAIT_MS);
		if (strcmp(out, "vsys none\nDONE\n") == 0)
			SKIP("no vDSO in 32-bit processes here (AT_SYSINFO 0)");
		FAIL("exited without reaching vsys_call: %s", out);
	}
	pt_thread *t = wait_bp(p, call);
	uint64_t entry = mem_u32(p, sym(T32, "vsyscall_entry"));
	CHECK(entry != 0);
	uint64_t text = sym(T32, "main");
	int steps = 0;
	bool in_vdso = false, at_entry = false;
	uint64_t pc = call;
	while (pc != after) {
		CHECKF(++steps <= 64, "%d steps from vsys_call, not back yet "
		       "(PC %#llx)", steps, (unsigned long long)pc);
		step(p, t);
		pc = pc_of(t);
		CHECK(pc <= 0xffffffffull);
		at_entry |= pc == entry;
		/* the vDSO is mapped far from the program's text */
		in_vdso |= pc > text + 0x1000000 || pc + 0x1000000 < text;
	}
	CHECKF(at_entry, "never at __kernel_vsyscall (%#llx)",
	       (unsigned long long)entry);
	CHECK(in_vdso);
	CHECK(steps >= 5); /* call, pushes, the system call, pops, ret */
	CHECK_EQ_HEX(reg(t, "eax"), pid);
	int code = -2, sig = -2;
	CHECK_OK(pt_breakpoint_remove(p, call));
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	char want[64];
	snprintf(want, sizeof want, "vsys %d\nDONE\n", (int)pid + 7);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), want);
	pt_process_free(p);
	return TEST_PASS;
}

TEST(i386_memory)
{
	struct child_io io;
	pt_process *p = launch32(&io, ARGS("mem"));
	uint64_t buf = sym(T32, "mem_buf"), sp = sym(T32, "sync_point");
	CHECK_OK(pt_breakpoint_add(p, sp));
	CHECK_OK(pt_continue(p));
	char line[128];
	CHECK_EQ_INT(io_read_line(&io, line, sizeof line, WAIT_MS), 1);
	char want[64];
	snprintf(want, sizeof want, "mem_buf %#llx", (unsigned long long)buf);
	CHECK_STREQ(line, want);
	wait_bp(p, sp);
	char got[64];
	size_t done = 0;
	CHECK_OK(pt_mem_read(p, buf, got, sizeof got, &done));
	CHECK_EQ_INT(done, sizeof got);
	CHECK_STREQ(got, "proctrace i386 memory");
	static const char text[] = "written by proctrace";
	CHECK_OK(pt_mem_write(p, buf, text, sizeof text, &done));
	CHECK_EQ_INT(done, sizeof text);
	memset(got, 0, sizeof got);
	CHECK_OK(pt_mem_read(p, buf, got, sizeof text, NULL));
	CHECK_STREQ(got, text);
	/* Beyond the 32-bit address space there is nothing. */
	CHECK_ERR(pt_mem_read(p, 0x100000000ull, got, 4, &done), PT_EFAULT);
	CHECK_EQ_INT(done, 0);
	CHECK_OK(pt_breakpoint_remove(p, sp));
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "mem written by proctrace\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

TEST(i386_attach)
{
	need_i386();
	struct child_io io;
	spawn_target(&io, T32, ARGS("counter"));
	io_expect_line(&io, "ready");
	io_write(&io, "a\n");
	io_expect_line(&io, "value 42");
	/* The line is in the pipe before write(2) returns: wait until the
	 * target is back in read(2) (attaching at once could catch it on its
	 * way out of write, orig_eax 4). */
	CHECKF(wait_in_syscall(io.pid, 3, WAIT_MS),
	       "the target is not blocked in read(2)");

	pt_process *p = NULL;
	CHECK_OK(pt_attach(io.pid, &p));
	check_i386_table(p);
	pt_thread *t = only_thread(p);
	uint64_t pc = pc_of(t);
	CHECK(pc != 0 && pc <= 0xffffffffull);
	CHECK_EQ_HEX(reg(t, "eip"), pc);
	/* Blocked in read(2), __NR_read 3 on i386. */
	CHECK_EQ_HEX(reg(t, "orig_eax"), 3);
	CHECK_EQ_HEX(reg(t, "cs"), 0x23);

	uint64_t ret = sym(T32, "get_value_ret");
	CHECK_OK(pt_breakpoint_add(p, ret));
	CHECK_OK(pt_continue(p));
	io_write(&io, "b\n");
	t = wait_bp(p, ret);
	CHECK_EQ_HEX(reg(t, "eax"), 42);
	set_reg(t, "eax", 1234);
	CHECK_OK(pt_detach(p));
	io_expect_line(&io, "value 1234");
	CHECKF(proc_tracer(io.pid) == 0, "still traced by %d",
	       (int)proc_tracer(io.pid));
	/* It carries on untraced, without our breakpoint. */
	io_write(&io, "c\n");
	io_expect_line(&io, "value 42");
	io_close_stdin(&io);
	io_expect_line(&io, "DONE");
	int status = io_reap(&io, WAIT_MS);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "wait status %#x", status);
	pt_process_free(p);
	return TEST_PASS;
}

/* Thread creation and exit in a 32-bit process: the exits are told from
 * collateral deaths by the i386 numbers of exit (1) and exit_group (252). */
TEST(i386_threads)
{
	enum { N = 4, S = 20 };
	struct child_io io;
	pt_process *p = launch32(&io, ARGS("threads:4", "thread-exits:4:20",
					   "exit:3"));
	pid_t pid = pt_process_pid(p);
	uint64_t f = sym(T32, "bp_func");
	CHECK_OK(pt_breakpoint_add(p, f));
	int created = 0, hits = 0, exits = 0, leader_exits = 0;
	bool seen[N] = { false };
	for (int rounds = 0;; rounds++) {
		CHECKF(rounds < 20 * N, "too many stops");
		CHECK_OK(pt_continue(p));
		int r = pt_wait(p, WAIT_MS);
		CHECKF(r == 0, "pt_wait: %s", err_str(r));
		if (pt_process_state(p) == PT_PROC_EXITED)
			break;
		pt_thread *ts[16];
		size_t n = pt_process_threads(p, ts, 16);
		CHECK(n <= 16);
		for (size_t i = 0; i < n; i++) {
			pt_stop_cause c = cause_of(ts[i]);
			pid_t tid = pt_thread_tid(ts[i]);
			switch (c.kind) {
			case PT_STOP_REQUESTED:
				break;
			case PT_STOP_THREAD_CREATE:
				created++;
				break;
			case PT_STOP_BREAKPOINT:
				CHECK_EQ_HEX(c.addr, f);
				CHECK_EQ_HEX(pc_of(ts[i]), f);
				hits++;
				break;
			case PT_STOP_THREAD_EXIT:
				CHECKF(c.signo == 0, "%s", cause_str(&c));
				exits++;
				if (tid == pid) {
					/* exit(3): exit_group */
					CHECK_EQ_INT(c.status, 3);
					CHECK_EQ_HEX(reg(ts[i], "orig_eax"),
						     252);
					CHECK_EQ_HEX(reg(ts[i], "ebx"), 3);
					leader_exits++;
				} else if (c.status != 0) {
					/* syscall(SYS_exit, S+i): the status
					 * is the first argument, in ebx */
					CHECKF(c.status >= S && c.status < S + N,
					       "%s", cause_str(&c));
					CHECK(!seen[c.status - S]);
					seen[c.status - S] = true;
					CHECK_EQ_HEX(reg(ts[i], "orig_eax"), 1);
					CHECK_EQ_HEX(reg(ts[i], "ebx"),
						     c.status);
				} else {
					/* pthread's end: exit(0) */
					CHECK_EQ_HEX(reg(ts[i], "orig_eax"), 1);
				}
				CHECK_EQ_HEX(reg(ts[i], "eax"),
					     (uint32_t)-ENOSYS);
				break;
			default:
				FAIL("thread %d: unexpected stop: %s",
				     (int)tid, cause_str(&c));
			}
		}
	}
	int code = -2, sig = -2;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK_EQ_INT(code, 3);
	CHECK_EQ_INT(created, 2 * N);
	CHECK_EQ_INT(hits, N);
	CHECK_EQ_INT(exits, 2 * N + 1);
	CHECK_EQ_INT(leader_exits, 1);
	for (int i = 0; i < N; i++)
		CHECKF(seen[i], "no exit stop with status %d", S + i);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "threads 4\nexited 4\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* execer (64-bit) -> tracee32 -> tracee (64-bit): the table follows. */
TEST(i386_exec_switch)
{
	need_i386();
	struct child_io io;
	char exec64[4200];
	snprintf(exec64, sizeof exec64, "exec:%s", target_path("tracee"));
	const char *argv[] = { target_path("execer"), target_path(T32),
			       "loop:3", exec64, "sync", NULL };
	pt_process *p = NULL;
	CHECK_OK(launch_target_opts(&io, argv[0], argv, NULL, &p));
	CHECK_STREQ(pt_process_arch(p), "x86-64");
	CHECK_OK(pt_process_reg_index(p, "rip"));
	CHECK_ERR(pt_process_reg_index(p, "eip"), PT_ENOREG);

	pt_stop_cause c;
	pt_thread *t = continue_until(p, PT_STOP_EXEC, &c);
	check_i386_table(p);
	CHECK_EQ_HEX(reg(t, "cs"), 0x23);
	uint64_t f = sym(T32, "bp_func");
	CHECK_OK(pt_breakpoint_add(p, f));
	for (int i = 0; i < 3; i++) {
		t = continue_to_bp(p, f);
		CHECK_EQ_INT(mem_u32(p, reg(t, "esp") + 4), i);
	}

	t = continue_until(p, PT_STOP_EXEC, &c);
	CHECK_STREQ(pt_process_arch(p), "x86-64");
	CHECK_ERR(pt_process_reg_index(p, "eax"), PT_ENOREG);
	CHECK_EQ_HEX(reg(t, "cs"), 0x33);
	CHECK_EQ_INT(pt_breakpoint_count(p), 0);
	uint64_t s = sym("tracee", "sync_point");
	CHECK_OK(pt_breakpoint_add(p, s));
	t = continue_to_bp(p, s);
	CHECK(reg(t, "rsp") != 0);
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "sum 9\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* A 32-bit program that far-jumps into 64-bit code: the kernel then gives
 * its registers in the 64-bit layout; the i386 view stays, breakpoints,
 * steps and register writes work there too.  At gate64_bp is a push,
 * 8 bytes in 64-bit mode: the first time it is single-stepped by the
 * test, the second time stepped over at continue, where emulating it as
 * the 4-byte push of 32-bit code would wreck the stack. */
TEST(i386_far_jump_64bit)
{
	struct child_io io;
	pt_process *p = launch32(&io, ARGS("gate", "gate"));
	uint64_t bp = sym(T32, "gate64_bp");
	CHECK_OK(pt_breakpoint_add(p, bp));
	pt_thread *t = continue_to_bp(p, bp);
	CHECK_STREQ(pt_process_arch(p), "i386");
	CHECK_EQ_HEX(reg(t, "cs"), 0x33);
	CHECK_EQ_HEX(reg(t, "eax"), 6);
	uint64_t sp = reg(t, "esp");
	step_to(p, t, "gate64_2"); /* over the breakpoint, in 64-bit mode */
	CHECK_EQ_HEX(reg(t, "cs"), 0x33);
	CHECK_EQ_HEX(reg(t, "esp"), sp - 8);
	set_reg(t, "eax", 100);
	t = continue_to_bp(p, bp);
	CHECK_EQ_HEX(reg(t, "eax"), 6);
	set_reg(t, "eax", 200);
	int code = -2, sig = -2;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "gate 102\ngate 202\nDONE\n");
	pt_process_free(p);
	return TEST_PASS;
}

/* ---- step-over by emulation in 32-bit code ------------------------------ */

struct decode32 {
	const char *what;
	uint8_t bytes[15];
	size_t n;
	enum pt__emul_kind kind;
	unsigned len, dst, src;
};

/* The decoder and the register effects, on byte sequences: no process. */
TEST(i386_emul_decode_table)
{
	const struct pt__arch *a = pt__arch_i386();
	CHECK(a->emul_decode != NULL && a->emul_apply != NULL);
	static const struct decode32 cases[] = {
		{ "nop", { 0x90 }, 1, PT__EMUL_NOP, 1, 0, 0 },
		{ "pause", { 0xf3, 0x90 }, 2, PT__EMUL_NOP, 2, 0, 0 },
		{ "endbr32", { 0xf3, 0x0f, 0x1e, 0xfb }, 4, PT__EMUL_NOP, 4, 0, 0 },
		{ "nopl (%eax)", { 0x0f, 0x1f, 0x00 }, 3, PT__EMUL_NOP, 3, 0, 0 },
		{ "nopw (%eax,%eax)", { 0x66, 0x0f, 0x1f, 0x04, 0x00 }, 5,
		  PT__EMUL_NOP, 5, 0, 0 },
		{ "nopl 0x0(,%eiz)", { 0x0f, 0x1f, 0x04, 0x25, 0, 0, 0, 0 }, 8,
		  PT__EMUL_NOP, 8, 0, 0 },
		{ "nopl 0x12345678", { 0x0f, 0x1f, 0x05, 0x78, 0x56, 0x34, 0x12 },
		  7, PT__EMUL_NOP, 7, 0, 0 },
		{ "push %ebp", { 0x55 }, 1, PT__EMUL_PUSH, 1, 0, 5 },
		{ "push %esp", { 0x54 }, 1, PT__EMUL_PUSH, 1, 0, 4 },
		{ "push %edi", { 0x57 }, 1, PT__EMUL_PUSH, 1, 0, 7 },
		{ "mov %esp,%ebp", { 0x89, 0xe5 }, 2, PT__EMUL_MOV, 2, 5, 4 },
		{ "mov %edi,%eax (8b)", { 0x8b, 0xc7 }, 2, PT__EMUL_MOV, 2, 0, 7 },
		/* not emulated */
		{ "inc %eax (a REX prefix in 64-bit code)", { 0x40 }, 1,
		  PT__EMUL_NONE, 0, 0, 0 },
		{ "dec %eax; push %ebp", { 0x48, 0x55 }, 2, PT__EMUL_NONE, 0, 0, 0 },
		{ "mov 8(%ebp),%ebx", { 0x8b, 0x5d, 0x08 }, 3, PT__EMUL_NONE, 0, 0, 0 },
		{ "push %ax", { 0x66, 0x50 }, 2, PT__EMUL_NONE, 0, 0, 0 },
		{ "mov %ax,%bx", { 0x66, 0x89, 0xc3 }, 3, PT__EMUL_NONE, 0, 0, 0 },
		{ "nopl 16-bit addressing", { 0x67, 0x0f, 0x1f, 0x00 }, 4,
		  PT__EMUL_NONE, 0, 0, 0 },
		{ "int $0x80", { 0xcd, 0x80 }, 2, PT__EMUL_NONE, 0, 0, 0 },
		{ "ret", { 0xc3 }, 1, PT__EMUL_NONE, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct decode32 *c = &cases[i];
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
			CHECKF(e.src == c->src && e.width == 4,
			       "%s: src %u width %u", c->what, e.src, e.width);
		if (c->kind == PT__EMUL_MOV)
			CHECKF(e.dst == c->dst, "%s: dst %u", c->what, e.dst);
	}

	/* Effects, in a register buffer laid out by the i386 table. */
	union {
		unsigned char b[PT__ARCH_REGS_MAX];
		uint64_t align;
	} r;
	memset(&r, 0, sizeof r);
	int n = a->nregs;
	int eip = -1, esp = -1, ebp = -1, eax = -1, edi = -1, efl = -1;
	for (int k = 0; k < n; k++) {
		const char *nm = a->regs[k].name;
		if (!strcmp(nm, "eip")) eip = k;
		if (!strcmp(nm, "esp")) esp = k;
		if (!strcmp(nm, "ebp")) ebp = k;
		if (!strcmp(nm, "eax")) eax = k;
		if (!strcmp(nm, "edi")) edi = k;
		if (!strcmp(nm, "eflags")) efl = k;
	}
	CHECK(eip >= 0 && esp >= 0 && ebp >= 0 && eax >= 0 && edi >= 0 &&
	      efl >= 0);
	pt__arch_set_reg_u64(a, r.b, eip, 0x8049000);
	pt__arch_set_reg_u64(a, r.b, esp, 0xffffd000);
	pt__arch_set_reg_u64(a, r.b, ebp, 0x11223344);
	pt__arch_set_reg_u64(a, r.b, edi, 0xaabbccdd);
	pt__arch_set_reg_u64(a, r.b, efl, 0x246);
	struct pt__emul e;
	struct pt__emul_store st;
	CHECK(a->emul_decode((const uint8_t[]){ 0x55 }, 1, &e));
	CHECK(a->emul_apply(&e, r.b, &st));
	CHECK_EQ_HEX(pt__arch_reg_u64(a, r.b, eip), 0x8049001);
	CHECK_EQ_HEX(pt__arch_reg_u64(a, r.b, esp), 0xffffd000 - 4);
	CHECK(st.len == 4 && st.addr == 0xffffd000 - 4);
	uint32_t v;
	memcpy(&v, st.bytes, 4);
	CHECK_EQ_HEX(v, 0x11223344);
	CHECK(a->emul_decode((const uint8_t[]){ 0x54 }, 1, &e)); /* push %esp */
	CHECK(a->emul_apply(&e, r.b, &st));
	memcpy(&v, st.bytes, 4);
	CHECK_EQ_HEX(v, 0xffffd000 - 4); /* the value before the push */
	CHECK_EQ_HEX(pt__arch_reg_u64(a, r.b, esp), 0xffffd000 - 8);
	CHECK(a->emul_decode((const uint8_t[]){ 0x89, 0xf8 }, 2, &e));
	CHECK(a->emul_apply(&e, r.b, &st)); /* mov %edi,%eax */
	CHECK(st.len == 0);
	CHECK_EQ_HEX(pt__arch_reg_u64(a, r.b, eax), 0xaabbccdd);
	CHECK_EQ_HEX(pt__arch_reg_u64(a, r.b, eip), 0x8049004);
	/* A program tracing itself (TF set) gets the real instruction. */
	pt__arch_set_reg_u64(a, r.b, efl, 0x346);
	CHECK(!a->emul_apply(&e, r.b, &st));
	CHECK_EQ_HEX(pt__arch_reg_u64(a, r.b, eip), 0x8049004);
	return TEST_PASS;
}

static atomic_int emulated32;

static void count_emulated32(pt_log_level level, const char *msg, void *user)
{
	(void)level;
	(void)user;
	if (strstr(msg, "by emulation"))
		atomic_fetch_add(&emulated32, 1);
}

/* Breakpoints on the instructions of emul32, N calls: every hit counted,
 * the result right, and (unless single) six of the seven step-overs of
 * each call emulated (emul32_3 reads memory: single-stepped). */
static void run_emul32(bool single)
{
	enum { N = 20, NB = 7 };
	static const char *const labels[NB] = {
		"emul32",   "emul32_1", "emul32_2", "emul32_3",
		"emul32_4", "emul32_5", "emul32_6",
	};
	need_i386();
	if (single)
		setenv("PROCTRACE_STEPOVER", "single", 1);
	else
		unsetenv("PROCTRACE_STEPOVER"); /* the suite may run with it */
	pt_set_log(count_emulated32, NULL, PT_LOG_DEBUG);
	struct child_io io;
	pt_process *p = launch32(&io, ARGS("emul:20"));
	uint64_t addr[NB];
	int hits[NB] = { 0 };
	for (int k = 0; k < NB; k++) {
		addr[k] = sym(T32, labels[k]);
		CHECK_OK(pt_breakpoint_add(p, addr[k]));
	}
	for (int total = 0;;) {
		CHECK_OK(pt_continue(p));
		int r = pt_wait(p, WAIT_MS);
		CHECKF(r == 0, "pt_wait: %s", err_str(r));
		if (pt_process_state(p) == PT_PROC_EXITED)
			break;
		pt_thread *t = pt_process_event_thread(p);
		CHECK(t != NULL);
		pt_stop_cause c = cause_of(t);
		if (c.kind == PT_STOP_THREAD_EXIT)
			continue;
		CHECKF(c.kind == PT_STOP_BREAKPOINT, "stopped with %s",
		       cause_str(&c));
		int k = 0;
		while (k < NB && addr[k] != c.addr)
			k++;
		CHECKF(k < NB, "breakpoint at unknown %#llx",
		       (unsigned long long)c.addr);
		hits[k]++;
		CHECKF(++total <= N * NB, "too many hits");
	}
	for (int k = 0; k < NB; k++)
		CHECKF(hits[k] == N, "%s hit %d times, expected %d", labels[k],
		       hits[k], N);
	int code = -1, sig = -1;
	CHECK_OK(pt_process_exit(p, &code, &sig));
	CHECK(code == 0 && sig == 0);
	CHECK_STREQ(io_read_all(&io, WAIT_MS), "emul 380\nDONE\n");
	pt_process_free(p);
	pt_set_log(NULL, NULL, PT_LOG_ERROR);
	int n = atomic_load(&emulated32);
	if (single)
		CHECKF(n == 0, "%d step-overs emulated with "
		       "PROCTRACE_STEPOVER=single", n);
	else
		CHECKF(n == N * (NB - 1), "%d of %d step-overs emulated", n,
		       N * (NB - 1));
}

TEST(i386_emul_stepover)
{
	run_emul32(false);
	return TEST_PASS;
}

TEST(i386_emul_stepover_single)
{
	run_emul32(true);
	return TEST_PASS;
}

/* ---- the architecture of a program whose file cannot be read ------------ */

/* A copy of target NAME that only root can read: mode 0711. */
static void copy_exec_only(const char *name, char *path, size_t cap)
{
	snprintf(path, cap, "/tmp/pt-exec-only-XXXXXX");
	int out = mkstemp(path);
	CHECKF(out >= 0, "mkstemp: %s", strerror(errno));
	int in = open(target_path(name), O_RDONLY | O_CLOEXEC);
	CHECKF(in >= 0, "%s: %s", target_path(name), strerror(errno));
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		CHECK(write(out, buf, (size_t)n) == n);
	CHECK(n == 0);
	close(in);
	CHECK(fchmod(out, 0711) == 0);
	close(out);
}

/* As "nobody", launch an execute-only program: its /proc/PID/exe cannot
 * be opened (the process is not dumpable), so the architecture must come
 * from the kernel's register layout.  Registers and single-steps work;
 * memory does not (the kernel refuses it to an unprivileged tracer of an
 * undumpable process), which is not ours to test here. */
static void exec_only(const char *name, const char *arch, const char *pc_reg,
		      uint64_t cs)
{
	CHECKF(getuid() == 0, "this test runs as root");
	char path[64];
	copy_exec_only(name, path, sizeof path);
	fflush(NULL);
	pid_t sub = fork();
	CHECK(sub >= 0);
	if (sub == 0) {
		CHECK(setgroups(0, NULL) == 0);
		CHECK(setresgid(65534, 65534, 65534) == 0);
		CHECK(setresuid(65534, 65534, 65534) == 0);
		/* a change of uid made us undumpable: our children too */
		CHECK(prctl(PR_SET_DUMPABLE, 1) == 0);
		CHECKF(open(path, O_RDONLY) < 0 && errno == EACCES,
		       "%s is readable", path);
		struct child_io io;
		const char *argv[] = { path, "exit:7", NULL };
		pt_process *p = NULL;
		CHECK_OK(launch_target_opts(&io, path, argv, NULL, &p));
		char exe[64];
		snprintf(exe, sizeof exe, "/proc/%d/exe",
			 (int)pt_process_pid(p));
		int fd = open(exe, O_RDONLY);
		CHECKF(fd < 0, "%s can be opened", exe);
		CHECK_STREQ(pt_process_arch(p), arch);
		pt_thread *t = only_thread(p);
		uint64_t pc = reg(t, pc_reg);
		CHECK_EQ_HEX(pc_of(t), pc);
		CHECK_EQ_HEX(reg(t, "cs"), cs);
		for (int i = 0; i < 3; i++) {
			CHECK_OK(pt_thread_step(t));
			pt_stop_cause c;
			wait_event(p, PT_STOP_STEP, &c);
		}
		CHECK(pc_of(t) != pc);
		int code = -2, sig = -2;
		run_to_exit(p, &code, &sig);
		CHECK_EQ_INT(code, 7);
		pt_process_free(p);
		_exit(0);
	}
	int status;
	CHECK(waitpid(sub, &status, 0) == sub);
	unlink(path);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "unprivileged launch: subprocess wait status %#x", status);
}

TEST(arch_exec_only_x86_64)
{
	exec_only("tracee", "x86-64", "rip", 0x33);
	return TEST_PASS;
}

TEST(i386_exec_only)
{
	need_i386();
	exec_only(T32, "i386", "eip", 0x23);
	return TEST_PASS;
}

/* ---- x87, SSE and AVX ------------------------------------------------------ */

/* The XSAVE components the OS enabled (XCR0), found here independently of
 * the library; 0 where there is no XSAVE. */
static uint64_t os_xcr0(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return 0;
	uint32_t lo, hi;
	__asm__ __volatile__(".byte 0x0f, 0x01, 0xd0" /* xgetbv */
			     : "=a"(lo), "=d"(hi)
			     : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/* What the kernel gives a tracer for the x87 last-instruction pointers
 * (FIP, FDP, FOP) of a stopped thread, asked at run time of a known
 * program instead of inferred from CPUID: some CPUs keep them in the
 * FXSAVE/XSAVE image only while an x87 exception is pending (AMD before
 * XSAVEERPTR, the kernel's X86_BUG_FXSAVE_LEAK), QEMU's TCG writes zeros
 * whatever CPUID it shows, and an AMD EPYC host of kernel 6.18 claims
 * XSAVEERPTR yet gives zeros (issue 10, item 12).  The probe is a forked
 * 64-bit child: fninit, an fldl at x87_probe_fld of x87_probe_val through
 * (%rdi) (FOP 0x507: DD /0, ModRM 07), then int3; the test reads its image
 * with PTRACE_GETFPREGS, the one a 32-bit task's goes through too (a
 * 64-bit kernel keeps both in the 64-bit format). */
enum x87ptr {
	X87PTR_SAVED, /* the values of the last x87 instruction */
	X87PTR_ZERO,  /* zeros */
	X87PTR_OTHER, /* something else: stale values, not compared */
};
static const char *const x87ptr_name[] = { "saved", "as zeros",
					   "as stale values (not compared)" };

struct x87ptr_probe {
	enum x87ptr fip, fdp, fop;
	char text[192]; /* what the probe saw and expected */
};

void x87_probe_code(const double *v);
extern const char x87_probe_fld[];
__asm__(".text\n"
	".globl x87_probe_code, x87_probe_fld\n"
	".hidden x87_probe_code, x87_probe_fld\n"
	".type x87_probe_code, @function\n"
	"x87_probe_code:\n"
	"	fninit\n"
	"x87_probe_fld:\n"
	"	fldl (%rdi)\n"
	"	int3\n"
	"	fstp %st(0)\n"
	"	ret\n"
	".size x87_probe_code, .-x87_probe_code\n");
static const double x87_probe_val = 1.5;

static enum x87ptr x87ptr_of(uint64_t got, uint64_t want)
{
	return got == want ? X87PTR_SAVED : got == 0 ? X87PTR_ZERO : X87PTR_OTHER;
}

static void x87_pointers_probe(struct x87ptr_probe *pr)
{
	pid_t pid = fork();
	CHECKF(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(126);
		x87_probe_code(&x87_probe_val);
		_exit(0);
	}
	int status;
	CHECKF(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECKF(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP,
	       "x87 probe: wait status %#x, expected its int3", status);
	struct user_fpregs_struct fp;
	int r = (int)ptrace(PTRACE_GETFPREGS, pid, NULL, &fp);
	int e = errno;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECKF(r == 0, "x87 probe: PTRACE_GETFPREGS: %s", strerror(e));
	uint64_t fip = (uintptr_t)x87_probe_fld, fdp = (uintptr_t)&x87_probe_val;
	pr->fip = x87ptr_of(fp.rip, fip);
	pr->fdp = x87ptr_of(fp.rdp, fdp);
	pr->fop = x87ptr_of(fp.fop, 0x507);
	snprintf(pr->text, sizeof pr->text,
		 "fip %#llx fdp %#llx fop %#x for an fldl at %#llx of %#llx "
		 "(fop 0x507)",
		 (unsigned long long)fp.rip, (unsigned long long)fp.rdp,
		 (unsigned)fp.fop, (unsigned long long)fip,
		 (unsigned long long)fdp);
}

/* Whether CPUID promises the pointers in the image (Intel, or AMD/Hygon
 * with XSAVEERPTR, CPUID 0x80000008 EBX bit 2, from Zen 2 on), and the
 * hypervisor's signature: for the test's note only, never an expectation. */
static bool cpuid_claims_pointers(char hv[13])
{
	unsigned a, b, c, d;
	char sig[13] = "";
	hv[0] = '\0';
	__cpuid(1, a, b, c, d);
	if (c & (1u << 31)) { /* a hypervisor */
		__cpuid(0x40000000, a, b, c, d);
		memcpy(hv, &b, 4);
		memcpy(hv + 4, &c, 4);
		memcpy(hv + 8, &d, 4);
		hv[12] = '\0';
	}
	__cpuid(0, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &d, 4);
	memcpy(sig + 8, &c, 4);
	if (strcmp(sig, "AuthenticAMD") != 0 && strcmp(sig, "HygonGenuine") != 0)
		return true;
	if ((unsigned)__get_cpuid_max(0x80000000, NULL) < 0x80000008u)
		return false;
	__cpuid(0x80000008, a, b, c, d);
	return (b & (1u << 2)) != 0;
}

/* One row of the expected i386 table. */
struct row32 {
	char name[12];
	unsigned size, set;
	pt_reg_type type;
};

/* The table, without a process: gdb's i386 Linux numbering, every row's
 * name, size, type and set; AVX and AVX-512 rows where this machine has
 * them; names unique. */
TEST(i386_fpregs_table)
{
	const struct pt__arch *a = pt__arch_i386();
	CHECK(a == pt__arch_i386());
	CHECK_STREQ(a->name, "i386");
	const char *force = getenv("PROCTRACE_XSTATE");
	uint64_t xcr0 = force && strcmp(force, "fxsave") == 0 ? 0 : os_xcr0();
	bool avx = (xcr0 & 0x6) == 0x6;                /* SSE, AVX */
	bool avx512 = avx && (xcr0 & 0xe0) == 0xe0; /* opmask, ZMM */

	struct row32 want[128];
	int n = 0;
	for (size_t i = 0; i < NGREGS32; i++) {
		if (gregs32[i].gdb != n)
			break; /* orig_eax comes after the SSE rows */
		want[n] = (struct row32){ "", 4, PT_REGSET_GENERAL,
					  gregs32[i].role == PT_ROLE_NONE ||
							  gregs32[i].role ==
								  PT_ROLE_FLAGS
						  ? PT_REGTYPE_INT
						  : PT_REGTYPE_ADDR };
		snprintf(want[n].name, sizeof want[n].name, "%s",
			 gregs32[i].name);
		n++;
	}
	CHECK_EQ_INT(n, 16);
	for (int j = 0; j < 8; j++, n++) {
		want[n] = (struct row32){ "", 10, PT_REGSET_X87,
					  PT_REGTYPE_FLOAT80 };
		snprintf(want[n].name, sizeof want[n].name, "st%d", j);
	}
	static const char *const x87ctl[] = { "fctrl", "fstat", "ftag",
					      "fiseg", "fioff", "foseg",
					      "fooff", "fop" };
	for (int j = 0; j < 8; j++, n++) {
		want[n] = (struct row32){ "", 4, PT_REGSET_X87, PT_REGTYPE_INT };
		snprintf(want[n].name, sizeof want[n].name, "%s", x87ctl[j]);
	}
	for (int j = 0; j < 8; j++, n++) {
		want[n] = (struct row32){ "", 16, PT_REGSET_SSE,
					  PT_REGTYPE_VECTOR };
		snprintf(want[n].name, sizeof want[n].name, "xmm%d", j);
	}
	want[n++] = (struct row32){ "mxcsr", 4, PT_REGSET_SSE, PT_REGTYPE_INT };
	want[n++] = (struct row32){ "orig_eax", 4, PT_REGSET_SYSTEM,
				    PT_REGTYPE_INT };
	CHECK_EQ_INT(n, 42);
	for (int j = 0; avx && j < 8; j++, n++) {
		want[n] = (struct row32){ "", 16, PT_REGSET_AVX,
					  PT_REGTYPE_VECTOR };
		snprintf(want[n].name, sizeof want[n].name, "ymm%dh", j);
	}
	/* gdb's 32bit-avx512 feature: k0-7, zmm0h-7h (no xmm16-31 or
	 * ymm16h-31h: 32-bit code has 8 vector registers). */
	for (int j = 0; avx512 && j < 8; j++, n++) {
		want[n] = (struct row32){ "", 8, PT_REGSET_AVX512,
					  PT_REGTYPE_INT };
		snprintf(want[n].name, sizeof want[n].name, "k%d", j);
	}
	for (int j = 0; avx512 && j < 8; j++, n++) {
		want[n] = (struct row32){ "", 32, PT_REGSET_AVX512,
					  PT_REGTYPE_VECTOR };
		snprintf(want[n].name, sizeof want[n].name, "zmm%dh", j);
	}

	CHECKF(a->nregs == n, "%d rows, expected %d (AVX %d, AVX-512 %d)",
	       a->nregs, n, avx, avx512);
	for (int k = 0; k < n; k++) {
		const pt_reg_info *ri = &a->regs[k];
		CHECKF(strcmp(ri->name, want[k].name) == 0,
		       "row %d is %s, expected %s", k, ri->name, want[k].name);
		CHECKF(ri->gdb_regnum == k, "%s: gdb number %d, expected %d",
		       ri->name, ri->gdb_regnum, k);
		CHECKF(ri->size == want[k].size && ri->set == want[k].set &&
			       ri->type == want[k].type,
		       "%s: size %u set %u type %d, expected %u %u %d",
		       ri->name, ri->size, ri->set, (int)ri->type,
		       want[k].size, want[k].set, (int)want[k].type);
		CHECKF(pt__arch_reg_is_ext(a, k) ==
			       (ri->set != PT_REGSET_GENERAL &&
				ri->set != PT_REGSET_SYSTEM),
		       "%s", ri->name);
		for (int m = 0; m < k; m++)
			CHECKF(strcmp(a->regs[m].name, ri->name) != 0,
			       "%s twice (rows %d and %d)", ri->name, m, k);
	}
	/* The general rows keep their place in the i386 block, and the
	 * extended ones have their block and operations. */
	CHECK_EQ_INT(a->pc_index, 8);
	CHECK_STREQ(a->regs[a->pc_index].name, "eip");
	CHECK_STREQ(a->regs[a->sp_index].name, "esp");
	CHECK(a->xreg != NULL && a->xregs_get && a->xregs_set &&
	      a->xreg_read && a->xreg_write);
	CHECK(a->xregs_size >= 512);
	CHECK_EQ_INT(a->regs[41].offset, 44); /* orig_eax: word 11 */
	/* x87 and SSE rows live where FXSAVE puts them. */
	CHECK_EQ_INT(a->xreg[16].off, 32);      /* st0 */
	CHECK_EQ_INT(a->xreg[27].off, 12);      /* fiseg: FIP's high half */
	CHECK_EQ_INT(a->xreg[28].off, 8);       /* fioff */
	CHECK_EQ_INT(a->xreg[29].off, 20);      /* foseg: FDP's high half */
	CHECK_EQ_INT(a->xreg[30].off, 16);      /* fooff */
	CHECK_EQ_INT(a->xreg[32].off, 160);     /* xmm0 */
	CHECK_EQ_INT(a->xreg[40].off, 24);      /* mxcsr */
	if (avx)
		CHECK_EQ_INT(a->xreg[42].off, pt__x86_xlayout()->off[2]);
	return TEST_PASS;
}

static const char *hex32(const uint8_t *p, size_t n)
{
	static char buf[4][80];
	static int slot;
	char *b = buf[slot++ & 3];
	for (size_t i = 0; i < n && i < 39; i++)
		snprintf(b + 2 * i, 3, "%02x", p[i]);
	b[2 * (n < 39 ? n : 39)] = '\0';
	return b;
}

static const char *name32(const char *prefix, int i, const char *suffix)
{
	static char buf[4][16];
	static int slot;
	char *b = buf[slot++ & 3];
	snprintf(b, sizeof buf[0], "%s%d%s", prefix, i, suffix);
	return b;
}

/* Read register name (size bytes) through pt_thread_reg_read and check it
 * holds want. */
static void expect32(pt_thread *t, const char *name, const uint8_t *want,
		     size_t size)
{
	int k = pt_process_reg_index(pt_thread_process(t), name);
	CHECKF(k >= 0, "no register %s", name);
	uint8_t got[64];
	memset(got, 0x5a, sizeof got);
	int r = pt_thread_reg_read(t, k, got, sizeof got);
	CHECKF(r == (int)size, "reading %s: %s (%s)", name, err_str(r),
	       last_errmsg());
	CHECKF(memcmp(got, want, size) == 0 && got[size] == 0x5a,
	       "%s = %s, expected %s", name, hex32(got, size),
	       hex32(want, size));
}

static void write32(pt_thread *t, const char *name, const uint8_t *val,
		    size_t size)
{
	int k = pt_process_reg_index(pt_thread_process(t), name);
	CHECKF(k >= 0, "no register %s", name);
	int r = pt_thread_reg_write(t, k, val, size);
	CHECKF(r == 0, "writing %s: %s (%s)", name, err_str(r), last_errmsg());
}

/* The target's report: lines "NAME VALUE" up to "DONE". */
struct report32 {
	int n;
	char name[48][12];
	char val[48][48];
};

static void read_report32(struct child_io *io, struct report32 *r)
{
	char line[128];
	r->n = 0;
	for (;;) {
		int got = io_read_line(io, line, sizeof line, WAIT_MS);
		CHECKF(got == 1, "target output ended before DONE (%d)", got);
		if (strcmp(line, "DONE") == 0)
			return;
		char *sp = strchr(line, ' ');
		CHECKF(sp && r->n < 48 && sp - line < 12 && strlen(sp) < 48,
		       "odd target line \"%s\"", line);
		*sp = '\0';
		memcpy(r->name[r->n], line, strlen(line) + 1);
		memcpy(r->val[r->n], sp + 1, strlen(sp + 1) + 1);
		r->n++;
	}
}

static const char *report32(const struct report32 *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->name[i], name) == 0)
			return r->val[i];
	FAIL("the target printed no \"%s\"", name);
}

static uint64_t report32_u(const struct report32 *r, const char *name)
{
	return strtoull(report32(r, name), NULL, 16);
}

/* A 32-bit program loads known values into xmm0-7 (ymm0-7 where the
 * machine has AVX), st0-7, the x87 control word and MXCSR and stops: read
 * them, write new ones, and the program prints what it finds. */
TEST(i386_fpregs)
{
	struct child_io io;
	need_i386();
	/* What the kernel gives for the x87 pointers, from a known program. */
	struct x87ptr_probe probe;
	x87_pointers_probe(&probe);
	/* The table has ymm0h where the CPU and OS have AVX. */
	bool avx = pt__arch_i386()->nregs > 42 &&
		   strcmp(pt__arch_i386()->regs[42].name, "ymm0h") == 0;
	pt_process *p = launch32(&io, avx ? ARGS("fpregs-avx")
					  : ARGS("fpregs"));
	uint64_t stop = sym(T32, avx ? "fp32_avx_stop" : "fp32_stop");
	uint64_t last = sym(T32, avx ? "fp32_avx_last_fld" : "fp32_last_fld");
	CHECK_OK(pt_breakpoint_add(p, stop));
	pt_thread *t = continue_to_bp(p, stop);
	CHECK_EQ_INT(pt_process_reg_count(p), pt__arch_i386()->nregs);
	uint8_t y[32], st[10];

	/* What the program loaded. */
	for (int i = 0; i < 8; i++) {
		fp_pattern_vec(0, i, y, 32);
		expect32(t, name32("xmm", i, ""), y, 16);
		if (avx)
			expect32(t, name32("ymm", i, "h"), y + 16, 16);
	}
	for (int j = 0; j < 8; j++) {
		fp_pattern_st(0, j, st);
		expect32(t, name32("st", j, ""), st, 10);
	}
	CHECK_EQ_HEX(reg(t, "fctrl"), 0x027f);
	CHECK_EQ_HEX(reg(t, "mxcsr"), 0x3f80);
	CHECK_EQ_HEX(reg(t, "ftag"), 0); /* eight normal numbers: valid */
	CHECK_EQ_HEX((reg(t, "fstat") >> 11) & 7, 0); /* TOP after 8 pushes */
	/* The x87 pointers, checked below against what the program's own
	 * fnstenv gave just before the stop. */
	uint64_t fioff = reg(t, "fioff"), fooff = reg(t, "fooff");
	uint64_t fiseg = reg(t, "fiseg"), foseg = reg(t, "foseg");
	uint64_t fop = reg(t, "fop");

	/* New values. */
	for (int i = 0; i < 8; i++) {
		fp_pattern_vec(1, i, y, 32);
		write32(t, name32("xmm", i, ""), y, 16);
		if (avx)
			write32(t, name32("ymm", i, "h"), y + 16, 16);
	}
	for (int j = 0; j < 8; j++) {
		fp_pattern_st(1, j, st);
		write32(t, name32("st", j, ""), st, 10);
	}
	set_reg(t, "fctrl", 0x0f7f);
	set_reg(t, "mxcsr", 0x5f80);
	set_reg(t, "fioff", stop); /* an offset the program may see */
	CHECK_ERR(pt_thread_reg_set_name(t, "mxcsr", 0x10000000), PT_EINVAL);
	fp_pattern_vec(1, 7, y, 32);
	expect32(t, "xmm7", y, 16);
	CHECK_EQ_HEX(reg(t, "mxcsr"), 0x5f80);

	/* The program sees them. */
	CHECK_OK(pt_breakpoint_remove(p, stop));
	CHECK_OK(pt_continue(p));
	struct report32 r;
	read_report32(&io, &r);
	for (int i = 0; i < 8; i++) {
		fp_pattern_vec(1, i, y, 32);
		CHECK_STREQ(report32(&r, name32("xmm", i, "")), hex32(y, 16));
		if (avx)
			CHECK_STREQ(report32(&r, name32("ymm", i, "h")),
				    hex32(y + 16, 16));
	}
	for (int j = 0; j < 8; j++) {
		fp_pattern_st(1, j, st);
		CHECK_STREQ(report32(&r, name32("st", j, "")), hex32(st, 10));
	}
	CHECK_EQ_HEX(report32_u(&r, "fctrl"), 0x0f7f);
	CHECK_EQ_HEX(report32_u(&r, "ftag"), 0);
	CHECK_EQ_HEX(report32_u(&r, "mxcsr"), 0x5f80);
	/* A 64-bit kernel saves a 32-bit task in the 64-bit FXSAVE format
	 * (see src/arch/i386.c): fioff/fooff/fop are what fnstenv gives the
	 * program for FIP/FDP/FOP, fiseg/foseg FIP's and FDP's high halves,
	 * 0 in 32-bit code.  Each is checked against what the probe (before
	 * the launch) found the kernel gives: the program's own values where
	 * it saves them, zeros where it gives zeros, nothing where it gives
	 * something else. */
	uint64_t fip0 = report32_u(&r, "fip0");
	char hv[13];
	bool claims = cpuid_claims_pointers(hv);
	fprintf(stderr, "note: x87 pointers at the stop: fioff %#llx fooff "
		"%#llx fiseg %#llx foseg %#llx fop %#llx; the program's "
		"fnstenv: fip %#llx fcs %#llx fdp %#llx fds %#llx fop %#llx; "
		"the fldt at %#llx\n",
		(unsigned long long)fioff, (unsigned long long)fooff,
		(unsigned long long)fiseg, (unsigned long long)foseg,
		(unsigned long long)fop, (unsigned long long)fip0,
		(unsigned long long)report32_u(&r, "fcs0"),
		(unsigned long long)report32_u(&r, "fdp0"),
		(unsigned long long)report32_u(&r, "fds0"),
		(unsigned long long)report32_u(&r, "fop0"),
		(unsigned long long)last);
	fprintf(stderr, "note: x87 pointers: the kernel gives FIP %s, FDP %s, "
		"FOP %s (probe: %s); CPUID %s them%s%s%s%s\n",
		x87ptr_name[probe.fip], x87ptr_name[probe.fdp],
		x87ptr_name[probe.fop], probe.text,
		claims ? "promises" : "does not promise",
		hv[0] ? ", hypervisor \"" : "", hv, hv[0] ? "\"" : "",
		probe.fip == X87PTR_SAVED && probe.fdp == X87PTR_SAVED
			? ""
			: "; checked the pointers read as the kernel gives "
			  "them, not as the program sees them");
	CHECK_EQ_HEX(fip0, last);
	if (probe.fip != X87PTR_OTHER)
		CHECK_EQ_HEX(fiseg, 0);
	if (probe.fdp != X87PTR_OTHER)
		CHECK_EQ_HEX(foseg, 0);
	if (probe.fip == X87PTR_SAVED) {
		CHECK_EQ_HEX(fioff, fip0);
		/* what was written goes back into the image the CPU
		 * restores */
		CHECK_EQ_HEX(report32_u(&r, "fip"), stop);
	} else if (probe.fip == X87PTR_ZERO) {
		CHECK_EQ_HEX(fioff, 0);
	}
	if (probe.fdp == X87PTR_SAVED) {
		CHECK_EQ_HEX(fooff, report32_u(&r, "fdp0"));
		CHECK_EQ_HEX(report32_u(&r, "fdp"), fooff);
	} else if (probe.fdp == X87PTR_ZERO) {
		CHECK_EQ_HEX(fooff, 0);
	}
	if (probe.fop == X87PTR_SAVED)
		CHECK_EQ_HEX(fop, report32_u(&r, "fop0"));
	else if (probe.fop == X87PTR_ZERO)
		CHECK_EQ_HEX(fop, 0);
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_EQ_INT(sig, 0);
	pt_process_free(p);
	return TEST_PASS;
}
