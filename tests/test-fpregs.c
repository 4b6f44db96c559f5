/*
 * test-fpregs.c - x87, SSE, AVX and AVX-512 registers: the register table
 * (gdb numbering, sets, types), reading and writing them at a stop of the
 * fpregs target (targets/fpregs.c), which prints what its registers hold
 * once it goes on, the FXSAVE fallback, the initial-state case, the cache
 * (read only when asked for, written back only if changed) and the errors.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"

/* ---- the target's pattern (see targets/fpregs.c) ------------------------- */

static uint64_t pat_k(int seed, int i)
{
	return 0x0101010101010101ull * (uint64_t)(i + 1) ^
	       (seed ? 0xf0f0f0f0f0f0f0f0ull : 0);
}

static const char *hex(const void *p, size_t n)
{
	static char buf[4][160];
	static int slot;
	char *b = buf[slot++ & 3];
	for (size_t i = 0; i < n; i++)
		snprintf(b + 2 * i, 3, "%02x", ((const uint8_t *)p)[i]);
	b[2 * n] = '\0';
	return b;
}

/* ---- the target's report ---------------------------------------------------- */

#define REPORT_MAX 256

struct report {
	int n;
	char name[REPORT_MAX][16];
	char val[REPORT_MAX][96];
};

/* Lines "NAME VALUE" up to "DONE". */
static void read_report(struct child_io *io, struct report *r)
{
	char line[256];
	r->n = 0;
	for (;;) {
		int got = io_read_line(io, line, sizeof line, WAIT_MS);
		CHECKF(got == 1, "target output ended before DONE (%d)", got);
		if (strcmp(line, "DONE") == 0)
			return;
		CHECKF(strncmp(line, "unsupported", 11) != 0, "target: %s",
		       line);
		char *sp = strchr(line, ' ');
		CHECKF(sp && r->n < REPORT_MAX, "odd target line \"%s\"", line);
		*sp = '\0';
		CHECKF(strlen(line) < sizeof r->name[0] &&
			       strlen(sp + 1) < sizeof r->val[0],
		       "odd target line \"%s\"", line);
		memcpy(r->name[r->n], line, strlen(line) + 1);
		memcpy(r->val[r->n], sp + 1, strlen(sp + 1) + 1);
		r->n++;
	}
}

/* The value of the last line for name. */
static const char *report_get(const struct report *r, const char *name)
{
	for (int i = r->n - 1; i >= 0; i--)
		if (strcmp(r->name[i], name) == 0)
			return r->val[i];
	FAIL("the target printed no \"%s\"", name);
}

static void report_expect(const struct report *r, const char *name,
			  const char *want)
{
	const char *got = report_get(r, name);
	CHECKF(strcmp(got, want) == 0, "target sees %s = %s, expected %s",
	       name, got, want);
}

static void report_expect_u(const struct report *r, const char *name,
			    unsigned want)
{
	char w[32];
	snprintf(w, sizeof w, "%#x", want);
	report_expect(r, name, w);
}

/* ---- register helpers ------------------------------------------------------ */

static bool has_reg(pt_process *p, const char *name)
{
	return pt_process_reg_index(p, name) >= 0;
}

static const pt_reg_info *info_of(pt_process *p, const char *name)
{
	int i = pt_process_reg_index(p, name);
	CHECKF(i >= 0, "no register %s: %s", name, last_errmsg());
	return pt_process_reg_info(p, i);
}

static void rd(pt_thread *t, const char *name, void *buf, size_t size)
{
	pt_process *p = pt_thread_process(t);
	int i = pt_process_reg_index(p, name);
	CHECKF(i >= 0, "no register %s", name);
	uint8_t tmp[64];
	memset(tmp, 0xa5, sizeof tmp);
	int r = pt_thread_reg_read(t, i, tmp, sizeof tmp);
	CHECKF(r == (int)size, "reading %s: %s (%s)", name, err_str(r),
	       last_errmsg());
	for (size_t k = size; k < sizeof tmp; k++)
		CHECKF(tmp[k] == 0xa5, "reading %s wrote past its %zu bytes",
		       name, size);
	memcpy(buf, tmp, size);
}

static void expect_reg(pt_thread *t, const char *name, const void *want,
		       size_t size)
{
	uint8_t got[64];
	rd(t, name, got, size);
	CHECKF(memcmp(got, want, size) == 0, "%s = %s, expected %s", name,
	       hex(got, size), hex(want, size));
}

static void wr(pt_thread *t, const char *name, const void *buf, size_t size)
{
	pt_process *p = pt_thread_process(t);
	int i = pt_process_reg_index(p, name);
	CHECKF(i >= 0, "no register %s", name);
	int r = pt_thread_reg_write(t, i, buf, size);
	CHECKF(r == 0, "writing %s: %s (%s)", name, err_str(r), last_errmsg());
}

/* Whether /proc/cpuinfo lists flag for the first CPU. */
static bool cpu_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	CHECK(f != NULL);
	char line[8192];
	bool found = false;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		for (char *s = strtok(strchr(line, ':') + 1, " \n"); s;
		     s = strtok(NULL, " \n"))
			if (strcmp(s, flag) == 0)
				found = true;
		break;
	}
	fclose(f);
	return found;
}

static char name_buf[8][16];
static int name_slot;
static const char *rn(const char *prefix, int n, const char *suffix)
{
	char *b = name_buf[name_slot++ & 7];
	snprintf(b, sizeof name_buf[0], "%s%d%s", prefix, n, suffix);
	return b;
}

/* ---- the round trip --------------------------------------------------------- */

enum level { SSE = 0, AVX = 1, AVX512 = 2 };

/* Stop the fpregs target at the stop of `cmd`; check the registers hold
 * the pattern of seed 0; write seed 1 (and fctrl 0xf7f, mxcsr 0x5f80,
 * ftag 0xc000: st7 empty); check the target sees it all. */
static void round_trip(const char *cmd, const char *stop, enum level lv)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "fpregs", ARGS(cmd));
	uint64_t bp = sym("fpregs", stop);
	CHECK_OK(pt_breakpoint_add(p, bp));
	pt_thread *t = continue_to_bp(p, bp);
	int nx = lv == AVX512 ? 32 : 16;
	uint8_t z[64], st[10];
	uint64_t v;

	/* What the target loaded. */
	for (int i = 0; i < nx; i++) {
		fp_pattern_vec(0, i, z, 64);
		expect_reg(t, rn("xmm", i, ""), z, 16);
		if (lv >= AVX)
			expect_reg(t, rn("ymm", i, "h"), z + 16, 16);
		if (lv >= AVX512)
			expect_reg(t, rn("zmm", i, "h"), z + 32, 32);
	}
	if (lv >= AVX512)
		for (int i = 0; i < 8; i++) {
			CHECK_OK(pt_thread_reg_get_name(t, rn("k", i, ""), &v));
			CHECK_EQ_HEX(v, pat_k(0, i));
		}
	for (int j = 0; j < 8; j++) {
		fp_pattern_st(0, j, st);
		expect_reg(t, rn("st", j, ""), st, 10);
	}
	CHECK_EQ_HEX(reg(t, "fctrl"), 0x027f);
	CHECK_EQ_HEX(reg(t, "mxcsr"), 0x3f80);
	CHECK_EQ_HEX(reg(t, "ftag"), 0); /* eight normal numbers: valid */
	CHECK_EQ_HEX((reg(t, "fstat") >> 11) & 7, 0); /* TOP after 8 pushes */

	/* New values. */
	for (int i = 0; i < nx; i++) {
		fp_pattern_vec(1, i, z, 64);
		wr(t, rn("xmm", i, ""), z, 16);
		if (lv >= AVX)
			wr(t, rn("ymm", i, "h"), z + 16, 16);
		if (lv >= AVX512)
			wr(t, rn("zmm", i, "h"), z + 32, 32);
	}
	if (lv >= AVX512)
		for (int i = 0; i < 8; i++)
			set_reg(t, rn("k", i, ""), pat_k(1, i));
	for (int j = 0; j < 8; j++) {
		fp_pattern_st(1, j, st);
		wr(t, rn("st", j, ""), st, 10);
	}
	set_reg(t, "fctrl", 0x0f7f);
	set_reg(t, "mxcsr", 0x5f80);
	set_reg(t, "ftag", 0xc000);

	/* The cache holds them. */
	fp_pattern_vec(1, nx - 1, z, 64);
	expect_reg(t, rn("xmm", nx - 1, ""), z, 16);
	fp_pattern_st(1, 3, st);
	expect_reg(t, "st3", st, 10);
	CHECK_EQ_HEX(reg(t, "ftag"), 0xc000);
	CHECK_EQ_HEX(reg(t, "fctrl"), 0x0f7f);
	CHECK_EQ_HEX(reg(t, "mxcsr"), 0x5f80);

	/* The target sees them. */
	CHECK_OK(pt_breakpoint_remove(p, bp));
	CHECK_OK(pt_continue(p));
	struct report r;
	read_report(&io, &r);
	for (int i = 0; i < nx; i++) {
		fp_pattern_vec(1, i, z, 64);
		report_expect(&r, rn("xmm", i, ""), hex(z, 16));
		if (lv >= AVX)
			report_expect(&r, rn("ymm", i, "h"), hex(z + 16, 16));
		if (lv >= AVX512)
			report_expect(&r, rn("zmm", i, "h"), hex(z + 32, 32));
	}
	if (lv >= AVX512)
		for (int i = 0; i < 8; i++) {
			uint64_t k = pat_k(1, i);
			report_expect(&r, rn("k", i, ""), hex(&k, 8));
		}
	for (int j = 0; j < 7; j++) {
		fp_pattern_st(1, j, st);
		report_expect(&r, rn("st", j, ""), hex(st, 10));
	}
	/* st7 was made empty: popping it gives the indefinite QNaN */
	report_expect(&r, "st7", "00000000000000c0ffff");
	report_expect_u(&r, "ftag", 0xc000);
	report_expect_u(&r, "fctrl", 0x0f7f);
	report_expect_u(&r, "mxcsr", 0x5f80);

	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_EQ_INT(sig, 0);
	pt_process_free(p);
}

/* ---- tests ---------------------------------------------------------------------- */

/* The table: gdb's amd64 Linux numbering, in order; sets, types, sizes;
 * AVX and AVX-512 rows exactly where the CPU has them. */
TEST(fpregs_table)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "fpregs", ARGS("sse"));
	CHECK_STREQ(pt_process_arch(p), "x86-64");
	CHECK(pt_process_arch(NULL) == NULL);

	int n = pt_process_reg_count(p);
	bool avx = cpu_flag("avx"), avx512 = cpu_flag("avx512f");
	CHECK_EQ_INT(n, 60 + (avx ? 16 : 0) + (avx && avx512 ? 72 : 0));
	for (int i = 0; i < n; i++) {
		const pt_reg_info *ri = pt_process_reg_info(p, i);
		CHECKF(pt_process_reg_index(p, ri->name) == i,
		       "%s is not unique", ri->name);
		CHECKF(ri->gdb_regnum == i, "%s: gdb number %d at row %d",
		       ri->name, ri->gdb_regnum, i);
		CHECKF(ri->set <= PT_REGSET_SYSTEM, "%s: set %u", ri->name,
		       ri->set);
		switch (ri->type) {
		case PT_REGTYPE_FLOAT80:
			CHECK_EQ_INT(ri->size, 10);
			CHECK_EQ_INT(ri->set, PT_REGSET_X87);
			break;
		case PT_REGTYPE_VECTOR:
			CHECKF(ri->size == 16 || ri->size == 32, "%s: %u bytes",
			       ri->name, ri->size);
			break;
		default:
			CHECKF(ri->size == 4 || ri->size == 8, "%s: %u bytes",
			       ri->name, ri->size);
		}
	}
	static const struct {
		const char *name;
		int gdb;
		unsigned size, set;
		pt_reg_type type;
	} rows[] = {
		{ "gs", 23, 8, PT_REGSET_GENERAL, PT_REGTYPE_INT },
		{ "st0", 24, 10, PT_REGSET_X87, PT_REGTYPE_FLOAT80 },
		{ "st7", 31, 10, PT_REGSET_X87, PT_REGTYPE_FLOAT80 },
		{ "fctrl", 32, 4, PT_REGSET_X87, PT_REGTYPE_INT },
		{ "fstat", 33, 4, PT_REGSET_X87, PT_REGTYPE_INT },
		{ "ftag", 34, 4, PT_REGSET_X87, PT_REGTYPE_INT },
		{ "fiseg", 35, 4, PT_REGSET_X87, PT_REGTYPE_INT },
		{ "fioff", 36, 4, PT_REGSET_X87, PT_REGTYPE_INT },
		{ "foseg", 37, 4, PT_REGSET_X87, PT_REGTYPE_INT },
		{ "fooff", 38, 4, PT_REGSET_X87, PT_REGTYPE_INT },
		{ "fop", 39, 4, PT_REGSET_X87, PT_REGTYPE_INT },
		{ "xmm0", 40, 16, PT_REGSET_SSE, PT_REGTYPE_VECTOR },
		{ "xmm15", 55, 16, PT_REGSET_SSE, PT_REGTYPE_VECTOR },
		{ "mxcsr", 56, 4, PT_REGSET_SSE, PT_REGTYPE_INT },
		{ "orig_rax", 57, 8, PT_REGSET_SYSTEM, PT_REGTYPE_INT },
		{ "fs_base", 58, 8, PT_REGSET_SYSTEM, PT_REGTYPE_ADDR },
		{ "gs_base", 59, 8, PT_REGSET_SYSTEM, PT_REGTYPE_ADDR },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const pt_reg_info *ri = info_of(p, rows[i].name);
		CHECKF(ri->gdb_regnum == rows[i].gdb &&
			       ri->size == rows[i].size &&
			       ri->set == rows[i].set &&
			       ri->type == rows[i].type,
		       "%s: gdb %d size %u set %u type %d", ri->name,
		       ri->gdb_regnum, ri->size, ri->set, (int)ri->type);
	}
	/* gdb's i386.avx and i386.avx512 features, in its order. */
	CHECK_EQ_INT(has_reg(p, "ymm0h"), avx);
	if (avx) {
		CHECK_EQ_INT(info_of(p, "ymm0h")->gdb_regnum, 60);
		CHECK_EQ_INT(info_of(p, "ymm15h")->gdb_regnum, 75);
		CHECK_EQ_INT(info_of(p, "ymm15h")->set, PT_REGSET_AVX);
		CHECK_EQ_INT(info_of(p, "ymm15h")->size, 16);
	}
	CHECK_EQ_INT(has_reg(p, "zmm0h"), avx && avx512);
	if (avx && avx512) {
		static const struct {
			const char *name;
			int gdb;
			unsigned size;
		} z[] = {
			{ "xmm16", 76, 16 },  { "xmm31", 91, 16 },
			{ "ymm16h", 92, 16 }, { "ymm31h", 107, 16 },
			{ "k0", 108, 8 },     { "k7", 115, 8 },
			{ "zmm0h", 116, 32 }, { "zmm15h", 131, 32 },
			{ "zmm16h", 132, 32 }, { "zmm31h", 147, 32 },
		};
		for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) {
			const pt_reg_info *ri = info_of(p, z[i].name);
			CHECKF(ri->gdb_regnum == z[i].gdb &&
				       ri->size == z[i].size &&
				       ri->set == PT_REGSET_AVX512,
			       "%s: gdb %d size %u set %u", ri->name,
			       ri->gdb_regnum, ri->size, ri->set);
		}
	}
	CHECK_OK(pt_kill(p));
	pt_process_free(p);
	return TEST_PASS;
}

TEST(fpregs_sse_x87)
{
	round_trip("sse", "fp_sse_stop", SSE);
	return TEST_PASS;
}

TEST(fpregs_avx)
{
	if (!cpu_flag("avx"))
		SKIP("the CPU has no AVX");
	round_trip("avx", "fp_avx_stop", AVX);
	return TEST_PASS;
}

TEST(fpregs_avx512)
{
	if (!cpu_flag("avx512f") || !cpu_flag("avx512bw"))
		SKIP("the CPU has no AVX-512 (F and BW)");
	round_trip("avx512", "fp_avx512_stop", AVX512);
	return TEST_PASS;
}

/* Without XSAVE (forced): x87 and SSE through NT_PRFPREG, nothing more. */
TEST(fpregs_fxsave_fallback)
{
	CHECK(setenv("PROCTRACE_XSTATE", "fxsave", 1) == 0);
	struct child_io io;
	pt_process *p = launch_target(&io, "fpregs", ARGS("sse"));
	CHECK_EQ_INT(pt_process_reg_count(p), 60);
	CHECK(!has_reg(p, "ymm0h"));
	CHECK(!has_reg(p, "k0"));
	CHECK_EQ_INT(info_of(p, "gs_base")->gdb_regnum, 59);
	CHECK_OK(pt_kill(p));
	pt_process_free(p);
	round_trip("sse", "fp_sse_stop", SSE);
	return TEST_PASS;
}

/* Registers in their initial state (the component's bit clear in the
 * XSAVE header, as after fninit / vzeroupper) read as such, and writing
 * one makes the kernel take it. */
TEST(fpregs_init_state)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "fpregs", ARGS("init"));
	uint64_t bp = sym("fpregs", "fp_init_stop");
	CHECK_OK(pt_breakpoint_add(p, bp));
	pt_thread *t = continue_to_bp(p, bp);
	bool avx = has_reg(p, "ymm0h"), avx512 = has_reg(p, "zmm0h");
	uint8_t zero[32] = { 0 }, z[64];

	CHECK_EQ_HEX(reg(t, "ftag"), 0xffff); /* empty stack */
	CHECK_EQ_HEX(reg(t, "fctrl"), 0x037f);
	CHECK_EQ_HEX(reg(t, "fstat"), 0);
	CHECK_EQ_HEX(reg(t, "fop"), 0);
	for (int i = 0; avx && i < 16; i++)
		expect_reg(t, rn("ymm", i, "h"), zero, 16);
	for (int i = 0; avx512 && i < 16; i++)
		expect_reg(t, rn("zmm", i, "h"), zero, 32);
	if (avx) {
		fp_pattern_vec(1, 3, z, 64);
		wr(t, "ymm3h", z + 16, 16);
		expect_reg(t, "ymm3h", z + 16, 16);
	}

	CHECK_OK(pt_continue(p));
	struct report r;
	read_report(&io, &r);
	report_expect_u(&r, "fctrl", 0x037f);
	report_expect_u(&r, "ftag", 0xffff);
	for (int i = 0; avx && i < 16; i++)
		report_expect(&r, rn("ymm", i, "h"),
			      i == 3 ? hex(z + 16, 16) : hex(zero, 16));
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	pt_process_free(p);
	return TEST_PASS;
}

/* The extended state is read only when asked for, once per stop, and
 * written back only when changed (the engine's debug log says when). */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static int xreads, xwrites;

static void cache_log(pt_log_level lvl, const char *msg, void *user)
{
	(void)lvl;
	(void)user;
	pthread_mutex_lock(&cache_lock);
	xreads += strstr(msg, "extended registers read") != NULL;
	xwrites += strstr(msg, "extended registers written") != NULL;
	pthread_mutex_unlock(&cache_lock);
}

static void counts(int *r, int *w)
{
	pthread_mutex_lock(&cache_lock);
	*r = xreads;
	*w = xwrites;
	pthread_mutex_unlock(&cache_lock);
}

TEST(fpregs_cache)
{
	pt_set_log(cache_log, NULL, PT_LOG_DEBUG);
	struct child_io io;
	pt_process *p = launch_target(&io, "fpregs", ARGS("sse", "sse"));
	uint64_t bp = sym("fpregs", "fp_sse_stop");
	CHECK_OK(pt_breakpoint_add(p, bp));
	int nr, nw;
	uint8_t z[64], x[16];

	/* First stop: the general registers alone fetch nothing more. */
	pt_thread *t = continue_to_bp(p, bp);
	(void)reg(t, "rax");
	counts(&nr, &nw);
	CHECK_EQ_INT(nr, 0);
	rd(t, "xmm0", x, 16);
	rd(t, "xmm5", x, 16);
	(void)reg(t, "fctrl");
	counts(&nr, &nw);
	CHECK_EQ_INT(nr, 1);
	/* Unchanged: nothing written back. */
	t = continue_to_bp(p, bp);
	counts(&nr, &nw);
	CHECK_EQ_INT(nr, 1);
	CHECK_EQ_INT(nw, 0);
	/* Second stop: read afresh, then one write back. */
	rd(t, "xmm0", x, 16);
	counts(&nr, &nw);
	CHECK_EQ_INT(nr, 2);
	fp_pattern_vec(7, 0, z, 64);
	wr(t, "xmm0", z, 16);
	wr(t, "xmm1", z, 16);
	CHECK_OK(pt_breakpoint_remove(p, bp));
	CHECK_OK(pt_continue(p));
	int code = -1, sig = -1;
	struct report r;
	read_report(&io, &r); /* both runs: the second's lines come last */
	report_expect(&r, "xmm0", hex(z, 16));
	report_expect(&r, "xmm1", hex(z, 16));
	fp_pattern_vec(0, 2, z, 64);
	report_expect(&r, "xmm2", hex(z, 16));
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	counts(&nr, &nw);
	CHECK_EQ_INT(nr, 2);
	CHECK_EQ_INT(nw, 1);
	pt_set_log(NULL, NULL, PT_LOG_ERROR);
	pt_process_free(p);
	return TEST_PASS;
}

/* Errors: wide registers through reg_get/set, short buffers, bad values,
 * a running thread. */
TEST(fpregs_errors)
{
	struct child_io io;
	pt_process *p = launch_target(&io, "fpregs", ARGS("sse"));
	uint64_t bp = sym("fpregs", "fp_sse_stop");
	CHECK_OK(pt_breakpoint_add(p, bp));
	pt_thread *t = continue_to_bp(p, bp);
	int n = pt_process_reg_count(p);
	int xmm0 = CHECK_OK(pt_process_reg_index(p, "xmm0"));
	int st0 = CHECK_OK(pt_process_reg_index(p, "st0"));
	int mxcsr = CHECK_OK(pt_process_reg_index(p, "mxcsr"));
	int fctrl = CHECK_OK(pt_process_reg_index(p, "fctrl"));
	int rip = CHECK_OK(pt_process_reg_index(p, "rip"));
	uint64_t v = 0;
	uint8_t buf[64];

	/* Wider than 64 bits: reg_get/set refuse and point at reg_read. */
	CHECK_ERR(pt_thread_reg_get(t, xmm0, &v), PT_EINVAL);
	CHECKF(strstr(last_errmsg(), "pt_thread_reg_read") != NULL,
	       "message: %s", last_errmsg());
	CHECK_ERR(pt_thread_reg_get(t, st0, &v), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_get_name(t, "xmm3", &v), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_set(t, xmm0, 1), PT_EINVAL);
	CHECKF(strstr(last_errmsg(), "pt_thread_reg_write") != NULL,
	       "message: %s", last_errmsg());

	/* Buffers. */
	CHECK_ERR(pt_thread_reg_read(t, xmm0, buf, 15), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_read(t, st0, buf, 9), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_read(t, xmm0, NULL, 16), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_write(t, xmm0, buf, 15), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_write(t, xmm0, buf, 17), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_write(t, xmm0, NULL, 16), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_read(t, n, buf, sizeof buf), PT_ENOREG);
	CHECK_ERR(pt_thread_reg_read(t, -1, buf, sizeof buf), PT_ENOREG);
	CHECK_ERR(pt_thread_reg_write(t, n, buf, 8), PT_ENOREG);
	CHECK_ERR(pt_thread_reg_read(NULL, xmm0, buf, 16), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_write(NULL, xmm0, buf, 16), PT_EINVAL);

	/* Narrow ones work both ways, as bytes too. */
	CHECK_EQ_INT(pt_thread_reg_read(t, rip, buf, sizeof buf), 8);
	memcpy(&v, buf, 8);
	CHECK_EQ_HEX(v, bp);
	CHECK_EQ_INT(pt_thread_reg_read(t, fctrl, buf, 4), 4);
	CHECK_EQ_HEX(buf[0] | buf[1] << 8 | buf[2] << 16 | buf[3] << 24,
		     0x027f);
	uint64_t nrip = bp + 1; /* the nop: 1 byte */
	CHECK_OK(pt_thread_reg_write(t, rip, &nrip, 8));
	CHECK_EQ_HEX(pc_of(t), bp + 1);

	/* Values the registers cannot hold. */
	CHECK_ERR(pt_thread_reg_set(t, fctrl, 0x10000), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_set(t, mxcsr, 1ull << 32), PT_EINVAL);
	CHECK_ERR(pt_thread_reg_set(t, mxcsr, 0x1f80u | 1u << 31), PT_EINVAL);
	CHECKF(strstr(last_errmsg(), "MXCSR") != NULL, "message: %s",
	       last_errmsg());
	CHECK_EQ_HEX(reg(t, "mxcsr"), 0x3f80);
	CHECK_EQ_HEX(reg(t, "fctrl"), 0x027f);

	/* Gone on: the rest of the run is as loaded. */
	CHECK_OK(pt_breakpoint_remove(p, bp));
	CHECK_OK(pt_continue(p));
	struct report r;
	read_report(&io, &r);
	uint8_t z[64];
	fp_pattern_vec(0, 0, z, 64);
	report_expect(&r, "xmm0", hex(z, 16));
	report_expect_u(&r, "mxcsr", 0x3f80);
	int code = -1, sig = -1;
	run_to_exit(p, &code, &sig);
	CHECK_EQ_INT(code, 0);
	CHECK_ERR(pt_thread_reg_read(t, xmm0, buf, 16), PT_EEXITED);
	pt_process_free(p);

	/* A running thread. */
	p = launch_target(&io, "tracee", ARGS("spin"));
	t = only_thread(p);
	xmm0 = CHECK_OK(pt_process_reg_index(p, "xmm0"));
	fctrl = CHECK_OK(pt_process_reg_index(p, "fctrl"));
	CHECK_OK(pt_continue(p));
	io_expect_line(&io, "spinning");
	memset(buf, 0, sizeof buf);
	CHECK_ERR(pt_thread_reg_write(t, xmm0, buf, 16), PT_ESTATE);
	CHECKF(strstr(last_errmsg(), "running") != NULL, "message: %s",
	       last_errmsg());
	CHECK_ERR(pt_thread_reg_read(t, xmm0, buf, 16), PT_ESTATE);
	CHECK_ERR(pt_thread_reg_set(t, fctrl, 0x37f), PT_ESTATE);
	CHECK_ERR(pt_thread_reg_get(t, fctrl, &v), PT_ESTATE);
	CHECK_OK(pt_stop(p));
	CHECK_EQ_INT(pt_thread_reg_read(t, xmm0, buf, 16), 16);
	CHECK_OK(pt_kill(p));
	pt_process_free(p);
	return TEST_PASS;
}
